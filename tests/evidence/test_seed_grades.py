"""The seed claims, graded: expectations worked out by hand from fixtures/seed/evidence.json.

How each was worked out (rules in docs/grading.md). Neutral links are set aside first; the
best design tier among the rest is the body that is graded. Levels: high 3, moderate 2, low 1,
very low 0. "sc" is risk of bias "some concerns"; "NA" not assessed, taken as some concerns.
No seed claim carries a publication-bias, large-effect or dose-response flag.

improves-hair-density-thickness
  Neutral, set aside: liang2022 (results not in the abstract), kim2016 (mice), and, because
  they measured ratings rather than density or thickness, shah2017, malhotra2020, prpmn2019,
  dhurat2015 and parajuli2020.
  Body, randomised tier: 6 RCTs, dhurat2013 100 S, kumar2018 68 S, faghihi2021 60 mixed,
  fphl2022china 40 S, adistri2024 36 S, homeuse2020 29 contradicts, all sc; 5 meta-analyses,
  gupta2023nma 1110 mixed, abdi2023 466 mixed, xu2024 472 mixed, pei2024 696 S, ahmed2025 631
  S, all NA. Start high (3). Risk of bias: none of 11 at low risk, -1. Inconsistency: 6
  support, 1 contradicts, -1. Indirectness: none flagged, 0. Imprecision: largest pooled 1110
  >= 400 and 11 studies, 0. 3 - 2 = 1: low. Direction: (6 + 4/2) / 11 = 0.73 >= 2/3:
  supported. Low certainty is not A: SORT B.
effective-for-hair-loss
  As density, but shah2017 (S) stays in the body and prpmn2019 (S) in the weaker tier: 7
  RCTs and 5 meta-analyses, 7 S, 1 C, 4 mixed: (7 + 2) / 12 = 0.75. Low, supported, B.
generally-safe-with-transient-side-effects
  Neutral, set aside: kim2012addr, alam2014. Body: 4 RCTs, fphl2022china 40, adistri2024 36,
  homeuse2020 29, arora2022 60, all sc; and ahmed2025, a meta-analysis of 631 (NA), all
  supporting, none indirect. Start high (3); none at low risk, -1; no disagreement; none
  indirect; largest pooled 631 >= 400 across 5 studies, 0. 3 - 1 = 2: moderate, supported,
  no study contradicting another: SORT A. (Was low/B before ahmed2025 joined.)
more-clinical-trials-needed
  Neutral, set aside: kumar2018, faghihi2021, shah2017, liang2022, dhurat2015, xu2024, pei2024,
  gupta2023nma. Body: 2 RCTs, dhurat2013 100 and homeuse2020 29, both sc, both supporting.
  Start high; both sc, -1; 129 < 400, -1. Low, supported, B.
improves-topical-absorption
  Neutral, set aside: malhotra2020, homeuse2020 (absorption not measured). Body: 1 RCT,
  arora2022 60, sc, supporting, flagged indirect (alopecia areata and a steroid, not
  minoxidil). Start high (3); -1 risk of bias; -1 indirectness (1 of 1); single study under
  400, -2. 3 - 4 < 0: floor, very low. Supported (1 of 1). Randomised tier, very low: B.
microneedling-induces-collagen-elastin
  Neutral, set aside: fertig2018, alam2014 (collagen not measured). Best tier left:
  harris2015, a systematic review without a meta-analysis (observational tier), NA, no
  participants stated, flagged indirect (acne-scar skin). Start low (1); -1 risk of bias
  (assumed sc); -1 indirectness; no participants stated, -1 imprecision. Very low, supported,
  B.
microneedling-rejuvenates-skin
  Body: alam2014, a randomised split-face trial of 20, sc, supporting, direct (skin quality
  is the claim). Start high (3); -1 risk of bias; a single study under 400, -2. 3 - 3 = 0:
  very low, supported, B.
strengthens-hair-follicles
  Neutral, set aside: dhurat2013 (measured hair counts, not follicle biology). Best tier left:
  kimjh2020, a systematic review without meta-analysis, NA, no participants, indirect. As for
  collagen: very low, supported, B; not preclinical-only, since a review of human and animal
  studies outranks the four mouse studies.
increases-scalp-blood-flow
  Neutral, set aside: kim2016 and jin2023 (VEGF/Wnt expression, not blood flow), yano2001 (no
  needling). Body: facialmn2021, a case series of 35, high risk, indirect (face and neck),
  contradicting (flow fell). Start very low; -1, -1, -2: floor. Very low, contradicted, C;
  human evidence, so not preclinical only. (Was supported, preclinical only, on the two
  expression studies.)
blood-flow-nourishes-follicles
  Neutral, set aside: kim2016, jin2023, facialmn2021 (no hair outcome). Body: yano2001, mice,
  supporting. Very low, supported, preclinical only, C.
reduces-scalp-inflammation
  Neutral, set aside: aust2008rat, english2021. Body: jin2023 (mice) contradicts, schmitt2018
  (skin model) supports. Very low; 1 for and 1 against: mixed; preclinical only, C.
inflammation-contributes-to-hair-loss
  Body: english2021, a narrative review, NA, no participants, supporting (inflammation in
  more balding than non-balding biopsies). Start very low: floor. Very low, supported, C.
  (Was none: no study linked.)
is-non-invasive
  Body: aust2008rat, whose title calls the procedure minimally invasive, contradicting; rat
  study, so very low, contradicted, preclinical only, C. (Was none.)
collagen-gives-skin-and-follicles-structure
  No study linked: none, no direction, no SORT.
"""

import time

from evidence.models import Claim
from evidence.services import claims_regrade

# slug: (certainty, direction, SORT, preclinical only)
EXPECTED = {
    "improves-hair-density-thickness": ("low", "supported", "B", False),
    "effective-for-hair-loss": ("low", "supported", "B", False),
    "generally-safe-with-transient-side-effects": ("moderate", "supported", "A", False),
    "more-clinical-trials-needed": ("low", "supported", "B", False),
    "improves-topical-absorption": ("very_low", "supported", "B", False),
    "microneedling-induces-collagen-elastin": ("very_low", "supported", "B", False),
    "microneedling-rejuvenates-skin": ("very_low", "supported", "B", False),
    "strengthens-hair-follicles": ("very_low", "supported", "B", False),
    "increases-scalp-blood-flow": ("very_low", "contradicted", "C", False),
    "blood-flow-nourishes-follicles": ("very_low", "supported", "C", True),
    "reduces-scalp-inflammation": ("very_low", "mixed", "C", True),
    "collagen-gives-skin-and-follicles-structure": ("none", "", "", False),
    "inflammation-contributes-to-hair-loss": ("very_low", "supported", "C", False),
    "is-non-invasive": ("very_low", "contradicted", "C", True),
}


def test_every_seed_claim_is_graded_as_worked_out_by_hand(seeded):
    graded = {
        c.slug: (c.certainty, c.direction, c.sort_strength, c.preclinical_only)
        for c in Claim.objects.all()
    }
    assert graded == EXPECTED


def test_the_density_claim_rationale_reads_step_by_step(seeded):
    claim = Claim.objects.get(slug="improves-hair-density-thickness")
    assert claim.rationale == [
        "Start: high — 5 systematic reviews with meta-analysis and 6 randomised trials",
        "A systematic review with meta-analysis is counted as a synthesis of randomised trials.",
        "Also linked but not graded (weaker designs): 2 systematic reviews, 1 non-randomised "
        "controlled study, 2 case series and 2 narrative reviews.",
        "Not graded, neutral (they do not test the claim): 2 randomised trials, 2 non-randomised "
        "controlled studies, 2 case series and 1 animal study.",
        "Assumed: risk of bias not assessed for Gupta 2023, Abdi 2023, Xu 2024, Pei 2024 and "
        "Ahmed 2025; treated as some concerns.",
        "−1 risk of bias: all 11 studies at some concerns or worse, none at low risk",
        "−1 inconsistency: 6 support the claim and 1 contradicts it (homeuse2020 disagrees)",
        "Indirectness: no downgrade, the evidence bears directly on the claim",
        "Imprecision: no downgrade, 1,110 participants in all (the largest review's pooled "
        "total) across 11 studies",
        "Direction: supported (6 support, 1 contradicts, 4 mixed)",
        "Result: low certainty, supported; SORT B.",
    ]
    assert claim.graded_at is not None


def test_the_seeded_claims_are_already_up_to_date(seeded):
    started = time.perf_counter()
    summary = claims_regrade()
    elapsed = time.perf_counter() - started
    assert (summary.checked, summary.changed) == (len(EXPECTED), 0)
    assert elapsed < 2, f"regrading the seed took {elapsed:.2f}s"


def test_the_seed_grades_are_in_the_claim_history(seeded):
    latest = Claim.objects.get(slug="improves-hair-density-thickness").history.first()
    assert (latest.certainty, latest.direction) == ("low", "supported")
