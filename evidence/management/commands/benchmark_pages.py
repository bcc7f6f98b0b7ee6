"""Time every public page on the current database and count its queries, as a table.

Loads nothing: it reads whatever the database holds (e.g. after `make seed`) and picks the
first published claim, study and document for the detail pages. Each URL is fetched once to
count queries and read the status, then N times for the timing; the median is reported. A page
that answers 404 or 500 is reported with its status, not raised.
"""

import logging
import statistics
import time
from contextlib import contextmanager

from django.core.management.base import BaseCommand
from django.db import connection
from django.test import Client, override_settings
from django.urls import reverse

from evidence.models import Claim, PublicationStatus, SourceDocument
from studies.models import Study


def public_pages() -> list[tuple[str, str | None]]:
    """(name, URL) for each public page; the URL is None when no published record exists."""
    claim = Claim.objects.published().order_by("pk").first()
    study = Study.objects.published().order_by("pk").first()
    document = (
        SourceDocument.objects.filter(status=PublicationStatus.PUBLISHED).order_by("pk").first()
    )
    return [
        ("home", reverse("evidence:home")),
        ("claim list", reverse("evidence:claim_list")),
        ("claim page", claim.get_absolute_url() if claim else None),
        ("study list", reverse("studies:list")),
        ("study page", study.get_absolute_url() if study else None),
        ("annotated article", document.get_absolute_url() if document else None),
        ("evidence map", reverse("evidence:evidence_map")),
        ("search", reverse("evidence:search") + "?q=collagen"),
    ]


@contextmanager
def counting_queries():
    """Counts the SQL statements run inside; survives the reconnects a request may make
    (the test client's request_started signal resets Django's own query log)."""
    count = [0]

    def counter(execute, sql, params, many, context):
        count[0] += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counter):
        yield count


@contextmanager
def quiet_request_log():
    """Pages that are missing answer 404; the table says so once, the log need not 20 times."""
    logger = logging.getLogger("django.request")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


class Command(BaseCommand):
    help = "Time each public page (median of N runs) and count its SQL queries."

    def add_arguments(self, parser):
        parser.add_argument("--runs", type=int, default=5, help="Timed runs per page (default 5).")

    def handle(self, *args, runs: int, **options):
        runs = max(1, runs)
        client = Client(raise_request_exception=False)
        rows = []
        # The test client's host is "testserver"; allow it whatever the environment says.
        with override_settings(ALLOWED_HOSTS=["testserver"]), quiet_request_log():
            for name, url in public_pages():
                if url is None:
                    rows.append((name, "(nothing published)", "-", "-", "-"))
                    continue
                with counting_queries() as queries:
                    status = client.get(url).status_code
                timings = []
                for _ in range(runs):
                    began = time.perf_counter()
                    client.get(url)
                    timings.append((time.perf_counter() - began) * 1000)
                median = f"{statistics.median(timings):.1f}"
                rows.append((name, url, str(status), str(queries[0]), median))

        header = ("page", "url", "status", "queries", "median ms")
        widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
        line = "  ".join("{:<%d}" % w for w in widths)  # noqa: UP031 -- widths vary per column
        self.stdout.write(line.format(*header))
        self.stdout.write(line.format(*("-" * w for w in widths)))
        for row in rows:
            self.stdout.write(line.format(*row))
        self.stdout.write(f"\n{connection.vendor}, {runs} timed run(s) per page after one warm-up.")
