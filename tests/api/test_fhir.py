"""FHIR R5: every published claim's Evidence and Bundle and every published study's Citation
validate against the R5 structure definitions (fhir.resources 8, whose default is R5)."""

import fhir.resources
import pytest
from django.urls import reverse
from fhir.resources.bundle import Bundle
from fhir.resources.citation import Citation
from fhir.resources.evidence import Evidence

from api.fhir import CERTAINTY_RATING, CERTAINTY_TYPE
from evidence.models import Claim, PublicationStatus
from studies.models import Study, StudyStatus
from tests.factories import ClaimFactory, StudyFactory

pytestmark = pytest.mark.django_db


def test_the_validating_library_speaks_fhir_r5():
    assert fhir.resources.__fhir_version__.startswith("5.")


def _get(client, name, **kwargs):
    response = client.get(reverse(name, kwargs=kwargs))
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"] == "application/fhir+json"
    return response.json()


def test_every_published_claim_is_a_valid_r5_evidence_and_bundle(seeded, client):
    for claim in Claim.objects.published():
        evidence = Evidence.model_validate(_get(client, "open:fhir_evidence", pk=claim.pk))
        bundle = Bundle.model_validate(_get(client, "open:fhir_bundle", pk=claim.pk))

        assert evidence.id == str(claim.pk)
        assert evidence.variableDefinition, claim.slug
        assert bundle.entry[0].resource.get_resource_type() == "Evidence"
        assert {e.resource.get_resource_type() for e in bundle.entry[1:]} <= {"Citation"}


def test_every_published_study_is_a_valid_r5_citation(seeded, client):
    for study in Study.objects.published():
        citation = Citation.model_validate(_get(client, "open:fhir_citation", pk=study.pk))
        assert citation.citedArtifact.title[0].text == study.public_title


def test_certainty_is_coded_as_ebm_on_fhir_codes_it(seeded, client):
    claim = Claim.objects.get(slug="improves-hair-density-thickness")
    evidence = Evidence.model_validate(_get(client, "open:fhir_evidence", pk=claim.pk))
    overall = evidence.certainty[0]
    outcome_rows = [row for row in evidence.certainty[1:] if row.subcomponent]

    assert (overall.type.coding[0].system, overall.type.coding[0].code) == (
        CERTAINTY_TYPE,
        "Overall",
    )
    assert overall.rating.coding[0].system == CERTAINTY_RATING
    assert overall.rating.coding[0].code == claim.effective_certainty.replace("_", "-")
    domains = {part.type.coding[0].code for part in outcome_rows[0].subcomponent}
    assert {"RiskOfBias", "Inconsistency", "Indirectness", "Imprecision"} <= domains
    ratings = {part.rating.coding[0].code for row in outcome_rows for part in row.subcomponent}
    assert ratings <= {
        "no-concern",
        "serious-concern",
        "very-serious-concern",
        "extremely-serious-concern",
        "no-change",
        "upcode1",
        "upcode2",
    }


def test_a_pooled_effect_is_a_statistic_with_its_confidence_interval(seeded, client):
    claim = Claim.objects.get(slug="improves-hair-density-thickness")
    evidence = Evidence.model_validate(_get(client, "open:fhir_evidence", pk=claim.pk))
    pooled = [s for s in evidence.statistic if s.quantity is not None and s.attributeEstimate]

    assert pooled
    interval = pooled[0].attributeEstimate[0]
    assert float(interval.level) == 0.95
    assert interval.range.low.value <= pooled[0].quantity.value <= interval.range.high.value


def test_unpublished_claims_and_studies_are_a_404_in_fhir_too(client):
    claim = ClaimFactory(status=PublicationStatus.DRAFT)
    study = StudyFactory(status=StudyStatus.REVIEW)
    for name, pk in [
        ("open:fhir_evidence", claim.pk),
        ("open:fhir_bundle", claim.pk),
        ("open:fhir_citation", study.pk),
    ]:
        assert client.get(reverse(name, kwargs={"pk": pk})).status_code == 404
