"""The common record every importer produces, and the helpers they share."""

import re
import unicodedata
from dataclasses import dataclass, field, fields

from studies.citations import (
    NO_DATE,
    Name,
    clean_name,
    family_with_particle,
    name_text,
    normalize_doi,
    normalize_pmid,
    parse_name,
)
from studies.vocabulary import RecordType


class CitationFileError(ValueError):
    """A file that cannot be imported at all: the message names the record and line at fault."""

    def __init__(self, message: str, *, record: int | None = None, line: int | None = None):
        super().__init__(message)
        self.record = record
        self.line = line


@dataclass
class CitationRecord:
    """One reference as read from a file, before it is matched against the database."""

    title: str = ""
    authors: list[str] = field(default_factory=list)
    year: int | None = None
    journal: str = ""
    volume: str = ""
    issue: str = ""
    pages: str = ""
    doi: str = ""
    pmid: str = ""
    pmcid: str = ""
    url: str = ""
    design: str = ""
    # Structured names (CSL name objects); from `authors` by parse_name when a reader gives
    # only text. `authors` is then set from these, given name first.
    names: list[Name] = field(default_factory=list)
    abstract: str = ""
    keywords: list[str] = field(default_factory=list)
    mesh_terms: list[str] = field(default_factory=list)
    publication_types: list[str] = field(default_factory=list)
    language: str = ""
    registry_ids: list[str] = field(default_factory=list)
    record_type: str = RecordType.ARTICLE
    # What the reader set aside from this record (a duplicated field, an unreadable value).
    notes: list[str] = field(default_factory=list)
    number: int = 0
    line: int | None = None

    def __post_init__(self) -> None:
        self.title = clean_text(self.title).rstrip(".").strip() if self.title else ""
        if self.names:
            self.names = [n for n in (clean_name(dict(n)) for n in self.names) if n]
        else:
            texts = [clean_text(a) for a in self.authors if a and clean_text(a)]
            self.names = [n for n in (parse_name(a) for a in texts) if n]
        self.authors = [name_text(n) for n in self.names]
        self.journal = clean_text(self.journal)
        self.volume = clean_text(self.volume)
        self.issue = clean_text(self.issue)
        self.pages = expand_pages(clean_text(self.pages))
        self.doi = normalize_doi(self.doi)
        self.pmid = normalize_pmid(self.pmid)
        self.pmcid = clean_text(self.pmcid).upper()
        if self.pmcid.isdigit():
            self.pmcid = f"PMC{self.pmcid}"
        self.url = clean_text(self.url)
        self.abstract = clean_abstract(self.abstract)
        self.keywords = unique_texts(self.keywords)
        self.mesh_terms = unique_texts(self.mesh_terms)
        self.publication_types = unique_texts(self.publication_types)
        self.language = clean_text(self.language)
        self.registry_ids = unique_texts(i.upper() for i in self.registry_ids)
        if self.record_type == RecordType.ARTICLE and any(
            t.lower() in _REVIEW_TYPES for t in self.publication_types
        ):
            self.record_type = RecordType.REVIEW
        if not self.registry_ids:
            self.registry_ids = registry_ids_in(self.abstract)

    @property
    def label(self) -> str:
        where = f" (line {self.line})" if self.line else ""
        return f"record {self.number}{where}"

    def describe(self) -> str:
        first = family_with_particle(self.names[0]) if self.names else "no author"
        return f"{first} {self.year or NO_DATE}: {self.title[:80] or '(no title)'}"

    def study_values(self) -> dict[str, object]:
        return {
            "title": self.title,
            "authors": list(self.authors),
            "author_names": [dict(n) for n in self.names],
            "year": self.year,
            "journal": self.journal,
            "volume": self.volume,
            "issue": self.issue,
            "pages": self.pages,
            "doi": self.doi,
            "pmid": self.pmid,
            "pmcid": self.pmcid,
            "url": self.url,
            "design": self.design,
            "abstract": self.abstract,
            "keywords": list(self.keywords),
            "mesh_terms": list(self.mesh_terms),
            "publication_types": list(self.publication_types),
            "language": self.language,
            "registry_ids": list(self.registry_ids),
            "record_type": self.record_type,
        }


_REVIEW_TYPES = {"review", "systematic review", "meta-analysis", "review article"}
_REGISTRY_ID = re.compile(r"\b(NCT\d{8}|ISRCTN\d{8}|ACTRN\d{14}|CTRI/\d{4}/\d+/\d+|IRCT\w+)\b")


def registry_ids_in(text: str) -> list[str]:
    """Trial registry numbers (NCT, ISRCTN, ACTRN, CTRI, IRCT) named in a text."""
    return unique_texts(_REGISTRY_ID.findall(text))


def unique_texts(values: object) -> list[str]:
    """Cleaned, non-empty texts in first-seen order, each once."""
    out: list[str] = []
    seen: set[str] = set()
    for value in values if isinstance(values, list | tuple) else list(values):  # type: ignore[call-overload]
        text = clean_text(value)
        if text and text.casefold() not in seen:
            seen.add(text.casefold())
            out.append(text)
    return out


_SECTION_LABEL = re.compile(r"(?<=[.!?])\s+(?=[A-Z][A-Z /&-]{2,40}: )")


def clean_abstract(value: object) -> str:
    """Paragraphs (labelled sections as "METHODS: …") kept apart by one blank line."""
    if not value:
        return ""
    text = str(value)
    if "\n\n" not in text.strip():
        # One paragraph with labelled sections (RIS, Scopus): each label starts a paragraph.
        text = _SECTION_LABEL.sub("\n\n", text)
    paragraphs = re.split(r"\n\s*\n", text)
    return "\n\n".join(p for p in (clean_text(p) for p in paragraphs) if p)


def abstract_from_sections(sections: list[tuple[str, str]]) -> str:
    """[("BACKGROUND", "…"), ("", "…")] as the stored abstract text."""
    return "\n\n".join(f"{label}: {text}" if label else text for label, text in sections if text)


_SPACE = re.compile(r"\s+")
# Characters no citation field holds and PostgreSQL or a BibTeX tool refuses: NUL and the other
# C0/C1 control characters that are not whitespace (whitespace is collapsed to one space), DEL,
# and lone surrogates (a JSON "\\ud800" decodes to one; UTF-8 cannot encode it).
CONTROL = re.compile(r"[\x00-\x08\x0e-\x1b\x7f-\x9f\ud800-\udfff]")


def describe_control(char: str) -> str:
    """ "U+0000 (NUL)" for a message: the code point and, where it has one, its name."""
    names = {"\x00": "NUL", "\x7f": "DEL"}
    name = names.get(char) or unicodedata.name(char, "a control character")
    return f"U+{ord(char):04X} ({name})"


def control_problem(record: "CitationRecord") -> str:
    """ "" or a message naming the first field of a record holding a control character."""
    for item in fields(record):
        value = getattr(record, item.name)
        values = value if isinstance(value, list) else [value]
        for text in values:
            if isinstance(text, str):
                found = CONTROL.search(text)
                if found:
                    return (
                        f"its {item.name} holds the control character "
                        f"{describe_control(found.group())}"
                    )
    return ""


# Citation keys: the first author's family name in ASCII letters and digits, the year, and a
# letter suffix for the second and later studies sharing both (wang2020, wang2020a … wang2020z,
# wang2020aa …), so every key stays a valid BibTeX key and a file name.
KEY_BASE_LENGTH = 40


def ascii_key(value: str) -> str:
    """Lower-case ASCII letters and digits only: accents folded, everything else dropped."""
    folded = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "", folded.lower())


def key_suffix(number: int) -> str:
    """0 gives "", 1 "a", 26 "z", 27 "aa", 28 "ab" … (bijective base 26)."""
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(ord("a") + rest) + letters
    return letters


def citation_key_base(names: list[Name], year: int | None) -> str:
    family = family_with_particle(names[0]) if names else ""
    return (ascii_key(family)[:KEY_BASE_LENGTH] or "anon") + (str(year) if year else "")


class CitationKeys:
    """Hands out keys not yet taken, remembering what it handed out."""

    def __init__(self, taken: set[str] | None = None) -> None:
        self.taken: set[str] = set(taken or ())
        self._next: dict[str, int] = {}

    def new(self, base: str) -> str:
        number = self._next.get(base, 0)
        while (key := base + key_suffix(number)) in self.taken:
            number += 1
        self._next[base] = number + 1
        self.taken.add(key)
        return key


_YEAR = re.compile(r"\b(1[89]\d\d|20\d\d|2100)\b")


def clean_text(value: object) -> str:
    if value is None:
        return ""
    return _SPACE.sub(" ", str(value)).strip()


def parse_year(value: object) -> int | None:
    """The first plausible four-digit year in a date string ("2013/01/05", "2013 Jan-Mar")."""
    if value is None:
        return None
    match = _YEAR.search(str(value))
    return int(match.group(1)) if match else None


def expand_pages(pages: str) -> str:
    """ "1553-63" (PubMed's abbreviation) gives "1553-1563"; "6--11" gives "6-11"."""
    pages = re.sub(r"\s*[-–—]+\s*", "-", pages)
    start, dash, end = pages.partition("-")
    if dash and start.isdigit() and end.isdigit() and len(end) < len(start):
        end = start[: len(start) - len(end)] + end
        return f"{start}-{end}"
    return pages


def join_pages(start: str | None, end: str | None) -> str:
    start, end = clean_text(start), clean_text(end)
    if start and end and end != start:
        return f"{start}-{end}"
    return start or end


def person_name(value: str) -> str:
    """ "Dhurat, Rachita" gives "Rachita Dhurat": names read given name first.

    A third part is a suffix ("English, Robert S, Jr" gives "Robert S English Jr").
    """
    return name_text(parse_name(clean_text(value)))
