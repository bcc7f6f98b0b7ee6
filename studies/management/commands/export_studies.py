"""Write studies out in a citation format or as the studies-and-outcomes spreadsheet.

    DEBUG=1 .venv/bin/python manage.py export_studies --format csljson > studies.json
    DEBUG=1 .venv/bin/python manage.py export_studies --format xlsx --output studies.xlsx

Published studies only unless --all (drafts hold a curator's unchecked work).
"""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from studies.exporters import to_bibtex, to_csljson, to_csv, to_ris, to_xlsx
from studies.models import Study

WRITERS = {"bibtex": to_bibtex, "ris": to_ris, "csljson": to_csljson, "csv": to_csv}


class Command(BaseCommand):
    help = "Export studies as BibTeX, RIS, CSL-JSON, or a CSV/XLSX spreadsheet with outcomes."

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=[*WRITERS, "xlsx"], required=True)
        parser.add_argument("--output", help="File to write (default: standard output).")
        parser.add_argument("--all", action="store_true", help="Drafts and reviews too.")

    def handle(self, *args, format, output, all, **options):
        studies = Study.objects.order_by("-year", "title").prefetch_related("outcomes")
        if not all:
            studies = studies.published()
        if format == "xlsx":
            if not output:
                raise CommandError("An XLSX workbook needs --output FILE.")
            Path(output).write_bytes(to_xlsx(studies))
            return
        text = WRITERS[format](studies)
        if output:
            Path(output).write_text(text, encoding="utf-8")
        else:
            sys.stdout.write(text)
