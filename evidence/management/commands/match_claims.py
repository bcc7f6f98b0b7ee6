"""Which known claims a text file makes: `python manage.py match_claims FILE`.

The same matcher and index as the public "Check an article" page (published claims, the quotes
of their public mentions). JSON output is a list of objects with exactly the keys `start`, `end`,
`sentence`, `claim`, `stance` and `score`; offsets count characters of the file as read (UTF-8,
line endings made LF, Unicode NFC: the form documents are stored in). `-` reads standard input.
"""

import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from evidence.anchoring import normalize_text
from evidence.matching import DEFAULT_MIN_SCORE
from evidence.matching_index import published_index


class Command(BaseCommand):
    help = "Match a plain-text article against the published claims."

    def add_arguments(self, parser):
        parser.add_argument("file", help="A UTF-8 text file, or - for standard input.")
        parser.add_argument("--format", choices=["json", "text"], default="json")
        parser.add_argument(
            "--min-score",
            type=float,
            default=DEFAULT_MIN_SCORE,
            help=f"Leave out matches scoring below this (0–1; default {DEFAULT_MIN_SCORE}).",
        )

    def handle(self, *args, file, format, min_score, **options):
        if not 0 <= min_score <= 1:
            raise CommandError("--min-score must lie between 0 and 1.")
        try:
            raw = sys.stdin.read() if file == "-" else Path(file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"Cannot read {file}: {error}") from error
        try:
            index = published_index()
        except DatabaseError as error:
            raise CommandError(
                f"Cannot read the claims from the database ({error}). Create it and load the "
                "seed first: `make run` does both, or `python manage.py migrate` and "
                "`python manage.py load_seed`."
            ) from error
        report = index.match_text(normalize_text(raw), min_score=min_score)
        if format == "json":
            self.stdout.write(json.dumps([m.as_row() for m in report.matches], indent=2))
            return
        for match in report.matches:
            self.stdout.write(
                f"{match.start}-{match.end}\t{match.claim}\t{match.stance}\t{match.score:.3f}\t"
                f"{match.sentence}"
            )
        for candidate in report.candidates:
            sentence = candidate.sentence
            self.stdout.write(f"{sentence.start}-{sentence.end}\tNEW CLAIM?\t{sentence.text}")
