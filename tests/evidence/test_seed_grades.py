"""The seed claims, graded: expectations worked out by hand from the rules and the seed's data.

Rules: evidence/certainty.py (GRADE per outcome) and evidence/assessment.py (what is pooled, what
stands in, the claim by its kind). Data: fixtures/seed/synthesis.json (kinds, Summary-of-Findings
rows, results, pooled estimates) and the links in fixtures/seed/evidence.json. Levels: high 3,
moderate 2, low 1, very low 0 (the floor). Randomised trials and systematic reviews with a
meta-analysis start high, non-randomised studies and reviews without one low, case series,
narrative reviews and opinion very low; animal and cell studies low, and -2 indirectness when
they are all the evidence. A body of mixed designs starts at its weakest. Risk of bias -1 when at
most half of the information is at low risk (not assessed counts as not low), -2 when most is at
high risk. Imprecision -1 under 400 participants, and for a body counted by direction when the
sign test gives p >= 0.05. An add-on comparison (needling added to minoxidil) answers a claim
about needling alone indirectly (-1); a surrogate outcome for a patient-important question is
indirect (-1). A claim's certainty is its weakest graded critical outcome (important ones only if
no critical one is graded). SORT: C for mechanisms, preclinical, uncontrolled or surrogate
evidence; A for moderate/high consistent patient-oriented evidence; B otherwise.

improves-hair-density-thickness (effect)
  Rows, critical first. Hair count, microneedling + minoxidil vs minoxidil alone (critical):
  six trials have direction-only results (no SDs), so nothing is pooled in the app and the
  newest review with a CI stands in: Ahmed 2025, SMD 1.32 (0.73 to 1.92), I² 88%, k not stated;
  Abdi 2023 (SMD 1.76) is listed beside it, never pooled, and the six trials are left out so
  that they are not counted twice. Start high (a meta-analysis). Risk of bias: the review is
  not assessed, -1. Inconsistency: I² 88% is considerable and the review's trials' estimates are
  not there to show they differ only in size, -1. Indirectness: add-on trials for a claim about
  needling alone, -1. Imprecision: the CI is clear of the null, but the analysis's participants
  are not stated, so the six trials of this comparison here count: 100 + 68 + 60 + 40 + 36 + 29
  = 333 < 400, -1. 3 - 4: very low.
  Hair count, microneedling alone vs no treatment (critical): no study; not graded.
  Hair diameter, same add-on comparison (important, surrogate): a SEPARATE row, Ahmed 2025's
  SMD 0.34 (0.11 to 0.58), k 6, I² 0%; Xu 2024 (SMD -0.21) listed beside it. Start high; risk of
  bias -1; I² 0%, 0; indirectness: add-on and a surrogate, two aspects, -2; imprecision -1
  (see below on the participants). 3 - 4: very low.
  Claim: very low, set by the critical hair-count row. Its CI lies above 0 for a higher-is-
  better outcome: supported. Patient-important randomised evidence rated down for
  inconsistency: SORT B. Not preclinical.
effective-for-hair-loss (effect)
  The same hair-count row (very low) and a second critical row graded: patient-rated
  improvement, add-on, Malhotra 2020 (non-randomised, 60, high risk; direction only): start low,
  -2 risk of bias, ... floor, very low. Claim very low, set by hair count (the first of the two
  lowest), supported, SORT B (inconsistent), not preclinical.
generally-safe-with-transient-side-effects (effect)
  One critical row, adverse events, add-on: Ahmed 2025's event totals (74 vs 59, no
  denominators), direction only. Start high; -1 risk of bias (some concerns); -1 indirectness
  (add-on); -1 imprecision (no interval can be checked). Very low, SORT B (patient-oriented,
  limited quality), not preclinical. The direction is NOT pinned here: see the note below.
improves-topical-absorption (mechanism)
  Only important rows (alopecia areata regrowth and SALT, needling with topical steroid vs
  injected steroid), each one study showing no difference, indirect on every PICO element (-2).
  Arora 2022 (RCT, 60, some concerns): 3 - 1 - 2 - 1 = very low; Ageeba 2023 (non-randomised,
  high risk): floor. Very low. No study points either way: inconclusive. A mechanism: SORT C.
microneedling-induces-collagen-elastin (mechanism; no rows: links counted by direction)
  Six supporting links: Aust 2008 and two other case series, Fernandes 2008 (opinion), Harris
  2015 (review without meta-analysis), Schmitt 2018 (skin model). The weakest design (opinion,
  case series) sets the start: very low, the floor. Supported (6-0), SORT C, not preclinical.
microneedling-rejuvenates-skin (effect; links)
  Seven supporting links, among them Alam 2014 (split-face RCT of 20) beside case series and an
  opinion: start very low (weakest design), floor. Very low, supported, not preclinical. SORT is
  NOT pinned: see the note below.
strengthens-hair-follicles (mechanism; links)
  Four mouse studies and Kim 2020 (a review without meta-analysis), all supporting: start low;
  -1 risk of bias (not assessed); 5-0 gives sign test p = 0.0625, -1 imprecision: very low.
  Supported, SORT C; not preclinical only, since a human-design review is among them.
increases-scalp-blood-flow (mechanism; links)
  Facialmn2021, a case series of 35 at high risk whose flow fell: start very low. Very low,
  contradicted, SORT C, not preclinical.
blood-flow-nourishes-follicles (mechanism; links)
  Yano 2001, mice, supporting: start low, -2 indirectness: very low, supported, preclinical only,
  SORT C.
reduces-scalp-inflammation (mechanism; links)
  Jin 2023 (mice) against, Schmitt 2018 (skin model) for: all preclinical, very low; 1-1 with
  sign test p = 1: mixed; preclinical only, SORT C.
more-clinical-trials-needed (evidence_state)
  Answered from its related claims, density and effectiveness, both very low: "true", so
  supported; not graded itself (certainty none, no SORT).
is-non-invasive (definitional)
  Aust 2008 (rat) calls the procedure minimally invasive, contradicting the definition: not
  graded, contradicted.
collagen-gives-skin-and-follicles-structure, inflammation-contributes-to-hair-loss (background)
  Not graded: certainty none, no direction, no SORT.

Not encoded, reported to the lead instead:
- The safety claim's direction. The seed's adverse-event row says the needling arm had more
  events (74 vs 59, "favours_comparator" in the benefit sense certainty.py also uses), yet
  assessment._direction swaps the vote for a lower-is-better outcome and returns "supported".
- Rejuvenates-skin's SORT C ("case series, opinion"): the body holds a randomised trial of a
  patient-oriented outcome, which Ebell's SORT rates B (limited-quality patient-oriented
  evidence); it falls to C only because a mixed body starts at its weakest design.
- The diameter row's imprecision numbers: "96 participants" are the two trials of this
  comparison in the seed, for a pool the review says has six trials.
"""

import time

import pytest

from evidence.models import Claim
from evidence.services import claims_regrade
from tests.evidence.test_services import CHECKS, SAVEPOINT, STATE_CHECK

DENSITY = "improves-hair-density-thickness"
ADD_ON = "Microneedling + topical minoxidil vs topical minoxidil alone"
HAIR_COUNT = "Hair count or density (target-area count)"
HAIR_DIAMETER = "Hair shaft diameter or thickness"
NOT_PINNED = object()  # see the module docstring: reported, not encoded

# slug: (kind, certainty, direction, SORT, preclinical only)
EXPECTED = {
    DENSITY: ("effect", "very_low", "supported", "B", False),
    "effective-for-hair-loss": ("effect", "very_low", "supported", "B", False),
    "generally-safe-with-transient-side-effects": ("effect", "very_low", NOT_PINNED, "B", False),
    "improves-topical-absorption": ("mechanism", "very_low", "inconclusive", "C", False),
    "microneedling-induces-collagen-elastin": ("mechanism", "very_low", "supported", "C", False),
    "microneedling-rejuvenates-skin": ("effect", "very_low", "supported", NOT_PINNED, False),
    "strengthens-hair-follicles": ("mechanism", "very_low", "supported", "C", False),
    "increases-scalp-blood-flow": ("mechanism", "very_low", "contradicted", "C", False),
    "blood-flow-nourishes-follicles": ("mechanism", "very_low", "supported", "C", True),
    "reduces-scalp-inflammation": ("mechanism", "very_low", "mixed", "C", True),
    "more-clinical-trials-needed": ("evidence_state", "none", "supported", "", False),
    "is-non-invasive": ("definitional", "none", "contradicted", "", False),
    "collagen-gives-skin-and-follicles-structure": ("background", "none", "", "", False),
    "inflammation-contributes-to-hair-loss": ("background", "none", "", "", False),
}


def _graded(claim):
    return (
        claim.kind,
        claim.certainty,
        claim.direction,
        claim.sort_strength,
        claim.preclinical_only,
    )


def _masked(values, expected):
    return tuple(e if e is NOT_PINNED else v for v, e in zip(values, expected, strict=True))


def test_every_seed_claim_is_graded_as_worked_out_by_hand(seeded):
    graded = {c.slug: _graded(c) for c in Claim.objects.all()}
    assert set(graded) == set(EXPECTED)
    assert {slug: _masked(graded[slug], want) for slug, want in EXPECTED.items()} == EXPECTED


def _rows(claim, comparison):
    return {
        o["outcome"]: o for o in claim.grade_detail["outcomes"] if o["comparison"] == comparison
    }


def _levels(row):
    return {d["domain"]: d["levels"] for d in row["domains"]}


def test_the_density_claim_has_hair_count_and_diameter_as_separate_rows_of_the_add_on_comparison(
    seeded,
):
    claim = Claim.objects.get(slug=DENSITY)
    rows = _rows(claim, ADD_ON)
    assert set(rows) == {HAIR_COUNT, HAIR_DIAMETER}
    count, diameter = rows[HAIR_COUNT], rows[HAIR_DIAMETER]

    # Hair count: Ahmed 2025's published pool stands in; Abdi 2023 is only listed beside it.
    assert (count["importance"], count["outcome_kind"]) == ("critical", "patient_important")
    assert count["measure"] == "SMD"
    assert (count["effect"]["estimate"], count["effect"]["ci_low"], count["effect"]["ci_high"]) == (
        pytest.approx(1.32),
        pytest.approx(0.73),
        pytest.approx(1.92),
    )
    assert count["effect"]["source"] == "Ahmed 2025 (systematic review)"
    assert count["effect"]["i2"] == pytest.approx(88.0)
    assert [r["label"] for r in count["other_reviews"]] == ["Abdi 2023"]
    assert len(count["left_out"]) == 6  # the six trials, not counted on top of the review
    assert count["participants"] == 333
    assert (count["certainty"], count["starting_level"]) == ("very_low", "high")
    assert _levels(count) == {
        "risk_of_bias": -1,
        "inconsistency": -1,
        "indirectness": -1,
        "imprecision": -1,
        "publication_bias": 0,
    }

    # Hair diameter: Ahmed 2025's second pool, never merged with the hair count.
    assert (diameter["importance"], diameter["outcome_kind"]) == ("important", "surrogate")
    assert diameter["measure"] == "SMD"
    assert (
        diameter["effect"]["estimate"],
        diameter["effect"]["ci_low"],
        diameter["effect"]["ci_high"],
    ) == (pytest.approx(0.34), pytest.approx(0.11), pytest.approx(0.58))
    assert diameter["effect"]["source"] == "Ahmed 2025 (systematic review)"
    assert diameter["studies"] == 6
    assert [r["label"] for r in diameter["other_reviews"]] == ["Xu 2024"]
    assert (diameter["certainty"], diameter["starting_level"]) == ("very_low", "high")
    diameter_levels = _levels(diameter)
    assert diameter_levels["risk_of_bias"] == -1
    assert diameter_levels["inconsistency"] == 0
    assert diameter_levels["indirectness"] == -2
    assert diameter_levels["imprecision"] == -1

    # The claim's certainty is the critical hair-count row's.
    assert claim.grade_detail["certainty"] == count["certainty"] == claim.certainty
    assert claim.grade_detail["set_by"] == f"Hair count or density (target-area count): {ADD_ON}"
    assert claim.grade_detail["sort"] == "B"
    assert claim.grade_detail["sort_label"].startswith("inconsistent patient-oriented evidence")


def test_the_density_claim_says_that_no_study_tested_needling_alone_against_nothing(seeded):
    claim = Claim.objects.get(slug=DENSITY)
    alone = _rows(claim, "Microneedling alone vs no treatment or sham")[HAIR_COUNT]
    assert (alone["importance"], alone["certainty"], alone["studies"]) == ("critical", None, 0)
    assert (
        f"{HAIR_COUNT} (Microneedling alone vs no treatment or sham): no study measured it."
        in claim.rationale
    )


def test_the_density_claim_rationale_reads_step_by_step(seeded):
    claim = Claim.objects.get(slug=DENSITY)
    minus = "\N{MINUS SIGN}"
    assert claim.rationale[0] == (
        "Certainty set by hair count or density (target-area count) (very low), the lowest of 1 "
        "critical outcome(s)."
    )
    assert claim.rationale[1] == f"{HAIR_COUNT} ({ADD_ON}): very low certainty."
    steps = claim.rationale[2:6]
    assert [s.split(":")[0] for s in steps] == [
        f"  {minus}1 risk of bias",
        f"  {minus}1 inconsistency",
        f"  {minus}1 indirectness",
        f"  {minus}1 imprecision",
    ]
    assert "considerable heterogeneity" in steps[1]
    assert "added to topical minoxidil" in steps[2]
    assert "333 participants, below the optimal information size of 400" in steps[3]
    assert claim.graded_at is not None


def test_the_seeded_claims_are_already_up_to_date_and_regrade_in_a_fixed_number_of_queries(
    seeded, django_assert_num_queries
):
    # No claim's inputs changed since the seed was graded: the fingerprint checks alone (see
    # tests/evidence/test_services.py), in the savepoint; no claim is read or graded again.
    started = time.perf_counter()
    with django_assert_num_queries(CHECKS + STATE_CHECK + SAVEPOINT):
        summary = claims_regrade()
    elapsed = time.perf_counter() - started
    assert (summary.checked, summary.recomputed, summary.changed) == (len(EXPECTED), 0, 0)
    assert elapsed < 2, f"regrading the seed took {elapsed:.2f}s"


def test_the_seed_grades_are_in_the_claim_history(seeded):
    latest = Claim.objects.get(slug=DENSITY).history.first()
    assert (latest.certainty, latest.direction) == ("very_low", "supported")
    assert latest.grade_detail["set_by"] == f"Hair count or density (target-area count): {ADD_ON}"
