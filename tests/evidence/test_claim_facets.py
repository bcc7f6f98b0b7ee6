"""The claim list's facet summary (evidence/claim_facets.py) follows links and studies, and each
row its claim's place in the list."""

import pytest
from django.core import serializers
from django.db import connection
from django.test.utils import CaptureQueriesContext

from evidence.claim_facets import claim_facets_refresh
from evidence.models import Claim, ClaimFacet, PublicationStatus
from tests.factories import ClaimCategoryFactory, ClaimFactory, EvidenceLinkFactory, StudyFactory

pytestmark = pytest.mark.django_db


def facets(claim) -> set[tuple[str, str]]:
    return set(ClaimFacet.objects.filter(claim=claim).values_list("facet", "value"))


def test_a_link_to_a_published_study_adds_its_design_and_condition():
    link = EvidenceLinkFactory(study=StudyFactory(design="rct", condition="alopecia areata"))
    assert facets(link.claim) == {("design", "rct"), ("condition", "alopecia areata")}


def test_two_studies_of_one_design_give_one_row():
    claim = ClaimFactory()
    EvidenceLinkFactory(claim=claim, study=StudyFactory(design="rct", condition=""))
    EvidenceLinkFactory(claim=claim, study=StudyFactory(design="rct", condition=""))
    assert facets(claim) == {("design", "rct")}


def test_a_deleted_link_or_an_unpublished_study_takes_its_facets_away():
    link = EvidenceLinkFactory(study=StudyFactory(design="cohort", condition=""))
    other = EvidenceLinkFactory(claim=link.claim, study=StudyFactory(design="rct", condition=""))
    link.delete()
    assert facets(other.claim) == {("design", "rct")}
    other.study.status = "draft"
    other.study.save()
    assert facets(other.claim) == set()


def test_a_link_moved_to_another_claim_refreshes_both():
    link = EvidenceLinkFactory(study=StudyFactory(design="rct", condition=""))
    before, after = link.claim, ClaimFactory()
    link.claim = after
    link.save()
    assert facets(before) == set()
    assert facets(after) == {("design", "rct")}


def test_a_full_rebuild_gives_the_same_rows():
    for design in ("rct", "cohort", "case_series"):
        EvidenceLinkFactory(study=StudyFactory(design=design))
    kept = set(ClaimFacet.objects.values_list("claim_id", "facet", "value"))
    ClaimFacet.objects.all().delete()
    claim_facets_refresh()
    assert set(ClaimFacet.objects.values_list("claim_id", "facet", "value")) == kept


# --- Each row holds its claim's place in the list (published, category, slug) ----------------


def places(claim) -> set[tuple[bool, int | None, str]]:
    return set(
        ClaimFacet.objects.filter(claim=claim).values_list("published", "category_id", "slug")
    )


def test_the_rows_hold_the_claims_place_and_follow_it_when_the_claim_moves():
    link = EvidenceLinkFactory(study=StudyFactory(design="rct", condition="alopecia areata"))
    claim = Claim.objects.get(pk=link.claim_id)
    assert places(claim) == {(True, claim.category_id, claim.slug)}
    claim.slug = "renamed-claim"
    claim.category = ClaimCategoryFactory()
    claim.save()
    assert places(claim) == {(True, claim.category_id, "renamed-claim")}
    claim.status = PublicationStatus.DRAFT
    claim.save()
    assert places(claim) == {(False, claim.category_id, "renamed-claim")}


def test_saving_a_claim_that_stays_in_place_writes_no_facet_row():
    link = EvidenceLinkFactory(study=StudyFactory(design="rct"))
    claim = Claim.objects.get(pk=link.claim_id)
    claim.statement = "Reworded, same place in the list."
    with CaptureQueriesContext(connection) as queries:
        claim.save()
    assert not [q for q in queries if "evidence_claimfacet" in q["sql"]]


def test_a_claim_loaded_from_a_fixture_after_its_links_fills_its_rows_place():
    link = EvidenceLinkFactory(study=StudyFactory(design="rct", condition=""))
    ClaimFacet.objects.update(published=False, category=None, slug="")  # as if loaded first
    claim = Claim.objects.get(pk=link.claim_id)
    (loaded,) = serializers.deserialize("json", serializers.serialize("json", [claim]))
    loaded.save()  # as loaddata saves it: raw
    assert places(claim) == {(True, claim.category_id, claim.slug)}


def test_a_full_rebuild_gives_the_same_places():
    for design in ("rct", "cohort"):
        EvidenceLinkFactory(study=StudyFactory(design=design))
    EvidenceLinkFactory(claim=ClaimFactory(status=PublicationStatus.DRAFT))
    kept = set(ClaimFacet.objects.values_list("claim_id", "published", "category_id", "slug"))
    ClaimFacet.objects.all().delete()
    claim_facets_refresh()
    assert set(ClaimFacet.objects.values_list("claim_id", "published", "category_id", "slug")) == (
        kept
    )
