"""Evidence plugged into the literature's hooks: studies' writes regrade the claims they bear on,
links count as changes to their study, and the study admin shows the claims a study bears on."""

import pytest
from django.contrib import admin
from django.urls import reverse

from evidence.admin import StudyEvidenceLinkInline, claim_count
from evidence.models import Claim, PublicationStatus
from evidence.receivers import LINKED_BEFORE, regrade_linked_claims
from evidence.services import claims_regrade
from studies.models import Study, StudyStatus
from studies.services import WorkflowError, study_publish
from studies.signals import studies_changed
from tests.admin_helpers import study_form_data
from tests.factories import ClaimFactory, EvidenceLinkFactory, StudyFactory

pytestmark = pytest.mark.django_db


def graded_claim(**study_fields) -> Claim:
    claim = ClaimFactory(status=PublicationStatus.PUBLISHED)
    study = StudyFactory(participants=500, risk_of_bias="low", **study_fields)
    EvidenceLinkFactory(claim=claim, study=study, direction="supports")
    claims_regrade()
    claim.refresh_from_db()
    return claim


def test_announcing_a_changed_study_regrades_the_claims_it_bears_on():
    claim = graded_claim(status=StudyStatus.REVIEW)
    study = claim.evidence_links.get().study
    Study.objects.filter(pk=study.pk).update(status=StudyStatus.PUBLISHED)
    studies_changed.send(sender=Study, studies=[study], context={})
    claim.refresh_from_db()
    assert claim.certainty != "none"
    assert claims_regrade().changed == 0


def test_the_receiver_also_regrades_the_claims_noted_before_the_save():
    claim = graded_claim()
    link = claim.evidence_links.get()
    study = link.study
    link.delete()  # what an inline row marked for deletion does
    regrade_linked_claims(sender=Study, studies=[study], context={LINKED_BEFORE: [claim.pk]})
    claim.refresh_from_db()
    assert claim.certainty == "none"
    assert claims_regrade().changed == 0


def test_moving_a_link_inline_on_the_study_page_regrades_the_old_and_the_new_claim(
    client, superuser, reviewer
):
    # Both claims are drafts (a published claim's links are locked); the study page is open
    # while the study is in review (set by hand, so the old claim's grade is left stale).
    claim = graded_claim()
    claim.status = PublicationStatus.DRAFT
    claim.save()
    other = ClaimFactory(status=PublicationStatus.DRAFT)
    claims_regrade()
    link = claim.evidence_links.get()
    study = link.study
    Study.objects.filter(pk=study.pk).update(status=StudyStatus.REVIEW)
    study.refresh_from_db()
    client.force_login(superuser)
    data = study_form_data(study)
    data.update(
        {
            "evidence_links-TOTAL_FORMS": "1",
            "evidence_links-INITIAL_FORMS": "1",
            "evidence_links-0-id": str(link.pk),
            "evidence_links-0-study": str(study.pk),
            "evidence_links-0-claim": str(other.pk),
            "evidence_links-0-direction": link.direction,
            "evidence_links-0-finding": link.finding,
        }
    )
    response = client.post(reverse("admin:studies_study_change", args=[study.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    claim.refresh_from_db()
    assert claim.certainty == "none"  # the old claim, noted before the inline was saved
    assert claims_regrade().changed == 0
    study_publish(study=study, by=reviewer)
    other.refresh_from_db()
    assert other.certainty != "none"
    assert claims_regrade().changed == 0


def test_a_reviewer_who_changed_a_link_of_the_study_cannot_publish_it(reviewer, second_reviewer):
    study = StudyFactory(status=StudyStatus.REVIEW)
    link = EvidenceLinkFactory.build(study=study, claim=ClaimFactory())
    link._history_user = reviewer
    link.save()
    with pytest.raises(WorkflowError, match="another reviewer"):
        study_publish(study=study, by=reviewer)
    study_publish(study=study, by=second_reviewer)
    assert study.status == StudyStatus.PUBLISHED


def test_the_study_page_lists_the_claims_it_bears_on(client, curator):
    claim = ClaimFactory(statement="Test claim shown inline on the study page")
    link = EvidenceLinkFactory(claim=claim, study=StudyFactory(status=StudyStatus.DRAFT))
    client.force_login(curator)
    page = client.get(reverse("admin:studies_study_change", args=[link.study_id])).content
    assert b"Claims this study bears on" in page
    assert b"Test claim shown inline on the study page" in page


def test_extending_the_study_admin_again_adds_nothing_twice():
    study_admin = admin.site._registry[Study]
    before = (list(study_admin.inlines), list(study_admin.list_display))
    type(study_admin).extend(inlines=[StudyEvidenceLinkInline], list_display=[claim_count])
    assert (list(study_admin.inlines), list(study_admin.list_display)) == before
    assert StudyEvidenceLinkInline in before[0] and before[1][-1] is claim_count
