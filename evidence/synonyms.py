"""The curated synonym list shared by the site search and the claim matcher.

Readers and articles name the same thing in other words ("circulation" for "blood flow", "derma
roller" for "microneedling", "thinning" for "hair loss"). Each group below is a set of phrases that
mean the same thing for matching purposes; the first phrase of a group is its canonical name.
Pure: plain strings in, plain strings out, no Django.

Add a group, or a phrase to a group, only where articles in the evidence base use the phrase in
that sense; a loose synonym costs precision everywhere it is used.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# Canonical phrase first. Lower case, single spaces; phrases may be several words.
GROUPS: tuple[tuple[str, ...], ...] = (
    (
        "microneedling",
        "micro-needling",
        "micro needling",
        "derma roller",
        "dermaroller",
        "derma rolling",
        "dermarolling",
        "derma pen",
        "dermapen",
        "collagen induction therapy",
        "percutaneous collagen induction",
        "skin needling",
    ),
    ("blood flow", "circulation", "blood circulation", "perfusion", "blood supply"),
    ("blood vessel", "vascular", "vessels", "angiogenesis", "vascularisation", "vascularization"),
    ("hair loss", "thinning", "thinning hair", "hair thinning", "balding", "alopecia"),
    (
        "androgenetic alopecia",
        "male pattern baldness",
        "female pattern hair loss",
        "pattern hair loss",
        "androgenic alopecia",
    ),
    ("hair density", "denser hair", "fuller hair", "hair count", "thicker hair", "more hair"),
    ("hair thickness", "hair shaft thickness", "hair diameter", "thicker strands"),
    ("hair growth", "regrowth", "grow hair", "hair regrowth"),
    ("absorption", "penetration", "uptake", "delivery", "permeation"),
    ("topical treatment", "topical", "serum", "serums", "minoxidil", "topical minoxidil"),
    ("collagen", "collagen production", "collagen synthesis"),
    ("safe", "safety", "side effects", "adverse events", "adverse effects"),
    ("non-invasive", "noninvasive", "non invasive", "not invasive"),
    ("hair follicle", "follicle", "follicles", "hair follicles"),
    ("inflammation", "inflamed", "inflammatory"),
)


# Nutrients carried by the blood, not a topical treatment's "delivery" into the skin: the longer
# phrase wins, and the shorter one inside it names nothing ("nutrient delivery" is not absorption).
NUTRIENT_DELIVERY: tuple[str, ...] = (
    "nutrient delivery",
    "delivery of nutrients",
    "deliver nutrients",
    "delivers nutrients",
    "delivering nutrients",
    "deliver more nutrients",
    "delivers more nutrients",
)
# Phrases whose words mean something else inside them: no concept of a shorter phrase within.
WHOLE_PHRASES: frozenset[str] = frozenset(NUTRIENT_DELIVERY)

# Groups the claim matcher adds to GROUPS (the site search keeps GROUPS alone: its queries are
# pinned to them). A group whose first phrase is in GROUPS extends that group;
# any other is a concept of its own. These are the
# ways health articles word a mechanism or the state of the evidence, not quotes of any article.
MATCHER_GROUPS: tuple[tuple[str, ...], ...] = (
    # Inducing collagen, as against collagen itself: "collagen induction therapy" names the
    # claim that microneedling induces collagen; "collagen gives the skin structure" does not.
    (
        "collagen induction",
        "induce collagen",
        "induces collagen",
        "inducing collagen",
        "increase collagen",
        "increases collagen",
        "increased collagen",
        "increasing collagen",
    ),
    NUTRIENT_DELIVERY,
    # The verbs of two nouns in GROUPS ("helps minoxidil penetrate", "regrows hair").
    ("absorption", "absorb", "absorbs", "absorbed", "penetrate", "penetrates", "penetrating"),
    ("hair growth", "regrow", "regrows", "regrowing", "grows hair", "growing hair"),
    ("wound healing", "healing response", "healing process", "natural healing", "tissue repair"),
    ("effective", "efficacy", "effectiveness", "efficacious"),
    (
        "more research needed",
        "more research is needed",
        "research is needed",
        "studies are needed",
        "trials are needed",
        "further research",
        "more research",
        "more studies",
        "further studies",
        "more trials",
        "larger trials",
        "still being studied",
        "ongoing research",
        "research is ongoing",
        "research continues",
        "continues to be studied",
        "under investigation",
        "preliminary evidence",
        "evidence is preliminary",
        "evidence is limited",
    ),
)

_SPACE = re.compile(r"\s+")


def normalise(phrase: str) -> str:
    """Lower case with single spaces: the form the groups are written in."""
    return _SPACE.sub(" ", phrase.strip().lower())


def _index(groups: Iterable[tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
    index: dict[str, tuple[str, ...]] = {}
    for group in groups:
        for phrase in group:
            index[normalise(phrase)] = group
    return index


_INDEX = _index(GROUPS)


def _matcher_index() -> dict[str, tuple[str, ...]]:
    index = dict(_INDEX)
    for group in MATCHER_GROUPS:
        base = _INDEX.get(normalise(group[0]))
        for phrase in group:
            if base is None:  # a group of its own: its phrases are its own
                index[normalise(phrase)] = group
            else:  # extends a search group
                index.setdefault(normalise(phrase), base)
    return index


_MATCHER_INDEX = _matcher_index()


def matcher_phrases() -> tuple[tuple[str, str], ...]:
    """Every phrase the claim matcher knows with its canonical name, longest first: GROUPS
    plus MATCHER_GROUPS."""
    return tuple(
        (phrase, normalise(_MATCHER_INDEX[phrase][0]))
        for phrase in sorted(_MATCHER_INDEX, key=lambda p: (-len(p), p))
    )


def group_of(phrase: str) -> tuple[str, ...]:
    """Every phrase that means the same as ``phrase`` (itself first), or just ``phrase``."""
    key = normalise(phrase)
    group = _INDEX.get(key)
    if group is None:
        return (key,)
    return (key, *(p for p in group if normalise(p) != key))


def canonical(phrase: str) -> str:
    """The canonical name of ``phrase``'s group, or the phrase itself when it is in none."""
    key = normalise(phrase)
    group = _INDEX.get(key)
    return normalise(group[0]) if group else key


def phrases() -> tuple[str, ...]:
    """Every known phrase, longest first, so a matcher can prefer "blood circulation" to
    "circulation"."""
    return tuple(sorted(_INDEX, key=lambda p: (-len(p), p)))


def expand(text: str) -> tuple[str, ...]:
    """The canonical names of every known phrase that occurs in ``text`` as whole words, in the
    order they first occur; longer phrases win over the shorter ones inside them."""
    lowered = normalise(text)
    taken: list[tuple[int, int]] = []
    found: list[tuple[int, str]] = []
    for phrase in phrases():
        for match in re.finditer(rf"(?<!\w){re.escape(phrase)}(?!\w)", lowered):
            start, end = match.span()
            if any(start < e and s < end for s, e in taken):
                continue
            taken.append((start, end))
            found.append((start, canonical(phrase)))
    seen: dict[str, None] = {}
    for _, name in sorted(found):
        seen.setdefault(name, None)
    return tuple(seen)
