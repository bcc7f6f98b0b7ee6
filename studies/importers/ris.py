"""RIS (Zotero, EndNote, Mendeley, Scopus, Ovid, Embase exports) and Web of Science tagged
files, read with rispy's own record handling (`RisParser`, `WokParser`).

rispy skips whatever stands between records (Ovid's "1." numbering, a "Provider:" header);
a light scan beside it only finds where each record starts, for the line numbers of the report,
and refuses a record without its closing "ER  -" line (a truncated export), which rispy would
drop without a word.
"""

import re
from typing import Any

import rispy

from studies.citations import Name, parse_name
from studies.importers.records import (
    CitationFileError,
    CitationRecord,
    join_pages,
    parse_year,
)
from studies.vocabulary import RecordType

_TAG_LINE_LENGTH = 5  # "TY  -"
_PMID = re.compile(r"^(?:pmid:?\s*)?(\d{1,9})$", re.IGNORECASE)
_TYPES = {
    "BOOK": RecordType.BOOK,
    "EBOOK": RecordType.BOOK,
    "EDBOOK": RecordType.BOOK,
    "CHAP": RecordType.CHAPTER,
    "ECHAP": RecordType.CHAPTER,
    "THES": RecordType.THESIS,
    "UNPB": RecordType.PREPRINT,
    "INPR": RecordType.ARTICLE,
}
_JOURNAL = ("secondary_title", "journal_name", "alternate_title3")
_CONTAINERS = {
    RecordType.BOOK: ("publisher", "secondary_title"),
    RecordType.THESIS: ("publisher", "secondary_title"),
}
_WOS_TYPES = {"B": RecordType.BOOK, "S": RecordType.BOOK}


def _is_tag(line: str, tag: str) -> bool:
    return line[:_TAG_LINE_LENGTH] == f"{tag}  -"


def _starts(line: str, tag: str, wos: bool) -> bool:
    return line[:3] == f"{tag} " if wos else _is_tag(line, tag)


def _ends(line: str, wos: bool) -> bool:
    return line.rstrip() == "ER" if wos else _is_tag(line, "ER")


def record_lines(text: str, *, wos: bool = False) -> list[int]:
    """The first line of each record; CitationFileError for a record that is not closed."""
    start, end = ("PT", "ER") if wos else ("TY", "ER  -")
    starts: list[int] = []
    open_at = 0
    for number, line in enumerate(text.split("\n"), start=1):
        if _starts(line, start, wos):
            if open_at:
                raise CitationFileError(
                    f"Record {len(starts)} starting at line {open_at} has no end line "
                    f"(“{end}”) before the next record at line {number}.",
                    record=len(starts),
                    line=open_at,
                )
            starts.append(number)
            open_at = number
        elif open_at and _ends(line, wos):
            open_at = 0
    if open_at:
        raise CitationFileError(
            f"Record {len(starts)} starting at line {open_at} has no end line (“{end}”): "
            "the file looks truncated. Export it again.",
            record=len(starts),
            line=open_at,
        )
    return starts


def _first(entry: dict[str, Any], *keys: str) -> str:
    for key in keys:
        value = entry.get(key)
        if isinstance(value, list):
            value = value[0] if value else ""
        if value:
            return str(value)
    return ""


def _all(entry: dict[str, Any], *keys: str) -> list[str]:
    out: list[str] = []
    for key in keys:
        value = entry.get(key)
        if isinstance(value, list):
            out += [str(v) for v in value]
        elif value:
            out.append(str(value))
    return out


def _pmid(entry: dict[str, Any]) -> str:
    """PubMed writes the PMID in AN, Scopus in C2 ("PMID: 123"), some tools in C1 or M2."""
    for value in _all(entry, "accession_number", "custom2", "pubmed_id", "custom1"):
        found = _PMID.match(value.strip())
        if found:
            return found.group(1)
    return ""


def _names(values: list[str]) -> list[Name]:
    return [n for n in (parse_name(v) for v in values) if n]


def _ris_record(entry: dict[str, Any], line: int) -> CitationRecord:
    urls = [u for u in _all(entry, "urls") if u]
    doi = _first(entry, "doi")
    if not doi:
        doi = next((u for u in urls if "doi.org/" in u), "")
    kind = _TYPES.get(_first(entry, "type_of_reference").upper(), RecordType.ARTICLE)
    work = _first(entry, "type_of_work").lower()
    if "review" in work:
        kind = RecordType.REVIEW
    elif "preprint" in work:
        kind = RecordType.PREPRINT
    pmcid = next(
        (
            v.upper().removeprefix("PMCID:").strip()
            for v in _all(entry, "custom2", "custom6", "custom1")
            if v.upper().removeprefix("PMCID:").strip().startswith("PMC")
        ),
        "",
    )
    return CitationRecord(
        title=_first(entry, "title", "primary_title"),
        names=_names(_all(entry, "first_authors", "authors")),
        year=parse_year(_first(entry, "year", "publication_year", "date")),
        journal=_first(entry, *_CONTAINERS.get(kind, _JOURNAL)),
        volume=_first(entry, "volume"),
        issue=_first(entry, "number"),
        pages=join_pages(entry.get("start_page"), entry.get("end_page")),
        doi=doi,
        pmid=_pmid(entry),
        pmcid=pmcid,
        url=next((u for u in urls if "doi.org/" not in u), ""),
        abstract=_first(entry, "abstract", "notes_abstract"),
        keywords=_all(entry, "keywords"),
        language=_first(entry, "language"),
        record_type=kind,
        line=line,
    )


def _wos_record(entry: dict[str, Any], line: int) -> CitationRecord:
    kind = _WOS_TYPES.get(_first(entry, "publication_type").upper(), RecordType.ARTICLE)
    document = _first(entry, "document_type").lower()
    if "review" in document:
        kind = RecordType.REVIEW
    elif "book chapter" in document:
        kind = RecordType.CHAPTER
    names = _all(entry, "author_full_name") or _all(entry, "authors")
    return CitationRecord(
        title=_first(entry, "document_title"),
        names=_names(names) + [{"literal": g} for g in _all(entry, "group_authors")],
        year=parse_year(_first(entry, "publication_year", "publication_date")),
        journal=_first(entry, "publication_name"),
        volume=_first(entry, "volume"),
        issue=_first(entry, "issue"),
        pages=join_pages(entry.get("beginning_page"), entry.get("ending_page"))
        or _first(entry, "article_number"),
        doi=_first(entry, "doi"),
        pmid=_first(entry, "pubmed_id"),
        abstract=_first(entry, "abstract"),
        keywords=[k.strip() for k in _first(entry, "author_keywords").split(";")],
        language=_first(entry, "language"),
        record_type=kind,
        line=line,
    )


def _parse(text: str, implementation: type[rispy.RisParser], *, wos: bool) -> list[dict[str, Any]]:
    # WoS and RIS continuation lines hold on to the tag before them; rispy joins them.
    entries: list[dict[str, Any]] = rispy.loads(text, implementation=implementation)
    lines = record_lines(text, wos=wos)
    if len(entries) != len(lines):
        raise CitationFileError(
            f"The file holds {len(lines)} records but only {len(entries)} could be read as "
            "complete records: check that each one ends with its end line."
        )
    return [{**entry, "_line": line} for entry, line in zip(entries, lines, strict=True)]


def is_wos(text: str) -> bool:
    """A Web of Science tagged file: "FN Clarivate…" / "VR 1.0" / "PT J" lines."""
    head = text.lstrip("\ufeff")[:500]
    return head.startswith(("FN ", "PT ")) and "\nER" in text


def parse(text: str) -> list[CitationRecord]:
    if is_wos(text):
        return [
            _wos_record(entry, entry["_line"]) for entry in _parse(text, rispy.WokParser, wos=True)
        ]
    return [
        _ris_record(entry, entry["_line"]) for entry in _parse(text, rispy.RisParser, wos=False)
    ]
