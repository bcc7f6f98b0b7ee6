"""The study list's spreadsheet downloads and a study's CSL-JSON: what a curator opens in
Excel or Zotero, published studies only, the list's filters applied."""

import csv
import io
import json

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from public.views import studies as study_views
from studies.models import StudyStatus
from tests.factories import OutcomeFactory, StudyFactory

pytestmark = pytest.mark.django_db


def _csv_rows(response) -> list[dict[str, str]]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def test_the_csv_has_a_row_per_outcome_and_only_published_studies(client):
    study = StudyFactory(title="Needling and density", design="rct")
    OutcomeFactory(study=study, measure="hair count")
    OutcomeFactory(study=study, measure="shaft thickness")
    StudyFactory(title="A draft", status=StudyStatus.DRAFT)

    rows = _csv_rows(client.get(reverse("studies:list_csv")))

    assert [(r["title"], r["outcome"]) for r in rows] == [
        ("Needling and density", "hair count"),
        ("Needling and density", "shaft thickness"),
    ]


def test_the_csv_follows_the_lists_filters_and_streams_in_chunks(client, monkeypatch):
    monkeypatch.setattr(study_views, "EXPORT_CHUNK", 2)
    for i in range(5):
        StudyFactory(title=f"Trial {i}", design="rct")
    StudyFactory(title="A mouse study", design="animal")

    response = client.get(reverse("studies:list_csv"), {"design": "rct"})

    assert response.streaming
    assert sorted(r["title"] for r in _csv_rows(response)) == [f"Trial {i}" for i in range(5)]


def test_the_workbook_has_a_studies_sheet_and_an_outcomes_sheet(client):
    study = StudyFactory(title="Needling and density")
    OutcomeFactory(study=study, measure="hair count")

    response = client.get(reverse("studies:list_xlsx"))
    book = load_workbook(io.BytesIO(response.content))

    assert book.sheetnames == ["Studies", "Outcomes"]
    assert [c.value for c in book["Studies"][2]][2] == "Needling and density"
    assert book["Outcomes"].max_row == 2


def test_a_workbook_too_big_to_build_says_to_narrow_it_or_take_the_csv(client, monkeypatch):
    monkeypatch.setattr(study_views, "XLSX_MAX_STUDIES", 2)
    for _ in range(3):
        StudyFactory()

    response = client.get(reverse("studies:list_xlsx"))

    assert response.status_code == 413
    assert "download the CSV" in response.content.decode()


def test_a_studys_csl_json_is_one_item_with_its_structured_authors(client):
    study = StudyFactory(authors=["Jan van der Berg"], title="Needling")

    response = client.get(reverse("studies:csljson", args=[study.pk]))
    items = json.loads(response.content)

    assert response["Content-Type"].startswith("application/vnd.citationstyles.csl+json")
    assert [item["title"] for item in items] == ["Needling"]
    assert items[0]["author"][0]["family"] == "Berg"


def test_a_draft_studys_csl_json_is_a_404(client):
    study = StudyFactory(status=StudyStatus.DRAFT)
    assert client.get(reverse("studies:csljson", args=[study.pk])).status_code == 404
