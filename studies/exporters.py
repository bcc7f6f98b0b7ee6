"""Writing studies out as BibTeX and RIS, in the shape studies.importers reads back.

Names go out as "Family, Given" (family = the last word of the stored name), pages as
BibTeX's "6--11" or RIS's SP/EP pair, identifiers as bare DOI and PMID fields. What goes out is
public: the title a reader sees (never a bracketed placeholder) and keys made from the family
name and year (never the internal citation key). Keys are ASCII letters, digits and "_", unique
within the file (Wang_2020, Wang_2020a … Wang_2020z, Wang_2020aa …), so the output always
parses back however many studies share an author and year.
"""

import unicodedata
from collections.abc import Iterable

import bibtexparser
import rispy
from bibtexparser.middlewares import LatexEncodingMiddleware
from bibtexparser.model import Entry, Field

from studies.citations import family_name
from studies.importers.records import CitationKeys, ascii_key, family_given
from studies.models import Study


def _bibtex_name(name: str) -> str:
    family, given = family_given(name)
    return f"{family}, {given}" if given else family


def _key(study: Study, used: CitationKeys, *, citation_keys: bool) -> str:
    """ "Dhurat_2013": family name and year; without authors, "study_<pk>". The citation key
    (a curator's handle, not public) only when asked for: the admin's export for curators,
    reduced to ASCII letters and digits if it holds anything else (an old "wang2020{")."""
    stored = ascii_key(study.citation_key) if citation_keys else ""
    if stored:
        return used.new(stored)
    family = family_name(study.authors[0]) if study.authors else ""
    ascii_family = "".join(
        ch for ch in unicodedata.normalize("NFKD", family) if ch.isascii() and ch.isalnum()
    )
    return used.new(f"{ascii_family}_{study.year}" if ascii_family else f"study_{study.pk}")


def to_bibtex(studies: Iterable[Study], *, citation_keys: bool = False) -> str:
    library = bibtexparser.Library()
    used = CitationKeys()
    for study in studies:
        values = {
            "author": " and ".join(_bibtex_name(a) for a in study.authors),
            "title": study.public_title,
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
        library.add(Entry("article", _key(study, used, citation_keys=citation_keys), fields))
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
            "title": study.public_title,
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
