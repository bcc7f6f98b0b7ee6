"""Pure helpers for citation identifiers: normalising DOIs, PMIDs and titles.

These define what counts as "the same study" everywhere (model saving, the importers'
de-duplication, the seed loader), so they live in one place and touch no database.
"""

import re
import unicodedata

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
