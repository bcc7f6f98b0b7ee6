"""The whole-page cache for anonymous readers (public/page_cache.py): served without a query
while nothing changed, never stale after a publish or an edit, never a curator's page, and a
304 to a reader whose copy is current."""

import pytest
from django.core.cache import cache
from django.db import connection, reset_queries
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from evidence.models import PublicationStatus
from evidence.workflow import claim_publish, claim_submit, claim_unpublish
from public import page_cache
from tests.factories import ClaimFactory, SourceDocumentFactory, StudyFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("pages_cached")]

LIST = reverse("evidence:claim_list")


def test_an_unchanged_page_is_served_to_a_reader_without_a_query(
    client, django_assert_max_num_queries
):
    claim = ClaimFactory(statement="Needles make hair.")
    first = client.get(claim.get_absolute_url())
    # only the request's own transaction (ATOMIC_REQUESTS: a savepoint in a test) is left
    with django_assert_max_num_queries(2) as queries:
        again = client.get(claim.get_absolute_url())
    assert not [q for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]]
    assert again.status_code == 200
    assert again.content == first.content


def test_a_published_claim_is_listed_at_once_after_the_publish(client, curator, reviewer):
    draft = ClaimFactory(statement="Rollers thicken hair.", status=PublicationStatus.DRAFT)
    assert b"Rollers thicken hair." not in client.get(LIST).content
    claim_submit(claim=draft, by=curator)
    claim_publish(claim=draft, by=reviewer)
    assert b"Rollers thicken hair." in client.get(LIST).content


def test_an_unpublished_claim_is_gone_at_once_from_the_cached_pages(client, reviewer):
    claim = ClaimFactory(statement="Rollers thin hair.")
    assert client.get(claim.get_absolute_url()).status_code == 200
    assert b"Rollers thin hair." in client.get(LIST).content
    claim_unpublish(claim=claim, by=reviewer)
    assert client.get(claim.get_absolute_url()).status_code == 404
    assert b"Rollers thin hair." not in client.get(LIST).content


def test_an_edited_study_shows_its_new_title_at_once(client):
    study = StudyFactory(title="First title of the trial")
    url = reverse("studies:detail", args=[study.pk])
    assert b"First title of the trial" in client.get(url).content
    study.title = "Second title of the trial"
    study.save()
    assert b"Second title of the trial" in client.get(url).content


def test_a_signed_in_curator_gets_a_fresh_page_and_never_fills_the_cache(
    client, curator, django_assert_max_num_queries
):
    claim = ClaimFactory(statement="Curators see this.")
    client.force_login(curator)
    client.get(claim.get_absolute_url())
    assert not any(key.startswith(":1:public-page:") for key in cache._cache)
    response = client.get(claim.get_absolute_url())
    assert "ETag" not in response
    client.logout()
    client.get(claim.get_absolute_url())
    assert any(key.startswith(":1:public-page:") for key in cache._cache)


def test_a_curator_is_not_served_the_readers_cached_page(
    client, curator, django_assert_max_num_queries
):
    claim = ClaimFactory(statement="Readers saw this.")
    client.get(claim.get_absolute_url())
    client.force_login(curator)
    with django_assert_max_num_queries(20) as queries:
        client.get(claim.get_absolute_url())
    assert any("evidence_claim" in q["sql"] for q in queries.captured_queries)


def test_a_reader_with_a_current_copy_gets_a_304(client):
    claim = ClaimFactory()
    first = client.get(claim.get_absolute_url())
    etag = first["ETag"]
    assert first["Last-Modified"]
    assert "no-cache" in first["Cache-Control"]
    again = client.get(claim.get_absolute_url(), HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    since = client.get(claim.get_absolute_url(), HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert since.status_code == 304


def test_after_a_publish_the_old_etag_gets_the_new_page(client, curator, reviewer):
    shown = ClaimFactory()
    etag = client.get(LIST)["ETag"]
    draft = ClaimFactory(statement="A brand new claim.", status=PublicationStatus.DRAFT)
    claim_submit(claim=draft, by=curator)
    claim_publish(claim=draft, by=reviewer)
    response = client.get(LIST, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200
    assert b"A brand new claim." in response.content
    assert shown.slug.encode() in response.content


def test_a_missing_page_is_not_stored(client):
    client.get("/claims/no-such-claim/")
    assert not any(key.startswith(":1:public-page:") for key in cache._cache)


def test_different_query_strings_are_different_pages(client):
    ClaimFactory(statement="Alpha claim here.", certainty="low")
    ClaimFactory(statement="Beta claim here.", certainty="high")
    low = client.get(LIST, {"certainty": "low"}).content
    high = client.get(LIST, {"certainty": "high"}).content
    assert b"Alpha claim here." in low and b"Beta claim here." not in low
    assert b"Beta claim here." in high and b"Alpha claim here." not in high


def test_with_the_cache_off_every_request_builds_the_page(
    client, settings, django_assert_max_num_queries
):
    settings.PAGE_CACHE_SECONDS = 0
    claim = ClaimFactory()
    client.get(claim.get_absolute_url())
    with django_assert_max_num_queries(20) as queries:
        response = client.get(claim.get_absolute_url())
    assert len(queries) > 0
    assert "ETag" not in response


def test_bump_gives_a_new_version():
    before = page_cache.current_version()
    page_cache.bump()
    assert page_cache.current_version() != before


def test_a_version_held_in_one_process_memory_lasts_only_as_long_as_a_page(settings):
    # Without a shared cache each worker holds its own version and cannot see another worker's
    # bump: it must expire, so that worker's pages and 304s are at most PAGE_CACHE_SECONDS old.
    import time

    from django.core.cache import caches

    local = caches["default"]
    assert type(local).__name__ == "LocMemCache"
    page_cache.current_version()
    expires = local._expire_info[local.make_and_validate_key(page_cache.VERSION_KEY)]
    assert expires is not None
    assert 0 < expires - time.time() <= settings.PAGE_CACHE_SECONDS


def test_a_cached_claim_row_shows_a_new_grade_at_once_even_with_the_page_cache_off(
    client, settings
):
    # The claim list's rows are kept per claim (versioned_rows_of), also for pages built afresh.
    settings.PAGE_CACHE_PAGES = False
    claim = ClaimFactory(statement="Rollers thicken hair.", certainty="low")
    assert "grade-phrase certainty certainty-low" in client.get(LIST).content.decode()
    claim.certainty = "high"
    claim.save()
    page = client.get(LIST).content.decode()
    assert "grade-phrase certainty certainty-high" in page
    assert "grade-phrase certainty certainty-low" not in page


def test_a_claim_list_whose_rows_are_cached_does_not_read_the_claims_again(client, settings):
    # Built with the page cache off (as a curator gets it): the page's claims are found by
    # their keys, and a claim whose rendered row is kept is not read at all.
    settings.PAGE_CACHE_PAGES = False
    ClaimFactory(statement="Rollers thicken hair.")
    ClaimFactory(statement="Rollers raise blood flow.")
    first = client.get(LIST)
    assert rows_read(client, LIST, "tally_supports") == (first.content, 0)
    # Nor the categories' order, kept like the filters' options.
    categories = '"id" AS "pk", "evidence_claimcategory"."slug" AS "slug" FROM'
    assert rows_read(client, LIST, categories) == (first.content, 0)
    cache.clear()
    assert rows_read(client, LIST, "tally_supports") == (first.content, 1)  # read, then kept
    cache.clear()
    assert rows_read(client, LIST, categories)[1] > 0  # the marker names the query


def rows_read(client, url: str, marker: str) -> tuple[bytes, int]:
    """The page at `url` and how many of its queries read the rows whole (name `marker`)."""
    # Each request starts Django's query log afresh, so the capture starts from empty.
    reset_queries()
    with CaptureQueriesContext(connection) as captured:
        content = client.get(url).content
    assert captured.captured_queries  # the capture sees the request's queries
    return content, sum(marker in q["sql"] for q in captured.captured_queries)


def test_a_study_list_whose_rows_are_cached_does_not_read_the_studies_again(client, settings):
    # Like the claim list: the page is found by the studies' keys, and only the studies whose
    # rendered row the cache lacks are read whole (with their count of published claims).
    settings.PAGE_CACHE_PAGES = False
    studies = reverse("studies:list")
    StudyFactory(title="A trial of rollers")
    StudyFactory(title="A trial of pens")
    first = client.get(studies)
    assert b"A trial of rollers" in first.content
    assert rows_read(client, studies, "published_claim_count") == (first.content, 0)
    cache.clear()
    assert rows_read(client, studies, "published_claim_count") == (first.content, 1)


def test_a_regrade_shows_its_new_grades_at_once_though_it_sends_no_post_save(client):
    # The regrade writes grades in bulk; it tells the read side by evidence.signals.
    from evidence.models import Claim
    from evidence.services import claims_regrade
    from tests.factories import EvidenceLinkFactory

    claim = ClaimFactory(statement="Rollers thicken hair.")
    EvidenceLinkFactory(claim=claim, study=StudyFactory(participants=500))
    before = client.get(LIST).content.decode()
    assert "certainty-moderate" not in before
    assert client.get(LIST).content.decode() == before  # served from the cache
    claims_regrade()
    assert Claim.objects.get(pk=claim.pk).certainty == "moderate"
    assert "grade-phrase certainty certainty-moderate" in client.get(LIST).content.decode()


def test_a_shared_part_is_read_under_one_version_per_request(client, settings):
    settings.PAGE_CACHE_PAGES = False
    ClaimFactory(statement="Rollers thicken hair.")
    client.get(LIST)
    # between requests the version moves on a publish; inside one it is read once
    assert page_cache._request_version.get() is None


def test_the_home_page_claims_follow_a_publish_with_the_page_cache_off(
    client, settings, curator, reviewer
):
    # The headline answers and the glance are kept per publish, also for pages built afresh.
    settings.PAGE_CACHE_PAGES = False
    home = reverse("evidence:home")
    ClaimFactory(statement="Rollers thicken hair.")
    draft = ClaimFactory(statement="Needles thin hair.", status=PublicationStatus.DRAFT)
    assert b"Rollers thicken hair." in client.get(home).content
    assert b"Needles thin hair." not in client.get(home).content
    claim_submit(claim=draft, by=curator)
    claim_publish(claim=draft, by=reviewer)
    assert b"Needles thin hair." in client.get(home).content


def _count_cache_reads(monkeypatch) -> list[str]:
    """The shared cache's reads (get, get_many) from now on, in order."""
    real = page_cache._cache()
    calls: list[str] = []

    class Counting:
        def __getattr__(self, name):
            if name in ("get", "get_many"):
                calls.append(name)
            return getattr(real, name)

    monkeypatch.setattr(page_cache, "_cache", lambda: Counting())
    return calls


def test_a_cold_claim_list_reads_its_shared_parts_in_one_round_trip(client, settings, monkeypatch):
    # The facet counts, the selects and both filters' options: one get_many, not four gets.
    settings.PAGE_CACHE_PAGES = False
    ClaimFactory(statement="Rollers thicken hair.")
    first = client.get(LIST).content
    calls = _count_cache_reads(monkeypatch)
    assert client.get(LIST).content == first
    # The version, the parts, the rows.
    assert calls == ["get", "get_many", "get_many"]


def test_a_cold_study_list_reads_its_shared_parts_in_one_round_trip(client, settings, monkeypatch):
    settings.PAGE_CACHE_PAGES = False
    StudyFactory(title="A trial of rollers")
    studies = reverse("studies:list")
    first = client.get(studies).content
    calls = _count_cache_reads(monkeypatch)
    assert client.get(studies).content == first
    # The version, the parts, the rows.
    assert calls == ["get", "get_many", "get_many"]


def test_a_cold_home_page_reads_its_parts_in_one_round_trip_and_no_rows(
    client, settings, monkeypatch
):
    # The headline answers, the glance and the ways in (the counts, the published documents):
    # kept per publish, read together, and no query at all once kept.
    settings.PAGE_CACHE_PAGES = False
    home = reverse("evidence:home")
    ClaimFactory(statement="Rollers thicken hair.")
    SourceDocumentFactory(title="An article on rollers")
    first = client.get(home).content
    assert b"The annotated article: An article on rollers" in first
    calls = _count_cache_reads(monkeypatch)
    reset_queries()
    with CaptureQueriesContext(connection) as captured:
        assert client.get(home).content == first
    assert calls == ["get", "get_many"]  # the version, the parts
    assert not [q for q in captured.captured_queries if "SELECT" in q["sql"]]


def test_the_home_page_documents_follow_a_change_with_the_page_cache_off(client, settings):
    settings.PAGE_CACHE_PAGES = False
    home = reverse("evidence:home")
    document = SourceDocumentFactory(title="An article on rollers")
    assert b"An article on rollers" in client.get(home).content
    document.status = PublicationStatus.DRAFT
    document.save()
    assert b"An article on rollers" not in client.get(home).content
    SourceDocumentFactory(title="An article on pens")
    assert b"An article on pens" in client.get(home).content
