"""One search over published claims, article passages (mentions) and studies.

What it promises, on every database:
- only published records: published claims; mentions whose claim and document are published
  (and which still sit at their quote, i.e. not flagged for review); published studies
  (drafts, studies in review and retracted studies never);
- one merged list ranked by relevance, where a hit in a claim's statement weighs more than a
  hit in a quote, which weighs more than one in a study title, then in a study summary
  (weights A > B > C > D);
- snippets whose matched words are wrapped in <mark>, with everything else HTML-escaped;
- any input is safe: NUL and control characters are dropped, the query is capped at
  MAX_QUERY_CHARS, and operators or quotes are only ever passed as bound parameters.

PostgreSQL: full-text search (websearch_to_tsquery, so quotes, `or` and `-word` work as on a
search engine; English stemming), ranked with ts_rank over weighted vectors, plus pg_trgm word
similarity so misspelt words still find in statements, quotes and study titles (every word of
the query must then be similar to a word of the text). Summaries are full-text searched but not
trigram-matched: with a trigram arm on long summaries the planner fell back to a sequential scan
(1.1 s on 10,000 studies instead of 47 ms with the three indexed arms), and similarity over a
long text finds near-misses almost everywhere.
score = ts_rank + TRIGRAM_WEIGHT * field weight * mean word similarity.
Snippets come from ts_headline (SearchHeadline); for typo-only hits, where ts_headline has
nothing to highlight, the Python highlighter marks the similar words instead. Both the
full-text and the trigram filters can use the GIN indexes of migration 0003.

SQLite (the zero-config default): every word must occur (case-insensitive substring, ASCII
case folding only, no stemming, so `needles` does not find `needling`); score = mean over the
words of the best field weight it occurs in. When nothing is found, each unknown word is
replaced by the closest word (difflib) of the published statements, quotes and study titles,
and that corrected query is searched and shown ("Showing results for collagen"). The same
spelling suggestion is offered on PostgreSQL when even trigram matching finds nothing.
SQLite scores at most MAX_PER_KIND candidate rows per kind, taken in primary-key order.
"""

import difflib
import operator
import re
import unicodedata
from dataclasses import dataclass, field
from functools import reduce
from typing import Any

from django.db import connection
from django.db.models import Q, Value
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from evidence.models import Claim, ClaimMention
from studies.citations import is_placeholder_title
from studies.models import Study

MAX_QUERY_CHARS = 200
MAX_TERMS = 8
MAX_PER_KIND = 200
KINDS = ("claim", "mention", "study")
KIND_LABELS = {"claim": "Claims", "mention": "Article passages", "study": "Studies"}

# Must equal FTS_CONFIG in migrations/0003_search_indexes.py, or the indexes go unused.
FTS_CONFIG = "english"
# ts_rank's own default weights for D, C, B, A; the same ones weigh trigram similarity.
FIELD_WEIGHTS = {"A": 1.0, "B": 0.4, "C": 0.2, "D": 0.1}
# A one-word hit in a short statement has a ts_rank near 0.06; this keeps an exact word a
# little above a misspelt one while both stay in the field's weight band.
TRIGRAM_WEIGHT = 0.1
# SQLite: statement beats quote beats title beats summary.
SIMPLE_WEIGHTS = {"statement": 4, "quote": 3, "title": 2, "summary": 1}
SUGGEST_CUTOFF = 0.75
FUZZY_HIGHLIGHT_RATIO = 0.8
SNIPPET_WORDS = 40

# Private-use characters mark ts_headline's highlights; the text is escaped, then they become
# <mark> tags, so nothing from the data can ever turn into markup.
START_SEL, STOP_SEL = "\ue000", "\ue001"
_HEADLINE_MARK = re.compile(f"{START_SEL}(.*?){STOP_SEL}", re.DOTALL)
_WORD = re.compile(r"\w+")


# ---------------------------------------------------------------------------------------------
# Input


@dataclass
class SearchParams:
    q: str = ""
    kind: str = ""
    terms: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def clean_query(raw: str) -> tuple[str, list[str]]:
    """The query without NUL/control characters, whitespace collapsed, capped in length."""
    problems = []
    text = "".join(" " if unicodedata.category(ch) in ("Cc", "Cf", "Co") else ch for ch in raw)
    text = " ".join(text.split())
    if len(text) > MAX_QUERY_CHARS:
        text = text[:MAX_QUERY_CHARS].rstrip()
        problems.append(
            f"Your search was longer than {MAX_QUERY_CHARS} characters; "
            f"only the first {MAX_QUERY_CHARS} were used."
        )
    return text, problems


def query_terms(q: str) -> list[str]:
    """The distinct words of a query, lower case, in order."""
    seen: dict[str, None] = {}
    for word in _WORD.findall(q.casefold()):
        seen.setdefault(word, None)
    return list(seen)


def parse_params(data) -> SearchParams:
    """Read q and kind from a QueryDict; never raises, says what it could not use."""
    params = SearchParams()
    params.q, params.problems = clean_query(data.get("q", ""))
    terms = query_terms(params.q)
    if len(terms) > MAX_TERMS:
        params.problems.append(f"Only the first {MAX_TERMS} words of your search were used.")
        terms = terms[:MAX_TERMS]
    params.terms = terms
    if params.q and not terms:
        params.problems.append(
            f"“{params.q}” has no letters or digits to search for; try words such as collagen."
        )

    kind = data.get("kind", "")
    if kind in KINDS:
        params.kind = kind
    elif kind:
        params.problems.append(
            f"There is no kind of result called “{kind[:40]}”; showing all kinds "
            "(claim, mention or study)."
        )

    return params


# ---------------------------------------------------------------------------------------------
# Results


@dataclass(frozen=True)
class Hit:
    kind: str
    pk: int
    score: float


@dataclass
class Result:
    kind: str
    obj: Any
    url: str
    title: SafeString
    snippet: SafeString


@dataclass
class SearchOutcome:
    q: str  # what was searched: the query, or the spelling suggestion when that was used
    terms: list[str]
    hits: list[Hit]
    counts: dict[str, int]
    backend: str
    corrected_from: str = ""  # the query as typed, when a suggestion was searched instead

    def for_kind(self, kind: str) -> list[Hit]:
        return [hit for hit in self.hits if hit.kind == kind] if kind else self.hits


def is_postgresql() -> bool:
    return connection.vendor == "postgresql"


def search(q: str, terms: list[str]) -> SearchOutcome:
    """Rank every matching published record; falls back to a spelling suggestion if none."""
    backend = _PostgresBackend() if is_postgresql() else _SimpleBackend()
    outcome = _outcome(backend, q, terms)
    if outcome.hits or not terms:
        return outcome
    suggestion = suggest(terms)
    if not suggestion:
        return outcome
    corrected = _outcome(backend, suggestion, query_terms(suggestion))
    corrected.corrected_from = q
    return corrected


def _outcome(backend, q: str, terms: list[str]) -> SearchOutcome:
    hits = backend.rank(q, terms) if terms else []
    hits.sort(key=lambda h: (-h.score, KINDS.index(h.kind), h.pk))
    counts = {kind: sum(1 for h in hits if h.kind == kind) for kind in KINDS}
    return SearchOutcome(q=q, terms=terms, hits=hits, counts=counts, backend=backend.name)


def load_results(hits: list[Hit], outcome: SearchOutcome) -> list[Result]:
    """The records of one page of hits, in rank order, with their snippets: a query per kind."""
    backend = _PostgresBackend() if outcome.backend == "postgresql" else _SimpleBackend()
    by_kind: dict[str, list[int]] = {}
    for hit in hits:
        by_kind.setdefault(hit.kind, []).append(hit.pk)
    loaded = {}
    for kind, pks in by_kind.items():
        loader = {"claim": backend.load_claims, "mention": backend.load_mentions}.get(
            kind, backend.load_studies
        )
        for result in loader(pks, outcome):
            loaded[(kind, result.obj.pk)] = result
    return [loaded[(h.kind, h.pk)] for h in hits if (h.kind, h.pk) in loaded]


# Published records, one queryset per kind, shared by both backends.


def public_claims():
    return Claim.objects.published()


def public_mentions():
    return ClaimMention.objects.public()


def public_studies():
    return Study.objects.published()


# ---------------------------------------------------------------------------------------------
# Highlighting


def headline_html(headline: str) -> SafeString:
    """ts_headline output -> escaped HTML with <mark>; stray markers are dropped."""
    html = _HEADLINE_MARK.sub(r"<mark>\1</mark>", str(escape(headline)))
    return mark_safe(html.replace(START_SEL, "").replace(STOP_SEL, ""))  # noqa: S308


def _word_matches(word: str, terms: list[str]) -> bool:
    word = word.casefold()
    for term in terms:
        if word == term or (len(term) >= 3 and term in word):
            return True
        if (
            len(term) >= 4
            and len(word) >= 4
            and difflib.SequenceMatcher(None, term, word).ratio() >= FUZZY_HIGHLIGHT_RATIO
        ):
            return True
    return False


def highlight(text: str, terms: list[str], max_words: int | None = None) -> SafeString:
    """Escape `text` and <mark> the words that match a term exactly, as a part or nearly.

    With max_words, only a window of that many words is kept, starting a few words before the
    first match, with an ellipsis where text was cut.
    """
    parts = _WORD.split(text)  # separators at even indices, words between them
    words = _WORD.findall(text)
    marked = [_word_matches(w, terms) for w in words]
    first, last = 0, len(words)
    if max_words and len(words) > max_words:
        first_hit = marked.index(True) if True in marked else 0
        first = max(0, min(first_hit - 5, len(words) - max_words))
        last = first + max_words
    out = ["…" if first else str(escape(parts[0]))]
    for i in range(first, last):
        if i > first:
            out.append(str(escape(parts[i])))
        word = str(escape(words[i]))
        out.append(f"<mark>{word}</mark>" if marked[i] else word)
    out.append(str(escape(parts[last])) if last == len(words) else "…")
    if not words:
        out = [str(escape(text))]
    return mark_safe("".join(out))  # noqa: S308


# ---------------------------------------------------------------------------------------------
# Spelling suggestion


def vocabulary() -> set[str]:
    """Words (3+ letters) of published statements, quotes and study titles."""
    texts = [
        *public_claims().values_list("statement", flat=True),
        *public_mentions().values_list("quote", flat=True),
        *public_studies().values_list("title", flat=True),
    ]
    return {w for text in texts for w in _WORD.findall(text.casefold()) if len(w) >= 3}


def suggest(terms: list[str]) -> str:
    """The query with each unknown word replaced by the closest known word; '' if no change."""
    vocab = vocabulary()
    corrected = []
    for term in terms:
        if len(term) < 4 or term in vocab or any(term in word for word in vocab):
            corrected.append(term)
            continue
        close = difflib.get_close_matches(term, vocab, n=1, cutoff=SUGGEST_CUTOFF)
        corrected.append(close[0] if close else term)
    return " ".join(corrected) if corrected != terms else ""


# ---------------------------------------------------------------------------------------------
# Backends


def _all(conditions: list[Q]) -> Q:
    return reduce(operator.and_, conditions)


class _SimpleBackend:
    """Any database: every word must occur; statement > quote > title > summary."""

    name = "simple"

    def rank(self, q: str, terms: list[str]) -> list[Hit]:
        hits = []
        claims = public_claims().filter(_all([Q(statement__icontains=t) for t in terms]))
        for pk, statement in claims.order_by("pk").values_list("pk", "statement")[:MAX_PER_KIND]:
            hits.append(Hit("claim", pk, self._score(terms, statement=statement)))
        mentions = public_mentions().filter(_all([Q(quote__icontains=t) for t in terms]))
        for pk, quote in mentions.order_by("pk").values_list("pk", "quote")[:MAX_PER_KIND]:
            hits.append(Hit("mention", pk, self._score(terms, quote=quote)))
        studies = public_studies().filter(
            _all([Q(title__icontains=t) | Q(summary__icontains=t) for t in terms])
        )
        rows = studies.order_by("pk").values_list("pk", "title", "summary")[:MAX_PER_KIND]
        for pk, title, summary in rows:
            hits.append(Hit("study", pk, self._score(terms, title=title, summary=summary)))
        return hits

    @staticmethod
    def _score(terms: list[str], **texts: str) -> float:
        best = [
            max(
                (SIMPLE_WEIGHTS[name] for name, text in texts.items() if term in text.casefold()),
                default=0,
            )
            for term in terms
        ]
        return sum(best) / len(best)

    def load_claims(self, pks, outcome):
        for claim in public_claims().filter(pk__in=pks).select_related("category"):
            snippet = highlight(claim.statement, outcome.terms)
            yield Result("claim", claim, claim.get_absolute_url(), snippet, snippet)

    def load_mentions(self, pks, outcome):
        rows = public_mentions().filter(pk__in=pks).select_related("claim", "document")
        for mention in rows:
            snippet = highlight(mention.quote, outcome.terms)
            title = mark_safe(escape(mention.document.title))  # noqa: S308
            yield Result("mention", mention, mention.get_absolute_url(), title, snippet)

    def load_studies(self, pks, outcome):
        for study in public_studies().filter(pk__in=pks):
            title = highlight(study.public_title, outcome.terms)
            snippet = highlight(study.summary, outcome.terms, max_words=SNIPPET_WORDS)
            yield Result("study", study, study.get_absolute_url(), title, snippet)


class _PostgresBackend:
    """Full-text search with weights and ranking, plus trigram word similarity for typos."""

    name = "postgresql"

    @staticmethod
    def query(q: str):
        from django.contrib.postgres.search import SearchQuery

        return SearchQuery(q, config=FTS_CONFIG, search_type="websearch")

    @staticmethod
    def _similarity(terms: list[str], field_name: str):
        from django.contrib.postgres.search import TrigramWordSimilarity

        total = reduce(operator.add, [TrigramWordSimilarity(t, field_name) for t in terms])
        return total / Value(float(len(terms)))

    @staticmethod
    def _similar(terms: list[str], field_name: str) -> Q:
        """Every word is similar to some word of the field (`field %> word`, GIN-indexable)."""
        return _all([Q(**{f"{field_name}__trigram_word_similar": t}) for t in terms])

    def _ranked(self, queryset, kind: str, match: Q, score) -> list[Hit]:
        rows = (
            queryset.filter(match)
            .annotate(score=score)
            .order_by("-score", "pk")
            .values_list("pk", "score")[:MAX_PER_KIND]
        )
        return [Hit(kind, pk, score) for pk, score in rows]

    def rank(self, q: str, terms: list[str]) -> list[Hit]:
        from django.contrib.postgres.search import SearchRank, SearchVector

        query = self.query(q)
        trigram = Value(TRIGRAM_WEIGHT)
        weight = {k: Value(v) for k, v in FIELD_WEIGHTS.items()}
        claims = self._ranked(
            public_claims(),
            "claim",
            Q(statement__search=query) | self._similar(terms, "statement"),
            SearchRank(SearchVector("statement", weight="A", config=FTS_CONFIG), query)
            + trigram * weight["A"] * self._similarity(terms, "statement"),
        )
        mentions = self._ranked(
            public_mentions(),
            "mention",
            Q(quote__search=query) | self._similar(terms, "quote"),
            SearchRank(SearchVector("quote", weight="B", config=FTS_CONFIG), query)
            + trigram * weight["B"] * self._similarity(terms, "quote"),
        )
        studies = self._ranked(
            public_studies(),
            "study",
            Q(title__search=query) | Q(summary__search=query) | self._similar(terms, "title"),
            SearchRank(
                SearchVector("title", weight="C", config=FTS_CONFIG)
                + SearchVector("summary", weight="D", config=FTS_CONFIG),
                query,
            )
            + trigram * weight["C"] * self._similarity(terms, "title"),
        )
        return claims + mentions + studies

    def _headline(self, field_name: str, outcome: SearchOutcome, **options):
        from django.contrib.postgres.search import SearchHeadline

        return SearchHeadline(
            field_name,
            self.query(outcome.q),
            config=FTS_CONFIG,
            start_sel=START_SEL,
            stop_sel=STOP_SEL,
            **options,
        )

    @staticmethod
    def _html(headline: str, text: str, terms: list[str], max_words=None) -> SafeString:
        """ts_headline's highlights; for a typo-only hit (none there) the similar words."""
        if START_SEL in headline:
            return headline_html(headline)
        return highlight(text, terms, max_words=max_words)

    def load_claims(self, pks, outcome):
        rows = (
            public_claims()
            .filter(pk__in=pks)
            .select_related("category")
            .annotate(headline=self._headline("statement", outcome, highlight_all=True))
        )
        for claim in rows:
            snippet = self._html(claim.headline, claim.statement, outcome.terms)
            yield Result("claim", claim, claim.get_absolute_url(), snippet, snippet)

    def load_mentions(self, pks, outcome):
        rows = (
            public_mentions()
            .filter(pk__in=pks)
            .select_related("claim", "document")
            .annotate(headline=self._headline("quote", outcome, highlight_all=True))
        )
        for mention in rows:
            snippet = self._html(mention.headline, mention.quote, outcome.terms)
            title = mark_safe(escape(mention.document.title))  # noqa: S308
            yield Result("mention", mention, mention.get_absolute_url(), title, snippet)

    def load_studies(self, pks, outcome):
        rows = (
            public_studies()
            .filter(pk__in=pks)
            .annotate(
                title_headline=self._headline("title", outcome, highlight_all=True),
                summary_headline=self._headline(
                    "summary",
                    outcome,
                    max_words=SNIPPET_WORDS,
                    min_words=15,
                    max_fragments=2,
                    fragment_delimiter=" … ",
                ),
            )
        )
        for study in rows:
            if is_placeholder_title(study.title):
                title = mark_safe(escape(study.public_title))  # noqa: S308
            else:
                title = self._html(study.title_headline, study.title, outcome.terms)
            snippet = self._html(
                study.summary_headline, study.summary, outcome.terms, max_words=SNIPPET_WORDS
            )
            yield Result("study", study, study.get_absolute_url(), title, snippet)
