"""Anonymous reads from a REAL streaming replica, a curator's reads and writes from the primary.

A second PostgreSQL cluster is made on this machine from the test database's server with
`pg_basebackup -R` (tests/config/replica_cluster.py) and streams its WAL. Skipped, with the
reason, when that cannot be done here (SQLite, no PostgreSQL binaries, replication refused).
"""

import time

import pytest
from django.conf import settings
from django.db import connection, connections
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from config.routers import PIN_COOKIE, REPLICA
from tests.config.replica_cluster import StreamingReplica, unavailable
from tests.factories import ClaimFactory

ROUTER = "config.routers.PrimaryReplicaRouter"
MIDDLEWARE = "config.routers.ReplicaRoutingMiddleware"
POSTGRESQL = connections.settings["default"]["ENGINE"] == "django.db.backends.postgresql"

if POSTGRESQL and REPLICA not in settings.DATABASES:
    # The `replica` database as DATABASE_REPLICA_URL declares it (a test mirror of the primary,
    # so the test runner neither creates nor flushes it), pointed at the real replica below.
    default = connections.settings["default"]
    settings.DATABASES[REPLICA] = {
        **default,
        "ATOMIC_REQUESTS": False,
        "TEST": {**default["TEST"], "MIRROR": "default"},
    }
pytestmark = (
    pytest.mark.django_db(transaction=True, databases=["default", REPLICA])
    if POSTGRESQL
    else pytest.mark.skip(reason="no streaming replica: DATABASE_URL is not PostgreSQL")
)


@pytest.fixture(scope="module")
def streaming_replica(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        reason = unavailable(connection.settings_dict, cursor)
    if reason:
        pytest.skip(f"no streaming replica: {reason}")
    primary = connection.settings_dict
    with StreamingReplica(host=primary["HOST"], port=primary["PORT"], user=primary["USER"]) as r:
        yield r


@pytest.fixture
def replica(streaming_replica, transactional_db, settings):
    """The app as DATABASE_REPLICA_URL sets it up, pointed at the real replica."""
    replica = connections[REPLICA]
    replica.close()
    port = replica.settings_dict["PORT"]
    replica.settings_dict["PORT"] = streaming_replica.port
    settings.DATABASE_ROUTERS = [ROUTER]
    middleware = list(settings.MIDDLEWARE)
    at = middleware.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1
    settings.MIDDLEWARE = [*middleware[:at], MIDDLEWARE, *middleware[at:]]
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    try:
        yield replica
    finally:
        with replica.cursor() as cursor:
            cursor.execute("SELECT pg_wal_replay_resume()")
        replica.close()
        replica.settings_dict["PORT"] = port


def _on_replica(replica, sql, params, expected, timeout=30.0):
    """Waits until `sql` on this connection (the replica, or the primary asking about it) gives
    `expected`: a standby catching up with a busy primary's WAL gets there in its own time."""
    deadline = time.monotonic() + timeout
    while True:
        with replica.cursor() as cursor:
            cursor.execute(sql, params)
            row = cursor.fetchone()
        if row and row[0] == expected:
            return
        if time.monotonic() > deadline:
            pytest.fail(f"the replica did not catch up in {timeout}s: {row!r}")
        time.sleep(0.1)


def _statement_on_replica(replica, claim, expected):
    sql = "SELECT statement FROM evidence_claim WHERE id = %s"
    _on_replica(replica, sql, [claim.pk], expected)


def _get(client, url):
    with (
        CaptureQueriesContext(connections[REPLICA]) as on_replica,
        CaptureQueriesContext(connections["default"]) as on_primary,
    ):
        response = client.get(url)
    assert response.status_code == 200
    return response.content.decode(), on_replica, on_primary


def _claim_queries(captured):
    return [q for q in captured.captured_queries if "evidence_claim" in q["sql"]]


def test_the_replica_is_a_real_standby_streaming_from_the_primary(replica):
    with replica.cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery()")
        assert cursor.fetchone()[0] is True
    _on_replica(replica, "SELECT status FROM pg_stat_wal_receiver", [], "streaming")
    # The primary says so too once the standby has caught up ("catchup" until then).
    streaming = "SELECT count(*) >= 1 FROM pg_stat_replication WHERE state = 'streaming'"
    _on_replica(connection, streaming, [], True)


def test_a_published_claim_written_on_the_primary_is_served_to_readers_from_the_replica(replica):
    claim = ClaimFactory(statement="Microneedling is read from the replica.")
    _statement_on_replica(replica, claim, claim.statement)
    url = reverse("evidence:claim_detail", kwargs={"slug": claim.slug})
    page, on_replica, on_primary = _get(Client(), url)
    assert "Microneedling is read from the replica." in page
    assert _claim_queries(on_replica)
    assert not _claim_queries(on_primary)


def test_curators_read_the_primary_and_read_their_writes_after_saving(replica, curator):
    claim = ClaimFactory(statement="The first wording.")
    _statement_on_replica(replica, claim, claim.statement)
    url = reverse("evidence:claim_detail", kwargs={"slug": claim.slug})
    # Hold the replica back: from here on it shows the first wording until replay resumes.
    with replica.cursor() as cursor:
        cursor.execute("SELECT pg_wal_replay_pause()")
    type(claim).objects.filter(pk=claim.pk).update(statement="The second wording.")

    page, _, _ = _get(Client(), url)
    assert "The first wording." in page, "an anonymous reader reads the (lagging) replica"

    browser = Client()
    browser.force_login(curator)
    page, on_replica, on_primary = _get(browser, url)
    assert "The second wording." in page
    assert _claim_queries(on_primary) and not on_replica.captured_queries

    # A write (here: signing out) pins the browser to the primary for a few seconds.
    response = browser.post(reverse("admin:logout"))
    assert response.cookies[PIN_COOKIE]["max-age"] == 10
    page, on_replica, _ = _get(browser, url)
    assert "The second wording." in page
    assert not on_replica.captured_queries

    with replica.cursor() as cursor:
        cursor.execute("SELECT pg_wal_replay_resume()")
    _statement_on_replica(replica, claim, "The second wording.")
    page, on_replica, _ = _get(Client(), url)
    assert "The second wording." in page
    assert _claim_queries(on_replica)
