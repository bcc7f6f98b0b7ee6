"""Uploads that cannot hurt the server: every malformed input gets a message and writes nothing.

Each case goes through the service (what the worker, the command and any API call) and the
admin upload page (what a curator sees), on whichever database the suite runs on; the NUL byte
cases are the ones PostgreSQL itself would refuse.
"""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from studies.importers import CitationFileError, read_citations
from studies.models import ImportJob, ImportJobStatus, Study
from studies.services import citations_import

pytestmark = pytest.mark.django_db


def csl(**item) -> bytes:
    base = {"id": "item1", "title": "A title", "issued": {"date-parts": [[2020]]}}
    return json.dumps([{**base, **item}]).encode()


RIS_OK = "TY  - JOUR\nAU  - Wang, Li\nTI  - {title}\nPY  - 2020\nER  - \n"

MALFORMED = {
    "deep_json": ("deep.json", b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
    "deep_json_object": ("deep.json", b'{"a":' * 50_000 + b"1" + b"}" * 50_000, "nested too deep"),
    "date_parts_flat": (
        "flat.json",
        csl(issued={"date-parts": [2020, 1]}),
        "“date-parts” must be a list of lists",
    ),
    "date_parts_text": (
        "text.json",
        csl(issued={"date-parts": "2020"}),
        "“date-parts” must be a list of lists",
    ),
    "date_parts_year_object": (
        "year.json",
        csl(issued={"date-parts": [[{"y": 2020}]]}),
        "the year in “date-parts” must be a number, not an object",
    ),
    "title_object": ("title.json", csl(title={"x": 1}), "“title” must be text, not an object"),
    "title_true": ("title.json", csl(title=True), "“title” must be text, not true/false"),
    "journal_list_of_objects": (
        "journal.json",
        csl(**{"container-title": [{"x": 1}]}),
        "“container-title” must be text, not a list",
    ),
    "author_not_list": ("author.json", csl(author="Wang"), "“author” must be a list of names"),
    "author_family_object": (
        "author.json",
        csl(author=[{"family": {"x": 1}}]),
        "“author family” must be text, not an object",
    ),
    "nul_escaped_in_json": (
        "nul.json",
        csl(title="Before\u0000after"),
        "its title holds the control character U+0000 (NUL)",
    ),
    "bell_escaped_in_json_author": (
        "bell.json",
        csl(author=[{"family": "Wa\u0007ng", "given": "Li"}]),
        "its authors holds the control character U+0007",
    ),
    "lone_surrogate_in_json": (
        "surrogate.json",
        b'[{"title": "A \\ud800 title", "issued": {"date-parts": [[2020]]}}]',
        "holds the control character U+D800",
    ),
    "nul_in_ris": (
        "nul.ris",
        RIS_OK.format(title="Before\x00after").encode(),
        "Line 3 holds the control character U+0000 (NUL)",
    ),
    "nul_in_bibtex": (
        "nul.bib",
        b"@article{wang2020,\n  title = {Be\x00fore},\n  year = {2020}\n}\n",
        "Line 2 holds the control character U+0000 (NUL)",
    ),
    "escape_char_in_ris": (
        "esc.ris",
        RIS_OK.format(title="Colour \x1b[31mred").encode(),
        "U+001B",
    ),
    "entity_bomb_xml": (
        "bomb.xml",
        b'<?xml version="1.0"?>\n<!DOCTYPE PubmedArticleSet [\n <!ENTITY a "aaaaaaaaaa">\n'
        + b"".join(
            f' <!ENTITY a{i} "{("&a" + (str(i - 1) if i > 1 else "") + ";") * 10}">\n'.encode()
            for i in range(1, 9)
        )
        + b"]>\n<PubmedArticleSet><PubmedArticle>&a8;</PubmedArticle></PubmedArticleSet>\n",
        "declares entities",
    ),
    "external_entity_xml": (
        "xxe.xml",
        b'<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>\n'
        b"<PubmedArticleSet>&e;</PubmedArticleSet>\n",
        "declares entities",
    ),
}


@pytest.mark.parametrize(("filename", "content", "words"), MALFORMED.values(), ids=MALFORMED)
def test_a_malformed_file_is_refused_with_a_message_and_writes_nothing(filename, content, words):
    with pytest.raises(CitationFileError) as raised:
        citations_import(filename=filename, content=content)
    assert words in str(raised.value)
    assert not Study.objects.exists()


def test_a_title_that_is_an_object_is_never_stored_as_its_python_text():
    with pytest.raises(CitationFileError):
        citations_import(filename="t.json", content=csl(title={"x": 1}))
    assert not Study.objects.filter(title__contains="{'x'").exists()


def test_csl_text_fields_may_be_numbers_and_crossref_title_lists():
    content = csl(title=["A Crossref title"], volume=5, page=10, issue=2)
    _, [record] = read_citations("crossref.json", content)
    assert (record.title, record.volume, record.issue, record.pages) == (
        "A Crossref title",
        "5",
        "2",
        "10",
    )


def test_whitespace_control_characters_are_collapsed_not_refused():
    content = RIS_OK.format(title="Tabbed\tand\x0bvertical").encode()
    _, [record] = read_citations("ws.ris", content)
    assert record.title == "Tabbed and vertical"


def test_a_record_further_down_is_named_when_it_holds_a_nul():
    items = [
        {"title": f"Title {i}", "issued": {"date-parts": [[2020]]}, "author": [{"family": "W"}]}
        for i in range(3)
    ]
    items[2]["title"] = "Bad\u0000title"
    with pytest.raises(CitationFileError, match="Record 3: its title holds"):
        citations_import(filename="three.json", content=json.dumps(items).encode())
    assert not Study.objects.exists()


def test_a_file_over_the_limit_is_refused_saying_the_limit(settings):
    settings.CITATION_UPLOAD_MAX_BYTES = 1000
    content = b"".join(RIS_OK.format(title=f"Title {i}").encode() for i in range(40))
    assert len(content) > 1000
    with pytest.raises(CitationFileError, match="over the 1 kB limit"):
        citations_import(filename="big.ris", content=content)
    assert not Study.objects.exists()


# Through the admin ---------------------------------------------------------------------------


def post(client, name: str, content: bytes):
    upload = SimpleUploadedFile(name, content)
    return client.post(reverse("admin:studies_study_import"), {"files": [upload]}, follow=True)


@pytest.mark.parametrize(
    "case", ["deep_json", "date_parts_flat", "title_object", "nul_in_ris", "nul_escaped_in_json"]
)
def test_a_malformed_upload_shows_the_message_on_the_job_page_not_a_server_error(
    client, curator, case
):
    filename, content, words = MALFORMED[case]
    client.force_login(curator)
    response = post(client, filename, content)
    page = response.content.decode()
    assert response.status_code == 200
    assert f"{filename}: not imported, nothing written." in page
    assert words.replace("“", "&ldquo;")[:10] in page or words[:10] in page
    assert not Study.objects.exists()
    job = ImportJob.objects.get()
    assert job.status == ImportJobStatus.FAILED
    assert words in job.error
    assert not job.upload


def test_the_upload_page_says_the_size_limit(client, curator, settings):
    settings.CITATION_UPLOAD_MAX_BYTES = 5_000_000
    client.force_login(curator)
    page = client.get(reverse("admin:studies_study_import")).content.decode()
    assert "up to <strong>5 MB</strong>" in page


def test_an_upload_over_the_limit_is_refused_before_it_is_stored(client, curator, settings):
    settings.CITATION_UPLOAD_MAX_BYTES = 100_000
    client.force_login(curator)
    content = b"".join(RIS_OK.format(title=f"Title {i}").encode() for i in range(2000))
    response = post(client, "big.ris", content)
    page = response.content.decode()
    assert response.status_code == 200
    assert "big.ris: not imported" in page
    assert "over the 100 kB limit" in page
    assert not ImportJob.objects.exists()
    assert not Study.objects.exists()
