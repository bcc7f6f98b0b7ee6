"""The API's whole-answer cache for anonymous readers (public/page_cache.py, api/views.py): an
unchanged answer is served without a query, a publish shows at once, a curator always gets a
built answer, conditional GET and the rate limit still apply, and only a 200 is kept."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from evidence.models import Claim, PublicationStatus
from evidence.workflow import claim_publish, claim_submit
from public import page_cache
from tests.factories import ClaimFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("pages_cached")]

CLAIMS = reverse("api:claim-list")
# The request's own transaction (ATOMIC_REQUESTS: a savepoint and its release in a test).
SAVEPOINT = 2


def _reads(queries) -> list[str]:
    """The SQL a block ran but the savepoints; read it before the next request, which empties
    the connection's log."""
    return [q["sql"] for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]]


def _stored_answers() -> list[str]:
    return [key for key in cache._cache if key.startswith(":1:public-answer:")]


@pytest.mark.parametrize("detail", [False, True])
def test_an_unchanged_answer_is_served_to_a_reader_without_a_query(
    client, django_assert_num_queries, detail
):
    claim = ClaimFactory(statement="Needles make hair.")
    url = reverse("api:claim-detail", kwargs={"slug": claim.slug}) if detail else CLAIMS
    first = client.get(url)
    with django_assert_num_queries(SAVEPOINT) as queries:
        again = client.get(url)

    assert not _reads(queries)
    assert again.status_code == 200
    assert again.content == first.content
    assert again["Content-Type"] == first["Content-Type"] == "application/json"
    assert again["ETag"] == first["ETag"] and again["Last-Modified"] == first["Last-Modified"]
    headers = {name: first[name] for name in first.headers if name != "X-Request-ID"}
    assert {name: again[name] for name in again.headers if name != "X-Request-ID"} == headers


def test_a_published_claim_is_in_the_api_at_once_after_the_publish(client, curator, reviewer):
    ClaimFactory(statement="Shown before.")
    before = [row["statement"] for row in client.get(CLAIMS).json()["results"]]
    draft = ClaimFactory(statement="Rollers thicken hair.", status=PublicationStatus.DRAFT)
    claim_submit(claim=draft, by=curator)
    claim_publish(claim=draft, by=reviewer)
    after = [row["statement"] for row in client.get(CLAIMS).json()["results"]]

    assert "Rollers thicken hair." not in before
    assert "Rollers thicken hair." in after and "Shown before." in after


def test_a_bump_after_a_write_that_sends_no_signal_gives_the_new_answer(client):
    claim = ClaimFactory(statement="First wording.")
    url = reverse("api:claim-detail", kwargs={"slug": claim.slug})
    assert client.get(url).json()["statement"] == "First wording."
    Claim.objects.filter(pk=claim.pk).update(statement="Second wording.")
    assert client.get(url).json()["statement"] == "First wording.", "kept until the bump"
    page_cache.bump()
    assert client.get(url).json()["statement"] == "Second wording."


def test_a_signed_in_curator_neither_gets_nor_fills_the_cache(
    client, curator, django_assert_max_num_queries
):
    claim = ClaimFactory(statement="First wording.")
    url = reverse("api:claim-detail", kwargs={"slug": claim.slug})
    client.get(url)  # stored for anonymous readers
    Claim.objects.filter(pk=claim.pk).update(statement="Second wording.")  # no bump
    client.force_login(curator)
    with django_assert_max_num_queries(20) as queries:
        shown = client.get(url)
    reads, stored = _reads(queries), _stored_answers()
    client.logout()
    client.get(reverse("api:claim-detail", kwargs={"slug": claim.slug}) + "?format=json")

    assert shown.json()["statement"] == "Second wording.", "the curator's answer is built"
    assert reads
    assert len(stored) == 1, "the curator's answer was not stored"
    assert len(_stored_answers()) == 2, "an anonymous reader's new URL is stored"


def test_a_reader_whose_copy_is_current_gets_a_304_without_a_query(
    client, django_assert_num_queries
):
    ClaimFactory()
    first = client.get(CLAIMS)
    etag, modified = first["ETag"], first["Last-Modified"]
    with django_assert_num_queries(2 * SAVEPOINT) as queries:
        by_etag = client.get(CLAIMS, headers={"if-none-match": etag})
        by_date = client.get(CLAIMS, headers={"if-modified-since": modified})
    reads = _reads(queries)
    other = client.get(CLAIMS, headers={"if-none-match": '"other"'})

    assert not reads
    assert by_etag.status_code == 304 and by_etag["ETag"] == etag
    assert by_date.status_code == 304
    assert other.status_code == 200 and other.content == first.content


def test_a_reader_whose_copy_is_stale_after_a_publish_gets_the_new_answer(
    client, curator, reviewer
):
    ClaimFactory()
    etag = client.get(CLAIMS)["ETag"]
    draft = ClaimFactory(statement="A brand new claim.", status=PublicationStatus.DRAFT)
    claim_submit(claim=draft, by=curator)
    claim_publish(claim=draft, by=reviewer)
    response = client.get(CLAIMS, headers={"if-none-match": etag})

    assert response.status_code == 200
    assert "A brand new claim." in [row["statement"] for row in response.json()["results"]]


def test_a_not_found_or_a_bad_filter_is_never_stored(client):
    claim = ClaimFactory(slug="shown-claim")
    missing = reverse("api:claim-detail", kwargs={"slug": "later-claim"})
    assert client.get(missing).status_code == 404
    assert client.get(CLAIMS, {"certainty": "not-a-level"}).status_code == 400
    assert not _stored_answers()
    Claim.objects.filter(pk=claim.pk).update(slug="later-claim")  # no bump

    assert client.get(missing).status_code == 200


def test_the_rate_limit_counts_answers_served_from_the_cache(
    client, settings, django_assert_max_num_queries
):
    settings.API_THROTTLE_RATE = "3/minute"
    ClaimFactory()
    client.get(CLAIMS)  # stored: 1 of 3
    with django_assert_max_num_queries(2 * SAVEPOINT) as queries:
        cached = [client.get(CLAIMS).status_code for _ in range(2)]
    reads = _reads(queries)
    refused = client.get(CLAIMS)

    assert not reads, "the second and third came from the cache"
    assert cached == [200, 200]
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0


def test_each_host_and_query_gets_its_own_answer(client, settings):
    settings.ALLOWED_HOSTS = ["a.example", "b.example"]
    ClaimFactory(certainty="low", statement="Low claim.")
    ClaimFactory(certainty="high", statement="High claim.")
    low = client.get(CLAIMS, {"certainty": "low"}, headers={"host": "a.example"}).json()
    high = client.get(CLAIMS, {"certainty": "high"}, headers={"host": "a.example"}).json()
    other_host = client.get(CLAIMS, {"certainty": "low"}, headers={"host": "b.example"}).json()

    assert [row["statement"] for row in low["results"]] == ["Low claim."]
    assert [row["statement"] for row in high["results"]] == ["High claim."]
    assert low["results"][0]["links"]["api"].startswith("http://a.example/")
    assert other_host["results"][0]["links"]["api"].startswith("http://b.example/")


def test_an_answer_in_another_media_type_is_stored_apart(client):
    ClaimFactory()
    compact = client.get(CLAIMS)
    indented = client.get(CLAIMS, headers={"accept": "application/json; indent=4"})
    again = client.get(CLAIMS)

    assert b'\n    "next"' in indented.content
    assert b"\n" not in compact.content and again.content == compact.content
    assert indented.json() == compact.json()


@pytest.mark.parametrize("off", [{"PAGE_CACHE_SECONDS": 0}, {"PAGE_CACHE_PAGES": False}])
def test_with_whole_answers_off_every_request_builds_the_answer(
    client, settings, django_assert_max_num_queries, off
):
    for name, value in off.items():
        setattr(settings, name, value)
    ClaimFactory()
    first = client.get(CLAIMS)
    with django_assert_max_num_queries(20) as queries:
        again = client.get(CLAIMS)

    assert _reads(queries)
    assert again.content == first.content
    assert not _stored_answers()
