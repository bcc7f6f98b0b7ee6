"""The review workflow as buttons on the record's page, and each user's work queue.

The buttons call the list actions' services with the list actions' permissions
(tests/test_admin_matrix.py runs every button for every role); here: what the page shows,
the messages, 403 for the wrong role, and nobody publishing their own change.
"""

import pytest
from django.urls import reverse

from evidence.models import PublicationStatus
from studies.models import StudyStatus
from studies.services import study_submit
from tests.factories import (
    ClaimFactory,
    ClaimMentionFactory,
    SourceDocumentFactory,
    StudyFactory,
)

pytestmark = pytest.mark.django_db


def step_url(row, step: str) -> str:
    meta = row._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_step", args=[row.pk, step])


def change_url(row) -> str:
    meta = row._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[row.pk])


def test_a_curator_sees_a_submit_button_on_a_draft_study_and_no_publish_button(client, curator):
    study = StudyFactory(status=StudyStatus.DRAFT)
    client.force_login(curator)
    page = client.get(change_url(study)).content.decode()
    assert 'id="step-submit"' in page
    assert step_url(study, "submit") in page
    assert 'id="step-publish"' not in page
    assert "Status: <strong>Draft</strong>" in page


def test_submitting_with_the_button_puts_the_study_in_review_and_says_so(client, curator):
    study = StudyFactory(status=StudyStatus.DRAFT)
    client.force_login(curator)
    response = client.post(step_url(study, "submit"), follow=True)
    study.refresh_from_db()
    assert study.status == StudyStatus.REVIEW
    assert response.redirect_chain[-1][0] == change_url(study)
    assert "Submitted for review" in response.content.decode()


def test_a_study_without_a_design_is_not_submitted_and_the_page_says_why(client, curator):
    study = StudyFactory(status=StudyStatus.DRAFT, design="")
    client.force_login(curator)
    response = client.post(step_url(study, "submit"), follow=True)
    study.refresh_from_db()
    assert study.status == StudyStatus.DRAFT
    assert "Set the study design" in response.content.decode()


def test_a_curator_who_posts_to_publish_gets_403_and_nothing_changes(client, curator, reviewer):
    study = StudyFactory(status=StudyStatus.DRAFT)
    study_submit(study=study, by=reviewer)
    client.force_login(curator)
    assert client.post(step_url(study, "publish")).status_code == 403
    study.refresh_from_db()
    assert study.status == StudyStatus.REVIEW


def test_a_reviewer_cannot_publish_their_own_change_with_the_button(client, reviewer):
    study = StudyFactory(status=StudyStatus.DRAFT, updated_by=reviewer)
    study_submit(study=study, by=reviewer)
    client.force_login(reviewer)
    response = client.post(step_url(study, "publish"), follow=True)
    study.refresh_from_db()
    assert study.status == StudyStatus.REVIEW
    assert "another reviewer must publish it" in response.content.decode()


def test_another_reviewer_publishes_with_the_button(client, curator, reviewer):
    study = StudyFactory(status=StudyStatus.DRAFT, updated_by=curator)
    study_submit(study=study, by=curator)
    client.force_login(reviewer)
    assert 'id="step-publish"' in client.get(change_url(study)).content.decode()
    client.post(step_url(study, "publish"))
    study.refresh_from_db()
    assert (study.status, study.published_by) == (StudyStatus.PUBLISHED, reviewer)


def test_a_step_is_taken_only_by_post(client, curator):
    study = StudyFactory(status=StudyStatus.DRAFT)
    client.force_login(curator)
    assert client.get(step_url(study, "submit")).status_code == 405
    study.refresh_from_db()
    assert study.status == StudyStatus.DRAFT


def test_an_unknown_step_is_404(client, reviewer):
    client.force_login(reviewer)
    assert client.post(step_url(StudyFactory(), "delete-everything")).status_code == 404


def test_a_step_needs_the_csrf_token(curator):
    from django.test import Client

    study = StudyFactory(status=StudyStatus.DRAFT)
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(curator)
    assert strict.post(step_url(study, "submit")).status_code == 403
    study.refresh_from_db()
    assert study.status == StudyStatus.DRAFT


def test_retracting_asks_for_the_reason_first(client, reviewer):
    study = StudyFactory(status=StudyStatus.PUBLISHED)
    client.force_login(reviewer)
    form = client.get(step_url(study, "retract"))
    assert form.status_code == 200 and "retraction reason" in form.content.decode()
    client.post(step_url(study, "retract"), {"reason": ""})
    study.refresh_from_db()
    assert study.status == StudyStatus.PUBLISHED
    client.post(step_url(study, "retract"), {"reason": "Retracted by the journal."})
    study.refresh_from_db()
    assert (study.status, study.retraction_reason) == (
        StudyStatus.RETRACTED,
        "Retracted by the journal.",
    )


def test_a_curator_cannot_open_the_retraction_form(client, curator):
    client.force_login(curator)
    assert client.get(step_url(StudyFactory(), "retract")).status_code == 403


@pytest.mark.parametrize("factory", [ClaimFactory, SourceDocumentFactory])
def test_claims_and_documents_have_the_same_buttons(client, curator, reviewer, factory):
    row = factory(status=PublicationStatus.DRAFT, updated_by=curator)
    client.force_login(curator)
    assert 'id="step-submit"' in client.get(change_url(row)).content.decode()
    client.post(step_url(row, "submit"))
    row.refresh_from_db()
    assert row.status == PublicationStatus.REVIEW
    assert client.post(step_url(row, "publish")).status_code == 403
    client.force_login(reviewer)
    client.post(step_url(row, "publish"))
    row.refresh_from_db()
    assert row.status == PublicationStatus.PUBLISHED
    page = client.get(change_url(row)).content.decode()
    assert 'id="step-unpublish"' in page and 'id="step-publish"' not in page


# The work queue ----------------------------------------------------------------------------

QUEUE = "/admin/queue/"


def test_the_work_queue_needs_a_staff_sign_in(client):
    response = client.get(QUEUE)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_the_admin_index_links_to_the_work_queue(client, curator):
    client.force_login(curator)
    assert f'href="{QUEUE}"' in client.get(reverse("admin:index")).content.decode()


def test_the_queue_shows_my_drafts_and_imports_without_a_design(client, curator, reviewer):
    mine = StudyFactory(status=StudyStatus.DRAFT, updated_by=curator, title="Mine to finish")
    StudyFactory(status=StudyStatus.DRAFT, updated_by=reviewer, title="Someone else's")
    imported = StudyFactory(status=StudyStatus.DRAFT, design="", title="Imported, no design")
    client.force_login(curator)
    response = client.get(QUEUE)
    sections = {s.key: s for s in response.context["sections"]}
    assert [label for label, _, _ in sections["drafts"].rows] == [str(mine)]
    assert sections["design"].count == 1
    assert sections["design"].rows[0][1] == change_url(imported)
    assert "review" not in sections  # a curator publishes nothing, so reviews nothing


def test_a_reviewer_sees_others_submissions_waiting_for_review_but_not_their_own(
    client, curator, reviewer
):
    theirs = StudyFactory(status=StudyStatus.REVIEW, updated_by=curator)
    own = ClaimFactory(status=PublicationStatus.REVIEW, updated_by=reviewer)
    client.force_login(reviewer)
    sections = {s.key: s for s in client.get(QUEUE).context["sections"]}
    assert [url for _, url, _ in sections["review"].rows] == [change_url(theirs)]
    assert [url for _, url, _ in sections["submitted"].rows] == [change_url(own)]


def test_the_queue_lists_mentions_to_re_anchor(client, curator):
    mention = ClaimMentionFactory(needs_review=True)
    ClaimMentionFactory()
    client.force_login(curator)
    response = client.get(QUEUE)
    sections = {s.key: s for s in response.context["sections"]}
    assert sections["reanchor"].count == 1
    assert sections["reanchor"].rows[0][1] == change_url(mention)
    assert "?needs_review__exact=1" in response.content.decode()


def test_mentions_in_review_are_in_the_reviewers_queue(client, curator, reviewer):
    mention = ClaimMentionFactory(status=PublicationStatus.REVIEW)
    ClaimMentionFactory(status=PublicationStatus.DRAFT, quote="improves blood flow")
    client.force_login(reviewer)
    review = {s.key: s for s in client.get(QUEUE).context["sections"]}["review"]
    assert [url for _, url, _ in review.rows] == [change_url(mention)]
    client.force_login(curator)
    assert "review" not in {s.key for s in client.get(QUEUE).context["sections"]}


@pytest.mark.parametrize(("who", "queries"), [("curator", 21), ("reviewer", 29)])
def test_the_queue_takes_a_fixed_number_of_queries(
    client, request, who, queries, django_assert_max_num_queries
):
    user = request.getfixturevalue(who)
    for _ in range(30):
        StudyFactory(status=StudyStatus.DRAFT, design="", updated_by=user)
        StudyFactory(status=StudyStatus.REVIEW)
        ClaimMentionFactory(needs_review=True)
        ClaimMentionFactory(status=PublicationStatus.REVIEW, quote="improves blood flow")
    client.force_login(user)
    client.get(QUEUE)
    with django_assert_max_num_queries(queries):
        assert client.get(QUEUE).status_code == 200


def test_corrections_waiting_are_in_the_reviewers_queue_and_the_proposers(
    client, curator, reviewer
):
    from evidence.workflow import claim_revision_propose

    claim = ClaimFactory(status=PublicationStatus.PUBLISHED)
    claim_revision_propose(claim=claim, by=curator, values={"statement": "Corrected."})
    client.force_login(reviewer)
    review = {s.key: s for s in client.get(QUEUE).context["sections"]}["review"]
    assert review.rows == [(f"Correction of “{claim}”", change_url(claim), "claim")]
    client.force_login(curator)
    sent = {s.key: s for s in client.get(QUEUE).context["sections"]}["submitted"]
    assert sent.count == 1


def test_the_long_study_form_starts_with_its_review_fieldset_folded(client, curator):
    client.force_login(curator)
    page = client.get(change_url(StudyFactory(status=StudyStatus.DRAFT))).content.decode()
    review = page.index("Review and publishing")
    assert "<details" in page[page.rindex("<fieldset", 0, review) : review]


def test_an_evidence_link_page_says_it_is_published_with_its_claim(client, curator):
    from tests.factories import EvidenceLinkFactory

    link = EvidenceLinkFactory(claim=ClaimFactory(status=PublicationStatus.DRAFT))
    client.force_login(curator)
    page = client.get(change_url(link)).content.decode()
    assert "submitted and published with its claim" in page
    assert f'href="{change_url(link.claim)}"' in page
    assert 'id="step-submit"' not in page  # the claim's page has the buttons
