"""One claim's assessment: from plain rows (results, pooled estimates, links) to a stored grade.

Pure: no Django, no models. The regrade service (evidence.services) reads the rows from the
database in a fixed number of queries and hands them here as the frozen dataclasses below; this
module decides what is pooled, what stands in for what, grades every Summary-of-Findings row
with the GRADE engine (evidence.certainty) and the claim by its kind, and returns an
`Assessment`: the fields the claim stores and `detail`, the JSON the claim page draws
(its schema: docs/grading.md, "What the claim page reads").

What it promises, per comparison x outcome row:
- Results are pooled only when comparison, outcome and measure agree (never by unit alone), and
  only one result per study (the latest timepoint). At least two usable results (an estimate with
  its CI or SE, or arm numbers) are pooled in the app: REML random effects, metafor's default,
  with a prediction interval from k >= 3, leave-one-out pools for fragility, and Egger's test
  from k >= 10. Every result left out says why.
- Otherwise a published review's pooled estimate for the same comparison and outcome stands in
  (the newest with a CI). Primary studies are never added beside it (the review's estimate stands
  in for them; whether it pooled them is listed); other reviews' pools are listed.
- Otherwise the studies are counted by direction of effect (Cochrane Handbook 12.2.2.3).
- A benchmark comparison (an accepted treatment on the same outcome) is shown beside the row,
  never pooled.
- Participants for imprecision are the comparison's own: the analysis's participants when the
  review states them, else the trials of this comparison in this evidence base; never a
  review's or a network's total.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from evidence import certainty as gr
from evidence import synthesis as syn

# One method for every pool made in the app: REML, metafor's default for rma().
POOL_METHOD = syn.Method.REML
POOL_LABEL = "Pooled in this app (REML random effects)"

PRECLINICAL = frozenset({"animal", "in_vitro"})
REVIEW_DESIGNS = frozenset({"systematic_review_meta_analysis", "systematic_review"})

DOMAIN_LABELS = {
    "risk_of_bias": "Risk of bias",
    "inconsistency": "Inconsistency",
    "indirectness": "Indirectness",
    "imprecision": "Imprecision",
    "publication_bias": "Publication bias",
    "large_effect": "Large effect",
    "dose_response": "Dose-response gradient",
    "plausible_confounding": "Plausible confounding",
}

NOTHING_TO_GRADE = "No published study bears on this claim, so there is nothing to grade."

# A claim with no outcome rows is graded from its linked studies, counted by direction.
LINKED_STUDIES = "The studies linked to this claim, counted by the direction of their findings"
LINKED_OUTCOME = "What this claim describes"

# A link's direction, read as the direction of a study's effect for vote counting.
LINK_DIRECTIONS = {
    "supports": gr.Direction.FAVOURS_INTERVENTION,
    "contradicts": gr.Direction.FAVOURS_COMPARATOR,
    "mixed": gr.Direction.NO_DIFFERENCE,
}


# --- Inputs ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ResultRow:
    """One published study's result for a comparison and outcome."""

    study_id: int
    label: str
    design: str
    participants: int | None
    measure: str
    timepoint_weeks: int | None = None
    estimate: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    se: float | None = None
    n1: int | None = None
    mean1: float | None = None
    sd1: float | None = None
    n2: int | None = None
    mean2: float | None = None
    sd2: float | None = None
    events1: int | None = None
    total1: int | None = None
    events2: int | None = None
    total2: int | None = None
    direction: str = ""
    risk_of_bias: str = "not_assessed"
    indirect_population: bool = False
    indirect_intervention: bool = False
    indirect_comparator: bool = False
    indirect_outcome: bool = False


@dataclass(frozen=True)
class PooledRow:
    """A pooled estimate a published review reports."""

    review_id: int
    label: str
    year: int
    measure: str
    estimate: float
    ci_low: float | None
    ci_high: float | None
    k: int | None
    participants: int | None
    i2: float | None
    tau2: float | None
    risk_of_bias: str = "not_assessed"
    included_ids: tuple[int, ...] = ()
    note: str = ""


@dataclass(frozen=True)
class QuestionRow:
    """One Summary-of-Findings row: a comparison and an outcome, with what bears on it."""

    comparison: str
    comparison_role: str
    outcome: str
    unit: str
    outcome_kind: str
    benefit: str
    importance: str
    mid: float | None = None
    mid_source: str = ""
    results: tuple[ResultRow, ...] = ()
    pooled: tuple[PooledRow, ...] = ()
    benchmarks: tuple[tuple[str, ResultRow], ...] = ()  # (comparison label, result)


@dataclass(frozen=True)
class LinkRow:
    """A published study linked to the claim, with what it shows about it."""

    study_id: int
    label: str
    design: str
    participants: int | None
    risk_of_bias: str
    direction: str
    indirect: bool = False


@dataclass(frozen=True)
class RelatedClaim:
    slug: str
    statement: str
    certainty: str  # the stored certainty: high … very_low, or none


@dataclass(frozen=True)
class ClaimInput:
    kind: str
    statement: str
    intervention_role: str = "alone"
    questions: tuple[QuestionRow, ...] = ()
    links: tuple[LinkRow, ...] = ()
    related: tuple[RelatedClaim, ...] = ()
    publication_bias_suspected: bool = False
    large_effect: bool = False
    dose_response: bool = False


@dataclass(frozen=True)
class Assessment:
    """What the claim stores: the grade fields and the detail the page draws."""

    certainty: str  # high, moderate, low, very_low, or none
    direction: str  # supported, contradicted, mixed, inconclusive, or ""
    preclinical_only: bool
    sort_strength: str  # A, B, C or ""
    rationale: tuple[str, ...]
    detail: dict[str, Any] = field(default_factory=dict)


# --- The claim ---------------------------------------------------------------------------------


def assess(claim: ClaimInput) -> Assessment:
    """Grade one claim by its kind, each Summary-of-Findings row by GRADE."""
    kind = gr.ClaimKind(claim.kind)
    rows: list[dict[str, Any]] = []
    grades: list[gr.OutcomeGrade] = []
    graded_rows: list[dict[str, Any]] = []
    if kind in (gr.ClaimKind.EFFECT, gr.ClaimKind.MECHANISM):
        questions = [q for q in claim.questions if q.importance != gr.Importance.NOT_IMPORTANT]
        for question in sorted(questions, key=_importance_rank):
            row, grade = _assess_question_shared(_QuestionContext.of(claim), question)
            rows.append(row)
            if grade is not None:
                grades.append(grade)
                graded_rows.append(row)
        if not grades:
            row, grade = _assess_links(claim, kind)
            if grade is not None:
                rows.append(row)
                grades.append(grade)
                graded_rows.append(row)

    contradicting = [link.label for link in claim.links if link.direction == "contradicts"]
    related = [r for r in claim.related if r.certainty in gr.LEVELS]
    result = gr.grade_claim(
        kind,
        grades,
        related_certainties=[gr.Certainty(r.certainty) for r in related],
        contradicted_by_definitions=bool(contradicting),
        definition_sources=contradicting or [link.label for link in claim.links],
    )
    sources = list(result.sources)
    if kind == gr.ClaimKind.BACKGROUND:
        sources = [link.label for link in claim.links]

    setting = _setting_row(result, grades, graded_rows)
    statement = _bottom_line(kind, result, setting)
    direction = _direction(kind, result, setting)
    # "Preclinical only" speaks of a graded body of evidence, never of a definition or a fact.
    preclinical = bool(graded_rows) and all(r.get("_preclinical", False) for r in graded_rows)
    for row in rows:
        row.pop("_preclinical", None)

    certainty = result.certainty.value if result.certainty else "none"
    rationale = [*result.reasons]
    if kind in (gr.ClaimKind.EFFECT, gr.ClaimKind.MECHANISM) and not grades:
        rationale = [NOTHING_TO_GRADE]
    for row in rows:
        if row["certainty"] is None:
            rationale.append(f"{row['outcome']} ({row['comparison']}): no study measured it.")
            continue
        words = row["certainty"].replace("_", " ")
        rationale.append(f"{row['outcome']} ({row['comparison']}): {words} certainty.")
        for domain in row["domains"]:
            if domain["levels"]:
                sign = "+" if domain["levels"] > 0 else gr.MINUS
                rationale.append(
                    f"  {sign}{abs(domain['levels'])} {domain['label'].lower()}: {domain['reason']}"
                )
    detail = {
        "version": 1,
        "kind": kind.value,
        "kind_label": kind.label,
        "graded": result.graded,
        "verdict": result.verdict,
        "statement": statement,
        "certainty": result.certainty.value if result.certainty else None,
        "set_by": f"{setting['outcome']}: {setting['comparison']}" if setting else "",
        "sort": result.sort.value if result.sort else None,
        "sort_label": result.sort_label,
        "reasons": list(result.reasons),
        "sources": sources,
        "related": [
            {"slug": r.slug, "statement": r.statement, "certainty": r.certainty}
            for r in claim.related
        ],
        "outcomes": [{k: v for k, v in row.items() if k != "title"} for row in rows],
    }
    return Assessment(
        certainty=certainty,
        direction=direction,
        preclinical_only=preclinical,
        sort_strength=result.sort.value if result.sort else "",
        rationale=tuple(rationale),
        detail=detail,
    )


def _importance_rank(question: QuestionRow) -> int:
    return [i.value for i in gr.Importance].index(question.importance)


def _setting_row(
    result: gr.ClaimGrade, grades: list[gr.OutcomeGrade], rows: list[dict[str, Any]]
) -> dict[str, Any] | None:
    """The row whose certainty sets the claim's: the first lowest among the critical outcomes
    (else the important ones), as certainty.grade_claim picks it. Several rows may share an
    outcome's name (hair count in two comparisons), so the row is found by position."""
    if not result.set_by:
        return None
    for importance in (gr.Importance.CRITICAL, gr.Importance.IMPORTANT):
        considered = [i for i, g in enumerate(grades) if g.importance == importance]
        if considered:
            lowest = min(considered, key=lambda i: gr.LEVELS.index(grades[i].certainty))
            return rows[lowest]
    return None


def _bottom_line(kind: gr.ClaimKind, result: gr.ClaimGrade, row: dict[str, Any] | None) -> str:
    if kind == gr.ClaimKind.BACKGROUND:
        return "Established background: an accepted fact of physiology or anatomy, not graded."
    if kind == gr.ClaimKind.DEFINITIONAL:
        return f"The claim is {result.verdict}."
    if kind == gr.ClaimKind.EVIDENCE_STATE:
        return f"Answered from this evidence base's own grades: {result.verdict}."
    if row is None:
        return "No study in this evidence base measured what this claim is about."
    sentence = row["statement"].rstrip(".")
    facts = []
    if row["effect"]:
        facts.append(row["effect"]["display"])
    if row["studies"]:
        facts.append(f"{row['studies']} {'study' if row['studies'] == 1 else 'studies'}")
    if row["participants"]:
        facts.append(f"{row['participants']} people")
    return f"{sentence} ({'; '.join(facts)})." if facts else f"{sentence}."


def _direction(kind: gr.ClaimKind, result: gr.ClaimGrade, row: dict[str, Any] | None) -> str:
    if kind == gr.ClaimKind.DEFINITIONAL:
        return "contradicted" if result.verdict.startswith("contradicted") else "supported"
    if kind == gr.ClaimKind.EVIDENCE_STATE:
        return "supported" if result.verdict.startswith("true") else "inconclusive"
    if kind == gr.ClaimKind.BACKGROUND or row is None:
        return ""
    good_up = row["_benefit"] == gr.Benefit.HIGHER
    effect, vote = row["effect"], row["vote"]
    if effect and effect["ci_low"] is not None and effect["ci_high"] is not None:
        null = 1.0 if row["plot"]["log"] else 0.0
        if effect["ci_low"] > null:
            return "supported" if good_up else "contradicted"
        if effect["ci_high"] < null:
            return "contradicted" if good_up else "supported"
        return "inconclusive"
    if vote:
        # Which way the studies point; how sure that is, is the certainty's job.
        # "Favours" already means better for patients, whichever way the outcome is measured.
        for_claim, against = vote["favour_intervention"], vote["favour_comparator"]
        if not good_up:
            # A claim of safety is not settled by which arm had more events: the page shows
            # the rates; the direction stays open.
            return "inconclusive"
        if for_claim and against and vote["p"] >= gr.SIGN_TEST_ALPHA:
            return "mixed"
        if for_claim > against:
            return "supported"
        if against > for_claim:
            return "contradicted"
        return "mixed" if for_claim else "inconclusive"
    return "inconclusive"


# --- One Summary-of-Findings row ---------------------------------------------------------------


def _question(
    claim: ClaimInput | _QuestionContext, q: QuestionRow, measure: gr.Measure
) -> gr.OutcomeQuestion:
    who, _, comparator = q.comparison.partition(" vs ")
    intervention, _, add_on_to = who.partition(" + ")
    if q.comparison_role != gr.InterventionRole.ADD_ON:
        intervention, add_on_to = who, ""
    return gr.OutcomeQuestion(
        name=q.outcome[:1].lower() + q.outcome[1:],
        intervention=intervention.strip().lower() or "the intervention",
        add_on_to=add_on_to.strip(),
        importance=gr.Importance(q.importance),
        kind=gr.OutcomeKind(q.outcome_kind),
        benefit=gr.Benefit(q.benefit),
        measure=measure,
        unit=q.unit,
        mid=q.mid,
        mid_source=q.mid_source,
        comparator=comparator.strip(),
        comparison_role=gr.InterventionRole(q.comparison_role),
        claim_role=gr.InterventionRole(claim.intervention_role),
        publication_bias_suspected=claim.publication_bias_suspected,
        large_effect=claim.large_effect,
        dose_response=claim.dose_response,
    )


def _latest_per_study(results: Sequence[ResultRow]) -> tuple[list[ResultRow], list[dict[str, str]]]:
    by_study: dict[int, list[ResultRow]] = {}
    for r in results:
        by_study.setdefault(r.study_id, []).append(r)
    kept, left = [], []
    for rows in by_study.values():
        rows = sorted(rows, key=lambda r: r.timepoint_weeks or 0)
        kept.append(rows[-1])
        for r in rows[:-1]:
            left.append(
                {"label": r.label, "reason": "an earlier timepoint of a study already counted"}
            )
    return kept, left


def _raw_effect_of(r: ResultRow) -> syn.Effect | None:
    measure = r.measure
    if measure == gr.Measure.DIRECTION_ONLY:
        return None
    try:
        if r.estimate is not None and r.ci_low is not None and r.ci_high is not None:
            return syn.effect_from_ci(r.estimate, r.ci_low, r.ci_high, measure=measure)
        if r.estimate is not None and r.se is not None:
            estimate = math.log(r.estimate) if measure in ("RR", "OR") else r.estimate
            return syn.effect_from_se(estimate, r.se, measure=measure)
        arms = (r.n1, r.mean1, r.sd1, r.n2, r.mean2, r.sd2)
        if measure in ("MD", "SMD") and all(v is not None for v in arms):
            build = syn.md_from_arms if measure == "MD" else syn.smd_from_arms
            return build(
                m1=float(r.mean1),  # type: ignore[arg-type]
                sd1=float(r.sd1),  # type: ignore[arg-type]
                n1=float(r.n1),  # type: ignore[arg-type]
                m2=float(r.mean2),  # type: ignore[arg-type]
                sd2=float(r.sd2),  # type: ignore[arg-type]
                n2=float(r.n2),  # type: ignore[arg-type]
            )
        counts = (r.events1, r.total1, r.events2, r.total2)
        if measure in ("RR", "OR", "RD") and all(v is not None for v in counts):
            return syn.effect_from_counts(
                measure,
                events1=float(r.events1),  # type: ignore[arg-type]
                total1=float(r.total1),  # type: ignore[arg-type]
                events2=float(r.events2),  # type: ignore[arg-type]
                total2=float(r.total2),  # type: ignore[arg-type]
            )
    except (syn.SynthesisError, ArithmeticError, ValueError):
        return None
    return None


def _effect_of(r: ResultRow) -> syn.Effect | None:
    """The study's effect on the analysis scale, or None when its numbers cannot give one
    (incomplete, impossible, or too extreme to compute with)."""
    effect = _raw_effect_of(r)
    if effect is None or not (math.isfinite(effect.yi) and math.isfinite(effect.vi)):
        return None
    return effect if effect.vi > 0 else None


def _direction_of(
    r: ResultRow, effect: syn.Effect | None, benefit: str = gr.Benefit.HIGHER
) -> gr.Direction | None:
    """Which group the result favours: the better one for patients, so for an outcome where
    lower is better (adverse events) an estimate above the null favours the comparator."""
    if r.direction:
        return gr.Direction(r.direction)
    if effect is not None:
        sign = effect.yi if benefit == gr.Benefit.HIGHER else -effect.yi
        if sign > 0:
            return gr.Direction.FAVOURS_INTERVENTION
        if sign < 0:
            return gr.Direction.FAVOURS_COMPARATOR
        return gr.Direction.NO_DIFFERENCE
    return None


# The 0.975 quantile of the standard normal distribution: a 95% CI is the estimate ± Z_95 * SE.
Z_95 = 1.959963984540054


def _ci95(effect: syn.Effect) -> tuple[float, float]:
    return effect.yi - Z_95 * effect.sei, effect.yi + Z_95 * effect.sei


def _total(counts: Sequence[int | None]) -> int | None:
    """The sum of participants, or None when any of them is not known."""
    return None if None in counts else sum(c for c in counts if c is not None)


def _participants_of(r: ResultRow) -> int | None:
    if r.n1 is not None and r.n2 is not None:
        return r.n1 + r.n2
    return r.participants


def _study_input(
    r: ResultRow,
    effect: syn.Effect | None,
    weight: float | None = None,
    benefit: str = gr.Benefit.HIGHER,
) -> gr.StudyResultInput:
    low, high = _ci95(effect) if effect is not None else (None, None)
    return gr.StudyResultInput(
        label=r.label,
        design=r.design,
        participants=_participants_of(r),
        risk_of_bias=gr.RiskOfBias(r.risk_of_bias),
        estimate=effect.yi if effect is not None else None,
        ci_low=low,
        ci_high=high,
        direction=_direction_of(r, effect, benefit),
        indirect_population=r.indirect_population,
        indirect_intervention=r.indirect_intervention,
        indirect_comparator=r.indirect_comparator,
        indirect_outcome=r.indirect_outcome,
        weight=weight,
    )


def _pool_input(
    effects: list[tuple[ResultRow, syn.Effect]], measure: gr.Measure
) -> tuple[gr.PoolInput, syn.PooledResult]:
    yi = [e.yi for _, e in effects]
    vi = [e.vi for _, e in effects]
    fit = syn.pool(yi, vi, method=POOL_METHOD)
    egger_p = None
    if len(effects) >= syn.EGGER_MIN_K:
        egger_p = syn.egger_test(yi, vi, method=POOL_METHOD).p_value
    participants = [_participants_of(r) for r, _ in effects]
    total = _total(participants)
    leave_one_out: list[tuple[str, gr.PoolInput]] = []
    if len(effects) >= 3:
        for i, (r, _) in enumerate(effects):
            rest = effects[:i] + effects[i + 1 :]
            sub = syn.pool([e.yi for _, e in rest], [e.vi for _, e in rest], method=POOL_METHOD)
            leave_one_out.append((r.label, _as_pool_input(sub, measure, None, None)))
    return _as_pool_input(fit, measure, total, egger_p, tuple(leave_one_out)), fit


def _as_pool_input(
    fit: syn.PooledResult,
    measure: gr.Measure,
    participants: int | None,
    egger_p: float | None,
    leave_one_out: tuple[tuple[str, gr.PoolInput], ...] = (),
) -> gr.PoolInput:
    return gr.PoolInput(
        estimate=fit.estimate,
        ci_low=fit.ci_low,
        ci_high=fit.ci_high,
        measure=measure,
        k=fit.k,
        source=POOL_LABEL,
        pi_low=fit.pi_low,
        pi_high=fit.pi_high,
        i2=fit.i2,
        tau2=fit.tau2,
        q_p=fit.q_p,
        participants=participants,
        egger_p=egger_p,
        leave_one_out=leave_one_out,
    )


def _is_ratio(measure: str) -> bool:
    return measure in ("RR", "OR")


def _shown(value: float | None, measure: str) -> float | None:
    if value is None:
        return None
    return math.exp(value) if _is_ratio(measure) else value


def _num(x: float) -> str:
    if abs(x) < 100:
        text = f"{x:.2f}"
    else:
        text = f"{x:.0f}" if abs(x) < 1e6 else f"{x:.3g}"
    return text.replace("-", gr.MINUS)


def _display(
    measure: str, estimate: float, low: float | None, high: float | None, unit: str
) -> str:
    unit_text = f" {unit}" if unit and measure in ("MD", "RD") else ""
    text = f"{measure} {_num(estimate)}{unit_text}"
    if low is not None and high is not None:
        text += f" (95% CI {_num(low)} to {_num(high)})"
    return text


@dataclass(frozen=True)
class _QuestionContext:
    """What of the claim a Summary-of-Findings row's grade reads: its role and its flags."""

    intervention_role: str
    publication_bias_suspected: bool
    large_effect: bool
    dose_response: bool

    @classmethod
    def of(cls, claim: ClaimInput) -> _QuestionContext:
        return cls(
            claim.intervention_role,
            claim.publication_bias_suspected,
            claim.large_effect,
            claim.dose_response,
        )


# Many claims ask the same question of the same results: a regrade of a large evidence base
# hands every such claim the same QuestionRow object, and the row is graded once. Keyed by the
# object's identity (hashing a question hashes every result in it, which costs as much as
# grading it); the entry keeps the object, so an id is never reused while its entry lives.
# Callers get their own top-level dict (assess() pops a key from it) and must not change what
# is nested in it.
_QUESTION_CACHE_SIZE = 4096
_question_cache: dict[
    tuple[_QuestionContext, int],
    tuple[QuestionRow, tuple[dict[str, Any], gr.OutcomeGrade | None]],
] = {}


def _assess_question_shared(
    context: _QuestionContext, q: QuestionRow
) -> tuple[dict[str, Any], gr.OutcomeGrade | None]:
    key = (context, id(q))
    hit = _question_cache.get(key)
    if hit is None or hit[0] is not q:
        if len(_question_cache) >= _QUESTION_CACHE_SIZE:
            _question_cache.clear()
        hit = (q, _assess_question(context, q))
        _question_cache[key] = hit
    row, grade = hit[1]
    return dict(row), grade


def _assess_question(
    claim: ClaimInput | _QuestionContext, q: QuestionRow
) -> tuple[dict[str, Any], gr.OutcomeGrade | None]:
    results, left_out = _latest_per_study(q.results)
    measures = {r.measure for r in results if r.measure != gr.Measure.DIRECTION_ONLY}
    usable: list[tuple[ResultRow, syn.Effect]] = []
    unusable: list[ResultRow] = []
    pool_measure: str | None = None
    if measures:
        # The measure most results share is the one pooled; others are set aside, named.
        pool_measure = max(
            sorted(measures), key=lambda m: sum(1 for r in results if r.measure == m)
        )
    for r in results:
        effect = _effect_of(r) if r.measure == pool_measure else None
        if effect is not None:
            usable.append((r, effect))
        else:
            unusable.append(r)
            if r.measure not in (pool_measure, gr.Measure.DIRECTION_ONLY):
                left_out.append(
                    {"label": r.label, "reason": f"reported as {r.measure}, not {pool_measure}"}
                )

    row = _empty_row(q)
    if not results and not q.pooled:
        return row, None

    reviews = sorted(
        (p for p in q.pooled if p.ci_low is not None and p.ci_high is not None),
        key=lambda p: (p.year, p.k or 0),
        reverse=True,
    )
    if not results and not reviews:
        row["other_reviews"] = [_review_summary(p, q.unit) for p in q.pooled]
        row["comment"] = "Only pooled estimates without a confidence interval: not graded."
        return row, None
    grade: gr.OutcomeGrade
    pooled_here: tuple[gr.PoolInput, syn.PooledResult] | None = None
    if len(usable) >= 2:
        try:
            pooled_here = _pool_input(usable, gr.Measure(str(pool_measure)))
        except (syn.SynthesisError, ArithmeticError, ValueError) as error:
            left_out += [
                {"label": r.label, "reason": f"could not be pooled: {error}"} for r, _ in usable
            ]
            usable = []
    if pooled_here is not None:
        measure = gr.Measure(str(pool_measure))
        pool, fit = pooled_here
        studies = [
            _study_input(r, e, weight=w, benefit=q.benefit)
            for (r, e), w in zip(usable, fit.weights, strict=True)
        ]
        grade = gr.grade_outcome(_question(claim, q, measure), studies, pool)
        for r in unusable:
            if r.measure == pool_measure:
                left_out.append({"label": r.label, "reason": "no CI, SE or arm SDs to pool"})
        row.update(_effect_fields(pool, measure, q.unit, POOL_LABEL, fit.k))
        row["absolute"] = _absolute(measure, pool, [r for r, _ in usable])
        row["participants"] = pool.participants
        row["plot"] = _forest(q, measure, usable, fit.weights, pool)
        if len(usable) >= syn.EGGER_MIN_K:
            row["funnel"] = {
                "points": [{"label": r.label, "estimate": e.yi, "se": e.sei} for r, e in usable],
                "egger_p": pool.egger_p,
                "pooled": pool.estimate,
            }
        row["other_reviews"] = [_review_summary(p, q.unit) for p in reviews]
    elif reviews:
        chosen = reviews[0]
        measure = gr.Measure(chosen.measure)
        scale = math.log if _is_ratio(chosen.measure) else (lambda v: v)
        own = [_participants_of(r) for r in results]
        participants = chosen.participants
        note = ""
        if participants is None and own and _total(own) is not None:
            participants = _total(own)
            note = (
                f"participants from the {len(own)} "
                f"{'study' if len(own) == 1 else 'studies'} of this comparison in this "
                "evidence base (the review does not state this analysis's)"
            )
        pool = gr.PoolInput(
            estimate=scale(chosen.estimate),
            ci_low=scale(chosen.ci_low),  # type: ignore[arg-type]
            ci_high=scale(chosen.ci_high),  # type: ignore[arg-type]
            measure=measure,
            k=chosen.k or 0,
            source=f"{chosen.label} (systematic review)",
            i2=chosen.i2,
            tau2=chosen.tau2,
            participants=participants,
        )
        review_input = gr.StudyResultInput(
            label=chosen.label,
            design="systematic_review_meta_analysis",
            participants=participants,
            risk_of_bias=gr.RiskOfBias(chosen.risk_of_bias),
            estimate=pool.estimate,
            ci_low=pool.ci_low,
            ci_high=pool.ci_high,
            indirect_population=any(r.indirect_population for r in results),
        )
        primaries = [
            gr.PrimaryResult(
                _study_input(r, _effect_of(r), benefit=q.benefit),
                gr.Inclusion.INCLUDED
                if r.study_id in chosen.included_ids
                else gr.Inclusion.UNKNOWN
                if not chosen.included_ids
                else gr.Inclusion.NOT_INCLUDED,
            )
            for r in results
        ]
        body = gr.body_from_review(review_input, pool, primaries)
        grade = gr.grade_outcome(_question(claim, q, measure), body.studies, body.pool)
        left_out += [{"label": lo.label, "reason": lo.reason} for lo in body.left_out]
        row.update(_effect_fields(pool, measure, q.unit, pool.source, chosen.k))
        row["participants"] = participants
        row["participants_note"] = note
        row["other_reviews"] = [_review_summary(p, q.unit) for p in reviews[1:]]
        row["plot"] = _review_forest(q, measure, reviews, usable)
    else:
        studies = [_study_input(r, _effect_of(r), benefit=q.benefit) for r in results]
        measure = gr.Measure(pool_measure or gr.Measure.DIRECTION_ONLY)
        if len(usable) == 1 and len(results) == 1:
            only_row, only_effect = usable[0]
            grade = gr.grade_outcome(
                _question(claim, q, measure),
                [_study_input(only_row, only_effect, benefit=q.benefit)],
            )
            low, high = _ci95(only_effect)
            row["effect"] = _effect_dict(
                measure.value, only_effect.yi, low, high, q.unit, only_row.label, None, None, 1
            )
            row["plot"] = _forest(q, measure, usable, (100.0,), None)
            row["measure"] = measure.value
            row["measure_label"] = measure.label
        else:
            grade = gr.grade_outcome(_question(claim, q, gr.Measure.DIRECTION_ONLY), studies)
            row["measure"] = gr.Measure.DIRECTION_ONLY.value
            row["measure_label"] = gr.Measure.DIRECTION_ONLY.label
            row["plot"] = _direction_plot(q, results)
        row["studies"] = len(results)
        row["participants"] = _total([_participants_of(r) for r in results])
        row["other_reviews"] = [_review_summary(p, q.unit) for p in reviews]

    row["left_out"] = left_out
    row["benchmark"] = _benchmark(q)
    _fill_grade(row, grade)
    row["_preclinical"] = all(r.design in PRECLINICAL for r in results) if results else False
    return row, grade


def _assess_links(
    claim: ClaimInput, kind: gr.ClaimKind
) -> tuple[dict[str, Any], gr.OutcomeGrade | None]:
    """No outcome rows with data: the linked studies, counted by the direction they show."""
    pointing = [link for link in claim.links if link.direction in LINK_DIRECTIONS]
    notes: list[str] = []
    if pointing:
        best = min(_tier(link.design) for link in pointing)
        weaker = [link for link in pointing if _tier(link.design) > best]
        pointing = [link for link in pointing if _tier(link.design) == best]
        if weaker:
            notes.append(
                "Also linked but not graded (weaker designs than the body graded): "
                + ", ".join(link.label for link in weaker)
                + "."
            )
    outcome_kind = (
        gr.OutcomeKind.SURROGATE
        if kind == gr.ClaimKind.MECHANISM
        else gr.OutcomeKind.PATIENT_IMPORTANT
    )
    q = QuestionRow(
        comparison=LINKED_STUDIES,
        comparison_role=claim.intervention_role,
        outcome=LINKED_OUTCOME,
        unit="",
        outcome_kind=outcome_kind.value,
        benefit=gr.Benefit.HIGHER.value,
        importance=gr.Importance.CRITICAL.value,
    )
    row = _empty_row(q)
    if not pointing:
        return row, None
    studies = [
        gr.StudyResultInput(
            label=link.label,
            design=link.design,
            participants=link.participants,
            risk_of_bias=gr.RiskOfBias(link.risk_of_bias),
            direction=LINK_DIRECTIONS[link.direction],
            indirect_population=link.indirect and link.design not in PRECLINICAL,
        )
        for link in pointing
    ]
    question = gr.OutcomeQuestion(
        name=LINKED_OUTCOME.lower(),
        intervention="microneedling",
        importance=gr.Importance.CRITICAL,
        kind=outcome_kind,
        claim_outcome_kind=outcome_kind,
        measure=gr.Measure.DIRECTION_ONLY,
        comparison_role=gr.InterventionRole(claim.intervention_role),
        claim_role=gr.InterventionRole(claim.intervention_role),
        publication_bias_suspected=claim.publication_bias_suspected,
    )
    grade = gr.grade_outcome(question, studies)
    row["studies"] = len(pointing)
    row["participants"] = _total([link.participants for link in pointing])
    row["measure"] = gr.Measure.DIRECTION_ONLY.value
    row["measure_label"] = gr.Measure.DIRECTION_ONLY.label
    row["plot"] = {
        "kind": "direction",
        "log": False,
        "null": 0.0,
        "favours_left": "Against the claim",
        "favours_right": "For the claim",
        "rows": [
            {
                "label": link.label,
                "estimate": None,
                "ci_low": None,
                "ci_high": None,
                "weight": None,
                "direction": LINK_DIRECTIONS[link.direction].value,
                "row_kind": "review" if link.design in REVIEW_DESIGNS else "study",
                "participants": link.participants,
            }
            for link in pointing
        ],
        "pooled": None,
        "pi": None,
    }
    _fill_grade(row, grade)
    row["notes"] = [*notes, *row["notes"]]
    row["_preclinical"] = all(link.design in PRECLINICAL for link in pointing)
    return row, grade


# Design tiers, best first: GRADE rates the best available body of evidence (GRADE Handbook
# 5.1.1), so weaker designs beside it are listed, not averaged in.
_TIERS = (
    gr.RANDOMISED_DESIGNS,
    gr.OBSERVATIONAL_DESIGNS,
    gr.UNCONTROLLED_DESIGNS,
    gr.PRECLINICAL_DESIGNS,
)


def _tier(design: str) -> int:
    # A design in no tier (a choice added later) counts as uncontrolled evidence.
    return next((i for i, tier in enumerate(_TIERS) if design in tier), 2)


def _empty_row(q: QuestionRow) -> dict[str, Any]:
    who, _, comparator = q.comparison.partition(" vs ")
    return {
        "title": "",
        "comparison": q.comparison,
        "comparison_role": q.comparison_role,
        "outcome": q.outcome,
        "unit": q.unit,
        "importance": q.importance,
        "outcome_kind": q.outcome_kind,
        "certainty": None,
        "starting_level": None,
        "domains": [],
        "studies": 0,
        "participants": None,
        "participants_note": "",
        "measure": "",
        "measure_label": "",
        "effect": None,
        "absolute": None,
        "effect_words": "",
        "statement": "",
        "comment": "No study in this evidence base measured this.",
        "fragility": [],
        "notes": [],
        "left_out": [],
        "other_reviews": [],
        "vote": None,
        "benchmark": None,
        "plot": {
            "kind": "none",
            "log": False,
            "null": 0.0,
            "favours_left": f"Favours {comparator.strip() or 'the comparator'}",
            "favours_right": f"Favours {who.strip() or 'the intervention'}",
            "rows": [],
            "pooled": None,
            "pi": None,
        },
        "funnel": None,
        "_benefit": q.benefit,
    }


def _fill_grade(row: dict[str, Any], grade: gr.OutcomeGrade) -> None:
    row["title"] = grade.outcome
    row["certainty"] = grade.certainty.value
    row["starting_level"] = grade.starting_level.value
    row["domains"] = [
        {
            "domain": d.domain.value,
            "label": DOMAIN_LABELS.get(d.domain.value, d.domain.value),
            "levels": d.levels,
            "reason": d.reason,
            "numbers": d.numbers,
            "assessable": d.assessable,
        }
        for d in grade.domains
    ]
    row["effect_words"] = grade.effect
    row["statement"] = grade.statement
    row["fragility"] = list(grade.fragility)
    row["notes"] = list(grade.notes)
    down = [d for d in grade.domains if d.levels < 0]
    if down:
        row["comment"] = (
            "Rated down for "
            + ", ".join(DOMAIN_LABELS.get(d.domain.value, d.domain.value).lower() for d in down)
            + "."
        )
    else:
        row["comment"] = "Not rated down."
    if grade.vote is not None:
        v = grade.vote
        row["vote"] = {
            "favour_intervention": v.favour_intervention,
            "favour_comparator": v.favour_comparator,
            "no_difference": v.no_difference,
            "unknown": v.unknown,
            "p": v.p,
            "words": v.words(),
        }


def _effect_dict(
    measure: str,
    estimate: float,
    low: float | None,
    high: float | None,
    unit: str,
    source: str,
    i2: float | None,
    tau2: float | None,
    k: int | None,
    pi: tuple[float | None, float | None] = (None, None),
) -> dict[str, Any]:
    shown = _shown(estimate, measure)
    lo, hi = _shown(low, measure), _shown(high, measure)
    assert shown is not None  # noqa: S101 (an estimate is always there)
    return {
        "estimate": shown,
        "ci_low": lo,
        "ci_high": hi,
        "pi_low": _shown(pi[0], measure),
        "pi_high": _shown(pi[1], measure),
        "i2": i2,
        "tau2": tau2,
        "k": k,
        "source": source,
        "display": _display(measure, shown, lo, hi, unit),
    }


def _effect_fields(
    pool: gr.PoolInput, measure: gr.Measure, unit: str, source: str, k: int | None
) -> dict[str, Any]:
    return {
        "measure": measure.value,
        "measure_label": measure.label,
        "studies": k,
        "effect": _effect_dict(
            measure.value,
            pool.estimate,
            pool.ci_low,
            pool.ci_high,
            unit,
            source,
            pool.i2,
            pool.tau2,
            k,
            (pool.pi_low, pool.pi_high),
        ),
    }


def _review_summary(p: PooledRow, unit: str) -> dict[str, str]:
    text = _display(p.measure, p.estimate, p.ci_low, p.ci_high, unit)
    if p.k:
        text += f", {p.k} studies"
    return {"label": p.label, "display": text}


def _forest(
    q: QuestionRow,
    measure: gr.Measure,
    usable: list[tuple[ResultRow, syn.Effect]],
    weights: Sequence[float],
    pool: gr.PoolInput | None,
) -> dict[str, Any]:
    plot: dict[str, Any] = _empty_row(q)["plot"]
    plot["kind"] = "forest"
    plot["log"] = _is_ratio(measure.value)
    plot["null"] = 1.0 if plot["log"] else 0.0
    plot["rows"] = [
        {
            "label": r.label,
            "estimate": _shown(e.yi, measure.value),
            "ci_low": _shown(_ci95(e)[0], measure.value),
            "ci_high": _shown(_ci95(e)[1], measure.value),
            "weight": w,
            "direction": (d.value if (d := _direction_of(r, e, q.benefit)) else None),
            "row_kind": "study",
            "participants": _participants_of(r),
        }
        for (r, e), w in zip(usable, weights, strict=True)
    ]
    if pool is not None:
        plot["pooled"] = {
            "label": POOL_LABEL,
            "estimate": _shown(pool.estimate, measure.value),
            "ci_low": _shown(pool.ci_low, measure.value),
            "ci_high": _shown(pool.ci_high, measure.value),
        }
        if pool.pi_low is not None and pool.pi_high is not None:
            plot["pi"] = [_shown(pool.pi_low, measure.value), _shown(pool.pi_high, measure.value)]
    return plot


def _review_forest(
    q: QuestionRow,
    measure: gr.Measure,
    reviews: list[PooledRow],
    usable: list[tuple[ResultRow, syn.Effect]],
) -> dict[str, Any]:
    """The reviews' pooled estimates as rows (same measure only), the newest as the diamond."""
    plot: dict[str, Any] = _empty_row(q)["plot"]
    same = [p for p in reviews if p.measure == measure.value]
    plot["kind"] = "forest"
    plot["log"] = _is_ratio(measure.value)
    plot["null"] = 1.0 if plot["log"] else 0.0
    # Each review's own pooled estimate is a row of its own (the first is the one graded); no
    # diamond, since nothing here pools the reviews together.
    plot["rows"] = [
        {
            "label": f"{p.label} (used for this row)" if i == 0 else p.label,
            "estimate": p.estimate,
            "ci_low": p.ci_low,
            "ci_high": p.ci_high,
            "weight": None,
            "direction": None,
            "row_kind": "review",
            "participants": p.participants,
        }
        for i, p in enumerate(same)
    ]
    plot["pooled"] = None
    return plot


def _direction_plot(q: QuestionRow, results: Sequence[ResultRow]) -> dict[str, Any]:
    plot: dict[str, Any] = _empty_row(q)["plot"]
    plot["kind"] = "direction"
    plot["rows"] = [
        {
            "label": r.label,
            "estimate": None,
            "ci_low": None,
            "ci_high": None,
            "weight": None,
            "direction": (d.value if (d := _direction_of(r, _effect_of(r), q.benefit)) else None),
            "row_kind": "study",
            "participants": _participants_of(r),
        }
        for r in results
    ]
    return plot


def _benchmark(q: QuestionRow) -> dict[str, str] | None:
    for label, r in q.benchmarks:
        effect = _effect_of(r)
        if effect is None:
            continue
        display = _display(r.measure, effect.yi, *_ci95(effect), q.unit)
        weeks = f" at {r.timepoint_weeks} weeks" if r.timepoint_weeks else ""
        return {
            "label": f"{label}{weeks} ({r.label})",
            "display": display,
            "note": "a clinically accepted effect, shown as a yardstick and never pooled with "
            "these studies",
        }
    return None


def _risk_with(measure: gr.Measure, ratio: float, comparator: float) -> float:
    """The intervention group's risk for a comparator risk and a relative effect."""
    if measure == gr.Measure.OR:
        return ratio * comparator / (1 - comparator + ratio * comparator)
    return min(1.0, ratio * comparator)


def _absolute(
    measure: gr.Measure, pool: gr.PoolInput, rows: Sequence[ResultRow]
) -> dict[str, Any] | None:
    """Anticipated absolute effect per 1,000 (Cochrane Handbook 14.1.5.2; GRADEpro's SoF): the
    comparator risk is the pooled risk of the comparator groups in the pooled studies."""
    if measure not in (gr.Measure.RR, gr.Measure.OR):
        return None
    counted = [r for r in rows if r.events2 is not None and r.total2]
    if not counted:
        return None
    comparator = sum(r.events2 or 0 for r in counted) / sum(r.total2 or 0 for r in counted)
    if not 0 < comparator < 1:
        return None
    per_1000 = [
        round(1000 * (_risk_with(measure, math.exp(x), comparator) - comparator))
        for x in (pool.estimate, pool.ci_low, pool.ci_high)
    ]

    def words(n: int) -> str:
        return f"{abs(n)} {'more' if n >= 0 else 'fewer'}"

    return {
        "comparator_per_1000": round(1000 * comparator),
        "difference_per_1000": per_1000[0],
        "ci_low_per_1000": per_1000[1],
        "ci_high_per_1000": per_1000[2],
        "display": f"{words(per_1000[0])} per 1,000 ({words(per_1000[1])} to {words(per_1000[2])})",
    }
