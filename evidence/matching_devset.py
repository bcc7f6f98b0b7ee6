"""The claim matcher's development set, built from the seed, and its scores.

The seed document is three versions of one article (each opens with an "Understanding
Microneedling…" heading; the first has an introduction before it). For each version the matcher
gets every claim with its statement and only the quotes of mentions in the *other* versions, so
it never sees the sentence it is asked about; it then matches that version's sentences. The
truth is the curators' mentions: a (sentence, claim) pair is right when a mention of that claim
overlaps that sentence. Stance: a seed mention asserts its claim unless STANCE_TRUTH says
otherwise, and a few sentences written for the purpose (DENIALS: clearly test text, not from
any article) hold the denials and qualifications the seed lacks.

Pure: plain values in, plain values out.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from evidence.anchoring import locate
from evidence.matching import (
    DEFAULT_MIN_SCORE,
    ClaimIndex,
    Embedder,
    KnownClaim,
    Stance,
    split_sentences,
)

VERSION_HEADING = re.compile(r"^Understanding Microneedling\b.*$", re.MULTILINE)

# Seed sentences whose stance is not a plain assertion, as a careful reader judges them:
# (start of the sentence, claim slug) → stance.
STANCE_TRUTH: dict[tuple[str, str], Stance] = {
    ("While results may vary", "improves-hair-density-thickness"): Stance.QUALIFIES,
}

# Written for this benchmark (not quoted from any article): sentence, claim, stance.
DENIALS: tuple[tuple[str, str, Stance], ...] = (
    (
        "Scalp microneedling is a minimally invasive procedure that punctures the skin.",
        "is-non-invasive",
        Stance.DENIES,
    ),
    (
        "No large-scale studies prove scalp microneedling effective for hair loss on its own.",
        "effective-for-hair-loss",
        Stance.DENIES,
    ),
    (
        "Some studies show a modest improvement in hair density after microneedling, others none.",
        "improves-hair-density-thickness",
        Stance.QUALIFIES,
    ),
    (
        "Microneedling does not increase blood flow to the scalp.",
        "increases-scalp-blood-flow",
        Stance.DENIES,
    ),
    (
        "There is no evidence that microneedling reduces scalp inflammation.",
        "reduces-scalp-inflammation",
        Stance.DENIES,
    ),
    (
        "Scalp microneedling is not safe for people with active scalp infections.",
        "generally-safe-with-transient-side-effects",
        Stance.DENIES,
    ),
)


@dataclass(frozen=True)
class SeedMention:
    claim: str
    quote: str
    occurrence: int


@dataclass(frozen=True)
class SeedClaim:
    slug: str
    statement: str
    mentions: tuple[SeedMention, ...] = ()


@dataclass
class Figures:
    true_positives: int = 0
    false_positives: int = 0
    false_negatives: int = 0
    stance_right: int = 0
    stance_total: int = 0
    denials_right: int = 0
    denials_total: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        found = self.true_positives + self.false_positives
        return self.true_positives / found if found else 1.0

    @property
    def recall(self) -> float:
        wanted = self.true_positives + self.false_negatives
        return self.true_positives / wanted if wanted else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def stance_accuracy(self) -> float:
        return self.stance_right / self.stance_total if self.stance_total else 1.0


def versions(text: str) -> list[tuple[int, int]]:
    """The character ranges of the article's versions."""
    starts = [m.start() for m in VERSION_HEADING.finditer(text)]
    # The first version includes the introduction before its heading.
    bounds = [0, *starts[1:], len(text)]
    return list(zip(bounds, bounds[1:], strict=False))


def _placed(text: str, claims: Sequence[SeedClaim]) -> list[tuple[str, int, int, str]]:
    placed = []
    for claim in claims:
        for mention in claim.mentions:
            anchor = locate(text, mention.quote, occurrence=mention.occurrence)
            placed.append((claim.slug, anchor.start, anchor.end, mention.quote))
    return placed


def evaluate(
    text: str,
    claims: Sequence[SeedClaim],
    *,
    min_score: float = DEFAULT_MIN_SCORE,
    embed: Embedder | None = None,
) -> Figures:
    """Leave-one-version-out scores of the matcher on the seed, plus the written denials.

    `embed`: the semantic re-ranker's embedder, to score lexical + semantic; None scores the
    lexical default."""
    figures = Figures()
    placed = _placed(text, claims)
    statements = {c.slug: c.statement for c in claims}
    sentences = [s for s in split_sentences(text) if not s.heading]
    for lo, hi in versions(text):
        index = ClaimIndex(
            (
                KnownClaim(
                    slug,
                    statements[slug],
                    tuple(
                        dict.fromkeys(q for c, s, _, q in placed if c == slug and not lo <= s < hi)
                    ),
                )
                for slug in statements
            ),
            embed=embed,
        )
        for sentence in (s for s in sentences if lo <= s.start < hi):
            truth = {
                c for c, s, e, _ in placed if s < sentence.end and sentence.start < e and lo <= s
            }
            report = index.match_sentence(sentence, min_score=min_score)
            found = {m.claim: m for m in report.matches}
            for claim in truth & set(found):
                figures.true_positives += 1
                expected = next(
                    (
                        stance
                        for (opening, slug), stance in STANCE_TRUTH.items()
                        if slug == claim and sentence.text.startswith(opening)
                    ),
                    Stance.ASSERTS,
                )
                figures.stance_total += 1
                if found[claim].stance == expected:
                    figures.stance_right += 1
                else:
                    figures.errors.append(
                        f"stance {found[claim].stance} not {expected}: {claim}: {sentence.text}"
                    )
            for claim in set(found) - truth:
                figures.false_positives += 1
                figures.errors.append(f"extra {claim} ({found[claim].score:.2f}): {sentence.text}")
            for claim in truth - set(found):
                figures.false_negatives += 1
                figures.errors.append(f"missed {claim}: {sentence.text}")
    full = ClaimIndex(
        (
            KnownClaim(
                c.slug,
                c.statement,
                tuple(dict.fromkeys(q for s, _, _, q in placed if s == c.slug)),
            )
            for c in claims
        ),
        embed=embed,
    )
    for written, claim, stance in DENIALS:
        figures.denials_total += 1
        got = next(
            (m for m in full.match_text(written, min_score=min_score).matches if m.claim == claim),
            None,
        )
        if got is not None and got.stance == stance:
            figures.denials_right += 1
        else:
            figures.errors.append(
                f"written: {claim} {stance} got {got.stance if got else 'no match'}: {written}"
            )
    return figures
