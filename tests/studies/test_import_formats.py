"""What reference managers and databases really export: each shape that used to be refused,
cut or dropped, read right. Every input here is test data written from the format's own
specification (BibTeX, RIS, MEDLINE/PubMed, PubMed XML DTD, CSL-JSON); no real record."""

import pytest

from studies.importers import detect_format, read_citations
from studies.models import Study
from studies.services import ImportOutcome, citations_import

# BibTeX --------------------------------------------------------------------------------------

BIBTEX_SIGNS = r"""
@article{test2020,
  author = {van der Berg, Jan and English, Jr, Robert S. and Liu, R.},
  title = {Five percent: 5% saline in {Skin} & hair, caf\'e test},
  journal = {Journal of Skin & Hair Tests},
  year = {2020},
  doi = {10.1000/ab%2Fc},
  url = {https://example.org/test?a=1&b=5%25},
  eprint = {test%1&2},
}
"""


def test_bibtex_keeps_ampersand_and_percent_in_text_and_decodes_latex_there_only():
    _, [record] = read_citations("t.bib", BIBTEX_SIGNS.encode())
    assert record.title == "Five percent: 5% saline in Skin & hair, café test"
    assert record.journal == "Journal of Skin & Hair Tests"


def test_bibtex_never_decodes_latex_in_a_doi_or_url():
    _, [record] = read_citations("t.bib", BIBTEX_SIGNS.encode())
    assert record.doi == "10.1000/ab%2fc"
    assert record.url == "https://example.org/test?a=1&b=5%25"


def test_bibtex_names_are_split_by_bibtex_rules_into_family_particle_given_suffix():
    _, [record] = read_citations("t.bib", BIBTEX_SIGNS.encode())
    assert record.names == [
        {"family": "Berg", "non-dropping-particle": "van der", "given": "Jan"},
        {"family": "English", "given": "Robert S.", "suffix": "Jr"},
        {"family": "Liu", "given": "R."},
    ]


WOS_BIBTEX = """
@Article{ WOS:000000000000001,
Author = {Tester, Ada and Example, Ben},
Title = {{A test record with capitalised field names}},
Journal = {{TEST JOURNAL}},
Year = {{2021}},
Volume = {{12}},
Pages = {{41-60}},
DOI = {{10.1000/wos.test}},
Abstract = {{BACKGROUND: A test. RESULTS: It worked.}},
Unique-ID = {{WOS:000000000000001}},
}
"""


def test_web_of_science_bibtex_with_capitalised_field_names_is_read():
    fmt, [record] = read_citations("savedrecs.bib", WOS_BIBTEX.encode())
    assert fmt == "bibtex"
    assert (record.title, record.year, record.volume, record.doi) == (
        "A test record with capitalised field names",
        2021,
        "12",
        "10.1000/wos.test",
    )
    assert record.authors == ["Ada Tester", "Ben Example"]
    assert record.abstract == "BACKGROUND: A test.\n\nRESULTS: It worked."


SCOPUS_BIBTEX = """@ARTICLE{Tester2022,
author={Tester, A. and Example, B.},
title={A test record with two funders},
journal={Test Journal},
year={2022},
volume={3},
doi={10.1000/scopus.test},
funding_details={First Test Funder},
funding_details={Second Test Funder},
type={Article},
}
"""


@pytest.mark.django_db
def test_scopus_bibtex_with_a_field_given_twice_keeps_the_first_and_reports_the_rest():
    report = citations_import(filename="scopus.bib", content=SCOPUS_BIBTEX.encode())
    [line] = report.lines
    assert line.outcome == ImportOutcome.CREATED
    assert line.notes == ["“funding_details” is given 2 times: the first is kept"]
    assert "funding_details" in str(line)
    assert Study.objects.get().doi == "10.1000/scopus.test"


# RIS -----------------------------------------------------------------------------------------

OVID_RIS = """Provider: Test Provider
Database: Test Database

1.
TY  - JOUR
AU  - van der Berg, Jan
AU  - English, Robert S, Jr
TI  - First test record
JO  - Test Journal
PY  - 2020
AB  - BACKGROUND: Test. METHODS: Registered as NCT01234567.
KW  - test keyword
ER  -

2.
TY  - CHAP
AU  - Liu, R
TI  - A test chapter
T2  - A Test Book
PY  - 2019
ER  -
"""


def test_ovid_ris_with_a_number_before_each_record_is_read_by_rispy_itself():
    fmt, records = read_citations("ovid.ris", OVID_RIS.encode())
    assert fmt == "ris"
    assert [r.title for r in records] == ["First test record", "A test chapter"]
    assert [r.line for r in records] == [5, 16]
    assert records[0].names[0] == {
        "family": "Berg",
        "non-dropping-particle": "van der",
        "given": "Jan",
    }
    assert records[0].registry_ids == ["NCT01234567"]
    assert records[1].record_type == "chapter"


SCOPUS_RIS = """TY  - JOUR
AU  - Tester, A.
TI  - A test record from Scopus
T2  - Test Journal
PY  - 2018
C2  - PMID: 12345678
DO  - 10.1000/scopus.ris
UR  - https://www.example.org/record?eid=2-s2.0-0000
ER  -
"""


def test_scopus_ris_gives_the_pmid_in_c2():
    _, [record] = read_citations("scopus.ris", SCOPUS_RIS.encode())
    assert record.pmid == "12345678"


def test_a_truncated_ris_record_is_still_refused_with_its_line():
    text = OVID_RIS.rsplit("ER  -", 1)[0]
    with pytest.raises(Exception, match="line 16"):
        read_citations("ovid.ris", text.encode())


WOS_TAGGED = """FN Clarivate Analytics Web of Science
VR 1.0
PT J
AU Tester, A
AF Tester, Ada
TI A test record in tagged
   form
SO TEST JOURNAL
LA English
DT Review
DE test; tagged
AB A test abstract.
PY 2020
VL 5
BP 6
EP 11
DI 10.1000/wos.tagged
PM 12345679
ER

EF
"""


def test_web_of_science_tagged_text_is_its_own_format():
    fmt, [record] = read_citations("savedrecs.txt", WOS_TAGGED.encode())
    assert fmt == "wos"
    assert (record.title, record.pages, record.pmid) == (
        "A test record in tagged form",
        "6-11",
        "12345679",
    )
    assert record.record_type == "review"
    assert record.keywords == ["test", "tagged"]


# MEDLINE (.nbib) -----------------------------------------------------------------------------

NBIB = """PMID- 12345670
OWN - NLM
STAT- MEDLINE
DP  - 2021 Mar
TI  - A test record in MEDLINE format with a title that goes on to a
      second line.
PG  - 1553-63
LID - 10.1000/medline.test [doi]
AB  - BACKGROUND: A test. CONCLUSIONS: It reads.
FAU - van der Berg, Jan
AU  - van der Berg J
FAU - English, Robert S Jr
AU  - English RS Jr
CN  - Test Study Group
LA  - eng
SI  - ClinicalTrials.gov/NCT01234567
PT  - Journal Article
PT  - Randomized Controlled Trial
TA  - Test J
JT  - Test Journal
MH  - Alopecia/*therapy
MH  - Humans
OT  - microneedling
PMC - PMC1234567
VI  - 7
IP  - 2

PMID- 12345671
DP  - 2023
BTI - A Test Book of Reviews
CTI - A Test Collection
AU  - Liu R
"""


def test_a_pubmed_nbib_file_is_read_as_medline_not_as_ris():
    fmt, records = read_citations("pubmed-test.nbib", NBIB.encode())
    assert fmt == "medline"
    first = records[0]
    assert first.title == (
        "A test record in MEDLINE format with a title that goes on to a second line"
    )
    assert (first.year, first.pages, first.doi, first.pmid, first.pmcid) == (
        2021,
        "1553-1563",
        "10.1000/medline.test",
        "12345670",
        "PMC1234567",
    )
    assert first.names == [
        {"family": "Berg", "non-dropping-particle": "van der", "given": "Jan"},
        {"family": "English", "given": "Robert S", "suffix": "Jr"},
        {"literal": "Test Study Group"},
    ]
    assert first.mesh_terms == ["Alopecia/therapy", "Humans"]
    assert first.publication_types == ["Journal Article", "Randomized Controlled Trial"]
    assert first.keywords == ["microneedling"]
    assert first.registry_ids == ["NCT01234567"]
    assert first.language == "eng"
    assert first.abstract == "BACKGROUND: A test.\n\nCONCLUSIONS: It reads."
    assert (records[1].record_type, records[1].title) == ("book", "A Test Book of Reviews")


# PubMed XML ----------------------------------------------------------------------------------

PUBMED_XML = """<?xml version="1.0" ?>
<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, 1st January 2025//EN" "https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd">
<PubmedArticleSet>
<PubmedArticle><MedlineCitation><PMID>12345672</PMID>
<Article><Journal><JournalIssue><Volume>9</Volume><Issue>1</Issue>
<PubDate><Year>2022</Year></PubDate></JournalIssue><Title>Test Journal</Title></Journal>
<ArticleTitle>A test <i>in vitro</i> article.</ArticleTitle>
<Abstract><AbstractText Label="BACKGROUND">Test background.</AbstractText>
<AbstractText Label="RESULTS">Test results.</AbstractText></Abstract>
<AuthorList><Author><LastName>English</LastName><ForeName>Robert S</ForeName>
<Suffix>Jr</Suffix></Author>
<Author><CollectiveName>Test Study Group</CollectiveName></Author></AuthorList>
<Language>eng</Language>
<DataBankList><DataBank><DataBankName>ClinicalTrials.gov</DataBankName>
<AccessionNumberList><AccessionNumber>NCT01234568</AccessionNumber></AccessionNumberList>
</DataBank></DataBankList>
<PublicationTypeList>
<PublicationType>Randomized Controlled Trial</PublicationType></PublicationTypeList>
</Article>
<MeshHeadingList><MeshHeading><DescriptorName>Alopecia</DescriptorName></MeshHeading>
</MeshHeadingList>
<KeywordList><Keyword>test keyword</Keyword></KeywordList>
</MedlineCitation>
<PubmedData><ArticleIdList><ArticleId IdType="pubmed">12345672</ArticleId>
<ArticleId IdType="pmc">PMC1234568</ArticleId></ArticleIdList></PubmedData></PubmedArticle>
<PubmedBookArticle><BookDocument><PMID>12345673</PMID>
<ArticleIdList><ArticleId IdType="bookaccession">NBK000001</ArticleId></ArticleIdList>
<Book><Publisher><PublisherName>Test Publishing</PublisherName></Publisher>
<BookTitle>A Test Book</BookTitle><PubDate><Year>2024</Year></PubDate></Book>
<ArticleTitle>A Test Chapter</ArticleTitle>
<AuthorList><Author><LastName>Liu</LastName><ForeName>R</ForeName></Author></AuthorList>
<Abstract><AbstractText>A test chapter abstract.</AbstractText></Abstract>
<Language>eng</Language>
<PublicationType>Review</PublicationType>
</BookDocument><PubmedBookData><ArticleIdList>
<ArticleId IdType="pubmed">12345673</ArticleId></ArticleIdList></PubmedBookData></PubmedBookArticle>
</PubmedArticleSet>
"""


def test_pubmed_xml_keeps_its_book_records():
    fmt, records = read_citations("pubmed.xml", PUBMED_XML.encode())
    assert fmt == "pubmed"
    assert [(r.pmid, r.record_type) for r in records] == [
        ("12345672", "article"),
        ("12345673", "chapter"),
    ]
    chapter = records[1]
    assert (chapter.title, chapter.journal, chapter.year) == (
        "A Test Chapter",
        "A Test Book",
        2024,
    )
    assert chapter.abstract == "A test chapter abstract."


def test_pubmed_xml_gives_labelled_abstract_names_mesh_types_language_and_registry():
    _, [article, _] = read_citations("pubmed.xml", PUBMED_XML.encode())
    assert article.abstract == "BACKGROUND: Test background.\n\nRESULTS: Test results."
    assert article.names == [
        {"family": "English", "given": "Robert S", "suffix": "Jr"},
        {"literal": "Test Study Group"},
    ]
    assert article.mesh_terms == ["Alopecia"]
    assert article.keywords == ["test keyword"]
    assert article.publication_types == ["Randomized Controlled Trial"]
    assert article.registry_ids == ["NCT01234568"]
    assert (article.language, article.pmcid, article.design) == ("eng", "PMC1234568", "rct")
    assert article.title == "A test in vitro article"


# CSL-JSON ------------------------------------------------------------------------------------


def test_csl_json_names_are_kept_as_given_and_rich_text_markup_is_stripped():
    content = (
        '[{"id": "t1", "type": "chapter", "title": "A <i>test</i> &amp; <b>chapter</b>",'
        ' "container-title": "A Test Book", "issued": {"date-parts": [[2019]]},'
        ' "author": [{"family": "Berg", "given": "Jan", "non-dropping-particle": "van der"}],'
        ' "abstract": "<p>An abstract.</p>"}]'
    )
    fmt, [record] = read_citations("zotero.json", content.encode())
    assert fmt == "csljson"
    assert record.title == "A test & chapter"
    assert record.names == [{"family": "Berg", "given": "Jan", "non-dropping-particle": "van der"}]
    assert record.record_type == "chapter"


# Detection, per-field tolerance, the report --------------------------------------------------


@pytest.mark.parametrize(
    ("filename", "content", "expected"),
    [
        ("export.txt", NBIB, "medline"),
        ("export.ris", BIBTEX_SIGNS, "bibtex"),
        ("export.bib", OVID_RIS, "ris"),
        ("export.txt", WOS_TAGGED, "wos"),
        ("export.nbib", PUBMED_XML, "pubmed"),
    ],
)
def test_the_format_is_told_by_the_content_before_the_file_name(filename, content, expected):
    assert detect_format(filename, content) == expected


TOLERANCE_RIS = """TY  - JOUR
AU  - Tester, Ada
TI  - A test record with a bad URL
PY  - 2020
UR  - https://example.org/a test
ER  -
TY  - JOUR
TI  - A test record with an over-long issue
PY  - 2020
IS  - {issue}
ER  -
TY  - JOUR
TI  - A test record with a shortDOI
PY  - 2020
DO  - 10/abcd
ER  -
TY  - JOUR
AU  - Tester, Ada
PY  - 2020
DO  - 10.1000/no.title
ER  -
TY  - JOUR
TI  - A test record with neither year nor identifier
ER  -
""".replace("{issue}", "9" * 80)


@pytest.mark.django_db
def test_one_bad_optional_field_is_dropped_and_reported_and_the_record_kept():
    report = citations_import(filename="tolerance.ris", content=TOLERANCE_RIS.encode())
    outcomes = [line.outcome for line in report.lines]
    assert outcomes[:3] == [ImportOutcome.CREATED] * 3
    url, issue, doi = (line.notes for line in report.lines[:3])
    assert url == ["URL “https://example.org/a test” dropped: Enter a valid URL."]
    assert issue[0].startswith("issue “999") and "at most 50 characters" in issue[0]
    assert doi == ["DOI “10/abcd” dropped: not a DOI (10.NNNN/…)"]
    assert Study.objects.count() == 3
    assert set(Study.objects.values_list("url", "issue", "doi")) == {("", "", "")}


@pytest.mark.django_db
def test_a_record_without_a_title_or_year_is_skipped_with_the_reason_file_and_line():
    report = citations_import(filename="tolerance.ris", content=TOLERANCE_RIS.encode())
    no_title, no_year = report.lines[3], report.lines[4]
    assert (no_title.outcome, no_year.outcome) == (ImportOutcome.SKIPPED,) * 2
    assert str(no_title).startswith("tolerance.ris, record 4 (line 17), Tester 2020")
    assert str(no_title).endswith("skipped, it has no title")
    assert str(no_year).startswith("tolerance.ris, record 5 (line 22)")
    assert str(no_year).endswith(
        "skipped, it has no usable year and no DOI or PMID to look it up by"
    )
