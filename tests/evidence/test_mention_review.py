"""A mention's own review (evidence.workflow): a new mention is a draft on every path, public only
once a reviewer who did not make it publishes it and its claim and document are published."""

import pytest
from django.urls import reverse

from evidence.models import ClaimMention, MentionStance, PublicationStatus
from evidence.workflow import (
    claim_publish,
    claim_submit,
    mention_accept,
    mention_publish,
    mention_submit,
    mention_unpublish,
    sourcedocument_publish,
    sourcedocument_submit,
)
from studies.publishing import PublicationLocked, check_editable
from studies.services import WorkflowError
from tests.factories import ClaimFactory, ClaimMentionFactory, SourceDocumentFactory

pytestmark = pytest.mark.django_db

SENTENCE = "It also improves blood flow to the scalp."


def _accept(document, claim, by, stance=MentionStance.ASSERTS):
    start = document.text.index(SENTENCE)
    return mention_accept(
        document=document,
        claim=claim,
        start=start,
        end=start + len(SENTENCE),
        by=by,
        stance=stance,
    )


def _public_view(client, claim, document):
    """What a reader sees of the claim and the document: both pages and the claim list."""
    return [
        client.get(url).content.decode()
        for url in (
            claim.get_absolute_url(),
            document.get_absolute_url(),
            reverse("evidence:claim_list"),
            reverse("api:document-detail", kwargs={"slug": document.slug}),
        )
    ]


def test_accepting_on_a_published_document_for_a_published_claim_changes_nothing_public_until_a_second_reviewer_publishes(  # noqa: E501
    client, curator, reviewer
):
    claim = ClaimFactory(statement="Microneedling improves blood flow to the scalp.")
    document = SourceDocumentFactory()
    before = _public_view(client, claim, document)

    mention = _accept(document, claim, curator, stance=MentionStance.DENIES)

    assert mention.status == PublicationStatus.DRAFT
    assert _public_view(client, claim, document) == before
    assert claim.mentions.public().count() == 0

    mention_submit(claimmention=mention, by=curator)
    mention_publish(claimmention=mention, by=reviewer)

    page = client.get(claim.get_absolute_url()).content.decode()
    assert SENTENCE in page
    assert "This passage denies this claim." in page
    assert f'id="mention-{mention.pk}"' in client.get(document.get_absolute_url()).content.decode()
    assert list(ClaimMention.objects.public()) == [mention]


def test_whoever_made_a_mention_cannot_publish_it(reviewer):
    claim, document = ClaimFactory(), SourceDocumentFactory()
    mention = _accept(document, claim, reviewer)
    mention_submit(claimmention=mention, by=reviewer)

    with pytest.raises(WorkflowError, match="yourself"):
        mention_publish(claimmention=mention, by=reviewer)
    mention.refresh_from_db()
    assert mention.status == PublicationStatus.REVIEW


def test_a_curator_cannot_publish_a_mention(curator, reviewer):
    mention = _accept(SourceDocumentFactory(), ClaimFactory(), reviewer)
    mention_submit(claimmention=mention, by=reviewer)
    with pytest.raises(WorkflowError, match="Only a reviewer"):
        mention_publish(claimmention=mention, by=curator)


def test_a_draft_mention_must_be_submitted_before_it_is_published(curator, reviewer):
    mention = _accept(SourceDocumentFactory(), ClaimFactory(), curator)
    with pytest.raises(WorkflowError, match="Submit it for review first"):
        mention_publish(claimmention=mention, by=reviewer)


def test_a_published_mention_of_a_published_claim_is_locked_and_a_draft_one_is_not(curator):
    published = ClaimMentionFactory()
    draft = ClaimMentionFactory(status=PublicationStatus.DRAFT, claim=published.claim)

    published.review_note = "changed"
    with pytest.raises(PublicationLocked):
        check_editable(published, by=curator)
    with pytest.raises(PublicationLocked):
        check_editable(published, by=curator, deleting=True)
    draft.review_note = "changed"
    check_editable(draft, by=curator)
    check_editable(draft, by=curator, deleting=True)


def test_setting_a_mention_published_by_hand_on_a_published_claim_is_refused(curator):
    draft = ClaimMentionFactory(status=PublicationStatus.DRAFT)
    draft.status = PublicationStatus.PUBLISHED
    with pytest.raises(PublicationLocked):
        check_editable(draft, by=curator)


def test_unpublishing_a_mention_takes_it_off_the_pages_at_once(client, reviewer):
    mention = ClaimMentionFactory()
    url = mention.claim.get_absolute_url()
    assert f"{mention.get_absolute_url()}" in client.get(url).content.decode()

    mention_unpublish(claimmention=mention, by=reviewer)

    assert not ClaimMention.objects.public().filter(pk=mention.pk).exists()
    assert f"{mention.get_absolute_url()}" not in client.get(url).content.decode()


def test_publishing_a_document_publishes_its_draft_mentions(curator, reviewer):
    claim = ClaimFactory()
    document = SourceDocumentFactory(status=PublicationStatus.DRAFT)
    mention = _accept(document, claim, curator)
    sourcedocument_submit(sourcedocument=document, by=curator)

    sourcedocument_publish(sourcedocument=document, by=reviewer)

    assert list(ClaimMention.objects.public()) == [mention]


def test_a_reviewer_cannot_publish_a_document_with_a_mention_they_made(reviewer, second_reviewer):
    document = SourceDocumentFactory(status=PublicationStatus.DRAFT)
    mention = _accept(document, ClaimFactory(), reviewer)
    sourcedocument_submit(sourcedocument=document, by=second_reviewer)

    with pytest.raises(WorkflowError, match="yourself"):
        sourcedocument_publish(sourcedocument=document, by=reviewer)
    document.refresh_from_db()
    mention.refresh_from_db()
    assert document.status == PublicationStatus.REVIEW
    assert mention.status == PublicationStatus.DRAFT


def test_publishing_a_claim_publishes_its_draft_mentions(curator, reviewer):
    claim = ClaimFactory(status=PublicationStatus.DRAFT)
    mention = _accept(SourceDocumentFactory(), claim, curator)
    claim_submit(claim=claim, by=curator)

    claim_publish(claim=claim, by=reviewer)

    assert list(ClaimMention.objects.public()) == [mention]


def test_the_review_steps_of_a_mention_do_not_count_as_the_reviewers_own_change(curator, reviewer):
    """A reviewer who published a mention may later publish its claim."""
    claim = ClaimFactory()
    mention = _accept(SourceDocumentFactory(), claim, curator)
    mention_submit(claimmention=mention, by=curator)
    mention_publish(claimmention=mention, by=reviewer)
    claim.status = PublicationStatus.REVIEW
    claim.save()

    claim_publish(claim=claim, by=reviewer)

    claim.refresh_from_db()
    assert claim.status == PublicationStatus.PUBLISHED
