"""ClaimReview JSON-LD on each claim page parses as JSON-LD (pyld, offline) into schema.org's
ClaimReview with the claim, where it appears, a rating from the grade, and the organisation."""

import json
import re

import pytest
from pyld import jsonld

from api.claimreview import rating_of
from evidence.models import Claim

pytestmark = pytest.mark.django_db

SCHEMA = "http://schema.org/"
BLOCK = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)


def _claim_review(client, claim):
    page = client.get(claim.get_absolute_url()).content.decode()
    blocks = BLOCK.findall(page)
    assert len(blocks) == 1
    return json.loads(blocks[0])


def test_every_claim_page_carries_a_claimreview_that_parses_as_json_ld(
    seeded, client, jsonld_options
):
    for claim in Claim.objects.published():
        expanded = jsonld.expand(_claim_review(client, claim), jsonld_options)
        review = expanded[0]

        assert review["@type"] == [f"{SCHEMA}ClaimReview"]
        assert review[f"{SCHEMA}claimReviewed"][0]["@value"] == claim.statement
        rating = review[f"{SCHEMA}reviewRating"][0]
        assert rating[f"{SCHEMA}ratingValue"][0]["@value"] == rating_of(claim)[0]
        author = review[f"{SCHEMA}author"][0]
        assert author["@type"] == [f"{SCHEMA}Organization"]


def test_the_claim_reviewed_appears_in_the_documents_that_make_it(seeded, client):
    claim = Claim.objects.get(slug="improves-hair-density-thickness")
    review = _claim_review(client, claim)

    appearances = review["itemReviewed"]["appearance"]
    assert [a["url"] for a in appearances] == ["http://testserver/documents/scalp-microneedling/"]


def test_only_high_or_moderate_certainty_rates_a_claim_true_or_false():
    claim = Claim(certainty="low", direction="supported")
    assert rating_of(claim)[0] == 3
    claim = Claim(certainty="high", direction="contradicted")
    assert rating_of(claim) == (1, "False (high certainty evidence)")
    claim = Claim(certainty="moderate", direction="supported")
    assert rating_of(claim)[0] == 4
