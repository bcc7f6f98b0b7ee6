"""Import citation files (RIS, BibTeX, PubMed XML, CSL-JSON) as draft studies."""

import sys
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from studies.importers import CitationFileError
from studies.models import StudyStatus
from studies.services import citations_import


class Command(BaseCommand):
    help = (
        "Import citation files as studies, de-duplicated against the database and within "
        "each file (DOI, then PMID, then title and year). Each file is all or nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", type=Path)
        parser.add_argument(
            "--dry-run", action="store_true", help="Report what would happen; write nothing."
        )
        parser.add_argument(
            "--status",
            default=StudyStatus.DRAFT,
            choices=[StudyStatus.DRAFT],
            help="Status of the new studies: always draft (they pass review before going "
            "public, and the curator sets each one's design first).",
        )
        parser.add_argument("--user", help="Username recorded in the history as the importer.")
        parser.add_argument(
            "--max-bytes",
            type=int,
            default=None,
            help="Refuse a file larger than this (default: the CITATION_UPLOAD_MAX_BYTES "
            "setting, as for uploads).",
        )

    def handle(self, *args, files, dry_run, status, user, max_bytes, verbosity, **options):
        by = None
        if user:
            try:
                by = get_user_model().objects.get(username=user)
            except get_user_model().DoesNotExist:
                raise CommandError(f"There is no user “{user}”.") from None
        failed = []
        for path in files:
            try:
                content = path.read_bytes()
            except OSError as error:
                failed.append(path)
                self.stderr.write(f"{path}: cannot be read ({error.strerror}).")
                continue
            try:
                with transaction.atomic():
                    report = citations_import(
                        filename=path.name,
                        content=content,
                        by=by,
                        dry_run=dry_run,
                        status=status,
                        progress=verbosity > 0 and sys.stderr.isatty(),
                        max_bytes=max_bytes,
                    )
            except CitationFileError as error:
                failed.append(path)
                self.stderr.write(f"{path}: not imported, nothing written. {error}")
                continue
            if verbosity > 0:
                for line in report.lines:
                    self.stdout.write(f"  {line}")
            self.stdout.write(report.summary())
        if failed:
            names = ", ".join(str(p) for p in failed)
            raise CommandError(f"{len(failed)} file(s) could not be imported: {names}.")
