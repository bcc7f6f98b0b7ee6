"""The grading rules, case by case: pure logic, no database.

Inputs are built from the pure vocabularies; expected results are the stored strings, so a
renamed value fails here.
"""

import pytest

from evidence.grading import (
    OPTIMAL_INFORMATION_SIZE,
    Judgements,
    LinkedStudy,
    grade,
)
from evidence.vocabulary import LinkDirection
from studies.vocabulary import RiskOfBias, StudyDesign

M = "\N{MINUS SIGN}"


def study(
    design=StudyDesign.RCT,
    n=200,
    rob=RiskOfBias.LOW,
    says=LinkDirection.SUPPORTS,
    indirect=False,
    label="Test 2020",
):
    return LinkedStudy(
        design=design,
        participants=n,
        risk_of_bias=rob,
        direction=says,
        indirect=indirect,
        label=label,
    )


def rct(**kwargs):
    return study(StudyDesign.RCT, **kwargs)


NONE = Judgements()

# (studies, judgements, certainty, direction, SORT, preclinical only, steps that must appear)
CASES = [
    pytest.param(
        [rct(n=200), rct(n=250), rct(n=300)],
        NONE,
        "high",
        "supported",
        "A",
        False,
        [
            "Start: high — 3 randomised trials",
            "Risk of bias: no downgrade, all 3 trials at low risk",
            "Imprecision: no downgrade, 750 participants in all across 3 studies",
        ],
        id="consistent large trials stay high",
    ),
    pytest.param(
        [rct(n=200), rct(n=200), rct(n=200, says=LinkDirection.CONTRADICTS, label="Kumar 2018")],
        NONE,
        "moderate",
        "supported",
        "B",
        False,
        [f"{M}1 inconsistency: 2 support the claim and 1 contradicts it (Kumar 2018 disagrees)"],
        id="one contradicting trial downgrades one level",
    ),
    pytest.param(
        [rct(), rct(), rct(says=LinkDirection.CONTRADICTS), rct(says=LinkDirection.CONTRADICTS)],
        NONE,
        "low",
        "mixed",
        "B",
        False,
        [f"{M}2 inconsistency (very serious): 2 support the claim and 2 contradict it"],
        id="an even split is very serious inconsistency and a mixed direction",
    ),
    pytest.param(
        [rct(n=84, rob=RiskOfBias.HIGH), rct(n=84, rob=RiskOfBias.HIGH)],
        NONE,
        "low",
        "supported",
        "B",
        False,
        [
            "Start: high — 2 randomised trials",
            f"{M}1 risk of bias: both trials at high risk",
            f"{M}1 imprecision: 168 participants in all, fewer than 400",
        ],
        id="small biased trials end low",
    ),
    pytest.param(
        [rct(n=60, rob=RiskOfBias.HIGH)],
        NONE,
        "very_low",
        "supported",
        "B",
        False,
        [
            f"{M}1 risk of bias: the only trial at high risk",
            f"{M}2 imprecision (very serious): a single study, 60 participants, fewer than 400",
        ],
        id="a single small biased trial ends very low",
    ),
    pytest.param(
        [rct(n=60, rob=RiskOfBias.HIGH)],
        Judgements(publication_bias_suspected=True),
        "very_low",
        "supported",
        "B",
        False,
        [
            f"{M}1 publication bias: suspected by the curator",
            "Floor: very low is the lowest level; it cannot go lower.",
        ],
        id="never below very low",
    ),
    pytest.param(
        [rct(n=600)],
        NONE,
        "moderate",
        "supported",
        "A",
        False,
        [f"{M}1 imprecision: a single study (600 participants)"],
        id="a single large trial is imprecise by one level",
    ),
    pytest.param(
        [rct(n=250), rct(n=250)],
        Judgements(publication_bias_suspected=True),
        "moderate",
        "supported",
        "A",
        False,
        [f"{M}1 publication bias: suspected by the curator"],
        id="suspected publication bias downgrades one level",
    ),
    pytest.param(
        [rct(n=250, rob=RiskOfBias.HIGH), rct(n=250, rob=RiskOfBias.LOW)],
        NONE,
        "moderate",
        "supported",
        "A",
        False,
        [f"{M}1 risk of bias: 1 of 2 trials at high risk"],
        id="half the trials at high risk is serious risk of bias",
    ),
    pytest.param(
        [
            rct(n=250, rob=RiskOfBias.SOME_CONCERNS),
            rct(n=250, rob=RiskOfBias.SOME_CONCERNS),
            rct(n=250),
        ],
        NONE,
        "moderate",
        "supported",
        "A",
        False,
        [f"{M}1 risk of bias: 2 of 3 trials at some concerns or worse, only 1 at low risk"],
        id="fewer than half the trials at low risk is serious risk of bias",
    ),
    pytest.param(
        [rct(n=250, rob=RiskOfBias.HIGH), rct(n=250), rct(n=250)],
        NONE,
        "high",
        "supported",
        "A",
        False,
        ["Risk of bias: no downgrade, 2 of 3 trials at low risk"],
        id="a minority of biased trials does not downgrade",
    ),
    pytest.param(
        [rct(n=250, rob=RiskOfBias.SOME_CONCERNS), rct(n=250, rob=RiskOfBias.SOME_CONCERNS)],
        NONE,
        "moderate",
        "supported",
        "A",
        False,
        [f"{M}1 risk of bias: both trials at some concerns or worse, none at low risk"],
        id="some concerns in every trial is serious risk of bias",
    ),
    pytest.param(
        [rct(n=250), rct(n=250, indirect=True)],
        NONE,
        "moderate",
        "supported",
        "A",
        False,
        [f"{M}1 indirectness: 1 of 2 trials indirect"],
        id="indirect evidence flagged on half the links downgrades",
    ),
    pytest.param(
        [rct(n=250), rct(n=250), rct(n=250, indirect=True)],
        NONE,
        "high",
        "supported",
        "A",
        False,
        ["Indirectness: no downgrade, only 1 of 3 trials indirect"],
        id="one indirect trial in three does not downgrade",
    ),
    pytest.param(
        [
            study(StudyDesign.ANIMAL, n=None, rob=RiskOfBias.NOT_ASSESSED),
            study(StudyDesign.ANIMAL, n=None),
        ],
        NONE,
        "very_low",
        "supported",
        "C",
        True,
        [
            "Start: very low — 2 animal studies",
            f"{M}2 indirectness (very serious): both studies in animals or cells, not people",
            "Imprecision: not rated, animal and cell studies have no human participants",
            "Preclinical only: the evidence comes from animals or cells, not people.",
        ],
        id="animal-only evidence is very low and preclinical",
    ),
    pytest.param(
        [
            study(StudyDesign.IN_VITRO, n=None),
            study(StudyDesign.ANIMAL, n=None, says=LinkDirection.CONTRADICTS),
        ],
        NONE,
        "very_low",
        "mixed",
        "C",
        True,
        ["Start: very low — 1 animal study and 1 in-vitro study"],
        id="animal and cell studies together are preclinical",
    ),
    pytest.param(
        [
            study(StudyDesign.CASE_SERIES, n=40, rob=RiskOfBias.HIGH),
            study(StudyDesign.ANIMAL, n=None),
        ],
        NONE,
        "very_low",
        "supported",
        "C",
        False,
        [
            "Start: very low — 1 case series",
            "Also linked but not graded (weaker designs): 1 animal study.",
        ],
        id="human case series outrank animal studies and are not preclinical",
    ),
    pytest.param(
        [study(StudyDesign.EXPERT_OPINION, n=None), study(StudyDesign.NARRATIVE_REVIEW, n=None)],
        NONE,
        "very_low",
        "supported",
        "C",
        False,
        ["Start: very low — 1 narrative review and 1 expert opinion"],
        id="opinion and narrative reviews start very low",
    ),
    pytest.param(
        [study(StudyDesign.COHORT, n=300), study(StudyDesign.CASE_CONTROL, n=300)],
        NONE,
        "low",
        "supported",
        "B",
        False,
        ["Start: low — 1 cohort study and 1 case-control study"],
        id="controlled observational evidence starts low",
    ),
    pytest.param(
        [study(StudyDesign.COHORT, n=300), study(StudyDesign.COHORT, n=300)],
        Judgements(large_effect=True),
        "moderate",
        "supported",
        "A",
        False,
        ["+1 large effect: judged by the curator"],
        id="a large effect upgrades observational evidence",
    ),
    pytest.param(
        [study(StudyDesign.COHORT, n=300), study(StudyDesign.COHORT, n=300)],
        Judgements(large_effect=True, dose_response=True),
        "high",
        "supported",
        "A",
        False,
        [
            "+1 large effect: judged by the curator",
            "+1 dose-response gradient: judged by the curator",
        ],
        id="large effect and dose-response together upgrade two levels",
    ),
    pytest.param(
        [
            study(StudyDesign.COHORT, n=300, rob=RiskOfBias.HIGH),
            study(StudyDesign.COHORT, n=300, rob=RiskOfBias.HIGH),
        ],
        Judgements(large_effect=True),
        "very_low",
        "supported",
        "B",
        False,
        [
            f"{M}1 risk of bias: both studies at high risk",
            "Large effect flagged but not applied: the evidence is at serious risk of bias",
        ],
        id="no upgrade for observational evidence at serious risk of bias",
    ),
    pytest.param(
        [study(StudyDesign.NON_RANDOMIZED_CONTROLLED, n=100)],
        Judgements(dose_response=True),
        "very_low",
        "supported",
        "B",
        False,
        [
            f"{M}2 imprecision (very serious): a single study, 100 participants, fewer than 400",
            "+1 dose-response gradient: judged by the curator",
            "Result: very low certainty",
        ],
        id="upgrades and downgrades net out: low minus two plus one is very low",
    ),
    pytest.param(
        [rct(n=250), rct(n=250)],
        Judgements(large_effect=True, dose_response=True),
        "high",
        "supported",
        "A",
        False,
        [
            "Large effect flagged but not applied: upgrades apply only to controlled "
            "observational evidence"
        ],
        id="randomised evidence is never upgraded",
    ),
    pytest.param(
        [study(StudyDesign.CASE_SERIES, n=500), study(StudyDesign.CASE_SERIES, n=500)],
        Judgements(large_effect=True),
        "very_low",
        "supported",
        "C",
        False,
        [
            "Large effect flagged but not applied: upgrades apply only to controlled "
            "observational evidence"
        ],
        id="uncontrolled case series are never upgraded",
    ),
    pytest.param(
        [
            study(StudyDesign.SYSTEMATIC_REVIEW_META_ANALYSIS, n=472),
            rct(n=100),
            rct(n=60),
        ],
        NONE,
        "high",
        "supported",
        "A",
        False,
        [
            "Start: high — 1 systematic review with meta-analysis and 2 randomised trials",
            "A systematic review with meta-analysis is counted as a synthesis of randomised "
            "trials.",
            "Imprecision: no downgrade, 472 participants in all (the largest review's pooled "
            "total) across 3 studies",
        ],
        id="a meta-analysis counts as randomised and its pooled total is not added twice",
    ),
    pytest.param(
        [study(StudyDesign.SYSTEMATIC_REVIEW_META_ANALYSIS, n=300)],
        NONE,
        "moderate",
        "supported",
        "A",
        False,
        [f"{M}1 imprecision: 300 participants in all (the largest review's pooled total)"],
        id="a single meta-analysis is not a single study but can be small",
    ),
    pytest.param(
        [study(StudyDesign.SYSTEMATIC_REVIEW, n=1127)],
        NONE,
        "low",
        "supported",
        "B",
        False,
        [
            "Start: low — 1 systematic review",
            "A systematic review without a meta-analysis is counted as a synthesis of mixed, "
            "non-randomised designs.",
        ],
        id="a systematic review without meta-analysis starts low",
    ),
    pytest.param(
        [
            rct(n=250),
            rct(n=250),
            study(StudyDesign.CASE_SERIES, n=30, says=LinkDirection.CONTRADICTS),
        ],
        NONE,
        "high",
        "supported",
        "A",
        False,
        ["Also linked but not graded (weaker designs): 1 case series."],
        id="weaker designs beside trials do not move the grade",
    ),
    pytest.param(
        [study("umbrella_review", n=900, label="Odd 2021")],
        NONE,
        "very_low",
        "supported",
        "C",
        False,
        ["Assumed: design not recognised for Odd 2021; counted as uncontrolled evidence."],
        id="an unknown design never raises and counts as uncontrolled",
    ),
    pytest.param(
        [rct(n=250, says=LinkDirection.CONTRADICTS), rct(n=250, says=LinkDirection.CONTRADICTS)],
        NONE,
        "high",
        "contradicted",
        "A",
        False,
        ["Direction: contradicted (2 contradict)"],
        id="consistent contradicting trials give a confident contradicted",
    ),
    pytest.param(
        [rct(n=250, says=LinkDirection.NEUTRAL), rct(n=250, says=LinkDirection.NEUTRAL)],
        NONE,
        "none",
        "inconclusive",
        "",
        False,
        ["No linked study tests the claim: 2 randomised trials, all neutral"],
        id="neutral links alone leave nothing to grade and an inconclusive direction",
    ),
    pytest.param(
        [
            study(StudyDesign.CASE_SERIES, n=500),
            rct(n=250, says=LinkDirection.NEUTRAL),
            rct(n=250, says=LinkDirection.NEUTRAL),
        ],
        NONE,
        "very_low",
        "supported",
        "C",
        False,
        [
            "Start: very low — 1 case series",
            "Not graded, neutral (they do not test the claim): 2 randomised trials.",
            "Direction: supported (1 supports)",
        ],
        id="neutral trials do not set the starting level nor weigh on the direction",
    ),
    pytest.param(
        [rct(n=250), rct(n=250, says=LinkDirection.MIXED)],
        NONE,
        "high",
        "supported",
        "A",
        False,
        [
            "Inconsistency: no downgrade, no study contradicts another",
            "Direction: supported (1 supports, 1 mixed)",
        ],
        id="a mixed link weighs half each way and is no disagreement",
    ),
    pytest.param(
        [
            rct(n=250),
            rct(n=250, says=LinkDirection.MIXED),
            rct(n=250, says=LinkDirection.MIXED),
            rct(says=LinkDirection.MIXED),
        ],
        NONE,
        "high",
        "mixed",
        "B",
        False,
        ["Direction: mixed (1 supports, 3 mixed)"],
        id="mostly mixed links give a mixed direction",
    ),
    pytest.param(
        [rct(n=250, says=LinkDirection.CONTRADICTS), rct(n=250, says=LinkDirection.MIXED)],
        NONE,
        "high",
        "contradicted",
        "A",
        False,
        ["Direction: contradicted (1 contradicts, 1 mixed)"],
        id="mixed links weigh toward a contradiction too",
    ),
    pytest.param(
        [rct(n=250), rct(n=250), rct(n=250, says=LinkDirection.MIXED)],
        NONE,
        "high",
        "supported",
        "A",
        False,
        ["Direction: supported (2 support, 1 mixed)"],
        id="two thirds pointing one way is a direction",
    ),
    pytest.param(
        [rct(n=300), rct(n=None, label="Anon 2019")],
        NONE,
        "moderate",
        "supported",
        "A",
        False,
        [
            "Assumed: participants not stated for Anon 2019; counted as none.",
            f"{M}1 imprecision: 300 participants in all, fewer than 400",
        ],
        id="missing participants are assumed none and said so",
    ),
    pytest.param(
        [rct(n=None, label="Anon 2019")],
        NONE,
        "low",
        "supported",
        "B",
        False,
        [
            f"{M}2 imprecision (very serious): a single study, no participant number stated, "
            f"fewer than {OPTIMAL_INFORMATION_SIZE}"
        ],
        id="a single trial without participant numbers is very imprecise",
    ),
    pytest.param(
        [rct(n=250, rob=RiskOfBias.NOT_ASSESSED, label="Anon 2019"), rct(n=250)],
        NONE,
        "high",
        "supported",
        "A",
        False,
        [
            "Assumed: risk of bias not assessed for Anon 2019; treated as some concerns.",
            "Risk of bias: no downgrade, 1 of 2 trials at low risk",
        ],
        id="an unassessed risk of bias is assumed some concerns and said so",
    ),
    pytest.param(
        [rct(n=250, rob=RiskOfBias.NOT_ASSESSED), rct(n=250, rob=RiskOfBias.NOT_ASSESSED)],
        NONE,
        "moderate",
        "supported",
        "A",
        False,
        [f"{M}1 risk of bias: both trials at some concerns or worse, none at low risk"],
        id="no assessed trial at all is serious risk of bias",
    ),
    pytest.param(
        [
            rct(n=50, rob=RiskOfBias.HIGH, indirect=True),
            rct(n=50, rob=RiskOfBias.HIGH, says=LinkDirection.CONTRADICTS),
            rct(n=50, rob=RiskOfBias.HIGH),
        ],
        Judgements(publication_bias_suspected=True),
        "very_low",
        "supported",
        "B",
        False,
        [
            f"{M}1 risk of bias: all 3 trials at high risk",
            f"{M}1 inconsistency: 2 support the claim and 1 contradicts it",
            f"{M}1 imprecision: 150 participants in all, fewer than 400",
            f"{M}1 publication bias: suspected by the curator",
            "Floor: very low is the lowest level; it cannot go lower.",
        ],
        id="every domain at once stops at very low",
    ),
]


@pytest.mark.parametrize(
    ("studies", "judgements", "certainty", "direction", "sort", "preclinical", "steps"), CASES
)
def test_grading_rules(studies, judgements, certainty, direction, sort, preclinical, steps):
    result = grade(studies, judgements)
    assert (result.certainty, result.direction, result.sort_strength) == (
        certainty,
        direction,
        sort,
    ), result.rationale
    assert result.preclinical_only is preclinical
    for step in steps:
        assert any(line.startswith(step) for line in result.rationale), (step, result.rationale)


def test_no_published_study_gives_none_with_a_reason():
    result = grade([], not_counted=2)
    assert result.certainty == "none"
    assert result.direction == ""
    assert result.sort_strength == ""
    assert result.preclinical_only is False
    assert result.rationale == (
        "No published study is linked to this claim, so there is nothing to grade.",
        "Not counted: 2 linked studies are not published (draft, in review or retracted).",
    )


def test_a_link_without_a_known_direction_is_set_aside_like_a_neutral_one():
    result = grade([rct(n=500, says=""), rct(n=500, rob=RiskOfBias.HIGH, says=None)])
    assert (result.certainty, result.direction) == ("none", "inconclusive")
    assert result.rationale[0].startswith("No linked study tests the claim: 2 randomised trials")


def test_the_rationale_reads_in_order_start_downgrades_upgrades_result():
    result = grade(
        [study(StudyDesign.COHORT, n=150), study(StudyDesign.COHORT, n=150)],
        Judgements(large_effect=True),
    )
    assert result.rationale == (
        "Start: low — 2 cohort studies",
        "Risk of bias: no downgrade, both studies at low risk",
        "Inconsistency: no downgrade, no study contradicts another",
        "Indirectness: no downgrade, the evidence bears directly on the claim",
        f"{M}1 imprecision: 300 participants in all, fewer than 400",
        "+1 large effect: judged by the curator",
        "Direction: supported (2 support)",
        "Result: low certainty, supported; SORT B.",
    )
