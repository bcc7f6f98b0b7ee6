"""Citation keys stay valid BibTeX however many studies share a first author and year."""

import re

import pytest
from django.urls import reverse

from studies.citations import parse_name
from studies.exporters import to_bibtex, to_ris
from studies.importers import read_citations
from studies.importers.records import ascii_key, citation_key_base, key_suffix
from studies.models import Study, StudyDesign, StudyStatus
from studies.services import citations_import
from tests.factories import StudyFactory

pytestmark = pytest.mark.django_db
KEY = re.compile(r"^[a-z0-9]+$")  # as stored
EXPORTED_KEY = re.compile(r"^[A-Za-z0-9_]+$")  # as exported: Wang_2020, Wang_2020a …


def wang_2020(n: int) -> bytes:
    """n plainly fake RIS records, all first-authored by Wang in 2020, each its own title."""
    return "".join(
        f"TY  - JOUR\nAU  - Wang, Li\nAU  - Tester{i}, Ada\nTI  - Fake test record {i}\n"
        f"T2  - Journal of Test Records\nPY  - 2020\nSP  - {i}\nER  - \n\n"
        for i in range(1, n + 1)
    ).encode()


def test_suffixes_run_a_to_z_then_aa():
    assert [key_suffix(n) for n in (0, 1, 2, 26, 27, 28, 52, 53, 702, 703)] == [
        "",
        "a",
        "b",
        "z",
        "aa",
        "ab",
        "az",
        "ba",
        "zz",
        "aaa",
    ]


def test_a_key_base_is_ascii_letters_and_digits_whatever_the_name():
    def base(name: str, year: int) -> str:
        return citation_key_base([parse_name(name)], year)

    assert base("Jürgen Müller", 2020) == "muller2020"
    assert base("Zoë Łukasiewicz", 2019) == "ukasiewicz2019"
    assert base("李 王", 2020) == "anon2020"
    assert base("Anne O'Brien-Smith", 2001) == "obriensmith2001"
    assert base("Jan van der Berg", 2001) == "vanderberg2001"
    assert ascii_key("wang2020{") == "wang2020"


def test_sixty_wang_2020_studies_get_sixty_valid_distinct_keys():
    citations_import(filename="wang.ris", content=wang_2020(60))
    keys = list(Study.objects.order_by("pk").values_list("citation_key", flat=True))
    assert len(set(keys)) == 60
    assert all(KEY.match(k) for k in keys)
    assert keys[:3] == ["wang2020", "wang2020a", "wang2020b"]
    assert keys[26:29] == ["wang2020z", "wang2020aa", "wang2020ab"]


def test_a_second_import_continues_after_the_keys_already_taken():
    citations_import(filename="first.ris", content=wang_2020(27))
    more = wang_2020(30).replace(b"Fake test record", b"Another fake record")
    citations_import(filename="second.ris", content=more)
    keys = set(Study.objects.values_list("citation_key", flat=True))
    assert len(keys) == 57
    assert {"wang2020z", "wang2020aa", "wang2020ad"} <= keys
    assert all(KEY.match(k) for k in keys)


@pytest.mark.parametrize(("export", "filename"), [(to_bibtex, "out.bib"), (to_ris, "out.ris")])
def test_sixty_wang_2020_studies_export_and_parse_back_as_sixty_records(export, filename):
    citations_import(filename="wang.ris", content=wang_2020(60))
    text = export(Study.objects.order_by("pk"))
    _, records = read_citations(filename, text.encode())
    assert len(records) == 60
    assert sorted(r.title for r in records) == sorted(Study.objects.values_list("title", flat=True))
    if export is to_bibtex:
        keys = re.findall(r"^@article\{([^,]*),", text, flags=re.M)
        assert len(set(keys)) == 60 and all(EXPORTED_KEY.match(k) for k in keys)
        assert keys[:2] == ["Wang_2020", "Wang_2020a"] and keys[27] == "Wang_2020aa"


def test_the_curators_export_with_citation_keys_keeps_sixty_valid_distinct_keys():
    citations_import(filename="wang.ris", content=wang_2020(60))
    text = to_bibtex(Study.objects.order_by("pk"), citation_keys=True)
    keys = re.findall(r"^@article\{([^,]*),", text, flags=re.M)
    assert keys == list(Study.objects.order_by("pk").values_list("citation_key", flat=True))
    assert len(read_citations("out.bib", text.encode())[1]) == 60


def test_stored_keys_that_are_not_valid_bibtex_are_exported_as_valid_distinct_keys():
    # What the old key generator stored after "z": "{", "|", "}", "~", DEL.
    for key in ["wang2020z", "wang2020{", "wang2020|", "wang2020}", "wang2020~", "wang2020\x7f"]:
        StudyFactory(citation_key=key, authors=["Li Wang"], year=2020)
    text = to_bibtex(Study.objects.order_by("pk"), citation_keys=True)
    keys = re.findall(r"^@article\{([^,]*),", text, flags=re.M)
    assert len(set(keys)) == 6 and all(KEY.match(k) for k in keys)
    _, records = read_citations("out.bib", text.encode())
    assert len(records) == 6


@pytest.mark.parametrize(("url", "extension"), [("bibtex", "bib"), ("ris", "ris")])
def test_the_public_downloads_of_the_31st_and_later_wang_2020_never_fail(client, url, extension):
    citations_import(filename="wang.ris", content=wang_2020(35))
    Study.objects.update(status=StudyStatus.PUBLISHED, design=StudyDesign.RCT)
    for study in Study.objects.order_by("pk")[29:]:
        response = client.get(reverse(f"studies:{url}", kwargs={"pk": study.pk}))
        assert response.status_code == 200
        disposition = f'attachment; filename="study-{study.pk}.{extension}"'
        assert response["Content-Disposition"] == disposition
        _, [record] = read_citations(f"one.{extension}", response.content)
        assert record.title == study.title
