"""BibTeX read with bibtexparser v2, LaTeX accents and braces decoded by its middleware."""

from bibtexparser.entrypoint import parse_string
from bibtexparser.library import Library
from bibtexparser.middlewares import LatexDecodingMiddleware, SeparateCoAuthors
from bibtexparser.model import Block, DuplicateBlockKeyBlock, Entry

from studies.importers.records import CitationFileError, CitationRecord, parse_year, person_name


def _field(entry: Entry, *keys: str) -> str:
    for key in keys:
        field = entry.fields_dict.get(key)
        if field is not None and str(field.value).strip():
            return str(field.value)
    return ""


def _line(block: Block) -> int | None:
    # bibtexparser counts lines from 0.
    return None if block.start_line is None else block.start_line + 1


def _record(entry: Entry, line: int) -> CitationRecord:
    authors_field = entry.fields_dict.get("author")
    authors = authors_field.value if authors_field is not None else []
    if isinstance(authors, str):
        authors = [authors]
    pmid = _field(entry, "pmid")
    if not pmid and _field(entry, "eprinttype").lower() == "pubmed":
        pmid = _field(entry, "eprint")
    return CitationRecord(
        title=_field(entry, "title"),
        authors=[person_name(a) for a in authors],
        year=parse_year(_field(entry, "year", "date")),
        journal=_field(entry, "journal", "journaltitle", "booktitle"),
        volume=_field(entry, "volume"),
        issue=_field(entry, "number", "issue"),
        pages=_field(entry, "pages"),
        doi=_field(entry, "doi"),
        pmid=pmid,
        pmcid=_field(entry, "pmcid"),
        url=_field(entry, "url"),
        line=line + 1,
    )


def _parse(text: str) -> Library:
    return parse_string(text, append_middleware=[LatexDecodingMiddleware(), SeparateCoAuthors()])


def parse(text: str) -> list[CitationRecord]:
    library = _parse(text)
    entries: list[tuple[int, Entry]] = []
    for block in library.failed_blocks:
        if isinstance(block, DuplicateBlockKeyBlock):
            # The same key twice is the same record twice: the import reports it as a duplicate.
            # It is parsed on its own so it gets the same decoding as the first copy.
            again = _parse(block.raw or "").entries
            if again:
                entries.append((block.start_line or 0, again[0]))
                continue
        lines = (block.raw or "").strip().splitlines()
        begins = lines[0][:60] if lines else ""
        why = str(block.error).strip() or "it is not closed"
        raise CitationFileError(
            f"The BibTeX entry starting at line {_line(block)} cannot be read ({why}). "
            f"It begins “{begins}”; the file may be truncated or the braces unbalanced.",
            line=_line(block),
        )
    entries += [(entry.start_line or 0, entry) for entry in library.entries]
    entries.sort(key=lambda pair: pair[0])
    return [_record(entry, line) for line, entry in entries]
