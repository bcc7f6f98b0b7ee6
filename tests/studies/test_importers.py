"""Reading citation files: every format, and every messy case real exports have."""

from pathlib import Path

import pytest

from studies.importers import CitationFileError, read_citations

DATA = Path(__file__).resolve().parent.parent / "data"


def read(name: str):
    return read_citations(name, (DATA / name).read_bytes())


def test_ris_with_several_au_lines_keeps_every_author_in_order():
    fmt, records = read("seed_three.ris")
    assert fmt == "ris"
    assert records[0].authors == [
        "Rachita Dhurat",
        "MS Sukesh",
        "Ganesh Avhad",
        "Ameet Dandale",
        "Anjali Pal",
        "Poonam Pund",
    ]
    assert (records[0].journal, records[0].volume, records[0].issue) == (
        "International Journal of Trichology",
        "5",
        "1",
    )
    assert records[0].pages == "6-11"
    assert records[0].pmid == "23960389"


def test_a_doi_given_as_a_url_is_read_as_a_bare_lower_case_doi():
    _, records = read("seed_three.ris")
    assert records[1].doi == "10.4103/jcas.jcas_130_17"


def test_a_record_without_a_doi_is_read_with_an_empty_doi():
    _, records = read("seed_three.ris")
    assert records[2].title.startswith("Does microneedling with 5% minoxidil")
    assert records[2].doi == ""


def test_records_carry_their_number_and_first_line_for_the_report():
    _, records = read("seed_three.ris")
    assert [(r.number, r.line) for r in records] == [(1, 1), (2, 19), (3, 34)]
    assert records[1].label == "record 2 (line 19)"


def test_non_ascii_author_names_survive_ris():
    _, records = read("non_ascii_names.ris")
    assert records[0].authors == [
        "Jürgen Müller",
        "Åse Ødegård",
        "Thị Minh Nguyễn",
        "Zoë Łukasiewicz",
    ]


def test_bibtex_accents_and_protective_braces_are_decoded():
    fmt, records = read("braces_and_accents.bib")
    assert fmt == "bibtex"
    fake = records[0]
    assert fake.title == "Test record: LaTeX braces and áccents in a BibTeX file"
    assert fake.authors == ["Jürgen Müller", "Renée François", "Åse Ødegård"]
    assert fake.doi == "10.5555/test.2"
    assert fake.pages == "10-19"
    assert records[1].pmid == "23960389"


def test_the_same_bibtex_key_twice_gives_two_records_not_an_error():
    _, records = read("same_key_twice.bib")
    assert len(records) == 2
    assert records[1].authors[0] == "Rachita Dhurat"
    assert records[1].line == 9


def test_pubmed_xml_gives_title_authors_and_identifiers(bibliography):
    fmt, records = read("seed_two.xml")
    assert fmt == "pubmed"
    aust = records[1]
    seed = next(r for r in bibliography if r["short_key"] == "aust2008rat")
    assert aust.title == seed["title"]
    assert aust.authors == seed["authors"]
    assert aust.pmid == "18971740"
    assert aust.doi == "10.1097/prs.0b013e318188245e"
    assert aust.authors[0] == "Mathias C. Aust"
    assert records[0].title.endswith("A Pilot Study")  # PubMed's closing full stop dropped


def test_pubmed_abbreviated_page_ranges_are_expanded():
    xml = (DATA / "seed_two.xml").read_text().replace("1553-1563", "1553-63")
    _, records = read_citations("x.xml", xml.encode())
    assert records[1].pages == "1553-1563"


def test_pubmed_publication_type_sets_the_design():
    xml = b"""<PubmedArticleSet><PubmedArticle><MedlineCitation><PMID>1</PMID><Article>
    <Journal><JournalIssue><PubDate><Year>2020</Year></PubDate></JournalIssue>
    <Title>Journal of Test Records</Title></Journal><ArticleTitle>Test record</ArticleTitle>
    <PublicationTypeList><PublicationType>Journal Article</PublicationType>
    <PublicationType>Randomized Controlled Trial</PublicationType></PublicationTypeList>
    </Article></MedlineCitation></PubmedArticle></PubmedArticleSet>"""
    _, records = read_citations("test.xml", xml)
    assert records[0].design == "rct"


def test_csl_json_gives_names_year_and_identifiers():
    fmt, records = read("seed_two.json")
    assert fmt == "csljson"
    assert records[0].authors[0] == "Guang-Ri Jin"
    assert records[0].year == 2023
    assert records[0].doi == "10.1159/000528403"
    assert records[1].pages == "905140"


def test_the_format_is_found_from_the_content_whatever_the_extension():
    content = (DATA / "seed_three.ris").read_bytes()
    fmt, records = read_citations("export.txt", content)
    assert fmt == "ris"
    assert len(records) == 3


@pytest.mark.parametrize(
    ("name", "line", "words"),
    [
        ("truncated.ris", 19, "Record 2 starting at line 19 has no end line"),
        ("truncated.bib", 8, "starting at line 8 cannot be read"),
        ("truncated.xml", 18, "breaks at line 18"),
        ("truncated.json", 45, "breaks at line 45"),
    ],
)
def test_a_truncated_file_names_the_record_and_line_at_fault(name, line, words):
    with pytest.raises(CitationFileError) as error:
        read(name)
    assert error.value.line == line
    assert words in str(error.value)


def test_an_empty_file_is_refused_with_a_clear_message():
    with pytest.raises(CitationFileError, match="The file is empty"):
        read("empty.ris")


def test_a_file_in_the_wrong_format_says_what_was_expected():
    with pytest.raises(CitationFileError, match=r"named \.ris but does not contain RIS"):
        read("wrong_format.ris")


def test_a_binary_file_is_refused_as_not_text():
    with pytest.raises(CitationFileError, match="not UTF-8 text"):
        read_citations("scan.ris", b"TY  - JOUR\n\xff\xfe\x00binary")


def test_xml_that_is_not_pubmed_is_refused():
    with pytest.raises(CitationFileError, match="not a PubMed efetch export"):
        read_citations("feed.xml", b"<rss><channel/></rss>")


def test_a_csl_json_item_that_is_not_an_object_is_named():
    with pytest.raises(CitationFileError, match="Record 2 is not a CSL-JSON item"):
        read_citations("x.json", b'[{"title": "Test record"}, "Test record"]')
