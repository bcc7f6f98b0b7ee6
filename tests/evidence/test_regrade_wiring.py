"""Every write path that feeds a grade regrades the claims it touches, in the same request.

Each test checks that the grade moved, and that a full regrade afterwards finds nothing left to
change: the write path alone kept the stored grade current.
"""

import pytest
from django.urls import reverse

from evidence.models import Claim, EvidenceLink, PublicationStatus
from evidence.services import claims_regrade
from studies.models import StudyStatus
from studies.services import study_publish, study_retract, study_submit, study_unpublish
from tests.admin_helpers import claim_form_data, run_action, study_form_data
from tests.factories import ClaimFactory, EvidenceLinkFactory, StudyFactory

pytestmark = pytest.mark.django_db


def graded_claim(**study_fields) -> Claim:
    """A published claim with one linked trial, graded."""
    claim = ClaimFactory(status=PublicationStatus.PUBLISHED)
    study = StudyFactory(participants=500, risk_of_bias="low", **study_fields)
    EvidenceLinkFactory(claim=claim, study=study, direction="supports")
    claims_regrade()
    claim.refresh_from_db()
    return claim


def assert_current(claim: Claim) -> Claim:
    claim.refresh_from_db()
    assert claims_regrade().changed == 0, "the write path left a stale grade"
    return claim


def test_publishing_a_study_regrades_the_claims_it_bears_on(reviewer):
    claim = graded_claim(status=StudyStatus.REVIEW)
    assert claim.certainty == "none"
    study_publish(study=claim.evidence_links.get().study, by=reviewer)
    assert assert_current(claim).certainty != "none"


def test_retracting_a_study_takes_it_out_of_the_grade(reviewer):
    claim = graded_claim()
    assert claim.certainty != "none"
    study_retract(study=claim.evidence_links.get().study, by=reviewer, reason="Data fabricated.")
    assert assert_current(claim).certainty == "none"


def test_the_publish_action_in_the_admin_regrades(client, reviewer):
    claim = graded_claim(status=StudyStatus.REVIEW)
    client.force_login(reviewer)
    run_action(client, "study", "publish", [claim.evidence_links.get().study])
    assert assert_current(claim).certainty != "none"


def test_changing_a_studys_risk_of_bias_in_the_admin_regrades(
    client, curator, reviewer, second_reviewer
):
    # A published study is locked: unpublished, edited by a curator, published by a reviewer.
    claim = graded_claim()
    before = claim.certainty
    study = claim.evidence_links.get().study
    study_unpublish(study=study, by=reviewer)
    client.force_login(curator)
    url = reverse("admin:studies_study_change", args=[study.pk])
    response = client.post(url, study_form_data(study, risk_of_bias="high"))
    assert response.status_code == 302, response.content.decode()[:2000]
    study.refresh_from_db()
    assert study.risk_of_bias == "high"
    study_submit(study=study, by=curator)
    study_publish(study=study, by=second_reviewer)
    after = assert_current(claim)
    assert after.certainty != before
    assert any("risk of bias" in step for step in after.rationale)


def test_deleting_a_link_inline_on_the_claim_page_regrades_it(client, superuser):
    # A published study's page is locked, links and all: a link is removed on its claim's page,
    # once the claim is a draft again.
    claim = graded_claim()
    claim.status = PublicationStatus.DRAFT
    claim.save()
    link = claim.evidence_links.get()
    client.force_login(superuser)
    data = claim_form_data(claim)
    data.update(
        {
            "evidence_links-TOTAL_FORMS": "1",
            "evidence_links-INITIAL_FORMS": "1",
            "evidence_links-0-id": str(link.pk),
            "evidence_links-0-claim": str(claim.pk),
            "evidence_links-0-study": str(link.study_id),
            "evidence_links-0-direction": link.direction,
            "evidence_links-0-finding": link.finding,
            "evidence_links-0-DELETE": "on",
        }
    )
    response = client.post(reverse("admin:evidence_claim_change", args=[claim.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert not EvidenceLink.objects.exists()
    assert assert_current(claim).certainty == "none"


def test_deleting_a_link_in_the_admin_regrades_its_claim(client, superuser):
    claim = graded_claim()
    claim.status = PublicationStatus.DRAFT  # a published claim's links are locked
    claim.save()
    link = claim.evidence_links.get()
    client.force_login(superuser)
    url = reverse("admin:evidence_evidencelink_delete", args=[link.pk])
    assert client.post(url, {"post": "yes"}).status_code == 302
    assert assert_current(claim).certainty == "none"


def test_moving_a_link_to_another_claim_regrades_both(client, superuser):
    claim = graded_claim()
    claim.status = PublicationStatus.DRAFT  # a published claim's links are locked
    claim.save()
    other = ClaimFactory(status=PublicationStatus.DRAFT)
    link = claim.evidence_links.get()
    client.force_login(superuser)
    url = reverse("admin:evidence_evidencelink_change", args=[link.pk])
    data = {
        "claim": other.pk,
        "study": link.study_id,
        "direction": "supports",
        "finding": link.finding,
    }
    assert client.post(url, data).status_code == 302
    assert assert_current(claim).certainty == "none"
    assert assert_current(other).certainty != "none"


def test_flagging_publication_bias_on_the_claim_page_regrades(client, superuser):
    claim = graded_claim()
    before = claim.certainty
    claim.status = PublicationStatus.DRAFT
    claim.save()
    client.force_login(superuser)
    url = reverse("admin:evidence_claim_change", args=[claim.pk])
    response = client.post(url, claim_form_data(claim, publication_bias_suspected="on"))
    assert response.status_code == 302, response.content.decode()[:2000]
    after = assert_current(claim)
    assert after.certainty != before
    assert any("publication bias" in step.lower() for step in after.rationale)
