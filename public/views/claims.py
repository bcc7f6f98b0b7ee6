"""The public claim list: facets, filters in the URL, and the same result as CSV."""

from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from evidence.models import Claim, ClaimCategory, ClaimFacet, ClaimFacetName
from public import facet_totals
from public.downloads import csv_download
from public.facets import (
    chosen_filters,
    faceted_filters,
    filters_key,
    filterset_problems,
    page_of,
)
from public.filters import CATEGORY_CHOICES, CLAIMS_PER_PAGE, CONDITION_CHOICES, ClaimFilter
from public.page_cache import prefetch, versioned, versioned_rows_of
from public.queries import ByCategory, Counted, with_link_tallies
from public.templatetags.evidence_tags import certainty_label, direction_label
from studies.exporters import spreadsheet_cell

PER_PAGE = CLAIMS_PER_PAGE
# The categories in the list's order, in the shared cache (page_cache.versioned).
CATEGORY_ORDER = "claim-list:category-order"


def claim_filter(params) -> ClaimFilter:
    """The claim list's FilterSet for these parameters (a request's GET), on the bare published
    claims: the list and the worker that warms its facet counts after a publish (public.tasks)
    build the same one, so they share its parts in the cache."""
    return ClaimFilter(params, queryset=Claim.objects.published())


def _claim_filter(request) -> ClaimFilter:
    """The same filters over the claims with their list annotations, for the CSV."""
    filterset = ClaimFilter(
        request.GET, queryset=with_link_tallies(Claim.objects.published().for_list())
    )
    filterset.reads_whole = True
    return filterset


def _in_order(filterset: ClaimFilter, facets, queryset):
    """The filtered claims (or their keys) as the page reads them, with their total from the
    category facet's counts (every claim has one category; already counted, and cached), so no
    COUNT or estimate runs: for the default sort ByCategory, one category at a time; for the
    others `queryset` in its own order."""
    cleaned = filterset.form.cleaned_data
    counts = {o.value: o.count for f in facets if f.name == "category" for o in f.options}
    chosen = cleaned.get("category")
    sizes = [
        (pk, counts.get(slug, 0)) for pk, slug in _category_order() if not chosen or slug == chosen
    ]
    if (cleaned.get("sort") or "category") == "category":
        return ByCategory(queryset, sizes)
    return Counted(queryset, sum(n for _, n in sizes))


# The facet filters whose rows (evidence.ClaimFacet) hold each claim's place in the list.
WALKED = {"design": ClaimFacetName.DESIGN, "condition": ClaimFacetName.CONDITION}


def _facet_walk(filterset: ClaimFilter, sort: str):
    """The filtered claims' keys. When a design or a condition (or both) is chosen, with no
    other filter but a category, in the default order: read from the facet rows' index in the
    list's order (`evidence_claimfacet_walk`: category, slug), the claim table never walked
    (page 50 of the RCTs at 1M claims, 9.4 -> 0.3 ms); else from the filtered claims."""
    chosen = chosen_filters(filterset)
    walked = [(WALKED[name], value) for name, value in chosen.items() if name in WALKED]
    if sort != "category" or not walked or set(chosen) - {*WALKED, "category"}:
        return filterset.qs.values_list("pk", flat=True)
    (facet, value), *others = walked
    # `published__in`, not `published=True`: Django writes the latter as the bare column,
    # which SQLite cannot match to the index's equality columns (it then sorts every row of
    # the value: 3.8 ms against 0.06 ms at 100,000 claims).
    keys = ClaimFacet.objects.filter(facet=facet, value=value, published__in=[True])
    for other, other_value in others:
        with_other = ClaimFacet.objects.filter(facet=other, value=other_value)
        keys = keys.filter(claim_id__in=with_other.values("claim_id"))
    return keys.values_list("claim_id", flat=True)


def _category_order() -> list[tuple[int, str]]:
    """The categories' (pk, slug) in the list's order: kept until the next publish."""
    return versioned(
        CATEGORY_ORDER,
        lambda: list(ClaimCategory.objects.order_by("order", "name").values_list("pk", "slug")),
    )


def _list_rows(pks):
    """The claims of a page as its rows show them (grade, counts, tallies), in any order."""
    return with_link_tallies(Claim.objects.published().for_list()).filter(pk__in=pks)


def claim_list(request):
    # The filters need none of the rows' annotations (their SQL takes ~4 ms to build): the page
    # is found on the bare published claims, and only the rows not in the cache are read whole
    # (`_list_rows`); the facet counts, a grouped count, are the same either way.
    filterset = claim_filter(request.GET)
    problems = filterset_problems(filterset)
    sort = filterset.form.cleaned_data.get("sort") or "category"
    key = filters_key(filterset)
    # The shared parts this page reads, in one round trip to the cache.
    prefetch(
        [
            key,
            f"{key}:selects:{sort}",
            CATEGORY_CHOICES,
            CONDITION_CHOICES,
            CATEGORY_ORDER,
            # The size of each chosen design or condition, for its filter's shape.
            *(
                facet_totals.CLAIMS.size_name(name, value)
                for name, value in chosen_filters(filterset).items()
                if name in facet_totals.CLAIMS.multi
            ),
        ]
    )
    facets = faceted_filters(filterset)
    # The page is found by its claims' keys alone; the rows are read only for the claims
    # whose rendered row the cache lacks.
    keys = _in_order(filterset, facets, _facet_walk(filterset, sort))
    page_obj = page_of(request, keys, per_page=PER_PAGE, problems=problems)
    cleaned = filterset.form.cleaned_data
    active = {k: v for k, v in cleaned.items() if v and k != "sort"}
    # The selects depend only on the filters (their counts and choices) and the sort.
    selects = versioned(
        f"{key}:selects:{sort}",
        lambda: render_to_string(
            "public/_claim_filter_selects.html",
            {"facets": facets, "sort_choices": ClaimFilter.SORTS, "sort": sort},
        ),
    )
    rows = versioned_rows_of(
        "claim-list-row",
        list(page_obj.object_list),
        _list_rows,
        lambda claim: render_to_string("public/_claim_row.html", {"claim": claim}),
    )
    return render(
        request,
        "public/claim_list.html",
        {
            "nav": "claims",
            "filterset": filterset,
            "facets": facets,
            "sort_choices": ClaimFilter.SORTS,
            "sort": sort,
            "filter_selects": mark_safe(selects),  # noqa: S308 -- a rendered template
            "q": cleaned.get("q") or "",
            "active_filters": active,
            "page_obj": page_obj,
            "claims": rows,
            "claim_rows": [mark_safe(row) for row in rows],  # noqa: S308 -- rendered templates
            "problems": problems,
        },
    )


CSV_COLUMNS = [
    "statement",
    "category",
    "certainty",
    "direction",
    "SORT strength",
    "published studies",
    "mentions",
    "url",
]


def claim_list_csv(request):
    """Every claim of the current filtered result (not only one page), one row each, streamed:
    the claims are read in chunks, so a download of a million rows holds one chunk at a time."""
    filterset = _claim_filter(request)
    url = request.build_absolute_uri("/").rstrip("/")
    rows = (
        [
            spreadsheet_cell(claim.statement),
            spreadsheet_cell(claim.category.name),
            certainty_label(claim.certainty_shown),
            direction_label(claim.direction_shown),
            claim.sort_strength,
            claim.published_study_count,
            claim.mention_count,
            url + claim.get_absolute_url(),
        ]
        for claim in filterset.qs.iterator(chunk_size=2000)
    )
    return csv_download(rows, header=CSV_COLUMNS, filename="claims.csv")
