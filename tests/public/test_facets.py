"""Facet counts: each option counts the results it would give with the other filters applied."""

import pytest

from evidence.models import Claim
from public.facets import facet_counts, faceted_filters, filterset_problems
from public.filters import ClaimFilter, StudyFilter
from public.queries import studies_for_list
from studies.models import Study
from tests.list_factories import small_base

pytestmark = pytest.mark.django_db


def claim_filter(**params) -> ClaimFilter:
    return ClaimFilter(params, queryset=Claim.objects.published().for_list())


def study_filter(**params) -> StudyFilter:
    return StudyFilter(params, queryset=studies_for_list(Study.objects.published()))


def counts(filterset) -> dict[str, dict[str, int]]:
    """Only non-zero counts, so expectations read as the hand count."""
    return {
        facet.name: {o.value: o.count for o in facet.options if o.count}
        for facet in faceted_filters(filterset)
    }


@pytest.fixture
def base():
    return small_base()


def test_claim_facets_count_only_published_claims_and_published_studies(base):
    assert counts(claim_filter()) == {
        "category": {"blood-flow": 2, "hair-growth": 1},
        "certainty": {"low": 2, "moderate": 1},
        "direction": {"supported": 2, "mixed": 1},
        "design": {"rct": 2, "case_series": 1, "animal": 1},
        "condition": {"androgenetic alopecia": 1, "alopecia areata": 2, "murine model": 1},
    }


def test_a_facet_sets_its_own_choice_aside_and_applies_the_others(base):
    found = counts(claim_filter(category="blood-flow"))
    assert found["category"] == {"blood-flow": 2, "hair-growth": 1}
    assert found["certainty"] == {"low": 1, "moderate": 1}
    assert found["design"] == {"rct": 1, "case_series": 1}


def test_two_active_filters_narrow_every_other_facet(base):
    found = counts(claim_filter(design="rct", certainty="low"))
    assert found["design"] == {"rct": 2, "animal": 1}
    assert found["certainty"] == {"low": 2}
    assert found["category"] == {"blood-flow": 1, "hair-growth": 1}
    assert found["condition"] == {
        "androgenetic alopecia": 1,
        "alopecia areata": 1,
        "murine model": 1,
    }


def test_every_choice_is_listed_even_when_it_would_give_nothing(base):
    design = next(f for f in faceted_filters(claim_filter()) if f.name == "design")
    cohort = next(o for o in design.options if o.value == "cohort")
    assert cohort.count == 0


def test_the_chosen_option_is_marked_selected(base):
    certainty = next(
        f for f in faceted_filters(claim_filter(certainty="low")) if f.name == "certainty"
    )
    assert [o.value for o in certainty.options if o.selected] == ["low"]
    assert certainty.selected == "low"


def test_condition_choices_come_only_from_published_studies(base):
    condition = next(f for f in faceted_filters(claim_filter()) if f.name == "condition")
    assert [o.value for o in condition.options] == [
        "alopecia areata",
        "androgenetic alopecia",
        "murine model",
    ]


def test_study_facets_use_the_same_helper(base):
    assert counts(study_filter()) == {
        "design": {"rct": 2, "case_series": 1, "animal": 1},
        "condition": {"androgenetic alopecia": 1, "alopecia areata": 2, "murine model": 1},
        "risk_of_bias": {"low": 1, "high": 1, "some_concerns": 1, "not_assessed": 1},
        "category": {"blood-flow": 2, "hair-growth": 2},
    }


def test_study_category_facet_ignores_links_to_unpublished_claims(base):
    # rct1 is also linked to the draft claim d1 (hair-growth): it must not count there.
    found = counts(study_filter(design="rct"))
    assert found["category"] == {"blood-flow": 1, "hair-growth": 1}
    assert found["design"] == {"rct": 2, "case_series": 1, "animal": 1}


def test_an_invalid_value_is_reported_and_its_facet_counts_as_unfiltered(base):
    filterset = claim_filter(certainty="excellent", category="blood-flow")
    assert filterset_problems(filterset) == [
        "Certainty: Select a valid choice. excellent is not one of the available choices. "
        "This filter was ignored."
    ]
    assert counts(filterset)["direction"] == {"supported": 2}
    assert {c.slug for c in filterset.qs} == {"c1", "c2"}


def test_facet_counts_take_one_query_per_facet(base, django_assert_num_queries):
    filterset = claim_filter(category="blood-flow", design="rct")
    filterset.errors  # noqa: B018 -- the choice lists are read once while validating
    with django_assert_num_queries(1):
        facet_counts(filterset, "design")


def test_a_large_count_is_said_as_an_estimate():
    from public.facets import about

    assert about(123_456) == "about 120,000"
    assert about(1_234_567) == "about 1.2 million"
    assert about(10_400) == "about 10,000"


@pytest.mark.django_db
def test_a_small_list_is_counted_exactly():
    from evidence.models import Claim
    from public.facets import counted
    from tests.factories import ClaimFactory

    ClaimFactory.create_batch(3)
    assert counted(Claim.objects.published()) == (3, "3")
