"""Placing mentions from a quote, re-anchoring after an edit, suggestions, claim workflow."""

import pytest

from evidence.anchoring import AnchorError
from evidence.models import ClaimMention, PublicationStatus
from evidence.workflow import (
    claim_publish,
    claim_submit,
    claim_unpublish,
    document_suggestions,
    document_text_update,
    mention_place,
)
from studies.services import WorkflowError
from tests.factories import (
    ClaimCategoryFactory,
    ClaimFactory,
    ClaimMentionFactory,
    SourceDocumentFactory,
)

pytestmark = pytest.mark.django_db

# A published document's text is locked (studies.publishing): text edits are made to drafts.
DRAFT = PublicationStatus.DRAFT
TEXT = (
    "Microneedling induces collagen. It also improves blood flow to the scalp. "
    "Microneedling induces collagen, the article says again."
)


def test_a_quote_found_once_is_placed_with_its_offsets_and_context():
    document = SourceDocumentFactory(text=TEXT)
    anchor = mention_place(document=document, quote="improves blood flow")
    assert TEXT[anchor.start : anchor.end] == "improves blood flow"
    assert anchor.prefix.endswith("It also ")


def test_a_repeated_quote_without_context_is_refused_as_ambiguous():
    document = SourceDocumentFactory(text=TEXT)
    with pytest.raises(AnchorError, match="appears 2 times"):
        mention_place(document=document, quote="Microneedling induces collagen")


def test_words_after_the_quote_pick_the_right_repeat():
    document = SourceDocumentFactory(text=TEXT)
    anchor = mention_place(
        document=document, quote="Microneedling induces collagen", after=", the article"
    )
    assert anchor.start == TEXT.rindex("Microneedling induces collagen")


def test_words_before_the_quote_ignore_spacing_and_line_breaks():
    text = "First sentence about needles.\nMicroneedling helps. Then: Microneedling helps."
    document = SourceDocumentFactory(text=text)
    anchor = mention_place(document=document, quote="Microneedling helps", before="needles.  ")
    assert anchor.start == text.index("Microneedling helps")


def test_context_that_is_not_in_the_document_is_refused():
    document = SourceDocumentFactory(text=TEXT)
    with pytest.raises(AnchorError, match="never with the words you gave"):
        mention_place(document=document, quote="Microneedling induces collagen", after="xyz")


def test_a_missing_quote_is_refused():
    document = SourceDocumentFactory(text=TEXT)
    with pytest.raises(AnchorError, match="does not appear"):
        mention_place(document=document, quote="cures baldness")


def test_editing_the_text_moves_mentions_with_their_quote(curator):
    mention = ClaimMentionFactory(quote="improves blood flow", document__status=DRAFT)
    mention.start = mention.document.text.index("improves blood flow")
    mention.end = mention.start + len(mention.quote)
    mention.save()
    document = mention.document
    report = document_text_update(
        document=document, text="A new opening sentence. " + document.text, by=curator
    )
    mention.refresh_from_db()
    assert report.moved == [mention]
    assert document.text[mention.start : mention.end] == "improves blood flow"
    assert not mention.needs_review
    assert mention.history.first().history_user == curator


def test_a_repeated_quote_is_re_anchored_to_the_same_repeat_by_its_context():
    document = SourceDocumentFactory(text=TEXT, status=DRAFT)
    second = TEXT.rindex("Microneedling induces collagen")
    mention = ClaimMentionFactory(document=document, start=second, end=second + 30)
    mention.prefix, mention.suffix = TEXT[second - 32 : second], TEXT[second + 30 : second + 62]
    mention.save()
    new_text = "Intro. " + TEXT
    document_text_update(document=document, text=new_text, by=None)
    mention.refresh_from_db()
    assert mention.start == new_text.rindex("Microneedling induces collagen")


def test_a_mention_whose_quote_was_edited_away_is_flagged_not_deleted(curator):
    mention = ClaimMentionFactory(document__status=DRAFT)
    old_start = mention.start
    report = document_text_update(
        document=mention.document, text="The article was rewritten completely.", by=curator
    )
    mention.refresh_from_db()
    assert report.flagged == [mention]
    assert mention.needs_review
    assert "does not appear" in mention.review_note
    assert "by curator" in mention.review_note
    assert mention.start == old_start
    assert ClaimMention.objects.count() == 1


def test_suggestions_are_keyword_sentences_without_a_mention_grouped_by_category():
    text = (
        "Needling grows hair. It is painless for most. Needling grows hair faster with minoxidil."
    )
    document = SourceDocumentFactory(text=text)
    efficacy = ClaimCategoryFactory(name="Efficacy", slug="efficacy", keywords="grows, hair")
    safety = ClaimCategoryFactory(name="Safety", slug="safety", keywords="painless, side effect")
    ClaimCategoryFactory(name="Empty", slug="empty", keywords="")
    ClaimMentionFactory(
        document=document, quote="Needling grows hair", start=0, end=len("Needling grows hair")
    )
    groups = dict(document_suggestions(document=document))
    assert [s.text for s in groups[efficacy]] == ["Needling grows hair faster with minoxidil."]
    assert groups[efficacy][0].keywords == ("grows", "hair")
    assert [s.text for s in groups[safety]] == ["It is painless for most."]
    assert len(groups) == 2


def test_a_claim_goes_from_draft_to_review_to_published(curator, reviewer):
    claim = ClaimFactory(status=PublicationStatus.DRAFT, updated_by=curator)
    claim_submit(claim=claim, by=curator)
    claim_publish(claim=claim, by=reviewer)
    claim.refresh_from_db()
    assert claim.status == PublicationStatus.PUBLISHED
    assert claim.published_by == reviewer


def test_a_curator_cannot_publish_a_claim(curator):
    claim = ClaimFactory(status=PublicationStatus.REVIEW)
    with pytest.raises(WorkflowError, match="Only a reviewer"):
        claim_publish(claim=claim, by=curator)


def test_a_reviewer_cannot_publish_a_claim_they_changed(reviewer):
    claim = ClaimFactory(status=PublicationStatus.REVIEW, updated_by=reviewer)
    with pytest.raises(WorkflowError, match="another reviewer"):
        claim_publish(claim=claim, by=reviewer)


def test_unpublishing_a_claim_makes_it_a_draft(reviewer, curator):
    claim = ClaimFactory(status=PublicationStatus.PUBLISHED)
    with pytest.raises(WorkflowError):
        claim_unpublish(claim=claim, by=curator)
    claim_unpublish(claim=claim, by=reviewer)
    assert claim.status == PublicationStatus.DRAFT


def test_a_reviewer_who_added_a_mention_to_a_claim_cannot_publish_it(reviewer, second_reviewer):
    claim = ClaimFactory(status=PublicationStatus.REVIEW)
    mention = ClaimMentionFactory.build(claim=claim, document=SourceDocumentFactory())
    mention._history_user = reviewer
    mention.save()
    with pytest.raises(WorkflowError, match="another reviewer"):
        claim_publish(claim=claim, by=reviewer)
    claim_publish(claim=claim, by=second_reviewer)


def test_a_mention_whose_surroundings_did_not_change_is_not_rewritten():
    mention = ClaimMentionFactory(document__status=DRAFT)
    mention.prefix, mention.suffix = "", mention.document.text[30:62]
    mention.save()
    records = mention.history.count()
    document = mention.document
    report = document_text_update(document=document, text=document.text + " An added line.")
    assert report.unchanged == [mention]
    assert mention.history.count() == records


def test_a_changed_context_after_a_mention_is_refreshed_in_place():
    mention = ClaimMentionFactory(document__status=DRAFT)
    mention.suffix = mention.document.text[30:62]
    mention.save()
    document = mention.document
    new_text = document.text.replace(". It also", ". Also, it")
    document_text_update(document=document, text=new_text)
    mention.refresh_from_db()
    assert mention.start == 0
    assert mention.suffix == new_text[30:62]
