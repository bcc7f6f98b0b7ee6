"""BibTeX read with bibtexparser v2 and its middlewares.

- Field names are lower-cased (`NormalizeFieldKeys`): Web of Science writes `Author`, `Title`.
- A field given twice keeps its first value; the others are noted on the record (Scopus
  writes `funding_details` once per funder).
- Names are split by BibTeX's own rules (`SeparateCoAuthors`, `SplitNameParts`) into family,
  given, particle ("von") and suffix ("jr").
- LaTeX is decoded only in text fields (title, journal, abstract…), never in url, doi, eprint,
  pmid: there "%" and "&" are plain characters. In text fields a bare "%" or "&" is kept as
  printed (a LaTeX decoder would read "%" as a comment and "&" as a table column), and a
  value with no backslash or brace is taken as is (most of them, and decoding is the slow part).
"""

import re
import unicodedata
from typing import Any

from bibtexparser.entrypoint import (  # type: ignore[attr-defined]
    default_parse_stack,
    parse_string,
)
from bibtexparser.library import Library
from bibtexparser.middlewares import (
    LatexDecodingMiddleware,
    NormalizeFieldKeys,
    SeparateCoAuthors,
    SplitNameParts,
)
from bibtexparser.middlewares.middleware import BlockMiddleware
from bibtexparser.middlewares.names import NameParts
from bibtexparser.model import Block, DuplicateBlockKeyBlock, DuplicateFieldKeyBlock, Entry

from studies.citations import Name, parse_name, structured_name
from studies.importers.records import CitationFileError, CitationRecord, parse_year
from studies.vocabulary import RecordType

TEXT_FIELDS = frozenset(
    {
        "title",
        "booktitle",
        "journal",
        "journaltitle",
        "abstract",
        "keywords",
        "publisher",
        "school",
        "institution",
        "series",
        "note",
        "type",
        "language",
        "mesh",
        "howpublished",
    }
)
NAME_FIELDS = ("author", "editor")
_LATEX_SIGNS = ("\\", "{", "$", "~")
# Where each record type keeps what the study calls its journal.
_CONTAINERS: dict[str, tuple[str, ...]] = {
    RecordType.BOOK: ("publisher", "series", "journal"),
    RecordType.CHAPTER: ("booktitle", "journal", "journaltitle"),
    RecordType.THESIS: ("school", "institution", "publisher"),
    RecordType.PREPRINT: ("howpublished", "journal", "journaltitle", "publisher"),
}


_ESCAPES = {"\\%": "%", "\\&": "&", "\\_": "_", "\\#": "#", "\\$": "$", "\\{": "{", "\\}": "}"}
_MATH = re.compile(r"(?<!\\)\$")
_ESCAPE = re.compile(r"\\[%&_#$]")
_ACCENTS = {
    "'": "\u0301",
    "`": "\u0300",
    "^": "\u0302",
    '"': "\u0308",
    "~": "\u0303",
    "=": "\u0304",
    ".": "\u0307",
    "c": "\u0327",
    "v": "\u030c",
    "u": "\u0306",
    "H": "\u030b",
    "r": "\u030a",
    "k": "\u0328",
}
# {\'e}, \'{e}, \'e, \c{c}, \v s: one accent on one letter (what reference managers write).
_ACCENT = re.compile(
    r"\{?\\(?:(['`^\"~=.])\s*\{?([A-Za-z])\}?|([cvuHrk])(?:\s*\{([A-Za-z])\}|\s+([A-Za-z])))\}?"
)
_LETTERS = {
    "\\ss": "ß",
    "\\o": "ø",
    "\\O": "Ø",
    "\\ae": "æ",
    "\\AE": "Æ",
    "\\aa": "å",
    "\\AA": "Å",
    "\\l": "ł",
    "\\L": "Ł",
    "\\i": "ı",
    "\\oe": "œ",
    "\\OE": "Œ",
}
_LETTER = re.compile(r"\{?(\\(?:ss|o|O|ae|AE|aa|AA|l|L|i|oe|OE))(?![A-Za-z])\s*\}?")


def _accent(match: re.Match[str]) -> str:
    mark, letter, macro, braced, spaced = match.groups()
    base = letter if mark else (braced or spaced)
    return unicodedata.normalize("NFC", base + _ACCENTS[mark or macro])


def quick_decode(text: str) -> str | None:
    """The LaTeX reference managers write (escaped signs, one-letter accents, protective
    braces) decoded without a parser; None when anything else is left for the full decoder."""
    if _MATH.search(text):
        return None
    text = _ACCENT.sub(_accent, text)
    text = _LETTER.sub(lambda m: _LETTERS[m.group(1)], text)
    text = _ESCAPE.sub(lambda m: _ESCAPES[m.group()], text)
    if "\\" in text:
        return None
    return text.replace("{", "").replace("}", "").replace("~", "\u00a0")


def _protect(text: str) -> str:
    """Escape the bare "%" and "&" a LaTeX decoder would eat ("5% saline", "Skin & Hair")."""
    out = []
    previous = ""
    for char in text:
        if char in "%&" and previous != "\\":
            out.append("\\")
        out.append(char)
        previous = char
    return "".join(out)


class TextFieldLatexDecoding(BlockMiddleware):
    """LaTeX decoding (bibtexparser's decoder) of the text fields and name parts only."""

    def __init__(self) -> None:
        super().__init__(allow_inplace_modification=True, allow_parallel_execution=True)
        self._decoder = LatexDecodingMiddleware()._decoder

    @classmethod
    def metadata_key(cls) -> str:
        return "text_field_latex_decoding"

    def decode(self, text: str) -> str:
        if not any(sign in text for sign in _LATEX_SIGNS):
            return text
        quick = quick_decode(text)
        if quick is not None:
            return quick
        try:
            return str(self._decoder.latex_to_text(_protect(text)))
        except Exception:  # noqa: BLE001 (a decoder's failure keeps the text as written)
            return text

    def transform_entry(self, entry: Entry, library: Library) -> Entry:
        for field in entry.fields:
            if field.key in TEXT_FIELDS and isinstance(field.value, str):
                enclosing = field.enclosing
                field.value = self.decode(field.value)
                field.enclosing = enclosing
            elif (
                isinstance(field.value, str)
                and field.value.startswith("{")
                and field.value.endswith("}")
            ):
                # Web of Science doubles the braces ("Volume = {{12}}"): the inner pair goes,
                # nothing else is touched.
                inner = field.value[1:-1]
                if "{" not in inner and "}" not in inner:
                    field.value = inner
            elif field.key in NAME_FIELDS and isinstance(field.value, list):
                for parts in field.value:
                    if isinstance(parts, NameParts):
                        parts.first = [self.decode(p) for p in parts.first]
                        parts.von = [self.decode(p) for p in parts.von]
                        parts.last = [self.decode(p) for p in parts.last]
                        parts.jr = [self.decode(p) for p in parts.jr]
        return entry


def _stack() -> list[BlockMiddleware]:
    return [
        NormalizeFieldKeys(),
        SeparateCoAuthors(),
        SplitNameParts(),
        TextFieldLatexDecoding(),
    ]


def _field(entry: Entry, *keys: str) -> str:
    # Entry.fields_dict is built anew on every access: read it once per entry.
    fields = getattr(entry, "_fields_once", None)
    if fields is None:
        fields = {f.key: f.value for f in entry.fields}
        entry._fields_once = fields  # type: ignore[attr-defined]
    for key in keys:
        value = fields.get(key)
        if value is not None and str(value).strip():
            return str(value)
    return ""


def _line(block: Block) -> int | None:
    # bibtexparser counts lines from 0.
    return None if block.start_line is None else block.start_line + 1


def _name(parts: object) -> Name:
    if isinstance(parts, NameParts):
        return structured_name(
            family=" ".join(parts.last),
            given=" ".join(parts.first),
            suffix=" ".join(parts.jr),
            particle=" ".join(parts.von),
        )
    return parse_name(str(parts))


def _record_type(entry: Entry) -> str:
    kind = entry.entry_type.lower()
    subtype = _field(entry, "type", "pubstate").lower()
    if "review" in subtype:
        return RecordType.REVIEW
    if kind in ("book", "booklet", "mvbook"):
        return RecordType.BOOK
    if kind in ("inbook", "incollection", "bookinbook"):
        return RecordType.CHAPTER
    if kind in ("phdthesis", "mastersthesis", "thesis"):
        return RecordType.THESIS
    if "preprint" in subtype or (
        kind in ("unpublished", "online", "misc")
        and _field(entry, "eprinttype", "archiveprefix").lower()
        in ("arxiv", "biorxiv", "medrxiv", "preprint")
    ):
        return RecordType.PREPRINT
    return RecordType.ARTICLE


def _list(value: str) -> list[str]:
    separator = ";" if ";" in value else ","
    return [part.strip() for part in value.split(separator)]


def _record(entry: Entry, line: int, notes: list[str]) -> CitationRecord:
    value = next((f.value for f in entry.fields if f.key == "author"), None)
    people: list[Any] = [] if value is None else value if isinstance(value, list) else [value]
    pmid = _field(entry, "pmid")
    if not pmid and _field(entry, "eprinttype").lower() == "pubmed":
        pmid = _field(entry, "eprint")
    kind = _record_type(entry)
    container = _CONTAINERS.get(kind, ("journal", "journaltitle", "booktitle"))
    return CitationRecord(
        title=_field(entry, "title"),
        names=[n for n in (_name(p) for p in people) if n],
        year=parse_year(_field(entry, "year", "date")),
        journal=_field(entry, *container),
        volume=_field(entry, "volume"),
        issue=_field(entry, "number", "issue"),
        pages=_field(entry, "pages"),
        doi=_field(entry, "doi"),
        pmid=pmid,
        pmcid=_field(entry, "pmcid"),
        url=_field(entry, "url"),
        abstract=_field(entry, "abstract"),
        keywords=_list(_field(entry, "keywords", "author_keywords")),
        mesh_terms=_list(_field(entry, "mesh")),
        language=_field(entry, "language", "langid"),
        record_type=kind,
        notes=notes,
        line=line + 1,
    )


def _finish(entry: Entry) -> Entry:
    """Run the stack on an entry the splitter set aside (its field given twice)."""
    library = Library([entry])
    for middleware in [*default_parse_stack(), *_stack()]:
        library = middleware.transform(library)
    return library.entries[0]


def _first_fields_only(entry: Entry) -> list[str]:
    seen: set[str] = set()
    kept = []
    dropped: list[str] = []
    for field in entry.fields:
        key = field.key.lower()
        if key in seen:
            dropped.append(key)
            continue
        seen.add(key)
        kept.append(field)
    entry.fields = kept
    return [
        f"“{key}” is given {dropped.count(key) + 1} times: the first is kept"
        for key in sorted(set(dropped))
    ]


def parse(text: str) -> list[CitationRecord]:
    library = parse_string(text, append_middleware=_stack())
    records: list[tuple[int, CitationRecord]] = []
    for block in library.failed_blocks:
        start = block.start_line or 0
        if isinstance(block, DuplicateFieldKeyBlock) and isinstance(
            block.ignore_error_block, Entry
        ):
            entry = block.ignore_error_block
            notes = _first_fields_only(entry)
            records.append((start, _record(_finish(entry), start, notes)))
            continue
        if isinstance(block, DuplicateBlockKeyBlock):
            # The same key twice is the same record twice: the import reports it as a duplicate.
            # It is parsed on its own so it gets the same decoding as the first copy.
            again = parse(block.raw or "")
            if again:
                again[0].line = start + (again[0].line or 1)
                records.append((start, again[0]))
                continue
        lines = (block.raw or "").strip().splitlines()
        begins = lines[0][:60] if lines else ""
        why = str(block.error).strip() or "it is not closed"
        raise CitationFileError(
            f"The BibTeX entry starting at line {_line(block)} cannot be read ({why}). "
            f"It begins “{begins}”; the file may be truncated or the braces unbalanced.",
            line=_line(block),
        )
    records += [(e.start_line or 0, _record(e, e.start_line or 0, [])) for e in library.entries]
    records.sort(key=lambda pair: pair[0])
    return [record for _, record in records]
