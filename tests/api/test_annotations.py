"""W3C Web Annotations: every published mention, expanded with pyld against the W3C context
(vendored in tests/data, loaded offline), lands on the Web Annotation vocabulary with selectors
that find the quote in the document's text."""

import pytest
from django.urls import reverse
from pyld import jsonld

from evidence.models import ClaimMention, PublicationStatus, SourceDocument
from tests.factories import ClaimFactory, ClaimMentionFactory, SourceDocumentFactory

pytestmark = pytest.mark.django_db

OA = "http://www.w3.org/ns/oa#"
AS = "http://www.w3.org/ns/activitystreams#"
RDF_TYPE = "@type"


def _collection(client, slug):
    response = client.get(reverse("open:annotations", kwargs={"slug": slug}))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/ld+json")
    return response.json()


def _annotations(expanded):
    return [node for node in expanded if f"{OA}Annotation" in node.get(RDF_TYPE, [])]


def test_the_article_is_an_annotation_collection_of_every_public_mention(
    seeded, client, jsonld_options
):
    document = SourceDocument.objects.get(slug="scalp-microneedling")
    data = _collection(client, document.slug)
    flat = jsonld.flatten(data, None, jsonld_options)
    collection = [n for n in flat if f"{AS}OrderedCollection" in n.get(RDF_TYPE, [])]
    annotations = _annotations(flat)
    public = ClaimMention.objects.public().filter(document=document)

    assert len(collection) == 1
    assert int(collection[0][f"{AS}totalItems"][0]["@value"]) == public.count()
    assert len(annotations) == public.count()


def test_each_annotation_has_a_quote_and_a_position_selector_that_find_its_text(
    seeded, client, jsonld_options
):
    document = SourceDocument.objects.get(slug="scalp-microneedling")
    flat = jsonld.flatten(_collection(client, document.slug), None, jsonld_options)
    nodes = {n["@id"]: n for n in flat}
    checked = 0
    for annotation in _annotations(flat):
        target = nodes[annotation[f"{OA}hasTarget"][0]["@id"]]
        assert target[f"{OA}hasSource"][0]["@id"].endswith(document.get_absolute_url())
        selectors = [nodes[s["@id"]] for s in target[f"{OA}hasSelector"]]
        quote = next(s for s in selectors if f"{OA}TextQuoteSelector" in s[RDF_TYPE])
        position = next(s for s in selectors if f"{OA}TextPositionSelector" in s[RDF_TYPE])
        start = int(position[f"{OA}start"][0]["@value"])
        end = int(position[f"{OA}end"][0]["@value"])
        assert document.text[start:end] == quote[f"{OA}exact"][0]["@value"]
        bodies = [nodes.get(b["@id"], b) for b in annotation[f"{OA}hasBody"]]
        assert any("/claims/" in b["@id"] for b in bodies if "@id" in b), "a link to the claim"
        assert annotation[f"{OA}motivatedBy"][0]["@id"] == f"{OA}assessing"
        checked += 1
    assert checked > 0


def test_one_annotation_is_served_on_its_own_at_its_id(seeded, client, jsonld_options):
    document = SourceDocument.objects.get(slug="scalp-microneedling")
    first = _collection(client, document.slug)["first"]["items"][0]
    response = client.get(first["id"])
    expanded = jsonld.expand(response.json(), jsonld_options)

    assert response.status_code == 200
    assert expanded[0]["@id"] == first["id"]
    assert f"{OA}Annotation" in expanded[0]["@type"]


def test_mentions_of_drafts_and_in_draft_documents_are_never_annotations(client):
    document = SourceDocumentFactory()
    ClaimMentionFactory(claim=ClaimFactory(status=PublicationStatus.DRAFT), document=document)
    hidden = ClaimMentionFactory(
        claim=ClaimFactory(), document=document, quote="improves blood flow"
    )
    ClaimMention.objects.filter(pk=hidden.pk).update(needs_review=True)
    draft = SourceDocumentFactory(status=PublicationStatus.DRAFT)
    ClaimMentionFactory(claim=ClaimFactory(), document=draft)

    assert _collection(client, document.slug)["total"] == 0
    assert client.get(reverse("open:annotations", kwargs={"slug": draft.slug})).status_code == 404
    url = reverse("open:annotation", kwargs={"slug": document.slug, "pk": hidden.pk})
    assert client.get(url).status_code == 404
