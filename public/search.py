"""One search over published claims, article passages (mentions) and studies.

What it promises, on every database:
- only published records: published claims; mentions whose claim and document are published
  (and which still sit at their quote, i.e. not flagged for review); published studies
  (drafts, studies in review and retracted studies never);
- a reader's words understood the same way everywhere (public/search_query.py): question and
  stop words dropped, synonyms from evidence/synonyms.py ("blood flow" also finds
  "circulation"), "quoted phrases", `or`, `-word`; stemming by the database (SQLite FTS5's
  porter tokenizer, PostgreSQL's English configuration);
- a DOI in any form or a PMID finds its study first; authors are searched with study titles;
  a claim's category name is searched with its statement;
- every concept must match; when no record matches them all, a misspelt word is corrected
  (PostgreSQL: trigram word similarity; SQLite: the closest known word), and then the search
  relaxes to any concept, and the page says so;
- one merged list: a statement hit above a quote above a study (title and authors above
  summary), and inside each kind by the database's relevance (bm25 on SQLite, ts_rank on
  PostgreSQL), squashed into (0, 1) so a band is never crossed;
- at most CANDIDATES index matches per kind are ranked (the rest are not read), so a very
  common word costs a bounded time; snippets HTML-escaped with only matched words in <mark>;
- any input is safe: NUL and control characters are dropped, the query is capped at
  MAX_QUERY_CHARS, and every word reaches the database as a quoted FTS5 string or a bound
  parameter, never as syntax.

The index itself (FTS5 tables on SQLite, a stored tsvector column with a GIN index on
PostgreSQL, both kept by triggers) is defined in evidence/search_index.py.
"""

import difflib
import functools
import operator
import os
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from functools import reduce
from typing import Any, NamedTuple

from django.db import connection
from django.db.models import Q, Value
from django.db.models.expressions import RawSQL
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from evidence import search_index
from evidence.models import Claim, ClaimMention
from public import search_query
from public.facets import planned
from public.search_query import ReaderQuery
from studies.citations import is_placeholder_title
from studies.models import Study

MAX_QUERY_CHARS = 200
MAX_TERMS = search_query.MAX_CONCEPTS
MAX_PER_KIND = 200
# Index matches ranked per kind: past this, a very common word is not ranked in full (at 100k
# claims on PostgreSQL, 1000 cost twice the time of 300 for a word in 5% of the rows).
CANDIDATES = 300
# PostgreSQL takes a kind's candidates one of two ways (`walks_key`): by a bitmap of the GIN
# index's matches, read in the table's block order until CANDIDATES (its cost grows with the
# matches: 0.2 µs each at 1M claims, 57 ms for a word in 69% of them), or by walking the primary
# key and testing each row until CANDIDATES match (its cost grows with the rows walked, about
# CANDIDATES × rows / matches: 2.5 µs each, 9 ms for a word in 10%). Walking is cheaper when
# matches² > WALK_COST × CANDIDATES × rows, WALK_COST being the ratio of those two costs.
WALK_COST = 12.5
KINDS = ("claim", "mention", "study")
KIND_LABELS = {"claim": "Claims", "mention": "Article passages", "study": "Studies"}

FTS_CONFIG = search_index.FTS_CONFIG
# Score bands: a DOI or PMID hit, then claims, passages, studies; relevance adds under 1.
IDENTIFIER_SCORE = 10.0
KIND_BANDS = {"claim": 3.0, "mention": 2.0, "study": 1.0}
# FTS5 bm25 column weights, in the order of each source's texts (search_index.SOURCES).
BM25_WEIGHTS = {"A": 10.0, "B": 5.0, "C": 3.0, "D": 1.0}
SUGGEST_CUTOFF = 0.75
# Rows per kind whose words make the spelling suggestion's vocabulary (bounded at scale).
VOCABULARY_ROWS = 3000
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
    query: ReaderQuery = field(default_factory=ReaderQuery)
    problems: list[str] = field(default_factory=list)

    @property
    def terms(self) -> list[str]:
        return terms_of(self.query)


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


def terms_of(query: ReaderQuery) -> list[str]:
    """What a search looks for: its words (synonyms too) and identifiers; [] when nothing."""
    return [*query.words(), *(x for x in (query.doi, query.pmid) if x and x not in query.words())]


def parse_params(data) -> SearchParams:
    """Read q and kind from a QueryDict; never raises, says what it could not use."""
    params = SearchParams()
    params.q, params.problems = clean_query(data.get("q", ""))
    params.query = search_query.parse(params.q)
    if params.query.truncated:
        params.problems.append(f"Only the first {MAX_TERMS} words of your search were used.")
    if params.q and not params.terms:
        if params.query.dropped:
            words = ", ".join(f"“{w}”" for w in params.query.dropped[:5])
            params.problems.append(
                f"Your search has only common words ({words}); add a word that says what you "
                "are looking for, such as collagen."
            )
        else:
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


class Hit(NamedTuple):
    """One ranked record: a tuple, built straight from the ranking query's rows."""

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
    query: ReaderQuery = field(default_factory=ReaderQuery)
    corrected_from: str = ""  # the query as typed, when a suggestion was searched instead
    relaxed: bool = False  # no record matched every word: these match some of them

    def for_kind(self, kind: str) -> list[Hit]:
        return [hit for hit in self.hits if hit.kind == kind] if kind else self.hits


def is_postgresql() -> bool:
    return connection.vendor == "postgresql"


def _backend():
    return _PostgresBackend() if is_postgresql() else _Fts5Backend()


def search(q: str, query: ReaderQuery | list[str]) -> SearchOutcome:
    """Rank every matching published record.

    Every concept must match; when nothing does, a spelling correction is tried, then any
    concept is enough (`relaxed`). A DOI or PMID adds its study at the top.
    """
    if isinstance(query, list):  # the words of a query: parse the query itself
        query = search_query.parse(q)
    backend = _backend()
    identified = _identified(query)
    outcome = _outcome(backend, q, query, identified)
    if outcome.hits or not query.searchable:
        return outcome
    corrected = backend.typos(q, query)
    if corrected is not None and corrected.hits:
        corrected.hits = _merge(identified, corrected.hits)
        return corrected
    if query.can_relax:
        relaxed = _outcome(backend, q, query.relaxed(), identified)
        relaxed.relaxed = bool(relaxed.hits)
        if relaxed.hits:
            return relaxed
    return outcome


def _identified(query: ReaderQuery) -> list[Hit]:
    """The study a DOI or PMID names (one indexed query, only when the query has one)."""
    condition = Q()
    if query.doi:
        condition |= Q(doi=query.doi)
    if query.pmid:
        condition |= Q(pmid=query.pmid)
    if not condition:
        return []
    pks = public_studies().filter(condition).order_by("pk").values_list("pk", flat=True)
    return [Hit("study", pk, IDENTIFIER_SCORE) for pk in pks[:MAX_PER_KIND]]


def _merge(first: list[Hit], second: list[Hit]) -> list[Hit]:
    """Both lists in rank order, each record once at its best score; `second` is one ranking's
    hits (distinct, already in rank order), so with nothing first it is the answer as it is."""
    if not first:
        return second
    best: dict[tuple[str, int], Hit] = {}
    for hit in [*first, *second]:
        key = (hit.kind, hit.pk)
        if key not in best or hit.score > best[key].score:
            best[key] = hit
    hits = list(best.values())
    hits.sort(key=lambda h: (-h.score, KINDS.index(h.kind), h.pk))
    return hits


def _outcome(backend, q: str, query: ReaderQuery, identified: list[Hit]) -> SearchOutcome:
    hits = backend.rank(query) if query.searchable else []
    return _make_outcome(backend, q, query, _merge(identified, hits))


def _make_outcome(backend, q: str, query: ReaderQuery, hits: list[Hit]) -> SearchOutcome:
    found = Counter(hit.kind for hit in hits)
    counts = {kind: found[kind] for kind in KINDS}
    return SearchOutcome(
        q=q,
        terms=terms_of(query),
        hits=hits,
        counts=counts,
        backend=backend.name,
        query=query,
    )


def load_results(hits: list[Hit], outcome: SearchOutcome) -> list[Result]:
    """The records of one page of hits, in rank order, with their snippets: a query per kind."""
    backend = _PostgresBackend() if outcome.backend == "postgresql" else _Fts5Backend()
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


def _same_stem(word: str, term: str) -> bool:
    """Roughly what a stemmer calls one word: "stimulating" and "stimulates" share "stimulat"."""
    if len(term) < 4 or len(word) < 4:
        return False
    shared = len(os.path.commonprefix([word, term]))
    return shared >= max(4, min(len(word), len(term)) - 3)


def _word_matches(word: str, terms: list[str], fuzzy: bool = True) -> bool:
    word = word.casefold()
    for term in terms:
        if word == term or (len(term) >= 3 and word.startswith(term)) or _same_stem(word, term):
            return True
        if (
            fuzzy
            and len(term) >= 4
            and len(word) >= 4
            and difflib.SequenceMatcher(None, term, word).ratio() >= FUZZY_HIGHLIGHT_RATIO
        ):
            return True
    return False


def highlight(
    text: str, terms: list[str], max_words: int | None = None, *, fuzzy: bool = True
) -> SafeString:
    """Escape `text` and <mark> the words that match a term exactly, by stem, as a prefix or
    (with `fuzzy`, for typo hits) nearly.

    With max_words, only a window of that many words is kept, starting a few words before the
    first match, with an ellipsis where text was cut.
    """
    parts = _WORD.split(text)  # separators at even indices, words between them
    words = _WORD.findall(text)
    marked = [_word_matches(w, terms, fuzzy) for w in words]
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
    """Words (3+ letters) of published statements, quotes and study titles (the first
    VOCABULARY_ROWS of each, so a miss costs a bounded time at any size)."""
    texts = [
        *public_claims().order_by().values_list("statement", flat=True)[:VOCABULARY_ROWS],
        *public_mentions().order_by().values_list("quote", flat=True)[:VOCABULARY_ROWS],
        *public_studies().order_by().values_list("title", flat=True)[:VOCABULARY_ROWS],
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
# Backends: rank(query) gives the hits of every kind (a query per kind); typos(q, query) the
# outcome of a corrected search, or None; load_* one page's records with their snippets.


def _all(conditions: list[Q]) -> Q:
    return reduce(operator.and_, conditions)


def _squash(relevance: float | None) -> float:
    """Any non-negative relevance into [0, 1): it orders inside a band, never across."""
    value = max(float(relevance or 0.0), 0.0)
    return value / (1.0 + value)


PUBLIC_ROWS = {"claim": public_claims, "mention": public_mentions, "study": public_studies}

# The columns a result shows (templates/public/_search_result.html and each get_absolute_url):
# a page of results reads these and nothing else (not a document's whole text, nor a claim's
# grade details), in no particular order (load_results puts them in rank order).
CLAIM_COLUMNS = (
    "slug", "statement", "certainty", "certainty_override", "direction", "direction_override",
    "category__name",
)  # fmt: skip
MENTION_COLUMNS = (
    "quote", "prefix", "suffix", "claim__slug", "claim__statement", "document__slug",
    "document__title",
)  # fmt: skip
STUDY_COLUMNS = ("title", "pmid", "summary", "authors", "year", "design", "participants")


def page_claims(pks):
    rows = public_claims().filter(pk__in=pks).select_related("category")
    return rows.only(*CLAIM_COLUMNS).order_by()


def page_mentions(pks):
    rows = public_mentions().filter(pk__in=pks).select_related("claim", "document")
    return rows.only(*MENTION_COLUMNS).order_by()


def page_studies(pks):
    return public_studies().filter(pk__in=pks).only(*STUDY_COLUMNS).order_by()


@functools.cache
def _visible_sql(kind: str, vendor: str) -> tuple[str, tuple]:
    """The publication rule's own queryset for one candidate `m.id`, compiled once per process
    (it has no parameter of the search): what EXISTS checks for each candidate."""
    public = PUBLIC_ROWS[kind]().filter(pk=RawSQL("m.id", [])).values("pk").order_by()  # noqa: S611
    sql, params = public.query.sql_with_params()
    return sql, tuple(params)


def walks_key(matches: int, rows: int) -> bool:
    """Whether walking the primary key finds CANDIDATES of `matches` among `rows` more cheaply
    than the index's bitmap of all of them (see WALK_COST)."""
    return matches * matches > WALK_COST * CANDIDATES * rows


class _IndexBackend:
    """Shared by both databases: per kind, at most CANDIDATES index matches with their
    relevance, kept when the record is public (checked per candidate by primary key, with the
    publication rule's own queryset), the best MAX_PER_KIND of them; one query for all kinds,
    whose rows are the hits in rank order (the score is computed in SQL, as _squash does)."""

    name = ""
    greatest = "greatest"  # the SQL function of the larger of two values
    # Statements sent with the ranking query, in the same round trip (settings local to it),
    # and after it (`ranking_suffix`, to put them back).
    ranking_prefix = ""
    ranking_suffix = ""

    def candidates_sql(self, source, query: ReaderQuery, *, walk: bool) -> tuple[str, list]:
        """SQL selecting `(id, relevance)` of at most CANDIDATES matching rows; `walk`: by
        walking the primary key (see WALK_COST)."""
        raise NotImplementedError

    def walks(self, query: ReaderQuery) -> dict[str, bool]:
        """Per kind, whether its candidates are taken by walking the primary key."""
        return dict.fromkeys(KINDS, False)

    def score_sql(self, kind: str, relevance: str) -> str:
        """KIND_BANDS[kind] + _squash(relevance), in SQL (the same double arithmetic)."""
        value = f"{self.greatest}(coalesce(CAST({relevance} AS DOUBLE PRECISION), 0.0), 0.0)"
        return f"({float(KIND_BANDS[kind])!r} + {value} / (1.0 + {value}))"

    def rank(self, query: ReaderQuery) -> list[Hit]:
        parts, params = [], []
        walks = self.walks(query)
        for kind in KINDS:
            source = search_index.SOURCES_BY_KIND[kind]
            candidates, c_params = self.candidates_sql(source, query, walk=walks[kind])
            visible, v_params = _visible_sql(kind, connection.vendor)
            parts.append(
                f"SELECT * FROM (SELECT '{kind}' AS kind, m.id, "  # noqa: S608
                f"{self.score_sql(kind, 'm.relevance')} AS score "
                f"FROM ({candidates}) AS m WHERE EXISTS ({visible}) "
                f"ORDER BY m.relevance DESC, m.id LIMIT {MAX_PER_KIND}) AS {kind}_hits"
            )
            params += [*c_params, *v_params]
        # The bands never overlap, so score then id is _merge's order (score, kind, id).
        sql = f"SELECT * FROM ({' UNION ALL '.join(parts)}) AS hits ORDER BY score DESC, id"  # noqa: S608
        with connection.cursor() as cursor:
            cursor.execute(self.ranking_prefix + sql, params)
            hits = list(map(Hit._make, cursor.fetchall()))
            if self.ranking_suffix:
                cursor.execute(self.ranking_suffix)
            return hits


class _Fts5Backend(_IndexBackend):
    """SQLite: the FTS5 tables (porter stemming), ranked by bm25 with column weights."""

    name = "sqlite"
    greatest = "max"

    def candidates_sql(self, source, query, *, walk):
        fts = source.fts_table
        weights = ", ".join(str(BM25_WEIGHTS[t.weight]) for t in source.texts)
        return (
            f"SELECT rowid AS id, -bm25({fts}, {weights}) AS relevance FROM {fts} "  # noqa: S608
            f"WHERE {fts} MATCH %s LIMIT {CANDIDATES}",
            [search_query.fts5_match(query)],
        )

    def typos(self, q: str, query: ReaderQuery):
        """The query with each unknown word replaced by the closest known one, searched."""
        suggestion = suggest(query_terms(" ".join(c.label for c in query.positive)))
        if not suggestion:
            return None
        corrected_query = search_query.parse(suggestion)
        outcome = _make_outcome(self, suggestion, corrected_query, self.rank(corrected_query))
        outcome.corrected_from = q
        return outcome

    def load_claims(self, pks, outcome):
        for claim in page_claims(pks):
            snippet = highlight(claim.statement, outcome.terms, fuzzy=False)
            yield Result("claim", claim, claim.get_absolute_url(), snippet, snippet)

    def load_mentions(self, pks, outcome):
        for mention in page_mentions(pks):
            snippet = highlight(mention.quote, outcome.terms, fuzzy=False)
            title = mark_safe(escape(mention.document.title))  # noqa: S308
            yield Result("mention", mention, mention.get_absolute_url(), title, snippet)

    def load_studies(self, pks, outcome):
        for study in page_studies(pks):
            title = highlight(study.public_title, outcome.terms, fuzzy=False)
            snippet = highlight(study.summary, outcome.terms, max_words=SNIPPET_WORDS, fuzzy=False)
            yield Result("study", study, study.get_absolute_url(), title, snippet)


class _PostgresBackend(_IndexBackend):
    """PostgreSQL: the stored, weighted tsvector columns (GIN), ranked by ts_rank; trigram
    word similarity when a word is misspelt."""

    name = "postgresql"
    # A sequential scan that LIMIT stops leaves its place for the next scan of a large table
    # to start from (synchronize_seqscans), so the first CANDIDATES matches of a common word,
    # and with them the results and their pages, moved from one request to the next (seen at
    # 100k claims). Off for the ranking's transaction (a multi-statement query is one implicit
    # transaction outside a request's), so the same search finds the same records.
    # Nor a sequential scan for the candidates at all: one that LIMIT stops reads the table
    # from its first block, and after a regrade has rewritten every claim (the new rows at the
    # end, the old ones vacuumed away) that is hundreds of megabytes of empty pages before the
    # first match (103 ms for a word in 10% of 1M claims); the GIN index's bitmap or the primary
    # key instead (`walks`). Both set back after the ranking query (`ranking_suffix`): they
    # would last to the end of the request's transaction.
    ranking_prefix = (
        "SELECT set_config('synchronize_seqscans', 'off', true), "
        "set_config('enable_seqscan', 'off', true); "
    )
    ranking_suffix = (
        "SET LOCAL synchronize_seqscans TO DEFAULT; SET LOCAL enable_seqscan TO DEFAULT"
    )

    @staticmethod
    def tsquery(query: ReaderQuery) -> tuple[str, list]:
        fragment = search_query.tsquery_sql(query, FTS_CONFIG)
        return fragment.sql, list(fragment.params)

    def candidates_sql(self, source, query, *, walk):
        tsquery, params = self.tsquery(query)
        column = search_index.VECTOR_COLUMN
        order = "ORDER BY id " if walk else ""
        return (
            f"SELECT id, ts_rank({column}, {tsquery}) AS relevance FROM {source.table} "  # noqa: S608
            f"WHERE {column} @@ {tsquery} {order}LIMIT {CANDIDATES}",
            params + params,
        )

    def walks(self, query):
        """From the planner's estimates of each kind's matches and rows, in one EXPLAIN (its
        statistics know a common word's share; any other it takes for a rare one)."""
        tsquery, params = self.tsquery(query)
        column = search_index.VECTOR_COLUMN
        parts = []
        for kind in KINDS:
            table = search_index.SOURCES_BY_KIND[kind].table
            matching = f"SELECT 1 FROM {table} WHERE {column} @@ {tsquery}"  # noqa: S608
            parts += [matching, f"SELECT 1 FROM {table}"]  # noqa: S608
        plan = planned(connection, " UNION ALL ".join(parts), params * len(KINDS))
        rows = [int(child["Plan Rows"]) for child in plan["Plans"]]
        return {kind: walks_key(*rows[2 * i : 2 * i + 2]) for i, kind in enumerate(KINDS)}

    # Typos: every word similar to a word of the statement, quote or title (GIN trigram).

    @staticmethod
    def _similarity(terms: list[str], field_name: str):
        from django.contrib.postgres.search import TrigramWordSimilarity

        total = reduce(operator.add, [TrigramWordSimilarity(t, field_name) for t in terms])
        return total / Value(float(len(terms)))

    @staticmethod
    def _similar(terms: list[str], field_name: str) -> Q:
        """Every word is similar to some word of the field (`field %> word`, GIN-indexable)."""
        return _all([Q(**{f"{field_name}__trigram_word_similar": t}) for t in terms])

    def typos(self, q: str, query: ReaderQuery):
        terms = query_terms(" ".join(c.label for c in query.positive))
        if not terms:
            return None
        with connection.cursor() as cursor:
            # The planner prices `%>` far too cheaply and scans whole tables for it (733 ms
            # against 67 ms through the trigram GIN index at 100k claims): steer it to the
            # index for these queries only, then restore the settings (local to the request's
            # transaction; outside one, this changes nothing). JIT goes off with it: the
            # penalty on any remaining scan would otherwise make a tiny query worth compiling
            # (118 ms on the seed's 48 studies).
            cursor.execute(
                "SELECT current_setting('enable_seqscan'), current_setting('jit'), "
                "set_config('enable_seqscan', 'off', true), set_config('jit', 'off', true)"
            )
            seqscan, jit, _, _ = cursor.fetchone()
            try:
                hits = self._similar_hits(terms)
            finally:
                cursor.execute(
                    "SELECT set_config('enable_seqscan', %s, true), set_config('jit', %s, true)",
                    [seqscan, jit],
                )
        hits.sort(key=lambda h: (-h.score, KINDS.index(h.kind), h.pk))
        return _make_outcome(self, q, query, hits)

    def _similar_hits(self, terms: list[str]) -> list[Hit]:
        """At most CANDIDATES similar public rows per kind, the most similar first; one query
        (a derived table per kind, so the planner cannot re-run the bounded match per row)."""
        parts, params = [], []
        for kind, field_name in (("claim", "statement"), ("mention", "quote"), ("study", "title")):
            rows = (
                PUBLIC_ROWS[kind]()
                .filter(self._similar(terms, field_name))
                .annotate(similarity=self._similarity(terms, field_name))
                .order_by()
                .values_list("pk", "similarity")[:CANDIDATES]
            )
            sql, sql_params = rows.query.sql_with_params()
            parts.append(
                f"SELECT * FROM (SELECT '{kind}' AS kind, c.id, c.similarity "  # noqa: S608
                f"FROM ({sql}) AS c(id, similarity) "
                f"ORDER BY c.similarity DESC, c.id LIMIT {MAX_PER_KIND}) AS {kind}_typos"
            )
            params += list(sql_params)
        with connection.cursor() as cursor:
            cursor.execute(" UNION ALL ".join(parts), params)
            rows = cursor.fetchall()
        return [Hit(kind, pk, KIND_BANDS[kind] + _squash(sim)) for kind, pk, sim in rows]

    def _headline(self, field_name: str, outcome: SearchOutcome, **options):
        from django.contrib.postgres.search import SearchHeadline, SearchQueryField

        tsquery, params = self.tsquery(outcome.query)
        return SearchHeadline(
            field_name,
            RawSQL(tsquery, params, output_field=SearchQueryField()),  # noqa: S611
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
        rows = page_claims(pks).annotate(
            headline=self._headline("statement", outcome, highlight_all=True)
        )
        for claim in rows:
            snippet = self._html(claim.headline, claim.statement, outcome.terms)
            yield Result("claim", claim, claim.get_absolute_url(), snippet, snippet)

    def load_mentions(self, pks, outcome):
        rows = page_mentions(pks).annotate(
            headline=self._headline("quote", outcome, highlight_all=True)
        )
        for mention in rows:
            snippet = self._html(mention.headline, mention.quote, outcome.terms)
            title = mark_safe(escape(mention.document.title))  # noqa: S308
            yield Result("mention", mention, mention.get_absolute_url(), title, snippet)

    def load_studies(self, pks, outcome):
        rows = page_studies(pks).annotate(
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
        for study in rows:
            if is_placeholder_title(study.title):
                title = mark_safe(escape(study.public_title))  # noqa: S308
            else:
                title = self._html(study.title_headline, study.title, outcome.terms)
            snippet = self._html(
                study.summary_headline, study.summary, outcome.terms, max_words=SNIPPET_WORDS
            )
            yield Result("study", study, study.get_absolute_url(), title, snippet)
