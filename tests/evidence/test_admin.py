"""The evidence admin: mentions by quote, re-anchoring, suggestions, grade, claim workflow."""

import pytest
from django.urls import reverse

from evidence.models import Claim, ClaimMention, PublicationStatus
from tests.admin_helpers import claim_form_data, run_action
from tests.factories import (
    ClaimCategoryFactory,
    ClaimFactory,
    ClaimMentionFactory,
    EvidenceLinkFactory,
    OutcomeArmFactory,
    SourceDocumentFactory,
    StudyFactory,
)

pytestmark = pytest.mark.django_db
PERSONAS = ["anonymous", "curator", "reviewer", "superuser"]
TEXT = (
    "Microneedling induces collagen. It also improves blood flow to the scalp. "
    "Microneedling induces collagen, the article says again."
)


def change_url(obj):
    meta = obj._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])


def with_mention(claim, document, **fields) -> dict:
    data = claim_form_data(claim)
    data.update(
        {
            "mentions-TOTAL_FORMS": "1",
            "mentions-0-document": str(document.pk),
            "mentions-0-stance": "asserts",
            **{f"mentions-0-{k}": v for k, v in fields.items()},
        }
    )
    return data


# Mentions by quote ---------------------------------------------------------------------------


def test_a_pasted_quote_is_placed_without_counting_characters(client, curator):
    claim = ClaimFactory(status=PublicationStatus.DRAFT)
    document = SourceDocumentFactory(text=TEXT)
    client.force_login(curator)
    response = client.post(
        change_url(claim), with_mention(claim, document, quote="improves blood flow")
    )
    assert response.status_code == 302
    mention = ClaimMention.objects.get()
    assert TEXT[mention.start : mention.end] == "improves blood flow"
    assert mention.prefix.endswith("It also ")
    assert mention.history.get().history_user == curator


def test_a_repeated_quote_needs_words_around_it(client, curator):
    claim = ClaimFactory(status=PublicationStatus.DRAFT)
    document = SourceDocumentFactory(text=TEXT)
    client.force_login(curator)
    response = client.post(
        change_url(claim), with_mention(claim, document, quote="Microneedling induces collagen")
    )
    assert response.status_code == 200
    assert "appears 2 times in the document" in response.content.decode()
    assert not ClaimMention.objects.exists()
    response = client.post(
        change_url(claim),
        with_mention(
            claim, document, quote="Microneedling induces collagen", context_after="the article"
        ),
    )
    assert response.status_code == 302
    assert ClaimMention.objects.get().start == TEXT.rindex("Microneedling induces collagen")


def test_a_missing_quote_is_an_error_and_the_claim_edit_is_not_saved(client, curator):
    claim = ClaimFactory(status=PublicationStatus.DRAFT, statement="Before.")
    document = SourceDocumentFactory(text=TEXT)
    client.force_login(curator)
    data = with_mention(claim, document, quote="cures baldness")
    data["statement"] = "After."
    response = client.post(change_url(claim), data)
    assert "does not appear in the document" in response.content.decode()
    claim.refresh_from_db()
    assert claim.statement == "Before."
    assert not ClaimMention.objects.exists()


def test_re_saving_a_mention_of_a_repeated_quote_keeps_its_place(client, curator):
    document = SourceDocumentFactory(text=TEXT)
    second = TEXT.rindex("Microneedling induces collagen")
    mention = ClaimMentionFactory(
        document=document, start=second, end=second + 30, claim__status=PublicationStatus.DRAFT
    )
    mention.prefix, mention.suffix = TEXT[second - 32 : second], TEXT[second + 30 : second + 62]
    mention.save()
    client.force_login(curator)
    data = {
        "claim": mention.claim_id,
        "document": document.pk,
        "quote": mention.quote,
        "stance": "asserts",
        "review_note": "Checked.",
    }
    assert client.post(change_url(mention), data).status_code == 302
    mention.refresh_from_db()
    assert mention.start == second
    assert mention.review_note == "Checked."


# Documents -----------------------------------------------------------------------------------


def test_editing_a_document_in_the_admin_re_anchors_and_flags_its_mentions(client, curator):
    document = SourceDocumentFactory(text=TEXT, status=PublicationStatus.DRAFT)
    kept = ClaimMentionFactory(document=document, quote="improves blood flow")
    kept.start = TEXT.index("improves blood flow")
    kept.end = kept.start + len(kept.quote)
    kept.save()
    lost = ClaimMentionFactory(document=document, quote="It also", start=TEXT.index("It also"))
    new_text = "New first line. " + TEXT.replace("It also ", "Then it ")
    client.force_login(curator)
    data = {
        "title": document.title,
        "slug": document.slug,
        "status": document.status,
        "text": new_text,
        "imported_at_0": "2026-01-01",
        "imported_at_1": "10:00:00",
    }
    response = client.post(change_url(document), data, follow=True)
    assert "1 moved with the text, 1 could not be found and need review" in (
        response.content.decode()
    )
    kept.refresh_from_db()
    lost.refresh_from_db()
    assert new_text[kept.start : kept.end] == "improves blood flow"
    assert lost.needs_review and "does not appear" in lost.review_note
    assert ClaimMention.objects.count() == 2


def test_the_document_page_suggests_uncurated_sentences_by_category(client, curator):
    ClaimCategoryFactory(name="Blood flow", slug="blood-flow", keywords="blood flow")
    ClaimCategoryFactory(name="Collagen", slug="collagen", keywords="collagen")
    document = SourceDocumentFactory(text=TEXT)
    ClaimMentionFactory(document=document)  # the first "Microneedling induces collagen."
    client.force_login(curator)
    page = client.get(change_url(document)).content.decode()
    assert "It also improves blood flow to the scalp." in page
    assert "Microneedling induces collagen, the article says again." in page
    assert "Microneedling induces collagen.</span>" not in page


# The claim page: computed grade read-only, override justified --------------------------------


def test_the_claim_page_shows_the_computed_grade_and_rationale_read_only(client, curator):
    claim = ClaimFactory(
        status=PublicationStatus.DRAFT,
        certainty="low",
        rationale=["Starts high: randomised trials.", "Down one: risk of bias."],
    )
    client.force_login(curator)
    page = client.get(change_url(claim)).content.decode()
    assert "<li>Down one: risk of bias.</li>" in page
    assert 'name="certainty"' not in page  # the computed field is not a form input
    assert 'name="certainty_override"' in page
    data = claim_form_data(claim)
    data["certainty"] = "high"
    client.post(change_url(claim), data)
    claim.refresh_from_db()
    # The posted value is ignored; saving regrades the claim from its evidence (none linked).
    assert claim.certainty == "none"


def test_an_override_without_justification_is_refused(client, curator):
    claim = ClaimFactory(status=PublicationStatus.DRAFT)
    client.force_login(curator)
    response = client.post(change_url(claim), claim_form_data(claim, certainty_override="high"))
    assert "An override needs a written justification" in response.content.decode()
    claim.refresh_from_db()
    assert claim.certainty_override == ""


def test_a_justified_override_records_who_made_it_in_the_claim_and_its_history(client, curator):
    claim = ClaimFactory(status=PublicationStatus.DRAFT)
    client.force_login(curator)
    data = claim_form_data(
        claim, certainty_override="moderate", override_justification="Test reason."
    )
    assert client.post(change_url(claim), data).status_code == 302
    claim.refresh_from_db()
    assert claim.overridden_by == curator and claim.overridden_at is not None
    record = claim.history.first()
    assert (record.certainty_override, record.history_user) == ("moderate", curator)


# The claim permission matrix -----------------------------------------------------------------

MATRIX = {
    "edit a draft claim": (False, True, True, True),
    # Published is locked for everyone, the superuser too: only unpublishing unlocks it.
    "edit a published claim": (False, False, False, False),
    "submit a draft claim": (False, True, True, True),
    "publish a claim in review": (False, False, True, True),
    "unpublish a published claim": (False, False, True, True),
    "delete a draft claim": (False, False, True, True),
    "add a mention to a published claim": (False, False, False, False),
}


def attempt(client, action: str) -> bool:
    if action.startswith("edit"):
        status = "draft" if "draft" in action else "published"
        claim = ClaimFactory(status=status)
        client.post(change_url(claim), claim_form_data(claim, statement="Edited."))
        claim.refresh_from_db()
        return claim.statement == "Edited."
    if action.startswith(("submit", "publish", "unpublish")):
        verb, start = {
            "submit a draft claim": ("submit_for_review", "draft"),
            "publish a claim in review": ("publish", "review"),
            "unpublish a published claim": ("unpublish", "published"),
        }[action]
        claim = ClaimFactory(status=start)
        run_action(client, "claim", verb, [claim])
        claim.refresh_from_db()
        return claim.status != start
    if action == "delete a draft claim":
        claim = ClaimFactory(status="draft")
        client.post(reverse("admin:evidence_claim_delete", args=[claim.pk]), {"post": "yes"})
        return not Claim.objects.filter(pk=claim.pk).exists()
    if action == "add a mention to a published claim":
        claim = ClaimFactory(status="published")
        document = SourceDocumentFactory(text=TEXT)
        client.post(change_url(claim), with_mention(claim, document, quote="blood flow"))
        return ClaimMention.objects.filter(claim=claim).exists()
    raise AssertionError(action)


@pytest.fixture
def as_persona(client, persona):
    if persona is not None:
        client.force_login(persona)
    return client


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
@pytest.mark.parametrize("action", list(MATRIX))
def test_permission_matrix(as_persona, request, action):
    who = request.node.callspec.params["persona"]
    expected = MATRIX[action][PERSONAS.index(who)]
    assert attempt(as_persona, action) is expected, f"{who} / {action}"


# Changelists: the query count does not grow with rows ----------------------------------------

CHANGELISTS = [
    "studies_study",
    "studies_outcome",
    "studies_outcomearm",
    "evidence_claim",
    "evidence_claimmention",
    "evidence_evidencelink",
    "evidence_sourcedocument",
    "evidence_claimcategory",
]


@pytest.mark.parametrize("rows", [5, 50])
@pytest.mark.parametrize("name", CHANGELISTS)
def test_every_changelist_has_a_fixed_query_count(
    client, curator, django_assert_max_num_queries, rows, name
):
    for _ in range(rows):
        link = EvidenceLinkFactory(study=StudyFactory(), claim__category=ClaimCategoryFactory())
        OutcomeArmFactory(outcome__study=link.study)
        ClaimMentionFactory(claim=link.claim)
    client.force_login(curator)
    with django_assert_max_num_queries(11):
        response = client.get(reverse(f"admin:{name}_changelist"))
    assert response.status_code == 200


def test_the_claim_changelist_counts_studies_and_mentions(client, curator):
    claim = ClaimFactory(statement="Test claim with counts.")
    EvidenceLinkFactory.create_batch(3, claim=claim)
    ClaimMentionFactory(claim=claim)
    client.force_login(curator)
    page = client.get(reverse("admin:evidence_claim_changelist")).content.decode()
    assert 'class="field-study_count">3<' in page
    assert 'class="field-mention_count">1<' in page


# A mention's stance and its own review, in the admin -------------------------------------------


def test_a_mention_added_in_the_admin_to_a_published_claim_is_a_draft_with_its_stance(
    client, curator
):
    claim = ClaimFactory(status=PublicationStatus.PUBLISHED)
    document = SourceDocumentFactory(text=TEXT, status=PublicationStatus.PUBLISHED)
    client.force_login(curator)
    data = {
        "claim": claim.pk,
        "document": document.pk,
        "quote": "improves blood flow",
        "stance": "qualifies",
        "status": "published",  # not a field of the form: ignored
    }
    response = client.post(reverse("admin:evidence_claimmention_add"), data)

    assert response.status_code == 302
    mention = ClaimMention.objects.get()
    assert (mention.stance, mention.status) == ("qualifies", PublicationStatus.DRAFT)
    assert not ClaimMention.objects.public().exists()


def test_the_mention_page_and_the_claims_inline_show_and_edit_the_stance(client, curator):
    mention = ClaimMentionFactory(
        document=SourceDocumentFactory(text=TEXT), claim__status=PublicationStatus.DRAFT
    )
    client.force_login(curator)
    page = client.get(change_url(mention)).content.decode()
    assert 'name="stance"' in page and "Denies the claim" in page
    inline = client.get(change_url(mention.claim)).content.decode()
    assert 'name="mentions-0-stance"' in inline

    data = {
        "claim": mention.claim_id,
        "document": mention.document_id,
        "quote": mention.quote,
        "context_after": "It also",
        "stance": "denies",
    }
    assert client.post(change_url(mention), data).status_code == 302
    mention.refresh_from_db()
    assert mention.stance == "denies"


def test_the_mention_list_filters_by_status_and_stance(client, curator):
    ClaimMentionFactory(status=PublicationStatus.DRAFT, stance="denies")
    client.force_login(curator)
    response = client.get(
        reverse("admin:evidence_claimmention_changelist"), {"status__exact": "draft"}
    )
    assert response.status_code == 200
    assert response.context["cl"].result_count == 1
    assert "Denies the claim" in response.content.decode()


def test_the_document_list_counts_its_mentions_not_yet_published(client, curator):
    document = SourceDocumentFactory(text=TEXT)
    ClaimMentionFactory(document=document)
    ClaimMentionFactory(document=document, quote="improves blood flow", status="review")
    client.force_login(curator)
    response = client.get(reverse("admin:evidence_sourcedocument_changelist"))
    [row] = response.context["cl"].result_list
    assert row.n_unpublished == 1
    assert f"?document__id__exact={document.pk}" in response.content.decode()
