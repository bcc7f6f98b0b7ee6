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


def reference_copy(name: str):
    """A parameter for a test comparing fixtures/seed/NAME with the verified reference's NAME,
    skipped, saying what is missing and what goes unchecked, when the reference is not there."""
    missing = not (SHARED_REFERENCE / name).exists()
    reason = (
        f"../shared/reference/{name} is not beside the checkout: cannot check that the seed "
        f"copy fixtures/seed/{name} is identical to the verified reference"
    )
    return pytest.param(name, marks=pytest.mark.skipif(missing, reason=reason))


# The seed, loaded and graded once per test session rather than once per test (~1.5 s each).
#
# A plain seeded test (one that asks for `seeded` and runs in the usual rolled-back transaction)
# runs after every other non-transactional database test. Before the first of them the seed is
# loaded inside an outer transaction, left open; each test's own transaction nests in it as a
# savepoint and is rolled back as usual, so every seeded test sees exactly the seed, whatever the
# tests before it wrote. Before any other database test (transactional and live-server tests
# come after the seeded ones) the outer transaction is rolled back, so those tests see the empty
# database as before; if a plain seeded test still comes later (another order, `-p randomly`),
# the seed is loaded again the same way. A transactional test that asks for `seeded` loads the
# seed itself, committed, as it always did. At the end of the session the outer transaction is
# rolled back.

_DB_FIXTURES = {
    "db",
    "transactional_db",
    "live_server",
    "django_db_reset_sequences",
    "django_db_serialized_rollback",
}


def _transactional(item: pytest.Item) -> bool:
    marker = item.get_closest_marker("django_db")
    if marker and (marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences")):
        return True
    fixtures = set(getattr(item, "fixturenames", ()))
    return bool(fixtures & {"transactional_db", "live_server", "django_db_reset_sequences"})


def _plain_seeded(item: pytest.Item) -> bool:
    return "seeded" in getattr(item, "fixturenames", ()) and not _transactional(item)


def _uses_db(item: pytest.Item) -> bool:
    fixtures = set(getattr(item, "fixturenames", ()))
    return bool(item.get_closest_marker("django_db") or fixtures & _DB_FIXTURES)


class _SessionSeed:
    """The seed held in one outer transaction on the default database, while it is open."""

    def __init__(self):
        self.blocker = None  # pytest-django's django_db_blocker, once the test database exists
        self.atomic = None  # the open outer transaction, or None
        self.report = None  # what loading it reported
        self.item = None  # the test being set up

    def open(self) -> None:
        from django.db import transaction

        from evidence.seed import seed_load

        with self.blocker.unblock():
            self.atomic = transaction.atomic()
            self.atomic.__enter__()
            try:
                self.report = seed_load()
            except BaseException:
                self.close()
                raise

    def close(self) -> None:
        from django.db import transaction

        atomic, self.atomic = self.atomic, None
        with self.blocker.unblock():
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


_SEED = _SessionSeed()


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """Plain seeded tests after the other non-transactional database tests (pytest-django has
    put those first, then transactional ones, then tests without a database)."""

    def order(item: pytest.Item) -> int:
        if _transactional(item):
            return 2
        if _plain_seeded(item):
            return 1
        return 0 if _uses_db(item) else 3

    items.sort(key=order)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    """Before the test's fixtures: open the seed for a plain seeded test, close it for any other
    database test."""
    _SEED.item = item
    if _SEED.blocker is None:
        return  # no seed yet; the first plain seeded test opens it through _session_seed
    if _plain_seeded(item):
        if _SEED.atomic is None:
            _SEED.open()
    elif _SEED.atomic is not None and _uses_db(item):
        _SEED.close()


@pytest.fixture(scope="session")
def _session_seed(django_db_setup, django_db_blocker):
    _SEED.blocker = django_db_blocker
    if _plain_seeded(_SEED.item):
        _SEED.open()
    yield _SEED
    if _SEED.atomic is not None:
        _SEED.close()
    _SEED.blocker = None


@pytest.fixture
def seeded(request, _session_seed, db):
    """The whole seed evidence base, loaded as `make run` loads it: its SeedReport (what loading
    it created). Loaded once for the plain seeded tests, rolled back after each."""
    from evidence.seed import seed_load

    if _SEED.atomic is None and _plain_seeded(request.node):
        raise RuntimeError("the session's seed transaction should be open here")
    if _SEED.atomic is not None:
        return _SEED.report
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


# The shared cache (public.page_cache), cleared around the test.


def _cache_on(settings, *, pages: bool):
    from django.core.cache import cache

    settings.PAGE_CACHE_SECONDS = 300
    settings.PAGE_CACHE_PAGES = pages
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def pages_cached(settings):
    """Whole pages (and API answers) kept for anonymous readers, and the parts below them."""
    yield from _cache_on(settings, pages=True)


@pytest.fixture
def parts_kept(settings):
    """The shared parts kept (facet counts, options, rendered rows and tables), the whole pages
    not: each request builds its page, as a curator's does, and the benchmark's cold pages."""
    yield from _cache_on(settings, pages=False)


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
