from pathlib import Path

from django.core.management.base import BaseCommand

from config import backup


class Command(BaseCommand):
    help = (
        "Write a consistent copy of the database: pg_dump's custom format on PostgreSQL, "
        "SQLite's backup API on SQLite. Put it back with restore_db."
    )

    def add_arguments(self, parser):
        parser.add_argument("--output", type=Path, help="the file to write")
        parser.add_argument(
            "--directory",
            type=Path,
            default=Path("backups"),
            help="where to write a file named after the database and the time (default backups/)",
        )

    def handle(self, *args, output, directory, **options):
        path = backup.backup(output or directory / backup.default_name())
        self.stdout.write(f"Backed up to {path} ({path.stat().st_size:,} bytes).")
