"""GRADE per outcome (evidence/certainty.py): each rule at its threshold. No database."""

import math
from dataclasses import replace

import pytest

from evidence.certainty import (
    EGGER_ALPHA,
    EGGER_MIN_STUDIES,
    I2_CONSIDERABLE,
    I2_SUBSTANTIAL,
    OIS_CONTINUOUS,
    Benefit,
    Certainty,
    ClaimKind,
    Direction,
    Domain,
    Importance,
    Inclusion,
    InterventionRole,
    Measure,
    OutcomeKind,
    OutcomeQuestion,
    PoolInput,
    PrimaryResult,
    RiskOfBias,
    Sort,
    StudyResultInput,
    body_from_review,
    grade_claim,
    grade_outcome,
    informative_statement,
    sign_test,
    vote_count,
)

QUESTION = OutcomeQuestion(name="hair count", intervention="Microneedling", unit="hairs/cm²")


def trial(label="T1", *, n=250, rob=RiskOfBias.LOW, est=10.0, lo=5.0, hi=15.0, **kw):
    return StudyResultInput(
        label=label, design="rct", participants=n, risk_of_bias=rob, estimate=est,
        ci_low=lo, ci_high=hi, **kw,
    )  # fmt: skip


def pool(est=10.0, lo=5.0, hi=15.0, *, k=2, n=500, measure=Measure.MD, **kw):
    return PoolInput(
        estimate=est, ci_low=lo, ci_high=hi, measure=measure, k=k, participants=n, **kw
    )  # fmt: skip


def two_trials(**kw):
    return [trial("T1", weight=50.0, **kw), trial("T2", weight=50.0, **kw)]


def judged(grade, domain):
    return grade.domain(domain)


# --- Starting level and a clean body ---------------------------------------------------------


def test_two_clean_large_trials_stay_high_with_the_plain_verb():
    g = grade_outcome(QUESTION, two_trials(), pool(i2=0.0))
    assert g.starting_level == Certainty.HIGH
    assert g.certainty == Certainty.HIGH
    assert all(d.levels == 0 for d in g.domains)
    assert g.statement == "Microneedling increases hair count."
    assert "MD 10 hairs/cm² higher (95% CI 5 to 15)" in g.effect


def test_observational_studies_start_low():
    s = [replace(t, design="cohort") for t in two_trials()]
    g = grade_outcome(QUESTION, s, pool(i2=0.0))
    assert g.starting_level == Certainty.LOW
    assert g.certainty == Certainty.LOW


def test_case_series_start_very_low():
    g = grade_outcome(QUESTION, [replace(trial(), design="case_series")])
    assert g.starting_level == Certainty.VERY_LOW


# --- Risk of bias, weighted by pool weight ---------------------------------------------------


def test_risk_of_bias_not_serious_when_most_weight_is_at_low_risk():
    s = [trial("A", weight=51.0), trial("B", rob=RiskOfBias.HIGH, weight=49.0)]
    assert judged(grade_outcome(QUESTION, s, pool(i2=0.0)), Domain.RISK_OF_BIAS).levels == 0


def test_risk_of_bias_serious_when_half_the_weight_is_not_at_low_risk():
    s = [trial("A", weight=50.0), trial("B", rob=RiskOfBias.SOME_CONCERNS, weight=50.0)]
    d = judged(grade_outcome(QUESTION, s, pool(i2=0.0)), Domain.RISK_OF_BIAS)
    assert d.levels == -1
    assert "50% low, 50% some concerns" in d.numbers


def test_risk_of_bias_very_serious_when_most_weight_is_at_high_risk():
    s = [trial("A", weight=49.0), trial("B", rob=RiskOfBias.HIGH, weight=51.0)]
    assert judged(grade_outcome(QUESTION, s, pool(i2=0.0)), Domain.RISK_OF_BIAS).levels == -2


def test_risk_of_bias_uses_pool_weights_not_study_counts():
    # Two of three trials at high risk, but they carry only 20% of the weight.
    s = [
        trial("big", weight=80.0),
        trial("s1", rob=RiskOfBias.HIGH, weight=10.0),
        trial("s2", rob=RiskOfBias.HIGH, weight=10.0),
    ]
    assert judged(grade_outcome(QUESTION, s, pool(k=3, i2=0.0)), Domain.RISK_OF_BIAS).levels == 0


def test_unassessed_risk_of_bias_is_not_counted_as_low():
    g = grade_outcome(QUESTION, [trial(rob=RiskOfBias.NOT_ASSESSED)])
    assert judged(g, Domain.RISK_OF_BIAS).levels == -1


# --- Inconsistency ---------------------------------------------------------------------------


def opposite_trials():
    return [trial("A", est=12.0, lo=6.0, hi=18.0), trial("B", est=-4.0, lo=-9.0, hi=1.0)]


def test_substantial_heterogeneity_with_estimates_on_both_sides_is_serious():
    g = grade_outcome(QUESTION, opposite_trials(), pool(4, -6, 14, i2=I2_SUBSTANTIAL))
    d = judged(g, Domain.INCONSISTENCY)
    assert d.levels == -1
    assert "I² 50%" in d.numbers


def test_heterogeneity_just_below_substantial_is_not_serious():
    g = grade_outcome(QUESTION, opposite_trials(), pool(4, -6, 14, i2=I2_SUBSTANTIAL - 1))
    assert judged(g, Domain.INCONSISTENCY).levels == 0


def test_considerable_heterogeneity_with_benefit_and_harm_is_very_serious():
    p = pool(4, -6, 14, i2=I2_CONSIDERABLE, pi_low=-0.6, pi_high=3.2)
    d = judged(grade_outcome(QUESTION, opposite_trials(), p), Domain.INCONSISTENCY)
    assert d.levels == -2
    assert "I² 75%" in d.numbers
    assert "prediction interval −0.6 to 3.2 crosses the null" in d.numbers


def test_large_versus_small_effects_on_one_side_are_not_inconsistent():
    s = [trial("A", est=30.0, lo=25.0, hi=35.0), trial("B", est=3.0, lo=1.0, hi=5.0)]
    d = judged(grade_outcome(QUESTION, s, pool(15, 2, 28, i2=90.0)), Domain.INCONSISTENCY)
    assert d.levels == 0
    assert "same side" in d.reason


def test_prediction_interval_across_the_null_makes_substantial_heterogeneity_serious():
    s = [trial("A", est=30.0, lo=25.0, hi=35.0), trial("B", est=3.0, lo=1.0, hi=5.0)]
    p = pool(15, 2, 28, i2=90.0, pi_low=-20.0, pi_high=50.0)
    assert judged(grade_outcome(QUESTION, s, p), Domain.INCONSISTENCY).levels == -1


@pytest.mark.parametrize(("i2", "levels"), [(I2_CONSIDERABLE, -1), (I2_CONSIDERABLE - 1, 0)])
def test_a_review_pool_with_considerable_unexplained_heterogeneity_is_inconsistent(i2, levels):
    review = StudyResultInput(
        label="Ahmed 2025", design="systematic_review_meta_analysis", estimate=1.32,
        ci_low=0.73, ci_high=1.92,
    )  # fmt: skip
    p = pool(1.32, 0.73, 1.92, k=11, measure=Measure.SMD, i2=i2)
    q = replace(QUESTION, measure=Measure.SMD)
    d = judged(grade_outcome(q, [review], p), Domain.INCONSISTENCY)
    assert d.levels == levels
    assert f"I² {i2:.0f}%" in d.numbers


def test_a_non_significant_study_pointing_the_same_way_is_not_inconsistent():
    s = [trial("A", est=12.0, lo=6.0, hi=18.0), trial("B", est=2.0, lo=-3.0, hi=7.0)]
    d = judged(grade_outcome(QUESTION, s, pool(8, 3, 13, i2=60.0)), Domain.INCONSISTENCY)
    assert d.levels == 0


def test_estimates_on_both_sides_of_the_mid_count_when_a_mid_is_known():
    q = replace(QUESTION, mid=5.0, mid_source="Olsen 2002 benchmark")
    s = [trial("A", est=12.0, lo=6.0, hi=18.0), trial("B", est=2.0, lo=0.5, hi=3.5)]
    d = judged(grade_outcome(q, s, pool(8, 3, 13, i2=60.0)), Domain.INCONSISTENCY)
    assert d.levels == -1
    assert "MID" in d.reason


def test_a_single_study_is_not_assessable_for_inconsistency_and_says_so():
    d = judged(grade_outcome(QUESTION, [trial()]), Domain.INCONSISTENCY)
    assert d.levels == 0
    assert not d.assessable
    assert "single study" in d.reason


# --- Indirectness ----------------------------------------------------------------------------


def test_animal_evidence_alone_is_very_serious_indirectness():
    s = [replace(trial(), design="animal", participants=None)]
    d = judged(grade_outcome(QUESTION, s), Domain.INDIRECTNESS)
    assert d.levels == -2


def test_add_on_trials_for_a_stand_alone_claim_are_indirect_for_the_intervention():
    q = replace(QUESTION, comparison_role=InterventionRole.ADD_ON, add_on_to="minoxidil")
    d = judged(grade_outcome(q, two_trials(), pool(i2=0.0)), Domain.INDIRECTNESS)
    assert d.levels == -1
    assert "added to minoxidil" in d.reason


def test_a_surrogate_outcome_for_a_patient_important_claim_is_serious():
    q = replace(QUESTION, kind=OutcomeKind.SURROGATE)
    assert judged(grade_outcome(q, two_trials(), pool(i2=0.0)), Domain.INDIRECTNESS).levels == -1


def test_two_indirect_aspects_are_very_serious():
    q = replace(QUESTION, kind=OutcomeKind.SURROGATE, comparison_role=InterventionRole.ADD_ON)
    assert judged(grade_outcome(q, two_trials(), pool(i2=0.0)), Domain.INDIRECTNESS).levels == -2


def test_a_population_flag_counts_only_when_it_covers_most_of_the_weight():
    half = [trial("A", weight=50.0, indirect_population=True), trial("B", weight=50.0)]
    most = [trial("A", weight=51.0, indirect_population=True), trial("B", weight=49.0)]
    p = pool(i2=0.0)
    assert judged(grade_outcome(QUESTION, half, p), Domain.INDIRECTNESS).levels == 0
    assert judged(grade_outcome(QUESTION, most, p), Domain.INDIRECTNESS).levels == -1


# --- Imprecision -----------------------------------------------------------------------------


def test_optimal_information_size_is_met_at_400_participants():
    ok = judged(
        grade_outcome(QUESTION, two_trials(), pool(n=OIS_CONTINUOUS, i2=0.0)), Domain.IMPRECISION
    )
    short = judged(
        grade_outcome(QUESTION, two_trials(), pool(n=OIS_CONTINUOUS - 1, i2=0.0)),
        Domain.IMPRECISION,
    )
    assert ok.levels == 0
    assert short.levels == -1
    assert "399 participants, below the optimal information size of 400" in short.reason


def test_the_ois_uses_the_comparisons_own_participants_not_a_review_total():
    review = StudyResultInput("Review 2024", "systematic_review_meta_analysis", participants=2000)
    # The caller says which participants belong to this comparison: unknown here.
    p = pool(n=None, k=4, i2=0.0)
    d = judged(grade_outcome(QUESTION, [review], p), Domain.IMPRECISION)
    assert d.levels == 0
    assert "cannot be checked" in d.reason
    assert "2000" not in d.numbers


def test_a_ci_crossing_the_null_is_serious():
    d = judged(grade_outcome(QUESTION, two_trials(), pool(4, -1, 9, i2=0.0)), Domain.IMPRECISION)
    assert d.levels == -1
    assert "crosses the null" in d.reason


def test_a_ci_including_important_benefit_and_harm_is_very_serious():
    q = replace(QUESTION, mid=5.0)
    d = judged(grade_outcome(q, two_trials(), pool(2, -6, 10, i2=0.0)), Domain.IMPRECISION)
    assert d.levels == -2


def test_a_ci_within_the_mid_band_is_precise_little_to_no_difference():
    q = replace(QUESTION, mid=5.0)
    g = grade_outcome(q, two_trials(), pool(0.5, -4.9, 4.9, i2=0.0))
    assert judged(g, Domain.IMPRECISION).levels == 0
    assert g.statement == "Microneedling results in little to no difference in hair count."


def test_a_ci_clear_of_the_null_but_crossing_the_mid_is_serious():
    q = replace(QUESTION, mid=5.0)
    d = judged(grade_outcome(q, two_trials(), pool(6, 3, 9, i2=0.0)), Domain.IMPRECISION)
    assert d.levels == -1
    assert "crosses the MID" in d.reason


def test_ratio_measures_without_a_mid_use_the_075_125_rule_of_thumb():
    q = replace(QUESTION, measure=Measure.RR, name="response")
    inside = pool(math.log(1.05), math.log(0.8), math.log(1.2), measure=Measure.RR, i2=0.0)
    wide = pool(math.log(1.05), math.log(0.7), math.log(1.3), measure=Measure.RR, i2=0.0)
    assert judged(grade_outcome(q, two_trials(), inside), Domain.IMPRECISION).levels == 0
    assert judged(grade_outcome(q, two_trials(), wide), Domain.IMPRECISION).levels == -2


# --- Publication bias ------------------------------------------------------------------------


def test_egger_is_read_below_010_with_at_least_10_studies():
    s = [trial(f"T{i}") for i in range(EGGER_MIN_STUDIES)]
    just = pool(k=EGGER_MIN_STUDIES, i2=0.0, egger_p=EGGER_ALPHA - 0.001)
    at = pool(k=EGGER_MIN_STUDIES, i2=0.0, egger_p=EGGER_ALPHA)
    assert judged(grade_outcome(QUESTION, s, just), Domain.PUBLICATION_BIAS).levels == -1
    assert judged(grade_outcome(QUESTION, s, at), Domain.PUBLICATION_BIAS).levels == 0


def test_egger_with_fewer_than_10_studies_is_ignored():
    s = [trial(f"T{i}") for i in range(EGGER_MIN_STUDIES - 1)]
    p = pool(k=EGGER_MIN_STUDIES - 1, i2=0.0, egger_p=0.01)
    d = judged(grade_outcome(QUESTION, s, p), Domain.PUBLICATION_BIAS)
    assert d.levels == 0
    assert "ignored" in d.numbers


def test_small_positive_single_centre_trials_suggest_publication_bias():
    small = [trial("A", n=60, single_centre=True), trial("B", n=80, single_centre=True)]
    one_large = [trial("A", n=60, single_centre=True), trial("B", n=400, single_centre=True)]
    p = pool(i2=0.0)
    assert judged(grade_outcome(QUESTION, small, p), Domain.PUBLICATION_BIAS).levels == -1
    assert judged(grade_outcome(QUESTION, one_large, p), Domain.PUBLICATION_BIAS).levels == 0


def test_curator_flag_rates_publication_bias_down_one_level_at_most():
    q = replace(QUESTION, publication_bias_suspected=True)
    small = [trial("A", n=60, single_centre=True), trial("B", n=80, single_centre=True)]
    assert judged(grade_outcome(q, small, pool(i2=0.0)), Domain.PUBLICATION_BIAS).levels == -1


# --- Rating up -------------------------------------------------------------------------------


def cohorts():
    return [replace(t, design="cohort") for t in two_trials()]


def rr_pool(ratio):
    lo, hi = ratio * 0.9, ratio * 1.1
    return pool(math.log(ratio), math.log(lo), math.log(hi), measure=Measure.RR, i2=0.0)


@pytest.mark.parametrize(
    ("ratio", "levels"), [(2.0, 0), (2.01, 1), (0.49, 1), (5.0, 1), (5.01, 2), (0.19, 2)]
)
def test_large_effects_rate_observational_evidence_up(ratio, levels):
    q = replace(QUESTION, measure=Measure.RR)
    g = grade_outcome(q, cohorts(), rr_pool(ratio))
    up = [d for d in g.domains if d.domain == Domain.LARGE_EFFECT]
    assert sum(d.levels for d in up) == levels


def test_upgrades_are_not_applied_to_randomised_trials():
    q = replace(QUESTION, measure=Measure.RR, dose_response=True)
    g = grade_outcome(q, two_trials(), rr_pool(6.0))
    assert g.certainty == Certainty.HIGH
    assert all(d.levels == 0 for d in g.domains if d.domain == Domain.LARGE_EFFECT)
    assert "not applied" in judged(g, Domain.DOSE_RESPONSE).reason


def test_upgrades_are_not_applied_when_rated_down_for_risk_of_bias():
    q = replace(QUESTION, dose_response=True, plausible_confounding=True)
    s = [replace(t, risk_of_bias=RiskOfBias.SOME_CONCERNS) for t in cohorts()]
    g = grade_outcome(q, s, pool(i2=0.0))
    assert judged(g, Domain.DOSE_RESPONSE).levels == 0
    assert g.certainty == Certainty.VERY_LOW


def test_dose_response_and_confounding_rate_a_clean_observational_body_up():
    q = replace(QUESTION, dose_response=True, plausible_confounding=True)
    g = grade_outcome(q, cohorts(), pool(i2=0.0))
    assert g.certainty == Certainty.HIGH


# --- Vote counting ---------------------------------------------------------------------------


def test_sign_test_is_exact_binomial():
    assert sign_test(8, 0) == pytest.approx(2 / 256)
    assert sign_test(5, 0) == pytest.approx(0.0625)
    assert sign_test(3, 3) == 1.0
    assert sign_test(9, 1) == pytest.approx(2 * 11 / 1024)


def direction_only(directions):
    return [
        StudyResultInput(f"S{i}", "rct", participants=100, risk_of_bias=RiskOfBias.LOW,
                         direction=d)
        for i, d in enumerate(directions)
    ]  # fmt: skip


def test_direction_only_bodies_are_counted_by_direction_with_k_and_p():
    s = direction_only([Direction.FAVOURS_INTERVENTION] * 6 + [Direction.NO_DIFFERENCE])
    q = replace(QUESTION, measure=Measure.DIRECTION_ONLY)
    g = grade_outcome(q, s)
    assert g.vote is not None
    assert (g.vote.favour_intervention, g.vote.favour_comparator) == (6, 0)
    assert g.vote.p == pytest.approx(2 / 64)
    assert "6 of 6 studies with a direction favour the intervention" in g.effect
    assert "sign test p = 0.031" in g.effect
    assert "significant" not in g.effect
    assert judged(g, Domain.INCONSISTENCY).levels == 0
    # Six low-risk randomised trials, 700 people, all one way: but counting directions gives
    # no size of effect and no CI, so imprecision is rated down once: moderate.
    assert g.certainty == Certainty.MODERATE
    assert g.statement == "Microneedling probably increases hair count."
    assert judged(g, Domain.IMPRECISION).levels == -1
    assert "no size of effect" in judged(g, Domain.IMPRECISION).reason
    assert (
        "700 participants meet the optimal information size" in judged(g, Domain.IMPRECISION).reason
    )


def test_a_direction_split_that_could_be_chance_is_imprecise():
    s = direction_only([Direction.FAVOURS_INTERVENTION] * 4 + [Direction.FAVOURS_COMPARATOR])
    g = grade_outcome(replace(QUESTION, measure=Measure.DIRECTION_ONLY), s)
    assert judged(g, Domain.IMPRECISION).levels == -1
    assert judged(g, Domain.INCONSISTENCY).levels == -1
    assert vote_count(s).p == pytest.approx(0.375)


# --- Statements ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("certainty", "expected"),
    [
        (Certainty.HIGH, "Microneedling increases hair count."),
        (Certainty.MODERATE, "Microneedling probably increases hair count."),
        (Certainty.LOW, "Microneedling may increase hair count."),
        (
            Certainty.VERY_LOW,
            "The evidence is very uncertain about the effect of Microneedling on hair count.",
        ),
    ],
)
def test_statements_follow_santesso_wording(certainty, expected):
    assert informative_statement(QUESTION, certainty, pool()) == expected


@pytest.mark.parametrize(
    ("smd", "words"),
    [
        (0.19, "may result in little to no difference in"),
        (0.2, "may slightly increase"),
        (0.49, "may slightly increase"),
        (0.5, "may increase"),
        (-0.6, "may reduce"),
    ],
)
def test_smd_without_a_mid_uses_the_02_05_08_rule_of_thumb(smd, words):
    q = replace(QUESTION, measure=Measure.SMD)
    p = pool(smd, smd - 0.3, smd + 0.3, measure=Measure.SMD)
    assert words in informative_statement(q, Certainty.LOW, p)


def test_lower_is_better_outcomes_read_reduces():
    q = replace(QUESTION, name="pain", benefit=Benefit.LOWER)
    assert informative_statement(q, Certainty.MODERATE, pool(-3, -5, -1)) == (
        "Microneedling probably reduces pain."
    )


# --- Fragility -------------------------------------------------------------------------------


def test_leaving_out_a_study_that_drives_inconsistency_is_noted():
    loo = pool(12, 6, 18, k=1, n=250)
    p = pool(4, -6, 14, i2=80.0, leave_one_out=(("B", loo),))
    g = grade_outcome(QUESTION, opposite_trials(), p)
    assert any("Leaving out B would change the inconsistency judgement" in f for f in g.fragility)
    assert any("Leaving out B would put the CI clear of the null" in f for f in g.fragility)


def test_a_robust_pool_has_no_fragility_notes():
    p = pool(i2=0.0, leave_one_out=(("T2", pool(n=OIS_CONTINUOUS, k=1)),))
    assert grade_outcome(QUESTION, two_trials(), p).fragility == ()


# --- Claims ----------------------------------------------------------------------------------


def outcome_grade(name, certainty_drops=0, **kw):
    q = replace(QUESTION, name=name, **kw)
    studies = [replace(t, participants=250) for t in two_trials()]
    if certainty_drops:
        studies = [replace(t, risk_of_bias=RiskOfBias.HIGH) for t in studies]
    return grade_outcome(q, studies, pool(i2=0.0))


def test_an_effect_claim_takes_the_lowest_critical_outcome_and_names_it():
    hair = outcome_grade("hair count")
    satisfaction = outcome_grade("satisfaction", certainty_drops=2)
    minor = outcome_grade("redness", certainty_drops=2, importance=Importance.IMPORTANT)
    c = grade_claim(
        ClaimKind.EFFECT, [hair, satisfaction, replace(minor, certainty=Certainty.VERY_LOW)]
    )
    assert c.certainty == Certainty.LOW
    assert c.set_by == "satisfaction"
    assert c.sort == Sort.B
    assert c.sort_label.startswith("limited-quality patient-oriented evidence")


def test_sort_a_needs_good_quality_consistent_patient_oriented_evidence():
    c = grade_claim(ClaimKind.EFFECT, [outcome_grade("hair count")])
    assert (c.sort, c.sort_label) == (Sort.A, "consistent, good-quality patient-oriented evidence")


def test_inconsistent_patient_oriented_evidence_is_sort_b_and_says_inconsistent():
    g = grade_outcome(QUESTION, opposite_trials(), pool(4, 1, 7, i2=60.0))
    assert g.certainty == Certainty.MODERATE
    c = grade_claim(ClaimKind.EFFECT, [g])
    assert c.sort == Sort.B
    assert c.sort_label.startswith("inconsistent")


def test_surrogate_outcomes_and_mechanism_claims_are_sort_c():
    surrogate = outcome_grade("hair shaft diameter", kind=OutcomeKind.SURROGATE)
    assert grade_claim(ClaimKind.EFFECT, [surrogate]).sort == Sort.C
    mech = grade_claim(ClaimKind.MECHANISM, [outcome_grade("collagen")])
    assert mech.certainty == Certainty.HIGH
    assert mech.sort == Sort.C
    assert "mechanism" in mech.sort_label


def test_case_series_evidence_is_sort_c():
    g = grade_outcome(QUESTION, [replace(trial(), design="case_series")])
    assert grade_claim(ClaimKind.EFFECT, [g]).sort == Sort.C


def test_background_claims_are_not_graded():
    c = grade_claim(ClaimKind.BACKGROUND)
    assert not c.graded and c.verdict == "established background" and c.certainty is None


def test_definitional_claims_get_a_verdict_with_sources():
    c = grade_claim(
        ClaimKind.DEFINITIONAL, contradicted_by_definitions=True, definition_sources=("MeSH",)
    )
    assert c.verdict == "contradicted by accepted definitions"
    assert c.sources == ("MeSH",)
    assert grade_claim(ClaimKind.DEFINITIONAL).verdict == "consistent with accepted definitions"


def test_evidence_state_claims_are_answered_from_related_effect_claims():
    weak = grade_claim(
        ClaimKind.EVIDENCE_STATE, related_certainties=[Certainty.LOW, Certainty.VERY_LOW]
    )
    assert weak.verdict == "true: the related effect claims are low or very low certainty"
    mixed = grade_claim(
        ClaimKind.EVIDENCE_STATE, related_certainties=[Certainty.LOW, Certainty.HIGH]
    )
    assert mixed.verdict.startswith("partly true: 1 of 2")
    assert grade_claim(ClaimKind.EVIDENCE_STATE).verdict.startswith("cannot be answered")


# --- Reviews without double counting ---------------------------------------------------------


def test_a_review_body_leaves_out_its_own_trials_and_unknowns_and_says_why():
    review = StudyResultInput("Review 2023", "systematic_review_meta_analysis", participants=900)
    primaries = [
        PrimaryResult(trial("Dhurat 2013"), Inclusion.INCLUDED),
        PrimaryResult(trial("Kumar 2018"), Inclusion.UNKNOWN),
        PrimaryResult(trial("New 2026"), Inclusion.NOT_INCLUDED),
    ]
    body = body_from_review(review, pool(k=4, n=None), primaries)
    assert body.studies == (review,)
    assert body.pool is not None and body.pool.participants is None
    reasons = {lo.label: lo.reason for lo in body.left_out}
    assert "already counted" in reasons["Dhurat 2013"]
    assert "not counted twice" in reasons["Kumar 2018"]
    assert "graded apart" in reasons["New 2026"]
    g = grade_outcome(QUESTION, body.studies, body.pool)
    assert "cannot be checked" in judged(g, Domain.IMPRECISION).reason
