"""Every facet count of the claim and study lists, for any choice of their faceted filters,
summed from totals kept per publish instead of counted over the rows at each new choice.

Each list's facets are of two kinds. *Single* facets have one value per row: a claim's
category, effective certainty and direction; a study's design, condition and risk of bias.
*Multi* facets any number: the designs and conditions of a claim's published linked studies
(its `ClaimFacet` rows), the categories of a study's published linked claims. Rows are counted
once per cell of:

- *totals*: (single values) -> rows, and (single values, multi facet, value) -> rows with that
  value;
- *pairs* of one value of a multi facet, where a list has two (the claim list's design and
  condition): for the rows with it, (single values, value of the other) -> rows.

A row has exactly one value of each single facet, so a count with any of them chosen is a sum
of cells; a row is counted once per value of a multi facet, so a cell with one design (or
condition, or category) counts each row once; a count that needs a design *and* a condition
reads the pairs of one chosen. The totals are a few thousand cells whatever the number of rows
(1,632 and 9,792 pairs for the claim list at 1M claims): a filtered list's first request after a
publish sums them in Python (was a grouped count of every row the filter keeps: 2.6–8.4 s for
the claim list at 1M claims).

The totals and each value's pairs are kept in the shared cache under the publish version
(public.page_cache.versioned); the worker's warm after a publish computes the totals and every
value's pairs (public/tasks.py). A filter the totals cannot answer (the words box, a range of
years, a claim) returns None: the caller counts over the rows as before.
"""

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db import connections, router
from django.db.models import Count, F

from evidence.models import (
    Claim,
    ClaimCategory,
    ClaimFacet,
    ClaimFacetName,
    EvidenceLink,
    PublicationStatus,
)
from public.facets import counting_every_row
from public.page_cache import _seconds, kept, versioned, versioned_many
from studies.models import Study, StudyStatus

# A cell: the rows' single values, then what else they are counted by, then how many.
Cell = tuple


def _sum(cells: Iterable[Cell], chosen: dict[int, str], by: int) -> dict[str, int]:
    counts: Counter[str] = Counter()
    for cell in cells:
        if all(cell[i] == v for i, v in chosen.items()):
            counts[cell[by]] += cell[-1]
    return dict(counts)


@dataclass(frozen=True)
class FacetTotals:
    """One list's totals: its facets' names, and how to count its cells (each `compute_*`
    gives cells whose values are strings, as `public.facets.facet_counts` names them)."""

    name: str
    single: tuple[str, ...]
    multi: tuple[str, ...]
    compute_totals: Callable[[], dict[str, list[Cell]]]
    # (facet, value) -> cells, for a list with two multi facets.
    compute_pairs: Callable[[str, str], list[Cell]] | None = None
    compute_all_pairs: Callable[[], dict[tuple[str, str], list[Cell]]] | None = None
    # (facet, value) -> (rows, rows with that value of a multi facet).
    compute_size: Callable[[str, str], tuple[int, int]] | None = None

    @property
    def facets(self) -> tuple[str, ...]:
        return self.single + self.multi

    def totals(self) -> dict[str, list[Cell]]:
        return versioned(self.totals_name, self.compute_totals)

    @property
    def totals_name(self) -> str:
        return f"{self.name}:totals"

    def pairs(self, facet: str, value: str) -> list[Cell]:
        assert self.compute_pairs is not None  # noqa: S101 -- only a list with two multi facets
        compute = self.compute_pairs
        return versioned(f"{self.name}:pairs:{facet}:{value}", lambda: compute(facet, value))

    def keep_all_pairs(self) -> None:
        """Computes every value's pairs in one query and keeps each (the worker, after a
        publish)."""
        if self.compute_all_pairs is None:
            return
        compute = self.compute_all_pairs
        versioned_many(
            lambda: {
                f"{self.name}:pairs:{facet}:{value}": cells
                for (facet, value), cells in compute().items()
            }
        )

    def size(self, facet: str, value: str) -> tuple[int, int] | None:
        """(rows, rows with this value of a multi facet), kept until the next publish: summed
        from the totals where they are kept, else counted (`compute_size`: two counts, not the
        totals' grouped ones, which a list filtered by two multi facets does not read). None
        with the shared cache off, as `counts`."""
        compute_size = self.compute_size
        if not _seconds() or compute_size is None:
            return None

        def compute() -> tuple[int, int]:
            totals = kept(self.totals_name)
            if totals is None:
                return compute_size(facet, value)
            n = len(self.single)
            rows = sum(cell[-1] for cell in totals["rows"])
            cells = totals["values"]
            return rows, sum(c[-1] for c in cells if c[n] == facet and c[n + 1] == value)

        return versioned(self.size_name(facet, value), compute)

    def size_name(self, facet: str, value: str) -> str:
        return f"{self.name}:size:{facet}:{value}"

    def _other(self, facet: str) -> str:
        return self.multi[1] if facet == self.multi[0] else self.multi[0]

    def counts(self, chosen: dict[str, str]) -> dict[str, dict[str, int]] | None:
        """{facet: {value: rows}} for every facet, each with the other chosen filters applied;
        None when a filter outside the facets is chosen, or with the shared cache off (the
        totals are worth their cost only when kept)."""
        if not _seconds() or set(chosen) - set(self.facets):
            return None
        n = len(self.single)
        out = {}
        for name in self.facets:
            others = {k: v for k, v in chosen.items() if k != name}
            singles = {self.single.index(k): v for k, v in others.items() if k in self.single}
            multis = {k: v for k, v in others.items() if k in self.multi}
            if name in self.single:
                by = self.single.index(name)
                if not multis:
                    cells = self.totals()["rows"]
                elif len(multis) == 1:
                    [(facet, value)] = multis.items()
                    cells = [
                        c for c in self.totals()["values"] if c[n] == facet and c[n + 1] == value
                    ]
                else:
                    first, second = (multis[m] for m in self.multi)
                    cells = [c for c in self.pairs(self.multi[0], first) if c[n] == second]
            elif len(self.multi) == 2 and self._other(name) in multis:
                other = self._other(name)
                cells, by = self.pairs(other, multis[other]), n
            else:
                cells = [c for c in self.totals()["values"] if c[n] == name]
                by = n + 1
            out[name] = _sum(cells, singles, by)
        return out


# The claim list's: the published claims (public.views.claims.claim_filter). Their condition is
# put on the facet rows' own join to the claim (was a second scan of every claim, as a
# semi-join).
_CLAIM_PUBLISHED = {"claim__status": PublicationStatus.PUBLISHED}


def _claim_singles(via: str = "") -> dict:
    # The stored columns, not the category's slug nor the effective values' expressions:
    # PostgreSQL groups these by hashing, where grouping by the slug or the COALESCE of each
    # pair sorted every row on disk (2.5-3.7 s against 0.8-1.0 s for 100,000 claims' pairs).
    # `_claim_cells` takes the slugs and the effective values.
    return {
        f"s_{name}": F(f"{via}{name}")
        for name in (
            "category_id",
            "certainty",
            "certainty_override",
            "direction",
            "direction_override",
        )
    }


def _claim_cells(rows: Iterable[dict], *keys: str) -> list[Cell]:
    """One cell per (category slug, effective certainty, effective direction, *keys), with
    the claims of the rows that give it summed. The effective value is the override when a
    curator set one, else the computed, as ClaimQuerySet.effective_certainty_expression."""
    slugs = dict(ClaimCategory.objects.values_list("pk", "slug"))
    cells: Counter[tuple[str, ...]] = Counter()
    for row in rows:
        single = (
            slugs.get(row["s_category_id"]),
            row["s_certainty_override"] or row["s_certainty"],
            row["s_direction_override"] or row["s_direction"],
        )
        cells[tuple(str(v) for v in (*single, *(row[key] for key in keys)))] += row["n"]
    return [(*cell, n) for cell, n in cells.items()]


_DESIGN, _CONDITION = ClaimFacetName.DESIGN.value, ClaimFacetName.CONDITION.value


def _claim_totals() -> dict[str, list[Cell]]:
    by_claim = (
        Claim.objects.published().order_by().values(**_claim_singles()).annotate(n=Count("pk"))
    )
    by_value = (
        ClaimFacet.objects.filter(**_CLAIM_PUBLISHED)
        .order_by()
        .values(**_claim_singles("claim__"), f_name=F("facet"), f_value=F("value"))
        .annotate(n=Count("pk"))
    )
    with counting_every_row(Claim):
        return {
            "rows": _claim_cells(by_claim),
            "values": _claim_cells(by_value, "f_name", "f_value"),
        }


def _claim_pairs(facet: str, value: str) -> list[Cell]:
    """For the claims with this design (or condition): their cells by the other facet's
    values."""
    other = _CONDITION if facet == _DESIGN else _DESIGN
    with_value = ClaimFacet.objects.filter(facet=facet, value=value).values("claim_id")
    rows = (
        ClaimFacet.objects.filter(facet=other, claim_id__in=with_value, **_CLAIM_PUBLISHED)
        .order_by()
        .values(**_claim_singles("claim__"), f_value=F("value"))
        .annotate(n=Count("pk"))
    )
    with counting_every_row(Claim):
        return _claim_cells(rows, "f_value")


def _claim_all_pairs() -> dict[tuple[str, str], list[Cell]]:
    """Every design's and every condition's pairs, from one count of the claims' (design,
    condition) pairs."""
    rows = (
        ClaimFacet.objects.filter(
            facet=_DESIGN, claim__facets__facet=_CONDITION, **_CLAIM_PUBLISHED
        )
        .order_by()
        .values(**_claim_singles("claim__"), d=F("value"), c=F("claim__facets__value"))
        .annotate(n=Count("pk"))
    )
    out: dict[tuple[str, str], list[Cell]] = {}
    with counting_every_row(Claim):
        cells = _claim_cells(rows, "d", "c")
    for *single, d, c, n in cells:
        out.setdefault((_DESIGN, d), []).append((*single, c, n))
        out.setdefault((_CONDITION, c), []).append((*single, d, n))
    return out


def _claim_size(facet: str, value: str) -> tuple[int, int]:
    with_value = ClaimFacet.objects.filter(facet=facet, value=value, **_CLAIM_PUBLISHED)
    with counting_every_row(Claim):
        return Claim.objects.published().count(), with_value.count()


CLAIMS = FacetTotals(
    name="claim-facet-totals",
    single=("category", "certainty", "direction"),
    multi=(_DESIGN, _CONDITION),
    compute_totals=_claim_totals,
    compute_pairs=_claim_pairs,
    compute_all_pairs=_claim_all_pairs,
    compute_size=_claim_size,
)


# The study list's: the published studies (public.views.studies.study_filter); a study's
# categories are those of its published linked claims.
_STUDY_SINGLES = ("design", "condition", "risk_of_bias")


def _study_category_rows() -> Iterable[tuple]:
    """(design, condition, risk of bias, category pk, studies) for the published studies and
    the categories of their published linked claims. A study linked to two claims of one
    category is one study of it."""
    if connections[router.db_for_read(Study)].vendor == "postgresql":
        return _study_category_rows_postgresql()
    # SQLite, without ANALYZE's statistics, joins that three ways from the studies' and the
    # claims' status indexes, every published study with every published claim (over 5 minutes
    # at 100,000 claims): the distinct (study, category) pairs from the claims' side instead,
    # counted here (1.5 s there).
    singles = {
        row[0]: row[1:]
        for row in Study.objects.published().values_list("pk", *_STUDY_SINGLES).iterator()
    }
    links = EvidenceLink.objects.filter(claim__status=PublicationStatus.PUBLISHED).order_by()
    cells: Counter[tuple] = Counter()
    for study, category in links.values_list("study_id", "claim__category_id").distinct():
        if study in singles:
            cells[(*singles[study], category)] += 1
    return [(*cell, n) for cell, n in cells.items()]


def _study_category_rows_postgresql() -> list[tuple]:
    """The same rows in one statement: each (study, category) pair once, by hashing the links
    of the published claims, then the pairs of the published studies counted by their
    values. A COUNT(DISTINCT study) over the three-way join sorted all 3M joined rows instead:
    11.1-14.1 s against 5.3-5.5 s at 1,000,000 claims (1.07M pairs)."""
    connection = connections[router.db_for_read(Study)]
    quote = connection.ops.quote_name
    link, claim, study = (quote(model._meta.db_table) for model in (EvidenceLink, Claim, Study))
    singles = ", ".join(f"s.{quote(name)}" for name in _STUDY_SINGLES)
    sql = (
        f"SELECT {singles}, p.category_id, COUNT(*) FROM ("  # noqa: S608 -- our own names
        f"SELECT l.study_id, c.category_id FROM {link} l JOIN {claim} c ON c.id = l.claim_id "
        f"WHERE c.status = %s GROUP BY l.study_id, c.category_id) p "
        f"JOIN {study} s ON s.id = p.study_id WHERE s.status = %s "
        f"GROUP BY {singles}, p.category_id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [PublicationStatus.PUBLISHED.value, StudyStatus.PUBLISHED.value])
        return cursor.fetchall()


def _study_totals() -> dict[str, list[Cell]]:
    by_study = (
        Study.objects.published()
        .order_by()
        .values(*_STUDY_SINGLES)
        .annotate(n=Count("pk"))
        .values_list(*_STUDY_SINGLES, "n")
    )
    slugs = dict(ClaimCategory.objects.values_list("pk", "slug"))
    with counting_every_row(Study):
        rows = [(*(str(v) for v in row[:-1]), row[-1]) for row in by_study]
        values = [
            (*(str(v) for v in row[:3]), "category", str(slugs.get(row[3])), row[4])
            for row in _study_category_rows()
        ]
    return {"rows": rows, "values": values}


STUDIES = FacetTotals(
    name="study-facet-totals",
    single=_STUDY_SINGLES,
    multi=("category",),
    compute_totals=_study_totals,
)
