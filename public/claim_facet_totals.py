"""Every facet count of the claim list, for any choice of its five faceted filters, summed from
totals kept per publish instead of counted over the claims at each new choice.

Three of the claim list's facets have one value per claim (its category, its effective
certainty and direction), two any number (the designs and conditions of its published linked
studies: `ClaimFacet` rows). Claims are counted once per cell of:

- *totals*: (category, certainty, direction) -> claims, and (category, certainty, direction,
  design or condition, value) -> claims with that value;
- *pairs* of one design or condition value: for the claims with it, (category, certainty,
  direction, value of the other facet) -> claims.

A claim has exactly one (category, certainty, direction), so a count with any of those three
chosen is a sum of cells; a claim's `ClaimFacet` rows are unique per value, so a cell with one
design (or condition) counts each claim once; a count that needs a design *and* a condition
reads the pairs of the one chosen. With at most ~10 categories, 5 certainties, 4 directions and
a few dozen designs and conditions, the totals are a few thousand cells whatever the number of
claims: a filtered list's first request after a publish sums them in Python (was a grouped count
of every claim the filter keeps: 2.6–4.3 s at 1M claims).

The totals and each value's pairs are kept in the shared cache under the publish version
(public.page_cache.versioned); the worker's warm after a publish computes the totals and every
value's pairs (public/tasks.py). A filter this table cannot answer (the words box) returns None:
the caller counts over the rows as before.
"""

from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from django.db import connection, transaction
from django.db.models import Count, F

from evidence.models import Claim, ClaimCategory, ClaimFacet, ClaimFacetName, PublicationStatus
from public.page_cache import _seconds, versioned, versioned_many

SINGLE = ("category", "certainty", "direction")
MULTI = (ClaimFacetName.DESIGN.value, ClaimFacetName.CONDITION.value)
FACETS = SINGLE + MULTI

TOTALS = "claim-facet-totals"
PAIRS = "claim-facet-pairs"

# The claims counted: the published ones, the claim list's own (public.views.claims.claim_filter).
# Their condition is put on the facet rows' own join to the claim (was a second scan of every
# claim, as a semi-join).
PUBLISHED = {"claim__status": PublicationStatus.PUBLISHED}

# A cell: the claims' three single values, then what else they are counted by, then how many.
Cell = tuple


def _singles(via: str = "") -> dict:
    # The stored columns, not the category's slug nor the effective values' expressions:
    # PostgreSQL groups these by hashing, where grouping by the slug or the COALESCE of each
    # pair sorted every row on disk (2.5-3.7 s against 0.8-1.0 s for 100,000 claims' pairs).
    # `_cells` takes the slugs and the effective values.
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


def _cells(rows: Iterable[dict], *keys: str) -> list[Cell]:
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


@contextmanager
def _hash_grouped() -> Iterator[None]:
    """On PostgreSQL, room for the groups in memory (work_mem, for this transaction only): the
    planner guesses ~6x more groups than there are (57,600 for 9,789 at 100,000 claims) and
    would sort every joined row on disk to group them (2.6 s against 0.8 s there)."""
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL work_mem = '64MB'")
        yield


def _other(facet: str) -> str:
    return MULTI[1] if facet == MULTI[0] else MULTI[0]


def compute_totals() -> dict[str, list[Cell]]:
    """The totals: two grouped counts."""
    by_claim = Claim.objects.published().order_by().values(**_singles()).annotate(n=Count("pk"))
    by_value = (
        ClaimFacet.objects.filter(**PUBLISHED)
        .order_by()
        .values(**_singles("claim__"), f_name=F("facet"), f_value=F("value"))
        .annotate(n=Count("pk"))
    )
    with _hash_grouped():
        return {"claims": _cells(by_claim), "values": _cells(by_value, "f_name", "f_value")}


def compute_pairs(facet: str, value: str) -> list[Cell]:
    """For the claims with this design (or condition): their cells by the other facet's
    values."""
    with_value = ClaimFacet.objects.filter(facet=facet, value=value).values("claim_id")
    rows = (
        ClaimFacet.objects.filter(facet=_other(facet), claim_id__in=with_value, **PUBLISHED)
        .order_by()
        .values(**_singles("claim__"), f_value=F("value"))
        .annotate(n=Count("pk"))
    )
    with _hash_grouped():
        return _cells(rows, "f_value")


def compute_all_pairs() -> dict[tuple[str, str], list[Cell]]:
    """Every design's and every condition's pairs, from one count of the claims' (design,
    condition) pairs."""
    design, condition = MULTI
    rows = (
        ClaimFacet.objects.filter(facet=design, claim__facets__facet=condition, **PUBLISHED)
        .order_by()
        .values(**_singles("claim__"), d=F("value"), c=F("claim__facets__value"))
        .annotate(n=Count("pk"))
    )
    out: dict[tuple[str, str], list[Cell]] = {}
    with _hash_grouped():
        cells = _cells(rows, "d", "c")
    for *single, d, c, n in cells:
        out.setdefault((design, d), []).append((*single, c, n))
        out.setdefault((condition, c), []).append((*single, d, n))
    return out


def totals() -> dict[str, list[Cell]]:
    return versioned(TOTALS, compute_totals)


def pairs(facet: str, value: str) -> list[Cell]:
    return versioned(f"{PAIRS}:{facet}:{value}", lambda: compute_pairs(facet, value))


def keep_all_pairs() -> None:
    """Computes every value's pairs in one query and keeps each (the worker, after a publish)."""
    versioned_many(
        lambda: {
            f"{PAIRS}:{facet}:{value}": cells
            for (facet, value), cells in compute_all_pairs().items()
        }
    )


def _sum(cells: Iterable[Cell], chosen: dict[int, str], by: int) -> dict[str, int]:
    counts: Counter[str] = Counter()
    for cell in cells:
        if all(cell[i] == v for i, v in chosen.items()):
            counts[cell[by]] += cell[-1]
    return dict(counts)


def counts(chosen: dict[str, str]) -> dict[str, dict[str, int]] | None:
    """{facet: {value: claims}} for every facet, each with the other chosen filters applied;
    None when a filter outside the five is chosen, or with the shared cache off (the totals are
    worth their cost only when kept)."""
    if not _seconds() or set(chosen) - set(FACETS):
        return None
    out = {}
    for name in FACETS:
        others = {k: v for k, v in chosen.items() if k != name}
        singles = {SINGLE.index(k): v for k, v in others.items() if k in SINGLE}
        multis = {k: v for k, v in others.items() if k in MULTI}
        if name in SINGLE:
            by = SINGLE.index(name)
            if not multis:
                cells = totals()["claims"]
            elif len(multis) == 1:
                [(facet, value)] = multis.items()
                cells = [c for c in totals()["values"] if c[3] == facet and c[4] == value]
            else:
                design, condition = (multis[m] for m in MULTI)
                cells = [c for c in pairs(MULTI[0], design) if c[3] == condition]
        else:
            other = _other(name)
            if other in multis:
                cells, by = pairs(other, multis[other]), 3
            else:
                cells = [c for c in totals()["values"] if c[3] == name]
                by = 4
        out[name] = _sum(cells, singles, by)
    return out
