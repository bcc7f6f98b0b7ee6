"""Mean differences from what studies report, grouped when comparable, pooled when it is honest.

Pure: no database access; outcomes are read by attribute (`effect_type`, `estimate`, `ci_low`,
`ci_high`, `unit`, `measure` and `arms` with `n`, `mean`, `sd`, `se`), so model instances and
plain objects both work.

What it promises:
- A mean difference (MD) and its 95% CI are taken only from what is stored, never imputed:
  either the outcome's own estimate with both CI limits when its effect type is a mean
  difference, or computed from exactly two arms that each state n, a mean and an SD (or an SE,
  from which SD = SE * sqrt(n)). The first arm (in the curator's order) is the intervention,
  the second the comparator: MD = mean1 - mean2, Var = SD1^2/n1 + SD2^2/n2.
- Comparable means: a mean difference in the same unit, as recorded (case and spaces aside).
  Results with no unit stated are shown together but never pooled: nothing says they measure
  the same thing.
- A pooled estimate is a DerSimonian-Laird random-effects mean (statsmodels'
  `combine_effects(..., method_re="dl")`) with its 95% CI and I², made only when a group has
  at least two results from at least two different studies, one result per study (several
  results of one study are not independent).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

# The 0.975 quantile of the standard normal distribution (scipy.stats.norm.ppf(0.975)).
Z_95 = 1.959963984540054

MEAN_DIFFERENCE = "MD"
# "MD", "MD (Bayesian network meta-analysis)", "mean difference"; not "SMD", not "WMD?".
_MD_TYPE = re.compile(r"^\s*(md|mean difference)\b", re.IGNORECASE)


def is_mean_difference(effect_type: str | None) -> bool:
    return bool(effect_type and _MD_TYPE.match(effect_type))


@dataclass(frozen=True)
class Effect:
    """One study's mean difference with its 95% CI."""

    label: str
    estimate: float
    ci_low: float
    ci_high: float
    unit: str
    measure: str
    source: str  # "reported" (the study's own MD and CI) or "arms" (computed from arm data)
    study_id: Any = None
    outcome_id: Any = None

    @property
    def se(self) -> float:
        return (self.ci_high - self.ci_low) / (2 * Z_95)

    @property
    def variance(self) -> float:
        return self.se**2


def effect_from_outcome(outcome: Any, *, label: str, study_id: Any = None) -> Effect | None:
    """The outcome's mean difference with a 95% CI, or None when the stored numbers do not
    give one."""
    common = {
        "label": label,
        "unit": (outcome.unit or "").strip(),
        "measure": outcome.measure,
        "study_id": study_id,
        "outcome_id": getattr(outcome, "pk", None),
    }
    est, low, high = outcome.estimate, outcome.ci_low, outcome.ci_high
    if (
        is_mean_difference(outcome.effect_type)
        and None not in (est, low, high)
        and low <= est <= high
        and low < high
    ):
        return Effect(estimate=est, ci_low=low, ci_high=high, source="reported", **common)
    arms = list(outcome.arms.all()) if hasattr(outcome.arms, "all") else list(outcome.arms)
    if len(arms) != 2:
        return None
    dispersions = [_arm_sd(arm) for arm in arms]
    if any(d is None for d in dispersions) or any(arm.mean is None for arm in arms):
        return None
    (a, b), (sd_a, sd_b) = arms, dispersions
    variance = sd_a**2 / a.n + sd_b**2 / b.n
    if variance <= 0:
        return None
    md = a.mean - b.mean
    half = Z_95 * math.sqrt(variance)
    return Effect(estimate=md, ci_low=md - half, ci_high=md + half, source="arms", **common)


def _arm_sd(arm: Any) -> float | None:
    if not arm.n or arm.n < 1:
        return None
    if arm.sd is not None:
        return arm.sd
    if arm.se is not None:
        return arm.se * math.sqrt(arm.n)
    return None


@dataclass(frozen=True)
class Pooled:
    estimate: float
    ci_low: float
    ci_high: float
    i2: float  # percent
    tau2: float
    weights: tuple[float, ...]  # percent, one per effect, summing to 100


def pool(effects: Sequence[Effect]) -> Pooled:
    """DerSimonian-Laird random-effects pooling with statsmodels; needs two or more effects.

    DerSimonian and Laird (Control Clin Trials 1986;7:177-188) set a negative between-study
    variance to zero, and then the random-effects mean is the fixed-effect one; statsmodels
    0.15 returns the negative value as it is, so that case is taken from its fixed-effect
    results. I² is likewise never below 0 (Higgins and Thompson, Stat Med 2002;21:1539-1558).
    """
    if len(effects) < 2:
        raise ValueError("Pooling needs at least two results.")
    # Imported here, not at the top: numpy and statsmodels take over a second to import, and
    # every command (manage.py check, migrate) would pay for it through the URL map.
    import numpy as np
    from statsmodels.stats.meta_analysis import combine_effects

    with np.errstate(invalid="ignore", divide="ignore"):
        result = combine_effects(
            np.array([e.estimate for e in effects]),
            np.array([e.variance for e in effects]),
            method_re="dl",
        )
        fixed, random, *_ = result.conf_int(use_t=False)
    heterogeneous = result.tau2 > 0
    mean = result.mean_effect_re if heterogeneous else result.mean_effect_fe
    low, high = random if heterogeneous else fixed
    weights = result.weights_rel_re if heterogeneous else result.weights_rel_fe
    i2 = max(0.0, 1 - result.df / result.q) if result.q > 0 else 0.0
    return Pooled(
        estimate=float(mean),
        ci_low=float(low),
        ci_high=float(high),
        i2=float(i2) * 100,
        tau2=float(max(result.tau2, 0.0)),
        weights=tuple(float(w) * 100 for w in weights),
    )


@dataclass(frozen=True)
class Group:
    """Comparable mean differences: one forest plot."""

    unit: str  # "" when no unit is stated
    effects: tuple[Effect, ...]
    weights: tuple[float, ...]  # percent: random-effects when pooled, else inverse variance
    pooled: Pooled | None
    why_not_pooled: str  # "" when pooled


def comparable_groups(effects: Iterable[Effect]) -> list[Group]:
    """Group mean differences by unit (in first-seen order) and pool where it is honest."""
    by_unit: dict[str, list[Effect]] = {}
    for effect in effects:
        by_unit.setdefault(effect.unit.strip().casefold(), []).append(effect)
    groups = []
    for key, members in by_unit.items():
        reason = _why_not_pooled(key, members)
        pooled = None if reason else pool(members)
        weights = pooled.weights if pooled else _inverse_variance_weights(members)
        groups.append(Group(members[0].unit.strip(), tuple(members), weights, pooled, reason))
    return groups


def _why_not_pooled(unit: str, effects: list[Effect]) -> str:
    if len(effects) < 2:
        return "Only one result, so there is nothing to pool."
    if not unit:
        return (
            "Not pooled: no unit is stated, so nothing shows these results measure the same thing."
        )
    studies = [e.study_id for e in effects]
    if len(set(studies)) < len(studies):
        return (
            "Not pooled: one study gives more than one result here, and results from the same "
            "study are not independent."
        )
    return ""


def _inverse_variance_weights(effects: list[Effect]) -> tuple[float, ...]:
    inverse = [1 / e.variance for e in effects]
    total = sum(inverse)
    return tuple(100 * w / total for w in inverse)
