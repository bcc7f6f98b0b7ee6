"""The common record every importer produces, and the helpers they share."""

import re
import unicodedata
from dataclasses import dataclass, field, fields

from studies.citations import normalize_doi, normalize_pmid


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
    number: int = 0
    line: int | None = None

    def __post_init__(self) -> None:
        self.title = clean_text(self.title).rstrip(".").strip() if self.title else ""
        self.authors = [clean_text(a) for a in self.authors if a and clean_text(a)]
        self.journal = clean_text(self.journal)
        self.volume = clean_text(self.volume)
        self.issue = clean_text(self.issue)
        self.pages = expand_pages(clean_text(self.pages))
        self.doi = normalize_doi(self.doi)
        self.pmid = normalize_pmid(self.pmid)
        self.pmcid = clean_text(self.pmcid).upper()
        self.url = clean_text(self.url)

    @property
    def label(self) -> str:
        where = f" (line {self.line})" if self.line else ""
        return f"record {self.number}{where}"

    def describe(self) -> str:
        first = self.authors[0].split()[-1] if self.authors else "no author"
        return f"{first} {self.year or 'n.d.'}: {self.title[:80] or '(no title)'}"

    def study_values(self) -> dict[str, object]:
        return {
            "title": self.title,
            "authors": list(self.authors),
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
        }


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


def citation_key_base(authors: list[str], year: int | None) -> str:
    family = authors[0].split()[-1] if authors and authors[0].split() else ""
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
    """ "Dhurat, Rachita" gives "Rachita Dhurat": names are stored given name first.

    A third part is a suffix ("English, Robert S, Jr" gives "Robert S English Jr").
    """
    parts = [p.strip() for p in clean_text(value).split(",")]
    parts = [p for p in parts if p]
    if len(parts) >= 2:
        family, given, *rest = parts
        return " ".join([given, family, *rest])
    return parts[0] if parts else ""


def family_given(name: str) -> tuple[str, str]:
    """Split a stored name into (family, given) at its last space, as the exporters write it."""
    given, _, family = clean_text(name).rpartition(" ")
    return family, given
