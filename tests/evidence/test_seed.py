"""Integrity of the seed evidence base: what `make run` loads must match the verified sources."""

import filecmp

import pytest
from django.core.management import call_command

from evidence.models import Claim, ClaimCategory, ClaimMention, EvidenceLink, SourceDocument
from studies.models import Outcome, Study
from tests.conftest import SEED_DIR, SHARED_REFERENCE, reference_copy

pytestmark = pytest.mark.django_db

FOUR_CATEGORIES = ["collagen-induction", "blood-flow", "topical-absorption", "density-thickness"]


@pytest.mark.parametrize(
    "name", [reference_copy("bibliography.json"), reference_copy("outcomes.json")]
)
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


def test_every_reference_study_is_loaded_and_matches_the_bibliography(seeded, bibliography):
    assert Study.objects.count() == len(bibliography)
    for record in bibliography:
        study = Study.objects.get(citation_key=record["short_key"])
        assert study.doi == (record["doi"] or "").lower()
        assert study.pmid == (record["pmid"] or "")
        assert study.year == record["year"]
        assert study.design == record["design"]
        assert study.participants == record["n_participants"]
        assert study.authors == (record["authors"] or [])
        if record["title"]:
            assert study.title == record["title"]
        else:
            # A record whose title could not be verified is stored with a plainly bracketed
            # description, never a guessed title.
            assert study.title.startswith("[") and study.title.endswith("]")
        assert study.summary, f"{record['short_key']} has no summary"
        assert study.summary != record["main_outcome"], "summaries are in our own words"


def test_every_outcome_row_is_loaded_with_its_numbers_exactly(seeded, outcome_rows):
    assert Outcome.objects.count() == len(outcome_rows)
    seen: dict[str, int] = {}
    for row in outcome_rows:
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


def test_every_stance_in_the_bibliography_becomes_a_link_with_that_direction(
    seeded, bibliography, curated
):
    by_number: dict[int, set[str]] = {}
    for spec in curated["claims"]:
        for number in spec["reference_claims"]:
            by_number.setdefault(number, set()).add(spec["slug"])
    expected = set()
    for record in bibliography:
        for stance in record["claims"]:
            slugs = by_number.get(stance["claim"])
            assert slugs, f"no article claim stands for reference claim {stance['claim']}"
            expected |= {(record["short_key"], slug, stance["stance"]) for slug in slugs}
    actual = set(
        EvidenceLink.objects.values_list("study__citation_key", "claim__slug", "direction")
    )
    assert actual == expected
    assert all(EvidenceLink.objects.values_list("finding", flat=True))


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
