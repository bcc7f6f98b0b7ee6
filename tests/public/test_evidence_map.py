import re

import pytest
from django.urls import reverse

from evidence.models import PublicationStatus
from studies.models import StudyDesign, StudyStatus
from tests.factories import (
    ClaimCategoryFactory,
    ClaimFactory,
    EvidenceLinkFactory,
    StudyFactory,
)
from tests.list_factories import COUNTING

pytestmark = pytest.mark.django_db
MAP = reverse("evidence:evidence_map")


def link(claim, design, direction, status=StudyStatus.PUBLISHED):
    extra = {"retraction_reason": "Data fabricated."} if status == StudyStatus.RETRACTED else {}
    study = StudyFactory(design=design, status=status, **extra)
    return EvidenceLinkFactory(claim=claim, study=study, direction=direction)


def row_of(html: str, claim) -> str:
    start = html.index(f'<th scope="row"><a href="{claim.get_absolute_url()}"')
    return html[start : html.index("</tr>", start)]


def cells(row_html: str) -> list[str]:
    return re.findall(r'<td class="cell shade-\d"[^>]*>.*?</td>', row_html, flags=re.S)


def visible(cell_html: str) -> str:
    """What the cell shows on screen (the aria-hidden part), tags removed."""
    shown = re.search(r'<span aria-hidden="true">(.*?)</span>(?=<span class="visually)', cell_html)
    return re.sub(r"<[^>]+>", "", shown.group(1)) if shown else ""


def spoken(cell_html: str) -> str:
    return re.search(r'<span class="visually-hidden">(.*?)</span>', cell_html).group(1)


@pytest.fixture
def hand_counted():
    """Density: 3 published RCTs (2 support, 1 contradicts) and 1 case series (supports); a
    draft RCT and a retracted RCT that must not count. Blood flow: 1 animal study (neutral)."""
    density = ClaimFactory(statement="Denser hair.", category=ClaimCategoryFactory(order=0))
    blood = ClaimFactory(statement="More blood flow.", category=ClaimCategoryFactory(order=1))
    link(density, StudyDesign.RCT, "supports")
    link(density, StudyDesign.RCT, "supports")
    link(density, StudyDesign.RCT, "contradicts")
    link(density, StudyDesign.CASE_SERIES, "supports")
    link(density, StudyDesign.RCT, "supports", status=StudyStatus.DRAFT)
    link(density, StudyDesign.COHORT, "supports", status=StudyStatus.RETRACTED)
    link(blood, StudyDesign.ANIMAL, "neutral")
    return density, blood


def test_cells_count_published_studies_by_design_and_direction(client, hand_counted):
    density, blood = hand_counted
    html = client.get(MAP).content.decode()
    header = html[html.index("<thead>") : html.index("</thead>")]
    # Only designs present among published studies, strongest first.
    assert re.findall(r'<th scope="col" class="num">(.*?)</th>', header) == [
        "Randomised controlled trial",
        "Case series",
        "Animal study",
    ]
    density_cells = cells(row_of(html, density))
    assert [visible(c) for c in density_cells] == ["3: 2▲ 1▼", "1: 1▲", "·"]
    assert spoken(density_cells[0]) == "3 studies: 2 support, 1 contradicts"
    assert spoken(density_cells[1]) == "1 study: 1 supports"
    assert spoken(density_cells[2]) == "no studies"
    assert [re.search(r"shade-(\d)", c).group(1) for c in density_cells] == ["3", "1", "0"]
    blood_cells = cells(row_of(html, blood))
    assert [visible(c) for c in blood_cells] == ["·", "·", "1: 1–"]
    assert spoken(blood_cells[2]) == "1 study: 1 neutral"


def test_a_draft_study_is_not_counted_and_its_design_gets_no_column(client):
    claim = ClaimFactory()
    link(claim, StudyDesign.COHORT, "supports", status=StudyStatus.DRAFT)
    link(claim, StudyDesign.RCT, "supports")
    html = client.get(MAP).content.decode()
    assert "Cohort study" not in html
    assert [visible(c) for c in cells(row_of(html, claim))] == ["1: 1▲"]


def test_each_row_names_its_claim_with_a_link_and_a_certainty_badge(client):
    claim = ClaimFactory(certainty="moderate")
    html = client.get(MAP).content.decode()
    row = row_of(html, claim)
    assert "⊕⊕⊕◯" in row and "Moderate" in row
    assert '<table class="evidence-map cards">' in html and "<caption>" in html


def test_draft_claims_are_not_rows(client):
    draft = ClaimFactory(status=PublicationStatus.DRAFT)
    link(draft, StudyDesign.RCT, "supports")
    html = client.get(MAP).content.decode()
    assert draft.get_absolute_url() not in html
    assert "Randomised controlled trial</th>" not in html


def test_five_or_more_studies_get_the_top_count_bucket(client):
    claim = ClaimFactory()
    for _ in range(5):
        link(claim, StudyDesign.RCT, "supports")
    html = client.get(MAP).content.decode()
    assert cells(row_of(html, claim))[0].startswith('<td class="cell shade-4"')


def test_the_map_filters_by_category(client, hand_counted):
    density, blood = hand_counted
    response = client.get(MAP, {"category": blood.category.slug})
    html = response.content.decode()
    assert blood.get_absolute_url() in html
    assert density.get_absolute_url() not in html
    assert f'<option value="{blood.category.slug}" selected>' in html


@pytest.mark.parametrize("category", ["no-such-category", "x" * 5000, "<script>alert(1)</script>"])
def test_an_unknown_category_shows_the_problem_and_every_claim(client, hand_counted, category):
    density, blood = hand_counted
    response = client.get(MAP, {"category": category})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="notice notice-problem"' in html
    assert "There is no category" in html
    assert "<script>alert(1)" not in html
    assert "x" * 200 not in html, "the echoed value is cut short"
    assert density.get_absolute_url() in html and blood.get_absolute_url() in html


@pytest.mark.parametrize("n", [5, 50])
def test_the_map_runs_a_fixed_number_of_queries(client, django_assert_max_num_queries, n):
    categories = ClaimCategoryFactory.create_batch(3)
    designs = [StudyDesign.RCT, StudyDesign.COHORT, StudyDesign.ANIMAL]
    studies = [StudyFactory(design=design) for design in designs]
    for i in range(n):
        claim = ClaimFactory(category=categories[i % 3])
        for study in studies[: 1 + i % 3]:
            EvidenceLinkFactory(claim=claim, study=study)
    # categories, claims per category, one read per category shown (3 here), the cells
    with django_assert_max_num_queries(8 + COUNTING):
        response = client.get(MAP)
    assert response.content.decode().count('<th scope="row">') == n


def test_the_map_shows_one_page_of_claims_at_a_time(client, monkeypatch):
    from public.views import documents

    monkeypatch.setattr(documents, "MAP_PER_PAGE", 3)
    category = ClaimCategoryFactory()
    for _ in range(7):
        ClaimFactory(category=category)
    html = client.get(MAP).content.decode()
    assert html.count('<th scope="row">') == 3
    assert "Page 1 of 3" in html
    assert client.get(MAP, {"page": 3}).content.decode().count('<th scope="row">') == 1


def test_a_map_page_read_again_is_its_kept_table(
    client, parts_kept, hand_counted, django_assert_num_queries
):
    first = client.get(MAP).content
    # The request's savepoint and its release: the categories and the table from the cache.
    with django_assert_num_queries(2):
        again = client.get(MAP).content
    assert again == first


def test_the_kept_map_shows_a_publish_at_once(
    client, parts_kept, hand_counted, curator, reviewer, django_capture_on_commit_callbacks
):
    from evidence.workflow import claim_publish, claim_submit

    density, _ = hand_counted
    assert b"Thinner hair." not in client.get(MAP).content
    draft = ClaimFactory(
        statement="Thinner hair.", category=density.category, status=PublicationStatus.DRAFT
    )
    link(draft, StudyDesign.COHORT, "contradicts")
    with django_capture_on_commit_callbacks(execute=True):
        claim_submit(claim=draft, by=curator)
        claim_publish(claim=draft, by=reviewer)
    html = client.get(MAP).content.decode()
    assert "Thinner hair." in html
    assert re.search(r'<th scope="col" class="num">Cohort', html), "the new design's column"


def test_each_category_and_page_keeps_its_own_map(client, parts_kept, monkeypatch, hand_counted):
    from public.views import documents

    monkeypatch.setattr(documents, "MAP_PER_PAGE", 1)
    density, blood = hand_counted
    ClaimFactory(statement="Warmer scalp.", category=blood.category)
    whole = client.get(MAP).content.decode()
    one = client.get(MAP, {"category": blood.category.slug}).content.decode()
    second = client.get(MAP, {"page": 2}).content.decode()
    assert density.get_absolute_url() in whole and blood.get_absolute_url() not in whole
    assert blood.get_absolute_url() in one and density.get_absolute_url() not in one
    assert blood.get_absolute_url() in second and density.get_absolute_url() not in second
    # The pagination of a category's map keeps its category; the whole map's has none.
    assert f'rel="next" href="?category={blood.category.slug}&amp;page=2"' in one
    assert 'rel="next" href="?page=2"' in whole and 'rel="prev" href="?page=1"' in second


@pytest.mark.parametrize("page", ["abc", "999"])
def test_a_bad_page_of_the_kept_map_still_says_so(client, parts_kept, hand_counted, page):
    for _ in range(2):  # built, then from the cache
        response = client.get(MAP, {"page": page})
        assert response.status_code == 200
        assert "Page: " in response.content.decode()
        assert 'class="notice notice-problem"' in response.content.decode()
