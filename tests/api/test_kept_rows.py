"""The API's listings keep each record's representation per publish (api/views.py, `rows_name`),
as the HTML lists keep their rows: with the shared parts kept, every page of every listing is
the same JSON as one read and serialized whole, a record is not read again once kept, a change
shows at once, and each origin gets its own absolute links."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from tests.api.test_api import _all_pages
from tests.factories import (
    ClaimFactory,
    ClaimMentionFactory,
    EvidenceLinkFactory,
    SourceDocumentFactory,
    StudyFactory,
)
from tests.public.test_page_cache import rows_read

pytestmark = pytest.mark.django_db

LISTINGS = ["api:claim-list", "api:study-list", "api:document-list", "api:evidencelink-list"]


@pytest.fixture
def base():
    for i in range(7):
        claim = ClaimFactory(statement=f"Needling claim {i}.")
        study = StudyFactory(title=f"A needling trial {i}", participants=10 + i)
        EvidenceLinkFactory(claim=claim, study=study)
        ClaimMentionFactory(claim=claim, document=SourceDocumentFactory(title=f"Article {i}"))


def _every_page(client, name, params=None):
    return _all_pages(client, reverse(name), {"page_size": 3, **(params or {})})


@pytest.mark.parametrize("name", LISTINGS)
def test_every_page_is_the_same_with_the_rows_kept_as_built_whole(base, client, settings, name):
    whole = _every_page(client, name)  # the shared parts off (the tests' default)
    assert len(whole) == 7
    settings.PAGE_CACHE_SECONDS, settings.PAGE_CACHE_PAGES = 300, False
    cache.clear()
    assert _every_page(client, name) == whole  # rows serialized and kept
    assert _every_page(client, name) == whole  # rows from the cache


def test_the_claims_filters_page_the_kept_rows_as_they_do_the_whole_ones(seeded, client, settings):
    params = {"design": "rct", "page_size": 2}
    whole = _every_page(client, "api:claim-list", params)
    assert whole
    settings.PAGE_CACHE_SECONDS, settings.PAGE_CACHE_PAGES = 300, False
    cache.clear()
    assert _every_page(client, "api:claim-list", params) == whole


@pytest.mark.usefixtures("parts_kept")
def test_a_kept_record_is_not_read_again_and_a_change_shows_at_once(base, client):
    url = reverse("api:claim-list")
    # The rows' own read carries their counts (a correlated subquery the keys never need).
    for reads in (1, 0):
        content, read = rows_read(client, url, "published_study_count")
        assert b'"results"' in content  # an answer, not an error
        assert read == reads
    claim = ClaimFactory(statement="A claim published since.")
    assert claim.statement in [r["statement"] for r in _every_page(client, "api:claim-list")]


@pytest.mark.usefixtures("parts_kept")
def test_each_origin_gets_its_own_absolute_links(base, client, settings):
    settings.ALLOWED_HOSTS = ["testserver", "mirror.example"]
    url = reverse("api:study-list")
    here = client.get(url).json()["results"][0]["page"]
    there = client.get(url, HTTP_HOST="mirror.example").json()["results"][0]["page"]
    assert here.startswith("http://testserver/")
    assert there.startswith("http://mirror.example/")
    assert here.removeprefix("http://testserver") == there.removeprefix("http://mirror.example")
