"""The claim page: the bottom line first, the reasoning, the studies, where the article says it.

A graded claim's page is drawn from its stored grade (`Claim.grade_detail`): the bottom line,
the Summary of Findings and the pictures (tests/public/test_claim_grade.py). A claim not
regraded since that field appeared (grade_detail {}) falls back to its stored rationale and, for
each link to a published study that tests it, the outcomes as the study reported them (the key
outcome named on the link, or else every outcome; neutral links add none). Those fallback pages
are tested here.
"""

import re

import pytest
from django.urls import reverse
from django.utils.html import escape

from evidence.models import Claim, PublicationStatus
from public.summary import bottom_line, graded_body
from public.templatetags.evidence_tags import certainty_label, certainty_symbols
from studies.models import StudyStatus
from tests.factories import (
    ClaimFactory,
    ClaimMentionFactory,
    EvidenceLinkFactory,
    OutcomeArmFactory,
    OutcomeFactory,
    SourceDocumentFactory,
    StudyFactory,
)

DENSITY = "improves-hair-density-thickness"


def _url(claim):
    return reverse("evidence:claim_detail", kwargs={"slug": claim.slug})


def _section(html, name):
    start = html.index(f'<section id="{name}"')
    return html[start : html.index("</section>", start)]


def _html(client, claim):
    response = client.get(_url(claim))
    assert response.status_code == 200
    return response.content.decode()


# --- Seed -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_density_claim_not_yet_regraded_shows_its_rationale_and_mentions_from_the_seed(
    seeded, client
):
    Claim.objects.filter(slug=DENSITY).update(grade_detail={})
    claim = Claim.objects.get(slug=DENSITY)
    links = [link for link in claim.evidence_links.all() if link.study.is_published]
    body = graded_body(link.as_linked_study() for link in links)

    html = _html(client, claim)

    bottom = _section(html, "bottom-line")
    assert certainty_symbols(claim.effective_certainty) in bottom
    assert f">{certainty_label(claim.effective_certainty)} certainty — " in bottom
    assert f"SORT {claim.sort_strength}" in bottom
    sentence = bottom_line(
        certainty=claim.effective_certainty, direction=claim.effective_direction, body=body
    )
    assert sentence in bottom.replace("&#x27;", "'")
    rationale = _section(html, "rationale")
    steps = re.findall(r"<li>(.*?)</li>", rationale)
    assert steps == [escape(step) for step in claim.public_rationale] and steps
    assert "Last graded" in rationale
    mentions = list(claim.mentions.all())
    assert html.count('<li class="mention">') == len(mentions) > 0
    for mention in mentions:
        assert f'href="/documents/{mention.document.slug}/#mention-{mention.pk}"' in html


@pytest.mark.django_db
def test_every_published_seed_claim_page_renders_whatever_its_stored_grade(seeded, client):
    for claim in Claim.objects.published():
        html = _html(client, claim)
        assert "bottom-line" in html, claim.slug


# --- Publication status ------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("status", [PublicationStatus.DRAFT, PublicationStatus.REVIEW])
def test_an_unpublished_claim_is_a_404_like_a_missing_one(client, status):
    claim = ClaimFactory(status=status)

    assert client.get(_url(claim)).status_code == 404
    assert client.get("/claims/no-such-claim/").status_code == 404


@pytest.mark.django_db
def test_links_to_draft_or_retracted_studies_are_neither_shown_nor_counted(client):
    claim = ClaimFactory(certainty="low", direction="supported")
    EvidenceLinkFactory(claim=claim, study=StudyFactory(title="Published trial", participants=80))
    EvidenceLinkFactory(
        claim=claim, study=StudyFactory(title="Draft trial", status=StudyStatus.DRAFT)
    )
    EvidenceLinkFactory(
        claim=claim,
        study=StudyFactory(
            title="Retracted trial", status=StudyStatus.RETRACTED, retraction_reason="Fraud."
        ),
    )

    html = _html(client, claim)

    assert "Published trial" in html
    assert "Draft trial" not in html and "Retracted trial" not in html
    assert "from 1 study (80 participants)" in _section(html, "bottom-line")
    assert _section(html, "references").count("<li>") == 1


@pytest.mark.django_db
def test_mentions_in_unpublished_documents_are_not_shown(client):
    claim = ClaimFactory()
    shown = ClaimMentionFactory(claim=claim)
    hidden = ClaimMentionFactory(
        claim=claim, document=SourceDocumentFactory(status=PublicationStatus.DRAFT)
    )

    mentions = _section(_html(client, claim), "mentions")

    assert f"#mention-{shown.pk}" in mentions
    assert f"#mention-{hidden.pk}" not in mentions
    assert "<strong>Microneedling induces collagen</strong>" in mentions


@pytest.mark.django_db
def test_a_mention_waiting_for_re_anchoring_is_neither_shown_nor_counted(client):
    claim = ClaimFactory()
    shown = ClaimMentionFactory(claim=claim)
    flagged = ClaimMentionFactory(claim=claim, needs_review=True)

    mentions = _section(_html(client, claim), "mentions")
    listed = Claim.objects.filter(pk=claim.pk).for_list().get()

    assert f"#mention-{shown.pk}" in mentions
    assert f"#mention-{flagged.pk}" not in mentions
    assert listed.mention_count == 1


# --- Bottom line ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_override_is_shown_beside_the_computed_grade_with_its_justification(client):
    claim = ClaimFactory(
        certainty="low",
        direction="supported",
        certainty_override="moderate",
        override_justification="The two largest trials were blinded and well concealed.",
    )

    bottom = _section(_html(client, claim), "bottom-line")

    assert "⊕⊕⊕◯" in bottom and "Moderate" in bottom
    computed = bottom[bottom.index('class="computed-grade"') :]
    assert "⊕⊕◯◯" in computed and "Low" in computed
    assert "The two largest trials were blinded and well concealed." in bottom


@pytest.mark.django_db
def test_a_curators_plain_summary_replaces_the_generated_sentence(client):
    claim = ClaimFactory(certainty="low", direction="supported", plain_summary="Maybe; see below.")

    bottom = _section(_html(client, claim), "bottom-line")

    assert "Maybe; see below." in bottom
    assert "Low-certainty evidence" not in bottom


# --- Tables --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_evidence_table_shows_design_risk_of_bias_direction_and_indirectness(client):
    link = EvidenceLinkFactory(
        direction="contradicts",
        indirect=True,
        indirectness_note="Facial skin, not the scalp.",
        study=StudyFactory(risk_of_bias="high", participants=44),
    )

    evidence = _section(_html(client, link.claim), "evidence")

    assert f'href="/studies/{link.study.pk}/"' in evidence
    assert "Randomised controlled trial" in evidence
    assert ">High<" in evidence and ">44<" in evidence
    assert "direction-contradicts" in evidence
    assert "Facial skin, not the scalp." in evidence


@pytest.mark.django_db
def test_summary_of_findings_uses_the_linked_outcome_and_skips_neutral_links(client):
    claim = ClaimFactory()
    study = StudyFactory()
    OutcomeFactory(study=study, measure="hair shedding", p_value="0.2")
    key = OutcomeFactory(
        study=study,
        measure="hair count",
        effect_type="MD",
        estimate=5.5,
        ci_low=1.0,
        ci_high=10.0,
        p_value="0.01",
        participants=48,
    )
    EvidenceLinkFactory(claim=claim, study=study, outcome=key)
    neutral = StudyFactory()
    OutcomeFactory(study=neutral, measure="hair colour")
    EvidenceLinkFactory(claim=claim, study=neutral, direction="neutral")

    findings = _section(_html(client, claim), "summary-of-findings")

    assert "hair count" in findings
    assert "MD 5.5 [95% CI 1 to 10], p = 0.01" in findings
    assert ">48<" in findings
    assert "hair shedding" not in findings and "hair colour" not in findings


@pytest.mark.django_db
def test_references_link_to_doi_and_pubmed(client):
    link = EvidenceLinkFactory(study=StudyFactory(doi="10.4103/0974-7753.114700", pmid="23960389"))

    references = _section(_html(client, link.claim), "references")

    assert 'href="https://doi.org/10.4103/0974-7753.114700"' in references
    assert 'href="https://pubmed.ncbi.nlm.nih.gov/23960389/"' in references
    assert link.study.formatted_reference() in references.replace("&#x27;", "'")


# --- No pooling at request time ----------------------------------------------------------


@pytest.mark.django_db
def test_a_claim_not_yet_regraded_draws_no_plot_even_with_poolable_numbers(client):
    """Pooling is grading's work; the page only draws what grading stored."""
    claim = ClaimFactory()
    for estimate in (10.0, 20.0):
        study = StudyFactory()
        OutcomeFactory(
            study=study,
            unit="hairs/cm2",
            effect_type="MD",
            estimate=estimate,
            ci_low=estimate - 6,
            ci_high=estimate + 6,
        )
        EvidenceLinkFactory(claim=claim, study=study)

    html = _html(client, claim)

    assert "<svg" not in html and "<polygon" not in html
    assert "MD 10 [95% CI 4 to 16]" in _section(html, "summary-of-findings")


# --- Queries -------------------------------------------------------------------------------


def _claim_with(rows):
    claim = ClaimFactory(certainty="low", direction="supported")
    for i in range(rows):
        study = StudyFactory()
        outcome = OutcomeFactory(
            study=study, effect_type="MD", estimate=i + 1.0, ci_low=i, ci_high=i + 2.0
        )
        OutcomeArmFactory(outcome=outcome, n=20, mean=5.0, sd=1.0)
        OutcomeArmFactory(outcome=outcome, n=20, mean=4.0, sd=1.0)
        EvidenceLinkFactory(claim=claim, study=study, outcome=outcome if i % 2 else None)
        ClaimMentionFactory(claim=claim)
    return claim


# Claim, links with their studies, key outcomes and their arms, the studies' outcomes and their
# arms, mentions with their documents, the public grade history: 8 SELECTs, plus the request's
# savepoint and its release.
QUERY_CAP = 10


@pytest.mark.django_db
@pytest.mark.parametrize("rows", [5, 50])
def test_the_page_takes_the_same_number_of_queries_for_5_or_50_rows(
    client, django_assert_max_num_queries, rows
):
    claim = _claim_with(rows)

    with django_assert_max_num_queries(QUERY_CAP):
        html = _html(client, claim)

    assert html.count('<li class="mention">') == rows
    assert _section(html, "summary-of-findings").count("<li>") == rows


@pytest.mark.django_db
@pytest.mark.parametrize("rows", [5, 50])
def test_a_graded_claims_page_does_not_read_the_outcomes_as_reported(client, rows):
    # Its page comes from the stored grade; the outcomes and arms as the studies reported them
    # are read only for a claim not graded yet (four queries a graded page would not use).
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    from evidence.services import claims_regrade

    claim = _claim_with(rows)
    claims_regrade()
    reset_queries()
    with CaptureQueriesContext(connection) as captured:
        html = _html(client, claim)
    tables = " ".join(q["sql"] for q in captured.captured_queries)
    assert captured.captured_queries and "studies_outcome" not in tables
    assert len(captured.captured_queries) <= QUERY_CAP - 4
    assert html.count('<li class="mention">') == rows
