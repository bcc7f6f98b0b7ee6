"""Making a curator or a reviewer in one step: a staff account in its role's group.

`manage.py create_staff_user` and the admin's "Add a curator or reviewer" page both call
`staff_user_create`; the groups' permissions are `manage.py setup_roles`' (run here first, so
a fresh database needs no other step).
"""

import io

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import transaction

ROLES = {"curator": "Curator", "reviewer": "Reviewer"}


class StaffUserError(Exception):
    """The account cannot be made as asked; the message says why."""


@transaction.atomic
def staff_user_create(*, username: str, email: str = "", password: str, role: str):
    """A new active staff user in the Curator or Reviewer group (`role`: curator|reviewer),
    with the password hashed. Refuses an unknown role, an empty password or a taken name."""
    if role not in ROLES:
        raise StaffUserError(f"The role is curator or reviewer, not “{role}”.")
    if not password:
        raise StaffUserError("Give a password.")
    user_model = get_user_model()
    if user_model._default_manager.filter(username__iexact=username).exists():
        raise StaffUserError(f"There is already a user “{username}”.")
    if not Group.objects.filter(name=ROLES[role]).exists():
        call_command("setup_roles", stdout=io.StringIO())
    user = user_model._default_manager.create_user(
        username=username, email=email, password=password, is_staff=True
    )
    user.groups.add(Group.objects.get(name=ROLES[role]))
    return user
