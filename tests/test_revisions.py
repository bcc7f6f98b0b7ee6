"""Correcting a published record without taking it down (studies.revisions).

The public keeps seeing the published text until a second person publishes the correction,
and nobody publishes their own correction.
"""

import pytest
from django.urls import reverse

from evidence.models import PublicationStatus
from evidence.workflow import claim_revision_propose, claim_revision_publish
from studies.models import Revision, StudyStatus
from studies.revisions import pending_revision, study_revision_propose
from studies.services import WorkflowError
from tests.factories import ClaimFactory, StudyFactory

pytestmark = pytest.mark.django_db
OLD = "Microneedling increses hair density."
NEW = "Microneedling increases hair density."


def step_url(row, step: str) -> str:
    meta = row._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_step", args=[row.pk, step])


def correction_data(claim, **changes) -> dict:
    data = {
        "statement": claim.statement,
        "category": str(claim.category_id),
        "kind": claim.kind,
        "plain_summary": claim.plain_summary,
        "accepted_definition": claim.accepted_definition,
        "grading_note": claim.grading_note,
        "note": "A typo.",
    }
    data.update(changes)
    return data


@pytest.fixture
def claim(db):
    return ClaimFactory(statement=OLD, status=PublicationStatus.PUBLISHED)


def public_text(client, claim) -> str:
    client.logout()
    response = client.get(claim.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def test_the_public_sees_the_published_text_until_a_second_reviewer_publishes_the_correction(
    client, claim, curator, reviewer
):
    client.force_login(curator)
    page = client.get(reverse("admin:evidence_claim_change", args=[claim.pk])).content.decode()
    assert 'id="step-correct"' in page
    response = client.post(step_url(claim, "correct"), correction_data(claim, statement=NEW))
    assert response.status_code == 302
    assert pending_revision(claim).values == {"statement": NEW}
    claim.refresh_from_db()
    assert (claim.statement, claim.status) == (OLD, PublicationStatus.PUBLISHED)
    text = public_text(client, claim)
    assert OLD in text and NEW not in text

    client.force_login(reviewer)
    page = client.get(reverse("admin:evidence_claim_change", args=[claim.pk])).content.decode()
    assert 'id="pending-correction"' in page and NEW in page
    client.post(step_url(claim, "publish-revision"))
    claim.refresh_from_db()
    assert (claim.statement, claim.status, claim.published_by) == (
        NEW,
        PublicationStatus.PUBLISHED,
        reviewer,
    )
    assert pending_revision(claim) is None
    text = public_text(client, claim)
    assert NEW in text and OLD not in text
    corrected = claim.history.get(history_change_reason__startswith="Correction")
    assert (corrected.history_user, corrected.statement) == (curator, NEW)
    assert corrected.history_change_reason == "Correction by curator, published by reviewer"


def test_the_author_cannot_publish_their_own_correction(client, claim, reviewer, second_reviewer):
    client.force_login(reviewer)
    client.post(step_url(claim, "correct"), correction_data(claim, statement=NEW))
    response = client.post(step_url(claim, "publish-revision"), follow=True)
    assert "another reviewer must publish it" in response.content.decode()
    claim.refresh_from_db()
    assert claim.statement == OLD
    client.force_login(second_reviewer)
    client.post(step_url(claim, "publish-revision"))
    claim.refresh_from_db()
    assert claim.statement == NEW


def test_not_even_a_superuser_publishes_their_own_correction(claim, superuser):
    claim_revision_propose(claim=claim, by=superuser, values={"statement": NEW})
    with pytest.raises(WorkflowError, match="yourself"):
        claim_revision_publish(claim=claim, by=superuser)


def test_a_curator_cannot_publish_a_correction(client, claim, curator, reviewer):
    claim_revision_propose(claim=claim, by=reviewer, values={"statement": NEW})
    client.force_login(curator)
    assert client.post(step_url(claim, "publish-revision")).status_code == 403
    claim.refresh_from_db()
    assert claim.statement == OLD


def test_a_correction_that_changes_nothing_is_refused_and_the_form_says_why(client, claim, curator):
    client.force_login(curator)
    response = client.post(step_url(claim, "correct"), correction_data(claim))
    assert response.status_code == 200
    assert "Nothing is changed" in response.content.decode()
    assert not Revision.objects.exists()


def test_someone_elses_pending_correction_must_be_published_or_withdrawn_first(
    claim, curator, reviewer
):
    claim_revision_propose(claim=claim, by=curator, values={"statement": NEW})
    with pytest.raises(WorkflowError, match="already proposed"):
        claim_revision_propose(claim=claim, by=reviewer, values={"statement": "Other."})
    # Its own proposer may change it.
    claim_revision_propose(claim=claim, by=curator, values={"statement": "Again."})
    assert pending_revision(claim).values == {"statement": "Again."}


def test_the_proposer_withdraws_a_correction(client, claim, curator):
    client.force_login(curator)
    client.post(step_url(claim, "correct"), correction_data(claim, statement=NEW))
    client.post(step_url(claim, "withdraw-revision"))
    assert pending_revision(claim) is None
    claim.refresh_from_db()
    assert claim.statement == OLD


def test_a_draft_is_edited_not_corrected(curator):
    draft = ClaimFactory(status=PublicationStatus.DRAFT)
    with pytest.raises(WorkflowError, match="edit the draft"):
        claim_revision_propose(claim=draft, by=curator, values={"statement": NEW})


def test_only_the_claims_own_words_and_judgements_are_corrected(claim, curator):
    with pytest.raises(WorkflowError, match="not corrected this way: slug"):
        claim_revision_propose(claim=claim, by=curator, values={"slug": "elsewhere"})


def test_a_published_study_is_corrected_the_same_way(client, curator, reviewer):
    study = StudyFactory(status=StudyStatus.PUBLISHED, summary="Hair count rose by 12.")
    study_revision_propose(study=study, by=curator, values={"summary": "Hair count rose by 21."})
    client.logout()
    assert "rose by 12." in client.get(study.get_absolute_url()).content.decode()
    client.force_login(reviewer)
    client.post(step_url(study, "publish-revision"))
    study.refresh_from_db()
    assert (study.summary, study.status) == ("Hair count rose by 21.", StudyStatus.PUBLISHED)
    client.logout()
    assert "rose by 21." in client.get(study.get_absolute_url()).content.decode()


def test_a_correction_left_on_an_unpublished_claim_can_still_be_withdrawn(
    client, claim, curator, reviewer
):
    from evidence.workflow import claim_unpublish

    claim_revision_propose(claim=claim, by=curator, values={"statement": NEW})
    claim_unpublish(claim=claim, by=reviewer)
    client.force_login(curator)
    page = client.get(reverse("admin:evidence_claim_change", args=[claim.pk])).content.decode()
    assert 'id="pending-correction"' in page and 'id="step-withdraw-revision"' in page
    assert 'id="step-publish-revision"' not in page
    client.post(step_url(claim, "withdraw-revision"))
    assert pending_revision(claim) is None


def test_the_correction_form_starts_from_the_pending_values(client, claim, curator):
    claim_revision_propose(claim=claim, by=curator, values={"statement": NEW}, note="Typo.")
    client.force_login(curator)
    form = client.get(step_url(claim, "correct")).context["form"]
    assert form.initial["statement"] == NEW and form.initial["note"] == "Typo."
