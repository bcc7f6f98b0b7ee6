"""Nothing reaches the public without a second reviewer: the four holes of issue 11, closed.

Each test here failed on the code before the publication rule (studies.publishing): the history
revert form, the stand-alone changelists, source documents without review, and the resave of an
unchanged article.
"""

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from evidence.models import ClaimMention, EvidenceLink, PublicationStatus, SourceDocument
from evidence.workflow import (
    document_text_update,
    sourcedocument_publish,
    sourcedocument_submit,
    sourcedocument_unpublish,
)
from studies.models import Study, StudyStatus
from studies.publishing import PublicationLocked, check_editable
from studies.services import WorkflowError, study_publish, study_submit, study_unpublish
from tests.admin_helpers import study_form_data
from tests.factories import (
    ClaimFactory,
    ClaimMentionFactory,
    OutcomeFactory,
    SourceDocumentFactory,
    StudyFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
DRAFT, PUBLISHED = PublicationStatus.DRAFT, PublicationStatus.PUBLISHED


@pytest.fixture
def view_only(db):
    user = UserFactory(username="viewer", is_staff=True)
    group = Group.objects.create(name="View only")
    group.permissions.set(Permission.objects.filter(codename__startswith="view_"))
    user.groups.add(group)
    return user


def revert_url(record):
    meta = record.instance._meta
    return reverse(
        f"admin:{meta.app_label}_{meta.model_name}_simple_history",
        args=[record.instance.pk, record.history_id],
    )


# Hole 1: the history revert form ------------------------------------------------------------


@pytest.mark.parametrize("who", ["view_only", "curator", "reviewer", "superuser"])
def test_nobody_changes_a_published_study_by_reverting_it(client, request, who):
    study = StudyFactory(status=StudyStatus.DRAFT, summary="The first words.")
    study.summary = "The reviewed words."
    study.status = StudyStatus.PUBLISHED
    study.save()
    first = study.history.earliest()
    client.force_login(request.getfixturevalue(who))
    response = client.post(revert_url(first), study_form_data(study, summary="The first words."))
    assert response.status_code == 403
    study.refresh_from_db()
    assert (study.summary, study.status) == ("The reviewed words.", StudyStatus.PUBLISHED)


def test_a_curator_cannot_republish_a_study_by_reverting_to_its_published_version(
    client, curator, reviewer, second_reviewer
):
    study = StudyFactory(status=StudyStatus.DRAFT)
    study_submit(study=study, by=curator)
    study_publish(study=study, by=reviewer)
    published = study.history.first()
    study_unpublish(study=study, by=second_reviewer)
    client.force_login(curator)
    response = client.post(revert_url(published), study_form_data(study))
    assert response.status_code == 302  # the content reverts; the status does not
    study.refresh_from_db()
    assert study.status == StudyStatus.DRAFT
    assert study.published_by is None
    assert not Study.objects.published().filter(pk=study.pk).exists()


def test_a_view_only_user_cannot_revert_even_a_draft(client, view_only, curator):
    study = StudyFactory(status=StudyStatus.DRAFT, summary="The first words.")
    client.force_login(curator)
    client.post(
        reverse("admin:studies_study_change", args=[study.pk]),
        study_form_data(study, summary="Second words."),
    )
    client.force_login(view_only)
    first = study.history.earliest()
    response = client.post(revert_url(first), study_form_data(study, summary="The first words."))
    assert response.status_code == 403
    study.refresh_from_db()
    assert study.summary == "Second words."


# Hole 2: the stand-alone changelists -------------------------------------------------------


def test_a_curator_cannot_add_a_link_to_a_published_claim_on_the_link_list(client, curator):
    claim = ClaimFactory(status=PUBLISHED)
    study = StudyFactory(status=StudyStatus.PUBLISHED)
    client.force_login(curator)
    response = client.post(
        reverse("admin:evidence_evidencelink_add"),
        {"claim": claim.pk, "study": study.pk, "direction": "supports", "finding": "x"},
    )
    assert response.status_code == 200
    assert "belongs to the published claim" in response.content.decode()
    assert not EvidenceLink.objects.exists()


def test_a_curator_cannot_move_an_outcome_to_a_published_study(client, curator):
    outcome = OutcomeFactory(study=StudyFactory(status=StudyStatus.DRAFT), measure="hair count")
    published = StudyFactory(status=StudyStatus.PUBLISHED)
    client.force_login(curator)
    client.post(
        reverse("admin:studies_outcome_change", args=[outcome.pk]),
        {
            "study": published.pk,
            "measure": "hair count",
            "order": "1",
            "effect_type": outcome.effect_type,
            "arms-TOTAL_FORMS": "0",
            "arms-INITIAL_FORMS": "0",
        },
    )
    outcome.refresh_from_db()
    assert outcome.study_id != published.pk


def test_the_rule_holds_in_the_service_layer_for_the_superuser_too(superuser):
    claim = ClaimFactory(status=PUBLISHED)
    link = EvidenceLink(claim=claim, study=StudyFactory(), direction="supports")
    with pytest.raises(PublicationLocked, match="published claim"):
        check_editable(link, by=superuser)
    with pytest.raises(PublicationLocked):
        check_editable(claim, by=superuser, deleting=True)


# Hole 3: source documents go through review ----------------------------------------------


def test_a_curator_cannot_take_a_published_document_offline_or_rewrite_it(client, curator):
    document = SourceDocumentFactory(status=PUBLISHED)
    original = document.text
    client.force_login(curator)
    response = client.post(
        reverse("admin:evidence_sourcedocument_change", args=[document.pk]),
        {
            "title": document.title,
            "slug": document.slug,
            "status": DRAFT,
            "text": "Rewritten.",
            "imported_at_0": "2026-01-01",
            "imported_at_1": "10:00:00",
        },
    )
    assert response.status_code == 403
    document.refresh_from_db()
    assert (document.status, document.text) == (PUBLISHED, original)
    with pytest.raises(PublicationLocked):
        document_text_update(document=document, text="Rewritten.", by=curator)


def test_a_document_is_published_by_a_different_reviewer(curator, reviewer, second_reviewer):
    document = SourceDocumentFactory(status=DRAFT)
    document_text_update(document=document, text="Reviewed text.", by=reviewer)
    sourcedocument_submit(sourcedocument=document, by=reviewer)
    with pytest.raises(WorkflowError, match="Only a reviewer"):
        sourcedocument_publish(sourcedocument=document, by=curator)
    with pytest.raises(WorkflowError, match="another reviewer must publish it"):
        sourcedocument_publish(sourcedocument=document, by=reviewer)
    sourcedocument_publish(sourcedocument=document, by=second_reviewer)
    document.refresh_from_db()
    assert (document.status, document.published_by) == (PUBLISHED, second_reviewer)
    sourcedocument_unpublish(sourcedocument=document, by=reviewer)
    assert SourceDocument.objects.get(pk=document.pk).status == DRAFT


# Hole 4: a resave of unchanged text changes nothing ----------------------------------------


def test_saving_the_article_form_unchanged_with_crlf_rewrites_nothing(client, curator):
    text = "First paragraph, about collagen.\n\nIt also improves blood flow.\nThe end."
    document = SourceDocumentFactory(status=DRAFT, text=text)
    mentions = [
        ClaimMentionFactory(
            claim__status=DRAFT, document=document, quote=quote, start=text.index(quote)
        )
        for quote in ("collagen", "blood flow", "The end")
    ]
    checksum, records = document.checksum, document.history.count()
    mention_records = ClaimMention.history.count()
    client.force_login(curator)
    response = client.post(
        reverse("admin:evidence_sourcedocument_change", args=[document.pk]),
        {
            "title": document.title,
            "slug": document.slug,
            "status": DRAFT,  # ignored now that status is set by the review actions only
            "text": text.replace("\n", "\r\n"),  # as a browser posts a textarea
            "source": document.source,
            "imported_at_0": document.imported_at.strftime("%Y-%m-%d"),
            "imported_at_1": document.imported_at.strftime("%H:%M:%S"),
            # The hidden initial value the admin renders beside a field with a default.
            "initial-imported_at_0": document.imported_at.strftime("%Y-%m-%d"),
            "initial-imported_at_1": document.imported_at.strftime("%H:%M:%S"),
        },
        follow=True,
    )
    assert response.redirect_chain, "the form was refused"
    assert "moved" not in response.content.decode()
    document.refresh_from_db()
    assert (document.text, document.checksum) == (text, checksum)
    assert document.history.count() == records
    assert ClaimMention.history.count() == mention_records
    for mention in mentions:
        start = mention.start
        mention.refresh_from_db()
        assert mention.start == start


def test_text_is_stored_with_lf_and_nfc_wherever_it_is_saved():
    document = SourceDocumentFactory(status=DRAFT, text="Cafe\u0301 one.\r\nTwo.\rThree.")
    document.refresh_from_db()
    assert document.text == "Caf\u00e9 one.\nTwo.\nThree."
    report = document_text_update(document=document, text="Cafe\u0301 one.\r\nTwo.\r\nThree.")
    assert not report.moved and not report.flagged
    assert document.history.count() == 1
