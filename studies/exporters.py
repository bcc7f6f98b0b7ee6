"""Writing studies out as BibTeX and RIS, in the shape studies.importers reads back.

Names go out as "Family, Given" (family = the last word of the stored name), pages as
BibTeX's "6--11" or RIS's SP/EP pair, identifiers as bare DOI and PMID fields. Keys (and
download file names) are ASCII letters and digits whatever a stored key holds, unique within
the file (a second "wang2020" goes out as "wang2020a"), so the output always parses back.
"""

from collections.abc import Iterable

import bibtexparser
import rispy
from bibtexparser.middlewares import LatexEncodingMiddleware
from bibtexparser.model import Entry, Field

from studies.importers.records import CitationKeys, ascii_key, family_given
from studies.models import Study


def _bibtex_name(name: str) -> str:
    family, given = family_given(name)
    return f"{family}, {given}" if given else family


def safe_key(study: Study) -> str:
    """The study's citation key as ASCII letters and digits ("study12" when it has none)."""
    return ascii_key(study.citation_key) or f"study{study.pk}"


def download_filename(study: Study, extension: str) -> str:
    """A file name for one study's citation that is safe in any header and file system."""
    return f"{ascii_key(study.citation_key) or f'study-{study.pk}'}.{extension}"


def _key(study: Study, used: CitationKeys) -> str:
    return used.new(safe_key(study))


def to_bibtex(studies: Iterable[Study]) -> str:
    library = bibtexparser.Library()
    used = CitationKeys()
    for study in studies:
        values = {
            "author": " and ".join(_bibtex_name(a) for a in study.authors),
            "title": study.title,
            "journal": study.journal,
            "year": str(study.year),
            "volume": study.volume,
            "number": study.issue,
            "pages": study.pages.replace("-", "--"),
            "doi": study.doi,
            "pmid": study.pmid,
            "pmcid": study.pmcid,
            "url": study.url,
        }
        fields = [Field(name, value) for name, value in values.items() if value]
        library.add(Entry("article", _key(study, used), fields))
    # LaTeX-encode so "%" (a comment in BibTeX) and accents survive every BibTeX tool.
    encode = LatexEncodingMiddleware(keep_math=False, enclose_urls=False)
    return bibtexparser.write_string(library, prepend_middleware=[encode])


def _ris_pages(pages: str) -> dict[str, str]:
    start, _, end = pages.partition("-")
    out = {"start_page": start} if start else {}
    if end:
        out["end_page"] = end
    return out


class _RisWriter(rispy.RisWriter):
    def set_header(self, count: int) -> str:
        return ""  # rispy numbers records ("1."); reference managers do not.


def to_ris(studies: Iterable[Study]) -> str:
    entries = []
    for study in studies:
        entry = {
            "type_of_reference": "JOUR",
            "authors": [_bibtex_name(a) for a in study.authors],
            "title": study.title,
            "secondary_title": study.journal,
            "year": str(study.year),
            "volume": study.volume,
            "number": study.issue,
            "doi": study.doi,
            "accession_number": study.pmid,
            "urls": [study.url] if study.url else [],
            **_ris_pages(study.pages),
        }
        entries.append({key: value for key, value in entry.items() if value})
    return rispy.dumps(entries, implementation=_RisWriter)
