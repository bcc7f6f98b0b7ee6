"""The bottom-line sentence and the Summary of Findings rows: only what the data says."""

from types import SimpleNamespace

import pytest

from evidence.grading import LinkedStudy
from public.summary import (
    Body,
    bottom_line,
    graded_body,
    reported_effect,
    summary_of_findings,
)


def _linked(design, participants, direction="supports"):
    return LinkedStudy(
        design=design, participants=participants, risk_of_bias="low", direction=direction
    )


@pytest.mark.parametrize(
    ("certainty", "direction", "expected"),
    [
        (
            "high",
            "supported",
            "High-certainty evidence from 4 studies (312 participants) "
            "shows that the claim is true.",
        ),
        (
            "moderate",
            "supported",
            "Moderate-certainty evidence from 4 studies (312 "
            "participants) suggests that the claim is probably true.",
        ),
        (
            "low",
            "supported",
            "Low-certainty evidence from 4 studies (312 participants) "
            "suggests that the claim may be true.",
        ),
        (
            "low",
            "contradicted",
            "Low-certainty evidence from 4 studies (312 participants) "
            "suggests that the claim may not be true.",
        ),
        (
            "very_low",
            "supported",
            "Very low-certainty evidence from 4 studies (312 "
            "participants) leans for the claim, but it is very uncertain whether the claim is "
            "true.",
        ),
        (
            "moderate",
            "mixed",
            "Moderate-certainty evidence from 4 studies (312 participants) "
            "points both ways, so it is unclear whether the claim is true.",
        ),
    ],
)
def test_the_sentence_follows_certainty_and_direction(certainty, direction, expected):
    body = Body(studies=4, participants=312, preclinical=False)

    assert bottom_line(certainty=certainty, direction=direction, body=body) == expected


def test_one_study_and_unknown_participants_are_worded_as_such():
    sentence = bottom_line(
        certainty="very_low", direction="contradicted", body=Body(1, 0, preclinical=False)
    )

    assert sentence.startswith("Very low-certainty evidence from 1 study leans against")
    assert "participants" not in sentence


def test_animal_evidence_says_so_and_counts_no_participants():
    sentence = bottom_line(certainty="very_low", direction="supported", body=Body(2, 0, True))

    assert "from 2 studies in animals or cells" in sentence


@pytest.mark.parametrize("direction", ["", "inconclusive"])
def test_no_graded_evidence_says_there_is_none(direction):
    sentence = bottom_line(certainty="none", direction=direction, body=Body(0, 0, False))

    assert sentence.startswith("No published study")


def test_the_body_is_the_best_design_tier_with_neutral_links_set_aside():
    body = graded_body(
        [
            _linked("rct", 100),
            _linked("rct", 60),
            _linked("rct", 500, direction="neutral"),
            _linked("case_series", 30),
        ]
    )

    assert body == Body(studies=2, participants=160, preclinical=False)


def test_a_review_and_its_trials_are_not_counted_twice():
    body = graded_body(
        [_linked("rct", 100), _linked("rct", 60), _linked("systematic_review_meta_analysis", 472)]
    )

    assert body == Body(studies=3, participants=472, preclinical=False)


def test_two_identical_studies_are_both_counted():
    assert graded_body([_linked("rct", 50), _linked("rct", 50)]).studies == 2


def _outcome(measure="hair count", unit="hairs/cm2", weeks=12, arms=(), **numbers):
    values = dict(
        effect_type="",
        estimate=None,
        ci_low=None,
        ci_high=None,
        p_value="",
        i2=None,
        k_studies=None,
        participants=None,
    )
    values.update(numbers)
    return SimpleNamespace(
        measure=measure, unit=unit, timepoint_weeks=weeks, arms=list(arms), **values
    )


def _arm(label, mean, **extra):
    values = dict(n=None, sd=None, se=None, ci_low=None, ci_high=None)
    values.update(extra)
    return SimpleNamespace(label=label, mean=mean, **values)


def test_a_reported_estimate_is_shown_with_its_interval_and_p_value_as_stored():
    outcome = _outcome(
        effect_type="MD", estimate=13.36, ci_low=8.55, ci_high=18.16, p_value="<0.00001"
    )

    assert reported_effect(outcome) == "MD 13.36 [95% CI 8.55 to 18.16], p < 0.00001"


def test_arm_means_are_shown_when_no_estimate_was_reported():
    outcome = _outcome(
        effect_type="p-value only",
        p_value="0.039",
        arms=[_arm("needling + minoxidil", 91.4), _arm("minoxidil", 22.2, n=50, sd=3.0)],
    )

    assert reported_effect(outcome) == (
        "needling + minoxidil: mean 91.4; minoxidil: mean 22.2 (SD 3, n 50), p = 0.039, "
        "reported as p-value only"
    )


def test_an_outcome_without_numbers_says_so():
    assert reported_effect(_outcome()) == "No numbers reported"


def test_rows_group_one_measure_across_studies_and_count_each_study_once():
    first, second = SimpleNamespace(pk=1, participants=60), SimpleNamespace(pk=2, participants=None)
    rows = summary_of_findings(
        [
            (first, _outcome(p_value="0.01")),
            (first, _outcome(measure="Hair count ", p_value="0.02")),
            (second, _outcome(p_value="0.03", participants=40)),
            (second, _outcome(measure="hair thickness", unit="mm")),
        ],
        label=lambda s: f"study {s.pk}",
    )

    assert [(r.measure, r.studies, r.participants) for r in rows] == [
        ("hair count", 2, 100),
        ("hair thickness", 1, 0),
    ]
    assert [e.label for e in rows[0].effects] == ["study 1", "study 1", "study 2"]
    assert rows[1].participants_missing == 1
