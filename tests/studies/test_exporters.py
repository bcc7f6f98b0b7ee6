"""Export to BibTeX and RIS, and the round trip back through the importer."""

import pytest

from studies.exporters import to_bibtex, to_ris
from studies.models import Study
from studies.services import ImportOutcome, citations_import
from tests.factories import StudyFactory

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
    return sorted(tuple(str(getattr(s, f)) for f in FIELDS) for s in studies)


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
