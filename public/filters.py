"""Filters for the public claim and study lists, kept apart from the views so an API can reuse
them.

Every filter looks only at published records: a claim's designs and conditions are those of
its *published* linked studies, a study's claim categories those of its *published* claims.
Certainty and direction are the effective ones (a curator's override wins). Bad values never
raise: the form rejects them and the filter is left out. Study numbers are whole and within the
model's own bounds (years 1800-2100, participants not negative).
"""

from django import forms
from django.db import connection
from django.db.models import Count, Exists, F, OuterRef, Q
from django_filters import CharFilter, ChoiceFilter, FilterSet, NumberFilter

from evidence.models import (
    Certainty,
    Claim,
    ClaimCategory,
    ClaimDirection,
    ClaimFacet,
    ClaimFacetName,
    ClaimQuerySet,
    EvidenceLink,
    PublicationStatus,
)
from public import facet_totals
from public.facets import Facet
from public.page_cache import versioned
from studies.models import YEAR_MAX, YEAR_MIN, RiskOfBias, Study, StudyDesign, StudyStatus

Q_MAX_LENGTH = 200
Q_MAX_WORDS = 12
PARTICIPANTS_MAX = 10_000_000


# The names of the filters' options in the shared cache (page_cache.versioned).
CATEGORY_CHOICES = "choices:categories"
CONDITION_CHOICES = "choices:published-conditions"


def category_choices() -> list[tuple[str, str]]:
    # Read on every list request (each filter's choices): kept until the next publish.
    return versioned(
        CATEGORY_CHOICES, lambda: list(ClaimCategory.objects.values_list("slug", "name"))
    )


def published_condition_choices() -> list[tuple[str, str]]:
    def conditions():
        rows = (
            Study.objects.published()
            .exclude(condition="")
            .order_by("condition")
            .values_list("condition", flat=True)
            .distinct()
        )
        return [(c, c) for c in rows]

    return versioned(CONDITION_CHOICES, conditions)


# The claim list's page (public.views.claims.PER_PAGE): how far into its ordered result a
# request reads, for the facet filters' shape (`claims_with_facet`).
CLAIMS_PER_PAGE = 20
# What one claim of an IN list costs against one step of an EXISTS's walk, on SQLite: it is
# read by its key and sorted, twice on a page. Measured at 100,000 claims, as rows read × all
# claims / claims with the value²: the two pages cost the same for a value on 1% of the claims
# between page 1 (2.4) and page 2 (4.6); for one on 7%, EXISTS still won at page 100 (4.2).
IN_COST_IN_STEPS = 4


def claims_with_facet(name: str, value: str, *, rows_read: int | None = None):
    """A filter for the claims with a published linked study of this design or condition.

    Its shape is chosen by how many published claims have the value, which the facet totals
    know (public.facet_totals.CLAIMS.size), and how far into the ordered result the caller
    reads (`rows_read`; None: all of it). `pk IN (…)` reads every claim with the value first
    and sorts them: on SQLite 23 ms for RCTs (40% of 100,000 claims), twice on a page
    (public.facets.rows_of_page's outer query keeps the filter). A correlated EXISTS walks
    the order's index instead, checking each claim, and stops at the page: to reach row r it
    walks about r * all / with_value claims (page 1 of the RCTs in 0.03 ms), but every claim
    for a value few have (21 ms for a category's). So EXISTS where that walk costs less than
    the IN (IN_COST_IN_STEPS), else IN as before (also with the shared cache off: no totals).
    PostgreSQL plans both as the same semi-join, by its statistics (the same plan for either at
    100,000 claims): IN there, which Django builds 0.2 ms faster."""
    rows = ClaimFacet.objects.filter(facet=name, value=value)
    by_shape = rows_read is not None and connection.vendor == "sqlite"
    size = facet_totals.CLAIMS.size(name, value) if by_shape else None
    if size is not None and rows_read is not None:
        every, with_value = size
        if rows_read * every <= IN_COST_IN_STEPS * with_value * with_value:
            return Exists(rows.filter(claim=OuterRef("pk")))
    return Q(pk__in=rows.values("claim_id"))


def summary_counts(name: str):
    """Facet counts from the claims' facet summary (evidence.claim_facets): one grouped count
    of an indexed table, no join to links and studies, no COUNT(DISTINCT)."""

    def counts(claims) -> dict[str, int]:
        rows = (
            ClaimFacet.objects.filter(facet=name, claim__in=claims.values("pk"))
            .order_by()
            .values("value")
            .annotate(n=Count("pk"))
        )
        return {row["value"]: row["n"] for row in rows}

    return counts


def words(text: str) -> list[str]:
    return text.split()[:Q_MAX_WORDS]


def search_words(queryset, fields: list[str], text: str):
    """Rows where every word appears (case-insensitively) in at least one of the fields."""
    for word in words(text):
        match = Q()
        for name in fields:
            match |= Q(**{f"{name}__icontains": word})
        queryset = queryset.filter(match)
    return queryset


def words_filter(label: str) -> CharFilter:
    """A `q` box: every word must appear (the FilterSet's `filter_q` says where)."""
    return CharFilter(
        label=label, method="filter_q", max_length=Q_MAX_LENGTH, widget=forms.TextInput
    )


def sort_filter(sorts: dict[str, tuple[str, object]]) -> ChoiceFilter:
    """A `sort` choice from a FilterSet's SORTS table ({key: (label, ordering)})."""
    return ChoiceFilter(
        label="Sort by",
        choices=[(key, label) for key, (label, _) in sorts.items()],
        method="sort_by",
        empty_label=None,
    )


def published_links(**conditions):
    """Links from the outer claim to published studies matching `conditions`."""
    return EvidenceLink.objects.filter(
        claim=OuterRef("pk"), study__status=StudyStatus.PUBLISHED, **conditions
    )


class ClaimFilter(FilterSet):
    SORTS = {
        "category": ("Category", ["category__order", "category__name", "slug"]),
        "certainty": ("Certainty, strongest first", None),
        "studies": ("Most studies", None),
        "statement": ("Statement, A to Z", ["statement", "slug"]),
    }

    category = ChoiceFilter(
        label="Category", field_name="category__slug", choices=category_choices, empty_label="Any"
    )
    certainty = ChoiceFilter(
        label="Certainty", choices=Certainty.choices, method="filter_certainty", empty_label="Any"
    )
    direction = ChoiceFilter(
        label="Direction",
        choices=ClaimDirection.choices,
        method="filter_direction",
        empty_label="Any",
    )
    design = ChoiceFilter(
        label="Study design",
        choices=StudyDesign.choices,
        method="filter_design",
        empty_label="Any",
    )
    condition = ChoiceFilter(
        label="Condition studied",
        choices=published_condition_choices,
        method="filter_condition",
        empty_label="Any",
    )
    q = words_filter("Words in the claim")
    sort = sort_filter(SORTS)

    facets = {
        "category": Facet("category__slug", distinct=False),
        "certainty": Facet(ClaimQuerySet.effective_certainty_expression(), distinct=False),
        "direction": Facet(ClaimQuerySet.effective_direction_expression(), distinct=False),
        "design": Facet(counts=summary_counts(ClaimFacetName.DESIGN)),
        "condition": Facet(counts=summary_counts(ClaimFacetName.CONDITION)),
    }
    # Every facet's counts for the published claims (the list's own queryset:
    # public.views.claims.claim_filter), summed from totals kept per publish; the words box is
    # counted over the rows.
    totals = facet_totals.CLAIMS

    class Meta:
        model = Claim
        fields: list[str] = []

    def filter_certainty(self, queryset, name, value):
        return queryset.alias(_certainty=ClaimQuerySet.effective_certainty_expression()).filter(
            _certainty=value
        )

    def filter_direction(self, queryset, name, value):
        return queryset.alias(_direction=ClaimQuerySet.effective_direction_expression()).filter(
            _direction=value
        )

    def filter_design(self, queryset, name, value):
        return queryset.filter(
            claims_with_facet(ClaimFacetName.DESIGN, value, rows_read=self.rows_read())
        )

    def filter_condition(self, queryset, name, value: str):
        return queryset.filter(
            claims_with_facet(ClaimFacetName.CONDITION, value, rows_read=self.rows_read())
        )

    # Set by a caller that reads every row of the result (the CSV).
    reads_whole = False

    def rows_read(self) -> int | None:
        """How far into the ordered result the list reads: to the end of the requested page
        where an index gives the order (by category, the default, or by certainty); None, all
        of it, for the CSV or an order that sorts every row."""
        sort = self.form.cleaned_data.get("sort") or "category"
        if self.reads_whole or sort not in ("category", "certainty"):
            return None
        try:
            page = int(self.data.get("page", 1))
        except (TypeError, ValueError):
            page = 1
        return max(page, 1) * CLAIMS_PER_PAGE

    def filter_q(self, queryset, name, value):
        return search_words(queryset, ["statement"], value)

    def sort_by(self, queryset, name, value):
        if value == "certainty":
            # Strongest first, then by slug (unique): the order the evidence_claim_certainty_order
            # index holds, so a page is read from the index however deep (no sort of the whole
            # result, which took 240 ms at 100k claims).
            return queryset.alias(_rank=ClaimQuerySet.certainty_rank_order()).order_by(
                "-_rank", "slug"
            )
        if value == "studies":
            if "published_study_count" not in queryset.query.annotations:
                queryset = queryset.with_public_counts()
            return queryset.order_by("-published_study_count", "category__order", "slug")
        return queryset.order_by(*self.SORTS[value][1])


class WholeNumberFilter(NumberFilter):
    field_class = forms.IntegerField


def _year(label: str, lookup: str) -> WholeNumberFilter:
    return WholeNumberFilter(
        label=label,
        field_name="year",
        lookup_expr=lookup,
        min_value=YEAR_MIN,
        max_value=YEAR_MAX,
    )


def _participants(label: str, lookup: str) -> WholeNumberFilter:
    return WholeNumberFilter(
        label=label,
        field_name="participants",
        lookup_expr=lookup,
        min_value=0,
        max_value=PARTICIPANTS_MAX,
    )


class StudyFilterForm(forms.Form):
    """Ranges given the wrong way round: the upper bound is reported and left out."""

    RANGES = [("year_min", "year_max"), ("participants_min", "participants_max")]

    def clean(self):
        cleaned = super().clean()
        for low, high in self.RANGES:
            if cleaned.get(low) is not None and cleaned.get(high) is not None:
                if cleaned[low] > cleaned[high]:
                    self.add_error(high, f"It is below the lower bound, {cleaned[low]}.")
        return cleaned


class StudyFilter(FilterSet):
    SORTS = {
        "newest": ("Newest first", ["-year", "title"]),
        "oldest": ("Oldest first", ["year", "title"]),
        "participants": (
            "Most participants",
            [F("participants").desc(nulls_last=True), "-year", "title"],
        ),
        "title": ("Title, A to Z", ["title"]),
    }

    design = ChoiceFilter(label="Study design", choices=StudyDesign.choices, empty_label="Any")
    condition = ChoiceFilter(
        label="Condition studied", choices=published_condition_choices, empty_label="Any"
    )
    risk_of_bias = ChoiceFilter(label="Risk of bias", choices=RiskOfBias.choices, empty_label="Any")
    category = ChoiceFilter(
        label="Claim category",
        choices=category_choices,
        method="filter_category",
        empty_label="Any",
    )
    # The evidence map's cells link here: the published studies linked to one claim.
    claim = CharFilter(
        label="Linked to the claim",
        method="filter_claim",
        max_length=120,
        widget=forms.HiddenInput,
    )
    year_min = _year("Published from (year)", "gte")
    year_max = _year("Published up to (year)", "lte")
    participants_min = _participants("At least (participants)", "gte")
    participants_max = _participants("At most (participants)", "lte")
    q = words_filter("Words in title, authors or journal")
    sort = sort_filter(SORTS)

    facets = {
        "design": Facet("design", distinct=False),
        "condition": Facet("condition", distinct=False),
        "risk_of_bias": Facet("risk_of_bias", distinct=False),
        "category": Facet(
            "evidence_links__claim__category__slug",
            Q(evidence_links__claim__status=PublicationStatus.PUBLISHED),
        ),
    }
    # The same for the published studies (public.views.studies.study_filter); a range, a claim
    # or words are counted over the rows.
    totals = facet_totals.STUDIES

    class Meta:
        model = Study
        form = StudyFilterForm
        fields: list[str] = []

    def filter_category(self, queryset, name, value: str):
        links = EvidenceLink.objects.filter(
            study=OuterRef("pk"),
            claim__status=PublicationStatus.PUBLISHED,
            claim__category__slug=value,
        )
        return queryset.filter(Exists(links))

    def filter_claim(self, queryset, name, value):
        links = EvidenceLink.objects.filter(
            study=OuterRef("pk"), claim__status=PublicationStatus.PUBLISHED, claim__slug=value
        )
        return queryset.filter(Exists(links))

    def filter_q(self, queryset, name, value):
        return search_words(queryset, ["title", "authors", "journal"], value)

    def sort_by(self, queryset, name, value):
        return queryset.order_by(*self.SORTS[value][1])
