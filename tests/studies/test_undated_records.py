"""Records without a year: kept when a DOI or PMID can find them again, skipped (with the
reason, file and line) when nothing can, and carried without a date through labels,
references, exports, de-duplication and the review workflow. All records here are test data
written from each format's specification; the DOIs use the 10.5555 test prefix."""

import csv
import io
import json
import re

import pytest
from openpyxl import load_workbook

from studies.exporters import to_bibtex, to_csljson, to_csv, to_ris, to_xlsx
from studies.models import Study, StudyStatus
from studies.services import ImportOutcome, WorkflowError, citations_import, study_submit
from tests.factories import StudyFactory

pytestmark = pytest.mark.django_db

NO_YEAR_NOR_ID = "it has no usable year and no DOI or PMID to look it up by"

# Per format: (file name, text, the line where record 2 starts or None, identifier of record 1).
FILES = {
    "ris": (
        "undated.ris",
        "TY  - JOUR\nAU  - Tester, Ada\nTI  - A test record with a DOI and no year\n"
        "DO  - 10.5555/undated.1\nER  - \n\n"
        "TY  - JOUR\nTI  - A test record with neither year nor identifier\nER  - \n\n"
        "TY  - JOUR\nTI  - A dated test record\nPY  - 2020\nER  - \n",
        7,
        "DOI 10.5555/undated.1",
    ),
    "wos": (
        "undated.txt",
        "FN Clarivate Analytics Web of Science\nVR 1.0\n"
        "PT J\nAU Tester, A\nAF Tester, Ada\nTI A test record with a DOI and no year\n"
        "DI 10.5555/undated.1\nER\n\n"
        "PT J\nTI A test record with neither year nor identifier\nER\n\n"
        "PT J\nTI A dated test record\nPY 2020\nER\n\nEF\n",
        10,
        "DOI 10.5555/undated.1",
    ),
    "bibtex": (
        "undated.bib",
        "@article{undated1,\n  author = {Tester, Ada},\n"
        "  title = {A test record with a DOI and no year},\n  doi = {10.5555/undated.1},\n}\n\n"
        "@article{neither2,\n  title = {A test record with neither year nor identifier},\n}\n\n"
        "@article{dated3,\n  title = {A dated test record},\n  year = {2020},\n}\n",
        7,
        "DOI 10.5555/undated.1",
    ),
    "medline": (
        "undated.nbib",
        "PMID- 99000001\nTI  - A test record with a PMID and no year\nFAU - Tester, Ada\n\n"
        "PMID- \nTI  - A test record with neither year nor identifier\n\n"
        "PMID- 99000003\nDP  - 2020 Jan\nTI  - A dated test record\n",
        5,
        "PMID 99000001",
    ),
    "pubmed": (
        "undated.xml",
        '<?xml version="1.0" ?>\n<PubmedArticleSet>\n'
        "<PubmedArticle><MedlineCitation><PMID>99000001</PMID><Article>"
        "<Journal><JournalIssue><PubDate></PubDate></JournalIssue>"
        "<Title>Journal of Test Records</Title></Journal>"
        "<ArticleTitle>A test record with a PMID and no year.</ArticleTitle>"
        "<AuthorList><Author><LastName>Tester</LastName><ForeName>Ada</ForeName></Author>"
        "</AuthorList></Article></MedlineCitation></PubmedArticle>\n"
        "<PubmedArticle><MedlineCitation><Article>"
        "<Journal><JournalIssue><PubDate></PubDate></JournalIssue></Journal>"
        "<ArticleTitle>A test record with neither year nor identifier.</ArticleTitle>"
        "</Article></MedlineCitation></PubmedArticle>\n"
        "<PubmedArticle><MedlineCitation><PMID>99000003</PMID><Article>"
        "<Journal><JournalIssue><PubDate><Year>2020</Year></PubDate></JournalIssue></Journal>"
        "<ArticleTitle>A dated test record.</ArticleTitle>"
        "</Article></MedlineCitation></PubmedArticle>\n</PubmedArticleSet>\n",
        None,
        "PMID 99000001",
    ),
    "csljson": (
        "undated.json",
        json.dumps(
            [
                {
                    "type": "article-journal",
                    "title": "A test record with a DOI and no year",
                    "DOI": "10.5555/undated.1",
                    "author": [{"family": "Tester", "given": "Ada"}],
                },
                {
                    "type": "article-journal",
                    "title": "A test record with neither year nor identifier",
                },
                {
                    "type": "article-journal",
                    "title": "A dated test record",
                    "issued": {"date-parts": [[2020]]},
                },
            ],
            indent=1,
        ),
        None,
        "DOI 10.5555/undated.1",
    ),
}


@pytest.mark.parametrize("fmt", FILES)
def test_a_record_with_an_identifier_but_no_year_is_kept_as_an_undated_draft(fmt):
    name, text, _, ident = FILES[fmt]
    report = citations_import(filename=name, content=text.encode())
    assert report.format == fmt
    assert [line.outcome for line in report.lines] == [
        ImportOutcome.CREATED,
        ImportOutcome.SKIPPED,
        ImportOutcome.CREATED,
    ]
    study = Study.objects.get(pk=report.lines[0].study.pk)
    assert study.year is None
    assert study.status == StudyStatus.DRAFT
    assert ident.split()[1] in (study.doi, study.pmid)
    assert study.short_label() == "Tester n.d."
    assert study.citation_key == "tester"
    assert f"no year of publication: look it up by {ident}" in str(report.lines[0])
    assert Study.objects.get(pk=report.lines[2].study.pk).year == 2020


@pytest.mark.parametrize("fmt", FILES)
def test_a_record_with_neither_year_nor_identifier_is_skipped_with_reason_file_and_line(fmt):
    name, text, line_number, _ = FILES[fmt]
    report = citations_import(filename=name, content=text.encode())
    skipped = report.lines[1]
    assert skipped.outcome == ImportOutcome.SKIPPED
    assert skipped.reason == NO_YEAR_NOR_ID
    where = f"{name}, record 2" + (f" (line {line_number})" if line_number else "")
    assert str(skipped).startswith(where + ", no author n.d.: A test record with neither")
    assert str(skipped).endswith(f"skipped, {NO_YEAR_NOR_ID}")
    assert not Study.objects.filter(title__contains="neither").exists()


def test_a_year_out_of_range_counts_as_none_and_the_record_is_kept_by_its_doi():
    items = [
        {
            "title": "A test record dated 1700",
            "DOI": "10.5555/old.1",
            "issued": {"date-parts": [[1700]]},
        },
        {"title": "A test record dated 1700 without a DOI", "issued": {"date-parts": [[1700]]}},
    ]
    report = citations_import(filename="old.json", content=json.dumps(items).encode())
    kept, skipped = report.lines
    assert kept.outcome == ImportOutcome.CREATED and kept.study.year is None
    assert any(note.startswith("no year of publication") for note in kept.notes)
    assert skipped.outcome == ImportOutcome.SKIPPED and skipped.reason == NO_YEAR_NOR_ID


# De-duplication ----------------------------------------------------------------------------


def _ris(*records: str) -> bytes:
    return "".join(f"TY  - JOUR\n{r}ER  - \n\n" for r in records).encode()


def test_two_undated_records_with_the_same_title_but_other_dois_are_both_kept_and_flagged():
    content = _ris(
        "TI  - A test record twice\nDO  - 10.5555/twice.1\n",
        "TI  - A test record twice\nDO  - 10.5555/twice.2\n",
    )
    report = citations_import(filename="twice.ris", content=content)
    first, second = report.lines
    assert (first.outcome, second.outcome) == (ImportOutcome.CREATED, ImportOutcome.CREATED)
    assert Study.objects.filter(title="A test record twice").count() == 2
    assert any("same title as record 1 (line 1) in this file" in n for n in second.notes)


def test_an_undated_record_is_not_merged_into_a_dated_study_by_title_alone():
    dated = StudyFactory(title="A test record once dated", year=2019, doi="10.5555/dated.1")
    content = _ris("TI  - A test record once dated\nDO  - 10.5555/other.1\n")
    [line] = citations_import(filename="undated.ris", content=content).lines
    assert line.outcome == ImportOutcome.CREATED
    assert any(f"same title as study {dated.pk} (2019)" in note for note in line.notes)


def test_an_undated_record_is_found_present_by_its_doi():
    existing = StudyFactory(year=2019, doi="10.5555/known.1")
    [line] = citations_import(
        filename="known.ris", content=_ris("TI  - Another title\nDO  - 10.5555/known.1\n")
    ).lines
    assert (line.outcome, line.study) == (ImportOutcome.PRESENT, existing)


def test_an_undated_study_is_found_present_again_by_its_identifier_on_a_second_import():
    content = FILES["medline"][1].encode()
    citations_import(filename="a.nbib", content=content)
    again = citations_import(filename="b.nbib", content=content)
    assert [line.outcome for line in again.lines] == [
        ImportOutcome.PRESENT,
        ImportOutcome.SKIPPED,
        ImportOutcome.PRESENT,
    ]
    assert Study.objects.count() == 2


# Labels, references, exports ---------------------------------------------------------------


def _undated(**values) -> Study:
    defaults = {
        "title": "A test record with no year",
        "authors": ["Dhurat R"],
        "journal": "Journal of Test Records",
        "year": None,
        "volume": "5",
        "issue": "1",
        "pages": "6-11",
        "doi": "10.5555/nodate.1",
        "status": StudyStatus.DRAFT,
        "design": "",
    }
    return StudyFactory(**(defaults | values))


def test_the_references_of_an_undated_study_print_no_date_as_each_style_does():
    study = _undated()
    assert study.short_label() == "Dhurat n.d."
    assert "issued" not in study.csl_item()
    nlm, apa = study.formatted_reference("nlm"), study.formatted_reference("apa")
    assert "None" not in nlm and "None" not in apa
    assert nlm.startswith("Dhurat R. A test record with no year. Journal of Test Records")
    assert "(n.d.)" in apa


def test_exports_leave_the_year_out_and_read_back_without_one():
    study = _undated()
    bibtex, ris, csljson = to_bibtex([study]), to_ris([study]), to_csljson([study])
    assert not re.search(r"\byear\s*=", bibtex)
    assert "PY  -" not in ris and "issued" not in csljson
    for name, text in (("r.bib", bibtex), ("r.ris", ris), ("r.json", csljson)):
        Study.objects.all().delete()
        [line] = citations_import(filename=name, content=text.encode()).lines
        assert line.outcome == ImportOutcome.CREATED, (name, str(line))
        again = Study.objects.get()
        assert (again.year, again.doi, again.title) == (None, study.doi, study.title)


def test_the_spreadsheets_leave_an_undated_study_s_year_empty():
    study = _undated()
    rows = list(csv.DictReader(io.StringIO(to_csv([study]))))
    assert rows[0]["year"] == "" and rows[0]["label"] == "Dhurat n.d."
    sheet = load_workbook(io.BytesIO(to_xlsx([study])))["Studies"]
    header = [cell.value for cell in sheet[1]]
    assert sheet.cell(row=2, column=header.index("year") + 1).value is None


# The workflow ------------------------------------------------------------------------------


def test_an_undated_draft_cannot_be_submitted_until_its_year_is_set(curator):
    study = _undated(design="rct")
    with pytest.raises(WorkflowError, match="Set the year of publication"):
        study_submit(study=study, by=curator)
    study.year = 2013
    study.save()
    assert study_submit(study=study, by=curator).status == StudyStatus.REVIEW


def test_the_admin_lists_undated_drafts_after_dated_studies(admin_client):
    _undated(title="An undated test record")
    StudyFactory(title="An older test record", year=1990)
    response = admin_client.get("/admin/studies/study/")
    page = response.content.decode()
    assert response.status_code == 200
    assert page.index("An older test record") < page.index("An undated test record")


def test_every_imported_study_has_one_creation_history_row_holding_its_values(curator):
    name, text, _, _ = FILES["csljson"]
    report = citations_import(filename=name, content=text.encode(), by=curator)
    created = [line.study for line in report.lines if line.outcome == ImportOutcome.CREATED]
    fields = [f.attname for f in Study._meta.concrete_fields]
    for study in created:
        [row] = Study.history.filter(id=study.pk)
        saved = Study.objects.get(pk=study.pk)
        assert (row.history_type, row.history_user, row.history_change_reason) == (
            "+",
            curator,
            f"Imported from {name}",
        )
        assert {f: getattr(row, f) for f in fields} == {f: getattr(saved, f) for f in fields}


def test_a_failure_while_writing_the_history_leaves_no_study_behind(monkeypatch):
    from django.db import IntegrityError

    from studies import services

    def fail(*args, **kwargs):
        raise IntegrityError("the history table refused the rows")

    real_insert = services._insert_rows

    def insert(model, *args, **kwargs):
        if model is Study.history.model:
            fail()
        return real_insert(model, *args, **kwargs)

    monkeypatch.setattr(services, "_insert_rows", insert)
    monkeypatch.setattr(services, "_copy_rows", fail)
    name, text, _, _ = FILES["ris"]
    with pytest.raises(IntegrityError):
        citations_import(filename=name, content=text.encode())
    assert Study.objects.count() == 0
    assert Study.history.count() == 0
