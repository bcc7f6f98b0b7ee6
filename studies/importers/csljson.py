"""CSL-JSON (Zotero "Better CSL JSON", citeproc, Crossref) read with the json module.

Every field is checked for its type: text fields take a string or a number (CSL allows
`"volume": 5`; Crossref gives titles as a list of strings, the first is taken), names are
objects of such parts, `issued` holds `date-parts` as a list of lists. Anything else (a title
that is an object, a year that is a list) refuses the file with the record and field named,
rather than storing the Python text of the value.
"""

import html
import json
import re
from typing import Any

from studies.citations import Name, clean_name
from studies.importers.records import CitationFileError, CitationRecord, parse_year
from studies.vocabulary import RecordType

_TEXT_FIELDS = {
    "title": "title",
    "journal": "container-title",
    "volume": "volume",
    "issue": "issue",
    "pages": "page",
    "doi": "DOI",
    "pmid": "PMID",
    "pmcid": "PMCID",
    "url": "URL",
    "abstract": "abstract",
    "language": "language",
}
# CSL's rich-text markup (the CSL-JSON spec's "HTML-like" formatting) is stripped from text.
_MARKUP = re.compile(r"</?(?:i|b|sup|sub|span)(?:\s[^>]*)?>", re.IGNORECASE)
_MARKED_UP = ("title", "journal", "abstract")
_TYPES = {
    "book": RecordType.BOOK,
    "chapter": RecordType.CHAPTER,
    "thesis": RecordType.THESIS,
    "article": RecordType.PREPRINT,
    "post": RecordType.PREPRINT,
    "review": RecordType.ARTICLE,
}
_NAME_PARTS = [
    "literal",
    "given",
    "dropping-particle",
    "non-dropping-particle",
    "family",
    "suffix",
]


class _FieldError(Exception):
    """A value of the wrong type: the message says which field and what was expected."""


def _kind(value: object) -> str:
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool):
        return "true/false"
    return type(value).__name__


def _text(value: object, name: str) -> str:
    """A text field: a string or a number; a list of strings gives its first (Crossref)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return next((v for v in value if v.strip()), "")
    raise _FieldError(f"“{name}” must be text, not {_kind(value)}")


def _name(person: object) -> Name:
    if not isinstance(person, dict):
        raise _FieldError(
            f"each “author” must be an object with family and given names, not {_kind(person)}"
        )
    parts = {part: _text(person.get(part), f"author {part}") for part in _NAME_PARTS}
    if parts["literal"]:
        return {"literal": parts["literal"]}
    if parts["dropping-particle"]:
        parts["given"] = " ".join(p for p in (parts["given"], parts["dropping-particle"]) if p)
    return clean_name(parts)


def strip_markup(text: str) -> str:
    """ "<i>In vitro</i> growth" gives "In vitro growth" (entities decoded too)."""
    if "<" not in text and "&" not in text:
        return text
    return html.unescape(_MARKUP.sub("", text))


def _record_type(item: dict[str, Any]) -> str:
    genre = _text(item.get("genre"), "genre").lower()
    if "review" in genre:
        return RecordType.REVIEW
    if "preprint" in genre:
        return RecordType.PREPRINT
    return _TYPES.get(_text(item.get("type"), "type"), RecordType.ARTICLE)


def _keywords(item: dict[str, Any]) -> list[str]:
    value = item.get("keyword")
    if isinstance(value, list):
        return [_text(v, "keyword") for v in value]
    text = _text(value, "keyword")
    return [k.strip() for k in re.split(r"[;,]", text)] if text else []


def _year(item: dict[str, Any]) -> int | None:
    issued = item.get("issued")
    if issued is None or issued == "":
        return None
    if isinstance(issued, str | int) and not isinstance(issued, bool):
        return parse_year(issued)
    if not isinstance(issued, dict):
        raise _FieldError(f"“issued” must be a date object, not {_kind(issued)}")
    parts = issued.get("date-parts")
    if parts is not None:
        if not isinstance(parts, list) or not all(isinstance(p, list) for p in parts):
            raise _FieldError(
                "“issued” → “date-parts” must be a list of lists, e.g. [[2013, 1, 5]]; "
                f"it is {json.dumps(parts)[:40]}"
            )
        if parts and parts[0]:
            first = parts[0][0]
            if not isinstance(first, str | int) or isinstance(first, bool):
                raise _FieldError(f"the year in “date-parts” must be a number, not {_kind(first)}")
            return parse_year(first)
    for key in ("raw", "literal"):
        if issued.get(key):
            return parse_year(_text(issued[key], f"issued {key}"))
    return None


def _record(item: object, number: int) -> CitationRecord:
    if not isinstance(item, dict):
        raise CitationFileError(
            f"Record {number} is not a CSL-JSON item (an object with a title, authors…).",
            record=number,
        )
    try:
        authors = item.get("author") or []
        if not isinstance(authors, list):
            raise _FieldError(f"“author” must be a list of names, not {_kind(authors)}")
        # Text fields only (title, journal, doi…), so Any costs no safety here.
        values: dict[str, Any] = {
            name: _text(item.get(key), key) for name, key in _TEXT_FIELDS.items()
        }
        kind = _record_type(item)
        if kind in (RecordType.BOOK, RecordType.THESIS) and not values["journal"]:
            values["journal"] = _text(item.get("publisher"), "publisher")
        for name in _MARKED_UP:
            values[name] = strip_markup(values[name])
        return CitationRecord(
            **values,
            names=[n for n in (_name(a) for a in authors) if n],
            year=_year(item),
            keywords=_keywords(item),
            record_type=kind,
        )
    except _FieldError as error:
        ident = item.get("id")
        which = f" ({ident})" if isinstance(ident, str | int) else ""
        raise CitationFileError(
            f"Record {number}{which}: {error}.",
            record=number,
        ) from None


def parse(text: str) -> list[CitationRecord]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise CitationFileError(
            f"The JSON breaks at line {error.lineno}, column {error.colno} ({error.msg}): "
            "the file may be truncated. Export it again.",
            line=error.lineno,
        ) from None
    except RecursionError:
        raise CitationFileError(
            "The JSON is nested too deeply to be a citation file (lists or objects inside each "
            "other thousands of levels down). Export the references again."
        ) from None
    items = data if isinstance(data, list) else [data]
    return [_record(item, number) for number, item in enumerate(items, start=1)]
