"""Drafts are never public, anywhere: one crawl over every public page and download.

On the seed evidence base we add unpublished records that all carry a marker word: a draft
claim and a claim in review (with mentions in the article and links to published studies), a
draft study and a retracted study (linked to a published claim, with a condition of their own),
a draft document mentioning a published claim, and draft mentions (a draft and one in
review, both denials) of a published claim in the published article. Then every public URL is
fetched and none may show the marker; their own pages are the same 404 as a missing row; grades
do not move.
"""

import csv
import io
import re

import pytest
from django.urls import reverse

from evidence.models import (
    Claim,
    ClaimCategory,
    ClaimGradeChange,
    MentionStance,
    PublicationStatus,
    SourceDocument,
)
from evidence.services import claims_regrade
from studies.models import Study, StudyDesign, StudyStatus
from tests.factories import (
    ClaimFactory,
    ClaimMentionFactory,
    EvidenceLinkFactory,
    SourceDocumentFactory,
    StudyFactory,
)

MARKER = "zqxhidden"
DENSITY = "improves-hair-density-thickness"


@pytest.fixture
def hidden(seeded):
    article = SourceDocument.objects.get(slug="scalp-microneedling")
    category = ClaimCategory.objects.get(slug="density-thickness")
    density = Claim.objects.get(slug=DENSITY)
    published_study = Study.objects.published().order_by("pk").first()
    quote = article.text[:40]
    rows = {}
    for status in (PublicationStatus.DRAFT, PublicationStatus.REVIEW):
        claim = ClaimFactory(
            statement=f"{MARKER} microneedling claim, {status}",
            slug=f"{MARKER}-{status}",
            category=category,
            status=status,
        )
        ClaimMentionFactory(claim=claim, document=article, quote=quote)
        EvidenceLinkFactory(claim=claim, study=published_study, finding=f"{MARKER} finding")
        rows[f"claim-{status}"] = claim
    for status in (StudyStatus.DRAFT, StudyStatus.REVIEW, StudyStatus.RETRACTED):
        study = StudyFactory(
            title=f"{MARKER} microneedling trial, {status}",
            design=StudyDesign.RCT,
            condition=f"{MARKER} alopecia",
            participants=5000,
            summary=f"{MARKER} summary about collagen and minoxidil",
            status=status,
            retraction_reason="Data fabricated" if status == StudyStatus.RETRACTED else "",
        )
        EvidenceLinkFactory(
            claim=density, study=study, direction="contradicts", finding=f"{MARKER} finding"
        )
        rows[f"study-{status}"] = study
    draft_article = SourceDocumentFactory(
        title=f"{MARKER} article",
        slug=f"{MARKER}-article",
        text=f"Microneedling induces collagen, says the {MARKER} article.",
        status=PublicationStatus.DRAFT,
    )
    ClaimMentionFactory(claim=density, document=draft_article)
    rows["document"] = draft_article
    # Draft mentions (drafts and in review) of a published claim in the published article, as
    # a curator accepts a matcher's proposal: a denial, so a leak would say "denies".
    marked = set(density.mentions.values_list("start", flat=True))
    sentences = [s for s in re.finditer(r"[A-Z][^.\n]{20,}\.", article.text)]
    free = [m for m in sentences if m.start() not in marked][:2]
    for status, sentence in zip(
        (PublicationStatus.DRAFT, PublicationStatus.REVIEW), free, strict=True
    ):
        rows[f"mention-{status}"] = ClaimMentionFactory(
            claim=density,
            document=article,
            quote=sentence.group(0),
            status=status,
            stance=MentionStance.DENIES,
        )
    return rows


def _public_urls() -> list[str]:
    urls = [
        reverse("evidence:home"),
        reverse("evidence:claim_list"),
        reverse("evidence:claim_list") + "?sort=studies",
        reverse("evidence:claim_list_csv"),
        reverse("evidence:evidence_map"),
        reverse("studies:list"),
        reverse("studies:list") + "?sort=participants",
        reverse("evidence:document_detail", kwargs={"slug": "scalp-microneedling"}),
    ]
    for q in ("microneedling trial", "collagen minoxidil", "alopecia", "article"):
        urls.append(reverse("evidence:search") + f"?q={q}")
    urls += [claim.get_absolute_url() for claim in Claim.objects.published()]
    for study in Study.objects.published():
        urls += [
            study.get_absolute_url(),
            reverse("studies:bibtex", kwargs={"pk": study.pk}),
            reverse("studies:ris", kwargs={"pk": study.pk}),
        ]
    return urls + _open_urls()


def _open_urls() -> list[str]:
    """The machine-readable twins (api/): the JSON API with every page of each listing, FHIR,
    Web Annotations, the grade-history feeds and the badges."""
    urls = [
        reverse("api:api-root"),
        reverse("api:schema"),
        reverse("api:docs"),
        reverse("api:category-list"),
        reverse("open:claims_feed"),
        reverse("api:document-detail", kwargs={"slug": "scalp-microneedling"}),
        reverse("open:annotations", kwargs={"slug": "scalp-microneedling"}),
    ]
    for name in ("claim-list", "study-list", "document-list", "evidencelink-list"):
        urls.append(reverse(f"api:{name}") + "?page_size=100")
    for q in ("microneedling trial", "collagen", "alopecia"):
        urls += [reverse("api:claim-list") + f"?q={q}", reverse("api:study-list") + f"?q={q}"]
    urls.append(reverse("api:study-list") + "?participants_min=1000")
    for claim in Claim.objects.published():
        urls += [
            reverse("api:claim-detail", kwargs={"slug": claim.slug}),
            reverse("open:fhir_evidence", kwargs={"pk": claim.pk}),
            reverse("open:fhir_bundle", kwargs={"pk": claim.pk}),
            reverse("open:claim_feed", kwargs={"slug": claim.slug}),
            reverse("open:badge", kwargs={"slug": claim.slug}),
        ]
    for study in Study.objects.published():
        urls += [
            reverse("api:study-detail", kwargs={"pk": study.pk}),
            reverse("open:fhir_citation", kwargs={"pk": study.pk}),
        ]
    return urls


def _hidden_open_urls(hidden) -> list[str]:
    urls = []
    for key in ("claim-draft", "claim-review"):
        claim = hidden[key]
        urls += [
            reverse("api:claim-detail", kwargs={"slug": claim.slug}),
            reverse("open:fhir_evidence", kwargs={"pk": claim.pk}),
            reverse("open:fhir_bundle", kwargs={"pk": claim.pk}),
            reverse("open:claim_feed", kwargs={"slug": claim.slug}),
            reverse("open:badge", kwargs={"slug": claim.slug}),
        ]
    for key in ("study-draft", "study-review", "study-retracted"):
        pk = hidden[key].pk
        urls += [
            reverse("api:study-detail", kwargs={"pk": pk}),
            reverse("open:fhir_citation", kwargs={"pk": pk}),
        ]
    slug = hidden["document"].slug
    urls += [
        reverse("api:document-detail", kwargs={"slug": slug}),
        reverse("open:annotations", kwargs={"slug": slug}),
    ]
    return urls


@pytest.mark.django_db
def test_no_public_page_or_download_shows_an_unpublished_record(hidden, client):
    # A grade change of a hidden claim, and one made while a published claim was a draft.
    ClaimGradeChange.objects.create(
        claim=hidden["claim-draft"],
        certainty_to="low",
        reason=f"{MARKER} change",
        while_published=True,
    )
    ClaimGradeChange.objects.create(
        claim=Claim.objects.get(slug=DENSITY), certainty_to="low", reason=f"{MARKER} draft change"
    )
    draft_mentions = [hidden["mention-draft"], hidden["mention-review"]]
    leaks = []
    for url in _public_urls():
        response = client.get(url)
        assert response.status_code == 200, url
        page = response.getvalue().decode()
        # The API schema names every stance (its enum); no other page has a denial to show.
        denial = "denies" in page.lower() and url != reverse("api:schema")
        if MARKER in page.lower() or denial:
            leaks.append(url)
        for mention in draft_mentions:
            if f'mention-{mention.pk}"' in page or f'/{mention.pk}"' in page:
                leaks.append(f"{url} (mention {mention.pk})")
    assert leaks == []


@pytest.mark.django_db
def test_draft_mentions_are_neither_shown_nor_counted(hidden, client):
    density = Claim.objects.get(slug=DENSITY)
    public = density.mentions.public()
    page = client.get(density.get_absolute_url()).content.decode()
    response = client.get(reverse("evidence:claim_list_csv"))
    rows = csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode()))

    assert density.mentions.count() == public.count() + 3  # two drafts, one in a draft document
    for key in ("mention-draft", "mention-review"):
        assert hidden[key].quote not in page
    [row] = [r for r in rows if r["url"].endswith(density.get_absolute_url())]
    assert int(row["mentions"]) == public.count() > 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url", [reverse("evidence:claim_list"), reverse("studies:list"), reverse("evidence:search")]
)
def test_asking_for_the_hidden_words_finds_nothing_more_than_nonsense_does(hidden, client, url):
    """The page echoes the words asked for, so compare it with the page for a nonsense word."""
    asked = client.get(url, {"q": MARKER}).content.decode()
    nonsense = client.get(url, {"q": "zqxnothing"}).content.decode()

    assert asked.replace(MARKER, "WORDS") == nonsense.replace("zqxnothing", "WORDS")


@pytest.mark.django_db
def test_unpublished_records_own_pages_are_the_same_404_as_missing_ones(hidden, client):
    urls = [
        reverse("evidence:claim_detail", kwargs={"slug": hidden["claim-draft"].slug}),
        reverse("evidence:claim_detail", kwargs={"slug": hidden["claim-review"].slug}),
        reverse("evidence:document_detail", kwargs={"slug": hidden["document"].slug}),
    ]
    for key in ("study-draft", "study-review", "study-retracted"):
        pk = hidden[key].pk
        urls += [
            reverse(f"studies:{name}", kwargs={"pk": pk}) for name in ("detail", "bibtex", "ris")
        ]
    urls += _hidden_open_urls(hidden)
    for url in urls:
        response = client.get(url)
        assert response.status_code == 404, url
        assert MARKER not in response.getvalue().decode().lower(), url


@pytest.mark.django_db
def test_unpublished_studies_move_neither_a_grade_nor_its_public_reasoning(hidden, client):
    density = Claim.objects.get(slug=DENSITY)
    before = (density.certainty, density.direction, density.public_rationale)

    claims_regrade(claims=Claim.objects.all())
    density.refresh_from_db()
    page = client.get(density.get_absolute_url()).content.decode()

    assert (density.certainty, density.direction, density.public_rationale) == before
    assert any("3 linked studies are not published" in step for step in density.rationale)
    assert "not published" not in page
