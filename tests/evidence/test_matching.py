"""The claim matcher (evidence.matching): sentences, clauses, ranking, stance, new claims.

The claims and sentences here are test data written for these tests, in the seed's manner.
"""

import json
import time
from dataclasses import replace
from pathlib import Path

import pytest

from evidence import matching
from evidence.anchoring import normalize_text
from evidence.matching import (
    ClaimIndex,
    KnownClaim,
    Stance,
    claim_candidate,
    clean_text,
    split_clauses,
    split_sentences,
    stance_of,
    stem,
    terms,
)
from evidence.matching_devset import SeedClaim, SeedMention, evaluate, versions

SEED = Path(__file__).resolve().parents[2] / "fixtures" / "seed"

CLAIMS = [
    KnownClaim(
        "is-non-invasive",
        "Scalp microneedling is a non-invasive procedure.",
        ("holds promise as a non-invasive treatment option",),
    ),
    KnownClaim(
        "effective-for-hair-loss",
        "Scalp microneedling is an effective treatment for hair loss, as clinical studies show.",
        ("microneedling can be a valuable tool in combating hair loss",),
    ),
    KnownClaim(
        "improves-hair-density-thickness",
        "Scalp microneedling increases hair density and hair-shaft thickness.",
        ("microneedling significantly improved hair density and thickness",),
    ),
    KnownClaim(
        "increases-scalp-blood-flow",
        "Scalp microneedling increases blood circulation in the scalp.",
        ("enhance blood circulation to the affected areas",),
    ),
    KnownClaim(
        "induces-collagen",
        "The micro-injuries made by microneedling increase collagen and elastin production.",
        ("they stimulate the production of collagen",),
    ),
    KnownClaim(
        "more-clinical-trials-needed",
        "Larger clinical trials are needed to establish its long-term effects.",
        ("more extensive clinical trials are needed to fully understand its long-term effects",),
    ),
]


@pytest.fixture(scope="module")
def index():
    return ClaimIndex(CLAIMS)


def stance(index, text, claim):
    report = index.match_text(text)
    found = {m.claim: m for m in report.matches}
    assert claim in found, f"{claim} not matched in {text!r}: {report.matches}"
    return found[claim].stance


# --- Stance cues ---


def test_minimally_invasive_denies_non_invasive(index):
    text = "Microneedling is a minimally invasive procedure that punctures the scalp."
    assert stance(index, text, "is-non-invasive") == Stance.DENIES


def test_no_large_scale_studies_proving_it_effective_denies_effective_for_hair_loss(index):
    text = "No large-scale studies prove microneedling effective for hair loss on its own."
    assert stance(index, text, "effective-for-hair-loss") == Stance.DENIES


def test_some_studies_modest_improvement_others_none_qualifies_density(index):
    text = (
        "Some studies show a modest improvement in hair density after microneedling, others none."
    )
    assert stance(index, text, "improves-hair-density-thickness") == Stance.QUALIFIES


def test_a_plain_statement_asserts_and_says_which_words_and_mention_it_resembles(index):
    [match] = index.match_text("Microneedling improves hair density and thickness.").matches
    assert (match.claim, match.stance) == ("improves-hair-density-thickness", Stance.ASSERTS)
    assert "density" in " ".join(match.words)
    assert match.resembles == "microneedling significantly improved hair density and thickness"


def test_a_cue_the_claim_itself_uses_does_not_turn_agreement_into_a_qualification(index):
    text = "More extensive clinical trials are needed to understand its long-term effects."
    assert stance(index, text, "more-clinical-trials-needed") == Stance.ASSERTS


def test_not_only_is_no_negation():
    claim = CLAIMS[3]
    text = "Microneedling not only increases blood circulation in the scalp but also feels good."
    assert stance_of(text, claim)[0] == Stance.ASSERTS


def test_a_denial_says_which_cue_denied_it():
    verdict, cues = stance_of("Microneedling does not increase scalp blood circulation.", CLAIMS[3])
    assert verdict == Stance.DENIES and "not" in cues


# --- Sentences and clauses ---


def test_sentences_respect_abbreviations_and_headings():
    text = "Clinical Evidence\nDr. Smith et al. tested it, e.g. on 20 men. It worked."
    sentences = split_sentences(text)
    assert [s.text for s in sentences] == [
        "Clinical Evidence",
        "Dr. Smith et al. tested it, e.g. on 20 men.",
        "It worked.",
    ]
    assert [s.heading for s in sentences] == [True, False, False]
    assert all(text[s.start : s.end] == s.text for s in sentences)


def test_a_heading_is_never_matched(index):
    assert index.match_text("Blood Circulation and Collagen").matches == []


def test_a_sentence_making_two_claims_yields_both_each_at_its_own_clause(index):
    text = (
        "Microneedling is a non-invasive procedure, and it can enhance blood circulation to "
        "the affected areas; it also stimulates the production of collagen."
    )
    matches = {m.claim: m for m in index.match_text(text).matches}
    assert {"is-non-invasive", "increases-scalp-blood-flow", "induces-collagen"} <= set(matches)
    collagen = matches["induces-collagen"]
    assert text[collagen.start : collagen.end] == "it also stimulates the production of collagen."
    assert all(m.sentence == text for m in matches.values())


def test_a_leading_while_clause_is_its_own_clause():
    [sentence] = split_sentences("While it is generally safe, its efficacy is still unclear.")
    assert [c.text for c in split_clauses(sentence)] == [
        "While it is generally safe",
        "its efficacy is still unclear.",
    ]


def test_matches_may_overlap_and_each_keeps_exact_offsets(index):
    text = (
        "Intro line here.\nMicroneedling, a non-invasive procedure, stimulates the production "
        "of collagen and elastin; it can also enhance blood circulation."
    )
    matches = index.match_text(text).matches
    assert len(matches) == 3
    spans = [(m.start, m.end) for m in matches]
    assert any(a[0] < b[1] and b[0] < a[1] for i, a in enumerate(spans) for b in spans[i + 1 :])
    for m in matches:
        assert text[m.start : m.end] in m.sentence


# --- Sentences without claims, and new claims ---


@pytest.mark.parametrize(
    "text",
    [
        "Clean your derma roller with isopropyl alcohol after every use.",
        "A good derma roller costs about $20 at most pharmacies.",
        "Store the roller in its case and replace it every three months.",
    ],
)
def test_sentences_making_no_claim_are_left_alone(index, text):
    report = index.match_text(text)
    assert report.matches == [] and report.candidates == []


def test_a_health_claim_the_base_does_not_know_is_a_new_claim_candidate(index):
    report = index.match_text("Microneedling blocks DHT and awakens dormant stem cells.")
    assert report.matches == []
    [candidate] = report.candidates
    assert "dht" in candidate.candidate_words


def test_a_question_is_no_claim_candidate():
    assert claim_candidate("Does microneedling block DHT in the scalp follicles?") == ()


# --- Awkward input ---


def test_empty_and_blank_input_give_an_empty_report(index):
    assert index.match_text("").sentences == ()
    assert index.match_text("  \n\t\n ").sentences == ()


def test_an_empty_index_matches_nothing():
    assert ClaimIndex([]).match_text("Microneedling improves hair density.").matches == []


def test_markup_and_control_characters_are_text_and_offsets_stay_those_of_the_input(index):
    text = (
        "<script>alert(1)</script>\x00\x07 Microneedling improves hair density and thickness.\x1b"
    )
    report = index.match_text(text)
    [match] = report.matches
    assert match.claim == "improves-hair-density-thickness"
    assert text[match.start : match.end].endswith("density and thickness.")
    assert all("\x00" not in s.sentence.text for s in report.sentences)


def test_very_long_input_without_full_stops_is_matched_in_bounded_time(index):
    text = "microneedling improves hair density " * 20_000  # 720,000 characters, one "sentence"
    started = time.perf_counter()
    report = index.match_text(text)
    assert time.perf_counter() - started < 20
    assert report.sentences


def test_a_thousand_sentences_against_ten_thousand_claims_is_fast():
    import random

    rng = random.Random(12)
    vocab = [f"term{i}" for i in range(6000)]
    claims = [
        KnownClaim(
            f"c{i}",
            " ".join(rng.choice(vocab) for _ in range(14)),
            tuple(" ".join(rng.choice(vocab) for _ in range(10)) for _ in range(3)),
        )
        for i in range(10_000)
    ]
    big = ClaimIndex(claims)
    sentences = [" ".join(rng.choice(vocab) for _ in range(16)) + "." for _ in range(1000)]
    text = "\n".join(" ".join(sentences[i : i + 5]) for i in range(0, 1000, 5))
    started = time.perf_counter()
    report = big.match_text(text)
    elapsed = time.perf_counter() - started
    assert len(report.sentences) == 1000
    # The target is 2 s on an idle machine (docs/matching.md); the CI box is shared.
    assert elapsed < 30


# --- The development set ---


def seed_claims():
    data = json.loads((SEED / "evidence.json").read_text(encoding="utf-8"))
    return [
        SeedClaim(
            c["slug"],
            c["statement"],
            tuple(
                SeedMention(c["slug"], m["quote"], m.get("occurrence", 1)) for m in c["mentions"]
            ),
        )
        for c in data["claims"]
    ]


def test_the_seed_article_has_three_versions():
    text = normalize_text((SEED / "scalp-microneedling-article.txt").read_text(encoding="utf-8"))
    assert len(versions(text)) == 3


def test_the_development_set_figures_hold_and_every_written_denial_is_right():
    text = normalize_text((SEED / "scalp-microneedling-article.txt").read_text(encoding="utf-8"))
    figures = evaluate(text, seed_claims())
    # docs/matching.md reports these; a change that lowers them must say so there.
    assert figures.f1 >= 0.90  # issue 12 target
    assert figures.precision >= 0.92
    assert figures.denials_right == figures.denials_total
    assert figures.stance_accuracy == 1.0


# --- Words into terms, and claims whose mentions overlap ---


def test_a_possessive_is_the_word_itself():
    assert terms("microneedling's efficacy").counts.keys() >= {"§microneedling", stem("efficacy")}


def test_a_phrase_inside_a_longer_phrase_names_its_concept_too():
    counts = terms("Microneedling, also known as collagen induction therapy").counts
    assert "§microneedling" in counts and "§collagen" in counts


def test_framing_words_do_not_make_two_sentences_alike():
    framed = terms("One of the primary benefits of it is its ability to help.").counts
    assert framed == {}


def test_a_mention_that_names_a_neighbouring_claim_does_not_hide_that_claim():
    # The texture claim's mention says "collagen production" too: the collagen claim is still
    # made by a sentence about collagen production, because its own statement is about it.
    index = ClaimIndex(
        [
            KnownClaim(
                "rejuvenates-skin",
                "Microneedling rejuvenates the skin and improves skin texture.",
                ("collagen production and improve skin texture",),
            ),
            KnownClaim(
                "induces-collagen",
                "Microneedling increases collagen and elastin production.",
                ("for its ability to stimulate collagen production",),
            ),
        ]
    )
    text = (
        "Microneedling is popular for its ability to stimulate collagen production and improve "
        "skin texture."
    )
    assert {m.claim for m in index.match_text(text).matches} == {
        "rejuvenates-skin",
        "induces-collagen",
    }


def test_a_claim_far_ahead_of_every_other_is_kept_a_little_below_the_min_score(index):
    text = "Larger clinical trials are needed."
    [ranked, *rest] = index.rank(text)
    assert not rest or rest[0].score <= 0.6 * ranked.score
    assert [m.claim for m in index.match_text(text, min_score=ranked.score / 0.8).matches] == [
        "more-clinical-trials-needed"
    ]
    assert index.match_text(text, min_score=ranked.score / 0.8 + 0.01).matches == []


def test_a_claim_whose_signature_the_sentence_names_is_kept_beside_a_closer_neighbour():
    # "non-invasive" is named by no other claim's statement: the sentence says it, even though
    # the effective claim's mention ("a non-invasive treatment option") fits it better.
    mention = "holds promise as a non-invasive treatment option for improving hair health"
    claims = [
        replace(c, quotes=(mention,) if c.slug == "effective-for-hair-loss" else ())
        if c.slug in {"effective-for-hair-loss", "is-non-invasive"}
        else c
        for c in CLAIMS
    ]
    index = ClaimIndex(claims)
    assert index.signature[0] == {"§non-invasive"}  # is-non-invasive, first in CLAIMS
    text = "It offers a non-invasive and effective option for those looking to improve hair health."
    [best, runner_up, *_] = index.rank(text)
    assert best.claim.slug == "effective-for-hair-loss"
    assert runner_up.score < best.score - matching.MARGIN  # outside the usual margin
    assert {m.claim for m in index.match_text(text).matches} == {
        "effective-for-hair-loss",
        "is-non-invasive",
    }


def test_a_concept_two_claims_state_is_no_signature_and_keeps_the_margin():
    index = ClaimIndex(
        [
            KnownClaim("more-blood", "Microneedling increases blood flow in the scalp."),
            KnownClaim("blood-feeds", "Blood flow feeds the hair follicles."),
        ]
    )
    assert "§blood flow" not in index.signature[0] | index.signature[1]


def test_the_claim_naming_more_of_the_sentences_concepts_is_taken_before_a_better_scoring_one():
    # The relative clause fits "strengthens follicles" best, but the sentence names blood flow
    # *and* follicles, which "blood flow feeds the follicles" relates: taken first, it is not
    # shut out as explaining nothing new.
    index = ClaimIndex(
        [
            KnownClaim(
                "more-blood",
                "Scalp microneedling increases blood circulation in the scalp.",
                ("enhance blood circulation to the affected areas",),
            ),
            KnownClaim(
                "blood-feeds-follicles",
                "Increased scalp blood flow delivers more nutrients and oxygen to hair follicles.",
                ("which is crucial for delivering nutrients and oxygen to the follicles",),
            ),
            KnownClaim(
                "strengthens-follicles",
                "Scalp microneedling strengthens hair follicles and improves their health.",
                ("its ability to improve hair follicle health",),
            ),
            *CLAIMS[4:],
        ]
    )
    clause = "which is crucial for follicle health."
    text = f"For the scalp, this means enhanced blood circulation, {clause}"
    assert [r.claim.slug for r in index.rank(clause)][:2] == [
        "strengthens-follicles",
        "blood-feeds-follicles",
    ]
    assert "blood-feeds-follicles" in {m.claim for m in index.match_text(text).matches}


def test_a_name_given_in_apposition_is_its_own_piece_and_says_its_claim(index):
    text = (
        "Microneedling, also known as collagen induction therapy, has gained attention in "
        "dermatology and cosmetic treatments."
    )
    [match] = index.match_text(text).matches
    assert match.claim == "induces-collagen"
    assert text[match.start : match.end] == "also known as collagen induction therapy"


def test_a_phrase_in_the_plural_and_a_nouns_verb_name_the_same_concept():
    counts = terms("Derma rollers help minoxidil penetrate and regrow hair.").counts
    assert {"§microneedling", "§absorption", "§topical treatment", "§hair growth"} <= set(counts)
    assert "§microneedling" in terms("two dermapens").counts
    # The plural is of the whole phrase's last word only: "safest" is not "safe".
    assert "§safe" not in terms("the safest option").counts


def test_nutrients_delivered_by_the_blood_are_not_a_topical_treatments_absorption():
    assert "§absorption" in terms("better delivery of minoxidil").counts
    assert "§absorption" not in terms("blood flow and nutrient delivery").counts
    assert "§absorption" not in terms("the delivery of nutrients to follicles").counts


# --- Hostile input ---


HOSTILE = [
    '<p onclick="x()">Microneedling improves hair density.</p><!-- -->',
    "\x00\x01\x02Microneedling\u200b improves\u202e hair density.\x7f\r\nNext line.",
    "&lt;b&gt;Microneedling&lt;/b&gt; improves hair density &amp; thickness 💉💉.",
    "\n\n\n...\n;;;\n" + "? " * 500,
    "Microneedling improves hair density." + "\u0301" * 300,
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_input_is_plain_text_and_every_offset_is_exact(index, text):
    report = index.match_text(text)
    cleaned = clean_text(text)
    assert len(cleaned) == len(text)
    for report_sentence in report.sentences:
        s = report_sentence.sentence
        assert cleaned[s.start : s.end] == s.text
        for m in report_sentence.matches:
            assert s.start <= m.start < m.end <= s.end


def test_markup_is_matched_as_the_words_it_contains(index):
    report = index.match_text(HOSTILE[0])
    assert [m.claim for m in report.matches] == ["improves-hair-density-thickness"]


def test_the_benchmark_lists_every_error_in_its_verbose_output():
    import io

    from django.core.management import call_command

    out = io.StringIO()
    call_command("match_claims_benchmark", "--no-speed", verbosity=2, stdout=out)
    printed = out.getvalue()
    figures = evaluate(
        normalize_text((SEED / "scalp-microneedling-article.txt").read_text(encoding="utf-8")),
        seed_claims(),
    )
    listed = [line for line in printed.splitlines() if line.startswith("  - ")]
    assert len(listed) == len(figures.errors) > 0
    assert any(line.startswith("  - missed ") for line in listed)
    assert any(line.startswith("  - extra ") for line in listed)
