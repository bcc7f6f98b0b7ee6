"""RIS (Zotero, EndNote, Mendeley, PubMed, Scopus exports) read with rispy.

rispy parses the tags; this module first cuts the file into records itself so that a record
without its closing "ER  -" line (a truncated export) is reported with its line, not dropped.
"""

from typing import Any

import rispy

from studies.importers.records import (
    CitationFileError,
    CitationRecord,
    join_pages,
    parse_year,
    person_name,
)

_TAG_LINE_LENGTH = 5  # "TY  -"


def _is_tag(line: str, tag: str) -> bool:
    return line[:_TAG_LINE_LENGTH] == f"{tag}  -"


def _split_records(text: str) -> list[tuple[int, str]]:
    """[(first line number, record text)] with TY…ER checked; CitationFileError otherwise."""
    records: list[tuple[int, str]] = []
    current: list[str] = []
    start = 0
    for number, line in enumerate(text.split("\n"), start=1):
        if _is_tag(line, "TY"):
            if current:
                raise CitationFileError(
                    f"Record {len(records) + 1} starting at line {start} has no end line "
                    f"(“ER  -”) before the next record at line {number}.",
                    record=len(records) + 1,
                    line=start,
                )
            current, start = [line], number
        elif current:
            current.append(line)
            if _is_tag(line, "ER"):
                records.append((start, "\n".join(current)))
                current = []
        elif line.strip():
            raise CitationFileError(
                f"Line {number} is outside any record: an RIS record starts with “TY  -”. "
                f"The line reads “{line.strip()[:60]}”.",
                record=len(records) + 1,
                line=number,
            )
    if current:
        raise CitationFileError(
            f"Record {len(records) + 1} starting at line {start} has no end line (“ER  -”): "
            "the file looks truncated. Export it again.",
            record=len(records) + 1,
            line=start,
        )
    return records


def _first(entry: dict[str, Any], *keys: str) -> str:
    for key in keys:
        value = entry.get(key)
        if isinstance(value, list):
            value = value[0] if value else ""
        if value:
            return str(value)
    return ""


def _record(entry: dict[str, Any], line: int) -> CitationRecord:
    authors = [person_name(a) for a in entry.get("first_authors", []) + entry.get("authors", [])]
    urls = entry.get("urls") or []
    doi = _first(entry, "doi")
    if not doi:
        doi = next((u for u in urls if "doi.org/" in u), "")
    accession = _first(entry, "accession_number")
    return CitationRecord(
        title=_first(entry, "title", "primary_title"),
        authors=authors,
        year=parse_year(_first(entry, "year", "publication_year", "date")),
        journal=_first(entry, "secondary_title", "journal_name", "alternate_title3"),
        volume=_first(entry, "volume"),
        issue=_first(entry, "number"),
        pages=join_pages(entry.get("start_page"), entry.get("end_page")),
        doi=doi,
        pmid=accession if accession.isdigit() else "",
        url=next((u for u in urls if "doi.org/" not in u), ""),
        line=line,
    )


def parse(text: str) -> list[CitationRecord]:
    records = []
    for line, chunk in _split_records(text):
        entries = rispy.loads(chunk, skip_unknown_tags=True)
        if len(entries) != 1:
            raise CitationFileError(
                f"Record starting at line {line} could not be read as RIS.", line=line
            )
        records.append(_record(entries[0], line))
    return records
