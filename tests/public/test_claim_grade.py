"""The claim page drawn from the stored grade (`Claim.grade_detail`, built here by hand with
tests/grade_detail.py): the bottom line, the Summary of Findings and its footnotes, the
pictures, the kinds of claim that are not graded, and old or empty grades."""

import re

import pytest
from django.urls import reverse

from evidence.models import PublicationStatus
from tests import grade_detail as gd
from tests.factories import ClaimFactory, ClaimMentionFactory, EvidenceLinkFactory, StudyFactory

pytestmark = pytest.mark.django_db


def _html(client, claim):
    response = client.get(reverse("evidence:claim_detail", kwargs={"slug": claim.slug}))
    assert response.status_code == 200
    return response.content.decode()


def _section(html, name):
    start = html.index(f'<section id="{name}"')
    return html[start : html.index("</section>", start)]


def _page(client, **fields):
    return _html(client, ClaimFactory(grade_detail=gd.grade_detail(**fields)))


def _forest_row(**fields):
    rows = [
        gd.study_row("Trial A 2019", 10.0, 4.0, 16.0, weight=55.0),
        gd.study_row("Trial B 2021", 14.0, 2.0, 26.0, weight=30.0),
        gd.study_row("Trial C 2022", 9.0, -3.0, 21.0, weight=15.0),
    ]
    plot = gd.forest(
        rows,
        pooled={"label": "Pooled (REML)", "estimate": 11.0, "ci_low": 5.0, "ci_high": 17.0},
        pi=[-2.0, 24.0],
    )
    return gd.outcome(plot=plot, **fields)


# --- Bottom line ----------------------------------------------------------------------------


def test_the_bottom_line_gives_kind_certainty_statement_outcome_and_sort(client):
    bottom = _section(_page(client), "bottom-line")

    assert "Effect of an intervention" in bottom
    assert "⊕⊕◯◯" in bottom and ">Low certainty — " in bottom
    assert (
        "Device plus cream may increase hair count compared with cream alone "
        "(about 12 more hairs per cm²)." in bottom
    )
    assert "Set by:</strong> Hair count: device plus cream vs cream alone" in bottom
    assert "SORT B" in bottom
    assert "B: inconsistent or limited-quality patient-oriented evidence" in bottom


def test_the_bottom_line_comes_before_the_summary_of_findings_and_the_pictures(client):
    html = _page(client, outcomes=[_forest_row()])

    assert html.index('id="bottom-line"') < html.index('id="summary-of-findings"')
    assert html.index('id="summary-of-findings"') < html.index('id="forest"')


def test_a_curators_override_shows_beside_the_stored_grade(client):
    claim = ClaimFactory(
        grade_detail=gd.grade_detail(),
        certainty_override="moderate",
        override_justification="Both trials were blinded.",
    )

    bottom = _section(_html(client, claim), "bottom-line")

    assert "⊕⊕⊕◯" in bottom.split('class="override')[0]
    computed = bottom[bottom.index('class="computed-grade"') :]
    assert "⊕⊕◯◯" in computed
    assert "Both trials were blinded." in bottom


def test_the_claim_level_reasons_are_the_stored_ones(client):
    html = _page(client, reasons=["Start: high (randomised trials).", "Imprecision: few."])

    steps = re.findall(r"<li>(.*?)</li>", _section(html, "rationale"))
    assert steps == ["Start: high (randomised trials).", "Imprecision: few."]


# --- Summary of Findings ----------------------------------------------------------------------


def test_each_outcome_is_a_row_with_its_certainty_effect_and_participants(client):
    rows = [
        gd.outcome(),
        gd.outcome(
            outcome="Adverse events",
            importance="important",
            outcome_kind="patient_important",
            certainty="very_low",
            measure="RR",
            effect={"display": "RR 1.5 (95% CI 0.8 to 2.9)", "source": "Review X 2024"},
            absolute={
                "comparator_per_1000": 120,
                "difference_per_1000": 60,
                "ci_low_per_1000": -24,
                "ci_high_per_1000": 228,
                "display": "60 more per 1,000 (24 fewer to 228 more)",
            },
        ),
    ]

    sof = _section(_page(client, outcomes=rows), "summary-of-findings")

    assert sof.count('class="sof-row') == 2
    assert "Hair count" in sof and "Critical; patient-important" in sof
    assert "Device plus cream vs cream alone" in sof
    assert "120 (2 studies)" in sof
    assert "MD 12 hairs/cm² (95% CI 4 to 20)" in sof
    assert "about 12 more hairs per cm²" in sof  # no absolute effect: the MD in words
    assert "⊕◯◯◯" in sof and "RR 1.5 (95% CI 0.8 to 2.9)" in sof
    assert "Risk with the comparator: 120 per 1,000" in sof
    assert "60 more per 1,000 (24 fewer to 228 more)" in sof
    assert "May increase hair count." in sof


def test_each_domain_that_moved_the_certainty_is_a_numbered_footnote_under_the_table(client):
    first = gd.outcome(
        domains=[
            gd.domain(
                "risk_of_bias",
                levels=-1,
                reason="Outcome assessors not blinded.",
                numbers="2 of 2 trials at high risk",
            ),
            gd.domain("inconsistency", levels=0, reason="Consistent."),
            gd.domain("imprecision", levels=-1, reason="Few participants.", numbers="n = 120"),
        ]
    )
    second = gd.outcome(
        outcome="Adverse events",
        domains=[gd.domain("indirectness", levels=-2, reason="Facial skin, not the scalp.")],
    )

    sof = _section(_page(client, outcomes=[first, second]), "summary-of-findings")

    notes = re.findall(r'<li id="sof-note-(\d+)" value="\d+">(.*?)</li>', sof)
    assert [n for n, _ in notes] == ["1", "2", "3"]
    assert (
        "Risk of bias:</strong> Downgraded one level. Outcome assessors not blinded."
        in (notes[0][1])
    )
    assert "2 of 2 trials at high risk" in notes[0][1]
    assert "Indirectness:</strong> Downgraded two levels." in notes[2][1]
    assert "Consistent." not in sof  # a judgement that moved nothing is no footnote
    row_one = sof[sof.index('id="sof-row-1"') : sof.index('id="sof-row-2"')]
    assert 'href="#sof-note-1"' in row_one and 'href="#sof-note-2"' in row_one
    assert 'href="#sof-note-3"' not in row_one


def test_an_outcome_no_study_measured_says_so_and_has_no_footnotes(client):
    sof = _section(_page(client, outcomes=[gd.outcome(), gd.unmeasured()]), "summary-of-findings")

    unmeasured = sof[sof.index('id="sof-row-2"') :]
    assert "Patient satisfaction" in unmeasured
    assert "No study measured this." in unmeasured
    assert "sof-note" not in unmeasured.split("</tr>")[0]


def test_left_out_studies_other_reviews_fragility_and_benchmark_sit_by_their_row(client):
    row = gd.outcome(
        left_out=[{"label": "Trial D 2018", "reason": "may already be in the review's pool"}],
        other_reviews=[{"label": "Review Y 2023", "display": "SMD 1.1 (95% CI 0.6 to 1.6)"}],
        fragility=["Leaving out Trial A 2019 would change the inconsistency judgement."],
        benchmark={
            "label": "Cream vs placebo",
            "display": "MD 9 hairs/cm²",
            "note": "a clinically accepted effect, never pooled with these trials",
        },
    )

    sof = _section(_page(client, outcomes=[row]), "summary-of-findings")

    assert "Left out: Trial D 2018 (may already be in the review&#x27;s pool)" in sof
    assert "Another review: Review Y 2023, SMD 1.1 (95% CI 0.6 to 1.6)" in sof
    assert "Leaving out Trial A 2019 would change the inconsistency judgement." in sof
    assert "Benchmark:</strong> Cream vs placebo: MD 9 hairs/cm²" in sof
    assert "never pooled with these trials" in sof


def test_the_summary_of_findings_rows_carry_labels_for_the_phone_card_layout(client):
    sof = _section(_page(client), "summary-of-findings")

    assert 'class="sof sof-graded"' in sof
    assert 'data-label="Certainty"' in sof and 'data-label="Comparison"' in sof
    assert "table-scroll" not in sof


# --- Pictures -------------------------------------------------------------------------------


def test_a_forest_plot_has_a_row_per_study_a_diamond_a_prediction_interval_and_favours(client):
    forest = _section(_page(client, outcomes=[_forest_row()]), "forest")

    svg = re.search(r'<svg class="forest-plot" role="img" aria-labelledby="([^"]+)"', forest)
    for label_id in svg.group(1).split():
        assert f'id="{label_id}"' in forest
    assert forest.count('<g class="forest-row">') == 3
    assert forest.count('<polygon class="diamond"') == 1
    assert forest.count('class="prediction-interval"') == 1
    assert 'class="no-effect"' in forest
    assert "Favours the comparator" in forest and "Favours the intervention" in forest
    assert 'class="pooled-estimate">11 [5 to 17]' in forest
    table = forest[forest.index('<table class="forest-data">') :]
    for label in ("Trial A 2019", "Trial B 2021", "Trial C 2022", "Prediction interval"):
        assert label in table
    assert "55.0%" in table


def test_a_ratio_forest_plot_says_it_is_on_a_log_scale(client):
    plot = gd.forest(
        [gd.study_row("Trial A 2019", 2.0, 1.1, 3.6), gd.study_row("Trial B 2021", 1.4, 0.7, 2.8)],
        log=True,
        null=1.0,
    )
    forest = _section(_page(client, outcomes=[gd.outcome(measure="RR", plot=plot)]), "forest")

    assert "log scale" in forest
    assert forest.count('<g class="forest-row">') == 2


def test_an_effect_direction_plot_shows_each_study_and_the_vote_with_its_p(client):
    row = gd.outcome(
        plot=gd.direction(
            [
                ("Trial A 2019", "favours_intervention"),
                ("Trial B 2021", "favours_intervention"),
                ("Trial C 2022", "favours_comparator"),
                ("Trial D 2018", "no_difference"),
            ]
        ),
        vote={
            "favour_intervention": 2,
            "favour_comparator": 1,
            "no_difference": 1,
            "unknown": 0,
            "p": 1.0,
            "words": "Two of three trials with a direction favour the device.",
        },
    )

    forest = _section(_page(client, outcomes=[row]), "forest")

    assert forest.count('class="direction-row') == 4
    assert forest.count("▲</span>") == 2 and forest.count("▼</span>") == 1
    assert forest.count("◆</span>") == 1
    assert "Vote count: 2 favour the intervention, 1 the comparator" in forest
    assert "(sign test p = 1)" in forest
    assert "<svg" not in forest


def test_a_funnel_plot_is_drawn_only_when_grading_stored_one(client):
    funnel = {
        "points": [
            {"label": "Trial A 2019", "estimate": 10.0, "se": 3.0},
            {"label": "Trial B 2021", "estimate": 14.0, "se": 6.0},
        ],
        "egger_p": 0.04,
        "pooled": 11.0,
    }
    with_funnel = _section(_page(client, outcomes=[_forest_row(funnel=funnel)]), "forest")
    without = _section(_page(client, outcomes=[_forest_row()]), "forest")

    assert with_funnel.count('<circle class="funnel-point"') == 2
    assert "Egger&#x27;s test p = 0.04" in with_funnel or "Egger's test p = 0.04" in with_funnel
    assert '<table class="funnel-data">' in with_funnel
    assert "funnel-plot" not in without


def test_a_graded_claim_without_drawable_results_says_so(client):
    forest = _section(_page(client), "forest")

    assert "<svg" not in forest
    assert "No outcome of this claim has study results that can be drawn." in forest


# --- Kinds that are not graded ----------------------------------------------------------------


def test_background_is_established_background_with_its_references_never_no_evidence(client):
    claim = ClaimFactory(
        grade_detail=gd.grade_detail(
            "background",
            verdict="Established background: wounding the skin starts repair.",
            sources=["Trial A 2019"],
        )
    )
    EvidenceLinkFactory(claim=claim, study=StudyFactory(title="A textbook chapter on repair"))

    html = _html(client, claim)

    bottom = _section(html, "bottom-line")
    assert "Established background" in bottom
    assert "wounding the skin starts repair" in bottom and "Trial A 2019" in bottom
    assert 'href="#references"' in bottom
    assert "No evidence" not in html and "⊕" not in bottom
    assert 'id="summary-of-findings"' not in html
    assert "A textbook chapter on repair" in _section(html, "references")


def test_a_definitional_claim_shows_its_verdict_and_sources(client):
    claim = ClaimFactory(
        accepted_definition="Curator's wording, citing somekey2020.",
        grade_detail=gd.grade_detail(
            "definitional",
            verdict="Contradicted by accepted definitions",
            sources=["Trial A 2019", "Review Y 2023"],
        ),
    )

    bottom = _section(_html(client, claim), "bottom-line")

    assert "Definition" in bottom and "Contradicted by accepted definitions" in bottom
    assert "somekey2020" not in bottom  # the curator's own wording stays in the admin
    assert "Trial A 2019, Review Y 2023" in bottom


def test_a_claim_about_the_evidence_links_its_published_related_claims_with_badges(client):
    effect = ClaimFactory(slug="device-grows-hair")
    draft = ClaimFactory(slug="draft-related", status=PublicationStatus.DRAFT)
    related = [
        {"slug": effect.slug, "statement": "The device grows hair.", "certainty": "low"},
        {"slug": draft.slug, "statement": "zqx draft statement", "certainty": "high"},
    ]
    claim = ClaimFactory(
        grade_detail=gd.grade_detail(
            "evidence_state", verdict="The evidence is thin.", related=related
        )
    )

    bottom = _section(_html(client, claim), "bottom-line")

    assert "State of the evidence" in bottom and "The evidence is thin." in bottom
    assert f'href="{effect.get_absolute_url()}">The device grows hair.</a>' in bottom
    assert "⊕⊕◯◯" in bottom
    assert "zqx draft statement" not in bottom and draft.slug not in bottom


# --- Old, empty or broken grades ------------------------------------------------------------


@pytest.mark.parametrize(
    "detail",
    [
        {},
        {"version": 0, "certainty": "low"},
        {"kind": "something-new"},
        ["not", "a", "dict"],
    ],
)
def test_a_claim_not_regraded_since_falls_back_to_its_rationale(client, detail):
    claim = ClaimFactory(
        grade_detail=detail, certainty="low", direction="supported", rationale=["Start: high."]
    )

    html = _html(client, claim)

    assert "<li>Start: high.</li>" in _section(html, "rationale")
    assert "⊕⊕◯◯" in _section(html, "bottom-line")


def test_a_partly_filled_grade_does_not_break_the_page(client):
    broken = {
        "outcome": "Hair count",
        "certainty": "low",
        "domains": [{"levels": "a lot"}, "nonsense", {"label": "Imprecision", "levels": -1}],
        "plot": {"kind": "forest", "rows": [{"label": "Trial A 2019", "estimate": "big"}]},
        "funnel": {"points": [{"estimate": 1.0}]},
        "vote": {"p": "n/a"},
        "effect": None,
        "absolute": None,
    }
    html = _page(client, outcomes=[broken, "not a row"], related="nonsense", reasons=None)

    sof = _section(html, "summary-of-findings")
    assert sof.count('class="sof-row') == 1
    assert 'id="sof-note-1"' in sof and 'id="sof-note-2"' not in sof
    assert "<svg" not in _section(html, "forest")


# --- Queries -------------------------------------------------------------------------------

# As the fallback page (tests/public/test_claim_detail.py): the claim with its links, studies,
# outcomes and arms, and mentions; the stored grade costs no query.
QUERY_CAP = 9


@pytest.mark.parametrize("rows", [5, 50])
def test_the_graded_page_takes_the_same_number_of_queries_for_5_or_50_rows(
    client, django_assert_max_num_queries, rows
):
    studies = [gd.study_row(f"Trial {i} 2020", i + 1.0, i, i + 2.0) for i in range(rows)]
    outcomes = [gd.outcome(plot=gd.forest(studies)) for _ in range(rows // 5)]
    claim = ClaimFactory(grade_detail=gd.grade_detail(outcomes=outcomes))
    for _ in range(rows):
        EvidenceLinkFactory(claim=claim)
        ClaimMentionFactory(claim=claim)

    with django_assert_max_num_queries(QUERY_CAP):
        html = _html(client, claim)

    assert html.count('<g class="forest-row">') == rows * (rows // 5)
    assert html.count('<li class="mention">') == rows


def test_the_sort_line_puts_the_letter_first_when_the_label_lacks_it(client):
    bottom = _section(_page(client, sort="B", sort_label="inconsistent evidence"), "bottom-line")

    assert "SORT</abbr> B: inconsistent evidence" in bottom
