"""The public claim list (/claims/) and its CSV (/claims.csv)."""

import csv
import io
import re

import pytest
from django.urls import reverse

from evidence.models import Claim
from tests.factories import (
    ClaimCategoryFactory,
    ClaimFactory,
    ClaimMentionFactory,
    EvidenceLinkFactory,
    StudyFactory,
)
from tests.list_factories import COUNTING, small_base

pytestmark = pytest.mark.django_db

LIST = reverse("evidence:claim_list")
CSV = reverse("evidence:claim_list_csv")


@pytest.fixture
def base():
    return small_base()


def listed(response) -> list[str]:
    """Claim slugs in the order the page lists them."""
    return re.findall(r'class="claim-link" href="/claims/([^/]+)/"', response.content.decode())


def csv_rows(response) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(response.getvalue().decode())))


def problems(response) -> list[str]:
    return response.context["problems"]


def test_the_list_shows_published_claims_only(client, base):
    response = client.get(LIST)
    assert response.status_code == 200
    assert sorted(listed(response)) == ["c1", "c2", "c3"]
    assert "Draft claim" not in response.content.decode()
    assert "in review" not in response.content.decode()


def test_each_claim_shows_its_certainty_badge_and_published_counts(client, base):
    html = client.get(LIST, {"q": "blood flow"}).content.decode()
    assert 'class="grade-phrase certainty certainty-low"' in html
    assert "1 study" in html
    assert "2 mentions in the article" in html


def test_mentions_in_unpublished_documents_are_not_counted(client, base):
    page = client.get(LIST).content.decode()
    [c2] = [row for row in page.split('<li class="claim">')[1:] if 'href="/claims/c2/"' in row]
    assert "0 mentions in the article" in c2
    assert "1 study" in c2  # the draft RCT is not counted


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"category": "blood-flow"}, ["c1", "c2"]),
        ({"category": "hair-growth"}, ["c3"]),
        ({"certainty": "low"}, ["c1", "c3"]),
        ({"certainty": "moderate"}, ["c2"]),  # the override, not the computed very low
        ({"certainty": "very_low"}, []),
        ({"direction": "mixed"}, ["c3"]),
        ({"design": "rct"}, ["c1", "c3"]),  # c2's RCT is a draft
        ({"design": "cohort"}, []),  # only a retracted study is a cohort
        ({"condition": "alopecia areata"}, ["c2", "c3"]),
        ({"q": "NEEDLING blood"}, ["c1"]),
        ({"q": "needling"}, ["c1", "c2", "c3"]),
        ({"category": "blood-flow", "design": "rct"}, ["c1"]),
    ],
)
def test_each_filter_narrows_the_list(client, base, params, expected):
    response = client.get(LIST, params)
    assert sorted(listed(response)) == expected
    assert problems(response) == []


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("certainty", ["c2", "c1", "c3"]),
        ("studies", ["c3", "c1", "c2"]),
        ("statement", ["c3", "c1", "c2"]),
        ("category", ["c1", "c2", "c3"]),
    ],
)
def test_sorting(client, base, sort, expected):
    assert listed(client.get(LIST, {"sort": sort})) == expected


def test_filter_options_end_with_their_facet_count(client, base):
    html = client.get(LIST).content.decode()
    assert '<option value="blood-flow">Blood flow (2)</option>' in html
    assert '<option value="moderate">Moderate (1)</option>' in html
    assert '<option value="very_low" disabled>Very low (0)</option>' in html


def test_the_form_keeps_the_chosen_filters_and_offers_to_clear_them(client, base):
    html = client.get(LIST, {"category": "blood-flow", "q": "vessels"}).content.decode()
    assert '<form id="claim-filters" method="get"' in html.replace(' class="filters"', "")
    assert '<option value="blood-flow" selected>Blood flow (1)</option>' in html
    assert 'name="q" value="vessels"' in html
    assert f'class="clear-filters" href="{LIST}"' in html
    assert "1 claim matches your filters" in html


def test_the_csv_link_carries_the_filters_but_not_the_page(client, base):
    html = client.get(LIST, {"category": "blood-flow", "page": "1"}).content.decode()
    assert f'<a id="csv-download" href="{CSV}?category=blood-flow">' in html


def test_csv_has_a_row_per_claim_with_the_columns_a_clinician_needs(client, base):
    response = client.get(CSV)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="claims.csv"' in response["Content-Disposition"]
    assert response.streaming  # a million rows are never held in memory at once
    rows = csv_rows(response)
    assert [r["url"] for r in rows] == [
        "http://testserver/claims/c1/",
        "http://testserver/claims/c2/",
        "http://testserver/claims/c3/",
    ]
    assert rows[0] == {
        "statement": "Needling increases scalp blood flow.",
        "category": "Blood flow",
        "certainty": "Low",
        "direction": "Supported",
        "SORT strength": "B",
        "published studies": "1",
        "mentions": "2",
        "url": "http://testserver/claims/c1/",
    }
    assert rows[1]["certainty"] == "Moderate"
    assert rows[2]["published studies"] == "2"


def test_csv_follows_the_same_filters_and_sort(client, base):
    rows = csv_rows(client.get(CSV, {"design": "rct", "sort": "studies"}))
    assert [r["url"].rsplit("/", 2)[-2] for r in rows] == ["c3", "c1"]


def test_csv_never_lists_unpublished_claims(client, base):
    text = client.get(CSV, {"category": "hair-growth"}).getvalue().decode()
    assert "Draft claim" not in text
    assert len(csv_rows(client.get(CSV))) == 3


def test_csv_cells_cannot_run_as_spreadsheet_formulas(client, db):
    ClaimFactory(statement='=HYPERLINK("http://evil")')
    assert csv_rows(client.get(CSV))[0]["statement"] == '\'=HYPERLINK("http://evil")'


def test_csv_ignores_a_bad_filter_like_the_page_does(client, base):
    response = client.get(CSV, {"certainty": "nonsense", "category": "hair-growth"})
    assert response.status_code == 200
    assert len(csv_rows(response)) == 1


@pytest.mark.parametrize(
    ("params", "problem"),
    [
        ({"category": "no-such-category"}, "Category: Select a valid choice."),
        ({"certainty": "excellent"}, "Certainty: Select a valid choice."),
        ({"direction": "sideways"}, "Direction: Select a valid choice."),
        ({"design": "horoscope"}, "Study design: Select a valid choice."),
        ({"condition": "draft condition"}, "Condition studied: Select a valid choice."),
        ({"sort": "price"}, "Sort by: Select a valid choice."),
        ({"q": "x" * 201}, "Words in the claim: Ensure this value has at most 200 characters"),
        ({"page": "abc"}, "Page: “abc” is not a page number."),
        ({"page": "999"}, "Page: there is no page 999. Showing page 1, the last."),
        ({"page": "-3"}, "Page: there is no page -3. Showing the first page."),
    ],
)
def test_bad_input_gives_a_normal_page_with_the_problem_shown(client, base, params, problem):
    response = client.get(LIST, params)
    assert response.status_code == 200
    assert any(p.startswith(problem) for p in problems(response)), problems(response)
    assert 'class="notice notice-problem"' in response.content.decode()
    assert sorted(listed(response)) == ["c1", "c2", "c3"]


def test_hostile_q_is_escaped_and_finds_nothing(client, base):
    response = client.get(LIST, {"q": '<script>alert(1)</script> " OR 1=1 --'})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in html
    assert listed(response) == []


def test_pages_hold_twenty_claims_and_keep_the_filters(client, db):
    category = ClaimCategoryFactory(slug="many", name="Many")
    ClaimFactory.create_batch(25, category=category)
    first = client.get(LIST, {"category": "many"})
    second = client.get(LIST, {"category": "many", "page": "2"})
    assert len(listed(first)) == 20
    assert len(listed(second)) == 5
    assert 'href="?category=many&amp;page=2"' in first.content.decode()


def make_claims(n: int) -> None:
    """n published claims, each with two published studies, a draft one and a mention."""
    categories = [ClaimCategoryFactory(slug=f"cat-{i}", name=f"Cat {i}") for i in range(3)]
    for i in range(n):
        claim = ClaimFactory(category=categories[i % 3], certainty="low", direction="supported")
        for design in ("rct", "cohort"):
            EvidenceLinkFactory(claim=claim, study=StudyFactory(design=design))
        EvidenceLinkFactory(claim=claim, study=StudyFactory(status="draft"))
        ClaimMentionFactory(claim=claim)


# Savepoint and release (ATOMIC_REQUESTS), the categories, the page's keys (read by category;
# its total is the category facet's), the rows not cached yet (all, the first time), five facets,
# two choice lists; one more at a category boundary; on PostgreSQL, COUNTING more.
LIST_QUERIES = 13 + COUNTING
# Sorted otherwise: the page's keys in one read (its total the category facet's too, no COUNT).
SORTED_QUERIES = 12 + COUNTING
# Savepoint and release, the rows.
CSV_QUERIES = 3


@pytest.mark.parametrize("rows", [5, 50])
def test_claim_list_queries_do_not_grow_with_rows(client, db, django_assert_max_num_queries, rows):
    make_claims(rows)
    with django_assert_max_num_queries(SORTED_QUERIES):
        response = client.get(LIST, {"certainty": "low", "sort": "studies"})
    assert len(listed(response)) == min(rows, 20)


@pytest.mark.parametrize(
    "params, queries",
    [
        ({"design": "rct"}, LIST_QUERIES),
        ({"design": "rct", "page": "3"}, LIST_QUERIES),
        ({"design": "rct", "sort": "certainty"}, SORTED_QUERIES),
        # The conditions' options, read three times with the shared cache off (as here)
        # where it would keep them.
        ({"condition": "androgenetic alopecia", "sort": "certainty"}, SORTED_QUERIES + 2),
    ],
)
def test_a_list_filtered_by_design_or_condition_runs_a_pinned_number_of_queries(
    client, db, django_assert_max_num_queries, params, queries
):
    make_claims(50)
    StudyFactory(condition="androgenetic alopecia")  # an option of the condition filter
    with django_assert_max_num_queries(queries):
        response = client.get(LIST, params)
    assert response.context["problems"] == []
    assert response.context["page_obj"].paginator.count == 50


@pytest.mark.parametrize("rows", [5, 50])
def test_claim_csv_queries_do_not_grow_with_rows(client, db, django_assert_max_num_queries, rows):
    make_claims(rows)
    with django_assert_max_num_queries(CSV_QUERIES):
        response = client.get(CSV, {"design": "rct"})
    assert len(csv_rows(response)) == rows


def test_the_seed_claims_are_listed_and_exported(client, seeded):
    published = Claim.objects.published()
    response = client.get(LIST, {"sort": "certainty"})
    assert response.status_code == 200
    assert response.context["page_obj"].paginator.count == published.count() == 14
    assert set(listed(response)) == set(published.values_list("slug", flat=True))
    assert len(csv_rows(client.get(CSV))) == 14


def test_pages_read_category_by_category_give_the_same_order_as_one_sorted_query(
    client, monkeypatch
):
    from public.views import claims as claims_view

    monkeypatch.setattr(claims_view, "PER_PAGE", 3)
    categories = [ClaimCategoryFactory(order=order) for order in (2, 0, 1)]
    for i in range(11):
        ClaimFactory(category=categories[i % 3], slug=f"c-{(i * 7) % 11:02d}")
    expected = list(
        Claim.objects.published()
        .order_by("category__order", "category__name", "slug")
        .values_list("slug", flat=True)
    )
    seen = []
    for page in range(1, 5):
        seen += listed(client.get(LIST, {"page": page}))
    assert seen == expected
    assert "Page 4 of 4" in client.get(LIST, {"page": 4}).content.decode()


def test_a_deep_page_runs_as_many_queries_as_the_first(client, django_assert_max_num_queries):
    category = ClaimCategoryFactory()
    for _ in range(60):
        ClaimFactory(category=category)
    with django_assert_max_num_queries(12 + COUNTING) as first:
        client.get(LIST)
    with django_assert_max_num_queries(len(first)):
        client.get(LIST, {"page": 3})


def test_pages_sorted_by_certainty_run_strongest_first_then_by_slug_without_overlap(
    client, monkeypatch
):
    from public.views import claims as claims_view

    monkeypatch.setattr(claims_view, "PER_PAGE", 3)
    levels = ["low", "high", "very_low", "moderate", "none"]
    rank = {"high": 4, "moderate": 3, "low": 2, "very_low": 1, "none": 0}
    made = []
    for i in range(11):
        certainty = levels[i % len(levels)]
        slug = f"s-{(i * 7) % 11:02d}"
        ClaimFactory(certainty=certainty, slug=slug)
        made.append((-rank[certainty], slug))
    # a curator's override is what a reader sees, and what the order follows
    Claim.objects.filter(slug="s-00").update(
        certainty_override="high", override_justification="A reviewer's reason."
    )
    made = [(-4, s) if s == "s-00" else (r, s) for r, s in made]
    expected = [slug for _, slug in sorted(made)]
    seen = []
    for page in range(1, 5):
        seen += listed(client.get(LIST, {"sort": "certainty", "page": page}))
    assert seen == expected


def test_the_certainty_sort_is_read_from_its_index_on_either_database(base):
    # SQLite matches an expression index only when the query writes the same literals, and
    # Django binds them as parameters unless told otherwise; without the index every
    # published claim is sorted (110-190 ms at 100,000 claims).
    from django.db import connection

    from public.filters import ClaimFilter

    queryset = ClaimFilter({"sort": "certainty"}, queryset=Claim.objects.published()).qs
    sql, params = queryset.values("pk")[:20].query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # A near-empty table is rightly scanned; forbid the scan and the sort so the plan
            # shows whether the index can give the order.
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL enable_sort = off")
            cursor.execute("SET LOCAL enable_bitmapscan = off")
        explain = "EXPLAIN" if connection.vendor == "postgresql" else "EXPLAIN QUERY PLAN"
        cursor.execute(f"{explain} {sql}", params)
        plan = " ".join(str(part) for row in cursor.fetchall() for part in row)
    assert "evidence_claim_certainty_order" in plan, plan
    assert "TEMP B-TREE" not in plan.upper(), plan  # SQLite's sort of the whole result


@pytest.mark.parametrize("sort", ["certainty", "studies", "statement"])
def test_a_sorted_list_takes_its_exact_total_from_the_facet_counts(client, db, sort):
    # Every claim has one category, so the category facet's counts add up to the list's total:
    # no COUNT and no planner's estimate, and the same exact figure as the default order's.
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    make_claims(25)
    ClaimFactory(certainty="high")  # not in the filtered result
    with CaptureQueriesContext(connection) as captured:
        page = client.get(LIST, {"certainty": "low", "sort": sort}).content.decode()
    assert "25 claims match your filters." in page
    sql = [q["sql"] for q in captured.captured_queries]
    assert not [q for q in sql if '"__count"' in q or q.startswith("EXPLAIN")]
    assert len(listed(client.get(LIST, {"certainty": "low", "sort": sort, "page": 2}))) == 5
