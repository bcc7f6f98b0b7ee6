"""Reads the public pages need that join the literature to the claims.

The literature (`studies`) knows nothing of claims, so what a public study list or page shows
about claims is put together here, on the side that knows both. Like every module of the read
side, these only read.
"""

from django.db.models import Count, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Coalesce

from evidence.models import EvidenceLink, PublicationStatus
from studies.models import Study


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


def with_published_links(studies: QuerySet[Study]) -> QuerySet[Study]:
    """Prefetches `published_links`: each study's links to published claims only, with the
    claim, its category and the key outcome, in the claims' category order."""
    links = (
        EvidenceLink.objects.filter(claim__status=PublicationStatus.PUBLISHED)
        .select_related("claim", "claim__category", "outcome")
        .order_by("claim__category__order", "claim__slug")
    )
    return studies.prefetch_related(
        Prefetch("evidence_links", queryset=links, to_attr="published_links")
    )


def studies_for_list(studies: QuerySet[Study]) -> QuerySet[Study]:
    """One bundle for the public study list."""
    return with_published_claim_count(studies)


def studies_for_detail(studies: QuerySet[Study]) -> QuerySet[Study]:
    """One bundle for the public study page: the study's outcomes and arms, and its claims."""
    return with_published_links(studies.for_detail())


class ByCategory:
    """The filtered claims in the list's default order (category, then slug) as a sliceable
    sequence read one category at a time, each by the (status, category, slug) index: page 50
    costs what page 1 costs, and the total is the category facet's counts (already counted,
    and cached), so no COUNT runs. The categories are a handful; a page spans one or two."""

    def __init__(self, queryset, sizes: list[tuple[int, int]]):
        self.queryset = queryset
        self.sizes = sizes  # (category pk, claims in it), in category order

    def __len__(self) -> int:
        return sum(n for _, n in self.sizes)

    def __getitem__(self, part: slice) -> list:
        start, stop = part.start or 0, part.stop if part.stop is not None else len(self)
        rows: list = []
        before = 0
        for pk, n in self.sizes:
            low, high = max(start - before, 0), min(stop - before, n)
            if low < high:
                rows += self.queryset.filter(category_id=pk).order_by("slug")[low:high]
            before += n
            if before >= stop:
                break
        return rows
