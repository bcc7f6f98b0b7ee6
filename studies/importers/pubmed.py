"""PubMed efetch XML (PubmedArticleSet) read with the standard library's ElementTree: journal
articles (PubmedArticle) and books and chapters (PubmedBookArticle: StatPearls, GeneReviews).

Parsed through defusedxml: a file that declares entities (a "billion laughs" expansion bomb,
an external entity reaching for a local file or the network) is refused with a message. The
DOCTYPE line PubMed writes at the top of every export is allowed.
"""

import xml.etree.ElementTree as ET  # noqa: S405 (only its types and Element; parsing is defused)

import defusedxml
import defusedxml.ElementTree as SafeET

from studies.citations import Name, structured_name
from studies.importers.records import (
    CitationFileError,
    CitationRecord,
    abstract_from_sections,
    parse_year,
)
from studies.vocabulary import RecordType, StudyDesign

# PubMed publication types that say what design a record is; the most specific wins.
_DESIGNS = [
    ("Meta-Analysis", StudyDesign.SYSTEMATIC_REVIEW_META_ANALYSIS),
    ("Systematic Review", StudyDesign.SYSTEMATIC_REVIEW),
    ("Randomized Controlled Trial", StudyDesign.RCT),
    ("Controlled Clinical Trial", StudyDesign.NON_RANDOMIZED_CONTROLLED),
    ("Case Reports", StudyDesign.CASE_REPORT),
]


def _text(element: ET.Element | None) -> str:
    return "".join(element.itertext()) if element is not None else ""


def _author(author: ET.Element) -> Name:
    collective = _text(author.find("CollectiveName"))
    if collective:
        return {"literal": collective}
    return structured_name(
        family=_text(author.find("LastName")),
        given=_text(author.find("ForeName")) or _text(author.find("Initials")),
        suffix=_text(author.find("Suffix")),
    )


def _design(types: list[str]) -> str:
    return next((design for name, design in _DESIGNS if name in types), "")


def _abstract(parent: ET.Element) -> str:
    sections = [
        (node.get("Label") or "", _text(node)) for node in parent.iterfind("Abstract/AbstractText")
    ]
    return abstract_from_sections(sections)


def _year(date: ET.Element | None) -> int | None:
    if date is None:
        return None
    return parse_year(_text(date.find("Year"))) or parse_year(_text(date.find("MedlineDate")))


def _ids(article: ET.Element, path: str) -> dict[str, str]:
    return {node.get("IdType") or "": _text(node) for node in article.iterfind(path)}


def _common(citation: ET.Element, art: ET.Element) -> dict[str, object]:
    """What articles and books share: abstract, keywords, MeSH, types, language, registry."""
    types = [_text(t) for t in art.iterfind("PublicationTypeList/PublicationType")]
    types += [_text(t) for t in citation.iterfind("PublicationType")]
    registry = [
        _text(number)
        for bank in art.iterfind("DataBankList/DataBank")
        for number in bank.iterfind("AccessionNumberList/AccessionNumber")
    ]
    return {
        "abstract": _abstract(art) or _abstract(citation),
        "keywords": [_text(k) for k in citation.iterfind("KeywordList/Keyword")],
        "mesh_terms": [
            _text(h.find("DescriptorName"))
            for h in citation.iterfind("MeshHeadingList/MeshHeading")
        ],
        "publication_types": types,
        "language": _text(art.find("Language")) or _text(citation.find("Language")),
        "registry_ids": registry,
        "design": _design(types),
    }


def _record(article: ET.Element) -> CitationRecord:
    citation = article.find("MedlineCitation")
    if citation is None:
        citation = article
    art = citation.find("Article")
    if art is None:
        art = ET.Element("Article")
    ids = _ids(article, "PubmedData/ArticleIdList/ArticleId")
    doi = ids.get("doi") or next(
        (_text(n) for n in art.iterfind("ELocationID") if n.get("EIdType") == "doi"), ""
    )
    issue = art.find("Journal/JournalIssue")
    pub_date = issue.find("PubDate") if issue is not None else None
    year = _year(pub_date) or parse_year(_text(art.find("ArticleDate/Year")))
    pages = _text(art.find("Pagination/MedlinePgn")) or next(
        (_text(n) for n in art.iterfind("ELocationID") if n.get("EIdType") == "pii"), ""
    )
    return CitationRecord(
        title=_text(art.find("ArticleTitle")) or _text(art.find("VernacularTitle")),
        names=[_author(a) for a in art.iterfind("AuthorList/Author")],
        year=year,
        journal=_text(art.find("Journal/Title")),
        volume=_text(issue.find("Volume")) if issue is not None else "",
        issue=_text(issue.find("Issue")) if issue is not None else "",
        pages=pages,
        doi=doi,
        pmid=_text(citation.find("PMID")) or ids.get("pubmed", ""),
        pmcid=ids.get("pmc", ""),
        **_common(citation, art),  # type: ignore[arg-type]
    )


def _book_record(article: ET.Element) -> CitationRecord:
    """A PubmedBookArticle: a book (StatPearls) or a chapter of one (GeneReviews)."""
    document = article.find("BookDocument")
    if document is None:
        document = ET.Element("BookDocument")
    book = document.find("Book")
    if book is None:
        book = ET.Element("Book")
    ids = _ids(document, "ArticleIdList/ArticleId")
    ids.update(_ids(article, "PubmedBookData/ArticleIdList/ArticleId"))
    chapter = _text(document.find("ArticleTitle"))
    book_title = _text(book.find("BookTitle"))
    people = document.findall("AuthorList/Author") or book.findall("AuthorList/Author")
    return CitationRecord(
        title=chapter or book_title,
        names=[_author(a) for a in people],
        year=_year(book.find("PubDate")) or _year(document.find("ContributionDate")),
        journal=book_title if chapter else _text(book.find("CollectionTitle")),
        volume=_text(book.find("Volume")),
        doi=ids.get("doi", ""),
        pmid=_text(document.find("PMID")) or ids.get("pubmed", ""),
        pmcid=ids.get("pmc", ""),
        record_type=RecordType.CHAPTER if chapter else RecordType.BOOK,
        **_common(document, document),  # type: ignore[arg-type]
    )


def parse(text: str) -> list[CitationRecord]:
    try:
        root = SafeET.fromstring(text, forbid_dtd=False, forbid_entities=True)
    except defusedxml.DefusedXmlException as error:
        raise CitationFileError(
            "This XML declares entities or external references, which a PubMed export never "
            f"does ({type(error).__name__}): it is refused so it cannot expand to gigabytes or "
            "read files on the server. Download it again from PubMed."
        ) from None
    except ET.ParseError as error:
        line, column = error.position
        raise CitationFileError(
            f"The XML breaks at line {line}, column {column} ({str(error).split(':')[0]}): "
            "the file may be truncated. Download it again from PubMed.",
            line=line,
        ) from None
    if root.tag != "PubmedArticleSet":
        raise CitationFileError(
            f"This XML is not a PubMed efetch export: its root element is <{root.tag}>, "
            "not <PubmedArticleSet>."
        )
    readers = {"PubmedArticle": _record, "PubmedBookArticle": _book_record}
    return [readers[item.tag](item) for item in root if item.tag in readers]
