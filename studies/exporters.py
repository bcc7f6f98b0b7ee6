"""Writing studies out as BibTeX, RIS, CSL-JSON and a studies-and-outcomes spreadsheet.

Each citation format is written in the shape studies.importers reads back, so a file goes out
and comes in again as the same studies: names from their structure ("van der Berg, Jan",
"English, Robert S, Jr"), the record type as the format's own entry type (@book/BOOK/"book",
@incollection/CHAP/"chapter", @phdthesis/THES/"thesis", a review as an article whose subtype
says so), abstract, keywords, language, PMCID, URL and DOI. What goes out is public: the title
a reader sees (never a bracketed placeholder) and keys made from the family name and year
(never the internal citation key unless asked). Keys are ASCII letters, digits and "_",
unique within the file (Wang_2020, Wang_2020a …), so the output always parses back.
"""

import csv
import io
import json
import unicodedata
from collections.abc import Iterable, Iterator

import bibtexparser
import rispy
from bibtexparser.middlewares import LatexEncodingMiddleware
from bibtexparser.model import Entry, Field

from studies.citations import family_with_particle, name_family_given
from studies.importers.bibtex import TEXT_FIELDS
from studies.importers.records import CitationKeys, ascii_key
from studies.models import Study

# record type → (BibTeX entry type, BibTeX field for the container, subtype)
_BIBTEX_TYPES = {
    "article": ("article", "journal", ""),
    "review": ("article", "journal", "review"),
    "book": ("book", "publisher", ""),
    "chapter": ("incollection", "booktitle", ""),
    "thesis": ("phdthesis", "school", ""),
    "preprint": ("unpublished", "howpublished", "preprint"),
}
# record type → (RIS type, RIS tag for the container, M3 type of work)
_RIS_TYPES = {
    "article": ("JOUR", "secondary_title", ""),
    "review": ("JOUR", "secondary_title", "Review"),
    "book": ("BOOK", "publisher", ""),
    "chapter": ("CHAP", "secondary_title", ""),
    "thesis": ("THES", "publisher", ""),
    "preprint": ("UNPB", "secondary_title", "Preprint"),
}


def _key(study: Study, used: CitationKeys, *, citation_keys: bool) -> str:
    """ "Dhurat_2013": family name and year; without authors, "study_<pk>". The citation key
    (a curator's handle, not public) only when asked for: the admin's export for curators,
    reduced to ASCII letters and digits if it holds anything else (an old "wang2020{")."""
    stored = ascii_key(study.citation_key) if citation_keys else ""
    if stored:
        return used.new(stored)
    names = study.names()
    family = family_with_particle(names[0]) if names else ""
    ascii_family = "".join(
        ch for ch in unicodedata.normalize("NFKD", family) if ch.isascii() and ch.isalnum()
    )
    if not ascii_family:
        return used.new(f"study_{study.pk}")
    return used.new(f"{ascii_family}_{study.year}" if study.year else ascii_family)


def _bibtex_name(name: dict[str, str]) -> str:
    """BibTeX's "von Last, Jr, First" (a group author braced, so it is never split)."""
    if "literal" in name:
        return f"{{{name['literal']}}}"
    parts = (family_with_particle(name), name.get("suffix"), name.get("given"))
    return ", ".join(p for p in parts if p)


def _bibtex_names(study: Study) -> str:
    return " and ".join(_bibtex_name(n) for n in study.names())


def to_bibtex(studies: Iterable[Study], *, citation_keys: bool = False) -> str:
    library = bibtexparser.Library()
    used = CitationKeys()
    for study in studies:
        entry_type, container, subtype = _BIBTEX_TYPES.get(
            study.record_type, _BIBTEX_TYPES["article"]
        )
        values = {
            "author": _bibtex_names(study),
            "title": study.public_title,
            container: study.journal,
            "year": str(study.year or ""),  # no date: no year field
            "volume": study.volume,
            "number": study.issue,
            "pages": study.pages.replace("-", "--"),
            "type": subtype,
            "doi": study.doi,
            "pmid": study.pmid,
            "pmcid": study.pmcid,
            "url": study.url,
            "abstract": study.abstract,
            "keywords": "; ".join(study.keywords or []),
            "mesh": "; ".join(study.mesh_terms or []),
            "language": study.language,
        }
        fields = [Field(name, value) for name, value in values.items() if value]
        key = _key(study, used, citation_keys=citation_keys)
        library.add(Entry(entry_type, key, fields))
    # LaTeX-encode the text fields only, so "%" (a comment in BibTeX) and accents survive every
    # BibTeX tool, while a DOI or URL goes out exactly as it is (and is read back as it is).
    encode = _TextFieldLatexEncoding()
    for entry in library.entries:
        encode.transform_entry(entry, library)
    # The default unparse stack deep-copies every block first; this library is thrown away.
    unparse = bibtexparser.middlewares.default_unparse_stack(allow_inplace_modification=True)
    return bibtexparser.write_string(library, unparse_stack=unparse)


class _TextFieldLatexEncoding(LatexEncodingMiddleware):
    def __init__(self) -> None:
        super().__init__(keep_math=False, enclose_urls=False)

    def transform_entry(self, entry: Entry, library: bibtexparser.Library) -> Entry:
        for field in entry.fields:
            if field.key in TEXT_FIELDS and isinstance(field.value, str):
                field.value, _ = self._transform_python_value_string(field.value)
        return entry


class _RisWriter(rispy.RisWriter):
    def set_header(self, count: int) -> str:
        return ""  # rispy numbers records ("1."); reference managers do not.


def _ris_pages(pages: str) -> dict[str, str]:
    start, _, end = pages.partition("-")
    out = {"start_page": start} if start else {}
    if end:
        out["end_page"] = end
    return out


def _ris_names(study: Study) -> list[str]:
    return [n["literal"] if "literal" in n else name_family_given(n) for n in study.names()]


def to_ris(studies: Iterable[Study]) -> str:
    entries = []
    for study in studies:
        kind, container, work = _RIS_TYPES.get(study.record_type, _RIS_TYPES["article"])
        urls = [u for u in (study.url, study.doi_url) if u]
        entry = {
            "type_of_reference": kind,
            "authors": _ris_names(study),
            "title": study.public_title,
            container: study.journal,
            "year": str(study.year or ""),  # no date: no year field
            "volume": study.volume,
            "number": study.issue,
            "doi": study.doi,
            "accession_number": study.pmid,
            "custom2": study.pmcid,
            "type_of_work": work,
            "abstract": " ".join(study.abstract.split()),
            "keywords": list(study.keywords or []),
            "language": study.language,
            "urls": urls,
            **_ris_pages(study.pages),
        }
        entries.append({key: value for key, value in entry.items() if value})
    return rispy.dumps(entries, implementation=_RisWriter)


def to_csljson(studies: Iterable[Study]) -> str:
    """A CSL-JSON array (Zotero, Pandoc, Quarto), one item per study."""
    items = []
    used = CitationKeys()
    for study in studies:
        item = study.csl_item()
        item["id"] = _key(study, used, citation_keys=False)
        if study.mesh_terms:
            item["note"] = "MeSH: " + "; ".join(study.mesh_terms)
        items.append(item)
    return json.dumps(items, ensure_ascii=False, indent=2) + "\n"


# The studies-and-outcomes spreadsheet ------------------------------------------------------

STUDY_COLUMNS = [
    ("study", lambda s: s.citation_key or f"study-{s.pk}"),
    ("label", lambda s: s.short_label()),
    ("title", lambda s: s.public_title),
    ("authors", lambda s: "; ".join(s.authors or [])),
    ("year", lambda s: s.year),
    ("journal", lambda s: s.journal),
    ("record type", lambda s: s.get_record_type_display()),
    ("design", lambda s: s.get_design_display() if s.design else ""),
    ("participants", lambda s: s.participants),
    ("risk of bias", lambda s: s.get_risk_of_bias_display()),
    ("status", lambda s: s.get_status_display()),
    ("DOI", lambda s: s.doi),
    ("PMID", lambda s: s.pmid),
    ("PMCID", lambda s: s.pmcid),
    ("registry IDs", lambda s: "; ".join(s.registry_ids or [])),
]
OUTCOME_COLUMNS = [
    ("outcome", lambda o: o.measure),
    ("unit", lambda o: o.unit),
    ("timepoint (weeks)", lambda o: o.timepoint_weeks),
    ("effect type", lambda o: o.effect_type),
    ("estimate", lambda o: o.estimate),
    ("CI low", lambda o: o.ci_low),
    ("CI high", lambda o: o.ci_high),
    ("p-value", lambda o: o.p_value),
    ("I² (%)", lambda o: o.i2),
    ("studies pooled", lambda o: o.k_studies),
    ("outcome participants", lambda o: o.participants),
]
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(value: object) -> object:
    """A spreadsheet program runs a cell starting with "=", "+", "-" or "@" as a formula:
    text that does is written with a leading apostrophe (numbers stay numbers)."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return "" if value is None else value


SPREADSHEET_HEADER = [name for name, _ in STUDY_COLUMNS] + [name for name, _ in OUTCOME_COLUMNS]


def spreadsheet_study_rows(study: Study) -> Iterator[list[object]]:
    """A study's rows of the studies-and-outcomes table: one per outcome, with the study's
    columns in front; a study without outcomes gets one row."""
    front = [spreadsheet_cell(get(study)) for _, get in STUDY_COLUMNS]
    outcomes = list(study.outcomes.all())
    if not outcomes:
        yield front + [""] * len(OUTCOME_COLUMNS)
    for outcome in outcomes:
        yield front + [spreadsheet_cell(get(outcome)) for _, get in OUTCOME_COLUMNS]


def to_csv(studies: Iterable[Study]) -> str:
    """The studies-and-outcomes table as CSV (UTF-8 with a BOM, so Excel reads accents)."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(SPREADSHEET_HEADER)
    for study in studies:
        writer.writerows(spreadsheet_study_rows(study))
    return out.getvalue()


def to_xlsx(studies: Iterable[Study]) -> bytes:
    """An Excel workbook: "Studies" (one row per study), "Outcomes" (one row per outcome)."""
    from openpyxl import Workbook

    studies = list(studies)
    book = Workbook()
    sheet = book.active
    sheet.title = "Studies"
    sheet.append([name for name, _ in STUDY_COLUMNS])
    for study in studies:
        sheet.append([spreadsheet_cell(get(study)) for _, get in STUDY_COLUMNS])
    outcomes = book.create_sheet("Outcomes")
    outcomes.append(["study", "label"] + [name for name, _ in OUTCOME_COLUMNS])
    for study in studies:
        for outcome in study.outcomes.all():
            outcomes.append(
                [
                    spreadsheet_cell(STUDY_COLUMNS[0][1](study)),
                    spreadsheet_cell(study.short_label()),
                ]
                + [spreadsheet_cell(get(outcome)) for _, get in OUTCOME_COLUMNS]
            )
    for ws in (sheet, outcomes):
        ws.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
