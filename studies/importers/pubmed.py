"""PubMed efetch XML (PubmedArticleSet) read with the standard library's ElementTree.

Parsed through defusedxml: a file that declares entities (a "billion laughs" expansion bomb,
an external entity reaching for a local file or the network) is refused with a message. The
DOCTYPE line PubMed writes at the top of every export is allowed.
"""

import xml.etree.ElementTree as ET  # noqa: S405 (only its types and Element; parsing is defused)

import defusedxml
import defusedxml.ElementTree as SafeET

from studies.importers.records import CitationFileError, CitationRecord, parse_year
from studies.vocabulary import StudyDesign

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


def _author(author: ET.Element) -> str:
    collective = _text(author.find("CollectiveName"))
    if collective:
        return collective
    given = _text(author.find("ForeName")) or _text(author.find("Initials"))
    family = _text(author.find("LastName"))
    suffix = _text(author.find("Suffix"))
    return " ".join(part for part in (given, family, suffix) if part)


def _design(article: ET.Element) -> str:
    types = {_text(t) for t in article.iterfind(".//PublicationTypeList/PublicationType")}
    return next((design for name, design in _DESIGNS if name in types), "")


def _record(article: ET.Element) -> CitationRecord:
    citation = article.find("MedlineCitation")
    if citation is None:
        citation = article
    art = citation.find("Article")
    if art is None:
        art = ET.Element("Article")
    ids = {
        node.get("IdType"): _text(node)
        for node in article.iterfind("PubmedData/ArticleIdList/ArticleId")
    }
    doi = ids.get("doi") or next(
        (_text(n) for n in art.iterfind("ELocationID") if n.get("EIdType") == "doi"), ""
    )
    issue = art.find("Journal/JournalIssue")
    pub_date = issue.find("PubDate") if issue is not None else None
    year = parse_year(_text(pub_date.find("Year"))) if pub_date is not None else None
    if year is None and pub_date is not None:
        year = parse_year(_text(pub_date.find("MedlineDate")))
    if year is None:
        year = parse_year(_text(art.find("ArticleDate/Year")))
    pages = _text(art.find("Pagination/MedlinePgn")) or next(
        (_text(n) for n in art.iterfind("ELocationID") if n.get("EIdType") == "pii"), ""
    )
    return CitationRecord(
        title=_text(art.find("ArticleTitle")) or _text(art.find("VernacularTitle")),
        authors=[_author(a) for a in art.iterfind("AuthorList/Author")],
        year=year,
        journal=_text(art.find("Journal/Title")),
        volume=_text(issue.find("Volume")) if issue is not None else "",
        issue=_text(issue.find("Issue")) if issue is not None else "",
        pages=pages,
        doi=doi,
        pmid=_text(citation.find("PMID")) or ids.get("pubmed", ""),
        pmcid=ids.get("pmc", ""),
        design=_design(article),
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
    return [_record(article) for article in root if article.tag == "PubmedArticle"]
