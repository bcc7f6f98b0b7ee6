"""The database router's rules, without a replica: who may read from it, and the settings the
environment gives (the real replica is in test_replica.py)."""

import environ
import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponse
from django.test import RequestFactory

from config.routers import (
    PIN_COOKIE,
    PRIMARY,
    REPLICA,
    PrimaryReplicaRouter,
    ReplicaRoutingMiddleware,
    databases_from_environment,
    reading_from_replica,
    replica_allowed,
)

PRIMARY_URL = "postgres://evidence@db1:5432/evidence"
REPLICA_URL = "postgres://evidence@db2:5432/evidence"


class _User:
    is_authenticated = True


def _seen(request):
    """Run the middleware; what the view saw and the response."""
    seen = {}

    def view(request):
        seen["replica"] = replica_allowed()
        return HttpResponse("ok")

    response = ReplicaRoutingMiddleware(view)(request)
    return seen["replica"], response


def _request(method="get", user=None, cookies=None):
    request = getattr(RequestFactory(), method)("/claims/")
    request.user = user or AnonymousUser()
    request.COOKIES.update(cookies or {})
    return request


def test_an_anonymous_get_or_head_may_read_from_the_replica():
    assert _seen(_request("get"))[0] is True
    assert _seen(_request("head"))[0] is True


def test_a_signed_in_curator_reads_from_the_primary():
    assert _seen(_request(user=_User()))[0] is False


def test_a_write_reads_from_the_primary_and_pins_the_browser_to_it():
    replica, response = _seen(_request("post"))
    assert replica is False
    assert response.cookies[PIN_COOKIE]["max-age"] == 10
    assert response.cookies[PIN_COOKIE]["httponly"]


def test_a_pinned_browser_reads_from_the_primary_until_the_pin_expires():
    assert _seen(_request(cookies={PIN_COOKIE: "1"}))[0] is False


def test_a_read_does_not_pin():
    assert PIN_COOKIE not in _seen(_request("get"))[1].cookies


def test_outside_a_request_everything_reads_and_writes_the_primary(settings):
    settings.DATABASES = {**settings.DATABASES, REPLICA: settings.DATABASES["default"]}
    router = PrimaryReplicaRouter()
    assert router.db_for_read(object) == PRIMARY
    with reading_from_replica():
        assert router.db_for_read(object) == REPLICA
        assert router.db_for_write(object) == PRIMARY
    assert router.db_for_read(object) == PRIMARY
    assert router.allow_migrate(REPLICA, "evidence") is False


def _databases(monkeypatch, **variables):
    for name in ("DATABASE_URL", "DATABASE_REPLICA_URL", "PGBOUNCER", "CONN_MAX_AGE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    return databases_from_environment(environ.Env(), "sqlite:///db.sqlite3")


def test_without_a_replica_url_there_is_one_database(monkeypatch):
    databases = _databases(monkeypatch, DATABASE_URL=PRIMARY_URL)
    assert list(databases) == [PRIMARY]
    assert databases[PRIMARY]["ATOMIC_REQUESTS"] is True
    assert databases[PRIMARY]["CONN_MAX_AGE"] == 60
    assert "DISABLE_SERVER_SIDE_CURSORS" not in databases[PRIMARY]


def test_a_replica_url_adds_a_read_only_replica_the_tests_mirror(monkeypatch):
    databases = _databases(monkeypatch, DATABASE_URL=PRIMARY_URL, DATABASE_REPLICA_URL=REPLICA_URL)
    assert databases[REPLICA]["HOST"] == "db2"
    assert databases[REPLICA]["ATOMIC_REQUESTS"] is False
    assert databases[REPLICA]["TEST"] == {"MIRROR": PRIMARY}


@pytest.mark.parametrize("alias", [PRIMARY, REPLICA])
def test_behind_pgbouncer_no_server_side_cursors(monkeypatch, alias):
    databases = _databases(
        monkeypatch, DATABASE_URL=PRIMARY_URL, DATABASE_REPLICA_URL=REPLICA_URL, PGBOUNCER="1"
    )
    assert databases[alias]["DISABLE_SERVER_SIDE_CURSORS"] is True
    assert databases[alias]["CONN_HEALTH_CHECKS"] is True


@pytest.mark.parametrize("alias", [PRIMARY, REPLICA])
def test_postgresql_connections_plan_without_parallel_workers_unless_behind_pgbouncer(
    monkeypatch, alias
):
    databases = _databases(monkeypatch, DATABASE_URL=PRIMARY_URL, DATABASE_REPLICA_URL=REPLICA_URL)
    assert databases[alias]["OPTIONS"]["options"] == "-c max_parallel_workers_per_gather=0"
    behind = _databases(
        monkeypatch, DATABASE_URL=PRIMARY_URL, DATABASE_REPLICA_URL=REPLICA_URL, PGBOUNCER="1"
    )
    assert "options" not in behind[alias]["OPTIONS"]  # PgBouncer refuses startup options


def test_startup_options_in_the_url_are_kept_beside_the_serial_plans(monkeypatch):
    url = f"{PRIMARY_URL}?options=-c%20statement_timeout%3D5000"
    options = _databases(monkeypatch, DATABASE_URL=url)[PRIMARY]["OPTIONS"]["options"]
    assert options == "-c statement_timeout=5000 -c max_parallel_workers_per_gather=0"


def test_sqlite_gets_no_postgresql_settings(monkeypatch):
    databases = _databases(monkeypatch, PGBOUNCER="1")
    assert databases[PRIMARY]["ENGINE"] == "django.db.backends.sqlite3"
    assert "CONN_MAX_AGE" not in databases[PRIMARY] or databases[PRIMARY]["CONN_MAX_AGE"] == 0
