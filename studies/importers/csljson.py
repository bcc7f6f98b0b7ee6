"""CSL-JSON (Zotero "Better CSL JSON", citeproc, Crossref) read with the json module."""

import json
from typing import Any

from studies.importers.records import CitationFileError, CitationRecord, parse_year


def _name(person: dict[str, Any]) -> str:
    if person.get("literal"):
        return str(person["literal"])
    parts = [person.get("given"), person.get("non-dropping-particle"), person.get("family")]
    parts.append(person.get("suffix"))
    return " ".join(str(p) for p in parts if p)


def _year(item: dict[str, Any]) -> int | None:
    issued = item.get("issued") or {}
    if isinstance(issued, dict):
        parts = issued.get("date-parts") or []
        if parts and parts[0] and parts[0][0]:
            return parse_year(parts[0][0])
        return parse_year(issued.get("raw") or issued.get("literal"))
    return parse_year(issued)


def _record(item: object, number: int) -> CitationRecord:
    if not isinstance(item, dict):
        raise CitationFileError(
            f"Record {number} is not a CSL-JSON item (an object with a title, authors…).",
            record=number,
        )
    authors = item.get("author") or []
    if not isinstance(authors, list) or not all(isinstance(a, dict) for a in authors):
        raise CitationFileError(
            f"Record {number} ({item.get('id', 'no id')}): “author” must be a list of names.",
            record=number,
        )
    return CitationRecord(
        title=str(item.get("title") or ""),
        authors=[_name(a) for a in authors],
        year=_year(item),
        journal=str(item.get("container-title") or ""),
        volume=str(item.get("volume") or ""),
        issue=str(item.get("issue") or ""),
        pages=str(item.get("page") or ""),
        doi=str(item.get("DOI") or ""),
        pmid=str(item.get("PMID") or ""),
        pmcid=str(item.get("PMCID") or ""),
        url=str(item.get("URL") or ""),
    )


def parse(text: str) -> list[CitationRecord]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise CitationFileError(
            f"The JSON breaks at line {error.lineno}, column {error.colno} ({error.msg}): "
            "the file may be truncated. Export it again.",
            line=error.lineno,
        ) from None
    items = data if isinstance(data, list) else [data]
    return [_record(item, number) for number, item in enumerate(items, start=1)]
