"""Mean differences from stored numbers, comparable groups, and DerSimonian-Laird pooling.

The pooling is checked against published values, not numbers made up for the test:

- Kacker RN. Combining information from interlaboratory evaluations using a random effects
  model. Metrologia 2004;41:132-136, the nine-laboratory example (y, v below). Table 1 of the
  paper gives the DerSimonian-Laird between-study SD tau = 0.5359; R metafor's
  rma(y, v, method="DL") on the same data gives the pooled mean 62.3901386044504, 95% CI
  61.9084781058787 to 62.8717991030221, tau² 0.288049246973751 and I² 67.744403741711%, as
  recorded in statsmodels' own test results (statsmodels/stats/tests/results/results_meta.py,
  `exk1_dl`).
- The two-arm formula is checked on Carroll's trial from the worked example in Chen DG, Peace
  KE. Applied Meta-Analysis with R. CRC Press 2013, chapter 3 (treatment 94 ± 22, n 60;
  control 92 ± 20, n 60).
"""

import math
from types import SimpleNamespace

import pytest

from evidence.meta_analysis import (
    comparable_groups,
    effect_from_outcome,
    is_mean_difference,
    pool,
)
from tests.evidence.effects import effect_from_variance

KACKER_Y = [61.00, 61.40, 62.21, 62.30, 62.34, 62.60, 62.70, 62.84, 65.90]
KACKER_V = [0.2025, 1.2100, 0.0900, 0.2025, 0.3844, 0.5625, 0.0676, 0.0225, 1.8225]


def _effect(estimate, variance, *, unit="hairs/cm2", study_id=None, label="a study"):
    return effect_from_variance(estimate, variance, unit=unit, study_id=study_id, label=label)


def _outcome(effect_type="", estimate=None, ci_low=None, ci_high=None, arms=(), unit="hairs/cm2"):
    return SimpleNamespace(
        pk=1,
        measure="hair count",
        unit=unit,
        effect_type=effect_type,
        estimate=estimate,
        ci_low=ci_low,
        ci_high=ci_high,
        arms=list(arms),
    )


def _arm(n=None, mean=None, sd=None, se=None):
    return SimpleNamespace(n=n, mean=mean, sd=sd, se=se)


def test_dersimonian_laird_pooling_reproduces_the_published_kacker_example():
    effects = [
        _effect(y, v, study_id=i) for i, (y, v) in enumerate(zip(KACKER_Y, KACKER_V, strict=True))
    ]

    pooled = pool(effects)

    assert pooled.estimate == pytest.approx(62.3901386044504, abs=1e-9)
    assert pooled.ci_low == pytest.approx(61.9084781058787, abs=1e-9)
    assert pooled.ci_high == pytest.approx(62.8717991030221, abs=1e-9)
    assert pooled.tau2 == pytest.approx(0.288049246973751, abs=1e-9)
    assert math.sqrt(pooled.tau2) == pytest.approx(0.5359, abs=1e-3)  # Kacker's Table 1
    assert pooled.i2 == pytest.approx(67.744403741711, abs=1e-6)
    assert sum(pooled.weights) == pytest.approx(100)


def test_when_studies_agree_more_than_chance_allows_tau2_is_zero_and_the_pool_is_fixed_effect():
    # Q < df: DerSimonian-Laird truncate the between-study variance at zero, so the pooled
    # mean is the inverse-variance mean sum(y/v) / sum(1/v) and I² is 0.
    effects = [_effect(2.0, 0.1, study_id=1), _effect(3.0, 10.0, study_id=2)]

    pooled = pool(effects)

    assert pooled.tau2 == 0
    assert pooled.i2 == 0
    assert pooled.estimate == pytest.approx((2.0 / 0.1 + 3.0 / 10.0) / (1 / 0.1 + 1 / 10.0))
    half = 1.959963984540054 * math.sqrt(1 / (1 / 0.1 + 1 / 10.0))
    assert (pooled.ci_low, pooled.ci_high) == pytest.approx(
        (pooled.estimate - half, pooled.estimate + half)
    )
    assert all(w > 0 for w in pooled.weights)


def test_pooling_one_result_is_refused():
    with pytest.raises(ValueError, match="at least two"):
        pool([_effect(1.0, 0.1)])


def test_a_reported_mean_difference_with_its_interval_is_taken_as_stored():
    effect = effect_from_outcome(_outcome("MD", 13.36, 8.55, 18.16), label="Pei 2024", study_id=7)

    assert (effect.estimate, effect.ci_low, effect.ci_high) == (13.36, 8.55, 18.16)
    assert effect.source == "reported"
    assert effect.se == pytest.approx((18.16 - 8.55) / (2 * 1.959963984540054))


@pytest.mark.parametrize(
    "outcome",
    [
        _outcome("MD", 13.0),  # a network meta-analysis MD printed without an interval
        _outcome("MD", 13.0, 8.0, None),
        _outcome("SMD", 1.16, 0.86, 1.42),  # standardised: not a mean difference in a unit
        _outcome("p-value only"),
        _outcome("MD", 20.0, 8.0, 18.0),  # estimate outside its own interval: a typo
    ],
    ids=["no-ci", "half-ci", "smd", "p-only", "estimate-outside-ci"],
)
def test_nothing_is_plotted_when_the_stored_numbers_do_not_give_a_mean_difference_and_ci(
    outcome,
):
    assert effect_from_outcome(outcome, label="x") is None


def test_a_mean_difference_is_computed_from_two_arms_with_n_mean_and_sd():
    # Carroll's trial in Chen & Peace (2013): 94 (SD 22, n 60) against 92 (SD 20, n 60).
    outcome = _outcome(arms=[_arm(60, 94, sd=22), _arm(60, 92, sd=20)])

    effect = effect_from_outcome(outcome, label="Carroll")

    variance = 22**2 / 60 + 20**2 / 60
    assert effect.estimate == 2
    assert effect.variance == pytest.approx(variance)
    assert effect.ci_low == pytest.approx(2 - 1.959963984540054 * math.sqrt(variance))
    assert effect.source == "arms"


def test_an_arm_standard_error_is_turned_into_its_sd():
    by_se = _outcome(arms=[_arm(60, 94, se=22 / math.sqrt(60)), _arm(60, 92, sd=20)])
    by_sd = _outcome(arms=[_arm(60, 94, sd=22), _arm(60, 92, sd=20)])

    assert effect_from_outcome(by_se, label="x").variance == pytest.approx(
        effect_from_outcome(by_sd, label="x").variance
    )


@pytest.mark.parametrize(
    "arms",
    [
        [_arm(None, 91.4), _arm(None, 22.2)],  # Dhurat 2013 in the seed: means only
        [_arm(30, 10.8), _arm(30, 14.6)],  # n and means, no SD
        [_arm(20, 5, sd=1), _arm(20, None, sd=1)],
        [_arm(20, 5, sd=1), _arm(20, 4, sd=1), _arm(20, 3, sd=1)],  # three arms: which pair?
    ],
    ids=["means-only", "no-sd", "missing-mean", "three-arms"],
)
def test_arms_without_everything_needed_are_not_imputed(arms):
    assert effect_from_outcome(_outcome(arms=arms), label="x") is None


def test_results_in_the_same_unit_from_different_studies_are_pooled():
    (group,) = comparable_groups(
        [_effect(2.0, 1.0, study_id=1), _effect(4.0, 1.0, unit=" Hairs/CM2 ", study_id=2)]
    )

    assert group.pooled is not None
    assert group.pooled.estimate == pytest.approx(3.0)
    assert group.why_not_pooled == ""


def test_results_in_different_units_are_plotted_apart_and_not_pooled():
    groups = comparable_groups(
        [_effect(2.0, 1.0, study_id=1), _effect(0.01, 0.001, unit="mm", study_id=2)]
    )

    assert [g.unit for g in groups] == ["hairs/cm2", "mm"]
    assert all(g.pooled is None for g in groups)
    assert "nothing to pool" in groups[0].why_not_pooled


def test_results_without_a_unit_are_never_pooled():
    (group,) = comparable_groups(
        [_effect(2.0, 1.0, unit="", study_id=1), _effect(4.0, 1.0, unit="", study_id=2)]
    )

    assert group.pooled is None
    assert "no unit is stated" in group.why_not_pooled
    assert sum(group.weights) == pytest.approx(100)


def test_two_results_of_one_study_are_not_pooled_as_if_independent():
    (group,) = comparable_groups([_effect(2.0, 1.0, study_id=1), _effect(4.0, 1.0, study_id=1)])

    assert group.pooled is None
    assert "same study" in group.why_not_pooled


@pytest.mark.parametrize(
    ("effect_type", "expected"),
    [
        ("MD", True),
        ("mean difference", True),
        ("MD (Bayesian network meta-analysis)", True),
        ("SMD", False),
        ("SMD (as labelled)", False),
        ("p-value only", False),
        ("", False),
    ],
)
def test_what_counts_as_a_mean_difference(effect_type, expected):
    assert is_mean_difference(effect_type) is expected
