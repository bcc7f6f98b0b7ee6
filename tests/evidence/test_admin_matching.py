"""The "Propose mentions" screen of a source document (evidence.admin_matching)."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from evidence.matching_index import clear_cache
from evidence.models import Claim, ClaimMention, PublicationStatus
from evidence.workflow import document_text_update
from tests.factories import (
    ClaimCategoryFactory,
    ClaimFactory,
    ClaimMentionFactory,
    SourceDocumentFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

OTHER = "Microneedling improves blood circulation in the scalp. It stimulates collagen production."
NEW = (
    "Scalp needling: a review\n"
    "Rolling improves blood circulation in the scalp, clinics say. "
    "It also blocks DHT and wakes stem cells in the follicles. "
    "Clean the roller with alcohol."
)


@pytest.fixture(autouse=True)
def fresh_index():
    clear_cache()
    yield
    clear_cache()


@pytest.fixture
def setup():
    """A draft claim quoted in another document, a published one, and a new document."""
    other = SourceDocumentFactory(text=OTHER)
    flow = ClaimFactory(
        slug="increases-scalp-blood-flow",
        statement="Scalp microneedling increases blood circulation in the scalp.",
        status=PublicationStatus.DRAFT,
    )
    collagen = ClaimFactory(
        slug="induces-collagen",
        statement="Microneedling stimulates collagen production.",
        status=PublicationStatus.PUBLISHED,
    )
    ClaimMentionFactory(
        document=other, claim=flow, quote="Microneedling improves blood circulation in the scalp."
    )
    ClaimMentionFactory(document=other, claim=collagen, quote="It stimulates collagen production.")
    document = SourceDocumentFactory(text=NEW, status=PublicationStatus.DRAFT)
    return {"document": document, "flow": flow, "collagen": collagen}


def url(document):
    return reverse("admin:evidence_sourcedocument_propose", args=[document.pk])


def proposals(response):
    return [
        (row["match"].claim, row["match"].start, row["match"].end)
        for row in response.context["rows"]
    ]


def post(client, document, rows, candidates=(), checksum=None):
    data = {
        "checksum": checksum or document.checksum,
        "p-TOTAL_FORMS": str(len(rows)),
        "p-INITIAL_FORMS": str(len(rows)),
        "c-TOTAL_FORMS": str(len(candidates)),
        "c-INITIAL_FORMS": str(len(candidates)),
    }
    for i, row in enumerate(rows):
        row = {"stance": "asserts", **row}  # a browser posts the select's shown value
        data.update({f"p-{i}-{k}": v for k, v in row.items()})
    for i, row in enumerate(candidates):
        data.update({f"c-{i}-{k}": v for k, v in row.items()})
    return client.post(url(document), data)


def test_the_permission_ladder(client, setup, curator, reviewer, superuser):
    document = setup["document"]
    response = client.get(url(document))
    assert response.status_code == 302 and "/login/" in response["Location"]
    nobody = UserFactory(username="staff-without-roles", is_staff=True)
    nobody.user_permissions.add(Permission.objects.get(codename="view_sourcedocument"))
    client.force_login(nobody)
    assert client.get(url(document)).status_code == 403
    for user in (curator, reviewer, superuser):
        client.force_login(user)
        assert client.get(url(document)).status_code == 200


def test_the_change_page_links_to_the_screen(client, setup, curator):
    client.force_login(curator)
    change = reverse("admin:evidence_sourcedocument_change", args=[setup["document"].pk])
    assert url(setup["document"]).encode() in client.get(change).content


def test_proposals_carry_exact_offsets_claim_stance_and_why(client, setup, curator):
    client.force_login(curator)
    response = client.get(url(setup["document"]))
    sentence = "Rolling improves blood circulation in the scalp, clinics say."
    start = NEW.index(sentence)
    assert ("increases-scalp-blood-flow", start, start + len(sentence)) in proposals(response)
    row = response.context["rows"][0]
    assert row["match"].stance == "asserts"
    assert "Microneedling improves blood circulation in the scalp." in row["match"].resembles
    html = response.content.decode()
    assert "induces-collagen (published)" in html
    # The DHT sentence is a new-claim candidate; the cleaning one is nothing.
    [(_, candidate)] = response.context["candidate_rows"]
    assert candidate.sentence.text.startswith("It also blocks DHT")


def test_accepting_makes_a_draft_mention_at_those_characters(client, setup, curator):
    client.force_login(curator)
    document = setup["document"]
    [(slug, start, end)] = proposals(client.get(url(document)))
    response = post(
        client, document, [{"start": start, "end": end, "claim": slug, "decision": "accept"}]
    )
    assert response.status_code == 302
    mention = ClaimMention.objects.get(document=document)
    assert (mention.claim.slug, mention.start, mention.end) == (slug, start, end)
    assert mention.quote == NEW[start:end]
    assert mention.history.get().history_user == curator
    # Not public: the claim and the document are drafts until a second reviewer publishes.
    assert not ClaimMention.objects.public().filter(pk=mention.pk).exists()
    # Re-running proposes it no more.
    assert proposals(client.get(url(document))) == []


def test_changing_the_claim_and_rejecting_in_one_form(client, setup, curator):
    client.force_login(curator)
    document = setup["document"]
    other_claim = ClaimFactory(slug="another-draft", status=PublicationStatus.DRAFT)
    sentence = "Rolling improves blood circulation in the scalp, clinics say."
    start = NEW.index(sentence)
    rows = [
        {
            "start": start,
            "end": start + len(sentence),
            "claim": other_claim.slug,
            "decision": "accept",
        },
        {"start": 0, "end": 10, "claim": "increases-scalp-blood-flow", "decision": "reject"},
    ]
    response = post(client, document, rows)
    assert response.status_code == 302
    assert list(document.mentions.values_list("claim__slug", flat=True)) == ["another-draft"]


def test_a_published_claim_takes_a_draft_mention_that_is_not_public(client, setup, curator):
    client.force_login(curator)
    document = setup["document"]
    response = post(
        client,
        document,
        [{"start": 0, "end": 10, "claim": "induces-collagen", "decision": "accept"}],
    )
    assert response.status_code == 302
    mention = document.mentions.get()
    assert mention.claim.slug == "induces-collagen"
    assert mention.status == PublicationStatus.DRAFT
    assert not ClaimMention.objects.public().filter(pk=mention.pk).exists()


def test_the_curator_keeps_or_changes_the_proposed_stance(client, setup, curator):
    client.force_login(curator)
    document = setup["document"]
    response = client.get(url(document))
    [row] = response.context["rows"]
    # The form starts from the matcher's stance.
    assert row["form"].initial["stance"] == str(row["match"].stance)
    match = row["match"]
    post(
        client,
        document,
        [
            {
                "start": match.start,
                "end": match.end,
                "proposed": match.claim,
                "claim": match.claim,
                "stance": "qualifies",
                "decision": "accept",
            }
        ],
    )
    assert document.mentions.get().stance == "qualifies"


def test_an_unknown_stance_is_a_form_error_and_nothing_is_written(client, setup, curator):
    client.force_login(curator)
    document = setup["document"]
    row = {"start": 0, "end": 10, "claim": "increases-scalp-blood-flow", "decision": "accept"}
    response = post(client, document, [{**row, "stance": "shouts"}])
    assert response.status_code == 200
    assert "Some rows need attention" in response.content.decode()
    assert not document.mentions.exists()


def _reject(client, document, match, claim=None):
    return post(
        client,
        document,
        [
            {
                "start": match.start,
                "end": match.end,
                "proposed": match.claim,
                "claim": claim or match.claim,
                "decision": "reject" if claim is None else "accept",
            }
        ],
    )


def test_a_rejected_proposal_is_stored_and_not_proposed_again(client, setup, curator):
    client.force_login(curator)
    document = setup["document"]
    [row] = client.get(url(document)).context["rows"]
    _reject(client, document, row["match"])

    rejection = document.rejections.get()
    assert (rejection.claim.slug, rejection.start) == (row["match"].claim, row["match"].start)
    assert rejection.quote == NEW[row["match"].start : row["match"].end]
    assert rejection.rejected_by == curator and rejection.rejected_at is not None
    response = client.get(url(document))
    assert proposals(response) == []
    html = response.content.decode()
    assert "1 proposal hidden because a curator rejected it." in html
    # The curator can see what was hidden, by whom.
    [hidden] = response.context["hidden"]
    assert hidden["match"].claim == row["match"].claim
    assert f'name="unreject" value="{rejection.pk}"' in html
    assert not document.mentions.exists()


def test_a_rejection_holds_after_an_edit_elsewhere_in_the_text(client, setup, curator):
    client.force_login(curator)
    document = setup["document"]
    [row] = client.get(url(document)).context["rows"]
    _reject(client, document, row["match"])
    document.refresh_from_db()
    document_text_update(
        document=document, text="An editor's note, added later.\n" + document.text, by=curator
    )
    document.refresh_from_db()

    response = client.get(url(document))
    assert proposals(response) == []
    [hidden] = response.context["hidden"]
    # The same passage, found again at its new place.
    assert hidden["match"].start == row["match"].start + len("An editor's note, added later.\n")


def test_a_rejection_lapses_when_its_passage_is_rewritten(client, setup, curator):
    client.force_login(curator)
    document = setup["document"]
    [row] = client.get(url(document)).context["rows"]
    _reject(client, document, row["match"])
    document.refresh_from_db()
    rewritten = document.text.replace("clinics say", "clinics claim")
    document_text_update(document=document, text=rewritten, by=curator)
    document.refresh_from_db()

    assert [slug for slug, _, _ in proposals(client.get(url(document)))] == [row["match"].claim]


def test_undoing_a_rejection_proposes_the_pair_again(client, setup, curator):
    client.force_login(curator)
    document = setup["document"]
    [row] = client.get(url(document)).context["rows"]
    _reject(client, document, row["match"])
    rejection = document.rejections.get()
    data = {
        "checksum": document.checksum,
        "p-TOTAL_FORMS": "0",
        "p-INITIAL_FORMS": "0",
        "c-TOTAL_FORMS": "0",
        "c-INITIAL_FORMS": "0",
        "unreject": str(rejection.pk),
    }
    assert client.post(url(document), data).status_code == 302
    assert not document.rejections.exists()
    assert len(proposals(client.get(url(document)))) == 1


def test_accepting_with_another_claim_rejects_the_proposed_one(client, setup, curator):
    client.force_login(curator)
    document = setup["document"]
    other = ClaimFactory(slug="another-draft", status=PublicationStatus.DRAFT)
    [row] = client.get(url(document)).context["rows"]
    _reject(client, document, row["match"], claim=other.slug)

    assert list(document.mentions.values_list("claim__slug", flat=True)) == ["another-draft"]
    assert list(document.rejections.values_list("claim__slug", flat=True)) == [row["match"].claim]
    assert proposals(client.get(url(document))) == []


def test_a_new_claim_candidate_becomes_a_draft_claim_in_one_step(client, setup, curator):
    client.force_login(curator)
    document = setup["document"]
    category = ClaimCategoryFactory()
    sentence = "It also blocks DHT and wakes stem cells in the follicles."
    start = NEW.index(sentence)
    candidate = {
        "start": start,
        "end": start + len(sentence),
        "create": "on",
        "statement": "Scalp microneedling blocks DHT.",
        "category": str(category.pk),
        "slug": "",
    }
    assert post(client, document, [], [candidate]).status_code == 302
    claim = Claim.objects.get(slug="scalp-microneedling-blocks-dht")
    assert claim.status == PublicationStatus.DRAFT and claim.updated_by == curator
    assert claim.mentions.get().quote == sentence


def test_a_post_after_the_text_changed_is_refused(client, setup, curator):
    client.force_login(curator)
    document = setup["document"]
    rows = [{"start": 0, "end": 10, "claim": "increases-scalp-blood-flow", "decision": "accept"}]
    post(client, document, rows, checksum="0" * 64)
    assert not document.mentions.exists()


def test_accepted_mentions_survive_a_text_edit_and_are_not_proposed_again(client, setup, curator):
    client.force_login(curator)
    document = setup["document"]
    [(slug, start, end)] = proposals(client.get(url(document)))
    post(client, document, [{"start": start, "end": end, "claim": slug, "decision": "accept"}])
    document.refresh_from_db()
    report = document_text_update(
        document=document, text="A new first line.\n" + document.text, by=curator
    )
    assert len(report.moved) == 1 and not report.flagged
    mention = document.mentions.get()
    assert mention.start == start + len("A new first line.\n")
    assert proposals(client.get(url(document))) == []


def test_the_screen_runs_in_a_fixed_number_of_queries(
    client, setup, curator, django_assert_max_num_queries
):
    client.force_login(curator)
    document = setup["document"]
    client.get(url(document))  # builds the index
    for i in range(20):
        ClaimFactory(slug=f"extra-{i}", statement=f"Microneedling does extra thing {i}.")
    # Savepoint (2), session, user, document, permissions (2), claim choices, categories,
    # index fingerprint (2) and its rebuild (2, the claims changed), marked places, rejected
    # passages, count.
    with django_assert_max_num_queries(16):
        assert client.get(url(document)).status_code == 200


def test_a_denial_is_proposed_and_stored_as_a_denial(client, setup, curator):
    client.force_login(curator)
    denial = "Rolling does not improve blood circulation in the scalp."
    document = SourceDocumentFactory(text=denial, status=PublicationStatus.DRAFT)
    [row] = client.get(url(document)).context["rows"]
    assert (row["match"].claim, row["match"].stance) == ("increases-scalp-blood-flow", "denies")
    shown = row["form"].initial  # what the browser posts back when the curator keeps it
    post(client, document, [{**shown, "decision": "accept"}])

    assert document.mentions.get().stance == "denies"
