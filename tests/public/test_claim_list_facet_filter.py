"""The claim list filtered by a design or a condition lists exactly the published claims with a
published linked study of it, in the list's order, whichever shape the filter takes (a
correlated EXISTS on SQLite for a value many claims have, `pk IN` for one few have:
public.filters.claims_with_facet), and with the shared cache off (no totals: always `pk IN`)."""

import re
from collections import Counter

import pytest
from django.db import connection
from django.db.models import Exists, Q
from django.urls import reverse

from evidence.models import Claim, EvidenceLink
from public import facet_totals, page_cache
from public.filters import CLAIMS_PER_PAGE, claims_with_facet
from studies.models import StudyStatus
from tests.factories import ClaimCategoryFactory
from tests.list_factories import generated_base

pytestmark = pytest.mark.django_db

LIST = reverse("evidence:claim_list")
RANK = {"high": 4, "moderate": 3, "low": 2, "very_low": 1}


@pytest.fixture
def synthetic():
    generated_base(claims=400, studies=120, seed=5)


def facets_by_hand() -> dict[tuple[str, str], set[int]]:
    """(facet, value) -> the published claims with a published linked study of it, read from
    the links and studies themselves (not the ClaimFacet summary the filter reads)."""
    published = set(Claim.objects.published().values_list("pk", flat=True))
    found: dict[tuple[str, str], set[int]] = {}
    links = EvidenceLink.objects.filter(study__status=StudyStatus.PUBLISHED).values_list(
        "claim_id", "study__design", "study__condition"
    )
    for claim, design, condition in links:
        if claim in published:
            found.setdefault(("design", design), set()).add(claim)
            if condition:
                found.setdefault(("condition", condition), set()).add(claim)
    return found


def in_list_order(pks: set[int], sort: str) -> list[str]:
    claims = Claim.objects.filter(pk__in=pks).select_related("category")

    def key(claim):
        if sort == "certainty":
            return (-RANK.get(claim.certainty_override or claim.certainty, 0), claim.slug)
        return (claim.category.order, claim.category.name, claim.slug)

    return [claim.slug for claim in sorted(claims, key=key)]


def every_page(client, params: dict) -> tuple[list[str], int]:
    """The slugs of every page of the list, in order, and the total the page states."""
    slugs: list[str] = []
    page, total = 1, None
    while True:
        response = client.get(LIST, {**params, "page": page})
        assert response.status_code == 200
        assert response.context["problems"] == []
        total = response.context["page_obj"].paginator.count
        slugs += re.findall(
            r'class="claim-link" href="/claims/([^/]+)/"', response.content.decode()
        )
        if not response.context["page_obj"].has_next():
            return slugs, total
        page += 1


def common_and_rare(found: dict, facet: str) -> list[str]:
    sizes = Counter({value: len(pks) for (name, value), pks in found.items() if name == facet})
    ranked = sizes.most_common()
    return [ranked[0][0], ranked[-1][0]]


def check_lists(client, found: dict) -> None:
    for facet in ("design", "condition"):
        for value in common_and_rare(found, facet):
            for sort in ("category", "certainty"):
                slugs, total = every_page(client, {facet: value, "sort": sort})
                expected = in_list_order(found[(facet, value)], sort)
                assert slugs == expected, (facet, value, sort)
                assert total == len(expected), (facet, value, sort)


def test_with_the_shared_cache_on_a_common_value_is_an_exists_on_sqlite_and_a_rare_one_an_in(
    client, synthetic, parts_kept
):
    found = facets_by_hand()
    common, rare = common_and_rare(found, "design")
    published = Claim.objects.published().count()
    # Counted where the totals are not kept, summed from them where they are: the same.
    assert page_cache.kept(facet_totals.CLAIMS.totals_name) is None
    assert facet_totals.CLAIMS.size("design", rare) == (published, len(found[("design", rare)]))
    page_cache.bump()
    client.get(LIST)  # keeps the totals
    assert page_cache.kept(facet_totals.CLAIMS.totals_name) is not None
    assert facet_totals.CLAIMS.size("design", rare) == (published, len(found[("design", rare)]))
    # PostgreSQL plans both shapes as one semi-join: the IN, always.
    shape = Exists if connection.vendor == "sqlite" else Q
    assert isinstance(claims_with_facet("design", common, rows_read=CLAIMS_PER_PAGE), shape)
    assert isinstance(claims_with_facet("design", rare, rows_read=CLAIMS_PER_PAGE), Q)
    # A deep enough page of the common value reads fewer claims by the IN.
    assert isinstance(claims_with_facet("design", common, rows_read=400 * CLAIMS_PER_PAGE), Q)
    # The whole result (the CSV) too.
    assert isinstance(claims_with_facet("design", common), Q)


def test_filtered_lists_give_the_claims_a_python_filter_gives_with_the_totals_kept(
    client, synthetic, parts_kept
):
    check_lists(client, facets_by_hand())


def test_filtered_lists_give_the_claims_a_python_filter_gives_with_the_cache_off(client, synthetic):
    check_lists(client, facets_by_hand())


def test_a_list_sorted_by_certainty_with_words_states_the_total_of_its_rows(client, synthetic):
    # Its total is the category facet's counts, counted over the rows when words are given.
    found = facets_by_hand()
    design = common_and_rare(found, "design")[0]
    claim = Claim.objects.get(pk=min(found[("design", design)]))
    word = max(claim.statement.split()[:-1], key=len)  # not its number: a word others have
    slugs, total = every_page(client, {"q": word, "design": design, "sort": "certainty"})
    expected = [
        c.slug
        for c in Claim.objects.published().filter(pk__in=found[("design", design)])
        if word.lower() in c.statement.lower()
    ]
    assert total == len(slugs) == len(expected) > 1
    assert sorted(slugs) == sorted(expected)


def test_a_list_by_design_and_condition_follows_claims_unpublished_moved_and_renamed(
    client, synthetic, parts_kept
):
    # The default order reads the facet rows' own copy of each claim's place (published,
    # category, slug: evidence.claim_facets); it must follow the claims.
    found = facets_by_hand()
    design = common_and_rare(found, "design")[0]
    condition = common_and_rare(found, "condition")[0]
    both = sorted(found[("design", design)] & found[("condition", condition)])
    assert len(both) > CLAIMS_PER_PAGE, "more than a page, so the walk spans pages"
    gone, moved, renamed = (Claim.objects.get(pk=pk) for pk in both[:3])
    gone.status = "draft"
    gone.save()
    moved.category = ClaimCategoryFactory(name="Last of all", order=99)
    moved.save()
    renamed.slug = "aaa-first-in-its-category"
    renamed.save()
    page_cache.bump()  # as a publish does

    found = facets_by_hand()
    both = found[("design", design)] & found[("condition", condition)]
    slugs, total = every_page(client, {"design": design, "condition": condition})
    assert slugs == in_list_order(both, "category")
    assert total == len(both)
    assert gone.slug not in slugs and slugs[-1] == moved.slug
    in_category = {
        pk
        for pk in found[("design", design)]
        if pk in set(Claim.objects.filter(category=renamed.category).values_list("pk", flat=True))
    }
    slugs, _ = every_page(client, {"design": design, "category": renamed.category.slug})
    assert slugs == in_list_order(in_category, "category")
    assert slugs[0] == "aaa-first-in-its-category"


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's plan; PostgreSQL's is in docs")
def test_on_sqlite_the_walk_finds_a_page_by_every_column_of_its_index(synthetic):
    # Django writes `published=True` as the bare column, which SQLite cannot match to the
    # index's third column: it would read every row of the value and sort them.
    from django.http import QueryDict

    from public.views.claims import _facet_walk, claim_filter

    filterset = claim_filter(QueryDict("design=rct"))
    filterset.errors  # noqa: B018 -- validates the form
    keys = _facet_walk(filterset, "category").filter(category_id=1).order_by("slug")
    sql, params = keys.filter(pk__in=keys.values("pk")[0:20]).query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        plan = " ".join(str(row[-1]) for row in cursor.fetchall())
    walk = "evidence_claimfacet_walk (facet=? AND value=? AND published=? AND category_id=?)"
    assert walk in plan
