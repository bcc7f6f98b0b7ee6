"""Reading citation files (RIS, BibTeX, PubMed XML, CSL-JSON) into plain records.

Parsing only: no database here. `read_citations(filename, content)` picks the format from the
file's content (its extension is only a hint), decodes it and returns CitationRecord objects in
file order, or raises CitationFileError naming the record and line at fault. The import service
(studies.services.citations_import) decides what becomes a study.
"""

from collections.abc import Callable
from pathlib import PurePath

from studies.importers.records import CitationFileError, CitationRecord

__all__ = ["FORMATS", "CitationFileError", "CitationRecord", "detect_format", "read_citations"]

FORMATS = {
    "ris": "RIS",
    "bibtex": "BibTeX",
    "pubmed": "PubMed XML",
    "csljson": "CSL-JSON",
}
_EXTENSIONS = {
    ".ris": "ris",
    ".nbib": "ris",
    ".bib": "bibtex",
    ".bibtex": "bibtex",
    ".xml": "pubmed",
    ".json": "csljson",
}


def _looks_like(text: str) -> str | None:
    head = text.lstrip()[:2000]
    if head.startswith("<"):
        return "pubmed"
    if head.startswith(("[", "{")):
        return "csljson"
    for line in head.splitlines():
        if line.startswith("TY  -"):
            return "ris"
        stripped = line.strip()
        if stripped.startswith("@"):
            return "bibtex"
    return None


def detect_format(filename: str, text: str) -> str:
    """The format key of a file: its content decides, its extension explains a mismatch."""
    found = _looks_like(text)
    if found:
        return found
    suffix = PurePath(filename).suffix.lower()
    expected = _EXTENSIONS.get(suffix)
    readable = ", ".join(FORMATS.values())
    if expected:
        raise CitationFileError(
            f"The file is named {suffix} but does not contain {FORMATS[expected]}: "
            f"the first lines are not a {FORMATS[expected]} record. Readable formats: {readable}."
        )
    raise CitationFileError(
        f"This is not a citation file in a format we read ({readable}). "
        "Export the references again from the reference manager or PubMed."
    )


def decode(content: bytes) -> str:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = content[: error.start].count(b"\n") + 1
        raise CitationFileError(
            f"The file is not UTF-8 text (line {line}): export it again as UTF-8, "
            "or check that it is a citation file at all.",
            line=line,
        ) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _parser(fmt: str) -> Callable[[str], list[CitationRecord]]:
    from studies.importers import bibtex, csljson, pubmed, ris

    return {
        "ris": ris.parse,
        "bibtex": bibtex.parse,
        "pubmed": pubmed.parse,
        "csljson": csljson.parse,
    }[fmt]


def read_citations(filename: str, content: bytes) -> tuple[str, list[CitationRecord]]:
    """(format key, records) for a file's bytes; CitationFileError when it cannot be read."""
    if not content.strip():
        raise CitationFileError("The file is empty: there are no citations to import.")
    text = decode(content)
    if not text.strip():
        raise CitationFileError("The file is empty: there are no citations to import.")
    fmt = detect_format(filename, text)
    records = _parser(fmt)(text)
    if not records:
        raise CitationFileError(f"The file looks like {FORMATS[fmt]} but holds no complete record.")
    for number, record in enumerate(records, start=1):
        record.number = number
    return fmt, records
