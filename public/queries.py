"""Reads the public pages need that join the literature to the claims.

The literature (`studies`) knows nothing of claims, so what a public study list or page shows
about claims is put together here, on the side that knows both. Like every module of the read
side, these only read.
"""

import functools
from collections.abc import Callable

from django.db.models import (
    BooleanField,
    Count,
    OuterRef,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce

from evidence.models import EvidenceLink, LinkDirection, PublicationStatus
from public.facets import rows_of_page
from studies.models import Study, StudyStatus


def built_once(build: Callable[[], QuerySet]) -> Callable[[], QuerySet]:
    """`build` made once per process and chained (`.all()`) on every call: a fresh queryset,
    unevaluated, that each request filters and reads as its own. Building a queryset with
    correlated subqueries is most of what it costs to read one record (a claim with its
    counts for the API: 0.8 ms to build, 0.7 ms to compile, run and read at 5,000 claims, so
    1.9 -> 0.7 ms). For a `build` that depends on nothing but the code: no request, no time,
    no setting."""
    kept = functools.cache(build)

    @functools.wraps(build)
    def chained() -> QuerySet:
        return kept().all()

    return chained


def with_published_claim_count(studies: QuerySet[Study]) -> QuerySet[Study]:
    """Annotates `published_claim_count`: the published claims each study bears on."""
    claims = (
        EvidenceLink.objects.filter(study=OuterRef("pk"), claim__status=PublicationStatus.PUBLISHED)
        .order_by()
        .values("study")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return studies.annotate(published_claim_count=Coalesce(Subquery(claims), 0))


# What the study page reads of a link and its claim (templates/public/study_detail.html).
STUDY_PAGE_LINK_FIELDS = [
    "claim_id",
    "study_id",
    "direction",
    "indirect",
    "indirectness_note",
    "finding",
    "claim__slug",
    "claim__statement",
    "claim__certainty",
    "claim__certainty_override",
]


def published_links_of(study: Study) -> list[EvidenceLink]:
    """The study's links to published claims, in the claims' category order, with what the
    study page shows of each claim (its statement, slug and certainty) and nothing more: a
    graded claim's rationale and detail are kilobytes of JSON each, and the columns a page
    never shows cost their share of building the query and its rows (11 links: 1.5 ms with
    the claims, their categories and outcomes whole, 0.7 ms so). One query, by the study's key.
    """
    return list(
        EvidenceLink.objects.filter(study_id=study.pk, claim__status=PublicationStatus.PUBLISHED)
        .select_related("claim")
        .only(*STUDY_PAGE_LINK_FIELDS)
        .order_by("claim__category__order", "claim__slug")
    )


def studies_for_list(studies: QuerySet[Study]) -> QuerySet[Study]:
    """One bundle for the public study list."""
    return with_published_claim_count(studies)


def study_for_page(pk: int) -> Study | None:
    """The published study with this pk for its public page: its outcomes and arms
    (prefetched), and `published_links` (`published_links_of`). None when there is none."""
    study = Study.objects.published().for_detail().filter(pk=pk).first()
    if study is not None:
        study.published_links = published_links_of(study)
    return study


def with_link_tallies(claims: QuerySet) -> QuerySet:
    """Annotates each claim with its published studies by what they show (`tally_supports`,
    `tally_contradicts`, `tally_mixed`, `tally_neutral`) and `has_indirect` (a published study
    linked as indirect evidence): correlated subqueries, so no extra query and no row multiplied.
    """

    def published_links(**conditions):
        return EvidenceLink.objects.filter(
            claim=OuterRef("pk"), study__status=StudyStatus.PUBLISHED, **conditions
        )

    def count(direction: str):
        rows = (
            published_links(direction=direction)
            .order_by()
            .values("claim")
            .annotate(n=Count("study", distinct=True))
            .values("n")
        )
        return Coalesce(Subquery(rows), 0)

    # Not Exists(): PostgreSQL may answer an EXISTS in the select list with a hashed subplan,
    # which reads every indirect link of every published study (255 ms at 100k claims) for a
    # page of 20; a scalar subquery with LIMIT 1 is always one index probe per row shown.
    indirect = published_links(indirect=True).order_by().annotate(yes=Value(True)).values("yes")
    return claims.annotate(
        tally_supports=count(LinkDirection.SUPPORTS),
        tally_contradicts=count(LinkDirection.CONTRADICTS),
        tally_mixed=count(LinkDirection.MIXED),
        tally_neutral=count(LinkDirection.NEUTRAL),
        has_indirect=Coalesce(Subquery(indirect[:1], output_field=BooleanField()), Value(False)),
    )


class Counted:
    """An ordered queryset whose length is already known (a list's facet counts give it): a
    paginator takes `len()` from it instead of a COUNT or the planner's estimate, and reads a
    page by `rows_of_page`."""

    def __init__(self, queryset, total: int):
        self.queryset = queryset
        self.total = total

    def __len__(self) -> int:
        return self.total

    def __getitem__(self, part: slice) -> list:
        start, stop = part.start or 0, part.stop if part.stop is not None else self.total
        return rows_of_page(self.queryset, start, stop)


class ByCategory:
    """The filtered claims in the list's default order (category, then slug) as a sliceable
    sequence read one category at a time, each by the (status, category, slug) index: page 50
    costs what page 1 costs, and the total is the category facet's counts (already counted,
    and cached), so no COUNT runs. A page takes at most three reads, however many categories
    it spans."""

    def __init__(self, queryset, sizes: list[tuple[int, int]]):
        self.queryset = queryset
        self.sizes = sizes  # (category pk, claims in it), in category order

    def __len__(self) -> int:
        return sum(n for _, n in self.sizes)

    def __getitem__(self, part: slice) -> list:
        start, stop = part.start or 0, part.stop if part.stop is not None else len(self)
        # The categories the page spans, with the part of each it takes: (pk, low, high, whole).
        spans: list[tuple[int, int, int, bool]] = []
        before = 0
        for pk, n in self.sizes:
            low, high = max(start - before, 0), min(stop - before, n)
            if low < high:
                spans.append((pk, low, high, low == 0 and high == n))
            before += n
            if before >= stop:
                break
        # At most three reads however many categories the page spans: the first and last
        # categories' parts by the index, and every category in between whole (together no
        # more rows than a page) in one read.
        rows: list = []
        whole: list[int] = []

        def flush() -> None:
            if whole:
                rows.extend(
                    self.queryset.filter(category_id__in=whole).order_by(
                        "category__order", "category__name", "slug"
                    )
                )
                whole.clear()

        for i, (pk, low, high, is_whole) in enumerate(spans):
            if is_whole and 0 < i < len(spans) - 1:
                whole.append(pk)
                continue
            flush()
            rows += rows_of_page(self.queryset.filter(category_id=pk).order_by("slug"), low, high)
        flush()
        return rows
