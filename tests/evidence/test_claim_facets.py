"""The claim list's facet summary (evidence/claim_facets.py) follows links and studies."""

import pytest

from evidence.claim_facets import claim_facets_refresh
from evidence.models import ClaimFacet
from tests.factories import ClaimFactory, EvidenceLinkFactory, StudyFactory

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
