"""Pure helpers for citation identifiers: normalising DOIs, PMIDs and titles.

These define what counts as "the same study" everywhere (model saving, the importers'
de-duplication, the seed loader), so they live in one place and touch no database.
"""

import re
import unicodedata
from collections.abc import Sequence
from typing import Protocol

_DOI_PREFIXES = re.compile(
    r"^(?:https?://(?:dx\.)?doi\.org/|https?://doi\.org/|doi\.org/|doi:\s*|urn:doi:)",
    re.IGNORECASE,
)
_DOI_SHAPE = re.compile(r"^10\.\d{4,9}/\S+$")


def normalize_doi(value: str | None) -> str:
    """Return the DOI in lower case without resolver prefix, or "" when there is none.

    "https://doi.org/10.1111/JOCD.13714", "doi:10.1111/jocd.13714" and "10.1111/jocd.13714"
    all give "10.1111/jocd.13714" (DOIs are case-insensitive by definition).
    """
    if not value:
        return ""
    doi = value.strip()
    while True:
        stripped = _DOI_PREFIXES.sub("", doi).strip()
        if stripped == doi:
            break
        doi = stripped
    return doi.rstrip(".,;").lower()


def is_valid_doi(doi: str) -> bool:
    """True when a normalised DOI has the 10.NNNN/suffix shape."""
    return bool(_DOI_SHAPE.match(doi))


def normalize_pmid(value: str | int | None) -> str:
    """Return the PMID as a bare string of digits ("PMID: 123" gives "123"), "" when absent."""
    if value is None:
        return ""
    text = str(value).strip()
    text = re.sub(r"^(?:pmid:?\s*)", "", text, flags=re.IGNORECASE)
    return text


def normalize_title(value: str | None) -> str:
    """A comparison key for titles: accents folded, case folded, punctuation and spacing dropped."""
    if not value:
        return ""
    decomposed = unicodedata.normalize("NFKD", value)
    without_marks = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return re.sub(r"[\W_]+", "", without_marks.casefold())


# Vancouver (ICMJE / NLM "Citing Medicine") references -------------------------------------

VANCOUVER_MAX_AUTHORS = 6


_SUFFIXES = frozenset({"Jr", "Sr", "II", "III", "IV"})
TITLE_NOT_AVAILABLE = "Title not available"


def _is_initials(word: str) -> bool:
    """ "MS", "R", "BS": a given name written as capital initials (at most three letters)."""
    return word.isalpha() and word.isupper() and len(word) <= 3


def split_name(name: str) -> tuple[str, list[str], str]:
    """(family, given words, suffix) of a stored author name.

    Names are mostly stored given name first ("Rachita Dhurat", "Robert S English Jr"): the
    family name is the last word, a trailing Jr/Sr/II/III/IV set aside as a suffix. Some are
    stored family name first, Vancouver-style ("Starace M", "Chandrashekar B S"): when the last
    word is capital initials, the family name is the first word.
    """
    words = name.replace(".", " ").replace(",", " ").split()
    if not words:
        return "", [], ""
    suffix = ""
    if len(words) > 2 and words[-1] in _SUFFIXES:
        suffix = words.pop()
    if len(words) > 1 and _is_initials(words[-1]) and not _is_initials(words[0]):
        return words[0], words[1:], suffix
    return words[-1], words[:-1], suffix


def family_name(name: str) -> str:
    """The family name of a stored author name: "Dhurat", "English", "Starace"."""
    return split_name(name)[0]


def vancouver_author(name: str) -> str:
    """ "Rachita Dhurat" gives "Dhurat R"; "MS Sukesh" gives "Sukesh MS"; "Starace M" stays
    "Starace M"; "Robert S English Jr" gives "English RS Jr" (see split_name)."""
    family, given, suffix = split_name(name)
    if not given:
        return name.strip()
    initials = ""
    for word in given:
        if _is_initials(word):
            initials += word
        else:
            initials += "".join(part[0].upper() for part in word.split("-") if part)
    return " ".join(part for part in (family, initials, suffix) if part)


def is_placeholder_title(title: str) -> bool:
    """True for a missing title or a curator's bracketed stand-in ("[Title not verified: …]")."""
    return not title.strip() or title.strip().startswith("[")


def public_title(title: str, pmid: str = "") -> str:
    """The title a reader sees: as printed, or "Title not available (PMID 32516497)" when the
    record holds only a placeholder (the bracketed text is a curator's note, not a title)."""
    if not is_placeholder_title(title):
        return title.strip()
    return f"{TITLE_NOT_AVAILABLE} (PMID {pmid})" if pmid else TITLE_NOT_AVAILABLE


def vancouver_pages(pages: str) -> str:
    """NLM drops the repeated leading digits of the last page: 1553-1563 gives 1553-63."""
    start, dash, end = pages.partition("-")
    if not (dash and start.isdigit() and end.isdigit() and len(start) == len(end)):
        return pages
    common = 0
    while common < len(end) - 1 and start[common] == end[common]:
        common += 1
    return f"{start}-{end[common:]}"


class Citable(Protocol):
    """What a Vancouver reference reads from a study (a Study row has all of it)."""

    @property
    def title(self) -> str: ...
    @property
    def authors(self) -> Sequence[str]: ...
    @property
    def journal(self) -> str: ...
    @property
    def year(self) -> int: ...
    @property
    def volume(self) -> str: ...
    @property
    def issue(self) -> str: ...
    @property
    def pages(self) -> str: ...
    @property
    def doi(self) -> str: ...
    @property
    def pmid(self) -> str: ...


def format_vancouver(study: Citable) -> str:
    """The study's reference in Vancouver style, e.g.

    Dhurat R, Sukesh MS, Avhad G, Dandale A, Pal A, Pund P. A randomized … study. Int J
    Trichology. 2013;5(1):6-11. doi:10.4103/0974-7753.114700

    The journal is printed as stored (we keep full names, not NLM abbreviations).
    """
    parts = []
    authors = [vancouver_author(a) for a in study.authors or []]
    if len(authors) > VANCOUVER_MAX_AUTHORS:
        authors = authors[:VANCOUVER_MAX_AUTHORS] + ["et al"]
    if authors:
        parts.append(", ".join(authors) + ".")
    placeholder = is_placeholder_title(study.title)
    title = TITLE_NOT_AVAILABLE if placeholder else study.title.strip()
    parts.append(title if title.endswith(("?", "!", ".")) else f"{title}.")
    source = f"{study.journal.strip()}. " if study.journal else ""
    source += str(study.year)
    if study.volume:
        source += f";{study.volume}"
        if study.issue:
            source += f"({study.issue})"
    elif study.issue:
        source += f";({study.issue})"
    if study.pages:
        source += f":{vancouver_pages(study.pages)}"
    parts.append(source + ".")
    if study.doi:
        parts.append(f"doi:{study.doi}")
    if study.pmid and (placeholder or not study.doi):
        # Without a title, the PMID is how a reader finds the record.
        parts.append(f"PMID: {study.pmid}.")
    return " ".join(parts)
