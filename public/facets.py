"""Facet counts for any django-filter FilterSet, the way Datasette shows them.

Each option of a faceted filter shows how many results it would give if chosen with the *other*
active filters left as they are (its own current choice set aside). One grouped COUNT query per
facet, whatever the number of rows.

A FilterSet opts in with a `facets` class attribute: filter name -> Facet, saying what to group
the results by (a field path or an expression) and, for a to-many path, which related rows count
(e.g. only published studies), or giving its own `counts(queryset)` (the claim list reads its
design and condition counts from a summary table). A facet on the row's own columns counts rows
(`distinct=False`): no COUNT(DISTINCT) where no join can repeat a row. The options themselves
come from the filter's form field choices.

The counts depend only on the filters, never on the page or the sort, so they are kept in the
shared cache until the next publish (public.page_cache.versioned): page 50 and every sort of a
list reuse the counts page 1 computed.

`filterset_problems` turns a bound FilterSet's form errors into sentences for the `problems`
list (templates/_messages.html). django-filter already leaves an invalid field out of the
filtering (it only applies `form.cleaned_data`), so a bad value falls back to "any".
"""

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from contextvars import ContextVar
from dataclasses import dataclass, field

from django.conf import settings
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db import connections, router, transaction
from django.db.models import Count, Expression, F, Q, QuerySet
from django.utils.functional import cached_property
from django_filters import FilterSet

from public.page_cache import versioned

# Parameters that never narrow the result: left alone when counting.
NOT_FILTERS = frozenset({"sort", "page"})


@dataclass(frozen=True)
class Facet:
    group_by: str | Expression = ""
    where: Q = field(default_factory=Q)
    distinct: bool = True
    counts: Callable | None = None


@dataclass
class FacetOption:
    value: str
    label: str
    count: int
    selected: bool


@dataclass
class FacetedFilter:
    name: str
    label: str
    options: list[FacetOption]
    selected: str

    @property
    def field_id(self) -> str:
        return f"filter-{self.name}"


def filtered_except(filterset: FilterSet, skip: str):
    """The FilterSet's queryset with every valid filter applied except `skip` (and sorting)."""
    queryset = filterset.queryset.all()
    filterset.errors  # noqa: B018 -- validates the form, so cleaned_data exists
    for name, value in filterset.form.cleaned_data.items():
        if name == skip or name in NOT_FILTERS:
            continue
        queryset = filterset.filters[name].filter(queryset, value)
    return queryset


# Set while a block of counting_every_row runs: a block inside it changes nothing.
_counting: ContextVar[bool] = ContextVar("counting_every_row", default=False)


@contextmanager
def counting_every_row(model) -> Iterator[None]:
    """Around grouped counts over (nearly) every row of `model`'s table, on PostgreSQL: room
    for the groups in memory (work_mem) and parallel workers (PARALLEL_WORKERS), for the block
    only, on the database the counts read. Every other query of a page runs without parallel
    workers (config.routers: a short query's plan with a Gather took 29 ms against 9 ms at 1M
    claims); these grouped counts take twice as long without them. The planner guesses ~6x
    more groups than there are (57,600 for 9,789 of the claims' pairs at 100,000 claims) and
    would sort every joined row on disk to group them (2.6 s against 0.8 s there).

    Inside a transaction (a request's) the settings are set back after the block, since they
    would last to its end: two round trips in all; outside one (the worker, the replica), the
    block is a transaction of its own."""
    alias = router.db_for_read(model)
    connection = connections[alias]
    if connection.vendor != "postgresql" or _counting.get():
        yield
        return
    token = _counting.set(True)
    nested = connection.in_atomic_block
    try:
        with transaction.atomic(using=alias) if not nested else nullcontext():
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT set_config('work_mem', '64MB', true), "
                    "set_config('max_parallel_workers_per_gather', %s, true)",
                    [str(settings.PARALLEL_WORKERS)],
                )
            # Set back only after counts that ran: after an error the transaction is aborted
            # or rolled back, and a query here would hide the error behind its own.
            yield
            if nested:
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SET LOCAL work_mem TO DEFAULT; "
                        "SET LOCAL max_parallel_workers_per_gather TO DEFAULT"
                    )
    finally:
        _counting.reset(token)


def facet_counts(filterset: FilterSet, name: str) -> dict[str, int]:
    """{value: number of distinct results} for one faceted filter, other filters applied."""
    facet: Facet = type(filterset).facets[name]
    if facet.counts is not None:
        return facet.counts(filtered_except(filterset, name))
    group_by = F(facet.group_by) if isinstance(facet.group_by, str) else facet.group_by
    rows = (
        filtered_except(filterset, name)
        .filter(facet.where)
        .order_by()
        .values(facet_value=group_by)
        .annotate(facet_count=Count("pk", distinct=facet.distinct))
    )
    return {str(row["facet_value"]): row["facet_count"] for row in rows}


def chosen_filters(filterset: FilterSet) -> dict[str, str]:
    """The valid filter choices of a bound FilterSet (not its sort or page), as strings. A
    zero is a choice ("at least 0 participants" leaves out the studies with none given)."""
    filterset.errors  # noqa: B018
    return {
        name: str(value)
        for name, value in filterset.form.cleaned_data.items()
        if value not in (None, "") and name not in NOT_FILTERS
    }


def filters_key(filterset: FilterSet) -> str:
    """A name for the FilterSet's valid filter choices (not its sort or page)."""
    kept = sorted(chosen_filters(filterset).items())
    return f"facets:{type(filterset).__module__}.{type(filterset).__name__}:{kept}"


def faceted_filters(filterset: FilterSet) -> list[FacetedFilter]:
    """Every faceted filter with its options, counts and current choice, in declaration order."""
    filterset.errors  # noqa: B018
    cleaned = filterset.form.cleaned_data

    def compute():
        # A FilterSet may answer every facet at once from the totals it names
        # (`totals`, a public.facet_totals.FacetTotals: None when it cannot for these
        # filters).
        totals = getattr(type(filterset), "totals", None)
        found = totals.counts(chosen_filters(filterset)) if totals is not None else None
        if found is not None:
            return found
        with counting_every_row(filterset.queryset.model):
            return {name: facet_counts(filterset, name) for name in type(filterset).facets}

    all_counts = versioned(filters_key(filterset), compute)
    out = []
    for name in type(filterset).facets:
        form_field = filterset.form.fields[name]
        counts = all_counts[name]
        selected = str(cleaned.get(name) or "")
        options = [
            FacetOption(
                value=str(value),
                label=str(label),
                count=counts.get(str(value), 0),
                selected=str(value) == selected,
            )
            for value, label in form_field.choices
            if str(value) != ""
        ]
        out.append(FacetedFilter(name, str(form_field.label or name), options, selected))
    return out


def filterset_problems(filterset: FilterSet) -> list[str]:
    """One sentence per rejected parameter, saying it was ignored."""
    problems = []
    for name, errors in filterset.errors.items():
        label = filterset.form.fields[name].label if name in filterset.form.fields else name
        reason = " ".join(str(e) for e in errors)
        problems.append(f"{label}: {reason} This filter was ignored.")
    return problems


# Above this many rows a list says "about 120,000" from the planner's estimate instead of
# counting every row on every request (PostgreSQL; SQLite always counts).
ESTIMATE_ABOVE = 10_000


def estimated_rows(queryset) -> int | None:
    """The planner's estimate of the rows `queryset` gives, or None where there is none (not
    PostgreSQL, or not a queryset: a list of search hits)."""
    if not isinstance(queryset, QuerySet):
        return None
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        return None
    sql, params = queryset.order_by().values("pk").query.sql_with_params()
    return int(planned(connection, sql, params)["Plan Rows"])


def planned(connection, sql: str, params) -> dict:
    """PostgreSQL's plan for `sql` (its top node, as `EXPLAIN (FORMAT JSON)` gives it), without
    running it: the planner's estimates."""
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return plan[0]["Plan"]


def about(n: int) -> str:
    """120,000 -> "about 120,000"; 1,234,567 -> "about 1.2 million" (two figures)."""
    if n >= 1_000_000:
        return f"about {n / 1_000_000:.2g} million"
    digits = len(str(n)) - 2
    return f"about {round(n, -digits):,}"


def counted(queryset) -> tuple[int, str]:
    """(count, how to say it): exact below ESTIMATE_ABOVE, the planner's estimate above."""
    estimate = estimated_rows(queryset)
    if estimate is not None and estimate >= ESTIMATE_ABOVE:
        return estimate, about(estimate)
    n = queryset.count() if isinstance(queryset, QuerySet) else len(queryset)
    return n, f"{n:,}"


def rows_of_page(queryset, low: int, high: int) -> list:
    """Rows low..high of an ordered queryset, found first by their primary keys alone and then
    read whole: the rows skipped on the way to a deep page are walked in the order's index
    without computing their annotations (each row's counts are correlated subqueries), and the
    outer query's estimate is one page, so PostgreSQL does not JIT-compile it. One query."""
    if (
        not isinstance(queryset, QuerySet)
        or queryset.query.distinct
        or queryset.query.combinator
        or queryset.query.is_sliced
        or not queryset.ordered
    ):
        return list(queryset[low:high])
    if high <= low:
        return []
    return list(queryset.filter(pk__in=queryset.values("pk")[low:high]))


class EstimatingPaginator(Paginator):
    """A paginator whose count is the planner's estimate on a large result (see `counted`);
    `count_text` says which ("about 1.2 million" or "1,234"). A page of a queryset is read by
    `rows_of_page`."""

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        return self._get_page(rows_of_page(self.object_list, bottom, top), number, self)

    @cached_property
    def _counted(self) -> tuple[int, str]:
        return counted(self.object_list)

    @cached_property
    def count(self) -> int:
        return self._counted[0]

    @property
    def count_text(self) -> str:
        return self._counted[1]


def page_of(request, queryset, *, per_page: int, problems: list[str]):
    """The requested page; a page that is not a number or past the end gives a problem and
    the first or last page instead of an error."""
    paginator = EstimatingPaginator(queryset, per_page)
    number = request.GET.get("page", "1")
    try:
        return paginator.page(number)
    except PageNotAnInteger:
        problems.append(f"Page: “{number[:20]}” is not a page number. Showing the first page.")
        return paginator.page(1)
    except EmptyPage:
        if int(number) < 1:
            problems.append(f"Page: there is no page {number[:20]}. Showing the first page.")
            return paginator.page(1)
        last = paginator.num_pages
        problems.append(f"Page: there is no page {number[:20]}. Showing page {last}, the last.")
        return paginator.page(last)
