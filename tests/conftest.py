import io
import json
from pathlib import Path

import pytest
from django.conf import settings

REPO = Path(settings.BASE_DIR)
SEED_DIR = REPO / "fixtures" / "seed"
# The verified reference beside the checkout; CI and developers have it. The copy in
# fixtures/seed/ is what the app loads, and it must stay identical to this one.
SHARED_REFERENCE = REPO.parent / "shared" / "reference"


@pytest.fixture
def seeded(db):
    """The whole seed evidence base, loaded as `make run` loads it."""
    from evidence.seed import seed_load

    return seed_load()


@pytest.fixture(scope="session")
def bibliography() -> list[dict]:
    return json.loads((SEED_DIR / "bibliography.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def outcome_rows() -> list[dict]:
    return json.loads((SEED_DIR / "outcomes.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def curated() -> dict:
    return json.loads((SEED_DIR / "evidence.json").read_text(encoding="utf-8"))


# Personas: the people who use the admin. Roles come from `manage.py setup_roles`.


@pytest.fixture
def roles(db):
    from django.core.management import call_command

    call_command("setup_roles", stdout=io.StringIO())


def _member(username: str, group: str | None, **extra):
    from django.contrib.auth.models import Group

    from tests.factories import UserFactory

    user = UserFactory(username=username, is_staff=True, **extra)
    if group:
        user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def curator(roles):
    return _member("curator", "Curator")


@pytest.fixture
def reviewer(roles):
    return _member("reviewer", "Reviewer")


@pytest.fixture
def second_reviewer(roles):
    return _member("reviewer2", "Reviewer")


@pytest.fixture
def superuser(db):
    return _member("admin", None, is_superuser=True)


@pytest.fixture
def persona(request, curator, reviewer, superuser):
    """Parametrise with indirect=True over "anonymous", "curator", "reviewer", "superuser"."""
    return {"anonymous": None, "curator": curator, "reviewer": reviewer, "superuser": superuser}[
        request.param
    ]


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Personas log in with real passwords; a slow hasher only slows the tests."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
