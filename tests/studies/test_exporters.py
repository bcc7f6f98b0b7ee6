"""Export to BibTeX, RIS, CSL-JSON and the spreadsheet, and the round trip back through the
importer."""

import csv
import io
import json

import pytest

from studies.exporters import to_bibtex, to_csljson, to_csv, to_ris, to_xlsx
from studies.models import Study
from studies.services import ImportOutcome, citations_import
from tests.factories import OutcomeFactory, StudyFactory

pytestmark = pytest.mark.django_db

FIELDS = ["title", "author_names", "year", "journal", "volume", "issue", "pages", "doi", "pmid"]


def seed_studies(bibliography) -> list[Study]:
    """Every seed record with a title, as studies (the real citations, nothing invented)."""
    return [
        StudyFactory(
            title=r["title"],
            authors=r["authors"] or [],
            journal=r["journal"] or "",
            year=r["year"],
            volume=r["volume"] or "",
            issue=r["issue"] or "",
            pages=r["pages"] or "",
            doi=r["doi"] or "",
            pmid=r["pmid"] or "",
            citation_key=r["short_key"],
        )
        for r in bibliography
        if r["title"]
    ]


def snapshot(studies) -> list[tuple]:
    # JSON with sorted keys: PostgreSQL's jsonb keeps a name's parts in its own order.
    return sorted(tuple(json.dumps(getattr(s, f), sort_keys=True) for f in FIELDS) for s in studies)


@pytest.mark.parametrize(("export", "filename"), [(to_bibtex, "out.bib"), (to_ris, "out.ris")])
def test_exported_studies_import_back_into_an_empty_database_as_the_same_records(
    bibliography, export, filename
):
    studies = seed_studies(bibliography)
    before = snapshot(studies)
    content = export(Study.objects.all()).encode()
    Study.objects.all().delete()

    report = citations_import(filename=filename, content=content)

    assert [ln.outcome for ln in report.lines] == [ImportOutcome.CREATED] * len(studies)
    assert snapshot(Study.objects.all()) == before


def test_bibtex_export_escapes_the_percent_sign_so_titles_are_not_cut(bibliography):
    studies = [s for s in seed_studies(bibliography) if "%" in s.title]
    text = to_bibtex(studies)
    assert r"5\%" in text


def test_ris_export_has_one_au_line_per_author_family_name_first():
    study = StudyFactory(authors=["Ada Tester", "Ben Example"], pages="6-11")
    text = to_ris([study])
    assert "AU  - Tester, Ada\nAU  - Example, Ben" in text
    assert "SP  - 6\nEP  - 11" in text


# Round trips with everything curators keep -------------------------------------------------

ROUND_TRIP_FIELDS = [
    "title",
    "author_names",
    "year",
    "journal",
    "volume",
    "issue",
    "pages",
    "doi",
    "pmid",
    "pmcid",
    "url",
    "abstract",
    "keywords",
    "language",
    "record_type",
]


def rich_studies() -> list[Study]:
    """One test study of each record type, with the shapes that used to be lost."""
    common = {
        "abstract": "BACKGROUND: A 5% test & more.\n\nRESULTS: Test results.",
        "keywords": ["test keyword", "second keyword"],
        "language": "eng",
        "url": "https://example.org/record?a=1&b=2",
    }
    return [
        StudyFactory(
            record_type=kind,
            title=f"A test {kind}: 5% saline & water",
            authors=authors,
            journal=f"Test {kind} container",
            year=2010 + number,
            volume=str(number),
            issue="2",
            pages="6-11",
            doi=f"10.1000/test.{kind}%2F{number}",
            pmid=str(12345600 + number),
            pmcid=f"PMC12345{number}",
            **common,
        )
        for number, (kind, authors) in enumerate(
            [
                ("article", ["van der Berg J", "English RS Jr", "Liu R"]),
                ("review", ["Robert S English Jr"]),
                ("book", ["Jan van der Berg"]),
                ("chapter", ["Liu R"]),
                ("thesis", ["Ada Tester"]),
                ("preprint", ["Ben Example", "Ada Tester"]),
            ],
            start=1,
        )
    ]


def rich_snapshot(studies) -> list[tuple]:
    return sorted(
        tuple(json.dumps(getattr(s, f), sort_keys=True) for f in ROUND_TRIP_FIELDS) for s in studies
    )


@pytest.mark.parametrize(
    ("export", "filename"),
    [(to_bibtex, "out.bib"), (to_ris, "out.ris"), (to_csljson, "out.json")],
)
def test_import_export_import_gives_the_same_studies_field_by_field(export, filename):
    studies = rich_studies()
    before = rich_snapshot(studies)
    content = export(Study.objects.order_by("pk")).encode()
    Study.objects.all().delete()

    report = citations_import(filename=filename, content=content)

    assert [ln.outcome for ln in report.lines] == [ImportOutcome.CREATED] * len(studies)
    assert [ln.notes for ln in report.lines] == [[]] * len(studies)
    assert rich_snapshot(Study.objects.all()) == before


def test_each_record_type_goes_out_as_the_formats_own_entry_type():
    studies = rich_studies()
    bibtex, ris = to_bibtex(studies), to_ris(studies)
    for entry in ["@article{", "@book{", "@incollection{", "@phdthesis{", "@unpublished{"]:
        assert entry in bibtex
    for kind in ["TY  - JOUR", "TY  - BOOK", "TY  - CHAP", "TY  - THES", "TY  - UNPB"]:
        assert kind in ris
    types = [item["type"] for item in json.loads(to_csljson(studies))]
    assert types == ["article-journal", "article-journal", "book", "chapter", "thesis", "article"]


def test_ris_keeps_the_pmcid_and_the_doi_url_and_the_abstract():
    [study] = rich_studies()[:1]
    ris = to_ris([study])
    assert "C2  - PMC123451" in ris
    assert "UR  - https://doi.org/10.1000/test.article%2f1" in ris
    assert "AB  - BACKGROUND: A 5% test & more. RESULTS: Test results." in ris


def test_bibtex_keeps_percent_and_ampersand_in_dois_and_urls_as_they_are():
    [study] = rich_studies()[:1]
    bibtex = to_bibtex([study])
    assert "doi = {10.1000/test.article%2f1}" in bibtex
    assert "url = {https://example.org/record?a=1&b=2}" in bibtex
    assert r"5\% saline \& water" in bibtex


# The studies-and-outcomes spreadsheet --------------------------------------------------------


def test_the_csv_has_one_row_per_outcome_and_one_for_a_study_without_outcomes():
    with_outcomes, without = StudyFactory(authors=["van der Berg J"]), StudyFactory()
    OutcomeFactory(study=with_outcomes, measure="hair count", estimate=1.5)
    OutcomeFactory(study=with_outcomes, measure="=HYPERLINK(1)")

    rows = list(csv.reader(io.StringIO(to_csv([with_outcomes, without]).lstrip("\ufeff"))))

    header, *body = rows
    assert header[:3] == ["study", "label", "title"] and "outcome" in header
    assert [row[header.index("outcome")] for row in body] == ["hair count", "'=HYPERLINK(1)", ""]
    assert body[0][1] == "van der Berg 2020"
    assert body[0][header.index("estimate")] == "1.5"


def test_the_xlsx_opens_with_one_row_per_study_and_one_per_outcome():
    from openpyxl import load_workbook

    first, second = StudyFactory(), StudyFactory()
    OutcomeFactory(study=first, estimate=2.0)
    OutcomeFactory(study=first)
    OutcomeFactory(study=second)

    book = load_workbook(io.BytesIO(to_xlsx(Study.objects.order_by("pk"))))

    assert book.sheetnames == ["Studies", "Outcomes"]
    assert book["Studies"].max_row == 1 + 2
    assert book["Outcomes"].max_row == 1 + 3
    header = [cell.value for cell in book["Outcomes"][1]]
    estimate = book["Outcomes"].cell(row=2, column=header.index("estimate") + 1)
    assert estimate.value == 2.0  # a number stays a number


def test_the_export_command_writes_each_format(tmp_path):
    from django.core.management import call_command

    StudyFactory(authors=["van der Berg J"], abstract="A test abstract.")
    for fmt, name in [
        ("csljson", "s.json"),
        ("bibtex", "s.bib"),
        ("ris", "s.ris"),
        ("csv", "s.csv"),
        ("xlsx", "s.xlsx"),
    ]:
        call_command("export_studies", format=fmt, output=str(tmp_path / name))
        assert (tmp_path / name).stat().st_size > 0
    item = json.loads((tmp_path / "s.json").read_text())[0]
    assert item["author"] == [{"family": "Berg", "non-dropping-particle": "van der", "given": "J"}]
    assert item["abstract"] == "A test abstract."
