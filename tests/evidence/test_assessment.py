"""One claim's assessment (evidence/assessment.py): what is pooled, what stands in, how a claim
of each kind reaches its verdict. Pure: no database."""

from dataclasses import replace

import pytest

from evidence.assessment import (
    POOL_LABEL,
    ClaimInput,
    LinkRow,
    PooledRow,
    QuestionRow,
    RelatedClaim,
    ResultRow,
    assess,
)
from evidence.certainty import Domain

ADD_ON = "Microneedling + topical minoxidil vs topical minoxidil alone"


def trial(study_id, label, *, n=40, mean1=20.0, sd1=10.0, mean2=10.0, sd2=10.0, **kw):
    values = {
        "study_id": study_id,
        "label": label,
        "design": "rct",
        "participants": 2 * n,
        "measure": "MD",
        "n1": n,
        "mean1": mean1,
        "sd1": sd1,
        "n2": n,
        "mean2": mean2,
        "sd2": sd2,
        "risk_of_bias": "low",
    }
    return ResultRow(**(values | kw))


def question(*results, comparison=ADD_ON, importance="critical", **kw):
    values = {
        "comparison": comparison,
        "comparison_role": "add_on",
        "outcome": "Hair count",
        "unit": "hairs/cm²",
        "outcome_kind": "patient_important",
        "benefit": "higher",
        "importance": importance,
        "results": tuple(results),
    }
    return QuestionRow(**(values | kw))


def effect_claim(*questions, **kw):
    return ClaimInput(kind="effect", statement="Microneedling increases hair count.",
                      questions=tuple(questions), **kw)  # fmt: skip


def row_of(assessment, index=0):
    return assessment.detail["outcomes"][index]


def test_two_results_of_one_comparison_are_pooled_in_the_app():
    result = assess(effect_claim(question(trial(1, "A 2020"), trial(2, "B 2021", mean1=25.0))))
    row = row_of(result)
    assert row["effect"]["source"] == POOL_LABEL
    assert row["studies"] == 2
    assert row["plot"]["kind"] == "forest"
    assert [r["label"] for r in row["plot"]["rows"]] == ["A 2020", "B 2021"]
    assert row["plot"]["pooled"] is not None
    # MD of 10 and 15 with equal variances pool between them.
    assert 10 < row["effect"]["estimate"] < 15


def test_results_of_different_comparisons_are_never_pooled_together():
    add_on = question(trial(1, "A 2020", mean1=53.2))
    split = question(
        trial(2, "B 2021", mean1=6.2), comparison="Microneedling + PRP vs microneedling alone"
    )
    result = assess(effect_claim(add_on, split))
    rows = result.detail["outcomes"]
    assert len(rows) == 2
    assert all(r["effect"]["source"] != POOL_LABEL for r in rows)
    assert {r["comparison"] for r in rows} == {ADD_ON, "Microneedling + PRP vs microneedling alone"}


def test_a_result_in_another_measure_is_left_out_of_the_pool_with_its_reason():
    smd = trial(3, "C 2022", measure="SMD", estimate=0.5, ci_low=0.1, ci_high=0.9)
    result = assess(effect_claim(question(trial(1, "A 2020"), trial(2, "B 2021"), smd)))
    row = row_of(result)
    assert row["measure"] == "MD"
    assert {"label": "C 2022", "reason": "reported as SMD, not MD"} in row["left_out"]


def test_a_review_pool_stands_in_for_trials_and_never_borrows_its_network_total():
    ahmed = PooledRow(
        review_id=9, label="Ahmed 2025", year=2025, measure="SMD", estimate=1.32,
        ci_low=0.73, ci_high=1.92, k=None, participants=None, i2=88.0, tau2=None,
    )  # fmt: skip
    trials = (
        trial(1, "Dhurat 2013", measure="direction_only", direction="favours_intervention"),
        trial(2, "Kumar 2018", measure="direction_only", direction="favours_intervention"),
    )
    result = assess(effect_claim(question(*trials, pooled=(ahmed,))))
    row = row_of(result)
    assert row["effect"]["display"].startswith("SMD 1.32")
    assert "Ahmed 2025" in row["effect"]["source"]
    # The trials are listed as left out (not counted twice), and the participants are the
    # comparison's own trials' (80 + 80), never a review or network total.
    assert {lo["label"] for lo in row["left_out"]} == {"Dhurat 2013", "Kumar 2018"}
    assert row["participants"] == 160
    assert "this comparison" in row["participants_note"]
    inconsistency = next(d for d in row["domains"] if d["domain"] == Domain.INCONSISTENCY)
    assert inconsistency["levels"] == -1 and "I² 88%" in inconsistency["numbers"]


def test_without_usable_numbers_the_studies_are_counted_by_direction():
    trials = [
        trial(i, f"T{i}", measure="direction_only", direction="favours_intervention")
        for i in range(1, 5)
    ]
    row = row_of(assess(effect_claim(question(*trials))))
    assert row["measure"] == "direction_only"
    assert row["vote"]["favour_intervention"] == 4
    assert row["vote"]["p"] == pytest.approx(0.125)
    assert row["plot"]["kind"] == "direction"


def test_a_benchmark_is_shown_beside_the_row_and_never_pooled():
    olsen = trial(7, "Olsen 2002", n=100, mean1=18.6, sd1=25.4, mean2=3.9, sd2=21.7)
    benchmark = ("5% minoxidil vs placebo", replace(olsen, timepoint_weeks=48))
    q = question(trial(1, "A 2020"), trial(2, "B 2021"), benchmarks=(benchmark,))
    row = row_of(assess(effect_claim(q)))
    assert row["benchmark"]["display"].startswith("MD 14.70")
    assert "48 weeks" in row["benchmark"]["label"]
    assert [r["label"] for r in row["plot"]["rows"]] == ["A 2020", "B 2021"]


def test_the_claim_takes_the_certainty_of_its_weakest_critical_outcome():
    strong = question(*(trial(i, f"T{i}", n=150) for i in range(1, 4)))
    weak = question(trial(9, "Small 2020", n=10, risk_of_bias="high"),
                    outcome="Patient-rated improvement")  # fmt: skip
    result = assess(effect_claim(strong, weak))
    rows = {r["outcome"]: r["certainty"] for r in result.detail["outcomes"]}
    assert result.certainty == min(rows.values(), key=["very_low", "low", "moderate", "high"].index)
    assert result.detail["set_by"] == f"Patient-rated improvement: {ADD_ON}"


def test_an_important_outcome_does_not_lower_a_critical_one():
    strong = question(*(trial(i, f"T{i}", n=150) for i in range(1, 4)))
    weak = question(trial(9, "Small 2020", n=10, risk_of_bias="high"),
                    outcome="Hair diameter", importance="important")  # fmt: skip
    result = assess(effect_claim(strong, weak))
    assert result.detail["set_by"] == f"Hair count: {ADD_ON}"


def test_leaving_out_a_study_is_tried_for_every_study_of_a_pool_of_three():
    trials = [trial(1, "A", mean1=60.0), trial(2, "B"), trial(3, "C", mean1=21.0)]
    row = row_of(assess(effect_claim(question(*trials))))
    assert row["effect"]["pi_low"] is not None  # k >= 3: a prediction interval
    assert isinstance(row["fragility"], list)


def test_egger_and_a_funnel_plot_come_with_ten_studies_not_nine():
    nine = [trial(i, f"T{i}", n=20 + 7 * i, mean1=15.0 + i) for i in range(1, 10)]
    assert row_of(assess(effect_claim(question(*nine))))["funnel"] is None
    ten = [*nine, trial(10, "T10", mean1=30.0)]
    funnel = row_of(assess(effect_claim(question(*ten))))["funnel"]
    assert len(funnel["points"]) == 10 and funnel["egger_p"] is not None


def test_an_outcome_no_study_measured_is_a_row_without_a_certainty():
    missing = question(comparison="Microneedling alone vs no treatment or sham")
    result = assess(effect_claim(question(trial(1, "A"), trial(2, "B")), missing))
    empty = next(
        r for r in result.detail["outcomes"] if r["comparison"].startswith("Microneedling alone")
    )
    assert empty["certainty"] is None
    assert "No study" in empty["comment"]


def test_a_background_claim_is_established_background_not_no_evidence():
    links = (LinkRow(1, "Smith 2010", "narrative_review", None, "low", "supports"),)
    result = assess(
        ClaimInput(kind="background", statement="Collagen gives structure.", links=links)
    )
    assert result.detail["graded"] is False
    assert "Established background" in result.detail["statement"]
    assert result.detail["sources"] == ["Smith 2010"]
    assert result.certainty == "none" and not result.preclinical_only


def test_a_definitional_claim_is_contradicted_by_a_source_that_defines_it_otherwise():
    links = (LinkRow(1, "Aust 2008", "animal", None, "some_concerns", "contradicts"),)
    result = assess(ClaimInput(kind="definitional", statement="It is non-invasive.", links=links))
    assert result.direction == "contradicted"
    assert result.detail["sources"] == ["Aust 2008"]
    assert not result.preclinical_only


def test_a_claim_about_the_state_of_the_evidence_is_answered_from_related_grades():
    related = (RelatedClaim("density", "Increases density.", "low"),
               RelatedClaim("effective", "Is effective.", "very_low"))  # fmt: skip
    result = assess(ClaimInput(kind="evidence_state", statement="More trials are needed.",
                               related=related))  # fmt: skip
    assert result.direction == "supported"
    assert result.detail["related"][0]["slug"] == "density"
    moderate = (RelatedClaim("density", "Increases density.", "moderate"),)
    other = assess(ClaimInput(kind="evidence_state", statement="More trials are needed.",
                              related=moderate))  # fmt: skip
    assert other.direction != "supported"


def test_a_mechanism_claim_without_outcome_rows_is_graded_from_its_links_and_is_sort_c():
    links = tuple(
        LinkRow(i, f"Mouse {i}", "animal", None, "some_concerns", "supports") for i in range(3)
    )
    result = assess(ClaimInput(kind="mechanism", statement="It raises VEGF.", links=links))
    assert result.certainty == "very_low"
    assert result.sort_strength == "C"
    assert result.preclinical_only


@pytest.mark.parametrize(
    "extreme",
    [
        {"sd1": 1e200},
        {"measure": "MD", "estimate": 1e300, "ci_low": -1e300, "ci_high": 1.5e300},
        {"measure": "SMD", "mean1": 1e200, "sd1": 1e-200},
        {"measure": "MD", "estimate": 1e150, "ci_low": 1e149, "ci_high": 2e150},
    ],
)
def test_extreme_but_finite_numbers_never_raise_and_are_left_out_or_shown_short(extreme):
    q = question(trial(1, "Extreme", **extreme), trial(2, "Normal"))
    result = assess(effect_claim(q))
    row = row_of(result)
    assert row["certainty"] is not None
    display = (row["effect"] or {}).get("display", "")
    assert len(display) < 80


def test_a_pooled_risk_ratio_gives_anticipated_absolute_effects_per_1000():
    events = [(20, 100, 10, 100), (30, 100, 15, 100)]
    rows = [
        ResultRow(study_id=i, label=f"T{i}", design="rct", participants=200, measure="RR",
                  events1=e1, total1=t1, events2=e2, total2=t2, risk_of_bias="low")
        for i, (e1, t1, e2, t2) in enumerate(events, start=1)
    ]  # fmt: skip
    q = question(*rows, outcome="Adverse events", benefit="lower")
    absolute = row_of(assess(effect_claim(q)))["absolute"]
    # Comparator risk 25/200 = 125 per 1,000; RR 2 doubles it: 125 more per 1,000.
    assert absolute["comparator_per_1000"] == 125
    assert absolute["difference_per_1000"] == 125
    assert absolute["ci_low_per_1000"] < 125 < absolute["ci_high_per_1000"]
    assert absolute["display"].startswith("125 more per 1,000")


def test_the_outcome_that_sets_the_claim_is_named_with_its_comparison():
    weak_alone = question(
        trial(9, "Small 2020", n=10, risk_of_bias="high", measure="direction_only",
              direction="favours_intervention"),
        comparison="Microneedling alone vs no treatment",
        comparison_role="alone",
    )  # fmt: skip
    strong = question(*(trial(i, f"T{i}", n=150) for i in range(1, 4)))
    result = assess(effect_claim(strong, weak_alone))
    # Both rows are "Hair count": the one that sets the claim is told apart by its comparison.
    assert result.detail["set_by"] == "Hair count: Microneedling alone vs no treatment"


def test_for_an_outcome_where_lower_is_better_more_events_favour_the_comparator():
    rows = [
        ResultRow(study_id=1, label="T1", design="rct", participants=100, measure="RR",
                  estimate=2.0, ci_low=1.2, ci_high=3.3, risk_of_bias="low")
    ]  # fmt: skip
    q = question(*rows, outcome="Adverse events", benefit="lower")
    row = row_of(assess(effect_claim(q)))
    assert row["plot"]["rows"][0]["direction"] == "favours_comparator"


def test_a_claim_graded_on_a_harm_outcome_by_direction_is_left_inconclusive():
    rows = [trial(1, "Ahmed 2025", measure="direction_only", direction="favours_comparator")]
    q = question(*rows, outcome="Adverse events", benefit="lower")
    assert assess(effect_claim(q)).direction == "inconclusive"


def test_links_only_the_best_design_tier_is_graded_and_weaker_ones_are_listed():
    links = (
        LinkRow(1, "Trial 2020", "rct", 20, "some_concerns", "supports"),
        LinkRow(2, "Series 2019", "case_series", 10, "high", "supports"),
        LinkRow(3, "Opinion 2018", "expert_opinion", None, "not_assessed", "supports"),
    )
    result = assess(ClaimInput(kind="effect", statement="It rejuvenates skin.", links=links))
    row = row_of(result)
    assert row["starting_level"] == "high"  # the randomised trial, not the weakest design
    assert row["studies"] == 1
    assert any("Series 2019" in n and "Opinion 2018" in n for n in row["notes"])
    assert result.sort_strength == "B"


def test_one_numeric_result_beside_direction_only_ones_is_counted_with_them():
    numeric = trial(1, "A 2020")
    others = [trial(i, f"T{i}", measure="direction_only", direction="favours_intervention")
              for i in (2, 3)]  # fmt: skip
    row = row_of(assess(effect_claim(question(numeric, *others))))
    assert row["vote"]["favour_intervention"] == 3
    assert row["studies"] == 3
