"""Public study pages: the filtered list, one study, and its citation downloads.

Only published studies are public: a draft, in-review or retracted study is a 404 on every
page here, downloads included, exactly like a missing one.
"""

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from public.downloads import csv_download
from public.facets import faceted_filters, filters_key, filterset_problems, page_of
from public.filters import CATEGORY_CHOICES, CONDITION_CHOICES, StudyFilter
from public.page_cache import prefetch, versioned, versioned_rows_of
from public.queries import Counted, studies_for_list, study_for_page
from studies.exporters import (
    SPREADSHEET_HEADER,
    spreadsheet_study_rows,
    to_bibtex,
    to_csljson,
    to_ris,
    to_xlsx,
)
from studies.models import Study

PER_PAGE = 20
# The studies-and-outcomes spreadsheet: CSV streams in chunks of this many studies, however many
# match; a workbook is built whole in memory, so it is offered up to XLSX_MAX_STUDIES only.
EXPORT_CHUNK = 500
XLSX_MAX_STUDIES = 5000
NUMBER_FILTERS = ["year_min", "year_max", "participants_min", "participants_max"]


def _published_study(pk: int, queryset=None) -> Study:
    """The published study with this pk; anything else is the same 404 as a missing one."""
    queryset = Study.objects.all() if queryset is None else queryset
    return get_object_or_404(queryset.published(), pk=pk)


def _total(facets) -> int:
    """The filtered studies' number: the chosen design's count, or every design's."""
    (design,) = (f for f in facets if f.name == "design")
    return sum(o.count for o in design.options if o.selected or not design.selected)


def study_filter(params) -> StudyFilter:
    """The study list's FilterSet for these parameters (a request's GET), on the bare
    published studies: public.tasks warms the unfiltered one's facet counts after a publish."""
    return StudyFilter(params, queryset=Study.objects.published())


def _list_rows(pks):
    """The studies of a page as their rows show them (with their claim counts), in any order."""
    return studies_for_list(Study.objects.published()).filter(pk__in=pks)


def study_list(request):
    filterset = study_filter(request.GET)
    problems = filterset_problems(filterset)
    key = filters_key(filterset)
    # The shared parts this page reads, in one round trip to the cache.
    prefetch([key, f"{key}:study-selects", CATEGORY_CHOICES, CONDITION_CHOICES])
    # Found by the studies' keys alone, like the claim list's page: only the rows the cache
    # lacks are read whole (their claim counts are correlated subqueries).
    # Their total from the design facet's counts (every published study has one design: a
    # check constraint), which the page shows anyway and the shared cache keeps: no COUNT, no
    # planner's estimate.
    facets = faceted_filters(filterset)
    keys = Counted(filterset.qs.values_list("pk", flat=True), _total(facets))
    page_obj = page_of(request, keys, per_page=PER_PAGE, problems=problems)
    cleaned = filterset.form.cleaned_data
    numbers = [
        {
            "name": name,
            "label": filterset.form.fields[name].label,
            "value": "" if cleaned.get(name) is None else cleaned[name],
            "min": filterset.form.fields[name].min_value,
            "max": filterset.form.fields[name].max_value,
        }
        for name in NUMBER_FILTERS
    ]
    # The selects depend only on the filters (their counts and choices); each study's row only
    # on the published study: both rendered once per publish, like the claim list's.
    selects = versioned(
        f"{key}:study-selects",
        lambda: render_to_string("public/_study_filter_selects.html", {"facets": facets}),
    )
    rows = versioned_rows_of(
        "study-list-row",
        list(page_obj.object_list),
        _list_rows,
        lambda study: render_to_string("public/_study_summary.html", {"study": study}),
    )
    return render(
        request,
        "public/study_list.html",
        {
            "nav": "studies",
            "filterset": filterset,
            "facets": facets,
            "filter_selects": mark_safe(selects),  # noqa: S308 -- a rendered template
            "study_rows": [mark_safe(row) for row in rows],  # noqa: S308 -- rendered templates
            "numbers": numbers,
            "sort_choices": StudyFilter.SORTS,
            "sort": cleaned.get("sort") or "newest",
            "q": cleaned.get("q") or "",
            "page_obj": page_obj,
            "studies": page_obj.object_list,
            "problems": problems,
        },
    )


def study_detail(request, pk: int):
    study = study_for_page(pk)
    if study is None:
        raise Http404("No such published study.")
    return render(request, "public/study_detail.html", {"nav": "studies", "study": study})


def _download(text: str, *, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(text, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _filename(study: Study, extension: str) -> str:
    # Not the citation key: that is a curator's handle, not public.
    return f"study-{study.pk}.{extension}"


def study_bibtex(request, pk: int):
    study = _published_study(pk)
    return _download(
        to_bibtex([study]),
        content_type="application/x-bibtex; charset=utf-8",
        filename=_filename(study, "bib"),
    )


def study_ris(request, pk: int):
    study = _published_study(pk)
    return _download(
        to_ris([study]),
        content_type="application/x-research-info-systems; charset=utf-8",
        filename=_filename(study, "ris"),
    )


def study_csljson(request, pk: int):
    study = _published_study(pk)
    return _download(
        to_csljson([study]),
        content_type="application/vnd.citationstyles.csl+json; charset=utf-8",
        filename=_filename(study, "json"),
    )


def _filtered_studies(request):
    """The published studies of the list's current filters, with their outcomes, in list order."""
    filterset = StudyFilter(request.GET, queryset=Study.objects.published())
    studies = filterset.qs
    # A tie-breaker, so the order (and so a download read in chunks) is the same every time.
    ordering = [*(studies.query.order_by or Study._meta.ordering), "pk"]
    return filterset, studies.order_by(*ordering).prefetch_related("outcomes")


def study_list_csv(request):
    """The studies of the current filters with their outcomes (one row per outcome), streamed:
    the response starts at once and holds one chunk of studies at a time."""
    filterset, studies = _filtered_studies(request)
    if filterset_problems(filterset):
        studies = Study.objects.none()
    rows = (
        row
        for study in studies.iterator(chunk_size=EXPORT_CHUNK)
        for row in spreadsheet_study_rows(study)
    )
    return csv_download(rows, header=SPREADSHEET_HEADER, filename="studies.csv", bom=True)


def study_list_xlsx(request):
    """The same as an Excel workbook (sheets Studies and Outcomes), up to XLSX_MAX_STUDIES."""
    filterset, studies = _filtered_studies(request)
    if filterset_problems(filterset):
        studies = Study.objects.none()
    chosen = list(studies[: XLSX_MAX_STUDIES + 1])
    if len(chosen) > XLSX_MAX_STUDIES:
        return HttpResponse(
            f"More than {XLSX_MAX_STUDIES:,} studies match: narrow the filters for a workbook, "
            "or download the CSV, which has no limit.",
            status=413,
            content_type="text/plain; charset=utf-8",
        )
    return _download(
        to_xlsx(chosen),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        filename="studies.xlsx",
    )
