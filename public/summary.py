"""The bottom line of a claim in one plain-language sentence, written from its grade.

Pure: no database access. The sentence says only what the grade and the graded body of
evidence say: the certainty word, the direction, how many studies and how many participants.
It never names an effect size (the grade does not carry one) and never says more than the
certainty allows, following GRADE's wording for informative statements (Santesso et al., J Clin
Epidemiol 2020;119:126-135): high certainty "shows", moderate "probably", low "may", very low
"we are very uncertain".
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from evidence import grading
from evidence.models import Certainty, ClaimDirection, LinkDirection

_POINTING = frozenset({LinkDirection.SUPPORTS, LinkDirection.CONTRADICTS, LinkDirection.MIXED})


@dataclass(frozen=True)
class Body:
    """The body of evidence the grade rests on: the studies of the best design tier that test
    the claim (neutral links set aside), counted as grading counts them."""

    studies: int
    participants: int
    preclinical: bool


def graded_body(studies: Iterable[grading.LinkedStudy]) -> Body:
    """Which studies the grade rests on, by grading's own rules (docs/grading.md, step 1).

    Participants are grading's "participants in all": the larger of the sum over primary studies
    and the largest pooled total of one review, so a review and its own trials are not counted
    twice.
    """
    testing = [s for s in studies if s.direction in _POINTING]
    if not testing:
        return Body(0, 0, False)
    best = min(_tier_index(s.design) for s in testing)
    body = [s for s in testing if _tier_index(s.design) == best]
    primary = sum(s.participants or 0 for s in body if not s.is_synthesis)
    pooled = max((s.participants or 0 for s in body if s.is_synthesis), default=0)
    preclinical = grading.TIERS[best].key == "preclinical"
    return Body(len(body), max(primary, pooled), preclinical)


def _tier_index(design: str) -> int:
    for index, tier in enumerate(grading.TIERS):
        if design in tier.designs:
            return index
    return next(i for i, t in enumerate(grading.TIERS) if t.key == "uncontrolled")


# What the evidence says about the claim, by certainty, for a clear direction.
_SAYS = {
    (Certainty.HIGH, ClaimDirection.SUPPORTED): "shows that the claim is true",
    (Certainty.MODERATE, ClaimDirection.SUPPORTED): "suggests that the claim is probably true",
    (Certainty.LOW, ClaimDirection.SUPPORTED): "suggests that the claim may be true",
    (Certainty.HIGH, ClaimDirection.CONTRADICTED): "shows that the claim is not true",
    (Certainty.MODERATE, ClaimDirection.CONTRADICTED): (
        "suggests that the claim is probably not true"
    ),
    (Certainty.LOW, ClaimDirection.CONTRADICTED): "suggests that the claim may not be true",
}


def bottom_line(*, certainty: str, direction: str, body: Body) -> str:
    """One sentence for a reader, e.g. "Low-certainty evidence from 4 studies (312
    participants) suggests that the claim may be true."."""
    if certainty == Certainty.NONE or not body.studies:
        if direction == ClaimDirection.INCONCLUSIVE:
            return (
                "No published study tests this claim either way yet, so whether it is true "
                "is unknown."
            )
        return "No published study bearing on this claim has been graded yet."
    source = f"{_level_word(certainty)}-certainty evidence from {_counted(body)}"
    source = source[0].upper() + source[1:]
    if certainty == Certainty.VERY_LOW and direction in (
        ClaimDirection.SUPPORTED,
        ClaimDirection.CONTRADICTED,
    ):
        leaning = "for" if direction == ClaimDirection.SUPPORTED else "against"
        return (
            f"{source} leans {leaning} the claim, but it is very uncertain whether the claim "
            "is true."
        )
    says = _SAYS.get((certainty, direction))
    if says:
        return f"{source} {says}."
    if direction == ClaimDirection.MIXED:
        return f"{source} points both ways, so it is unclear whether the claim is true."
    return f"{source} does not point either way, so it is unclear whether the claim is true."


def _level_word(certainty: str) -> str:
    return Certainty(certainty).label.lower() if certainty in Certainty.values else certainty


def _counted(body: Body) -> str:
    studies = "1 study" if body.studies == 1 else f"{body.studies:,} studies"
    if body.preclinical:
        return f"{studies} in animals or cells"
    if body.participants:
        people = "participant" if body.participants == 1 else "participants"
        return f"{studies} ({body.participants:,} {people})"
    return studies


# --- Summary of findings -------------------------------------------------------------------


@dataclass(frozen=True)
class ReportedEffect:
    """One study's result for an outcome, worded exactly from the stored numbers."""

    study: Any
    label: str
    text: str


@dataclass(frozen=True)
class FindingRow:
    """One row of the Summary of Findings table: one outcome measure (same measure, unit and
    timepoint, as recorded) across the studies that report it."""

    measure: str
    unit: str
    timepoint_weeks: int | None
    studies: int
    participants: int
    participants_missing: int  # studies whose participants are not stated
    effects: tuple[ReportedEffect, ...]


def summary_of_findings(
    pairs: Iterable[tuple[Any, Any]], *, label: Callable[[Any], str] = str
) -> list[FindingRow]:
    """Rows from (study, outcome) pairs, in first-seen order.

    Participants are the outcome's own number when stated, else the study's. Studies are
    counted once per row however many results they give in it.
    """
    rows: dict[tuple[str, str, int | None], list[tuple[Any, Any]]] = {}
    for study, outcome in pairs:
        key = (
            outcome.measure.strip().casefold(),
            (outcome.unit or "").strip().casefold(),
            outcome.timepoint_weeks,
        )
        rows.setdefault(key, []).append((study, outcome))
    found = []
    for members in rows.values():
        first = members[0][1]
        per_study: dict[Any, int] = {}
        for study, outcome in members:
            stated = outcome.participants
            if stated is None:
                stated = study.participants
            per_study[study.pk] = max(per_study.get(study.pk, 0), stated or 0)
        found.append(
            FindingRow(
                measure=first.measure,
                unit=(first.unit or "").strip(),
                timepoint_weeks=first.timepoint_weeks,
                studies=len(per_study),
                participants=sum(per_study.values()),
                participants_missing=sum(1 for n in per_study.values() if not n),
                effects=tuple(ReportedEffect(s, label(s), reported_effect(o)) for s, o in members),
            )
        )
    return found


def reported_effect(outcome: Any) -> str:
    """The effect as the study reported it: estimate [95% CI], or arm means, plus the p-value,
    I² and studies pooled when stored. Nothing is computed or filled in."""
    parts = []
    effect_type = (outcome.effect_type or "").strip()
    if outcome.estimate is not None:
        text = f"{effect_type} {_num(outcome.estimate)}".strip()
        if outcome.ci_low is not None and outcome.ci_high is not None:
            text += f" [95% CI {_num(outcome.ci_low)} to {_num(outcome.ci_high)}]"
        parts.append(text)
    else:
        arms = list(outcome.arms.all()) if hasattr(outcome.arms, "all") else list(outcome.arms)
        means = [_arm_text(arm) for arm in arms if arm.mean is not None]
        if means:
            parts.append("; ".join(means))
    if outcome.p_value:
        parts.append(_p_text(outcome.p_value))
    if outcome.i2 is not None:
        parts.append(f"I² {_num(outcome.i2)}%")
    if outcome.k_studies:
        parts.append(f"{outcome.k_studies} studies pooled")
    if not parts:
        return "No numbers reported"
    if outcome.estimate is None and effect_type:
        parts.append(f"reported as {effect_type}")
    return ", ".join(parts)


def _arm_text(arm: Any) -> str:
    extra = []
    if arm.sd is not None:
        extra.append(f"SD {_num(arm.sd)}")
    if arm.se is not None:
        extra.append(f"SE {_num(arm.se)}")
    if arm.ci_low is not None and arm.ci_high is not None:
        extra.append(f"95% CI {_num(arm.ci_low)} to {_num(arm.ci_high)}")
    if arm.n is not None:
        extra.append(f"n {arm.n}")
    details = f" ({', '.join(extra)})" if extra else ""
    return f"{arm.label}: mean {_num(arm.mean)}{details}"


def _p_text(p: str) -> str:
    p = p.strip()
    if p[:1].isdigit() or p[:1] == ".":
        return f"p = {p}"
    if p[:1] in "<>≤≥=":
        return f"p {p[0]} {p[1:].strip()}"
    return f"p: {p}"


def _num(value: float) -> str:
    # Stored floats as printed (91.4, 0.006, 1110), without a spurious ".0".
    return f"{value:g}" if abs(value) < 1e6 else str(value)


# --- The home page's headline answers (issue 16) --------------------------------------------


@dataclass(frozen=True)
class Headline:
    """What set a claim's grade, in a line: the outcome, its comparison and, when the stored
    grade has one, the effect with its CI and the number of people."""

    outcome: str
    comparison: str
    effect: str
    people: int | None


# The outcome grading names for a claim counted by its studies' directions (evidence.assessment's
# LINKED_OUTCOME; not imported, as the read side never imports the grading engine).
GENERIC_OUTCOME = "What this claim describes"


def headline(grade_detail: Any) -> Headline | None:
    """The outcome row that set the grade (grade_detail's `set_by`), else the first graded
    row; None for a claim with no graded outcome. Reads the stored grade, computes nothing."""
    if not isinstance(grade_detail, dict):
        return None
    rows = [r for r in grade_detail.get("outcomes") or [] if isinstance(r, dict)]
    graded = [r for r in rows if r.get("certainty")]
    if not graded:
        return None
    set_by = grade_detail.get("set_by") or ""
    row = next(
        (r for r in graded if set_by == f"{r.get('outcome')}: {r.get('comparison')}"), graded[0]
    )
    effect = row.get("effect") if isinstance(row.get("effect"), dict) else {}
    people = row.get("participants")
    # A vote-counted claim's one row names no real outcome or comparison: say neither.
    generic = row.get("outcome") == GENERIC_OUTCOME
    return Headline(
        outcome="" if generic else str(row.get("outcome") or ""),
        comparison="" if generic else str(row.get("comparison") or ""),
        effect=str((effect or {}).get("display") or ""),
        people=people if isinstance(people, int) and people > 0 else None,
    )


# --- The claim page's studies, one group per design (issue 16) -------------------------------


@dataclass(frozen=True)
class DesignGroup:
    """The links of one study design, in the page's order, with how many point which way."""

    design: str
    label: str
    links: tuple[Any, ...]
    # named as the list annotations are, so {% tallies group %} draws them the same way
    tally_supports: int
    tally_contradicts: int
    tally_mixed: int
    tally_neutral: int


def by_design(links: Iterable[Any]) -> list[DesignGroup]:
    """Consecutive links of the same design grouped (the page sorts them best design first)."""
    groups: list[tuple[str, str, list[Any]]] = []
    for link in links:
        design = link.study.design
        if not groups or groups[-1][0] != design:
            groups.append((design, link.study.get_design_display() or "Design not set", []))
        groups[-1][2].append(link)

    def n(members: list[Any], direction: str) -> int:
        return sum(1 for link in members if link.direction == direction)

    return [
        DesignGroup(
            design=design,
            label=label,
            links=tuple(members),
            tally_supports=n(members, LinkDirection.SUPPORTS),
            tally_contradicts=n(members, LinkDirection.CONTRADICTS),
            tally_mixed=n(members, LinkDirection.MIXED),
            tally_neutral=n(members, LinkDirection.NEUTRAL),
        )
        for design, label, members in groups
    ]


# --- The annotated article's note per passage (issue 16) ------------------------------------

_LOW = {Certainty.LOW: "low", Certainty.VERY_LOW: "very low"}


def passage_why(*, certainty: str, direction: str, preclinical: bool, grade_detail: Any) -> str:
    """Why an article passage making this claim says more (or less) than the evidence does,
    from the stored grade: its direction, its certainty, animal-only evidence and the reasons
    grading gave for indirectness. Empty when the evidence backs the claim with high or
    moderate certainty."""
    detail = grade_detail if isinstance(grade_detail, dict) else {}
    reasons = []
    if direction == ClaimDirection.CONTRADICTED:
        reasons.append("the evidence points against it")
    elif direction == ClaimDirection.MIXED:
        reasons.append("the studies point both ways")
    elif direction == ClaimDirection.INCONCLUSIVE:
        reasons.append("the studies do not settle it either way")
    if certainty in _LOW:
        reasons.append(f"the evidence is of {_LOW[certainty]} certainty")
    elif certainty == Certainty.NONE and direction != ClaimDirection.CONTRADICTED:
        verdict = str(detail.get("verdict") or "")
        reasons.append(verdict.rstrip(".") if verdict else "no published study has graded it")
    if preclinical:
        reasons.append("only animal or cell studies test it")
    for reason in _indirectness(detail):
        reasons.append(reason)
        break  # the first is enough for a margin note; the claim page lists every one
    if not reasons:
        return ""
    text = "; ".join(reasons)
    return text[0].upper() + text[1:] + "."


def _indirectness(detail: dict) -> list[str]:
    found = []
    for row in detail.get("outcomes") or []:
        for domain in (row or {}).get("domains") or []:
            if domain.get("domain") == "indirectness" and (domain.get("levels") or 0) < 0:
                reason = str(domain.get("reason") or "")
                reason = reason.split(": ", 1)[1] if ": " in reason else reason
                if reason and reason not in found:
                    found.append(reason)
    return found
