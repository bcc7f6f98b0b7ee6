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
from collections.abc import Iterable

from django.db.models import Count, F, QuerySet

from evidence.models import ClaimFacet, ClaimFacetName, ClaimQuerySet
from public.page_cache import _seconds, versioned, versioned_many

SINGLE = ("category", "certainty", "direction")
MULTI = (ClaimFacetName.DESIGN.value, ClaimFacetName.CONDITION.value)
FACETS = SINGLE + MULTI

TOTALS = "claim-facet-totals"
PAIRS = "claim-facet-pairs"

# A cell: the claims' three single values, then what else they are counted by, then how many.
Cell = tuple


def _singles(via: str = "") -> dict:
    return {
        "s_category": F(f"{via}category__slug"),
        "s_certainty": ClaimQuerySet.effective_certainty_expression(via),
        "s_direction": ClaimQuerySet.effective_direction_expression(via),
    }


def _cells(rows: Iterable[dict], *keys: str) -> list[Cell]:
    names = ["s_category", "s_certainty", "s_direction", *keys]
    return [(*(str(row[name]) for name in names), row["n"]) for row in rows]


def _other(facet: str) -> str:
    return MULTI[1] if facet == MULTI[0] else MULTI[0]


def compute_totals(claims: QuerySet) -> dict[str, list[Cell]]:
    """The totals of these claims: two grouped counts."""
    by_claim = claims.order_by().values(**_singles()).annotate(n=Count("pk"))
    by_value = (
        ClaimFacet.objects.filter(claim__in=claims.values("pk"))
        .order_by()
        .values(**_singles("claim__"), f_name=F("facet"), f_value=F("value"))
        .annotate(n=Count("pk"))
    )
    return {"claims": _cells(by_claim), "values": _cells(by_value, "f_name", "f_value")}


def compute_pairs(claims: QuerySet, facet: str, value: str) -> list[Cell]:
    """For the claims with this design (or condition): their cells by the other facet's
    values."""
    with_value = ClaimFacet.objects.filter(facet=facet, value=value).values("claim_id")
    rows = (
        ClaimFacet.objects.filter(
            facet=_other(facet), claim__in=claims.values("pk"), claim_id__in=with_value
        )
        .order_by()
        .values(**_singles("claim__"), f_value=F("value"))
        .annotate(n=Count("pk"))
    )
    return _cells(rows, "f_value")


def compute_all_pairs(claims: QuerySet) -> dict[tuple[str, str], list[Cell]]:
    """Every design's and every condition's pairs, from one count of the claims' (design,
    condition) pairs."""
    design, condition = MULTI
    rows = (
        ClaimFacet.objects.filter(
            facet=design, claim__in=claims.values("pk"), claim__facets__facet=condition
        )
        .order_by()
        .values(**_singles("claim__"), d=F("value"), c=F("claim__facets__value"))
        .annotate(n=Count("pk"))
    )
    out: dict[tuple[str, str], list[Cell]] = {}
    for *single, d, c, n in _cells(rows, "d", "c"):
        out.setdefault((design, d), []).append((*single, c, n))
        out.setdefault((condition, c), []).append((*single, d, n))
    return out


def totals(claims: QuerySet) -> dict[str, list[Cell]]:
    return versioned(TOTALS, lambda: compute_totals(claims))


def pairs(claims: QuerySet, facet: str, value: str) -> list[Cell]:
    return versioned(f"{PAIRS}:{facet}:{value}", lambda: compute_pairs(claims, facet, value))


def keep_all_pairs(claims: QuerySet) -> None:
    """Computes every value's pairs in one query and keeps each (the worker, after a publish)."""
    versioned_many(
        lambda: {
            f"{PAIRS}:{facet}:{value}": cells
            for (facet, value), cells in compute_all_pairs(claims).items()
        }
    )


def _sum(cells: Iterable[Cell], chosen: dict[int, str], by: int) -> dict[str, int]:
    counts: Counter[str] = Counter()
    for cell in cells:
        if all(cell[i] == v for i, v in chosen.items()):
            counts[cell[by]] += cell[-1]
    return dict(counts)


def counts(claims: QuerySet, chosen: dict[str, str]) -> dict[str, dict[str, int]] | None:
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
                cells = totals(claims)["claims"]
            elif len(multis) == 1:
                [(facet, value)] = multis.items()
                cells = [c for c in totals(claims)["values"] if c[3] == facet and c[4] == value]
            else:
                design, condition = (multis[m] for m in MULTI)
                cells = [c for c in pairs(claims, MULTI[0], design) if c[3] == condition]
        else:
            other = _other(name)
            if other in multis:
                cells, by = pairs(claims, other, multis[other]), 3
            else:
                cells = [c for c in totals(claims)["values"] if c[3] == name]
                by = 4
        out[name] = _sum(cells, singles, by)
    return out
