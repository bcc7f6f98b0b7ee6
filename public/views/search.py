"""/search/?q=: one ranked search over published claims, article passages and studies."""

from django.shortcuts import render

from public import search as search_logic
from public.facets import page_of

PAGE_SIZE = 20


def search(request):
    params = search_logic.parse_params(request.GET)
    problems = list(params.problems)
    outcome = search_logic.search(params.q, params.query)
    hits = outcome.for_kind(params.kind)

    page_obj = page_of(request, hits, per_page=PAGE_SIZE, problems=problems)

    context = {
        "search_q": params.q,
        "q": params.q,
        "kind": params.kind,
        "problems": problems,
        "outcome": outcome,
        "kinds": [
            (kind, search_logic.KIND_LABELS[kind], outcome.counts[kind])
            for kind in search_logic.KINDS
        ],
        "total": len(outcome.hits),
        "page_obj": page_obj,
        "results": search_logic.load_results(list(page_obj.object_list), outcome),
        "max_query_chars": search_logic.MAX_QUERY_CHARS,
    }
    return render(request, "public/search.html", context)
