"""Reading citation files (RIS, Web of Science, BibTeX, MEDLINE, PubMed XML, CSL-JSON) into
plain records.

Parsing only: no database here. `read_citations(filename, content)` picks the format from the
file's content (its extension is only a hint), decodes it and returns CitationRecord objects in
file order, or raises CitationFileError naming the record and line at fault. The import service
(studies.services.citations_import) decides what becomes a study.
"""

import logging
from collections.abc import Callable
from pathlib import PurePath

from studies.importers.records import (
    CONTROL,
    CitationFileError,
    CitationRecord,
    control_problem,
    describe_control,
)

logger = logging.getLogger(__name__)

__all__ = [
    "FORMATS",
    "CitationFileError",
    "CitationRecord",
    "check_size",
    "detect_format",
    "megabytes",
    "read_citations",
]

FORMATS = {
    "ris": "RIS",
    "wos": "Web of Science tagged text",
    "bibtex": "BibTeX",
    "medline": "MEDLINE (PubMed .nbib)",
    "pubmed": "PubMed XML",
    "csljson": "CSL-JSON",
}
_EXTENSIONS = {
    ".ris": "ris",
    ".nbib": "medline",
    ".medline": "medline",
    ".bib": "bibtex",
    ".bibtex": "bibtex",
    ".xml": "pubmed",
    ".json": "csljson",
}


def _looks_like(text: str) -> str | None:
    """The format the content shows, whatever the file is called."""
    from studies.importers import medline, ris

    head = text.lstrip()[:2000]
    if head.startswith("<"):
        return "pubmed"
    if head.startswith(("[", "{")):
        return "csljson"
    if medline.looks_like(head):
        return "medline"
    if ris.is_wos(text):
        return "wos"
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
    from studies.importers import bibtex, csljson, medline, pubmed, ris

    return {
        "ris": ris.parse,
        "wos": ris.parse,
        "medline": medline.parse,
        "bibtex": bibtex.parse,
        "pubmed": pubmed.parse,
        "csljson": csljson.parse,
    }[fmt]


def megabytes(size: int) -> str:
    """A file size for a message: "20 MB", "2.5 MB", "800 kB", "12 bytes"."""
    for unit, scale in (("MB", 1_000_000), ("kB", 1000)):
        if size >= scale:
            return f"{size / scale:.1f}".removesuffix(".0") + f" {unit}"
    return f"{size} bytes"


def check_size(size: int, max_bytes: int) -> None:
    """CitationFileError when a file of `size` bytes is over the limit for one file."""
    if size > max_bytes:
        raise CitationFileError(
            f"The file is {megabytes(size)}, over the {megabytes(max_bytes)} limit for one "
            "citation file. Split it into smaller exports and import them one by one."
        )


def _refuse_control_characters(text: str) -> None:
    found = CONTROL.search(text)
    if found:
        line = text.count("\n", 0, found.start()) + 1
        raise CitationFileError(
            f"Line {line} holds the control character {describe_control(found.group())}, "
            "which no citation contains and the database cannot store: the file is damaged or "
            "not a text export. Export it again, or remove the character.",
            line=line,
        )


def _parse(fmt: str, text: str) -> list[CitationRecord]:
    try:
        return _parser(fmt)(text)
    except CitationFileError:
        raise
    except RecursionError:
        raise CitationFileError(
            f"The {FORMATS[fmt]} is nested too deeply to be read (thousands of levels of "
            "brackets or elements inside each other): it is not a citation export."
        ) from None
    except Exception as error:  # a parser's own bug or limit must not become a server error
        logger.exception("Reading a %s file failed", fmt)
        raise CitationFileError(
            f"The file looks like {FORMATS[fmt]} but the reader stopped on it "
            f"({type(error).__name__}). Export it again; if it keeps failing, tell us."
        ) from None


def read_citations(
    filename: str, content: bytes, *, max_bytes: int | None = None
) -> tuple[str, list[CitationRecord]]:
    """(format key, records) for a file's bytes; CitationFileError when it cannot be read.

    Refuses a file over `max_bytes`, a file holding NUL or other control characters (in the
    text or, for CSL-JSON, escaped inside a value) and, in CSL-JSON, a field of the wrong type.
    """
    if max_bytes is not None:
        check_size(len(content), max_bytes)
    if not content.strip():
        raise CitationFileError("The file is empty: there are no citations to import.")
    text = decode(content)
    if not text.strip():
        raise CitationFileError("The file is empty: there are no citations to import.")
    _refuse_control_characters(text)
    fmt = detect_format(filename, text)
    records = _parse(fmt, text)
    if not records:
        raise CitationFileError(f"The file looks like {FORMATS[fmt]} but holds no complete record.")
    for number, record in enumerate(records, start=1):
        record.number = number
        problem = control_problem(record)
        if problem:
            raise CitationFileError(
                f"{record.label.capitalize()}: {problem}, which the database cannot store. "
                "Remove it and import the file again.",
                record=number,
                line=record.line,
            )
    return fmt, records
