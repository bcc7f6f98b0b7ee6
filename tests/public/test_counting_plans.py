"""A page's queries plan without parallel workers; the grouped counts over every row get them
back for their own block (public.facets.counting_every_row), on PostgreSQL."""

import pytest
from django.db import ProgrammingError, connection
from django.test.utils import CaptureQueriesContext

from evidence.models import Claim
from public import facet_totals
from public.facets import counting_every_row
from public.views.documents import map_sizes

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="parallel plans are PostgreSQL's"),
]


def _show(name: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SHOW {name}")
        return cursor.fetchone()[0]


def test_a_connection_plans_without_parallel_workers():
    assert _show("max_parallel_workers_per_gather") == "0"


def test_a_count_over_every_row_gets_them_for_its_block_only(settings):
    settings.PARALLEL_WORKERS = 3
    before = _show("work_mem")
    with counting_every_row(Claim):
        assert _show("max_parallel_workers_per_gather") == "3"
        assert _show("work_mem") == "64MB"
    # Set back though the block was inside this test's transaction, as inside a request's.
    assert (_show("max_parallel_workers_per_gather"), _show("work_mem")) == ("0", before)


def test_a_failing_count_raises_its_own_error():
    with pytest.raises(ProgrammingError, match="no_such_table"):
        with counting_every_row(Claim), connection.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM no_such_table")


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_the_block_is_one_of_its_own(settings):
    settings.PARALLEL_WORKERS = 3
    assert not connection.in_atomic_block
    with counting_every_row(Claim):
        assert connection.in_atomic_block
        assert _show("max_parallel_workers_per_gather") == "3"
    assert _show("max_parallel_workers_per_gather") == "0"


def test_a_block_inside_another_leaves_the_outer_ones_settings_alone(settings):
    settings.PARALLEL_WORKERS = 3
    with counting_every_row(Claim):
        with counting_every_row(Claim):
            pass
        assert _show("max_parallel_workers_per_gather") == "3"
    assert _show("max_parallel_workers_per_gather") == "0"


@pytest.mark.parametrize(
    "compute",
    [
        facet_totals.CLAIMS.compute_totals,
        facet_totals.CLAIMS.compute_all_pairs,
        lambda: facet_totals.CLAIMS.compute_pairs("design", "rct"),
        lambda: facet_totals.CLAIMS.compute_size("design", "rct"),
        facet_totals.STUDIES.compute_totals,
        map_sizes,
    ],
    ids=[
        "claim totals",
        "claim pairs",
        "one value's pairs",
        "a value's size",
        "study totals",
        "the map's sizes",
    ],
)
def test_every_facet_total_counts_with_the_parallel_workers(seeded, compute, settings):
    settings.PAGE_CACHE_SECONDS = 0  # nothing kept: each is counted here
    with CaptureQueriesContext(connection) as captured:
        compute()
    sqls = [q["sql"] for q in captured.captured_queries]
    counts = [i for i, sql in enumerate(sqls) if "COUNT(" in sql.upper()]
    assert counts
    workers = [i for i, sql in enumerate(sqls) if "max_parallel_workers_per_gather'" in sql]
    assert workers and workers[0] < counts[0]
