"""GRADE certainty per outcome, from the effects the studies measured; SORT beside it.

Pure domain logic: no Django, no models, no database. The caller hands over plain values (the
frozen dataclasses and StrEnums below) and gets plain values back:

- `grade_outcome(question, studies, pool)` rates one outcome of one comparison: the starting
  level from the study designs, one `DomainJudgement` per GRADE domain (levels, a reason in plain
  words and the numbers behind it), the effect in words, the informative statement in the wording
  of Santesso et al. 2020 (GRADE guidelines 26) and notes on fragile judgements.
- `grade_claim(kind, outcomes, ...)` turns outcome grades into a claim's grade and SORT letter.
- `sign_test(...)` and `vote_count(...)` count studies by direction (Cochrane Handbook 12.2.2.3).
- `body_from_review(...)` makes the body of evidence for a review's pool without counting its
  trials twice.

Pooled numbers are INPUT (evidence/synthesis.py computes them); nothing here pools.

Scales: every estimate and interval is on the analysis scale, so the null is always 0: mean
differences as they are, ratios (RR, OR) as natural logs. A minimal important difference (MID) is
given in the measure's own units: a positive difference for MD, SMD and RD, a ratio above 1 for RR
and OR (1.25 means "a 25% relative change matters").

Sources, cited by every threshold below:
- GRADE Handbook (Schünemann et al., gdt.gradepro.org/app/handbook), chapter 5 (quality of
  evidence: study design, the five factors that lower it, the three that raise it, overall quality
  across outcomes).
- GRADE guidelines (J Clin Epidemiol 2011;64(12)): 5 publication bias (Guyatt, 1277-82),
  6 imprecision (Guyatt, 1283-93), 7 inconsistency (Guyatt, 1294-302), 8 indirectness,
  9 rating up (Guyatt, 1311-6); GRADE guidance 34 (J Clin Epidemiol 2022;150:216-224,
  imprecision by the CI approach); GRADE guidelines 26 (Santesso et al., J Clin Epidemiol
  2020;119:126-135, informative statements).
- Cochrane Handbook: 10.10.2 (interpreting I²), 10.4.3.1 (tests for funnel plot asymmetry),
  Table 12.2.d of version 5.1 (from risk of bias to GRADE study limitations), 12.2.2.3 (vote
  counting by direction of effect, sign test), 14 (summary of findings and GRADE), 15.5.3.1
  (re-expressing SMDs by rules of thumb; 12.6.2 in version 5.1).
- Ebell et al. 2004, Strength of Recommendation Taxonomy (SORT), Am Fam Physician 69:548-56.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum

from evidence.vocabulary import Certainty as Certainty  # the one scale, re-exported
from studies.vocabulary import Vocabulary

# --- Vocabulary --------------------------------------------------------------------------------


class ClaimKind(Vocabulary):
    EFFECT = "effect", "Effect of an intervention"
    MECHANISM = "mechanism", "Mechanism (disease-oriented)"
    BACKGROUND = "background", "Established background"
    DEFINITIONAL = "definitional", "Definition"
    EVIDENCE_STATE = "evidence_state", "State of the evidence"


class Importance(Vocabulary):
    CRITICAL = "critical", "Critical"
    IMPORTANT = "important", "Important"
    NOT_IMPORTANT = "not_important", "Not important"


class OutcomeKind(Vocabulary):
    PATIENT_IMPORTANT = "patient_important", "Patient-important"
    SURROGATE = "surrogate", "Surrogate (disease-oriented)"


class Benefit(Vocabulary):
    """Which way is good for the patient: higher values (hair count) or lower (pain)."""

    HIGHER = "higher", "Higher is better"
    LOWER = "lower", "Lower is better"


class Measure(Vocabulary):
    MD = "MD", "Mean difference"
    SMD = "SMD", "Standardised mean difference (Hedges' g)"
    RR = "RR", "Risk ratio"
    OR = "OR", "Odds ratio"
    RD = "RD", "Risk difference"
    DIRECTION_ONLY = "direction_only", "Direction only (no usable numbers)"


class InterventionRole(Vocabulary):
    ADD_ON = "add_on", "Added to another treatment"
    ALONE = "alone", "Alone"
    OTHER = "other", "Other"


class Direction(Vocabulary):
    FAVOURS_INTERVENTION = "favours_intervention", "Favours the intervention"
    FAVOURS_COMPARATOR = "favours_comparator", "Favours the comparator"
    NO_DIFFERENCE = "no_difference", "No difference"


class RiskOfBias(StrEnum):
    LOW = "low"
    SOME_CONCERNS = "some_concerns"
    HIGH = "high"
    NOT_ASSESSED = "not_assessed"


class Domain(StrEnum):
    RISK_OF_BIAS = "risk_of_bias"
    INCONSISTENCY = "inconsistency"
    INDIRECTNESS = "indirectness"
    IMPRECISION = "imprecision"
    PUBLICATION_BIAS = "publication_bias"
    LARGE_EFFECT = "large_effect"
    DOSE_RESPONSE = "dose_response"
    PLAUSIBLE_CONFOUNDING = "plausible_confounding"


class EvidenceBase(StrEnum):
    """What kind of body was graded; SORT reads it."""

    RANDOMISED = "randomised"
    OBSERVATIONAL = "observational"
    UNCONTROLLED = "uncontrolled"
    PRECLINICAL = "preclinical"


class Sort(StrEnum):
    A = "A"
    B = "B"
    C = "C"


class Inclusion(StrEnum):
    """Whether a review's pool includes a primary study."""

    INCLUDED = "included"
    NOT_INCLUDED = "not_included"
    UNKNOWN = "unknown"


# --- Thresholds: every number the grade depends on, each with the section it follows ------------

# Certainty scale, lowest first; a grade moves one step per level. (Certainty.NONE, "no
# evidence graded", is a claim's state, never an outcome's rating.)
LEVELS: tuple[Certainty, ...] = (
    Certainty.VERY_LOW,
    Certainty.LOW,
    Certainty.MODERATE,
    Certainty.HIGH,
)

# Starting level by design (GRADE Handbook 5.1.1; GRADE guidelines 9): randomised trials start
# high, observational studies low; unsystematic clinical observations (case series, reports,
# opinion) "generally receive a rating of very low" (GRADE guidelines 9, introduction). A
# systematic review with meta-analysis is graded as the randomised trials it pools (the seed's
# meta-analyses pool RCTs); a curator who knows it pooled other designs enters it as such.
RANDOMISED_DESIGNS = frozenset({"rct", "systematic_review_meta_analysis"})
OBSERVATIONAL_DESIGNS = frozenset(
    {"non_randomized_controlled", "cohort", "case_control", "systematic_review"}
)
UNCONTROLLED_DESIGNS = frozenset(
    {"case_series", "case_report", "narrative_review", "expert_opinion"}
)
# Animal and cell studies answer a human question only indirectly (GRADE guidelines 8): they start
# as non-randomised evidence and are rated down two levels for indirectness.
PRECLINICAL_DESIGNS = frozenset({"animal", "in_vitro"})

# Risk of bias (Cochrane Handbook 5.1 Table 12.2.d, "going from assessments of risk of bias to
# judgements about study limitations"): no downgrade when "most information is from studies at
# low risk of bias"; down when it is not; down two ("very serious") when the information from
# studies at high risk dominates. "Most" is read as more than half of the pool weight.
# Unassessed results count as not low (the table's "unclear").
MOST_INFORMATION_SHARE = 0.5

# Inconsistency (Cochrane Handbook 10.10.2): I² 0-40% "might not be important", 30-60% "may
# represent moderate", 50-90% "substantial", 75-100% "considerable" heterogeneity. GRADE
# guidelines 7: rate down when inconsistency is large and unexplained, "particularly if some
# studies suggest substantial benefit, and others no effect or harm (rather than only large vs.
# small effects)". So: one level when heterogeneity is substantial and the studies (or the
# prediction interval) disagree about which side of the threshold the effect lies on; two when
# it is considerable and the point estimates themselves fall on both sides.
I2_SUBSTANTIAL = 50.0
I2_CONSIDERABLE = 75.0

# Indirectness (GRADE guidelines 8; GRADE Handbook 5.2.3, indirectness of evidence): population,
# intervention, comparator and outcome may each differ from the question. One aspect that differs
# for most of the body is serious (-1); two or more, or evidence from animals or cells only, very
# serious (-2). A surrogate outcome standing for a patient-important one is indirect (GRADE
# guidelines 8, differences in outcome; GRADE Handbook 3.4 on surrogate outcomes).
INDIRECT_ASPECTS_VERY_SERIOUS = 2
PRECLINICAL_INDIRECTNESS_LEVELS = 2

# Imprecision (GRADE guidelines 6; GRADE guidance 34): look at the 95% CI against the decision
# thresholds, then at the optimal information size (OIS). Rule of thumb for a continuous outcome:
# 400 participants in all (GRADE guidelines 6: "a threshold of 400 or less is concerning").
OIS_CONTINUOUS = 400
# Without a MID: for a ratio, "an RR of under 0.75 or over 1.25" marks appreciable benefit or
# harm (GRADE guidelines 6, abstract); for an SMD, an effect size of 0.5 either way (GRADE
# guidelines 6 on continuous outcomes, as applied in the KCE process book 5.5.1.2).
RATIO_APPRECIABLE_LOW = 0.75
RATIO_APPRECIABLE_HIGH = 1.25
SMD_APPRECIABLE = 0.5
# GRADE guidance 34: a CI that appreciably crosses the thresholds on both sides (includes
# important benefit and important harm) warrants two or more levels; this module stops at two.
IMPRECISION_BOTH_THRESHOLDS_LEVELS = 2

# Publication bias (GRADE guidelines 5): suspect it when the evidence is "a number of small
# studies"; funnel-plot tests only with at least 10 studies (Cochrane Handbook 10.4.3.1); Egger's
# test is read at the 10% level (Egger et al., BMJ 1997, as used in Sterne et al., BMJ 2011).
# GRADE rates publication bias down at most one level ("undetected" / "strongly suspected").
EGGER_MIN_STUDIES = 10
EGGER_ALPHA = 0.10
SMALL_STUDY_PATTERN_MIN_STUDIES = 2  # "a number of" studies: at least two
SMALL_STUDY_PARTICIPANTS = OIS_CONTINUOUS  # each study on its own below the OIS rule of thumb
PUBLICATION_BIAS_MAX_LEVELS = 1

# Rating up (GRADE guidelines 9; GRADE Handbook 5.3.1-5.3.3): large effect RR > 2 or < 0.5
# (+1), very large RR > 5 or < 0.2 (+2, only with no serious problems of risk of bias or
# precision); a dose-response gradient (+1); all plausible confounding would reduce the
# effect (+1). Only for observational bodies not rated down for risk of bias.
LARGE_EFFECT_RATIO = 2.0
VERY_LARGE_EFFECT_RATIO = 5.0

# Size words for an SMD without a MID (Cochrane Handbook 15.5.3.1; Cohen 1988): 0.2 small,
# 0.5 moderate, 0.8 large. Below 0.2 reads as "little to no difference", 0.2 to 0.5 as
# "slightly", 0.5 and over as the plain verb (Santesso et al. 2020, Table 1 wording).
SMD_SMALL = 0.2
SMD_MODERATE = 0.5
SMD_LARGE = 0.8

# Vote counting (Cochrane Handbook 12.2.2.3): count studies by the direction of their point
# estimate, whatever their significance; a two-sided exact sign test says whether the split could
# be chance. Studies with no difference are ties and are left out of the test.
SIGN_TEST_ALPHA = 0.05

MINUS = "\N{MINUS SIGN}"

# --- Inputs ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StudyResultInput:
    """One study's result for the outcome of the comparison being graded."""

    label: str
    design: str
    participants: int | None = None
    risk_of_bias: RiskOfBias = RiskOfBias.NOT_ASSESSED
    # Analysis scale (log for ratios); None when the study gave no interval or estimate.
    estimate: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    direction: Direction | None = None
    indirect_population: bool = False
    indirect_intervention: bool = False
    indirect_comparator: bool = False
    indirect_outcome: bool = False
    single_centre: bool = False
    weight: float | None = None  # percent of the pool, None when not pooled or not known


@dataclass(frozen=True)
class PoolInput:
    """A pooled result for the comparison: computed in the app or cited from a review."""

    estimate: float
    ci_low: float
    ci_high: float
    measure: Measure
    k: int  # 0 when the source does not say
    source: str = "computed in the app"
    pi_low: float | None = None
    pi_high: float | None = None
    i2: float | None = None  # percent
    tau2: float | None = None
    q_p: float | None = None
    # Participants in THIS comparison's pool only, never a review's or network's total.
    participants: int | None = None
    egger_p: float | None = None  # None when k < 10 or not run
    leave_one_out: tuple[tuple[str, PoolInput], ...] = ()


@dataclass(frozen=True)
class OutcomeQuestion:
    """The outcome and comparison being graded, as the claim frames it."""

    name: str
    intervention: str
    importance: Importance = Importance.CRITICAL
    kind: OutcomeKind = OutcomeKind.PATIENT_IMPORTANT
    # The kind of outcome the claim speaks about; a surrogate measured for it is indirect.
    claim_outcome_kind: OutcomeKind = OutcomeKind.PATIENT_IMPORTANT
    benefit: Benefit = Benefit.HIGHER
    measure: Measure = Measure.MD
    unit: str = ""
    mid: float | None = None
    mid_source: str = ""
    comparator: str = ""
    # What the intervention is added to when the trials test it as an add-on ("minoxidil").
    add_on_to: str = ""
    # How the trials use the intervention, and how the claim does: "microneedling" (alone) tested
    # as microneedling added to minoxidil (add-on) is indirect evidence for the claim.
    comparison_role: InterventionRole = InterventionRole.ALONE
    claim_role: InterventionRole = InterventionRole.ALONE
    publication_bias_suspected: bool = False
    large_effect: bool = False
    dose_response: bool = False
    plausible_confounding: bool = False


# --- Outputs -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DomainJudgement:
    domain: Domain
    levels: int  # 0, -1, -2 for the five downgrading domains; 0, +1, +2 for upgrades
    reason: str
    numbers: str = ""
    assessable: bool = True


@dataclass(frozen=True)
class VoteCount:
    favour_intervention: int
    favour_comparator: int
    no_difference: int
    unknown: int
    p: float

    def words(self) -> str:
        n = self.favour_intervention + self.favour_comparator
        parts = [
            f"{self.favour_intervention} of {n} studies with a direction favour the intervention",
            f"{self.favour_comparator} favour the comparator",
        ]
        if self.no_difference:
            parts.append(f"{self.no_difference} show no difference (left out of the test)")
        if self.unknown:
            parts.append(f"{self.unknown} give no direction")
        return ", ".join(parts) + f"; sign test p = {_p(self.p)}"


@dataclass(frozen=True)
class OutcomeGrade:
    outcome: str
    importance: Importance
    kind: OutcomeKind
    certainty: Certainty
    starting_level: Certainty
    evidence_base: EvidenceBase
    domains: tuple[DomainJudgement, ...]
    effect: str
    statement: str
    fragility: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    vote: VoteCount | None = None

    def domain(self, domain: Domain) -> DomainJudgement:
        return next(d for d in self.domains if d.domain == domain)

    @property
    def downgraded_for_inconsistency(self) -> bool:
        return any(d.domain == Domain.INCONSISTENCY and d.levels < 0 for d in self.domains)


@dataclass(frozen=True)
class ClaimGrade:
    kind: ClaimKind
    graded: bool
    verdict: str
    certainty: Certainty | None = None
    set_by: str = ""  # the outcome whose certainty sets the claim's
    sort: Sort | None = None
    sort_label: str = ""
    reasons: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class PrimaryResult:
    """A primary study's result, and whether a review's pool already includes it."""

    result: StudyResultInput
    in_review: Inclusion = Inclusion.UNKNOWN


@dataclass(frozen=True)
class LeftOut:
    label: str
    reason: str


@dataclass(frozen=True)
class Body:
    """What to grade for one comparison: the pool, the studies behind it, and what was left out."""

    pool: PoolInput | None
    studies: tuple[StudyResultInput, ...]
    left_out: tuple[LeftOut, ...] = field(default_factory=tuple)


# --- Grading one outcome -----------------------------------------------------------------------


def grade_outcome(
    question: OutcomeQuestion,
    studies: Sequence[StudyResultInput],
    pool: PoolInput | None = None,
) -> OutcomeGrade:
    """Grade one outcome of one comparison from the studies' results and (optionally) a pool.

    Without a pool and without numbers the body is graded by direction of effect (vote counting
    with an exact sign test). Never raises on incomplete records; the reasons say what could not
    be checked.
    """
    if not studies:
        raise ValueError("grade_outcome needs at least one study result")
    base, start = _starting_level(studies)
    notes: list[str] = []
    mixed = {_base_of(s.design) for s in studies}
    if len(mixed) > 1:
        notes.append(
            "The body mixes designs ("
            + ", ".join(sorted(m.value for m in mixed))
            + f"); it starts at the level of the weakest ({start.value.replace('_', ' ')})."
        )
    direction_only = pool is None and not _has_numbers(studies, question.measure)
    vote = vote_count(studies) if direction_only else None

    rob = _risk_of_bias(studies)
    domains = [
        rob,
        _inconsistency(question, studies, pool, vote),
        _indirectness(question, studies),
        _imprecision(question, studies, pool, vote),
        _publication_bias(question, studies, pool),
    ]
    domains.extend(_upgrades(question, base, rob, pool, domains[3]))
    level = LEVELS.index(start) + sum(d.levels for d in domains)
    certainty = LEVELS[max(0, min(level, len(LEVELS) - 1))]

    effect = _effect_words(question, studies, pool, vote)
    statement = informative_statement(question, certainty, pool, studies, vote)
    fragility = _fragility(question, studies, pool, domains) if pool else ()
    return OutcomeGrade(
        outcome=question.name,
        importance=question.importance,
        kind=question.kind,
        certainty=certainty,
        starting_level=start,
        evidence_base=base,
        domains=tuple(domains),
        effect=effect,
        statement=statement,
        fragility=fragility,
        notes=tuple(notes),
        vote=vote,
    )


def _base_of(design: str) -> EvidenceBase:
    if design in RANDOMISED_DESIGNS:
        return EvidenceBase.RANDOMISED
    if design in PRECLINICAL_DESIGNS:
        return EvidenceBase.PRECLINICAL
    if design in OBSERVATIONAL_DESIGNS:
        return EvidenceBase.OBSERVATIONAL
    return EvidenceBase.UNCONTROLLED


_START: dict[EvidenceBase, Certainty] = {
    EvidenceBase.RANDOMISED: Certainty.HIGH,
    EvidenceBase.OBSERVATIONAL: Certainty.LOW,
    EvidenceBase.PRECLINICAL: Certainty.LOW,
    EvidenceBase.UNCONTROLLED: Certainty.VERY_LOW,
}


def _starting_level(studies: Sequence[StudyResultInput]) -> tuple[EvidenceBase, Certainty]:
    bases = [_base_of(s.design) for s in studies]
    start = min((_START[b] for b in bases), key=LEVELS.index)
    if all(b == EvidenceBase.PRECLINICAL for b in bases):
        return EvidenceBase.PRECLINICAL, start
    human = [b for b in bases if b != EvidenceBase.PRECLINICAL]
    base = min(human, key=lambda b: LEVELS.index(_START[b]))
    return base, start


def _has_numbers(studies: Sequence[StudyResultInput], measure: Measure) -> bool:
    if measure == Measure.DIRECTION_ONLY:
        return False
    return any(s.estimate is not None for s in studies)


# --- Risk of bias --------------------------------------------------------------------------


def _weights(studies: Sequence[StudyResultInput]) -> tuple[list[float], bool]:
    if all(s.weight is not None for s in studies):
        w = [float(s.weight or 0.0) for s in studies]
        if sum(w) > 0:
            return [x / sum(w) for x in w], True
    return [1.0 / len(studies)] * len(studies), False


def _risk_of_bias(studies: Sequence[StudyResultInput]) -> DomainJudgement:
    weights, pooled = _weights(studies)
    share = {r: 0.0 for r in RiskOfBias}
    for s, w in zip(studies, weights, strict=True):
        share[s.risk_of_bias] += w
    how = "of the pool weight" if pooled else "of the studies (equal weights: no pool weights)"
    numbers = (
        f"{_pct(share[RiskOfBias.LOW])} low, {_pct(share[RiskOfBias.SOME_CONCERNS])} some "
        f"concerns, {_pct(share[RiskOfBias.HIGH])} high, "
        f"{_pct(share[RiskOfBias.NOT_ASSESSED])} not assessed, {how}"
    )
    if share[RiskOfBias.HIGH] > MOST_INFORMATION_SHARE:
        return DomainJudgement(
            Domain.RISK_OF_BIAS,
            -2,
            "very serious: most of the information comes from results at high risk of bias",
            numbers,
        )
    if share[RiskOfBias.LOW] <= MOST_INFORMATION_SHARE:
        return DomainJudgement(
            Domain.RISK_OF_BIAS,
            -1,
            "serious: most of the information does not come from results at low risk of bias",
            numbers,
        )
    return DomainJudgement(
        Domain.RISK_OF_BIAS,
        0,
        "not serious: most of the information comes from results at low risk of bias",
        numbers,
    )


# --- Inconsistency -------------------------------------------------------------------------


def _threshold(question: OutcomeQuestion, measure: Measure) -> float:
    """Where 'the effect matters' starts, on the analysis scale (0 when nothing is known)."""
    if question.mid is not None:
        return _mid_on_scale(question.mid, measure)
    return 0.0


def _mid_on_scale(mid: float, measure: Measure) -> float:
    if measure in (Measure.RR, Measure.OR):
        return abs(math.log(mid))
    return abs(mid)


def _sign_for_benefit(question: OutcomeQuestion) -> int:
    return 1 if question.benefit == Benefit.HIGHER else -1


def _inconsistency(
    question: OutcomeQuestion,
    studies: Sequence[StudyResultInput],
    pool: PoolInput | None,
    vote: VoteCount | None,
) -> DomainJudgement:
    if vote is not None:
        if len(studies) == 1:
            return _single_study_inconsistency()
        numbers = vote.words()
        if vote.favour_intervention and vote.favour_comparator:
            return DomainJudgement(
                Domain.INCONSISTENCY,
                -1,
                "serious: the studies point in opposite directions",
                numbers,
            )
        return DomainJudgement(
            Domain.INCONSISTENCY,
            0,
            "not serious: no study points the other way (studies showing no difference, "
            "or not significant, are not counted against)",
            numbers,
        )
    # A pool's k of 0 means the source does not say how many studies it pooled: not one.
    k = pool.k if pool else sum(1 for s in studies if s.estimate is not None)
    if k == 1 or (pool is None and k == 0):
        return _single_study_inconsistency()
    measure = pool.measure if pool else question.measure
    return _judge_inconsistency(question, studies, pool, measure)


def _single_study_inconsistency() -> DomainJudgement:
    return DomainJudgement(
        Domain.INCONSISTENCY,
        0,
        "not assessable: a single study, so there is nothing to be inconsistent with "
        "(no downgrade)",
        "k = 1",
        assessable=False,
    )


def _judge_inconsistency(
    question: OutcomeQuestion,
    studies: Sequence[StudyResultInput],
    pool: PoolInput | None,
    measure: Measure,
) -> DomainJudgement:
    threshold = _threshold(question, measure)
    ests = [s.estimate for s in studies if s.estimate is not None]
    above = sum(1 for e in ests if e > threshold)
    below = sum(1 for e in ests if e < -threshold) if threshold else sum(1 for e in ests if e < 0)
    trivial = len(ests) - above - below
    line = "the null" if not threshold else f"the MID ({_fmt_effect(threshold, measure)})"
    # Estimates on both sides: with a MID, some above it and others at or below it.
    if threshold:
        both_sides = above > 0 and (trivial + below) > 0 or below > 0 and (trivial + above) > 0
    else:
        both_sides = above > 0 and below > 0
    opposite = above > 0 and below > 0  # some show benefit, others harm
    pi_crosses = (
        pool is not None
        and pool.pi_low is not None
        and pool.pi_high is not None
        and pool.pi_low < 0 < pool.pi_high
    )
    parts: list[str] = []
    i2 = pool.i2 if pool else None
    if i2 is not None:
        parts.append(f"I² {i2:.0f}%")
    if pool is not None and pool.tau2 is not None:
        parts.append(f"tau² {_num(pool.tau2)}")
    if pool is not None and pool.q_p is not None:
        parts.append(f"heterogeneity p = {_p(pool.q_p)}")
    if pool is not None and pool.pi_low is not None and pool.pi_high is not None:
        crosses = "crosses the null" if pi_crosses else "does not cross the null"
        parts.append(
            f"prediction interval {_fmt_effect(pool.pi_low, measure)} to "
            f"{_fmt_effect(pool.pi_high, measure)} {crosses}"
        )
    if ests:
        parts.append(
            f"{len(ests)} study estimates: {above} above and {len(ests) - above} at or below {line}"
            if threshold
            else f"{len(ests)} study estimates: {above} above and {below} below the null"
        )
    numbers = ", ".join(parts)
    if i2 is None:
        if opposite:
            return DomainJudgement(
                Domain.INCONSISTENCY,
                -1,
                "serious: point estimates fall on both sides of the null (no I² available)",
                numbers,
            )
        return DomainJudgement(
            Domain.INCONSISTENCY,
            0,
            "not serious: the point estimates agree in direction (no I² available)",
            numbers,
        )
    if i2 >= I2_CONSIDERABLE and opposite:
        return DomainJudgement(
            Domain.INCONSISTENCY,
            -2,
            "very serious: considerable heterogeneity, and some studies show benefit while "
            "others show harm",
            numbers,
        )
    if i2 >= I2_CONSIDERABLE and len(ests) <= 1:
        # A review's pool seen without its trials: nothing shows that they differ only in size.
        return DomainJudgement(
            Domain.INCONSISTENCY,
            -1,
            "serious: considerable heterogeneity that the source does not explain, and the "
            "studies' own estimates are not available to show that they differ only in size",
            numbers,
        )
    if i2 >= I2_SUBSTANTIAL and (both_sides or pi_crosses):
        why = (
            f"point estimates fall on both sides of {line}"
            if both_sides
            else "the prediction interval crosses the null"
        )
        return DomainJudgement(
            Domain.INCONSISTENCY,
            -1,
            f"serious: substantial heterogeneity and {why}",
            numbers,
        )
    if i2 >= I2_SUBSTANTIAL:
        return DomainJudgement(
            Domain.INCONSISTENCY,
            0,
            f"not serious: heterogeneity is substantial, but the studies differ only in how "
            f"large the effect is, all on the same side of {line}",
            numbers,
        )
    return DomainJudgement(
        Domain.INCONSISTENCY,
        0,
        "not serious: heterogeneity below the substantial range",
        numbers,
    )


# --- Indirectness --------------------------------------------------------------------------


def _indirectness(
    question: OutcomeQuestion, studies: Sequence[StudyResultInput]
) -> DomainJudgement:
    if all(s.design in PRECLINICAL_DESIGNS for s in studies):
        return DomainJudgement(
            Domain.INDIRECTNESS,
            -PRECLINICAL_INDIRECTNESS_LEVELS,
            "very serious: all the evidence comes from animals or cells, not people",
            f"{len(studies)} of {len(studies)} studies preclinical",
        )
    weights, _ = _weights(studies)
    aspects: list[str] = []
    flags = (
        ("population", "indirect_population"),
        ("intervention", "indirect_intervention"),
        ("comparator", "indirect_comparator"),
        ("outcome", "indirect_outcome"),
    )
    numbers: list[str] = []
    for name, attr in flags:
        share = sum(w for s, w in zip(studies, weights, strict=True) if getattr(s, attr))
        if share:
            numbers.append(f"{name} differs for {_pct(share)}")
        if share > MOST_INFORMATION_SHARE:
            aspects.append(f"the {name} differs from the question")
    if (
        question.claim_role != question.comparison_role
        and InterventionRole.OTHER not in (question.claim_role, question.comparison_role)
        and "the intervention differs from the question" not in aspects
    ):
        tested = (
            f"added to {question.add_on_to}"
            if question.comparison_role == InterventionRole.ADD_ON and question.add_on_to
            else _ROLE_WORDS[question.comparison_role]
        )
        aspects.append(
            f"the claim is about {question.intervention} {_ROLE_WORDS[question.claim_role]}, "
            f"the studies test it {tested}"
        )
        numbers.append(
            f"comparison role {question.comparison_role.value}, claim role "
            f"{question.claim_role.value}"
        )
    if (
        question.kind == OutcomeKind.SURROGATE
        and question.claim_outcome_kind == OutcomeKind.PATIENT_IMPORTANT
        and "the outcome differs from the question" not in aspects
    ):
        aspects.append(f"{question.name} is a surrogate for the outcome the claim is about")
        numbers.append("surrogate outcome")
    if not aspects:
        return DomainJudgement(
            Domain.INDIRECTNESS,
            0,
            "not serious: population, intervention, comparator and outcome match the question",
            "; ".join(numbers),
        )
    levels = -2 if len(aspects) >= INDIRECT_ASPECTS_VERY_SERIOUS else -1
    word = "very serious" if levels == -2 else "serious"
    return DomainJudgement(
        Domain.INDIRECTNESS, levels, f"{word}: " + "; ".join(aspects), "; ".join(numbers)
    )


_ROLE_WORDS: dict[InterventionRole, str] = {
    InterventionRole.ADD_ON: "added to another treatment",
    InterventionRole.ALONE: "alone",
    InterventionRole.OTHER: "in another role",
}


# --- Imprecision ---------------------------------------------------------------------------


def _band(question: OutcomeQuestion, measure: Measure) -> tuple[float, float] | None:
    """The interval of unimportant effects on the analysis scale, or None when unknown."""
    if question.mid is not None:
        t = _mid_on_scale(question.mid, measure)
        return (-t, t)
    if measure in (Measure.RR, Measure.OR):
        return (math.log(RATIO_APPRECIABLE_LOW), math.log(RATIO_APPRECIABLE_HIGH))
    if measure == Measure.SMD:
        return (-SMD_APPRECIABLE, SMD_APPRECIABLE)
    return None


def _band_source(question: OutcomeQuestion, measure: Measure) -> str:
    if question.mid is not None:
        src = f", {question.mid_source}" if question.mid_source else ""
        return f"MID {_fmt_mid(question.mid, measure)}{src}"
    if measure in (Measure.RR, Measure.OR):
        return (
            f"no MID given: appreciable effect taken as {measure.value} below "
            f"{RATIO_APPRECIABLE_LOW} or above {RATIO_APPRECIABLE_HIGH} (GRADE guidelines 6)"
        )
    return f"no MID given: appreciable effect taken as SMD {SMD_APPRECIABLE} either way"


def _participants(studies: Sequence[StudyResultInput], pool: PoolInput | None) -> int | None:
    if pool is not None:
        return pool.participants
    if all(s.participants is not None for s in studies):
        return sum(s.participants or 0 for s in studies)
    return None


def _imprecision(
    question: OutcomeQuestion,
    studies: Sequence[StudyResultInput],
    pool: PoolInput | None,
    vote: VoteCount | None,
) -> DomainJudgement:
    measure = pool.measure if pool else question.measure
    n = _participants(studies, pool)
    ois_levels, ois_words = _ois(measure, n)
    if vote is not None:
        levels = ois_levels
        reasons = [ois_words]
        if vote.p >= SIGN_TEST_ALPHA:
            levels = min(levels, -1)
            reasons.insert(0, "the split of directions could be chance (sign test)")
        else:
            reasons.insert(0, "the split of directions is unlikely to be chance (sign test)")
        # Counting directions says which way, never how much: without an effect and its CI the
        # precision of the effect cannot be shown, so it is rated down (Cochrane Handbook 12.2.2.3
        # on what vote counting cannot tell; GRADE Handbook 5.2.4).
        # Below the optimal information size as well, the two concerns add up: no CI to show
        # precision, and too few people for one (GRADE Handbook 5.2.4.3, two levels).
        levels = -2 if ois_levels < 0 else -1
        reasons.append(
            "vote counting gives no size of effect and no CI, so the effect cannot be shown "
            "to be precise"
        )
        word = "very serious" if levels <= -2 else "serious"
        return DomainJudgement(
            Domain.IMPRECISION, levels, f"{word}: " + "; ".join(reasons), vote.words()
        )
    lo, hi, est = _interval(studies, pool)
    if lo is None or hi is None or est is None:
        return DomainJudgement(
            Domain.IMPRECISION,
            -1 if ois_levels else 0,
            f"cannot check the CI: no interval for this result; {ois_words}",
            f"participants {n if n is not None else 'unknown'}",
            assessable=False,
        )
    ci = f"95% CI {_fmt_effect(lo, measure)} to {_fmt_effect(hi, measure)}"
    band = _band(question, measure)
    ci_levels = 0
    if lo < 0 < hi:
        ci_reason = "the CI crosses the null"
        ci_levels = -1
        if band is not None and lo < band[0] and hi > band[1]:
            ci_levels = -IMPRECISION_BOTH_THRESHOLDS_LEVELS
            ci_reason = (
                "the CI includes both an important benefit and an important harm "
                f"({_band_source(question, measure)})"
            )
        elif band is not None and band[0] <= lo and hi <= band[1]:
            ci_levels = 0
            ci_reason = (
                "the CI lies within the range of unimportant effects "
                f"({_band_source(question, measure)})"
            )
    elif band is not None and question.mid is not None and (lo < band[1] < hi or lo < band[0] < hi):
        ci_levels = -1
        ci_reason = (
            "the CI lies clear of the null but crosses the MID, so whether the effect is important "
            f"is uncertain ({_band_source(question, measure)})"
        )
    else:
        ci_reason = "the CI lies clear of the null"
        if band is None:
            ci_reason += " (no MID given: importance not judged)"
    levels = max(-2, min(ci_levels, ois_levels))
    word = {0: "not serious", -1: "serious", -2: "very serious"}[levels]
    numbers = f"{ci}; participants {n if n is not None else 'unknown'}"
    return DomainJudgement(Domain.IMPRECISION, levels, f"{word}: {ci_reason}; {ois_words}", numbers)


def _ois(measure: Measure, n: int | None) -> tuple[int, str]:
    # A direction-only body of hair counts is still a continuous outcome: the same rule of thumb.
    if measure not in (Measure.MD, Measure.SMD, Measure.DIRECTION_ONLY):
        return 0, (
            "the optimal information size of a binary outcome needs event counts, "
            "which are not given: not checked"
        )
    if n is None:
        return 0, (
            "the optimal information size cannot be checked: the participants in this "
            "comparison are not known"
        )
    if n < OIS_CONTINUOUS:
        return -1, f"{n} participants, below the optimal information size of {OIS_CONTINUOUS}"
    return 0, f"{n} participants meet the optimal information size of {OIS_CONTINUOUS}"


def _interval(
    studies: Sequence[StudyResultInput], pool: PoolInput | None
) -> tuple[float | None, float | None, float | None]:
    if pool is not None:
        return pool.ci_low, pool.ci_high, pool.estimate
    if len(studies) == 1:
        s = studies[0]
        return s.ci_low, s.ci_high, s.estimate
    return None, None, None


# --- Publication bias ----------------------------------------------------------------------


def _publication_bias(
    question: OutcomeQuestion,
    studies: Sequence[StudyResultInput],
    pool: PoolInput | None,
) -> DomainJudgement:
    reasons: list[str] = []
    numbers: list[str] = []
    if pool is not None and pool.egger_p is not None:
        if pool.k >= EGGER_MIN_STUDIES:
            numbers.append(f"Egger p = {_p(pool.egger_p)}, k = {pool.k}")
            if pool.egger_p < EGGER_ALPHA:
                reasons.append("the funnel plot is asymmetric (Egger's test)")
        else:
            numbers.append(
                f"Egger's test ignored: k = {pool.k}, fewer than {EGGER_MIN_STUDIES} studies"
            )
    small_positive = [
        s
        for s in studies
        if s.single_centre
        and s.participants is not None
        and s.participants < SMALL_STUDY_PARTICIPANTS
        and _favours_intervention(question, s)
    ]
    if len(studies) >= SMALL_STUDY_PATTERN_MIN_STUDIES and len(small_positive) == len(studies):
        reasons.append(
            f"all {len(studies)} studies are small, single-centre and favour the intervention"
        )
        numbers.append("participants " + ", ".join(str(s.participants) for s in studies))
    if question.publication_bias_suspected:
        reasons.append("suspected by the curator")
    if reasons:
        return DomainJudgement(
            Domain.PUBLICATION_BIAS,
            -PUBLICATION_BIAS_MAX_LEVELS,
            "strongly suspected: " + "; ".join(reasons),
            "; ".join(numbers),
        )
    return DomainJudgement(Domain.PUBLICATION_BIAS, 0, "undetected", "; ".join(numbers))


def _favours_intervention(question: OutcomeQuestion, s: StudyResultInput) -> bool:
    if s.estimate is not None and question.measure != Measure.DIRECTION_ONLY:
        return s.estimate * _sign_for_benefit(question) > 0
    return s.direction == Direction.FAVOURS_INTERVENTION


# --- Upgrades ------------------------------------------------------------------------------


def _upgrades(
    question: OutcomeQuestion,
    base: EvidenceBase,
    rob: DomainJudgement,
    pool: PoolInput | None,
    imprecision: DomainJudgement,
) -> list[DomainJudgement]:
    out: list[DomainJudgement] = []
    eligible = base == EvidenceBase.OBSERVATIONAL and rob.levels == 0
    why_not = (
        "only observational bodies are rated up"
        if base != EvidenceBase.OBSERVATIONAL
        else "the body is rated down for risk of bias"
    )
    large_levels = 0
    numbers = ""
    reason = ""
    if pool is not None and pool.measure in (Measure.RR, Measure.OR):
        ratio = math.exp(pool.estimate)
        numbers = f"{pool.measure.value} {ratio:.2f}"
        if ratio > VERY_LARGE_EFFECT_RATIO or ratio < 1 / VERY_LARGE_EFFECT_RATIO:
            large_levels = 2 if imprecision.levels == 0 else 1
            reason = "very large effect" + (
                "" if large_levels == 2 else " (one level only: the estimate is imprecise)"
            )
        elif ratio > LARGE_EFFECT_RATIO or ratio < 1 / LARGE_EFFECT_RATIO:
            large_levels = 1
            reason = "large effect"
    elif question.large_effect:
        large_levels = 1
        reason = "large effect, judged by the curator"
    flags = [
        (Domain.LARGE_EFFECT, large_levels, reason, numbers),
        (Domain.DOSE_RESPONSE, int(question.dose_response), "dose-response gradient", ""),
        (
            Domain.PLAUSIBLE_CONFOUNDING,
            int(question.plausible_confounding),
            "all plausible confounding would reduce the effect",
            "",
        ),
    ]
    for domain, levels, what, nums in flags:
        if not levels:
            continue
        if eligible:
            out.append(DomainJudgement(domain, levels, what, nums))
        else:
            out.append(DomainJudgement(domain, 0, f"{what}, not applied: {why_not}", nums))
    return out


# --- Vote counting -----------------------------------------------------------------------------


def sign_test(successes: int, failures: int) -> float:
    """Two-sided exact sign test (binomial, p = 1/2) of `successes` against `failures`."""
    n = successes + failures
    if n == 0:
        return 1.0
    tail = sum(math.comb(n, i) for i in range(min(successes, failures) + 1))
    return min(1.0, 2 * tail / (1 << n))


def vote_count(studies: Sequence[StudyResultInput]) -> VoteCount:
    """Count studies by direction (Cochrane Handbook 12.2.2.3), never by significance."""
    fi = sum(1 for s in studies if s.direction == Direction.FAVOURS_INTERVENTION)
    fc = sum(1 for s in studies if s.direction == Direction.FAVOURS_COMPARATOR)
    nd = sum(1 for s in studies if s.direction == Direction.NO_DIFFERENCE)
    unknown = len(studies) - fi - fc - nd
    return VoteCount(fi, fc, nd, unknown, sign_test(fi, fc))


# --- Words ---------------------------------------------------------------------------------


def _effect_words(
    question: OutcomeQuestion,
    studies: Sequence[StudyResultInput],
    pool: PoolInput | None,
    vote: VoteCount | None,
) -> str:
    if vote is not None:
        return vote.words()
    lo, hi, est = _interval(studies, pool)
    measure = pool.measure if pool else question.measure
    if est is None:
        return "no pooled effect: the studies' estimates could not be combined"
    unit = f" {question.unit}" if question.unit and measure in (Measure.MD, Measure.RD) else ""
    if measure in (Measure.RR, Measure.OR):
        text = f"{measure.value} {math.exp(est):.2f}"
    else:
        more = "higher" if est >= 0 else "lower"
        text = f"{measure.value} {_num(abs(est))}{unit} {more}"
    if lo is not None and hi is not None:
        text += f" (95% CI {_fmt_effect(lo, measure)} to {_fmt_effect(hi, measure)})"
    src = pool.source if pool else studies[0].label
    return f"{text}; {src}"


def informative_statement(
    question: OutcomeQuestion,
    certainty: Certainty,
    pool: PoolInput | None,
    studies: Sequence[StudyResultInput] = (),
    vote: VoteCount | None = None,
) -> str:
    """The GRADE informative statement (Santesso et al. 2020, Table 1 wording)."""
    who, what = question.intervention, question.name
    if question.comparison_role == InterventionRole.ADD_ON and question.add_on_to:
        who = f"{who} added to {question.add_on_to}"
    compared = f" compared with {question.comparator}" if question.comparator else ""
    if certainty == Certainty.VERY_LOW:
        return f"The evidence is very uncertain about the effect of {who}{compared} on {what}."
    return _capitalised(_statement(question, certainty, pool, studies, vote, who, compared, what))


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def _statement(
    question: OutcomeQuestion,
    certainty: Certainty,
    pool: PoolInput | None,
    studies: Sequence[StudyResultInput],
    vote: VoteCount | None,
    who: str,
    compared: str,
    what: str,
) -> str:
    hedge = {Certainty.HIGH: "", Certainty.MODERATE: "probably ", Certainty.LOW: "may "}[certainty]
    size, up = _size(question, studies, pool, vote)
    # "may" takes the bare verb; "probably" and no hedge take the third person.
    bare = certainty == Certainty.LOW
    if size == "none":
        verb = "result" if bare else "results"
        return f"{who}{compared} {hedge}{verb} in little to no difference in {what}."
    if bare:
        verb = "increase" if up else "reduce"
    else:
        verb = "increases" if up else "reduces"
    slightly = "slightly " if size == "small" else ""
    return f"{who}{compared} {hedge}{slightly}{verb} {what}."


def _size(
    question: OutcomeQuestion,
    studies: Sequence[StudyResultInput],
    pool: PoolInput | None,
    vote: VoteCount | None,
) -> tuple[str, bool]:
    """('none' | 'small' | 'plain', whether the outcome goes up)."""
    if vote is not None:
        favours = vote.favour_intervention >= vote.favour_comparator
        up = favours == (question.benefit == Benefit.HIGHER)
        if vote.favour_intervention == vote.favour_comparator:
            return "none", up
        return "plain", up
    lo, hi, est = _interval(studies, pool)
    if est is None:
        return "plain", True
    measure = pool.measure if pool else question.measure
    up = est > 0
    band = _band(question, measure) if question.mid is not None else None
    if band is not None:
        if lo is not None and hi is not None and band[0] <= lo and hi <= band[1]:
            return "none", up
        if band[0] < est < band[1]:
            return "none", up
        return "plain", up
    if measure == Measure.SMD:
        if abs(est) < SMD_SMALL:
            return "none", up
        if abs(est) < SMD_MODERATE:
            return "small", up
        return "plain", up
    if measure in (Measure.RR, Measure.OR):
        low, high = math.log(RATIO_APPRECIABLE_LOW), math.log(RATIO_APPRECIABLE_HIGH)
        if lo is not None and hi is not None and low <= lo and hi <= high:
            return "none", up
    return "plain", up


# --- Fragility -----------------------------------------------------------------------------


def _fragility(
    question: OutcomeQuestion,
    studies: Sequence[StudyResultInput],
    pool: PoolInput | None,
    domains: Sequence[DomainJudgement],
) -> tuple[str, ...]:
    if pool is None:
        return ()
    notes: list[str] = []
    by_domain = {d.domain: d for d in domains}
    for label, loo in pool.leave_one_out:
        rest = [s for s in studies if s.label != label]
        if not rest:
            continue
        checks = (
            (Domain.INCONSISTENCY, _inconsistency(question, rest, loo, None)),
            (Domain.IMPRECISION, _imprecision(question, rest, loo, None)),
        )
        for domain, judged in checks:
            before = by_domain[domain]
            if judged.levels != before.levels:
                notes.append(
                    f"Leaving out {label} would change the {domain.value.replace('_', ' ')} "
                    f"judgement from {_lvl(before.levels)} to {_lvl(judged.levels)} "
                    f"({judged.numbers})."
                )
        if (loo.ci_low > 0 or loo.ci_high < 0) != (pool.ci_low > 0 or pool.ci_high < 0):
            now = "clear of" if (loo.ci_low > 0 or loo.ci_high < 0) else "across"
            notes.append(
                f"Leaving out {label} would put the CI {now} the null "
                f"({_fmt_effect(loo.ci_low, loo.measure)} to "
                f"{_fmt_effect(loo.ci_high, loo.measure)})."
            )
    return tuple(notes)


# --- Claim level ---------------------------------------------------------------------------

_RANK = {c: i for i, c in enumerate(LEVELS)}


def grade_claim(
    kind: ClaimKind,
    outcomes: Sequence[OutcomeGrade] = (),
    *,
    related_certainties: Sequence[Certainty] = (),
    asserts_weak_evidence: bool = True,
    contradicted_by_definitions: bool = False,
    definition_sources: Sequence[str] = (),
) -> ClaimGrade:
    """A claim's grade from its outcomes (effect, mechanism) or from what it is.

    - effect and mechanism claims: the lowest certainty among the critical outcomes (GRADE
      Handbook, overall quality across outcomes: "the lowest quality of evidence for any of the
      critical outcomes determines the overall quality"); without a critical outcome, the
      important ones, and the reasons say so. SORT beside it; a mechanism claim is SORT C.
    - background: not graded, "established background".
    - definitional: "consistent with accepted definitions" or "contradicted by accepted
      definitions", with the sources.
    - evidence_state ("more trials are needed"): answered from the certainties of the related
      effect claims.
    """
    if kind == ClaimKind.BACKGROUND:
        return ClaimGrade(
            kind,
            graded=False,
            verdict="established background",
            reasons=("Background statements are not graded; they describe accepted facts.",),
        )
    if kind == ClaimKind.DEFINITIONAL:
        verdict = (
            "contradicted by accepted definitions"
            if contradicted_by_definitions
            else "consistent with accepted definitions"
        )
        reasons = () if definition_sources else ("No definition source was given.",)
        return ClaimGrade(
            kind, graded=False, verdict=verdict, reasons=reasons, sources=tuple(definition_sources)
        )
    if kind == ClaimKind.EVIDENCE_STATE:
        return _evidence_state(related_certainties, asserts_weak_evidence=asserts_weak_evidence)
    return _effect_claim(kind, outcomes)


def _evidence_state(certainties: Sequence[Certainty], *, asserts_weak_evidence: bool) -> ClaimGrade:
    if not certainties:
        return ClaimGrade(
            ClaimKind.EVIDENCE_STATE,
            graded=False,
            verdict="cannot be answered: no related effect claim is graded",
        )
    weak = sum(1 for c in certainties if c in (Certainty.LOW, Certainty.VERY_LOW))
    n = len(certainties)
    tally = f"{weak} of {n} related effect claims are low or very low certainty"
    if weak == n:
        verdict = (
            "true: the related effect claims are low or very low certainty"
            if asserts_weak_evidence
            else "not borne out: the related effect claims are low or very low certainty"
        )
    elif weak == 0:
        verdict = (
            "not borne out: the related effect claims are moderate or high certainty"
            if asserts_weak_evidence
            else "true: the related effect claims are moderate or high certainty"
        )
    else:
        verdict = f"partly true: {tally}"
    return ClaimGrade(ClaimKind.EVIDENCE_STATE, graded=False, verdict=verdict, reasons=(tally,))


def _effect_claim(kind: ClaimKind, outcomes: Sequence[OutcomeGrade]) -> ClaimGrade:
    critical = [o for o in outcomes if o.importance == Importance.CRITICAL]
    reasons: list[str] = []
    considered = critical
    if not critical:
        considered = [o for o in outcomes if o.importance == Importance.IMPORTANT]
        if considered:
            reasons.append("No critical outcome was graded; the important outcomes are used.")
    if not considered:
        return ClaimGrade(
            kind,
            graded=False,
            verdict="not graded: no critical or important outcome has been graded",
        )
    lowest = min(considered, key=lambda o: _RANK[o.certainty])
    reasons.append(
        f"Certainty set by {lowest.outcome} ({lowest.certainty.value.replace('_', ' ')}), "
        f"the lowest of {len(considered)} "
        f"{'critical' if critical else 'important'} outcome(s)."
    )
    sort, label = _sort(kind, lowest, considered)
    return ClaimGrade(
        kind,
        graded=True,
        verdict=f"{lowest.certainty.value.replace('_', ' ')} certainty",
        certainty=lowest.certainty,
        set_by=lowest.outcome,
        sort=sort,
        sort_label=label,
        reasons=tuple(reasons),
    )


def _sort(
    kind: ClaimKind, lowest: OutcomeGrade, considered: Sequence[OutcomeGrade]
) -> tuple[Sort, str]:
    """SORT (Ebell 2004): A consistent, good-quality patient-oriented evidence; B inconsistent or
    limited-quality patient-oriented evidence; C consensus, usual practice, opinion,
    disease-oriented evidence, or case series."""
    if kind == ClaimKind.MECHANISM:
        return Sort.C, "disease-oriented evidence (a mechanism, not a patient outcome)"
    if lowest.evidence_base == EvidenceBase.PRECLINICAL:
        return Sort.C, "disease-oriented evidence (animal or cell studies)"
    if lowest.evidence_base == EvidenceBase.UNCONTROLLED:
        return Sort.C, "case series, opinion or other uncontrolled evidence"
    if lowest.kind == OutcomeKind.SURROGATE:
        return Sort.C, f"disease-oriented evidence ({lowest.outcome} is a surrogate outcome)"
    inconsistent = [o.outcome for o in considered if o.downgraded_for_inconsistency]
    good = _RANK[lowest.certainty] >= _RANK[Certainty.MODERATE]
    if good and not inconsistent:
        return Sort.A, "consistent, good-quality patient-oriented evidence"
    if inconsistent:
        return Sort.B, "inconsistent patient-oriented evidence (" + ", ".join(inconsistent) + ")"
    return Sort.B, (
        f"limited-quality patient-oriented evidence ({lowest.certainty.value.replace('_', ' ')} "
        "certainty)"
    )


# --- Reviews without double counting -----------------------------------------------------------


def body_from_review(
    review: StudyResultInput,
    pool: PoolInput,
    primaries: Sequence[PrimaryResult],
    review_studies: Sequence[StudyResultInput] = (),
) -> Body:
    """The body to grade when a review's pool is used: its pool, and its own study rows (or the
    review itself when their rows are not known). Primary studies are never added on top of the
    review's pool: those it includes are already counted; those it does not include, or of which
    it is unknown, cannot be added to its numbers without its per-trial data. Each is listed in
    `left_out` with the reason.
    """
    left: list[LeftOut] = []
    for p in primaries:
        label = p.result.label
        if p.in_review == Inclusion.INCLUDED:
            reason = f"already counted in the pool of {review.label}"
        elif p.in_review == Inclusion.NOT_INCLUDED:
            reason = (
                f"not in the pool of {review.label}; adding it needs a new pool with the "
                "review's trials, so it is graded apart"
            )
        else:
            reason = (
                f"not known whether {review.label} pooled it; left out so that it is not "
                "counted twice"
            )
        left.append(LeftOut(label, reason))
    studies = tuple(review_studies) if review_studies else (review,)
    if not review_studies and pool.participants is None and review.participants is not None:
        # A review's stated total may be a network total; never borrow it for this comparison.
        pool = replace(pool, participants=None)
    return Body(pool=pool, studies=studies, left_out=tuple(left))


# --- Number formatting ---------------------------------------------------------------------


def _num(x: float) -> str:
    text = f"{x:.2f}".rstrip("0").rstrip(".") if abs(x) < 10 else f"{x:.1f}".rstrip("0").rstrip(".")
    if text in ("-0", ""):
        text = "0"
    return text.replace("-", MINUS)


def _fmt_effect(x: float, measure: Measure) -> str:
    if measure in (Measure.RR, Measure.OR):
        return f"{math.exp(x):.2f}"
    return _num(x)


def _fmt_mid(mid: float, measure: Measure) -> str:
    if measure in (Measure.RR, Measure.OR):
        return f"{measure.value} {mid:g}"
    return _num(mid)


def _pct(share: float) -> str:
    return f"{share * 100:.0f}%"


def _p(p: float) -> str:
    return "< 0.001" if p < 0.001 else f"{p:.3f}".rstrip("0").rstrip(".")


def _lvl(levels: int) -> str:
    return "0" if levels == 0 else (f"+{levels}" if levels > 0 else f"{MINUS}{-levels}")
