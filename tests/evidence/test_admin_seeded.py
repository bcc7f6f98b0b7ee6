"""Every admin page opens on the real seed evidence base, for a curator."""

import pytest
from django.urls import reverse

from evidence.models import Claim, ClaimMention, EvidenceLink, SourceDocument
from evidence.workflow import document_suggestions
from studies.models import Outcome, OutcomeArm, Study

pytestmark = pytest.mark.django_db
MODELS = [Study, Outcome, OutcomeArm, Claim, ClaimMention, EvidenceLink, SourceDocument]


def test_every_changelist_add_and_change_page_opens_on_the_seed(client, curator, seeded):
    client.force_login(curator)
    for model in MODELS:
        meta = model._meta
        prefix = f"admin:{meta.app_label}_{meta.model_name}"
        obj = model.objects.order_by("pk").first()
        for url in [
            reverse(f"{prefix}_changelist"),
            reverse(f"{prefix}_add"),
            reverse(f"{prefix}_change", args=[obj.pk]),
            reverse(f"{prefix}_history", args=[obj.pk]),
        ]:
            assert client.get(url).status_code == 200, url


def test_the_seeded_article_has_suggestions_only_outside_its_mentions(seeded):
    document = SourceDocument.objects.get()
    spans = list(document.mentions.values_list("start", "end"))
    groups = document_suggestions(document=document)
    sentences = [s for _, found in groups for s in found]
    assert all(not (s.start < e and s.end > b) for s in sentences for b, e in spans)
    for category, found in groups:
        words = category.keyword_list()
        assert all(any(w in s.text.lower() for w in words) for s in found)
