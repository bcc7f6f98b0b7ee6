"""The public claim list: facets, filters in the URL, and the same result as CSV."""

from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from evidence.models import Claim, ClaimCategory
from public.downloads import csv_download
from public.facets import faceted_filters, filters_key, filterset_problems, page_of
from public.filters import ClaimFilter
from public.page_cache import versioned, versioned_rows
from public.queries import ByCategory, with_link_tallies
from public.templatetags.evidence_tags import certainty_label, direction_label
from studies.exporters import spreadsheet_cell

PER_PAGE = 20


def claim_filter(params) -> ClaimFilter:
    """The claim list's FilterSet for these parameters (a request's GET): the list, its CSV
    and the worker that warms the list's facet counts after a publish (public.tasks) build the
    same one, so they share its parts in the cache."""
    return ClaimFilter(params, queryset=with_link_tallies(Claim.objects.published().for_list()))


def _in_category_order(filterset: ClaimFilter, facets):
    """ByCategory for the default sort, else the filtered queryset as it is."""
    cleaned = filterset.form.cleaned_data
    if (cleaned.get("sort") or "category") != "category":
        return filterset.qs
    counts = {o.value: o.count for f in facets if f.name == "category" for o in f.options}
    chosen = cleaned.get("category")
    sizes = [
        (pk, counts.get(slug, 0))
        for pk, slug in ClaimCategory.objects.order_by("order", "name").values_list("pk", "slug")
        if not chosen or slug == chosen
    ]
    return ByCategory(filterset.qs, sizes)


def claim_list(request):
    filterset = claim_filter(request.GET)
    problems = filterset_problems(filterset)
    facets = faceted_filters(filterset)
    claims = _in_category_order(filterset, facets)
    page_obj = page_of(request, claims, per_page=PER_PAGE, problems=problems)
    cleaned = filterset.form.cleaned_data
    active = {k: v for k, v in cleaned.items() if v and k != "sort"}
    sort = cleaned.get("sort") or "category"
    # The selects depend only on the filters (their counts and choices) and the sort.
    selects = versioned(
        f"{filters_key(filterset)}:selects:{sort}",
        lambda: render_to_string(
            "public/_claim_filter_selects.html",
            {"facets": facets, "sort_choices": ClaimFilter.SORTS, "sort": sort},
        ),
    )
    rows = versioned_rows(
        "claim-list-row",
        list(page_obj.object_list),
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
            "claims": page_obj.object_list,
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
    filterset = claim_filter(request.GET)
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
