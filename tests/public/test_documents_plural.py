"""Several source documents: the home page, the claim page and the evidence map show them all."""

import pytest
from django.urls import reverse

from evidence.models import PublicationStatus
from tests.factories import ClaimFactory, ClaimMentionFactory, SourceDocumentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_documents():
    first = SourceDocumentFactory(
        title="First article", text="Microneedling induces collagen. It is safe."
    )
    second = SourceDocumentFactory(
        title="Second article",
        source="A clinic's page",
        text="Microneedling induces collagen, clinics say. Microneedling induces collagen!",
    )
    draft = SourceDocumentFactory(
        title="Draft article",
        text="Microneedling induces collagen.",
        status=PublicationStatus.DRAFT,
    )
    claim = ClaimFactory(statement="Microneedling induces collagen.")
    for document in (first, second, draft):
        ClaimMentionFactory(document=document, claim=claim)
    ClaimMentionFactory(
        document=second,
        claim=claim,
        quote="Microneedling induces collagen",
        start=second.text.rindex("Microneedling induces collagen"),
        end=second.text.rindex("Microneedling induces collagen") + 30,
    )
    return {"first": first, "second": second, "draft": draft, "claim": claim}


def test_the_home_page_lists_every_published_document(client, two_documents):
    html = client.get(reverse("evidence:home")).content.decode()
    assert "First article" in html and "Second article" in html
    assert "Draft article" not in html


def test_the_claim_page_lists_every_document_and_place_that_makes_the_claim(
    client, two_documents, django_assert_max_num_queries
):
    claim = two_documents["claim"]
    with django_assert_max_num_queries(12):
        response = client.get(claim.get_absolute_url())
    html = response.content.decode()
    section = html[html.index('id="claim-documents"') :]
    section = section[: section.index("</section>")]
    assert two_documents["first"].get_absolute_url() in section
    assert two_documents["second"].get_absolute_url() in section
    assert "Draft article" not in section
    assert "2 places" in section and "1 place" in section
    second = two_documents["second"].text
    assert f"characters {second.rindex('Microneedling')}–" in section


def test_each_document_page_marks_only_its_own_mentions(client, two_documents):
    for key, count in (("first", 1), ("second", 2)):
        response = client.get(two_documents[key].get_absolute_url())
        assert response.context["mention_count"] == count
    assert client.get(two_documents["draft"].get_absolute_url()).status_code == 404


def test_the_evidence_map_shows_a_claim_made_by_several_documents_once(client, two_documents):
    response = client.get(reverse("evidence:evidence_map"))
    assert response.status_code == 200
    rows = [row for _, group in response.context["groups"] for row in group]
    assert [row["claim"] for row in rows] == [two_documents["claim"]]
