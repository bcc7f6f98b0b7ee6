"""GRADE-style grading of one claim from the published studies linked to it.

Pure domain logic: no database access. `grade()` takes what a curator recorded about each
published study that bears on a claim (design, participants, risk of bias, the link's direction
and indirectness) plus the claim-level judgements (publication bias, large effect,
dose-response), and returns the certainty (high, moderate, low, very low, or none), the
direction, whether the evidence is preclinical only, a SORT letter and the rationale: the steps
in order, in plain words. It never raises on incomplete records; it says in the rationale what
it assumed. Every threshold is a named constant below; docs/grading.md says how each is set.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction

from evidence.vocabulary import Certainty, ClaimDirection, LinkDirection, SortStrength
from studies.vocabulary import RiskOfBias, StudyDesign

# --- Thresholds: every number and grouping the grade depends on, in one place --------------

# Certainty levels from lowest to highest; a grade moves along this scale one step per level.
LEVELS: tuple[str, ...] = (Certainty.VERY_LOW, Certainty.LOW, Certainty.MODERATE, Certainty.HIGH)

# Design tiers, best first. Neutral links (the study does not test the claim) are set aside;
# of the rest, the best tier with at least one study is the body of evidence that is graded;
# studies of lower tiers are noted in the rationale but do not move the grade. A design in no
# tier (say a choice added later) counts with the uncontrolled designs, and the rationale says so.
# A systematic review is graded as the designs it pools: a meta-analysis pools comparative
# trials (the seed's three pool randomised trials), so it sits with randomised trials; a
# review without a pooled estimate usually gathers mixed designs, so it sits with controlled
# observational evidence. A curator who knows better overrides the grade in writing.
RANDOMISED_DESIGNS = frozenset({StudyDesign.RCT, StudyDesign.SYSTEMATIC_REVIEW_META_ANALYSIS})
OBSERVATIONAL_DESIGNS = frozenset(
    {
        StudyDesign.NON_RANDOMIZED_CONTROLLED,
        StudyDesign.COHORT,
        StudyDesign.CASE_CONTROL,
        StudyDesign.SYSTEMATIC_REVIEW,
    }
)
UNCONTROLLED_DESIGNS = frozenset(
    {
        StudyDesign.CASE_SERIES,
        StudyDesign.CASE_REPORT,
        StudyDesign.NARRATIVE_REVIEW,
        StudyDesign.EXPERT_OPINION,
    }
)
PRECLINICAL_DESIGNS = frozenset({StudyDesign.ANIMAL, StudyDesign.IN_VITRO})
# Syntheses report pooled participants that may include trials also linked on their own.
SYNTHESIS_DESIGNS = frozenset(
    {StudyDesign.SYSTEMATIC_REVIEW_META_ANALYSIS, StudyDesign.SYSTEMATIC_REVIEW}
)

# Risk of bias: one level down when at least RISK_OF_BIAS_HIGH_SHARE of the studies is at high
# risk, or when fewer than RISK_OF_BIAS_LOW_SHARE are at low risk (most of the evidence has at
# least some concerns). Never two levels: the study-level judgement has only one step beyond
# "some concerns", too coarse to tell serious from very serious flaws.
RISK_OF_BIAS_HIGH_SHARE = Fraction(1, 2)
RISK_OF_BIAS_LOW_SHARE = Fraction(1, 2)
# An unassessed study is trusted no more than one with some concerns.
UNASSESSED_RISK_OF_BIAS_AS = RiskOfBias.SOME_CONCERNS

# Inconsistency: one level down as soon as one study contradicts studies that support; two
# when the split is close to even: at least this many studies on each side and the smaller
# side at least this share of the two.
INCONSISTENCY_VERY_SERIOUS_EACH_SIDE = 2
INCONSISTENCY_VERY_SERIOUS_SHARE = Fraction(1, 3)

# Indirectness: one level down when at least this share of the studies is indirect (flagged on
# the link); two when all the evidence comes from animals or cells (implied indirectness).
INDIRECT_SHARE = Fraction(1, 2)

# Imprecision: GRADE's rule-of-thumb optimal information size for a continuous outcome.
# One level down below it or with a single study; two when a single study is also below it.
OPTIMAL_INFORMATION_SIZE = 400

# Publication bias is a curator's flag on the claim: one level down.
PUBLICATION_BIAS_LEVELS = 1

# Upgrades, for controlled observational evidence without serious risk of bias only.
LARGE_EFFECT_LEVELS = 1
DOSE_RESPONSE_LEVELS = 1

# Direction: a side wins when its weight is at least this share of the studies pointing
# somewhere (supports, contradicts, mixed); otherwise the evidence is mixed. A study with mixed
# results weighs this much on each side; neutral studies point nowhere and are left out.
DIRECTION_MAJORITY = Fraction(2, 3)
MIXED_STUDY_WEIGHT = Fraction(1, 2)

# SORT A: controlled human evidence of at least this certainty, pointing one clear way with no
# study contradicting another. Case series, opinion and preclinical evidence are always C.
SORT_A_MINIMUM = LEVELS.index(Certainty.MODERATE)

MINUS = "\N{MINUS SIGN}"

# Starts the step that counts linked studies not yet public: for curators, never shown publicly.
UNPUBLISHED_NOTE = "Not counted:"


# --- Inputs and output ---------------------------------------------------------------------


@dataclass(frozen=True)
class LinkedStudy:
    """One published study linked to the claim, as grading sees it."""

    design: str
    participants: int | None
    risk_of_bias: str
    direction: str
    indirect: bool = False
    label: str = "a study"

    @property
    def is_preclinical(self) -> bool:
        return self.design in PRECLINICAL_DESIGNS

    @property
    def is_synthesis(self) -> bool:
        return self.design in SYNTHESIS_DESIGNS

    @property
    def is_indirect(self) -> bool:
        return self.indirect or self.is_preclinical


@dataclass(frozen=True)
class Judgements:
    """The curator's judgements on the body of evidence for the claim."""

    publication_bias_suspected: bool = False
    large_effect: bool = False
    dose_response: bool = False


@dataclass(frozen=True)
class Grade:
    certainty: str
    direction: str
    preclinical_only: bool
    sort_strength: str
    rationale: tuple[str, ...]


@dataclass(frozen=True)
class _Tier:
    key: str
    start: int  # index into LEVELS
    designs: frozenset[str]


TIERS: tuple[_Tier, ...] = (
    _Tier("randomised", LEVELS.index(Certainty.HIGH), RANDOMISED_DESIGNS),
    _Tier("observational", LEVELS.index(Certainty.LOW), OBSERVATIONAL_DESIGNS),
    _Tier("uncontrolled", LEVELS.index(Certainty.VERY_LOW), UNCONTROLLED_DESIGNS),
    _Tier("preclinical", LEVELS.index(Certainty.VERY_LOW), PRECLINICAL_DESIGNS),
)


def _tier_of(study: LinkedStudy) -> _Tier:
    return next((t for t in TIERS if study.design in t.designs), _UNCONTROLLED)


_UNCONTROLLED = next(t for t in TIERS if t.key == "uncontrolled")

_DESIGN_NOUNS: dict[str, tuple[str, str]] = {
    StudyDesign.SYSTEMATIC_REVIEW_META_ANALYSIS: (
        "systematic review with meta-analysis",
        "systematic reviews with meta-analysis",
    ),
    StudyDesign.SYSTEMATIC_REVIEW: ("systematic review", "systematic reviews"),
    StudyDesign.RCT: ("randomised trial", "randomised trials"),
    StudyDesign.NON_RANDOMIZED_CONTROLLED: (
        "non-randomised controlled study",
        "non-randomised controlled studies",
    ),
    StudyDesign.COHORT: ("cohort study", "cohort studies"),
    StudyDesign.CASE_CONTROL: ("case-control study", "case-control studies"),
    StudyDesign.CASE_SERIES: ("case series", "case series"),
    StudyDesign.CASE_REPORT: ("case report", "case reports"),
    StudyDesign.ANIMAL: ("animal study", "animal studies"),
    StudyDesign.IN_VITRO: ("in-vitro study", "in-vitro studies"),
    StudyDesign.NARRATIVE_REVIEW: ("narrative review", "narrative reviews"),
    StudyDesign.EXPERT_OPINION: ("expert opinion", "expert opinions"),
}


# --- Grading -------------------------------------------------------------------------------


def grade(
    studies: Sequence[LinkedStudy],
    judgements: Judgements = Judgements(),  # noqa: B008 (frozen, so safe as a default)
    *,
    not_counted: int = 0,
) -> Grade:
    """Grade a claim from the published studies linked to it.

    `not_counted` is how many linked studies were left out because they are not published
    (draft, in review or retracted); it only adds a line to the rationale.
    """
    steps: list[str] = []
    if not studies:
        steps.append("No published study is linked to this claim, so there is nothing to grade.")
        _note_not_counted(steps, not_counted)
        return Grade(Certainty.NONE, "", False, "", tuple(steps))

    # Neutral links say the study does not test the claim's direction (it measured something
    # else, or its results are not available): they are listed but never graded.
    # An unknown direction is treated the same way.
    testing = [s for s in studies if s.direction in _POINTING]
    neutral = [s for s in studies if s.direction not in _POINTING]
    if not testing:
        steps.append(
            f"No linked study tests the claim: {_describe_designs(neutral)}, all neutral "
            "(they do not point either way), so there is nothing to grade."
        )
        _note_not_counted(steps, not_counted)
        return Grade(Certainty.NONE, ClaimDirection.INCONCLUSIVE, False, "", tuple(steps))

    tier = min((_tier_of(s) for s in testing), key=TIERS.index)
    body = [s for s in testing if _tier_of(s) is tier]
    others = [s for s in testing if _tier_of(s) is not tier]
    noun = _body_noun(body)

    steps.append(f"Start: {_level_words(tier.start)} {_DASH} {_describe_designs(body)}")
    if tier.key == "randomised" and any(s.is_synthesis for s in body):
        steps.append(
            "A systematic review with meta-analysis is counted as a synthesis of randomised trials."
        )
    if tier.key == "observational" and any(s.is_synthesis for s in body):
        steps.append(
            "A systematic review without a meta-analysis is counted as a synthesis of mixed, "
            "non-randomised designs."
        )
    if others:
        steps.append(f"Also linked but not graded (weaker designs): {_describe_designs(others)}.")
    if neutral:
        steps.append(
            f"Not graded, neutral (they do not test the claim): {_describe_designs(neutral)}."
        )
    _note_not_counted(steps, not_counted)
    unknown = [s for s in testing if not any(s.design in t.designs for t in TIERS)]
    if unknown:
        steps.append(
            f"Assumed: design not recognised for {_names(unknown)}; counted as uncontrolled "
            "evidence."
        )

    risk_levels = _risk_of_bias(body, noun, steps)
    down = risk_levels
    down += _inconsistency(body, steps)
    down += _indirectness(body, noun, steps)
    down += _imprecision(body, tier, steps)
    if judgements.publication_bias_suspected:
        steps.append(f"{MINUS}{PUBLICATION_BIAS_LEVELS} publication bias: suspected by the curator")
        down += PUBLICATION_BIAS_LEVELS
    up = _upgrades(judgements, tier, risk_levels, steps)

    level = tier.start - down + up
    if level < 0:
        steps.append(f"Floor: {_level_words(0)} is the lowest level; it cannot go lower.")
        level = 0
    level = min(level, len(LEVELS) - 1)
    certainty = LEVELS[level]

    direction, inconsistent = _direction(body, steps)
    preclinical_only = tier.key == "preclinical"
    if preclinical_only:
        steps.append("Preclinical only: the evidence comes from animals or cells, not people.")
    sort = _sort(tier, level, consistent=not inconsistent and direction in _CLEAR_DIRECTIONS)
    steps.append(
        f"Result: {_level_words(level)} certainty, {ClaimDirection(direction).label.lower()}; "
        f"SORT {sort}."
    )
    return Grade(certainty, direction, preclinical_only, sort, tuple(steps))


_DASH = "\N{EM DASH}"
_POINTING = frozenset({LinkDirection.SUPPORTS, LinkDirection.CONTRADICTS, LinkDirection.MIXED})


def _risk_of_bias(body: list[LinkedStudy], noun: tuple[str, str], steps: list[str]) -> int:
    unassessed = [s for s in body if s.risk_of_bias not in _ASSESSED]
    judged = [
        s.risk_of_bias if s.risk_of_bias in _ASSESSED else UNASSESSED_RISK_OF_BIAS_AS for s in body
    ]
    if unassessed:
        steps.append(
            f"Assumed: risk of bias not assessed for {_names(unassessed)}; treated as "
            f"{RiskOfBias(UNASSESSED_RISK_OF_BIAS_AS).label.lower()}."
        )
    n = len(body)
    high = judged.count(RiskOfBias.HIGH)
    low = judged.count(RiskOfBias.LOW)
    if high and Fraction(high, n) >= RISK_OF_BIAS_HIGH_SHARE:
        steps.append(f"{MINUS}1 risk of bias: {_share(high, n, noun)} at high risk")
        return 1
    if Fraction(low, n) < RISK_OF_BIAS_LOW_SHARE:
        if n == 1:
            at_low = ""
        elif low:
            at_low = f", only {low} at low risk"
        else:
            at_low = ", none at low risk"
        steps.append(
            f"{MINUS}1 risk of bias: {_share(n - low, n, noun)} at some concerns or worse{at_low}"
        )
        return 1
    steps.append(f"Risk of bias: no downgrade, {_share(low, n, noun)} at low risk")
    return 0


_ASSESSED = frozenset({RiskOfBias.LOW, RiskOfBias.SOME_CONCERNS, RiskOfBias.HIGH})


def _inconsistency(body: list[LinkedStudy], steps: list[str]) -> int:
    supports = [s for s in body if s.direction == LinkDirection.SUPPORTS]
    contradicts = [s for s in body if s.direction == LinkDirection.CONTRADICTS]
    if not (supports and contradicts):
        if len(body) > 1:
            steps.append("Inconsistency: no downgrade, no study contradicts another")
        return 0
    fewer = min(len(supports), len(contradicts))
    both = len(supports) + len(contradicts)
    split = (
        f"{_verb(len(supports), 'support')} the claim and "
        f"{_verb(len(contradicts), 'contradict')} it"
    )
    if (
        fewer >= INCONSISTENCY_VERY_SERIOUS_EACH_SIDE
        and Fraction(fewer, both) >= INCONSISTENCY_VERY_SERIOUS_SHARE
    ):
        steps.append(f"{MINUS}2 inconsistency (very serious): {split}, a near-even split")
        return 2
    minority = contradicts if len(contradicts) <= len(supports) else supports
    verb = "disagrees" if len(minority) == 1 else "disagree"
    steps.append(f"{MINUS}1 inconsistency: {split} ({_names(minority)} {verb})")
    return 1


def _indirectness(body: list[LinkedStudy], noun: tuple[str, str], steps: list[str]) -> int:
    n = len(body)
    if all(s.is_preclinical for s in body):
        steps.append(
            f"{MINUS}2 indirectness (very serious): {_share(n, n, noun)} in animals or cells, "
            "not people"
        )
        return 2
    indirect = [s for s in body if s.is_indirect]
    if indirect and Fraction(len(indirect), n) >= INDIRECT_SHARE:
        steps.append(
            f"{MINUS}1 indirectness: {_share(len(indirect), n, noun)} indirect "
            "(population, intervention or outcome differs from the claim)"
        )
        return 1
    if indirect:
        steps.append(f"Indirectness: no downgrade, only {_share(len(indirect), n, noun)} indirect")
    else:
        steps.append("Indirectness: no downgrade, the evidence bears directly on the claim")
    return 0


def _imprecision(body: list[LinkedStudy], tier: _Tier, steps: list[str]) -> int:
    if tier.key == "preclinical":
        steps.append("Imprecision: not rated, animal and cell studies have no human participants")
        return 0
    missing = [s for s in body if s.participants is None]
    if missing:
        steps.append(f"Assumed: participants not stated for {_names(missing)}; counted as none.")
    primary = sum(s.participants or 0 for s in body if not s.is_synthesis)
    pooled = max((s.participants or 0 for s in body if s.is_synthesis), default=0)
    total = max(primary, pooled)
    if pooled and pooled >= primary:
        people = f"{total:,} participants in all (the largest review's pooled total)"
    else:
        people = f"{total:,} participants in all"
    if not total:
        people = "no participant numbers stated"
    single = len(body) == 1 and not body[0].is_synthesis
    small = total < OPTIMAL_INFORMATION_SIZE
    fewer = f"fewer than {OPTIMAL_INFORMATION_SIZE}"
    if single and small:
        who = f"{total:,} participants" if total else "no participant number stated"
        steps.append(f"{MINUS}2 imprecision (very serious): a single study, {who}, {fewer}")
        return 2
    if small:
        steps.append(f"{MINUS}1 imprecision: {people}, {fewer}")
        return 1
    if single:
        steps.append(f"{MINUS}1 imprecision: a single study ({total:,} participants)")
        return 1
    steps.append(f"Imprecision: no downgrade, {people} across {len(body)} studies")
    return 0


def _upgrades(judgements: Judgements, tier: _Tier, risk_levels: int, steps: list[str]) -> int:
    flags = [
        (judgements.large_effect, LARGE_EFFECT_LEVELS, "large effect"),
        (judgements.dose_response, DOSE_RESPONSE_LEVELS, "dose-response gradient"),
    ]
    up = 0
    for flagged, levels, what in flags:
        if not flagged:
            continue
        if tier.key != "observational":
            steps.append(
                f"{what.capitalize()} flagged but not applied: upgrades apply only to "
                "controlled observational evidence"
            )
        elif risk_levels:
            steps.append(
                f"{what.capitalize()} flagged but not applied: the evidence is at serious "
                "risk of bias"
            )
        else:
            steps.append(f"+{levels} {what}: judged by the curator")
            up += levels
    return up


def _direction(body: list[LinkedStudy], steps: list[str]) -> tuple[str, bool]:
    counts = {d: sum(1 for s in body if s.direction == d) for d in LinkDirection}
    supports = counts[LinkDirection.SUPPORTS]
    contradicts = counts[LinkDirection.CONTRADICTS]
    mixed = counts[LinkDirection.MIXED]
    pointing = supports + contradicts + mixed
    tally = ", ".join(
        _verb(counts[d], "support")
        if d == LinkDirection.SUPPORTS
        else _verb(counts[d], "contradict")
        if d == LinkDirection.CONTRADICTS
        else f"{counts[d]} {d}"
        for d in LinkDirection
        if counts[d]
    )
    if (supports + mixed * MIXED_STUDY_WEIGHT) / pointing >= DIRECTION_MAJORITY:
        direction = ClaimDirection.SUPPORTED
    elif (contradicts + mixed * MIXED_STUDY_WEIGHT) / pointing >= DIRECTION_MAJORITY:
        direction = ClaimDirection.CONTRADICTED
    else:
        direction = ClaimDirection.MIXED
    steps.append(f"Direction: {ClaimDirection(direction).label.lower()} ({tally})")
    return direction, bool(supports and contradicts)


_CLEAR_DIRECTIONS = frozenset({ClaimDirection.SUPPORTED, ClaimDirection.CONTRADICTED})


def _sort(tier: _Tier, level: int, *, consistent: bool) -> str:
    """SORT A needs consistent, good-quality patient-oriented evidence; C is case series,
    opinion or preclinical work; everything else is B (inconsistent or limited quality)."""
    if tier.key in ("uncontrolled", "preclinical"):
        return SortStrength.C
    if level >= SORT_A_MINIMUM and consistent:
        return SortStrength.A
    return SortStrength.B


# --- Wording -------------------------------------------------------------------------------


def _note_not_counted(steps: list[str], not_counted: int) -> None:
    if not_counted:
        studies = "study is" if not_counted == 1 else "studies are"
        steps.append(
            f"{UNPUBLISHED_NOTE} {not_counted} linked {studies} not published (draft, in review or "
            "retracted)."
        )


def _verb(n: int, verb: str) -> str:
    return f"{n} {verb}s" if n == 1 else f"{n} {verb}"


def _level_words(level: int) -> str:
    return Certainty(LEVELS[level]).label.lower()


def _describe_designs(studies: Iterable[LinkedStudy]) -> str:
    counts: dict[str, int] = {}
    for s in studies:
        counts[s.design] = counts.get(s.design, 0) + 1
    ordered = [d for d in _DESIGN_NOUNS if d in counts] + [
        d for d in counts if d not in _DESIGN_NOUNS
    ]
    parts = [f"{counts[d]} {_plural(d, counts[d])}" for d in ordered]
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _plural(design: str, n: int) -> str:
    singular, plural = _DESIGN_NOUNS.get(design, (f"{design} study", f"{design} studies"))
    return singular if n == 1 else plural


def _body_noun(body: list[LinkedStudy]) -> tuple[str, str]:
    if all(s.design == StudyDesign.RCT for s in body):
        return ("trial", "trials")
    return ("study", "studies")


def _share(k: int, n: int, noun: tuple[str, str]) -> str:
    singular, plural = noun
    if n == 1:
        return f"the only {singular}"
    if k == n:
        return f"both {plural}" if n == 2 else f"all {n} {plural}"
    return f"{k} of {n} {plural}"


def _names(studies: list[LinkedStudy]) -> str:
    labels = [s.label for s in studies]
    return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]
