"""Meta-analysis as metafor computes it: effect sizes, inverse-variance pooling, Egger's test and
vote counting, on plain numbers.

Pure: no Django, no models, no third-party imports (only `math` and the standard library), so
importing it costs nothing at start-up. It takes floats and sequences and returns frozen
dataclasses and the enums defined here. Every bad input raises `SynthesisError` (a `ValueError`)
with a plain message.

What it promises (each formula follows metafor 4.x, whose source and help pages are the
reference; the tests pin the numbers metafor publishes):

Effect sizes (metafor `escalc()`, defaults):
- MD: yi = m1 - m2, vi = sd1²/n1 + sd2²/n2 (vtype "LS", which for MD is the unbiased,
  heteroscedastic variance).
- SMD: Hedges' g = J(m) * d with d = (m1 - m2) / pooled SD, m = n1 + n2 - 2 and the exact
  J(m) = Γ(m/2) / (sqrt(m/2) Γ((m-1)/2)); vi = 1/n1 + 1/n2 + g² / (2 (n1 + n2)) (vtype "LS").
- log RR, log OR, RD from a 2x2 table: when any of the four cells is 0, `add` (1/2) is added to
  all four cells of that table (metafor's add=1/2, to="only0"), then
  log RR = log(p1/p2), v = 1/a - 1/n1 + 1/c - 1/n2; log OR = log(ad/bc), v = 1/a+1/b+1/c+1/d;
  RD = p1 - p2, v = p1(1-p1)/n1 + p2(1-p2)/n2.
- From a reported estimate and its CI: the SE is (upper - lower) / (2 z), z the normal quantile
  of the CI's level, on the log scale for ratio measures; or from a reported SE.

Pooling (metafor `rma.uni()` and `predict()`):
- Weights 1/(vi + tau²); FE/EE use tau² = 0.
- tau²: DL (method of moments, truncated at 0); PM (the tau² that sets the generalised Q to
  k - 1, found here by bisection to 1e-12 rather than metafor's `uniroot()` tolerance of
  ~1.2e-4, and without metafor's tau2.max = 100 ceiling); REML by Fisher scoring from the
  Hedges (HE) starting value, step-halving to stay >= 0, stopping when a step changes tau² by
  <= 1e-5 (metafor's threshold) or failing after 100 iterations, with metafor's check that
  the REML log-likelihood at tau² = 0 is not higher.
- test="knha" (Knapp-Hartung / HKSJ): the variance of the estimate is multiplied by
  s² = Σ wi (yi - μ)² / (k - 1) (no truncation at 1: metafor's default), and the test and CI
  use the t distribution with k - 1 df.
- Q is Cochran's Q with FE weights; for FE/EE models I² = max(0, (Q - df)/Q) and H² = Q/df;
  for random effects I² = tau² / (tau² + v) and H² = (tau² + v)/v, with the "typical" sampling
  variance v = (k - 1) / (Σw - Σw²/Σw), w = 1/vi (metafor's definition).
- The 95% prediction interval (k >= 3, random effects only) is μ ± c * sqrt(tau² + se²) where
  se is the standard error of μ as reported (so scaled under knha) and c is the normal quantile
  with test="z" and the t(k - 1) quantile with test="knha": exactly metafor's `predict()`.

Small-study effects (metafor `regtest()`): refused, with the reason, when k < 10 (Cochrane
Handbook 10.4.3.1). model="rma" (metafor's default) adds the standard error as a moderator to
the same random-effects model (same method and test); model="lm" is Egger's classical
weighted regression of yi on sei with weights 1/vi and a multiplicative dispersion (t, k - 2
df). Both report the limit estimate (the intercept, as sei -> 0) with its CI.

Vote counting (Cochrane Handbook 12.2.2.3): studies are counted by the direction of their
effect; an exact two-sided sign test (binomial, p = 0.5) compares the two directions, studies
with no direction left out.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from statistics import NormalDist

__all__ = [
    "Direction",
    "EggerModel",
    "EggerResult",
    "Effect",
    "Measure",
    "Method",
    "PooledResult",
    "RatioScale",
    "SynthesisError",
    "Test",
    "VoteCount",
    "back_transform",
    "egger_test",
    "hedges_j",
    "effect_from_ci",
    "effect_from_counts",
    "effect_from_se",
    "md_from_arms",
    "pool",
    "pool_effects",
    "ratio_scale",
    "sign_test_p",
    "smd_from_arms",
    "vote_count",
]


class SynthesisError(ValueError):
    """Input the engine cannot use, with a message a curator can act on."""


class Measure(StrEnum):
    MD = "MD"
    SMD = "SMD"
    RR = "RR"  # log risk ratio
    OR = "OR"  # log odds ratio
    RD = "RD"
    GENERIC = "GEN"  # an estimate taken from a report, on the scale it was reported

    @property
    def is_ratio(self) -> bool:
        """Ratio measures are pooled on the log scale and shown back-transformed."""
        return self in (Measure.RR, Measure.OR)


class Method(StrEnum):
    FE = "FE"
    EE = "EE"
    DL = "DL"
    PM = "PM"
    REML = "REML"

    @property
    def is_fixed(self) -> bool:
        return self in (Method.FE, Method.EE)


class Test(StrEnum):
    Z = "z"
    KNHA = "knha"


class EggerModel(StrEnum):
    RMA = "rma"
    LM = "lm"


class Direction(StrEnum):
    POSITIVE = "positive"  # effect above the null (e.g. favours the intervention, by convention)
    NEGATIVE = "negative"
    NONE = "none"  # no clear direction (exactly null, or not reported): left out of the test


# metafor's control defaults for rma.uni()
REML_THRESHOLD = 1e-5
REML_MAXITER = 100
_LL_TOL = 2.220446049250313e-16**0.25  # .Machine$double.eps^0.25, metafor's con$tol
EGGER_MIN_K = 10


# ---------------------------------------------------------------------------------------------
# Distributions (pure math; the tests check them against scipy)

_NORMAL = NormalDist()


def _norm_sf(z: float) -> float:
    return 0.5 * math.erfc(z / math.sqrt(2.0))


def _norm_ppf(p: float) -> float:
    return _NORMAL.inv_cdf(p)


def _betacf(a: float, b: float, x: float) -> float:
    """Continued fraction for the regularised incomplete beta (Lentz's method)."""
    tiny = 1e-300
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c = 1.0
    d = 1.0 - qab * x / qap
    d = tiny if abs(d) < tiny else d
    d = 1.0 / d
    h = d
    for m in range(1, 10_000):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        d = tiny if abs(d) < tiny else d
        c = 1.0 + aa / c
        c = tiny if abs(c) < tiny else c
        d = 1.0 / d
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        d = tiny if abs(d) < tiny else d
        c = 1.0 + aa / c
        c = tiny if abs(c) < tiny else c
        d = 1.0 / d
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < 1e-15:
            break
    return h


def _betainc(a: float, b: float, x: float) -> float:
    """Regularised incomplete beta I_x(a, b)."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    log_front = (
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    )
    front = math.exp(log_front)
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _betacf(a, b, x) / a
    return 1.0 - front * _betacf(b, a, 1.0 - x) / b


def _t_sf(t: float, df: float) -> float:
    """P(T > t) for Student's t with df degrees of freedom."""
    tail = 0.5 * _betainc(df / 2.0, 0.5, df / (df + t * t))
    return tail if t >= 0 else 1.0 - tail


def _t_ppf(p: float, df: float) -> float:
    """Quantile of Student's t (bisection on the cdf, to machine precision)."""
    if not 0.0 < p < 1.0:
        raise SynthesisError("A quantile needs a probability strictly between 0 and 1.")
    if p == 0.5:
        return 0.0
    target = 1.0 - p  # the upper-tail probability of the quantile
    lo, hi = -1.0, 1.0
    while _t_sf(hi, df) > target:
        hi *= 2.0
    while _t_sf(lo, df) < target:
        lo *= 2.0
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if _t_sf(mid, df) > target:
            lo = mid
        else:
            hi = mid
        if hi - lo <= 1e-15 * max(1.0, abs(mid)):
            break
    return 0.5 * (lo + hi)


def _gammainc_upper(s: float, x: float) -> float:
    """Regularised upper incomplete gamma Q(s, x)."""
    if x <= 0.0:
        return 1.0
    log_front = -x + s * math.log(x) - math.lgamma(s)
    if x < s + 1.0:
        term = total = 1.0 / s
        ap = s
        for _ in range(10_000):
            ap += 1.0
            term *= x / ap
            total += term
            if abs(term) < abs(total) * 1e-16:
                break
        return 1.0 - total * math.exp(log_front)
    tiny = 1e-300
    b = x + 1.0 - s
    c = 1.0 / tiny
    d = 1.0 / b
    h = d
    for i in range(1, 10_000):
        an = -i * (i - s)
        b += 2.0
        d = an * d + b
        d = tiny if abs(d) < tiny else d
        c = b + an / c
        c = tiny if abs(c) < tiny else c
        d = 1.0 / d
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < 1e-16:
            break
    return math.exp(log_front) * h


def _chi2_sf(q: float, df: float) -> float:
    return _gammainc_upper(df / 2.0, q / 2.0)


def _two_sided_p(stat: float, df: int | None) -> float:
    if df is None:
        return 2.0 * _norm_sf(abs(stat))
    return 2.0 * _t_sf(abs(stat), df)


def _critical(level: float, df: int | None) -> float:
    upper = 1.0 - (1.0 - level) / 2.0
    return _norm_ppf(upper) if df is None else _t_ppf(upper, df)


# ---------------------------------------------------------------------------------------------
# Effect sizes


@dataclass(frozen=True)
class Effect:
    """One study's effect size and its sampling variance, on the analysis scale (log scale for
    ratio measures)."""

    yi: float
    vi: float
    measure: Measure

    @property
    def sei(self) -> float:
        return math.sqrt(self.vi)


def _finite(name: str, value: float) -> float:
    if not math.isfinite(value):
        raise SynthesisError(f"{name} must be a finite number, not {value!r}.")
    return float(value)


def _positive_n(name: str, n: float) -> float:
    _finite(name, n)
    if n <= 0:
        raise SynthesisError(f"{name} must be a positive group size, not {n!r}.")
    return float(n)


def _positive_sd(name: str, sd: float) -> float:
    _finite(name, sd)
    if sd <= 0:
        raise SynthesisError(f"{name} must be a standard deviation above 0, not {sd!r}.")
    return float(sd)


def _checked_vi(vi: float) -> float:
    _finite("The sampling variance", vi)
    if vi <= 0:
        raise SynthesisError(f"A sampling variance must be above 0, not {vi!r}.")
    return float(vi)


def md_from_arms(*, m1: float, sd1: float, n1: float, m2: float, sd2: float, n2: float) -> Effect:
    """Mean difference (group 1 minus group 2) and its variance sd1²/n1 + sd2²/n2."""
    _finite("The mean of group 1", m1)
    _finite("The mean of group 2", m2)
    s1, s2 = _positive_sd("SD of group 1", sd1), _positive_sd("SD of group 2", sd2)
    k1, k2 = _positive_n("n of group 1", n1), _positive_n("n of group 2", n2)
    return Effect(yi=m1 - m2, vi=s1**2 / k1 + s2**2 / k2, measure=Measure.MD)


def hedges_j(m: float) -> float:
    """metafor's exact small-sample correction J(m) = Γ(m/2) / (sqrt(m/2) Γ((m-1)/2))."""
    if m <= 1:
        raise SynthesisError("Hedges' correction needs more than 3 participants in all.")
    return math.exp(
        math.lgamma(m / 2.0) - math.log(math.sqrt(m / 2.0)) - math.lgamma((m - 1) / 2.0)
    )


def smd_from_arms(*, m1: float, sd1: float, n1: float, m2: float, sd2: float, n2: float) -> Effect:
    """Hedges' g (pooled SD, exact J) and metafor's large-sample variance (vtype "LS")."""
    _finite("The mean of group 1", m1)
    _finite("The mean of group 2", m2)
    s1, s2 = _positive_sd("SD of group 1", sd1), _positive_sd("SD of group 2", sd2)
    k1, k2 = _positive_n("n of group 1", n1), _positive_n("n of group 2", n2)
    m = k1 + k2 - 2
    if m <= 1:
        raise SynthesisError("A standardised mean difference needs more than 3 participants.")
    sdp = math.sqrt(((k1 - 1) * s1**2 + (k2 - 1) * s2**2) / m)
    g = hedges_j(m) * (m1 - m2) / sdp
    return Effect(yi=g, vi=1 / k1 + 1 / k2 + g**2 / (2 * (k1 + k2)), measure=Measure.SMD)


def effect_from_counts(
    measure: Measure | str,
    *,
    events1: float,
    total1: float,
    events2: float,
    total2: float,
    add: float = 0.5,
) -> Effect:
    """log RR, log OR or RD of group 1 against group 2 from events and group sizes.

    When any of the four cells (events and non-events in each group) is 0, `add` is added to all
    four (metafor's add=1/2, to="only0"). A table with no events in either group, or only
    events in both, still gets the correction (metafor's default drop00=FALSE).
    """
    m = _measure(measure)
    if m not in (Measure.RR, Measure.OR, Measure.RD):
        raise SynthesisError(f"Counts give RR, OR or RD, not {m.value}.")
    for name, value in (
        ("events in group 1", events1),
        ("total of group 1", total1),
        ("events in group 2", events2),
        ("total of group 2", total2),
    ):
        _finite(name.capitalize(), value)
        if value < 0:
            raise SynthesisError(f"The {name} cannot be negative ({value!r}).")
    if events1 > total1:
        raise SynthesisError(f"Group 1 has more events ({events1:g}) than people ({total1:g}).")
    if events2 > total2:
        raise SynthesisError(f"Group 2 has more events ({events2:g}) than people ({total2:g}).")
    if total1 == 0 or total2 == 0:
        raise SynthesisError("Each group needs at least one person.")
    a, b, c, d = events1, total1 - events1, events2, total2 - events2
    if min(a, b, c, d) == 0:
        a, b, c, d = a + add, b + add, c + add, d + add
    n1, n2 = a + b, c + d
    p1, p2 = a / n1, c / n2
    try:
        if m is Measure.RR:
            yi, vi = math.log(p1 / p2), 1 / a - 1 / n1 + 1 / c - 1 / n2
        elif m is Measure.OR:
            yi, vi = math.log(a * d / (b * c)), 1 / a + 1 / b + 1 / c + 1 / d
        else:
            yi, vi = p1 - p2, p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2
    except (ValueError, ZeroDivisionError) as exc:
        raise SynthesisError(f"The counts give no {m.value} (a zero cell with add=0?).") from exc
    if vi <= 0:
        raise SynthesisError(f"The counts give a {m.value} with no sampling variance.")
    return Effect(yi=yi, vi=vi, measure=m)


def effect_from_ci(
    estimate: float,
    ci_low: float,
    ci_high: float,
    *,
    measure: Measure | str = Measure.GENERIC,
    level: float = 0.95,
) -> Effect:
    """The effect and variance behind a reported estimate and its (symmetric) CI.

    Ratio measures (RR, OR) are given on the ratio scale and analysed on the log scale.
    """
    m = _measure(measure)
    for name, value in (("estimate", estimate), ("lower limit", ci_low), ("upper limit", ci_high)):
        _finite(f"The {name}", value)
    if not 0 < level < 1:
        raise SynthesisError(f"A CI level is between 0 and 1, not {level!r}.")
    if not ci_low <= estimate <= ci_high:
        raise SynthesisError(
            f"The CI {ci_low:g} to {ci_high:g} does not contain its estimate {estimate:g}."
        )
    if ci_low == ci_high:
        raise SynthesisError("A CI with equal limits has no width, so no sampling variance.")
    if m.is_ratio:
        if ci_low <= 0:
            raise SynthesisError(f"A {m.value} and its CI must be above 0.")
        y, lo, hi = math.log(estimate), math.log(ci_low), math.log(ci_high)
    else:
        y, lo, hi = float(estimate), float(ci_low), float(ci_high)
    se = (hi - lo) / (2 * _norm_ppf(1 - (1 - level) / 2))
    return Effect(yi=y, vi=_checked_vi(se**2), measure=m)


def effect_from_se(
    estimate: float, se: float, *, measure: Measure | str = Measure.GENERIC
) -> Effect:
    """The effect and variance from a reported estimate and its SE (SE on the analysis scale,
    i.e. of the log ratio for RR/OR; the estimate of a ratio on the ratio scale)."""
    m = _measure(measure)
    _finite("The estimate", estimate)
    _finite("The standard error", se)
    if se <= 0:
        raise SynthesisError(f"A standard error must be above 0, not {se!r}.")
    if m.is_ratio:
        if estimate <= 0:
            raise SynthesisError(f"A {m.value} must be above 0.")
        return Effect(yi=math.log(estimate), vi=se**2, measure=m)
    return Effect(yi=float(estimate), vi=se**2, measure=m)


def _measure(measure: Measure | str) -> Measure:
    try:
        return Measure(measure)
    except ValueError:
        known = ", ".join(m.value for m in Measure)
        raise SynthesisError(f"Unknown measure {measure!r}; use one of {known}.") from None


# ---------------------------------------------------------------------------------------------
# Small linear algebra (k studies x p <= 2 columns; no numpy needed)


Matrix = list[list[float]]


def _inv(a: Matrix) -> Matrix:
    """Inverse of a small symmetric positive-definite matrix (Gauss-Jordan)."""
    n = len(a)
    aug = [row[:] + [1.0 if i == j else 0.0 for j in range(n)] for i, row in enumerate(a)]
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(aug[r][col]))
        if abs(aug[pivot][col]) < 1e-300:
            raise SynthesisError("The model cannot be fitted (its design is singular).")
        aug[col], aug[pivot] = aug[pivot], aug[col]
        piv = aug[col][col]
        aug[col] = [v / piv for v in aug[col]]
        for r in range(n):
            if r != col:
                f = aug[r][col]
                aug[r] = [v - f * w for v, w in zip(aug[r], aug[col], strict=True)]
    return [row[n:] for row in aug]


def _xtwx(x: Matrix, w: Sequence[float]) -> Matrix:
    p = len(x[0])
    return [
        [sum(w[i] * x[i][a] * x[i][b] for i in range(len(x))) for b in range(p)] for a in range(p)
    ]


def _wls(x: Matrix, y: Sequence[float], w: Sequence[float]) -> tuple[list[float], Matrix]:
    """Weighted least squares: beta and (X'WX)^-1."""
    p = len(x[0])
    inv = _inv(_xtwx(x, w))
    xty = [sum(w[i] * x[i][a] * y[i] for i in range(len(x))) for a in range(p)]
    beta = [sum(inv[a][b] * xty[b] for b in range(p)) for a in range(p)]
    return beta, inv


def _p_matrix(x: Matrix, w: Sequence[float]) -> Matrix:
    """P = W - W X (X'WX)^-1 X' W."""
    k, p = len(x), len(x[0])
    inv = _inv(_xtwx(x, w))
    # H = X inv X'
    xinv = [[sum(x[i][a] * inv[a][b] for a in range(p)) for b in range(p)] for i in range(k)]
    return [
        [
            (w[i] if i == j else 0.0) - w[i] * w[j] * sum(xinv[i][b] * x[j][b] for b in range(p))
            for j in range(k)
        ]
        for i in range(k)
    ]


def _quad(pm: Matrix, y: Sequence[float]) -> float:
    return sum(y[i] * pm[i][j] * y[j] for i in range(len(y)) for j in range(len(y)))


def _trace(pm: Matrix) -> float:
    return sum(pm[i][i] for i in range(len(pm)))


def _matmul(a: Matrix, b: Matrix) -> Matrix:
    n = len(b)
    return [
        [sum(a[i][t] * b[t][j] for t in range(n)) for j in range(len(b[0]))] for i in range(len(a))
    ]


def _q_stat(x: Matrix, y: Sequence[float], w: Sequence[float]) -> float:
    beta, _ = _wls(x, y, w)
    fitted = [sum(x[i][a] * beta[a] for a in range(len(beta))) for i in range(len(y))]
    return sum(w[i] * (y[i] - fitted[i]) ** 2 for i in range(len(y)))


# ---------------------------------------------------------------------------------------------
# tau² estimators


def _tau2_dl(x: Matrix, y: Sequence[float], vi: Sequence[float]) -> float:
    w = [1 / v for v in vi]
    pm = _p_matrix(x, w)
    k, p = len(y), len(x[0])
    return max(0.0, (_quad(pm, y) - (k - p)) / _trace(pm))


def _tau2_pm(x: Matrix, y: Sequence[float], vi: Sequence[float]) -> float:
    k, p = len(y), len(x[0])
    target = float(k - p)

    def q_of(t2: float) -> float:
        return _q_stat(x, y, [1 / (v + t2) for v in vi])

    if q_of(0.0) <= target:
        return 0.0
    hi = 100.0
    while q_of(hi) > target:
        hi *= 2.0
        if hi > 1e15:
            raise SynthesisError("Paule-Mandel tau² could not be bracketed.")
    lo = 0.0
    for _ in range(400):
        mid = 0.5 * (lo + hi)
        if q_of(mid) > target:
            lo = mid
        else:
            hi = mid
        if hi - lo <= 1e-12 * max(1.0, hi):
            break
    return 0.5 * (lo + hi)


def _reml_loglik(x: Matrix, y: Sequence[float], vi: Sequence[float], t2: float) -> float:
    w = [1 / (v + t2) for v in vi]
    k, p = len(y), len(x[0])
    xtwx = _xtwx(x, w)
    logdet = (
        math.log(xtwx[0][0])
        if p == 1
        else math.log(xtwx[0][0] * xtwx[1][1] - xtwx[0][1] * xtwx[1][0])
    )
    return (
        -0.5 * (k - p) * math.log(2 * math.pi)
        - 0.5 * sum(math.log(v + t2) for v in vi)
        - 0.5 * logdet
        - 0.5 * _q_stat(x, y, w)
    )


def _tau2_reml(x: Matrix, y: Sequence[float], vi: Sequence[float]) -> float:
    k, p = len(y), len(x[0])
    # Hedges (HE) estimate as the starting value, as metafor does
    p0 = _p_matrix(x, [1.0] * k)
    he = (_quad(p0, y) - sum(p0[i][i] * vi[i] for i in range(k))) / (k - p)
    t2 = max(0.0, he)
    change = REML_THRESHOLD + 1
    iterations = 0
    while change > REML_THRESHOLD:
        iterations += 1
        old = t2
        pm = _p_matrix(x, [1 / (v + t2) for v in vi])
        pp = _matmul(pm, pm)
        adj = (_quad(pp, y) - _trace(pm)) / _trace(pp)
        while t2 + adj < 0:
            adj /= 2
        t2 += adj
        change = abs(old - t2)
        if iterations > REML_MAXITER:
            raise SynthesisError("REML (Fisher scoring) did not converge in 100 iterations.")
    if _reml_loglik(x, y, vi, 0.0) - _reml_loglik(x, y, vi, t2) > _LL_TOL and t2 > REML_THRESHOLD:
        t2 = 0.0
    return max(0.0, t2)


def _se_tau2(method: Method, x: Matrix, vi: Sequence[float], t2: float) -> float | None:
    k, p = len(vi), len(x[0])
    if method is Method.REML:
        pm = _p_matrix(x, [1 / (v + t2) for v in vi])
        return math.sqrt(2 / sum(pm[i][j] ** 2 for i in range(k) for j in range(k)))
    if method is Method.DL:
        pm = _p_matrix(x, [1 / v for v in vi])
        tr = _trace(pm)
        ss = sum(pm[i][j] ** 2 for i in range(k) for j in range(k))
        return math.sqrt((2 * (k - p) + 4 * t2 * tr + 2 * t2**2 * ss) / tr**2)
    if method is Method.PM:
        sw = sum(1 / (v + t2) for v in vi)
        return math.sqrt(2 * k**2 / (k - p) / sw**2)
    return None


# ---------------------------------------------------------------------------------------------
# Model fitting


@dataclass(frozen=True)
class _Fit:
    beta: list[float]
    vb: Matrix
    tau2: float
    df: int | None
    weights: list[float]


def _fit(y: Sequence[float], vi: Sequence[float], x: Matrix, method: Method, test: Test) -> _Fit:
    if method.is_fixed:
        t2 = 0.0
    elif method is Method.DL:
        t2 = _tau2_dl(x, y, vi)
    elif method is Method.PM:
        t2 = _tau2_pm(x, y, vi)
    else:
        t2 = _tau2_reml(x, y, vi)
    w = [1 / (v + t2) for v in vi]
    beta, vb = _wls(x, y, w)
    k, p = len(y), len(x[0])
    df: int | None = None
    if test is Test.KNHA:
        rss = _q_stat(x, y, w)
        s2w = 0.0 if rss <= 2.220446049250313e-16 else rss / (k - p)
        vb = [[s2w * v for v in row] for row in vb]
        df = k - p
    return _Fit(beta=beta, vb=vb, tau2=t2, df=df, weights=w)


@dataclass(frozen=True)
class PooledResult:
    """An inverse-variance pooled estimate, on the analysis scale (log scale for ratios)."""

    method: Method
    test: Test
    k: int
    level: float
    estimate: float
    se: float
    statistic: float  # z, or t when test is knha
    df: int | None  # k - 1 under knha, None under z
    p_value: float
    ci_low: float
    ci_high: float
    tau2: float
    tau: float
    se_tau2: float | None  # None for FE/EE
    i2: float  # percent
    h2: float
    q: float
    q_df: int
    q_p: float
    weights: tuple[float, ...]  # percent of the total weight, in input order
    pi_low: float | None  # prediction interval; None for FE/EE and when k < 3
    pi_high: float | None


def _checked_inputs(yi: Sequence[float], vi: Sequence[float]) -> tuple[list[float], list[float]]:
    if len(yi) != len(vi):
        raise SynthesisError(f"{len(yi)} effects but {len(vi)} sampling variances.")
    y = [_finite("An effect size", v) for v in yi]
    v = [_checked_vi(x) for x in vi]
    return y, v


def _method(method: Method | str) -> Method:
    try:
        return Method(method)
    except ValueError:
        known = ", ".join(m.value for m in Method)
        raise SynthesisError(f"Unknown method {method!r}; use one of {known}.") from None


def _test(test: Test | str) -> Test:
    try:
        return Test(test)
    except ValueError:
        raise SynthesisError(f"Unknown test {test!r}; use 'z' or 'knha'.") from None


def pool(
    yi: Sequence[float],
    vi: Sequence[float],
    *,
    method: Method | str = Method.REML,
    test: Test | str = Test.Z,
    level: float = 0.95,
) -> PooledResult:
    """Pool k >= 2 effects (metafor `rma(yi, vi, method=..., test=...)` plus `predict()`)."""
    m, t = _method(method), _test(test)
    y, v = _checked_inputs(yi, vi)
    k = len(y)
    if k < 2:
        raise SynthesisError(f"Pooling needs at least 2 studies; got {k}.")
    if not 0 < level < 1:
        raise SynthesisError(f"A CI level is between 0 and 1, not {level!r}.")
    x: Matrix = [[1.0] for _ in range(k)]
    fit = _fit(y, v, x, m, t)
    est = fit.beta[0]
    se = math.sqrt(fit.vb[0][0])
    stat = est / se if se > 0 else math.inf if est else 0.0
    crit = _critical(level, fit.df)

    w_fe = [1 / s for s in v]
    q = _q_stat(x, y, w_fe)
    q_df = k - 1
    if m.is_fixed:
        i2 = max(0.0, 100 * (q - q_df) / q) if q > 0 else 0.0
        h2 = q / q_df
    else:
        sw = sum(w_fe)
        vt = q_df / (sw - sum(w * w for w in w_fe) / sw)
        i2 = 100 * fit.tau2 / (vt + fit.tau2)
        h2 = fit.tau2 / vt + 1
    total_w = sum(fit.weights)
    pi_low = pi_high = None
    if not m.is_fixed and k >= 3:
        pi_se = math.sqrt(se**2 + fit.tau2)
        pi_low, pi_high = est - crit * pi_se, est + crit * pi_se
    return PooledResult(
        method=m,
        test=t,
        k=k,
        level=level,
        estimate=est,
        se=se,
        statistic=stat,
        df=fit.df,
        p_value=_two_sided_p(stat, fit.df),
        ci_low=est - crit * se,
        ci_high=est + crit * se,
        tau2=fit.tau2,
        tau=math.sqrt(fit.tau2),
        se_tau2=_se_tau2(m, x, v, fit.tau2),
        i2=i2,
        h2=h2,
        q=q,
        q_df=q_df,
        q_p=_chi2_sf(q, q_df),
        weights=tuple(100 * w / total_w for w in fit.weights),
        pi_low=pi_low,
        pi_high=pi_high,
    )


def pool_effects(
    effects: Sequence[Effect],
    *,
    method: Method | str = Method.REML,
    test: Test | str = Test.Z,
    level: float = 0.95,
) -> PooledResult:
    """`pool()` on Effect values, which must all be of one measure."""
    measures = {e.measure for e in effects}
    if len(measures) > 1:
        names = ", ".join(sorted(mm.value for mm in measures))
        raise SynthesisError(f"Effects of different measures ({names}) cannot be pooled.")
    return pool(
        [e.yi for e in effects], [e.vi for e in effects], method=method, test=test, level=level
    )


def back_transform(value: float) -> float:
    """A log ratio back on the ratio scale."""
    return math.exp(value)


@dataclass(frozen=True)
class RatioScale:
    """A pooled log ratio shown as a ratio (metafor `predict(res, transf=exp)`)."""

    estimate: float
    ci_low: float
    ci_high: float
    pi_low: float | None
    pi_high: float | None


def ratio_scale(result: PooledResult) -> RatioScale:
    return RatioScale(
        estimate=math.exp(result.estimate),
        ci_low=math.exp(result.ci_low),
        ci_high=math.exp(result.ci_high),
        pi_low=None if result.pi_low is None else math.exp(result.pi_low),
        pi_high=None if result.pi_high is None else math.exp(result.pi_high),
    )


# ---------------------------------------------------------------------------------------------
# Egger's regression test


@dataclass(frozen=True)
class EggerResult:
    """Egger's test for funnel-plot asymmetry, or why it was not run."""

    performed: bool
    reason: str  # why it was refused; "" when performed
    model: EggerModel
    k: int
    statistic: float | None  # z, or t (lm model, or rma with knha)
    df: int | None
    p_value: float | None
    limit_estimate: float | None  # intercept: the effect as the standard error goes to 0
    limit_ci_low: float | None
    limit_ci_high: float | None


def egger_test(
    yi: Sequence[float],
    vi: Sequence[float],
    *,
    model: EggerModel | str = EggerModel.RMA,
    method: Method | str = Method.REML,
    test: Test | str = Test.Z,
    level: float = 0.95,
    min_k: int = EGGER_MIN_K,
) -> EggerResult:
    """metafor `regtest(res)` (model="rma", predictor "sei", the same method and test as `res`)
    or `regtest(res, model="lm")` (Egger's classical test). Refused when k < min_k (10)."""
    try:
        mdl = EggerModel(model)
    except ValueError:
        raise SynthesisError(f"Unknown Egger model {model!r}; use 'rma' or 'lm'.") from None
    m, t = _method(method), _test(test)
    y, v = _checked_inputs(yi, vi)
    k = len(y)
    if k < min_k:
        return EggerResult(
            performed=False,
            reason=(
                f"Only {k} studies: tests for funnel plot asymmetry should be used only when "
                f"there are at least {min_k} studies (Cochrane Handbook 10.4.3.1), as with "
                "fewer the power is too low to tell chance from real asymmetry."
            ),
            model=mdl,
            k=k,
            statistic=None,
            df=None,
            p_value=None,
            limit_estimate=None,
            limit_ci_low=None,
            limit_ci_high=None,
        )
    x: Matrix = [[1.0, math.sqrt(s)] for s in v]
    if mdl is EggerModel.LM:
        fit = _fit(y, v, x, Method.FE, Test.KNHA)
    else:
        fit = _fit(y, v, x, m, t)
    b0, b1 = fit.beta
    se0, se1 = math.sqrt(fit.vb[0][0]), math.sqrt(fit.vb[1][1])
    stat = b1 / se1
    crit = _critical(level, fit.df)
    return EggerResult(
        performed=True,
        reason="",
        model=mdl,
        k=k,
        statistic=stat,
        df=fit.df,
        p_value=_two_sided_p(stat, fit.df),
        limit_estimate=b0,
        limit_ci_low=b0 - crit * se0,
        limit_ci_high=b0 + crit * se0,
    )


# ---------------------------------------------------------------------------------------------
# Vote counting


@dataclass(frozen=True)
class VoteCount:
    """Studies counted by direction of effect, with an exact two-sided sign test."""

    positive: int
    negative: int
    no_direction: int  # left out of the test
    n: int  # positive + negative
    p_value: float  # 1.0 when n == 0


def sign_test_p(successes: int, n: int) -> float:
    """Exact two-sided binomial test of p = 0.5: the probability of a split at least as
    uneven as the one seen."""
    if n < 0 or not 0 <= successes <= n:
        raise SynthesisError("A sign test needs 0 <= successes <= n.")
    if n == 0:
        return 1.0
    low = min(successes, n - successes)
    tail = sum(math.comb(n, i) for i in range(low + 1))
    return min(1.0, 2 * tail / (1 << n))


def vote_count(directions: Sequence[Direction | str]) -> VoteCount:
    """Count directions (Cochrane Handbook 12.2.2.3) and run the sign test on those with one."""
    counted: list[Direction] = []
    for d in directions:
        try:
            counted.append(Direction(d))
        except ValueError:
            known = ", ".join(x.value for x in Direction)
            raise SynthesisError(f"Unknown direction {d!r}; use one of {known}.") from None
    pos = sum(1 for d in counted if d is Direction.POSITIVE)
    neg = sum(1 for d in counted if d is Direction.NEGATIVE)
    return VoteCount(
        positive=pos,
        negative=neg,
        no_direction=len(counted) - pos - neg,
        n=pos + neg,
        p_value=sign_test_p(pos, pos + neg),
    )
