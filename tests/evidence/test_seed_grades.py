"""The seed claims, graded: expectations worked out by hand from fixtures/seed/evidence.json.

How each was worked out (rules in docs/grading.md). Neutral links are set aside first; the
best design tier among the rest is the body that is graded. Levels: high 3, moderate 2, low 1,
very low 0. "sc" is risk of bias "some concerns"; "NA" not assessed, taken as some concerns.
No seed claim carries a publication-bias, large-effect or dose-response flag.

improves-hair-density-thickness (the worked example in docs/grading.md)
  Neutral, set aside: liang2022 (results not in the abstract), kim2016 (mice).
  Body, randomised tier: 7 RCTs, dhurat2013 100 S, kumar2018 68 S, faghihi2021 60 mixed,
  shah2017 50 S, fphl2022china 40 S, adistri2024 36 S, homeuse2020 29 contradicts, all sc;
  3 meta-analyses, xu2024 472 mixed, pei2024 696 S, gupta2023nma 1110 mixed, all NA.
  Start high (3). Risk of bias: none of 10 at low risk, -1. Inconsistency: 6 support, 1
  contradicts (homeuse2020), a minority of one, -1. Indirectness: none flagged, 0.
  Imprecision: primary 100+68+60+50+40+36+29 = 383, largest pooled 1110, so 1110 >= 400 and
  10 studies, 0. 3 - 2 = 1: low. Direction: (6 + 3/2) / 10 = 0.75 >= 2/3: supported.
  Low certainty is not A: SORT B.
effective-for-hair-loss
  The same links with the same directions as density: low, supported, B.
generally-safe-with-transient-side-effects
  Neutral, set aside: kim2012addr. Body: 4 RCTs, fphl2022china 40, adistri2024 36,
  homeuse2020 29, arora2022 60, all sc, all supporting, none indirect. Start high (3); none at
  low risk, -1; no disagreement; none indirect; 165 participants < 400, -1. 3 - 2 = 1: low,
  supported, B.
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
  Neutral, set aside: fertig2018. Best tier left: harris2015, a systematic review without a
  meta-analysis (observational tier), NA, no participants stated, flagged indirect (acne-scar
  skin). Start low (1); -1 risk of bias (assumed sc); -1 indirectness; no participants stated,
  -1 imprecision (a review is not a single study). 1 - 3 < 0: very low, supported, B.
microneedling-rejuvenates-skin
  As above, but harris2015 is direct for skin rejuvenation: 1 - 2 < 0, very low, supported, B.
strengthens-hair-follicles
  Neutral, set aside: dhurat2013 (measured hair counts, not follicle biology). Best tier left:
  kimjh2020, a systematic review without meta-analysis, NA, no participants, indirect. As for
  collagen: very low, supported, B; not preclinical-only, since a review of human and animal
  studies outranks the three mouse studies.
increases-scalp-blood-flow, blood-flow-nourishes-follicles
  Only kim2016 and jin2023, mice, both supporting, NA. Start very low; -1 risk of bias; -2
  indirectness (animals only); imprecision not rated. Floor: very low, supported,
  preclinical only, C.
reduces-scalp-inflammation
  Neutral, set aside: aust2008rat. Body: jin2023 (mice) contradicts, schmitt2018 (skin model)
  supports. Very low; 1 for and 1 against: neither side reaches 2/3, mixed; preclinical only, C.
collagen-gives-skin-and-follicles-structure, inflammation-contributes-to-hair-loss,
is-non-invasive
  No study linked: none, no direction, no SORT.
"""

import time

from evidence.models import Claim
from evidence.services import claims_regrade

# slug: (certainty, direction, SORT, preclinical only)
EXPECTED = {
    "improves-hair-density-thickness": ("low", "supported", "B", False),
    "effective-for-hair-loss": ("low", "supported", "B", False),
    "generally-safe-with-transient-side-effects": ("low", "supported", "B", False),
    "more-clinical-trials-needed": ("low", "supported", "B", False),
    "improves-topical-absorption": ("very_low", "supported", "B", False),
    "microneedling-induces-collagen-elastin": ("very_low", "supported", "B", False),
    "microneedling-rejuvenates-skin": ("very_low", "supported", "B", False),
    "strengthens-hair-follicles": ("very_low", "supported", "B", False),
    "increases-scalp-blood-flow": ("very_low", "supported", "C", True),
    "blood-flow-nourishes-follicles": ("very_low", "supported", "C", True),
    "reduces-scalp-inflammation": ("very_low", "mixed", "C", True),
    "collagen-gives-skin-and-follicles-structure": ("none", "", "", False),
    "inflammation-contributes-to-hair-loss": ("none", "", "", False),
    "is-non-invasive": ("none", "", "", False),
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
        "Start: high — 3 systematic reviews with meta-analysis and 7 randomised trials",
        "A systematic review with meta-analysis is counted as a synthesis of randomised trials.",
        "Also linked but not graded (weaker designs): 2 systematic reviews, 2 non-randomised "
        "controlled studies, 4 case series and 1 narrative review.",
        "Not graded, neutral (they do not test the claim): 1 randomised trial and 1 animal study.",
        "Assumed: risk of bias not assessed for Gupta 2023, Xu 2024 and Pei 2024; treated as "
        "some concerns.",
        "−1 risk of bias: all 10 studies at some concerns or worse, none at low risk",
        "−1 inconsistency: 6 support the claim and 1 contradicts it (homeuse2020 disagrees)",
        "Indirectness: no downgrade, the evidence bears directly on the claim",
        "Imprecision: no downgrade, 1,110 participants in all (the largest review's pooled "
        "total) across 10 studies",
        "Direction: supported (6 support, 1 contradicts, 3 mixed)",
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
