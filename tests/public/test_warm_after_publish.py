"""After a publish the worker builds the lists' facet counts (public/tasks.py), so the first
reader of the claim and study lists takes them from the cache, and they are the new ones."""

import re

import pytest
from django.db import connection, transaction
from django.urls import reverse

from evidence.models import PublicationStatus
from evidence.workflow import claim_publish, claim_submit
from public import page_cache, tasks
from tests.factories import ClaimFactory, EvidenceLinkFactory
from tests.list_factories import COUNTING, small_base

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("parts_kept")]

CLAIMS = reverse("evidence:claim_list")
STUDIES = reverse("studies:list")
POSTGRESQL = connection.vendor == "postgresql"
# The claim list with its facet counts and filter options from the cache: the request's
# savepoint and release, the categories, the page's keys one category at a time (two here),
# the rows whose rendered row the cache lacks (all, the first time); without them the two
# grouped counts of the facet totals (public.facet_totals) with the categories' slugs
# for each (on PostgreSQL with more memory to group in and parallel workers, set and set back:
# COUNTING more), and two option lists more.
CLAIMS_WARM = 6
CLAIMS_COLD = CLAIMS_WARM + 6 + COUNTING
# The study list: savepoint and release, its page's keys, the rows whose rendered row the cache
# lacks (all, the first time), no count (its design facet's counts give the total);
# without the cache the grouped counts of its facet totals and the
# categories' slugs: on PostgreSQL two grouped counts, with more memory and parallel workers
# (COUNTING more), on SQLite one grouped count, the studies and their claims' categories; its
# options are the claim list's, already kept by the claim list's request before it.
STUDIES_WARM = 4
STUDIES_COLD = STUDIES_WARM + (3 + COUNTING if POSTGRESQL else 4)


@pytest.fixture
def base():
    return small_base()


def category_count(response, slug: str) -> int:
    """The count the category select shows beside one category."""
    facet = next(f for f in response.context["facets"] if f.name == "category")
    return next(o.count for o in facet.options if o.value == slug)


def publish_a_new_claim(base, curator, reviewer, django_capture_on_commit_callbacks):
    draft = ClaimFactory(
        statement="Rollers thicken hair.",
        status=PublicationStatus.DRAFT,
        category=base.claims["c1"].category,
    )
    EvidenceLinkFactory(claim=draft)
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            claim_submit(claim=draft, by=curator)
            claim_publish(claim=draft, by=reviewer)
    return draft


def test_the_first_reader_after_a_publish_gets_the_counts_the_worker_built(
    client, base, curator, reviewer, django_capture_on_commit_callbacks, django_assert_num_queries
):
    before = category_count(client.get(CLAIMS), "blood-flow")

    publish_a_new_claim(base, curator, reviewer, django_capture_on_commit_callbacks)

    with django_assert_num_queries(CLAIMS_WARM):
        claims = client.get(CLAIMS)
    with django_assert_num_queries(STUDIES_WARM):
        studies = client.get(STUDIES)
    # The counts are the new ones, not those kept before the publish.
    assert category_count(claims, "blood-flow") == before + 1
    assert b"Rollers thicken hair." in claims.content
    assert studies.status_code == 200


def test_without_the_warm_the_first_reader_builds_the_counts(
    client, base, django_assert_num_queries
):
    # What the warm spares the reader (and the figures above are pinned against).
    page_cache.bump()
    with django_assert_num_queries(CLAIMS_COLD):
        client.get(CLAIMS)
    with django_assert_num_queries(STUDIES_COLD):
        client.get(STUDIES)


def test_a_transaction_of_many_writes_warms_once_after_its_last_bump(
    base, monkeypatch, django_capture_on_commit_callbacks
):
    asked = []
    monkeypatch.setattr(tasks.warm_parts_task, "delay", asked.append)
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            for claim in base.claims.values():
                claim.plain_summary = "Edited."
                claim.save()
    assert asked == [page_cache.current_version()]


def test_a_warm_for_a_replaced_version_does_nothing(base, django_assert_num_queries):
    old = page_cache.current_version()
    page_cache.bump()
    with django_assert_num_queries(0):
        tasks.warm_parts_task(old)


def test_a_version_is_warmed_once(base, django_assert_max_num_queries):
    version = page_cache.current_version()
    tasks.warm_parts_task(version)
    with django_assert_max_num_queries(0):
        tasks.warm_parts_task(version)


def test_nothing_is_warmed_when_the_parts_are_off(
    settings, base, monkeypatch, django_capture_on_commit_callbacks
):
    settings.PAGE_CACHE_SECONDS = 0
    asked = []
    monkeypatch.setattr(tasks.warm_parts_task, "delay", asked.append)
    with django_capture_on_commit_callbacks(execute=True):
        ClaimFactory()
    assert asked == []


@pytest.mark.parametrize(
    ("url", "params"),
    [
        (CLAIMS, {"design": "not-a-design"}),
        (STUDIES, {"design": "not-a-design", "condition": "alopecia areata"}),
        (STUDIES, {"design": "rct", "condition": "no such condition"}),
    ],
)
def test_a_bad_filter_value_after_a_warm_says_so_and_lists_the_rest(client, base, url, params):
    tasks.warm_parts_task(page_cache.current_version())
    response = client.get(url, params)
    assert response.status_code == 200
    assert re.search(r"This filter was ignored", response.content.decode())


def test_a_broker_that_refuses_the_warm_does_not_fail_the_publish(
    client, base, curator, reviewer, monkeypatch, django_capture_on_commit_callbacks
):
    def refuse(version):
        raise ConnectionError("broker down")

    monkeypatch.setattr(tasks.warm_parts_task, "delay", refuse)
    draft = publish_a_new_claim(base, curator, reviewer, django_capture_on_commit_callbacks)
    draft.refresh_from_db()
    assert draft.status == PublicationStatus.PUBLISHED
    assert b"Rollers thicken hair." in client.get(CLAIMS).content
