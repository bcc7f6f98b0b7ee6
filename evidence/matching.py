"""Claim matching: which known claims a text makes, where, and whether it asserts, denies or
qualifies them (the fact-checkers' "detecting previously fact-checked claims").

Pure: plain values in (the known claims, each with its statement and the quotes of its curated
mentions), plain values out (sentences, matches, new-claim candidates). No Django, no database.

How it works, in order (docs/matching.md has the figures):

1. **Sentences.** The text is cut into lines (a heading is a line of its own), then each line
   into sentences by pysbd, which knows abbreviations ("e.g.", "Dr.", "vs."). Offsets are
   characters of the text as given. A short line without closing punctuation is a heading and
   is never matched.
2. **Clauses.** A sentence that makes two claims ("…is generally safe, its efficacy is still an
   area of ongoing research") is also cut at clause boundaries (a semicolon or colon, ", but",
   ", which", a leading "While …," or "By …ing …,"); each claim is matched to the piece,
   sentence or clause, that fits it best, and its span is that piece. A name in apposition
   (", also known as collagen induction therapy,") is a piece of its own.
3. **Ranking.** Okapi BM25 over *units*: each claim's statement and each quote of its mentions.
   Words are lower-cased, stemmed lightly, possessives, stop words and framing words ("benefit",
   "ability") dropped; phrases of the curated synonym list (evidence.synonyms) become one
   concept ("circulation" and "blood flow" are the same term), a phrase inside a longer one
   counts too, and the words stay. A claim's score is its best unit's: the BM25 weight of the
   unit's terms the piece contains over the unit's own total (how much of the known wording is
   there), blended equally with how much of the piece that unit explains (a piece weighs at
   least a few terms). Scores lie in [0, 1]. Claims are taken most specific first (the one
   whose statement names more of the sentence's curated concepts), and a further claim in a
   sentence must bring words of its own statement that the claims taken do not explain; a
   piece's best claim far ahead of the runner-up, or a claim whose signature concept (one no
   other statement names) the piece names, is trusted a little below the min score.
   Optionally (an `Embedder` given, evidence.matching_semantic), the lexical top candidates of
   each piece are re-scored by their similarity in meaning.
4. **Stance.** Within the matched piece: a contrary phrase ("minimally invasive" against
   "non-invasive") or a negation ("no", "not", "never", "no evidence", "fails to"…) denies; a
   mixed-evidence or hedging cue ("some studies … others", "modest", "limited evidence", "results
   vary", "more research is needed") qualifies; otherwise the piece asserts. A cue the claim's own
   statement or quotes use does not count (a claim that "more trials are needed" is asserted by
   "more trials are needed").
5. **New claims.** A sentence that matches nothing but speaks of a health effect (an effect word
   such as "stimulates", "boosts", "blocks" with a body word such as "follicle", "DHT", "stem
   cells") is a new-claim candidate; how-to and price sentences are left alone.

Every match says why: the words it shares with the claim and the statement or mention it
resembles most.
"""

from __future__ import annotations

import heapq
import math
import re
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from functools import lru_cache
from itertools import chain
from operator import mul
from typing import Protocol

import pysbd

from evidence import synonyms

DEFAULT_MIN_SCORE = 0.45
# BM25 constants (Robertson & Zaragoza's usual values).
K1 = 1.2
B = 0.75
# A sentence longer than this is cut before ranking: no claim needs more words, and a pasted
# blob without full stops must not cost quadratic time.
MAX_PIECE_CHARS = 1200
# How far below a piece's best claim another claim may score and still be matched to it.
MARGIN = 0.15
COVERAGE_WEIGHT = 0.5
# The share of its matched words a further claim in a sentence must add to those already taken.
NOVELTY = 0.3
# The second-best margin rule: a piece's best claim, when the runner-up scores at most
# LONE_RATIO of it, is kept down to LONE_FACTOR × the min score.
LONE_RATIO = 0.6
LONE_FACTOR = 0.8
# A piece weighs at least this many terms of the index's median IDF (see ClaimIndex.rank).
FLOOR_TERMS = 3.5
# A synonym concept counts as this many words (the curated list is the strongest signal), and
# the words of the phrase that named it count too.
CONCEPT_TF = 1
PHRASE_WORDS = True


# The optional semantic re-ranker (off unless an embedder is given; docs/matching.md has its
# figures). Per piece, the lexical top RERANK_K claims scoring at least RERANK_FLOOR are
# re-scored: each moves by SEMANTIC_WEIGHT × (its best cosine similarity to the piece over its
# units − the mean of those over the candidates). A lexical miss can be recovered only from
# that bounded set, never from a claim sharing no word with the piece.
RERANK_K = 8
RERANK_FLOOR = 0.15
SEMANTIC_WEIGHT = 0.3


class Embedder(Protocol):
    """Sentence embeddings: one vector per text, each of unit length, in the order given."""

    def __call__(self, texts: Sequence[str], /) -> Sequence[Sequence[float]]: ...


class Stance(StrEnum):
    ASSERTS = "asserts"
    DENIES = "denies"
    QUALIFIES = "qualifies"


@dataclass(frozen=True)
class KnownClaim:
    """A claim the evidence base has checked: its statement and the quotes of its mentions."""

    slug: str
    statement: str
    quotes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int
    text: str
    heading: bool = False


@dataclass(frozen=True)
class Match:
    """One claim a sentence (or one of its clauses) makes.

    `start`/`end` are character offsets of the matched piece in the text given; `sentence` is
    the whole sentence. `words` are the terms it shares with the claim, `resembles` the claim's
    statement or the known mention it is closest to, `cues` the words that set the stance.
    """

    start: int
    end: int
    sentence: str
    claim: str
    stance: Stance
    score: float
    words: tuple[str, ...] = ()
    resembles: str = ""
    cues: tuple[str, ...] = ()

    def as_row(self) -> dict[str, object]:
        """The command's JSON object: exactly these keys."""
        return {
            "start": self.start,
            "end": self.end,
            "sentence": self.sentence,
            "claim": self.claim,
            "stance": str(self.stance),
            "score": round(self.score, 3),
        }


@dataclass(frozen=True)
class SentenceReport:
    sentence: Sentence
    matches: tuple[Match, ...] = ()
    new_claim_candidate: bool = False
    candidate_words: tuple[str, ...] = ()


@dataclass(frozen=True)
class TextReport:
    sentences: tuple[SentenceReport, ...] = ()

    @property
    def matches(self) -> list[Match]:
        return [m for s in self.sentences for m in s.matches]

    @property
    def candidates(self) -> list[SentenceReport]:
        return [s for s in self.sentences if s.new_claim_candidate]

    @property
    def claims(self) -> list[str]:
        """Every claim matched, in the order it first appears."""
        seen: dict[str, None] = {}
        for match in self.matches:
            seen.setdefault(match.claim, None)
        return list(seen)


# --- Text into sentences and clauses ---------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_LINE = re.compile(r"[^\n]+")
_CLOSING = '.!?:;…"”’)'


@lru_cache(maxsize=1)
def _segmenter() -> pysbd.Segmenter:
    return pysbd.Segmenter(language="en", clean=False)


def _segment(line: str) -> list[str]:
    """pysbd's sentences of one line, without its character-span pass.

    `Segmenter.segment` finds each sentence again in the text with a regex compiled for that
    sentence (one compile per sentence, past the `re` cache: two thirds of its time); the
    offsets are found here with `str.find` instead.
    """
    return list(_segmenter().processor(line).process())


def clean_text(text: str) -> str:
    """Control characters become spaces, so offsets stay those of the text given."""
    return _CONTROL.sub(" ", text.replace("\r", "\n"))


def split_sentences(text: str) -> list[Sentence]:
    """Sentences with their offsets in `text`; headings flagged. Respects abbreviations."""
    text = clean_text(text)
    found: list[Sentence] = []
    for line in _LINE.finditer(text):
        body = line.group()
        if not body.strip():
            continue
        cursor = 0
        for piece in _segment(body):
            stripped = piece.strip()
            if not stripped:
                continue
            at = body.find(stripped, cursor)
            if at < 0:  # pysbd changed the text; fall back to the rest of the line
                rest = body[cursor:]
                stripped = rest.strip()
                if not stripped:
                    break
                at = cursor + len(rest) - len(rest.lstrip())
            cursor = at + len(stripped)
            start = line.start() + at
            found.append(Sentence(start, start + len(stripped), stripped))
        if (
            len(found)
            and _is_heading(found[-1].text)
            and found[-1].start == line.start() + (len(body) - len(body.lstrip()))
        ):
            last = found[-1]
            found[-1] = Sentence(last.start, last.end, last.text, heading=True)
    return found


def _is_heading(line: str) -> bool:
    words = line.split()
    return 0 < len(words) <= 10 and line.rstrip()[-1] not in _CLOSING


# Where a sentence may hold a second claim. Each pattern's match is the boundary.
_CLAUSE_BOUNDARY = re.compile(
    r"[;:]\s+|\s+[—–]\s+|,\s+(?=(?:but|while|whereas|although|though|however|which|yet|and it|"
    r"and this|thereby|so that|others?)\b)",
    re.IGNORECASE,
)
# A name given in apposition ("Microneedling, also known as collagen induction therapy, …"): the
# name is a piece of its own, since a name can carry a claim.
_APPOSITIVE = re.compile(
    r",\s+(?:also known as|also called|otherwise known as|sometimes called|or)\s+[^,;]{3,80}?,",
    re.IGNORECASE,
)
_LEADING_SUBORDINATE = re.compile(
    r"^(?:while|although|though|whereas|even though|by \w+ing)\b[^,]{3,},\s+", re.I
)


def split_clauses(sentence: Sentence) -> list[Sentence]:
    """The clauses of a sentence (just the sentence when it has one)."""
    text = sentence.text
    cuts = {0, len(text)}
    lead = _LEADING_SUBORDINATE.match(text)
    if lead:
        cuts.add(lead.end())
    for boundary in chain(_CLAUSE_BOUNDARY.finditer(text), _APPOSITIVE.finditer(text)):
        cuts.update((boundary.start(), boundary.end()))
    points = sorted(cuts)
    clauses = []
    for a, b in zip(points, points[1:], strict=False):
        piece = text[a:b]
        if len(piece.split()) < 3 or not piece.strip(" ,;—–"):
            continue
        lstrip = len(piece) - len(piece.lstrip(" ,;—–"))
        rstrip = len(piece.rstrip(" ,;—–"))
        clauses.append(
            Sentence(sentence.start + a + lstrip, sentence.start + a + rstrip, piece[lstrip:rstrip])
        )
    return clauses if len(clauses) > 1 else []


# --- Words into terms ------------------------------------------------------------------------

STOP_WORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers herself him himself his how i if in into is it
    its itself just may me might more most must my myself of off on once only or other our ours
    ourselves out over own same she should so some such than that the their theirs them
    themselves then there these they this those through to too under until up very was we were
    what when where which while who whom why will with would you your yours yourself
    yourselves one ones many much often well like via per among within upon whether let lets
    get gets got make makes made potentially potential possibly significantly highly help helps
    helping particularly especially various several overall truly really every
    additionally however thereby therefore moreover furthermore thus hence indeed also""".split()
)
# The rhetoric of health writing: words that frame a claim ("one of the primary benefits of X is
# its ability to …") without saying what it is. Left in, they make any two framed sentences
# look alike.
FRAMING_WORDS = frozenset(
    """benefit benefits ability abilities primary notable notably
    """.split()
)

_WORD = re.compile(r"[a-z0-9]+")


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A light suffix stripper: enough to make "reduces", "reducing" and "reduced" one term."""
    if len(word) <= 4:
        return word
    for suffix, keep in (
        ("ational", "ate"),
        ("ization", "ize"),
        ("isation", "ize"),
        ("ations", ""),
        ("ation", ""),
        ("nesses", ""),
        ("ness", ""),
        ("ments", ""),
        ("ment", ""),
        ("ingly", ""),
        ("edly", ""),
        ("ities", ""),
        ("ity", ""),
        ("ies", "y"),
        ("ing", ""),
        ("ive", ""),
        ("ed", ""),
        ("es", ""),
        ("ly", ""),
        ("s", ""),
        ("er", ""),
        ("e", ""),
    ):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)] + keep
    return word


# Phrases that contradict a concept: the piece speaks of the concept, and denies it.
CONTRARY: dict[str, str] = {
    "minimally invasive": "non-invasive",
    "minimally-invasive": "non-invasive",
    "invasive": "non-invasive",
    "unsafe": "safe",
    "not safe": "safe",
    "dangerous": "safe",
    "ineffective": "effective",
    "not effective": "effective",
    "no effect": "effective",
    "worsens hair loss": "hair loss",
}


def _hyphens(phrase: str) -> str:
    return _lower(synonyms.normalise(phrase))


@lru_cache(maxsize=1)
def _phrase_pattern() -> tuple[
    re.Pattern[str], dict[str, tuple[str, bool]], dict[str, tuple[str, ...]]
]:
    """One regex over every synonym and contrary phrase, longest first; and for each phrase
    the concepts of the shorter phrases inside it ("collagen induction therapy" names
    microneedling and says "collagen induction")."""
    table: dict[str, tuple[str, bool]] = {}
    for phrase, concept in synonyms.matcher_phrases():
        table.setdefault(_hyphens(phrase), (concept, False))
    for phrase, concept in CONTRARY.items():
        table[_hyphens(phrase)] = (synonyms.canonical(concept), True)
    ordered = sorted(table, key=lambda p: (-len(p), p))
    pattern = re.compile(
        r"(?<![a-z0-9])(" + "|".join(re.escape(p) for p in ordered) + r")(?:e?s)?(?![a-z0-9])"
    )
    inner: dict[str, tuple[str, ...]] = {}
    whole = {_hyphens(p) for p in synonyms.WHOLE_PHRASES}
    for phrase, (concept, is_contrary) in table.items():
        if is_contrary or phrase in whole:
            continue
        inside = [
            table[other][0]
            for other in ordered
            if other != phrase
            and not table[other][1]
            and table[other][0] != concept
            and re.search(rf"(?<![a-z0-9]){re.escape(other)}(?![a-z0-9])", phrase)
        ]
        if inside:
            inner[phrase] = tuple(dict.fromkeys(inside))
    return pattern, table, inner


@dataclass(frozen=True)
class Terms:
    """A piece of text as terms: the counted terms, and the concepts it contradicts."""

    counts: dict[str, int]
    contrary: frozenset[str] = frozenset()
    surface: dict[str, str] = field(default_factory=dict)


_POSSESSIVE = re.compile(r"[’']s\b")
_APOSTROPHE = re.compile(r"[’']")
_HYPHEN = re.compile(r"[-‐‑]")


def _lower(text: str) -> str:
    """Lower case; "hair-shaft" is two words, "body's" is "body", "don't" is "dont"."""
    return _HYPHEN.sub(" ", _APOSTROPHE.sub("", _POSSESSIVE.sub("", text.lower())))


def terms(text: str) -> Terms:
    """Stemmed content words plus one term per synonym concept ("§blood flow")."""
    lowered = " ".join(_lower(text).split())
    pattern, table, inner = _phrase_pattern()
    counts: dict[str, int] = defaultdict(int)
    surface: dict[str, str] = {}
    contrary: set[str] = set()
    rest: list[str] = []
    cursor = 0
    for hit in pattern.finditer(lowered):
        concept, is_contrary = table[hit.group(1)]
        rest.append(lowered[cursor : hit.start()])
        cursor = hit.end()
        key = "§" + concept
        if is_contrary:
            contrary.add(key)
            rest.append(" ")
        elif PHRASE_WORDS:
            rest.append(" " + hit.group() + " ")
        else:
            rest.append(" ")
        counts[key] += CONCEPT_TF
        surface.setdefault(key, hit.group())
        for nested in inner.get(hit.group(1), ()):
            counts["§" + nested] += CONCEPT_TF
            surface.setdefault("§" + nested, hit.group())
    rest.append(lowered[cursor:])
    for word in _WORD.findall(" ".join(rest)):
        if word in STOP_WORDS or word in FRAMING_WORDS or len(word) < 2:
            continue
        key = stem(word)
        counts[key] += 1
        surface.setdefault(key, word)
    return Terms(dict(counts), frozenset(contrary), surface)


# --- Stance ----------------------------------------------------------------------------------

_NEGATION = re.compile(
    r"\b(?:no|not|never|none|nor|neither|nothing|cannot|can't|cant|isn't|isnt|aren't|arent|"
    r"doesn't|doesnt|don't|dont|didn't|didnt|won't|wont|wasn't|weren't|hasn't|haven't|"
    r"fails? to|failed to|unproven|unsupported|disproven|lacks?|myth|untrue|false)\b",
    re.IGNORECASE,
)
# Negations that do not deny ("not only … but also", "no doubt").
_NOT_NEGATION = re.compile(
    r"\b(?:not only|not just|no doubt|no wonder|nothing but|no longer than|not to mention|"
    r"not surprisingly|no matter)\b",
    re.IGNORECASE,
)
_MIXED = re.compile(
    r"\bsome\b[^.;]*?\b(?:others?|other studies|other trials)\b|\bmixed (?:results|evidence|"
    r"findings)\b|\binconsistent\b|\bconflicting\b|\bcontradictory\b",
    re.IGNORECASE,
)
_HEDGE = re.compile(
    r"\b(?:modest(?:ly)?|slight(?:ly)?|marginal(?:ly)?|limited (?:evidence|data|research)|"
    r"weak evidence|little evidence|small (?:studies|trials|samples?)|preliminary|"
    r"results (?:may |can |will )?vary|may vary|not (?:all|everyone|always)|in some (?:people|"
    r"patients|cases|men|women)|only (?:a few|some|small|one)|(?:more|further|larger|better) "
    r"(?:research|studies|trials|evidence)(?: \w+){0,2} (?:is |are )?needed|"
    r"remains? (?:unclear|uncertain|unknown)|unclear|uncertain|not (?:yet )?(?:clear|established|"
    r"proven))\b",
    re.IGNORECASE,
)


def _cues(pattern: re.Pattern[str], text: str, known: Sequence[str]) -> list[str]:
    found = []
    for hit in pattern.finditer(text):
        cue = hit.group().lower()
        if any(cue in k for k in known):
            continue  # the claim itself says it: the piece agrees
        found.append(cue)
    return found


def stance_of(
    piece: str, claim: KnownClaim, piece_terms: Terms | None = None
) -> tuple[Stance, tuple[str, ...]]:
    """Asserts, denies or qualifies `claim`, judged from the words of `piece`, with the cues."""
    known = [claim.statement.lower(), *(q.lower() for q in claim.quotes)]
    mixed = _cues(_MIXED, piece, known)
    if mixed:
        # "some studies show … others" is shown as its two ends.
        shown = [c if len(c.split()) <= 3 else f"{c.split()[0]} … {c.split()[-1]}" for c in mixed]
        return Stance.QUALIFIES, tuple(shown)
    piece_terms = piece_terms or terms(piece)
    claim_terms = _claim_terms(claim)
    contrary = sorted(piece_terms.contrary & claim_terms)
    if contrary:
        return Stance.DENIES, tuple(piece_terms.surface.get(c, c) for c in contrary)
    cleaned = _NOT_NEGATION.sub(" ", piece)
    negations = _cues(_NEGATION, cleaned, [claim.statement.lower()])
    # Words after "than"/"unlike" compare, they do not deny ("more than no treatment").
    if negations:
        return Stance.DENIES, tuple(negations)
    hedges = _cues(_HEDGE, piece, known)
    if hedges:
        return Stance.QUALIFIES, tuple(hedges)
    return Stance.ASSERTS, ()


@lru_cache(maxsize=4096)
def _claim_terms(claim: KnownClaim) -> frozenset[str]:
    keys: set[str] = set(terms(claim.statement).counts)
    for quote in claim.quotes:
        keys.update(terms(quote).counts)
    return frozenset(keys)


# --- New claims ------------------------------------------------------------------------------

EFFECT_WORDS = frozenset(
    stem(w)
    for w in """increase increases improve improves stimulate stimulates promote promotes boost
    boosts reduce reduces block blocks trigger triggers activate activates regrow regrows grow
    grows cure cures treat treats prevent prevents reverse reverses strengthen strengthens
    thicken thickens enhance enhances restore restores repair repairs awaken awakens release
    releases unlock unlocks lower lowers raise raises speed speeds accelerate accelerates
    inhibit inhibits suppress suppresses cause causes effective safe works""".split()
)
BODY_WORDS = frozenset(
    stem(w)
    for w in """hair follicle follicles scalp skin collagen elastin blood dht testosterone
    hormone hormones stem cells cell growth factors factor platelet keratin protein proteins
    inflammation immune nerve nerves dermal papilla balding alopecia density thickness shaft
    roots root sebum""".split()
)
NOT_A_CLAIM = re.compile(
    r"\b(?:clean|cleaning|wash|washing|rinse|disinfect|sterili[sz]e|store|storing|alcohol|"
    r"price|prices|cost|costs|costing|cheap|expensive|buy|buying|order|shipping|discount|"
    r"subscribe|newsletter|cookie|cookies|click)\b|[$€£]\s?\d",
    re.IGNORECASE,
)


def claim_candidate(sentence: str) -> tuple[str, ...]:
    """The effect and body words that make `sentence` look like a checkable health claim, or
    () when it does not (too short, a question, a how-to or a price)."""
    words = sentence.split()
    if len(words) < 5 or sentence.rstrip().endswith("?") or NOT_A_CLAIM.search(sentence):
        return ()
    stems = [stem(w) for w in _WORD.findall(_lower(sentence))]
    effect = [s for s in stems if s in EFFECT_WORDS]
    body = [s for s in stems if s in BODY_WORDS]
    if not (effect and body):
        return ()
    return tuple(dict.fromkeys([*effect, *body]))


# --- The index -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Unit:
    claim: int
    text: str
    terms: frozenset[str]


@dataclass(frozen=True)
class Ranked:
    """A claim's score for one piece of text, with what it resembles."""

    claim: KnownClaim
    score: float
    unit: str
    words: tuple[str, ...]
    shared: tuple[str, ...] = ()
    position: int = 0


# How many units, by coverage, get the full score; the rest cannot reach the top `limit`
# claims in practice (the blend moves a score by at most 1 - COVERAGE_WEIGHT).
SHORTLIST = 40


class ClaimIndex:
    """BM25 over every claim's statement and mention quotes. Build once, match many texts."""

    def __init__(self, claims: Iterable[KnownClaim], *, embed: Embedder | None = None) -> None:
        self.claims: list[KnownClaim] = list(claims)
        # The semantic re-ranker, when given: units are embedded when first needed and kept.
        self.embed = embed
        self._unit_vectors: dict[int, tuple[float, ...]] = {}
        self.claim_units: list[list[int]] = [[] for _ in self.claims]
        units: list[tuple[int, str, dict[str, int]]] = []
        # Each claim's own statement's terms: what the claim is about, as against the words its
        # mentions happen to share with neighbouring claims.
        self.core: list[frozenset[str]] = []
        for i, claim in enumerate(self.claims):
            self.core.append(frozenset(terms(claim.statement).counts))
            for text in dict.fromkeys((claim.statement, *claim.quotes)):
                if text.strip():
                    units.append((i, text, terms(text).counts))
        n = len(units)
        avgdl = (sum(sum(c.values()) for _, _, c in units) / n) if n else 1.0
        df: dict[str, int] = defaultdict(int)
        for _, _, counts in units:
            for term in counts:
                df[term] += 1
        self.idf: dict[str, float] = {
            t: math.log(1 + (n - d + 0.5) / (d + 0.5)) for t, d in df.items()
        }
        # Each posting holds the term's share of the unit's own BM25 weight, so summing a
        # piece's postings gives at once how much of the unit the piece covers.
        self.postings: dict[str, dict[int, float]] = defaultdict(dict)
        self.unit_lists: dict[str, list[int]] = {}
        self.units: list[_Unit] = []
        for u, (owner, text, counts) in enumerate(units):
            dl = sum(counts.values())
            weights = {
                term: self.idf[term] * tf * (K1 + 1) / (tf + K1 * (1 - B + B * dl / avgdl))
                for term, tf in counts.items()
            }
            total = sum(weights.values()) or 1.0
            for term, weight in weights.items():
                self.postings[term][u] = weight / total
            self.units.append(_Unit(owner, text, frozenset(counts)))
            self.claim_units[owner].append(u)
        self.unit_lists = {t: list(p) for t, p in self.postings.items()}
        self.floor = FLOOR_TERMS * (statistics.median(self.idf.values()) if self.idf else 1.0)
        # Each claim's signature: the curated concepts its statement names and no other
        # claim's statement does ("non-invasive", "wound healing"). A piece naming one speaks
        # of that claim, whatever else it says.
        owners = Counter(t for core in self.core for t in core if t.startswith("§"))
        self.signature: list[frozenset[str]] = [
            frozenset(t for t in core if t.startswith("§") and owners[t] == 1) for core in self.core
        ]

    def __len__(self) -> int:
        return len(self.claims)

    def rank(self, text: str, *, limit: int = 5, piece_terms: Terms | None = None) -> list[Ranked]:
        """The claims `text` resembles most, best first, each with its best unit."""
        piece_terms = piece_terms or terms(text[:MAX_PIECE_CHARS])
        idf = self.idf
        known = [t for t in piece_terms.counts if t in idf]
        if not known:
            return []
        piece_mass = sum(idf[t] for t in known) + len(piece_terms.counts) - len(known)
        # A piece of two or three words is not "fully explained" by any unit naming them: its
        # mass counts as at least that of a short clause.
        piece_mass = max(piece_mass, self.floor)
        # Count shared terms in C first; only units sharing two terms (or one, when that is
        # most of a short unit) are weighed, which keeps a 10,000-claim index fast.
        postings = [self.postings[t] for t in known]
        counts = Counter(chain.from_iterable(self.unit_lists[t] for t in known))
        least = 2 if len(known) > 1 else 1
        coverage = [
            (sum(p.get(u, 0.0) for p in postings), u) for u, n in counts.items() if n >= least
        ]
        if not coverage and len(known) <= 2:  # a piece of one or two known terms
            coverage = [(sum(p.get(u, 0.0) for p in postings), u) for u in counts]
        shortlist = [(u, c) for c, u in heapq.nlargest(SHORTLIST, coverage)]
        best: dict[int, tuple[float, int, tuple[str, ...]]] = {}
        for u, covered in shortlist:
            unit = self.units[u]
            shared = tuple(t for t in known if t in unit.terms)
            explained = sum(idf[t] for t in shared) / piece_mass
            score = min(1.0, COVERAGE_WEIGHT * covered + (1 - COVERAGE_WEIGHT) * explained)
            if unit.claim not in best or score > best[unit.claim][0]:
                best[unit.claim] = (score, u, shared)
        top = sorted(best.items(), key=lambda kv: (-kv[1][0], kv[0]))[:limit]
        return [
            Ranked(
                self.claims[claim],
                score,
                self.units[u].text,
                tuple(piece_terms.surface[t] for t in shared),
                shared,
                claim,
            )
            for claim, (score, u, shared) in top
        ]

    # --- The optional semantic re-ranker ---

    def _embed_pieces(self, texts: Iterable[str], vectors: dict[str, tuple[float, ...]]) -> None:
        """Embed, in one call, the pieces `vectors` lacks (a text's pieces, batched). The
        vectors of pieces belong to one call, never to the shared index."""
        if self.embed is None:
            return
        missing = list(dict.fromkeys(t for t in texts if t not in vectors))
        if missing:
            for text, vector in zip(missing, self.embed(missing), strict=True):
                vectors[text] = tuple(vector)

    def _vectors_for_units(self, units: Iterable[int]) -> None:
        if self.embed is None:
            return
        missing = list(dict.fromkeys(u for u in units if u not in self._unit_vectors))
        if missing:
            vectors = self.embed([self.units[u].text for u in missing])
            for u, vector in zip(missing, vectors, strict=True):
                self._unit_vectors[u] = tuple(vector)

    def _rerank(
        self, piece: str, ranked: list[Ranked], vectors: dict[str, tuple[float, ...]]
    ) -> list[Ranked]:
        """The lexical candidates re-scored with the piece's similarity to each claim's units."""
        candidates = [r for r in ranked if r.score >= RERANK_FLOOR]
        if not candidates:
            return ranked
        self._embed_pieces([piece], vectors)
        self._vectors_for_units(u for r in candidates for u in self.claim_units[r.position])
        vector = vectors[piece]
        closest: list[tuple[float, str]] = []
        for r in candidates:
            best, text = -1.0, r.unit
            for u in self.claim_units[r.position]:
                cosine = sum(map(mul, vector, self._unit_vectors[u]))
                if cosine > best:
                    best, text = cosine, self.units[u].text
            closest.append((best, text))
        # Texts on one topic all lie close together (two sentences about microneedling score
        # 0.4-0.6 whatever they claim), so what counts is how much closer the piece is to
        # this claim than to the other candidates: the lexical score moves by that much.
        mean = sum(c for c, _ in closest) / len(closest)
        rescored = []
        for r, (cosine, text) in zip(candidates, closest, strict=True):
            score = r.score + SEMANTIC_WEIGHT * (cosine - mean)
            unit = text if cosine > mean else r.unit
            rescored.append(replace(r, score=max(0.0, min(1.0, score)), unit=unit))
        return sorted(rescored, key=lambda r: (-r.score, r.position))

    def match_sentence(
        self,
        sentence: Sentence,
        *,
        min_score: float = DEFAULT_MIN_SCORE,
        vectors: dict[str, tuple[float, ...]] | None = None,
    ) -> SentenceReport:
        """Every known claim the sentence (or one of its clauses) makes at `min_score` or more.

        `vectors`: the embeddings of the text's pieces already computed (match_text batches
        them); only used by the semantic re-ranker."""
        if sentence.heading:
            return SentenceReport(sentence)
        pieces = [sentence, *split_clauses(sentence)]
        if self.embed is not None and vectors is None:
            vectors = {}
            self._embed_pieces((p.text[:MAX_PIECE_CHARS] for p in pieces), vectors)
        candidates: list[tuple[Ranked, Sentence, Terms]] = []
        each_terms = [terms(piece.text[:MAX_PIECE_CHARS]) for piece in pieces]
        for piece, piece_terms in zip(pieces, each_terms, strict=True):
            if self.embed is None:
                ranked_here = self.rank(piece.text, piece_terms=piece_terms)
            else:
                ranked_here = self._rerank(
                    piece.text[:MAX_PIECE_CHARS],
                    self.rank(piece.text, piece_terms=piece_terms, limit=RERANK_K),
                    vectors if vectors is not None else {},
                )
            for i, ranked in enumerate(ranked_here):
                # A second claim in the same piece must fit nearly as well as the first.
                floor = min_score
                runner_up = ranked_here[1].score if len(ranked_here) > 1 else 0.0
                signed = not self.signature[ranked.position].isdisjoint(ranked.shared)
                if signed or (i == 0 and runner_up <= LONE_RATIO * ranked.score):
                    # The second-best margin rule: a claim far ahead of every other claim
                    # is trusted at a lower score; so is a claim whose signature the piece
                    # names, however close its neighbours.
                    floor = min_score * LONE_FACTOR
                if ranked.score >= floor and (
                    signed or ranked.score >= ranked_here[0].score - MARGIN
                ):
                    candidates.append((ranked, piece, piece_terms))
        # Greedy, the most specific claim first: the one whose own statement names more of
        # the sentence's curated concepts (blood flow *and* follicles: "blood flow feeds the
        # follicles" before "strengthens the follicles"), then the best score. A further claim
        # must explain words the claims taken so far do not (a sentence about blood flow
        # feeding follicles is not also "strengthens follicles" just because it names
        # follicles).
        concepts = {t for t in each_terms[0].counts if t.startswith("§")}  # the sentence's
        candidates.sort(
            key=lambda c: (
                -len(self.core[c[0].position] & concepts),
                -c[0].score,
                c[1].start,
                c[0].claim.slug,
            )
        )
        best: dict[str, tuple[Ranked, Sentence, Terms]] = {}
        explained: set[str] = set()
        for ranked, piece, piece_terms in candidates:
            if ranked.claim.slug in best:
                continue
            core = self.core[ranked.position]
            shared = set(ranked.shared)
            mass = sum(self.idf.get(t, 0.0) for t in shared & core) or 1.0
            new = sum(self.idf.get(t, 0.0) for t in (shared & core) - explained)
            if best and new / mass < NOVELTY:
                continue
            best[ranked.claim.slug] = (ranked, piece, piece_terms)
            # A claim taken explains the words of its own statement, in every piece it
            # qualifies for; words it shares only through a mention that also names a
            # neighbouring claim stay open for that claim.
            for other, _, _ in candidates:
                if other.claim.slug == ranked.claim.slug:
                    explained |= set(other.shared) & core
        matches = []
        for ranked, piece, piece_terms in best.values():
            stance, cues = stance_of(piece.text, ranked.claim, piece_terms)
            matches.append(
                Match(
                    start=piece.start,
                    end=piece.end,
                    sentence=sentence.text,
                    claim=ranked.claim.slug,
                    stance=stance,
                    score=ranked.score,
                    words=ranked.words,
                    resembles=ranked.unit,
                    cues=cues,
                )
            )
        matches.sort(key=lambda m: (-m.score, m.claim))
        if matches:
            return SentenceReport(sentence, tuple(matches))
        words = claim_candidate(sentence.text)
        return SentenceReport(sentence, (), bool(words), words)

    def match_text(self, text: str, *, min_score: float = DEFAULT_MIN_SCORE) -> TextReport:
        """The whole text, sentence by sentence."""
        sentences = split_sentences(text)
        vectors: dict[str, tuple[float, ...]] = {}
        if self.embed is not None:
            # One batched embedding call for the sentences and clauses the re-ranker will see:
            # those with a lexical candidate (the model is the cost; a how-to line has none).
            self._embed_pieces(
                (
                    piece.text[:MAX_PIECE_CHARS]
                    for s in sentences
                    if not s.heading
                    for piece in (s, *split_clauses(s))
                    if any(r.score >= RERANK_FLOOR for r in self.rank(piece.text, limit=1))
                ),
                vectors,
            )
        return TextReport(
            tuple(self.match_sentence(s, min_score=min_score, vectors=vectors) for s in sentences)
        )
