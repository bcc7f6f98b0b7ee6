"""The literature's hooks (studies.signals): every grade-relevant write announces itself, inside
its transaction, and studies works with nobody listening."""

import pytest
from django.urls import reverse

from evidence import receivers
from evidence.models import PublicationStatus
from evidence.services import claims_regrade
from studies.models import Study, StudyStatus
from studies.services import study_publish, study_retract, study_unpublish
from studies.signals import studies_changed, study_part_histories, study_saving
from tests.admin_helpers import run_action, study_form_data
from tests.factories import ClaimFactory, EvidenceLinkFactory, OutcomeArmFactory, StudyFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def announced():
    """Every studies_changed sent during the test: (study pks, context)."""
    sent = []

    def record(sender, *, studies, context, **kwargs):
        sent.append(([study.pk for study in studies], context))

    studies_changed.connect(record, sender=Study, dispatch_uid="test.record")
    yield sent
    studies_changed.disconnect(sender=Study, dispatch_uid="test.record")


@pytest.fixture
def without_evidence():
    """The literature on its own: evidence's receivers disconnected for the test."""
    studies_changed.disconnect(sender=Study, dispatch_uid="evidence.regrade_linked_claims")
    study_saving.disconnect(sender=Study, dispatch_uid="evidence.note_linked_claims")
    yield
    study_saving.connect(
        receivers.note_linked_claims, sender=Study, dispatch_uid="evidence.note_linked_claims"
    )
    studies_changed.connect(
        receivers.regrade_linked_claims, sender=Study, dispatch_uid="evidence.regrade_linked_claims"
    )


def test_publishing_unpublishing_and_retracting_each_announce_the_study(announced, reviewer):
    study = StudyFactory(status=StudyStatus.REVIEW)
    study_publish(study=study, by=reviewer)
    study_unpublish(study=study, by=reviewer)
    study_retract(study=study, by=reviewer, reason="Retracted by the journal.")
    assert [pks for pks, _ in announced] == [[study.pk]] * 3


def test_a_refused_publish_announces_nothing(announced, curator):
    study = StudyFactory(status=StudyStatus.REVIEW)
    with pytest.raises(Exception, match="Only a reviewer"):
        study_publish(study=study, by=curator)
    assert announced == []


def test_a_failing_receiver_rolls_the_publish_back(reviewer):
    def fail(sender, **kwargs):
        raise RuntimeError("regrade failed")

    study = StudyFactory(status=StudyStatus.REVIEW)
    studies_changed.connect(fail, sender=Study, dispatch_uid="test.fail")
    try:
        with pytest.raises(RuntimeError, match="regrade failed"):
            study_publish(study=study, by=reviewer)
    finally:
        studies_changed.disconnect(sender=Study, dispatch_uid="test.fail")
    assert Study.objects.get(pk=study.pk).status == StudyStatus.REVIEW


def test_the_admin_notes_before_saving_the_inlines_and_announces_after_with_the_notes(
    announced, client, superuser
):
    def note(sender, *, study, context, **kwargs):
        context["outcomes before"] = study.outcomes.count()

    study = StudyFactory(status=StudyStatus.DRAFT)
    data = study_form_data(study)
    data.update(
        {
            "outcomes-TOTAL_FORMS": "1",
            "outcomes-0-measure": "hair count",
            "outcomes-0-order": "0",
        }
    )
    study_saving.connect(note, sender=Study, dispatch_uid="test.note")
    client.force_login(superuser)
    try:
        response = client.post(reverse("admin:studies_study_change", args=[study.pk]), data)
    finally:
        study_saving.disconnect(sender=Study, dispatch_uid="test.note")
    assert response.status_code == 302, response.content.decode()[:2000]
    assert study.outcomes.count() == 1
    [(pks, context)] = announced
    assert pks == [study.pk]
    assert context["outcomes before"] == 0


def test_without_the_evidence_receivers_studies_still_publish_and_save(
    without_evidence, client, reviewer, superuser
):
    claim = ClaimFactory(status=PublicationStatus.PUBLISHED)
    study = StudyFactory(status=StudyStatus.REVIEW, participants=500, risk_of_bias="low")
    EvidenceLinkFactory(claim=claim, study=study)
    claims_regrade()
    claim.refresh_from_db()
    assert claim.certainty == "none"

    client.force_login(superuser)  # edited while in review: a published study is locked
    data = study_form_data(study, summary="Edited with nobody listening.")
    response = client.post(reverse("admin:studies_study_change", args=[study.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    client.force_login(reviewer)
    run_action(client, "study", "publish", [study])
    study.refresh_from_db()
    assert study.status == StudyStatus.PUBLISHED
    # Nobody regraded: the claim kept its old grade, which a full regrade now moves.
    claim.refresh_from_db()
    assert claim.certainty == "none"
    assert claims_regrade().changed == 1


def test_a_studys_parts_are_its_outcomes_arms_and_the_parts_other_apps_registered():
    arm = OutcomeArmFactory()
    study = arm.outcome.study
    EvidenceLinkFactory(study=study)
    EvidenceLinkFactory()  # another study's link
    histories = study_part_histories(study)
    models = [history.model.instance_type.__name__ for history in histories]
    assert models == ["Outcome", "OutcomeArm", "EvidenceLink", "StudyResult", "PooledEstimate"]
    assert [history.count() for history in histories] == [1, 1, 1, 0, 0]
