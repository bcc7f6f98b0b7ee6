"""MEDLINE / PubMed ".nbib" (PubMed's "Save → PubMed format" and citation-manager download).

The format (NLM's MEDLINE/PubMed data element descriptions): one field a line, a tag of up to
four letters padded to four, "- ", the value; a line starting with six spaces continues the
field above; records start with "PMID- " and are kept apart by a blank line. FAU gives the
name as "Family, Given" (AU only "Family Initials"), CN a group author; LID/AID carry the DOI
("10.1/x [doi]"), PMC the PMCID, PT the publication types, MH the MeSH headings, OT the
keywords, SI the registry numbers ("ClinicalTrials.gov/NCT01234567").
"""

import re

from studies.citations import Name, parse_name
from studies.importers.records import CitationFileError, CitationRecord, parse_year
from studies.vocabulary import RecordType

_LINE = re.compile(r"^([A-Z0-9]{2,4})\s*- ?(.*)$")
_REGISTRY = re.compile(r"(NCT\d{8}|ISRCTN\d{8}|ACTRN\d{14})")


def looks_like(text: str) -> bool:
    """The first field of the file is a "PMID- " line."""
    for line in text.lstrip("\ufeff").split("\n", 20):
        if line.strip():
            return line.startswith("PMID-")
    return False


def _fields(text: str) -> list[tuple[int, list[tuple[str, str]]]]:
    records: list[tuple[int, list[tuple[str, str]]]] = []
    current: list[tuple[str, str]] = []
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        if line.startswith("      ") and current:
            tag, value = current[-1]
            current[-1] = (tag, f"{value} {line.strip()}")
            continue
        match = _LINE.match(line)
        if not match:
            raise CitationFileError(
                f"Line {number} is not a MEDLINE field (“TAG - value”): it reads "
                f"“{line.strip()[:60]}”.",
                line=number,
            )
        tag, value = match.group(1), match.group(2).strip()
        if tag == "PMID":
            current = []
            records.append((number, current))
        elif not records:
            raise CitationFileError(
                f"Line {number} comes before the first record (a record starts with “PMID- ”).",
                line=number,
            )
        current.append((tag, value))
    return records


def _tagged(values: list[str], kind: str) -> str:
    suffix = f" [{kind}]"
    return next((v.removesuffix(suffix) for v in values if v.endswith(suffix)), "")


def _record(line: int, fields: list[tuple[str, str]]) -> CitationRecord:
    by_tag: dict[str, list[str]] = {}
    for tag, value in fields:
        by_tag.setdefault(tag, []).append(value)

    def one(*tags: str) -> str:
        return next((by_tag[t][0] for t in tags if by_tag.get(t)), "")

    people = by_tag.get("FAU") or by_tag.get("AU") or []
    names: list[Name] = [n for n in (parse_name(p) for p in people) if n]
    names += [{"literal": group} for group in by_tag.get("CN", [])]
    types = by_tag.get("PT", [])
    kind = RecordType.ARTICLE
    if by_tag.get("BTI"):  # a book (StatPearls, GeneReviews), or a chapter when it has a TI
        kind = RecordType.CHAPTER if one("TI") else RecordType.BOOK
    identifiers = by_tag.get("LID", []) + by_tag.get("AID", [])
    registry = [m for si in by_tag.get("SI", []) for m in _REGISTRY.findall(si)]
    return CitationRecord(
        title=one("TI", "BTI"),
        names=names,
        year=parse_year(one("DP", "DEP")),
        journal=one("JT", "TA") if kind == RecordType.ARTICLE else one("BTI", "CTI"),
        volume=one("VI"),
        issue=one("IP"),
        pages=one("PG"),
        doi=_tagged(identifiers, "doi"),
        pmid=one("PMID"),
        pmcid=one("PMC"),
        abstract=" ".join(by_tag.get("AB", [])),
        keywords=by_tag.get("OT", []),
        mesh_terms=[m.replace("*", "") for m in by_tag.get("MH", [])],
        publication_types=types,
        language=one("LA"),
        registry_ids=registry,
        record_type=kind,
        line=line,
    )


def parse(text: str) -> list[CitationRecord]:
    return [_record(line, fields) for line, fields in _fields(text)]
