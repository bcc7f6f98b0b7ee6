"""Filters for the public study list, kept apart from the views so an API can reuse them.

Only published studies are ever passed in; `category` looks only at published claims. Numbers
are whole and within the model's own bounds (years 1800-2100, participants not negative):
anything else is a form error, shown to the reader, and that filter is left out.
"""

from django import forms
from django.db.models import Exists, F, OuterRef, Q
from django_filters import ChoiceFilter, FilterSet, NumberFilter

from evidence.facets import Facet
from evidence.filters import (
    category_choices,
    published_condition_choices,
    search_words,
    sort_filter,
    words_filter,
)
from evidence.models import EvidenceLink, PublicationStatus
from studies.models import YEAR_MAX, YEAR_MIN, RiskOfBias, Study, StudyDesign

PARTICIPANTS_MAX = 10_000_000


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
    year_min = _year("Published from (year)", "gte")
    year_max = _year("Published up to (year)", "lte")
    participants_min = _participants("At least (participants)", "gte")
    participants_max = _participants("At most (participants)", "lte")
    q = words_filter("Words in title, authors or journal")
    sort = sort_filter(SORTS)

    facets = {
        "design": Facet("design"),
        "condition": Facet("condition"),
        "risk_of_bias": Facet("risk_of_bias"),
        "category": Facet(
            "evidence_links__claim__category__slug",
            Q(evidence_links__claim__status=PublicationStatus.PUBLISHED),
        ),
    }

    class Meta:
        model = Study
        form = StudyFilterForm
        fields: list[str] = []

    def filter_category(self, queryset, name, value):
        links = EvidenceLink.objects.filter(
            study=OuterRef("pk"),
            claim__status=PublicationStatus.PUBLISHED,
            claim__category__slug=value,
        )
        return queryset.filter(Exists(links))

    def filter_q(self, queryset, name, value):
        return search_words(queryset, ["title", "authors", "journal"], value)

    def sort_by(self, queryset, name, value):
        return queryset.order_by(*self.SORTS[value][1])
