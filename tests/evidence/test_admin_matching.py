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
    assert "(published: locked)" in html
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


def test_a_published_claim_takes_no_new_mention_and_the_curator_is_told_why(client, setup, curator):
    client.force_login(curator)
    document = setup["document"]
    response = post(
        client,
        document,
        [{"start": 0, "end": 10, "claim": "induces-collagen", "decision": "accept"}],
    )
    assert response.status_code == 302
    assert not document.mentions.exists()
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("Not added: induces-collagen" in m for m in messages)


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
    # index fingerprint (2) and its rebuild (2, the claims changed), marked places, count.
    with django_assert_max_num_queries(15):
        assert client.get(url(document)).status_code == 200
