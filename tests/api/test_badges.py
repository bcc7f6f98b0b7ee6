"""Embeddable badges: GRADE symbols and the word, a title and a description, a link back to
the claim, cache headers; a draft's badge is the same 404 as a missing claim's."""

import xml.etree.ElementTree as ET  # noqa: S405 (our own SVG)

import pytest
from django.urls import reverse

from evidence.models import PublicationStatus
from tests.factories import ClaimFactory

pytestmark = pytest.mark.django_db
SVG = "{http://www.w3.org/2000/svg}"


def test_a_badge_shows_the_grade_in_symbols_and_words_and_links_back(client):
    claim = ClaimFactory(certainty="low", direction="supported")
    response = client.get(reverse("open:badge", kwargs={"slug": claim.slug}))
    svg = ET.fromstring(response.content)  # noqa: S314

    assert response.status_code == 200
    assert response["Content-Type"].startswith("image/svg+xml")
    assert svg.get("role") == "img"
    assert "⊕⊕◯◯ Low certainty, supported" in svg.findtext(f"{SVG}title")
    assert claim.statement in svg.findtext(f"{SVG}desc")
    link = svg.find(f"{SVG}a")
    assert link.get("href") == f"http://testserver{claim.get_absolute_url()}"
    assert "⊕⊕◯◯ Low certainty" in "".join(link.itertext())


def test_a_badge_may_be_cached_and_revalidated(client):
    claim = ClaimFactory(certainty="moderate")
    url = reverse("open:badge", kwargs={"slug": claim.slug})
    response = client.get(url)

    assert "public" in response["Cache-Control"] and "max-age=3600" in response["Cache-Control"]
    assert client.get(url, headers={"if-none-match": response["ETag"]}).status_code == 304


def test_an_override_is_what_the_badge_shows(client):
    claim = ClaimFactory(
        certainty="low", certainty_override="very_low", override_justification="Same lab."
    )
    response = client.get(reverse("open:badge", kwargs={"slug": claim.slug}))
    assert "⊕◯◯◯ Very low certainty" in response.content.decode()


def test_a_draft_claims_badge_is_a_404(client):
    claim = ClaimFactory(status=PublicationStatus.DRAFT)
    assert client.get(reverse("open:badge", kwargs={"slug": claim.slug})).status_code == 404
