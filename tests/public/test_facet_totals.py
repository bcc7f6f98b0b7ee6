"""The claim and study lists' facet counts summed from totals kept per publish are the counts of
the rows themselves, for every choice of filters, and a filtered list's first request after a
publish no longer counts the rows."""

import itertools
import random

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from evidence.models import Certainty, Claim, ClaimCategory, ClaimDirection
from evidence.services import claim_override_set
from public import page_cache
from public.facets import chosen_filters, facet_counts
from public.filters import ClaimFilter, StudyFilter
from public.queries import studies_for_list
from public.tasks import warm_public_parts
from studies.models import RiskOfBias, Study, StudyDesign
from tests.list_factories import generated_base

pytestmark = pytest.mark.django_db


@pytest.fixture
def synthetic():
    generated_base(claims=240, studies=90, seed=7)


def claims(params: dict) -> ClaimFilter:
    return ClaimFilter(params, queryset=Claim.objects.published())


def studies(params: dict) -> StudyFilter:
    return StudyFilter(params, queryset=studies_for_list(Study.objects.published()))


def counted_over_rows(params: dict, filterset=claims) -> dict[str, dict[str, int]]:
    """What each facet counts when the rows themselves are counted (the path without totals),
    the options that count none left out."""
    bound = filterset(params)
    found = {name: facet_counts(bound, name) for name in type(bound).facets}
    return {name: {v: n for v, n in c.items() if n} for name, c in found.items()}


def from_totals(params: dict, filterset=claims) -> dict[str, dict[str, int]] | None:
    bound = filterset(params)
    return type(bound).totals.counts(chosen_filters(bound))


def choices() -> dict[str, list[str]]:
    return {
        "category": list(ClaimCategory.objects.values_list("slug", flat=True)),
        "certainty": [c.value for c in Certainty],
        "direction": [d.value for d in ClaimDirection],
        "design": sorted(set(Study.objects.published().values_list("design", flat=True))),
        "condition": sorted(
            set(Study.objects.published().exclude(condition="").values_list("condition", flat=True))
        ),
    }


def test_every_filter_choice_gets_the_counts_of_the_claims_themselves(synthetic, parts_kept):
    options = choices()
    assert all(options.values()), options
    picks = random.Random(3)
    names = list(options)
    cases = [{}]
    # Each facet alone, every pair of facets, and every facet together, with values drawn.
    for size in (1, 2, 5):
        for chosen in itertools.combinations(names, size):
            for _ in range(3):
                cases.append({name: picks.choice(options[name]) for name in chosen})
    # A design and a condition both chosen, for every design.
    for design in options["design"]:
        cases.append({"design": design, "condition": picks.choice(options["condition"])})
    nonzero = 0
    for params in cases:
        expected = counted_over_rows(params)
        assert from_totals(params) == expected, params
        nonzero += sum(map(len, expected.values()))
    assert nonzero > 200  # the cases count something: a wrong sum cannot hide behind zeros


def test_the_words_box_and_a_cache_that_is_off_count_the_claims(synthetic, parts_kept, settings):
    assert from_totals({"q": "hair"}) is None
    assert from_totals({"q": "hair", "design": StudyDesign.RCT}) is None
    settings.PAGE_CACHE_SECONDS = 0
    assert from_totals({"design": StudyDesign.RCT}) is None


def test_an_invalid_value_is_set_aside_as_without_totals(synthetic, parts_kept):
    assert from_totals({"certainty": "certain-ish"}) == from_totals({})


def test_a_filtered_list_after_the_warm_reads_no_claims_for_its_counts(synthetic, parts_kept):
    page_cache.bump()
    warm_public_parts()
    design = choices()["design"][0]
    condition = choices()["condition"][0]
    for params in (
        {"certainty": "low"},
        {"design": design},
        {"design": design, "condition": condition},
    ):
        connection.queries_log.clear()
        with CaptureQueriesContext(connection) as queries:
            found = from_totals(params)
        assert found is not None
        assert len(queries) == 0, [q["sql"] for q in queries]


def test_the_totals_follow_a_publish(synthetic, parts_kept, client):
    before = from_totals({})
    claim = Claim.objects.published().order_by("pk").first()
    claim_override_set(
        claim=claim,
        certainty="high" if claim.certainty != "high" else "low",
        justification="A curator's reading of the trials, for the test.",
        by=None,
    )
    after = from_totals({})
    assert after == {k: {v: n for v, n in c.items() if n} for k, c in counted_over_rows({}).items()}
    assert after["certainty"] != before["certainty"]


def test_the_list_page_shows_the_summed_counts(synthetic, parts_kept, client):
    design = choices()["design"][0]
    response = client.get("/claims/", {"design": design, "certainty": "low"})
    shown = {
        f.name: {o.value: o.count for o in f.options if o.count} for f in response.context["facets"]
    }
    expected = counted_over_rows({"design": design, "certainty": "low"})
    assert shown == expected
    assert f"({expected['certainty']['low']})" in response.content.decode()


def test_every_study_filter_choice_gets_the_counts_of_the_studies_themselves(synthetic, parts_kept):
    options = {
        "design": choices()["design"],
        "condition": choices()["condition"],
        "risk_of_bias": [r.value for r in RiskOfBias],
        "category": choices()["category"],
    }
    picks = random.Random(5)
    cases = [{}]
    for size in (1, 2, 4):
        for chosen in itertools.combinations(options, size):
            for _ in range(3):
                cases.append({name: picks.choice(options[name]) for name in chosen})
    nonzero = 0
    for params in cases:
        expected = counted_over_rows(params, studies)
        assert from_totals(params, studies) == expected, params
        nonzero += sum(map(len, expected.values()))
    assert nonzero > 100


def test_a_range_or_a_claim_chosen_counts_the_studies(synthetic, parts_kept):
    assert from_totals({"year_min": "2000"}, studies) is None
    assert from_totals({"claim": "any-claim"}, studies) is None
    assert from_totals({"q": "hair"}, studies) is None


def test_at_least_zero_participants_is_a_choice_of_its_own(synthetic, parts_kept, client):
    # Studies with no participant count are left out by "at least 0": its counts are not the
    # unfiltered list's, kept under another name.
    Study.objects.filter(pk__in=Study.objects.published().values("pk")[:5]).update(
        participants=None
    )
    page_cache.bump()
    unfiltered = client.get("/studies/").context["facets"]
    at_least_zero = client.get("/studies/", {"participants_min": "0"}).context["facets"]

    def total(facets) -> int:
        return sum(o.count for o in next(f for f in facets if f.name == "design").options)

    with_a_count = Study.objects.published().filter(participants__gte=0).count()
    assert total(unfiltered) == Study.objects.published().count()
    assert total(at_least_zero) == with_a_count < total(unfiltered)
