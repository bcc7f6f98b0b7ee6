"""Past one machine: anonymous reads from a streaming replica, everything else from the primary.

With `DATABASE_REPLICA_URL` set, settings add a `replica` database and this router. A request
reads from the replica only when `ReplicaRoutingMiddleware` says it may: a GET or HEAD from a
reader who is not signed in and has not just written. Everything else reads from the primary:
a curator's requests (any signed-in user), every write and the request that makes it, the few
seconds after a write (read-your-writes: the response pins the browser to the primary with a
short-lived cookie, longer than the replica's lag), and everything outside a request
(management commands, the Celery worker, the tests). Writes always go to the primary.

`databases_from_environment()` builds DATABASES from the environment, with the PgBouncer
settings (docs/deploy.md) when `PGBOUNCER=1`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse

PRIMARY = "default"
REPLICA = "replica"
# Set on the response to a write; while present the browser's requests read from the primary.
PIN_COOKIE = "primary_pin"
PIN_SECONDS_DEFAULT = 10
SAFE_METHODS = ("GET", "HEAD")
# Every PostgreSQL connection's default (libpq's startup options), but behind PgBouncer.
SERIAL_PLANS = "-c max_parallel_workers_per_gather=0"

_replica_allowed: ContextVar[bool] = ContextVar("replica_allowed", default=False)


def databases_from_environment(env: Any, default_url: str) -> dict[str, dict[str, Any]]:
    """`default` from DATABASE_URL, and `replica` from DATABASE_REPLICA_URL when it is set.

    On PostgreSQL: persistent connections (CONN_MAX_AGE, default 60 s) with health checks, a
    connect timeout and no parallel workers for a query unless it asks (SERIAL_PLANS). With
    PGBOUNCER=1 (PgBouncer in transaction mode in front of the database): no server-side
    cursors (a cursor would outlive the transaction PgBouncer lends a server connection for),
    no startup options (PgBouncer refuses them); the app keeps no other session state (no SET
    outside a transaction, no advisory lock, no LISTEN, no prepared statement), and the
    database's timezone should be UTC so Django never sends `SET TIME ZONE` (docs/deploy.md).
    """
    databases = {PRIMARY: env.db("DATABASE_URL", default=default_url)}
    replica_url = env.str("DATABASE_REPLICA_URL", default="")
    if replica_url:
        databases[REPLICA] = env.db_url_config(replica_url)
    pgbouncer = env.bool("PGBOUNCER", default=False)
    for alias, database in databases.items():
        # Each request is one transaction on the primary; the replica only ever reads.
        database["ATOMIC_REQUESTS"] = alias == PRIMARY
        if database["ENGINE"] != "django.db.backends.postgresql":
            continue
        # Behind PgBouncer too: a kept client connection holds no server connection between
        # transactions, and saves a connect per request.
        database["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
        database["CONN_HEALTH_CHECKS"] = True
        # A database that does not answer gives the 503 page in seconds, not a hung worker.
        database.setdefault("OPTIONS", {}).setdefault(
            "connect_timeout", env.int("DB_CONNECT_TIMEOUT", default=5)
        )
        if pgbouncer:
            database["DISABLE_SERVER_SIDE_CURSORS"] = True
        else:
            # A page's queries plan without parallel workers: at 1M claims the claim list's
            # page 50 by design took 29 ms as a Gather of two workers against 9 ms in one
            # process, and on a busy machine the workers wait for a core. The grouped counts
            # over every row that gain from them ask for them in their own transaction
            # (public.facets.counting_every_row, the regrade's fingerprints). PgBouncer passes
            # no startup options: set it on the app's role there (docs/deploy.md).
            options = database["OPTIONS"].get("options", "")
            database["OPTIONS"]["options"] = f"{options} {SERIAL_PLANS}".strip()
    if REPLICA in databases:
        # The test runner makes no test database for the replica: it reads the primary's.
        databases[REPLICA]["TEST"] = {"MIRROR": PRIMARY}
    return databases


def replica_allowed() -> bool:
    """True while the current request may read from the replica."""
    return _replica_allowed.get()


@contextmanager
def reading_from_replica(allowed: bool = True) -> Iterator[None]:
    """Let the reads inside the block go to the replica (the middleware's switch)."""
    token = _replica_allowed.set(allowed)
    try:
        yield
    finally:
        _replica_allowed.reset(token)


class PrimaryReplicaRouter:
    """Reads to the replica while the request allows it; writes and migrations to the primary."""

    def db_for_read(self, model: type, **hints: Any) -> str | None:
        if _replica_allowed.get() and REPLICA in settings.DATABASES:
            return REPLICA
        return PRIMARY

    def db_for_write(self, model: type, **hints: Any) -> str | None:
        return PRIMARY

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        # The replica holds the same rows as the primary.
        return True

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        return db == PRIMARY


def _may_read_replica(request: HttpRequest) -> bool:
    if request.method not in SAFE_METHODS or PIN_COOKIE in request.COOKIES:
        return False
    user = getattr(request, "user", None)
    return not (user is not None and user.is_authenticated)


class ReplicaRoutingMiddleware:
    """Decide per request whether its reads may go to the replica; pin after a write.

    After AuthenticationMiddleware (it asks whether the reader is signed in; the session and
    the user are read from the primary, before the switch).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with reading_from_replica(_may_read_replica(request)):
            response = self.get_response(request)
        if request.method not in SAFE_METHODS:
            seconds = getattr(settings, "REPLICA_PIN_SECONDS", PIN_SECONDS_DEFAULT)
            response.set_cookie(
                PIN_COOKIE,
                "1",
                max_age=seconds,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response
