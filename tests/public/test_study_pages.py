"""The public study list (/studies/), study page (/studies/<pk>/) and citation downloads."""

import re

import pytest
from django.db import connection
from django.urls import reverse
from django.utils.html import escape

from evidence.models import PublicationStatus
from public.filters import StudyFilter
from public.queries import studies_for_list
from studies.importers import read_citations
from studies.models import Study, StudyStatus
from tests.factories import (
    ClaimFactory,
    EvidenceLinkFactory,
    OutcomeArmFactory,
    OutcomeFactory,
    StudyFactory,
)
from tests.list_factories import COUNTING, generated_base, small_base

pytestmark = pytest.mark.django_db

LIST = reverse("studies:list")


@pytest.fixture
def base():
    return small_base()


def listed(response) -> list[str]:
    """Study titles in the order the page lists them."""
    return re.findall(
        r'class="study-link" href="/studies/\d+/">([^<]+)</a>', response.content.decode()
    )


def detail(study) -> str:
    return reverse("studies:detail", kwargs={"pk": study.pk})


PUBLISHED = {
    "Microneedling with minoxidil in androgenetic alopecia",
    "Needling for patchy hair loss",
    "Randomised trial of scalp needling",
    "Wnt signalling after needling in mice",
}


def test_the_list_shows_published_studies_only(client, base):
    response = client.get(LIST)
    assert response.status_code == 200
    assert set(listed(response)) == PUBLISHED
    assert '<form id="study-filters"' in response.content.decode()
    assert '<ol id="study-results"' in response.content.decode()


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"design": "rct"}, {"rct1", "rct3"}),
        ({"condition": "alopecia areata"}, {"series", "rct3"}),
        ({"year_min": "2018"}, {"rct1", "rct3", "animal"}),
        ({"year_max": "2018"}, {"rct1", "series"}),
        ({"year_min": "2016", "year_max": "2019"}, {"rct1", "animal"}),
        ({"participants_min": "40"}, {"rct1", "rct3"}),
        ({"participants_max": "40"}, {"rct1", "series"}),
        ({"risk_of_bias": "some_concerns"}, {"rct3"}),
        ({"category": "blood-flow"}, {"rct1", "series"}),
        ({"category": "hair-growth"}, {"rct3", "animal"}),  # not rct1: its hair claim is a draft
        ({"q": "dhurat"}, {"rct1"}),  # an author
        ({"q": "trichology minoxidil"}, {"rct1"}),  # journal and title words together
        ({"q": "SCALP Needling"}, {"rct3"}),  # any case
    ],
)
def test_each_filter_narrows_the_list(client, base, params, expected):
    response = client.get(LIST, params)
    assert set(listed(response)) == {base.studies[k].title for k in expected}
    assert response.context["problems"] == []


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("newest", ["rct3", "animal", "rct1", "series"]),
        ("oldest", ["series", "rct1", "animal", "rct3"]),
        ("participants", ["rct3", "rct1", "series", "animal"]),  # unknown size last
        ("title", ["rct1", "series", "rct3", "animal"]),
    ],
)
def test_sorting(client, base, sort, expected):
    assert listed(client.get(LIST, {"sort": sort})) == [base.studies[k].title for k in expected]


def test_filter_options_end_with_their_facet_count(client, base):
    html = client.get(LIST, {"design": "rct"}).content.decode()
    assert '<option value="rct" selected>Randomised controlled trial (2)</option>' in html
    assert '<option value="blood-flow">Blood flow (1)</option>' in html
    assert '<option value="alopecia areata">alopecia areata (1)</option>' in html


@pytest.mark.parametrize(
    ("params", "problem"),
    [
        ({"year_min": "abc"}, "Published from (year): Enter a whole number."),
        ({"year_max": "99999"}, "Published up to (year): Ensure this value is less than or equal"),
        ({"year_min": "1066"}, "Published from (year): Ensure this value is greater than or equal"),
        ({"participants_max": "-5"}, "At most (participants): Ensure this value is greater than"),
        ({"participants_min": "1e9"}, "At least (participants): Enter a whole number."),
        ({"design": "horoscope"}, "Study design: Select a valid choice."),
        ({"condition": "draft condition"}, "Condition studied: Select a valid choice."),
        ({"risk_of_bias": "none"}, "Risk of bias: Select a valid choice."),
        ({"category": "no-such"}, "Claim category: Select a valid choice."),
        ({"sort": "impact"}, "Sort by: Select a valid choice."),
        ({"q": "y" * 300}, "Words in title, authors or journal: Ensure this value has at most"),
        ({"page": "two"}, "Page: “two” is not a page number."),
        ({"page": "40"}, "Page: there is no page 40."),
    ],
)
def test_bad_input_gives_a_normal_page_with_the_problem_shown(client, base, params, problem):
    response = client.get(LIST, params)
    assert response.status_code == 200
    problems = response.context["problems"]
    assert any(p.startswith(problem) for p in problems), problems
    assert set(listed(response)) == PUBLISHED
    assert 'class="notice notice-problem"' in response.content.decode()


@pytest.mark.parametrize(
    ("params", "problem", "expected"),
    [
        (
            {"year_min": "2020", "year_max": "2010"},
            "Published up to (year): It is below the lower bound, 2020.",
            {"rct3"},
        ),
        (
            {"participants_min": "50", "participants_max": "5"},
            "At most (participants): It is below the lower bound, 50.",
            {"rct3"},
        ),
    ],
)
def test_a_range_the_wrong_way_round_keeps_its_lower_bound(client, base, params, problem, expected):
    response = client.get(LIST, params)
    assert response.context["problems"] == [f"{problem} This filter was ignored."]
    assert set(listed(response)) == {base.studies[k].title for k in expected}


def test_a_bad_number_does_not_undo_the_good_ones(client, base):
    response = client.get(LIST, {"year_min": "abc", "year_max": "2016"})
    assert listed(response) == [base.studies["series"].title]


def test_the_study_page_shows_what_a_clinician_needs(client, base):
    study = base.studies["rct1"]
    study.intervention = "Microneedling plus minoxidil 5%"
    study.comparator = "Minoxidil 5% alone"
    study.follow_up_weeks = 12
    study.risk_of_bias_note = "Assessor blinded; small sample."
    study.summary = "Needling added to minoxidil grew more hair."
    study.adverse_events = "Transient erythema."
    study.funding = "None declared."
    study.doi = "10.4103/0974-7753.114700"
    study.pmid = "23960389"
    study.save()
    html = client.get(detail(study)).content.decode()
    for text in [
        "Randomised controlled trial",
        "androgenetic alopecia",
        "Microneedling plus minoxidil 5%",
        "Minoxidil 5% alone",
        "12 weeks",
        "<strong>Low</strong>",
        "Assessor blinded; small sample.",
        "Needling added to minoxidil grew more hair.",
        "Transient erythema.",
        "None declared.",
        escape(study.formatted_reference()),
        'href="https://doi.org/10.4103/0974-7753.114700"',
        'href="https://pubmed.ncbi.nlm.nih.gov/23960389/"',
        f'href="{reverse("studies:bibtex", kwargs={"pk": study.pk})}"',
        f'href="{reverse("studies:ris", kwargs={"pk": study.pk})}"',
    ]:
        assert text in html, text


def test_outcome_numbers_are_shown_exactly_as_stored(client, base):
    study = base.studies["rct3"]
    outcome = OutcomeFactory(
        study=study, effect_type="MD", estimate=12.35, ci_low=4.1, ci_high=20.6, p_value="0.039"
    )
    OutcomeArmFactory(outcome=outcome, label="needling", n=50, mean=91.4, sd=10.25)
    OutcomeArmFactory(outcome=outcome, label="sham", n=48, mean=79.05, sd=0.003)
    html = client.get(detail(study)).content.decode()
    for text in ["12.35", "4.1 to 20.6", "p 0.039", ">91.4<", ">10.25<", ">79.05<", ">0.003<"]:
        assert text in html, text
    assert "hair count, change from baseline (hairs/cm2), at 12 weeks" in html


def test_the_study_page_lists_only_published_claims_with_direction_and_finding(client, base):
    study = base.studies["rct1"]  # linked to published c1 and draft d1
    html = client.get(detail(study)).content.decode()
    assert 'href="/claims/c1/"' in html
    assert 'href="/claims/d1/"' not in html
    assert "direction-supports" in html
    assert "The study found what the claim says." in html


@pytest.mark.parametrize("status", [StudyStatus.DRAFT, StudyStatus.REVIEW, StudyStatus.RETRACTED])
@pytest.mark.parametrize("page", ["studies:detail", "studies:bibtex", "studies:ris"])
def test_unpublished_studies_are_404_everywhere(client, db, status, page):
    study = StudyFactory(status=status, retraction_reason="Withdrawn by the journal.")
    assert client.get(reverse(page, kwargs={"pk": study.pk})).status_code == 404
    assert study.title not in client.get(LIST).content.decode()


@pytest.mark.parametrize("page", ["studies:detail", "studies:bibtex", "studies:ris"])
def test_a_missing_study_is_404(client, db, page):
    assert client.get(reverse(page, kwargs={"pk": 999_999})).status_code == 404


FIELDS = ["title", "authors", "year", "journal", "volume", "issue", "pages", "doi", "pmid"]


@pytest.mark.parametrize(
    ("page", "content_type", "extension"),
    [
        ("studies:bibtex", "application/x-bibtex; charset=utf-8", "bib"),
        ("studies:ris", "application/x-research-info-systems; charset=utf-8", "ris"),
    ],
)
def test_downloads_read_back_with_our_importers_as_the_same_record(
    client, db, page, content_type, extension
):
    study = StudyFactory(
        title="Microneedling with minoxidil in the treatment of androgenetic alopecia",
        authors=["Rachita Dhurat", "MS Sukesh", "Ganesh Avhad"],
        journal="Int J Trichology",
        year=2013,
        volume="5",
        issue="1",
        pages="6-11",
        doi="10.4103/0974-7753.114700",
        pmid="23960389",
        citation_key="dhurat2013",
    )
    response = client.get(reverse(page, kwargs={"pk": study.pk}))
    assert response["Content-Type"] == content_type
    # Named by its number, never by the citation key (a curator's handle).
    assert response["Content-Disposition"] == (
        f'attachment; filename="study-{study.pk}.{extension}"'
    )
    assert "dhurat2013" not in response.content.decode()
    _, records = read_citations(f"download.{extension}", response.content)
    assert len(records) == 1
    values = records[0].study_values()
    assert {f: values[f] for f in FIELDS} == {f: getattr(study, f) for f in FIELDS}


@pytest.mark.parametrize("page", ["studies:bibtex", "studies:ris"])
def test_a_download_of_a_placeholder_titled_study_says_title_not_available(client, db, page):
    study = StudyFactory(title="[Title not verified: randomised trial; PMID 32516497]")

    text = client.get(reverse(page, kwargs={"pk": study.pk})).content.decode()

    assert "Title not verified" not in text and "Title not available" in text


def make_studies(n: int) -> None:
    claims = [ClaimFactory(), ClaimFactory(status=PublicationStatus.DRAFT)]
    for _ in range(n):
        study = StudyFactory()
        for claim in claims:
            EvidenceLinkFactory(claim=claim, study=study)


# Savepoint and release (ATOMIC_REQUESTS), the page's keys, the rows the cache lacks (all of
# them here: the shared parts are off), four facets (on PostgreSQL, COUNTING more), two choice
# lists; no count (the design facet's counts give the total).
LIST_QUERIES = 10 + COUNTING
# Savepoint and release, the study, its outcomes, their arms, its links with claims.
DETAIL_QUERIES = 6


@pytest.mark.parametrize("rows", [5, 50])
def test_study_list_queries_do_not_grow_with_rows(client, db, django_assert_num_queries, rows):
    make_studies(rows)
    with django_assert_num_queries(LIST_QUERIES):
        response = client.get(LIST, {"design": "rct", "year_min": "2000", "sort": "participants"})
    assert len(listed(response)) == min(rows, 20)


@pytest.mark.parametrize("rows", [5, 50])
def test_study_page_queries_do_not_grow_with_outcomes_or_links(
    client, db, django_assert_max_num_queries, rows
):
    study = StudyFactory()
    for _ in range(rows):
        outcome = OutcomeFactory(study=study)
        OutcomeArmFactory.create_batch(2, outcome=outcome)
        EvidenceLinkFactory(study=study)
    with django_assert_max_num_queries(DETAIL_QUERIES):
        response = client.get(detail(study))
    assert response.content.decode().count('class="claim-link"') == rows
    assert response.content.decode().count('<table class="outcome">') == rows


def test_every_seed_study_page_renders(client, seeded):
    published = Study.objects.published()
    response = client.get(LIST)
    assert response.context["page_obj"].paginator.count == published.count()
    for study in published:
        page = client.get(detail(study))
        assert page.status_code == 200
        assert escape(study.formatted_reference()) in page.content.decode()


def _plan(queryset) -> str:
    """The database's plan for a queryset, as text (on PostgreSQL with the plain scans of the
    table forbidden: on a near-empty table the planner rightly prefers them)."""
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL enable_bitmapscan = off")
            cursor.execute(f"EXPLAIN {sql}", params)
        else:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        return "\n".join(
            str(row[-1] if connection.vendor != "postgresql" else row[0])
            for row in cursor.fetchall()
        )


def test_the_list_filtered_by_design_and_condition_reads_one_index(db):
    # At 1M claims (300,000 studies) the list filtered by design and condition counted its
    # rows over a bitmap of two single-column indexes (58 ms). Its count and its page of
    # primary keys, newest first, are read from the (status, design, condition, year, title)
    # index: this fails if the list's filter or order stops matching it.
    StudyFactory.create_batch(3, design="rct", condition="alopecia areata")
    # Enough others of either value, counted by ANALYZE, that a single-column index is worse.
    StudyFactory.create_batch(30, design="cohort", condition="alopecia areata")
    StudyFactory.create_batch(30, design="rct", condition="androgenetic alopecia")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # A test database's indexes are bloated by every earlier test's rolled-back rows,
            # so on PostgreSQL the two single-column indexes go (inside this test's
            # transaction, rolled back with it) and the plan says whether the query can use
            # the composite index rather than the list order's index with a filter.
            cursor.execute("DROP INDEX studies_study_design, studies_study_condition")
            cursor.execute("ANALYZE studies_study")
        else:
            cursor.execute("ANALYZE")
    filterset = StudyFilter(
        {"design": "rct", "condition": "alopecia areata"},
        queryset=studies_for_list(Study.objects.published()),
    )
    assert filterset.is_valid(), filterset.errors
    studies = filterset.qs

    count_plan = _plan(studies.order_by().values("pk"))
    page_plan = _plan(studies.values("pk")[:20])

    assert "studies_study_list_design_cond" in count_plan, count_plan
    assert "studies_study_list_design_cond" in page_plan, page_plan
    assert "TEMP B-TREE" not in page_plan and "Sort" not in page_plan, page_plan
    assert studies.count() == 3


def test_the_kept_study_rows_and_selects_follow_an_edit_and_a_publish(client, base, parts_kept):
    params = {"design": "rct", "condition": "alopecia areata"}
    first = client.get(LIST, params)
    assert listed(first) == ["Randomised trial of scalp needling"]
    assert re.search(r"Randomised controlled trial \(1\)", first.content.decode())
    assert client.get(LIST, params).content == first.content  # from the kept parts

    study = base.studies["rct3"]
    study.title = "Randomised trial of scalp needling, corrected"
    study.save()
    StudyFactory(title="A second trial", design="rct", condition="alopecia areata", year=2022)

    again = client.get(LIST, params)
    assert listed(again) == ["A second trial", "Randomised trial of scalp needling, corrected"]
    assert re.search(r"Randomised controlled trial \(2\)", again.content.decode())


def test_the_study_page_reads_its_claims_without_their_stored_grades(client, db):
    # A graded claim's rationale and grade detail are kilobytes of JSON each; the study page
    # shows its claims' statements and certainties only.
    from django.test.utils import CaptureQueriesContext

    study = StudyFactory()
    for _ in range(3):
        EvidenceLinkFactory(study=study)
    with CaptureQueriesContext(connection) as captured:
        page = client.get(detail(study)).content.decode()
    assert page.count('class="claim-link"') == 3
    links = [q["sql"] for q in captured.captured_queries if "evidence_evidencelink" in q["sql"]]
    assert links and not [sql for sql in links if '"evidence_claim"."grade_detail"' in sql]


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"design": "rct"},
        {"condition": "alopecia areata"},
        {"design": "rct", "condition": "alopecia areata"},
        {"year_min": "2015", "sort": "participants"},
        {"design": "cohort", "q": "hair"},
    ],
)
def test_a_lists_total_is_its_rows_across_every_page(client, params, parts_kept):
    # The total comes from the design facet's counts (every published study has a design),
    # not a COUNT: it must still be the number of rows the pages list.
    generated_base(claims=60, studies=90, seed=11)
    rows, page = 0, 1
    while True:
        response = client.get(LIST, {**params, "page": page})
        assert response.context["problems"] == []
        rows += len(listed(response))
        if not response.context["page_obj"].has_next():
            break
        page += 1
    expected = StudyFilter(params, queryset=Study.objects.published()).qs.count()
    assert response.context["page_obj"].paginator.count == rows == expected
    assert f"{expected:,}" in response.content.decode()
