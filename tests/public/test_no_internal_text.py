"""No internal text on any public page or download: one crawl over the seed evidence base.

Curators' handles and notes stay behind the admin: no citation key of any seed study (the
seed's `short_key`, e.g. "homeuse2020"), no bracketed stand-in title ("[Title not verified …]"),
and no extraction note of a study result or a pooled estimate. Risk-of-bias notes and a pooled
estimate's reader `note` may be shown; they are not checked here.
"""

import re

import pytest
from django.urls import reverse

from evidence.models import (
    Claim,
    Comparison,
    OutcomeMeasure,
    PooledEstimate,
    StudyResult,
)
from studies.models import Study, StudyDesign

NOTE_MARKER = "zqxcuratornote"


@pytest.fixture
def crawled(seeded):
    """The seed, plus results and a pooled estimate whose extraction notes carry a marker."""
    comparison = Comparison.objects.create(slug="zz-crawl", label="Crawl comparison")
    outcome = OutcomeMeasure.objects.create(slug="zz-crawl", name="Crawl outcome")
    published = Study.objects.published().order_by("pk")
    trial = published.exclude(design=StudyDesign.SYSTEMATIC_REVIEW).first()
    review = published.filter(design=StudyDesign.SYSTEMATIC_REVIEW).first() or trial
    StudyResult.objects.create(
        study=trial,
        comparison=comparison,
        outcome=outcome,
        measure="MD",
        estimate=1.0,
        ci_low=0.5,
        ci_high=1.5,
        extraction_note=f"{NOTE_MARKER} result: read off figure 2",
    )
    PooledEstimate.objects.create(
        review=review,
        comparison=comparison,
        outcome=outcome,
        measure="MD",
        estimate=1.0,
        extraction_note=f"{NOTE_MARKER} pooled: check the inclusion list",
    )


def _public_urls() -> list[str]:
    urls = [
        reverse("evidence:home"),
        reverse("evidence:claim_list"),
        reverse("evidence:claim_list_csv"),
        reverse("evidence:evidence_map"),
        reverse("studies:list"),
        reverse("studies:list") + "?sort=participants",
        reverse("studies:list") + "?q=minoxidil",
        reverse("evidence:document_detail", kwargs={"slug": "scalp-microneedling"}),
    ]
    for q in ("microneedling", "title verified", "randomised", "minoxidil"):
        urls.append(reverse("evidence:search") + f"?q={q}")
    urls += [claim.get_absolute_url() for claim in Claim.objects.published()]
    for study in Study.objects.published():
        urls += [
            study.get_absolute_url(),
            reverse("studies:bibtex", kwargs={"pk": study.pk}),
            reverse("studies:ris", kwargs={"pk": study.pk}),
        ]
    return urls


def _internal_texts(bibliography) -> dict[str, re.Pattern]:
    """What must never be public, each as a pattern (a key only as a whole word)."""
    patterns = {
        f"citation key {r['short_key']}": re.compile(
            rf"(?<![\w-]){re.escape(r['short_key'])}(?![\w-])"
        )
        for r in bibliography
    }
    patterns["placeholder title"] = re.compile(r"\[Title not verified", re.IGNORECASE)
    notes = [
        *StudyResult.objects.exclude(extraction_note="").values_list("extraction_note", flat=True),
        *PooledEstimate.objects.exclude(extraction_note="").values_list(
            "extraction_note", flat=True
        ),
    ]
    for note in notes:
        patterns[f"extraction note {note[:30]!r}"] = re.compile(re.escape(note.strip()))
    patterns["extraction marker"] = re.compile(NOTE_MARKER)
    return patterns


def test_no_public_page_or_download_shows_a_citation_key_placeholder_or_extraction_note(
    crawled, client, bibliography
):
    patterns = _internal_texts(bibliography)
    # Every seed key is a study the crawl can reach, and the placeholder is in the data.
    assert Study.objects.filter(title__startswith="[Title not verified").exists()
    assert len(patterns) >= len(bibliography) + 3
    leaks = []
    for url in _public_urls():
        response = client.get(url)
        assert response.status_code == 200, url
        text = response.getvalue().decode()
        leaks += [f"{url}: {name}" for name, pattern in patterns.items() if pattern.search(text)]
    assert leaks == []


def test_a_study_with_a_placeholder_title_reads_title_not_available_with_its_pmid(seeded, client):
    placeholders = Study.objects.published().filter(title__startswith="[Title not verified")
    assert placeholders.exists()

    for study in placeholders:
        html = client.get(study.get_absolute_url()).content.decode()
        expected = (
            f"Title not available (PMID {study.pmid})" if study.pmid else "Title not available"
        )
        assert f"<h1>{expected}</h1>" in html


def test_searching_for_a_citation_key_finds_nothing_more_than_nonsense(seeded, client):
    """The search page echoes the words asked for, so compare it with a nonsense word's."""
    url = reverse("evidence:search")
    asked = client.get(url, {"q": "homeuse2020"}).content.decode()
    nonsense = client.get(url, {"q": "zqxnothing"}).content.decode()

    assert asked.replace("homeuse2020", "WORDS") == nonsense.replace("zqxnothing", "WORDS")
