"""Integrity of the seed evidence base: what `make run` loads must match the verified sources."""

import filecmp
import json
import re

import pytest
from django.core.management import call_command

from evidence.models import Claim, ClaimCategory, ClaimMention, EvidenceLink, SourceDocument
from evidence.seed import apply_corrections
from studies.models import Outcome, Study, StudyStatus
from tests.conftest import SEED_DIR, SHARED_REFERENCE, reference_copy

pytestmark = pytest.mark.django_db

FOUR_CATEGORIES = ["collagen-induction", "blood-flow", "topical-absorption", "density-thickness"]
REFERENCE_FILES = ["bibliography.json", "outcomes.json", "update-2026-12.json"]


@pytest.fixture(scope="session")
def update() -> dict:
    return json.loads((SEED_DIR / "update-2026-12.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def records(bibliography, update) -> list[dict]:
    """The bibliography with the update's corrections (where `old` still matches) and studies."""
    by_key = {r["short_key"]: dict(r) for r in bibliography}
    for correction in update["corrections"]:
        record = by_key[correction["short_key"]]
        if record[correction["field"]] == correction["old"]:
            record[correction["field"]] = correction["new"]
    return list(by_key.values()) + update["add_studies"]


@pytest.fixture(scope="session")
def all_outcome_rows(outcome_rows, update) -> list[dict]:
    return outcome_rows + update["add_outcomes"]


@pytest.mark.parametrize("name", [reference_copy(name) for name in REFERENCE_FILES])
def test_the_seed_copies_of_the_reference_files_are_unchanged(name):
    assert filecmp.cmp(SEED_DIR / name, SHARED_REFERENCE / name, shallow=False)


def test_the_article_is_stored_verbatim(seeded):
    document = SourceDocument.objects.get()
    original = SEED_DIR / "scalp-microneedling-article.txt"
    assert document.text == original.read_text(encoding="utf-8")
    shared = SHARED_REFERENCE.parent / "seed" / "scalp-microneedling-article.txt"
    if shared.exists():
        assert document.text == shared.read_text(encoding="utf-8")


def test_every_mention_is_anchored_exactly_at_its_offsets(seeded):
    mentions = list(ClaimMention.objects.select_related("document"))
    assert len(mentions) >= Claim.objects.count()
    for mention in mentions:
        text = mention.document.text
        assert text[mention.start : mention.end] == mention.quote, mention
        assert text[: mention.start].endswith(mention.prefix), mention
        assert text[mention.end :].startswith(mention.suffix), mention
        mention.full_clean()


def test_every_claim_is_mentioned_somewhere_and_repeated_claims_have_several_places(seeded):
    assert not Claim.objects.filter(mentions__isnull=True).exists()
    several = [c for c in Claim.objects.all() if c.mentions.count() > 1]
    assert len(several) >= 3


def test_every_reference_and_update_study_is_loaded_published_and_matches_its_record(
    seeded, records
):
    assert Study.objects.count() == len(records) == 35 + 13
    assert not Study.objects.exclude(status=StudyStatus.PUBLISHED).exists()
    for record in records:
        study = Study.objects.get(citation_key=record["short_key"])
        assert study.doi == (record["doi"] or "").lower()
        assert study.pmid == (record["pmid"] or "")
        assert study.year == record["year"]
        assert study.design == record["design"]
        assert study.participants == record["n_participants"]
        assert study.authors == (record["authors"] or [])
        assert study.journal == (record["journal"] or "")
        assert study.issue == (record["issue"] or "")
        if record["title"]:
            assert study.title == record["title"]
        else:
            # A record whose title could not be verified is stored with a plainly bracketed
            # description, never a guessed title.
            assert study.title.startswith("[") and study.title.endswith("]")
        assert study.summary, f"{record['short_key']} has no summary"
        assert study.summary != record["main_outcome"], "summaries are in our own words"


def test_the_update_corrections_are_applied_so_the_labels_read_family_name_and_year(seeded):
    labels = {
        key: Study.objects.get(citation_key=key).short_label()
        for key in ["starace2020", "chandrashekar2014", "english2022"]
    }
    assert labels == {
        "starace2020": "Starace 2020",
        "chandrashekar2014": "Chandrashekar 2014",
        "english2022": "English 2022",
    }
    assert Study.objects.get(citation_key="adistri2024").journal == "Dermatology Reports"
    assert Study.objects.get(citation_key="harris2015").issue == "2"


def test_a_correction_whose_old_value_no_longer_matches_is_left_alone_and_reported():
    records = [{"short_key": "a2020", "journal": "Kept Journal", "issue": None}]
    corrections = [
        {"short_key": "a2020", "field": "journal", "old": None, "new": "Other Journal"},
        {"short_key": "a2020", "field": "issue", "old": None, "new": "2"},
        {"short_key": "b2021", "field": "issue", "old": None, "new": "3"},
    ]
    corrected, skipped = apply_corrections(records, corrections)
    assert corrected == [{"short_key": "a2020", "journal": "Kept Journal", "issue": "2"}]
    assert records[0]["issue"] is None, "the input records are not changed"
    assert len(skipped) == 2
    assert skipped[0].startswith("a2020.journal") and skipped[1].startswith("b2021.issue")


def test_every_outcome_row_is_loaded_with_its_numbers_exactly(seeded, all_outcome_rows):
    assert Outcome.objects.count() == len(all_outcome_rows) == 28 + 12
    seen: dict[str, int] = {}
    for row in all_outcome_rows:
        order = seen.get(row["short_key"], 0)
        seen[row["short_key"]] = order + 1
        outcome = Outcome.objects.get(study__citation_key=row["short_key"], order=order)
        effect = row["reported_effect"] or {}
        assert outcome.measure == row["measure"]
        assert outcome.unit == (row["unit"] or "")
        assert outcome.timepoint_weeks == row["timepoint_weeks"]
        assert outcome.estimate == effect.get("estimate")
        assert outcome.ci_low == effect.get("ci_low")
        assert outcome.ci_high == effect.get("ci_high")
        assert outcome.i2 == effect.get("i2")
        assert outcome.k_studies == effect.get("k_studies")
        assert outcome.participants == effect.get("participants")
        p = effect.get("p")
        assert outcome.p_value == ("" if p is None else str(p))
        arms = list(outcome.arms.all())
        assert len(arms) == len(row["arms"])
        for arm, source in zip(arms, row["arms"], strict=True):
            assert (arm.label, arm.n, arm.mean, arm.sd, arm.se) == (
                source["label"],
                source["n"],
                source["mean"],
                source["sd"],
                source["se"],
            )
            assert (arm.ci_low, arm.ci_high) == (source["ci_low"], source["ci_high"])


def _reference_stances(records, curated) -> dict[tuple[str, str], str]:
    by_number: dict[int, set[str]] = {}
    for spec in curated["claims"]:
        for number in spec["reference_claims"]:
            by_number.setdefault(number, set()).add(spec["slug"])
    stances = {}
    for record in records:
        for stance in record["claims"]:
            slugs = by_number.get(stance["claim"])
            assert slugs, f"no article claim stands for reference claim {stance['claim']}"
            for slug in slugs:
                stances[(record["short_key"], slug)] = stance["stance"]
    return stances


def test_every_reference_stance_becomes_a_link_and_every_departure_is_declared(
    seeded, records, curated
):
    # A link keeps the stance the reference gives for its claim number, unless it declares
    # the stance it departs from ("none" when the reference gives none for that claim).
    stances = _reference_stances(records, curated)
    declared = {}
    for link in curated["links"]:
        reference = stances.get((link["study"], link["claim"]))
        if "reference_stance" in link:
            assert link["reference_stance"] == (reference or "none"), link
            assert link["direction"] != reference, link
            declared[(link["study"], link["claim"])] = link["direction"]
        else:
            assert link["direction"] == reference, link
    expected = {(study, claim, stances[(study, claim)]) for study, claim in stances}
    expected = {(s, c, declared.get((s, c), d)) for s, c, d in expected}
    expected |= {(s, c, d) for (s, c), d in declared.items()}
    actual = set(
        EvidenceLink.objects.values_list("study__citation_key", "claim__slug", "direction")
    )
    assert actual == expected
    assert all(EvidenceLink.objects.values_list("finding", flat=True))


def test_blood_flow_expression_studies_are_neutral_and_say_what_they_measured(seeded):
    for study in ["kim2016", "jin2023"]:
        for claim in ["increases-scalp-blood-flow", "blood-flow-nourishes-follicles"]:
            link = EvidenceLink.objects.get(study__citation_key=study, claim__slug=claim)
            assert link.direction == "neutral"
            assert "VEGF" in link.finding and "measured" in link.finding.lower()


def test_a_link_against_non_invasive_quotes_only_what_its_record_says(seeded, records):
    text = {r["short_key"]: json.dumps(r, ensure_ascii=False) for r in records}
    links = EvidenceLink.objects.filter(claim__slug="is-non-invasive").select_related("study")
    assert links.exists()
    for link in links:
        assert link.direction == "contradicts"
        for quote in re.findall(r"'([^']+)'", link.finding):
            assert quote in text[link.study.citation_key], quote


@pytest.mark.parametrize("slug", FOUR_CATEGORIES)
def test_each_core_category_has_claims_with_mentions_and_links(seeded, slug):
    category = ClaimCategory.objects.get(slug=slug)
    claims = category.claims.all()
    assert claims.exists()
    assert ClaimMention.objects.filter(claim__category=category).exists()
    assert EvidenceLink.objects.filter(claim__category=category).exists()


def test_animal_and_in_vitro_links_are_flagged_indirect(seeded):
    preclinical = EvidenceLink.objects.filter(study__design__in=["animal", "in_vitro"])
    assert preclinical.exists()
    assert not preclinical.filter(indirect=False).exists()


def test_loading_the_seed_twice_changes_nothing(seeded):
    from evidence.seed import seed_load

    history_before = (
        Study.history.count(),
        Claim.history.count(),
        ClaimMention.history.count(),
        EvidenceLink.history.count(),
        Outcome.history.count(),
    )
    report = seed_load()
    assert not report.changed, str(report)
    assert history_before == (
        Study.history.count(),
        Claim.history.count(),
        ClaimMention.history.count(),
        EvidenceLink.history.count(),
        Outcome.history.count(),
    )


def test_load_seed_if_empty_leaves_an_existing_evidence_base_alone(db, capsys):
    call_command("load_seed")
    Study.objects.filter(citation_key="dhurat2013").update(summary="edited by a curator")
    call_command("load_seed", "--if-empty")
    assert Study.objects.get(citation_key="dhurat2013").summary == "edited by a curator"
    assert "seed not loaded" in capsys.readouterr().out


# --- synthesis.json: the PICO layer the per-outcome grading will read --------------------

SYNTHESIS_KEYS = {
    "claim_kinds",
    "evidence_state_related",
    "definitional",
    "comparisons",
    "outcomes",
    "claim_outcomes",
    "study_results",
    "benchmarks",
    "pooled_estimates",
    "mechanism_results",
}
ARM_KEYS = {"n1", "mean1", "sd1", "n2", "mean2", "sd2", "events1", "total1", "events2", "total2"}
NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
NOT_FOR_NEEDLING_COMPARISONS = {"alam2014", "yu2020", "olsen2002"}


@pytest.fixture(scope="session")
def synthesis() -> dict:
    return json.loads((SEED_DIR / "synthesis.json").read_text(encoding="utf-8"))


def _printed_numbers(key: str, rows: list[dict], pooled: list[dict]) -> set[float]:
    """Every number the reference prints for a study: arm and effect fields, and numbers
    written in its arm notes or source note (such as '27 of 31 patients', '74 vs 59')."""
    found: set[float] = set()
    for row in rows:
        if row["short_key"] != key:
            continue
        for arm in row["arms"]:
            found |= {arm[f] for f in ["n", "mean", "sd", "se", "ci_low", "ci_high"]}
            found |= {float(n) for n in NUMBER.findall(arm["note"] or "")}
        found |= {float(n) for n in NUMBER.findall(row["source_location"] or "")}
        effect = row["reported_effect"] or {}
        found |= {effect.get(f) for f in ["estimate", "ci_low", "ci_high", "i2", "k_studies"]}
        found.add(effect.get("participants"))
    for estimate in pooled:
        if estimate["source_short_key"] == key:
            fields = ["estimate", "ci_low", "ci_high", "k_studies", "n_participants", "i2_percent"]
            found |= {estimate[f] for f in fields + ["tau2"]}
    found.discard(None)
    return found


def _printed_p_values(key: str, rows: list[dict]) -> set[str]:
    return {
        "" if (row["reported_effect"] or {}).get("p") is None else str(row["reported_effect"]["p"])
        for row in rows
        if row["short_key"] == key
    }


def test_synthesis_keeps_exactly_the_agreed_keys(synthesis):
    assert set(synthesis) == SYNTHESIS_KEYS
    row_keys = {
        "comparisons": {"slug", "label", "population", "intervention", "comparator"}
        | {"intervention_role"},
        "outcomes": {"slug", "name", "unit", "kind", "benefit", "mid", "mid_source"},
        "claim_outcomes": {"claim", "comparison", "outcome", "importance"},
        "study_results": {"study", "comparison", "outcome", "timepoint_weeks", "measure"}
        | {"estimate", "ci_low", "ci_high", "se", "arms", "direction", "p_value", "source"}
        | {"source_location", "risk_of_bias", "risk_of_bias_note", "indirectness"}
        | {"extraction_note"},
        "benchmarks": {"study", "outcome", "comparison_label", "timepoint_weeks", "arms", "note"},
        "pooled_estimates": {"source", "comparison", "outcome", "measure", "estimate", "ci_low"}
        | {"ci_high", "k_studies", "n_participants", "i2_percent", "tau2", "model", "included"}
        | {"timepoint", "note"},
        "mechanism_results": {"claim", "study", "direction", "what_was_measured", "model"},
    }
    for section, keys in row_keys.items():
        for row in synthesis[section]:
            assert set(row) == keys, (section, row)
    for row in synthesis["study_results"]:
        assert set(row["arms"]) == ARM_KEYS
        assert set(row["indirectness"]) == {"population", "intervention", "comparator"} | {
            "outcome",
            "note",
        }
    for row in synthesis["benchmarks"]:
        assert set(row["arms"]) == ARM_KEYS


def test_synthesis_gives_every_claim_a_kind_and_every_reference_resolves(
    synthesis, curated, records
):
    kinds = synthesis["claim_kinds"]
    assert set(kinds) == {c["slug"] for c in curated["claims"]}
    allowed = {"effect", "mechanism", "background", "definitional", "evidence_state"}
    assert set(kinds.values()) <= allowed
    studies = {r["short_key"]: r for r in records}
    comparisons = {c["slug"]: c for c in synthesis["comparisons"]}
    outcomes = {o["slug"]: o for o in synthesis["outcomes"]}
    assert len(comparisons) == len(synthesis["comparisons"])
    assert len(outcomes) == len(synthesis["outcomes"])
    assert {c["intervention_role"] for c in comparisons.values()} <= {"add_on", "alone", "other"}
    for outcome in outcomes.values():
        assert outcome["kind"] in {"patient_important", "surrogate"}
        assert outcome["benefit"] in {"higher", "lower"}
        # No invented minimal important differences: a MID needs a stated source.
        assert outcome["mid"] is None or outcome["mid_source"]
    for claim, related in synthesis["evidence_state_related"].items():
        assert kinds[claim] == "evidence_state"
        assert all(kinds[slug] == "effect" for slug in related)
    for claim, spec in synthesis["definitional"].items():
        assert kinds[claim] == "definitional" and spec["accepted_definition"]
        assert spec["sources"] and all(key in studies for key in spec["sources"])
    for row in synthesis["claim_outcomes"]:
        assert kinds[row["claim"]] in {"effect", "mechanism"}
        assert row["comparison"] in comparisons and row["outcome"] in outcomes
        assert row["importance"] in {"critical", "important", "not_important"}
    for row in synthesis["study_results"] + synthesis["pooled_estimates"]:
        assert row["comparison"] in comparisons and row["outcome"] in outcomes, row
        assert row["source"] in studies, row
    for row in synthesis["study_results"] + synthesis["benchmarks"]:
        assert row["study"] in studies and row["outcome"] in outcomes, row
    for row in synthesis["mechanism_results"]:
        assert kinds[row["claim"]] == "mechanism" and row["study"] in studies


def test_the_density_safety_and_overall_claims_read_the_agreed_outcomes(synthesis):
    rows = synthesis["claim_outcomes"]

    def of(claim):
        return {
            (r["comparison"], r["outcome"], r["importance"]) for r in rows if r["claim"] == claim
        }

    density = of("improves-hair-density-thickness")
    addon = "mn-plus-minoxidil-vs-minoxidil"
    assert (addon, "hair-count", "critical") in density
    assert any(c == addon and o == "hair-diameter" for c, o, _ in density)
    assert {(c, o) for c, o, _ in density} <= {(c, o) for c, o, _ in of("effective-for-hair-loss")}
    safety = of("generally-safe-with-transient-side-effects")
    assert safety and {o for _, o, _ in safety} == {"adverse-events"}
    effect_or_mechanism_with_results = {
        r["claim"]
        for r in rows
        if any(
            s["comparison"] == r["comparison"] and s["outcome"] == r["outcome"]
            for s in synthesis["study_results"] + synthesis["pooled_estimates"]
        )
    }
    assert {
        "improves-hair-density-thickness",
        "effective-for-hair-loss",
        "generally-safe-with-transient-side-effects",
        "improves-topical-absorption",
    } <= effect_or_mechanism_with_results


def test_every_number_in_the_synthesis_is_printed_in_the_reference_for_that_study(
    synthesis, all_outcome_rows, update
):
    pooled = update["pooled_estimates"]
    for row in synthesis["study_results"]:
        assert row["study"] not in NOT_FOR_NEEDLING_COMPARISONS, row
        printed = _printed_numbers(row["study"], all_outcome_rows, pooled)
        assert printed, f"{row['study']} has no printed outcome row"
        numbers = [row[f] for f in ["estimate", "ci_low", "ci_high", "se"]]
        numbers += list(row["arms"].values())
        assert all(n is None or n in printed for n in numbers), row
        assert row["p_value"] in _printed_p_values(row["study"], all_outcome_rows), row
        assert row["measure"] in {"MD", "SMD", "RR", "OR", "RD", "direction_only"}
        if row["measure"] == "direction_only":
            assert [row["estimate"], row["ci_low"], row["ci_high"], row["se"]] == [None] * 4
        assert row["direction"] in {
            "favours_intervention",
            "favours_comparator",
            "no_difference",
            None,
        }
        assert row["risk_of_bias"] in {"low", "some_concerns", "high"}
    for row in synthesis["pooled_estimates"] + synthesis["benchmarks"]:
        key = row.get("source") or row["study"]
        printed = _printed_numbers(key, all_outcome_rows, pooled)
        numbers = [row.get(f) for f in ["estimate", "ci_low", "ci_high", "k_studies"]]
        numbers += [row.get(f) for f in ["n_participants", "i2_percent", "tau2"]]
        numbers += list(row.get("arms", {}).values())
        assert all(n is None or n in printed for n in numbers), row
    for row in synthesis["pooled_estimates"]:
        # No verified list of the trials each review pooled exists (README).
        assert row["included"] == [] and "included" in row["note"]
    assert [b["study"] for b in synthesis["benchmarks"]] == ["olsen2002"]


def test_directions_read_off_printed_arm_means_agree_with_the_means(synthesis):
    benefit = {o["slug"]: o["benefit"] for o in synthesis["outcomes"]}
    for row in synthesis["study_results"]:
        arms = row["arms"]
        if arms["mean1"] is None or arms["mean2"] is None:
            continue
        higher_is_better = benefit[row["outcome"]] == "higher"
        if row["direction"] == "favours_intervention":
            assert (arms["mean1"] > arms["mean2"]) == higher_is_better, row
        if row["direction"] == "favours_comparator":
            assert (arms["mean1"] < arms["mean2"]) == higher_is_better, row


def test_mixed_comparator_pools_keep_their_own_comparison(synthesis):
    for row in synthesis["pooled_estimates"]:
        if row["source"] == "pei2024":
            assert row["comparison"] == "combined-mn-vs-single-therapy"
    network = [r for r in synthesis["pooled_estimates"] if r["source"] == "gupta2023nma"]
    assert network and all(r["ci_low"] is None and "Flagged" in r["note"] for r in network)


def test_mechanism_results_follow_the_links_of_the_mechanism_claims(synthesis, curated, records):
    design = {r["short_key"]: r["design"] for r in records}
    mechanism = {c for c, k in synthesis["claim_kinds"].items() if k == "mechanism"}
    links = {(link["claim"], link["study"]): link["direction"] for link in curated["links"]}
    results = {(r["claim"], r["study"]): r for r in synthesis["mechanism_results"]}
    assert set(results) == {pair for pair in links if pair[0] in mechanism}
    as_vote = {"supports": {"supports"}, "contradicts": {"contradicts"}}
    as_vote |= {"neutral": {"not_tested"}, "mixed": {"supports", "contradicts", "no_effect"}}
    for pair, row in results.items():
        assert row["direction"] in as_vote[links[pair]], row
        assert row["what_was_measured"]
        if design[row["study"]] in {"animal", "in_vitro"}:
            assert row["model"] == design[row["study"]]
        else:
            assert row["model"] in {"human", "animal"}


def test_every_seed_mention_is_published_and_asserts_its_claim(seeded):
    """The seed marks no denial or qualification: its mentions assert, and are public."""
    from evidence.models import ClaimMention

    mentions = ClaimMention.objects.all()
    assert set(mentions.values_list("status", "stance")) == {("published", "asserts")}
    assert ClaimMention.objects.public().count() == mentions.count() > 0
