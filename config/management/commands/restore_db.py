from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from config import backup


class Command(BaseCommand):
    help = "Replace the database's contents with a backup written by backup_db (make backup)."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--noinput",
            "--no-input",
            action="store_false",
            dest="interactive",
            help="do not ask for confirmation",
        )

    def handle(self, *args, file, interactive, **options):
        name = connection.settings_dict["NAME"]
        if interactive:
            answer = input(
                f"This replaces everything in the database {name} with {file}. Type 'yes': "
            )
            if answer.strip() != "yes":
                raise CommandError("Restore cancelled.")
        backup.restore(file)
        self.stdout.write(f"Restored {name} from {file}.")
