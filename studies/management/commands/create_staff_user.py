"""manage.py create_staff_user NAME --role curator|reviewer [--email E]

The password comes from the environment (STAFF_USER_PASSWORD), else it is asked for twice.
"""

import getpass
import os

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from studies.staff import ROLES, StaffUserError, staff_user_create

PASSWORD_ENV = "STAFF_USER_PASSWORD"  # noqa: S105 (the name of a variable, not a password)


class Command(BaseCommand):
    help = "Create a staff user who is a Curator or a Reviewer, in one step."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=sorted(ROLES))
        parser.add_argument("--email", default="")
        parser.add_argument(
            "--no-input",
            action="store_true",
            help=f"Never prompt: the password must be in {PASSWORD_ENV}.",
        )

    def handle(self, *args, username, role, email, no_input, **options):
        password = os.environ.get(PASSWORD_ENV, "")
        if not password:
            if no_input:
                raise CommandError(f"Set {PASSWORD_ENV} to the new user's password.")
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Password (again): "):
                raise CommandError("The two passwords differ.")
        try:
            validate_password(password)
            user = staff_user_create(username=username, email=email, password=password, role=role)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        except StaffUserError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"Created {ROLES[role].lower()} “{user.username}” (staff).")
