"""A reader's search, understood: words in, a plain query plan out (pure, no Django).

Readers ask questions ("does microneedling increase hair density") and use their own words
("circulation" for "blood flow"). `parse()` turns what they typed into a `ReaderQuery`:

- identifiers first: a DOI in any form (https://doi.org/…, doi:…, any case) or a PMID (a bare
  number of 1 to 8 digits, or "PMID: 123") becomes an exact study look-up;
- `"quoted words"` are one exact phrase (no synonyms), `-word` leaves a word out, and
  `a or b` accepts either;
- every other run of words is matched against the curated synonym list
  (`evidence/synonyms.py`), longest phrase first, so "blood flow" also means "circulation";
- stop words and question words ("does", "the", "how", "really") are dropped (a query of
  nothing else searches nothing, and the page says so);
- the rest are concepts: a record must match every concept (any of its alternatives), and, when
  no record does, the search may relax to any concept (`ReaderQuery.relaxed()`).

The backends compile the plan to their own syntax with every word quoted or bound (SQLite FTS5
`MATCH`, PostgreSQL tsquery functions), so no character a reader types is ever an operator.
Stemming is the database's: FTS5's porter tokenizer, PostgreSQL's English configuration.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from evidence import synonyms
from studies.citations import is_valid_doi, normalize_doi

MAX_CONCEPTS = 8
# Phrases longer than this many words are not looked up in the synonym list.
MAX_PHRASE_WORDS = 4

# PostgreSQL's English stop words (the Snowball list), so a phrase never silently loses a word
# on one database and keeps it on the other; then the words readers put around a question.
STOP_WORDS = frozenset(
    """
    i me my myself we our ours ourselves you your yours yourself yourselves he him his himself
    she her hers herself it its itself they them their theirs themselves what which who whom
    this that these those am is are was were be been being have has had having do does did
    doing a an the and but if or because as until while of at by for with about against between
    into through during before after above below to from up down in out on off over under again
    further then once here there when where why how all any both each few more most other some
    such no nor not only own same so than too very s t can will just don should now
    """.split()
)
QUESTION_WORDS = frozenset(
    """
    really actually truly true please tell know anything something could would might may must
    shall ever even also much many get gets getting make makes making
    """.split()
)
DROPPED_WORDS = STOP_WORDS | QUESTION_WORDS

_DOI_IN_TEXT = re.compile(
    r"(?:https?://(?:dx\.)?doi\.org/|doi\.org/|doi:\s*|urn:doi:)?10\.\d{4,9}/\S+", re.IGNORECASE
)
_PMID = re.compile(r"^(?:pmid\s*:?\s*)?(\d{1,8})$", re.IGNORECASE)
# A quoted phrase (the closing quote may be missing), or a word with a leading minus that
# follows a space (so "micro-needling" is one run of words, not "micro" without "needling").
_TOKEN = re.compile(r'"([^"]*)"?|((?<!\S)-)?(\w+)')
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Alternative:
    """One way to satisfy a concept: all of `words`, adjacent and in order when `phrase`."""

    words: tuple[str, ...]
    phrase: bool = False

    @property
    def text(self) -> str:
        return " ".join(self.words)


@dataclass(frozen=True)
class Concept:
    """Something the reader asked for; a record matches it when it matches any alternative."""

    label: str
    alternatives: tuple[Alternative, ...]
    negated: bool = False


@dataclass(frozen=True)
class ReaderQuery:
    concepts: tuple[Concept, ...] = ()
    doi: str = ""
    pmid: str = ""
    dropped: tuple[str, ...] = ()  # stop and question words left out, for the page to say
    truncated: bool = False  # more than MAX_CONCEPTS concepts: the rest were left out
    match_any: bool = False  # relaxed: a record needs only one concept

    @property
    def positive(self) -> tuple[Concept, ...]:
        return tuple(c for c in self.concepts if not c.negated)

    @property
    def negative(self) -> tuple[Concept, ...]:
        return tuple(c for c in self.concepts if c.negated)

    @property
    def searchable(self) -> bool:
        """True when there is full text to search (a negation alone is not enough)."""
        return bool(self.positive)

    def words(self) -> list[str]:
        """Every word of every wanted alternative, synonyms too: what a snippet highlights."""
        seen: dict[str, None] = {}
        for concept in self.positive:
            for alternative in concept.alternatives:
                for word in alternative.words:
                    seen.setdefault(word, None)
        return list(seen)

    def relaxed(self) -> ReaderQuery:
        """The same query where a record needs only one of the concepts."""
        return replace(self, match_any=True)

    @property
    def can_relax(self) -> bool:
        return not self.match_any and len(self.positive) > 1


def _phrase_key(words: list[str]) -> str:
    return " ".join(words)


def _synonym_key(phrase: str) -> tuple[str, ...]:
    return tuple(_WORD.findall(phrase.casefold()))


# Every phrase of the synonym list as a word tuple -> its group's phrases as word tuples.
_SYNONYMS: dict[tuple[str, ...], tuple[tuple[str, ...], ...]] = {}
for _phrase in synonyms.phrases():
    _key = _synonym_key(_phrase)
    if _key and len(_key) <= MAX_PHRASE_WORDS:
        _group = tuple(dict.fromkeys(_synonym_key(p) for p in synonyms.group_of(_phrase)))
        _SYNONYMS.setdefault(_key, _group)


def _alternative(words: tuple[str, ...]) -> Alternative:
    return Alternative(words=words, phrase=len(words) > 1)


def _synonym_concept(words: tuple[str, ...]) -> Concept:
    """The reader's own words (all of them, in any order) or any synonym phrase of the group.

    Synonyms with a stop word in them are left out: PostgreSQL would drop that word and the
    phrase would match far more than it says.
    """
    alternatives = [Alternative(words=words, phrase=False)]
    for synonym in _SYNONYMS[words]:
        if synonym == words or any(w in STOP_WORDS for w in synonym):
            continue
        alternatives.append(_alternative(synonym))
    return Concept(label=" ".join(words), alternatives=tuple(dict.fromkeys(alternatives)))


def _concepts_of_run(words: list[str], dropped: list[str]) -> list[Concept]:
    """Concepts of a run of plain words: synonym phrases, longest first, then single words."""
    concepts: list[Concept] = []
    i = 0
    while i < len(words):
        for size in range(min(MAX_PHRASE_WORDS, len(words) - i), 0, -1):
            key = tuple(words[i : i + size])
            if key in _SYNONYMS and not (size == 1 and key[0] in DROPPED_WORDS):
                concepts.append(_synonym_concept(key))
                i += size
                break
        else:
            word = words[i]
            if word in DROPPED_WORDS:
                dropped.append(word)
            else:
                concepts.append(Concept(label=word, alternatives=(Alternative((word,)),)))
            i += 1
    return concepts


def _identifiers(text: str) -> tuple[str, str, str]:
    """(doi, pmid, the text left to search)."""
    doi = ""
    match = _DOI_IN_TEXT.search(text)
    if match:
        candidate = normalize_doi(match.group(0))
        if is_valid_doi(candidate):
            doi = candidate
            text = (text[: match.start()] + " " + text[match.end() :]).strip()
    pmid = ""
    pmid_match = _PMID.match(text.strip())
    if pmid_match:
        pmid = pmid_match.group(1).lstrip("0") or "0"
        # A bare number may also be a year or a dose: it stays in the text search too.
        text = pmid_match.group(1)
    return doi, pmid, text


def parse(text: str) -> ReaderQuery:
    """What a reader's query asks for. Never raises; an empty plan when there is nothing."""
    doi, pmid, text = _identifiers(text.casefold())
    concepts: list[Concept] = []
    dropped: list[str] = []
    run: list[str] = []
    pending_or = False

    def add(new: list[Concept]) -> None:
        nonlocal pending_or
        if pending_or and new and concepts and not concepts[-1].negated:
            concepts.append(_either(concepts.pop(), new.pop(0)))
            pending_or = False
        elif new:
            pending_or = False
        concepts.extend(new)

    def flush() -> None:
        add(_concepts_of_run(run, dropped))
        run.clear()

    for match in _TOKEN.finditer(text):
        quoted, minus, word = match.groups()
        if quoted is not None:
            flush()
            words = tuple(_WORD.findall(quoted))
            if words:
                add([Concept(label=f'"{" ".join(words)}"', alternatives=(_alternative(words),))])
        elif minus:
            flush()
            concepts.append(Concept(word, (Alternative((word,)),), negated=True))
            pending_or = False
        elif word == "or":
            flush()
            pending_or = bool(concepts) and not concepts[-1].negated
        else:
            run.append(word)
    flush()

    unique = list(dict.fromkeys(concepts))
    truncated = len(unique) > MAX_CONCEPTS
    return ReaderQuery(
        concepts=tuple(unique[:MAX_CONCEPTS]),
        doi=doi,
        pmid=pmid,
        dropped=tuple(dict.fromkeys(dropped)),
        truncated=truncated,
    )


def _either(first: Concept, second: Concept) -> Concept:
    """`a or b`: one concept matched by the alternatives of both."""
    return Concept(
        label=f"{first.label} or {second.label}",
        alternatives=tuple(dict.fromkeys(first.alternatives + second.alternatives)),
    )


# ---------------------------------------------------------------------------------------------
# Compiling


def _fts5_alternative(alternative: Alternative) -> str:
    quoted = [f'"{w}"' for w in alternative.words]  # words are \w+: no quote inside
    if alternative.phrase:
        return '"' + " ".join(alternative.words) + '"'
    return quoted[0] if len(quoted) == 1 else "(" + " AND ".join(quoted) + ")"


def _fts5_concept(concept: Concept) -> str:
    return "(" + " OR ".join(_fts5_alternative(a) for a in concept.alternatives) + ")"


def fts5_match(query: ReaderQuery) -> str:
    """The FTS5 MATCH expression: every word a quoted string, so no reader syntax survives."""
    if not query.searchable:
        return ""
    joiner = " OR " if query.match_any else " AND "
    expression = joiner.join(_fts5_concept(c) for c in query.positive)
    if query.match_any and len(query.positive) > 1:
        expression = f"({expression})"
    for concept in query.negative:
        expression += f" NOT {_fts5_concept(concept)}"
    return expression


@dataclass(frozen=True)
class SqlFragment:
    sql: str
    params: list[str] = field(default_factory=list)


def tsquery_sql(query: ReaderQuery, config: str) -> SqlFragment:
    """A PostgreSQL tsquery expression built from bound words with phraseto/plainto_tsquery.

    `config` is a text search configuration name (a constant of the code, never user input).
    """
    if not query.searchable:
        return SqlFragment("''::tsquery")
    params: list[str] = []

    def alternative(a: Alternative) -> str:
        params.append(a.text)
        function = "phraseto_tsquery" if a.phrase else "plainto_tsquery"
        return f"{function}('{config}'::regconfig, %s)"

    def concept(c: Concept) -> str:
        return "(" + " || ".join(alternative(a) for a in c.alternatives) + ")"

    joiner = " || " if query.match_any else " && "
    parts = [concept(c) for c in query.positive]
    sql = "(" + joiner.join(parts) + ")"
    for c in query.negative:
        sql = f"({sql} && !!{concept(c)})"
    return SqlFragment(sql, params)


def describe_words(query: ReaderQuery) -> list[str]:
    """Each concept as the page names it: its label and, for synonyms, what else it matched."""
    out = []
    for concept in query.positive:
        others = [a.text for a in concept.alternatives if a.text != concept.label]
        out.append(f"{concept.label} (also {', '.join(others)})" if others else concept.label)
    return out
