"""A mention's stance in the JSON API and in its Web Annotation; draft mentions in neither."""

import pytest
from django.urls import reverse

from evidence.models import MentionStance, PublicationStatus
from tests.factories import ClaimMentionFactory, SourceDocumentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def document():
    document = SourceDocumentFactory()
    ClaimMentionFactory(document=document, stance=MentionStance.DENIES)
    ClaimMentionFactory(
        document=document,
        quote="improves blood flow",
        stance=MentionStance.QUALIFIES,
        status=PublicationStatus.DRAFT,
    )
    return document


def test_the_api_gives_each_public_mention_its_stance(client, document):
    data = client.get(reverse("api:document-detail", kwargs={"slug": document.slug})).json()
    assert [(m["quote"], m["stance"]) for m in data["mentions"]] == [
        ("Microneedling induces collagen", "denies")
    ]


def test_an_annotation_says_when_its_passage_denies_the_claim(client, document):
    url = reverse("open:annotations", kwargs={"slug": document.slug})
    [item] = client.get(url).json()["first"]["items"]
    tags = [b["value"] for b in item["body"] if b.get("purpose") == "tagging"]
    [assessing] = [b for b in item["body"] if b.get("purpose") == "assessing"]
    assert tags == ["denies"]
    assert assessing["value"].endswith("The passage denies this claim.")


def test_the_schema_names_the_three_stances(client):
    schema = client.get(reverse("api:schema"), HTTP_ACCEPT="application/json").content.decode()
    for stance in ("asserts", "denies", "qualifies"):
        assert stance in schema
