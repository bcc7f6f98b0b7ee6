"""Finding where a quote sits in a document's text: W3C Web Annotation selectors.

A mention is stored as a text-quote selector (quote with prefix and suffix) plus a
text-position selector (start and end offsets). Curators paste only the quote; this module
finds the offsets, and finds them again after the document's text changes. No database here.
"""

import unicodedata
from dataclasses import dataclass

# How much text either side of a quote is kept as its prefix and suffix (Hypothesis keeps 32).
CONTEXT_CHARS = 32


def normalize_text(text: str) -> str:
    """A document's text as stored: line endings LF (a browser posts CRLF), Unicode NFC.

    Offsets count characters of this form, so the same text typed, pasted or posted again is
    the same text: the same checksum, the same mention offsets.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFC", text)


class AnchorError(ValueError):
    """The quote cannot be placed in the text: it is missing, or it is ambiguous."""


@dataclass(frozen=True)
class Anchor:
    start: int
    end: int
    prefix: str
    suffix: str


def occurrences(text: str, quote: str) -> list[int]:
    """Every start offset of quote in text, overlapping ones included."""
    if not quote:
        return []
    found, at = [], text.find(quote)
    while at != -1:
        found.append(at)
        at = text.find(quote, at + 1)
    return found


def context_around(text: str, start: int, end: int) -> tuple[str, str]:
    """The prefix and suffix of a span: up to CONTEXT_CHARS characters either side."""
    return text[max(0, start - CONTEXT_CHARS) : start], text[end : end + CONTEXT_CHARS]


def anchor_at(text: str, start: int, quote: str) -> Anchor:
    end = start + len(quote)
    prefix, suffix = context_around(text, start, end)
    return Anchor(start=start, end=end, prefix=prefix, suffix=suffix)


def _context_score(text: str, start: int, end: int, prefix: str, suffix: str) -> int:
    """How many characters of the stored context still stand next to the span."""
    before = text[max(0, start - len(prefix)) : start]
    after = text[end : end + len(suffix)]
    score = 0
    for a, b in zip(reversed(before), reversed(prefix), strict=False):
        if a != b:
            break
        score += 1
    for a, b in zip(after, suffix, strict=False):
        if a != b:
            break
        score += 1
    return score


def locate(
    text: str,
    quote: str,
    *,
    prefix: str = "",
    suffix: str = "",
    occurrence: int | None = None,
    near: int | None = None,
) -> Anchor:
    """Place a quote in text.

    - ``occurrence`` (1-based) picks the n-th place the quote stands, for seed data.
    - Otherwise a quote found once is placed there; a quote found several times is told apart
      by ``prefix``/``suffix`` (the place whose surroundings match most of them wins) and,
      failing that, by being nearest to ``near`` (the old offset when re-anchoring).
    Raises AnchorError with a message a curator can act on.
    """
    if not quote or not quote.strip():
        raise AnchorError("The quote is empty.")
    places = occurrences(text, quote)
    if not places:
        raise AnchorError(f"The quote “{_short(quote)}” does not appear in the document.")
    if occurrence is not None:
        if not 1 <= occurrence <= len(places):
            raise AnchorError(
                f"The quote “{_short(quote)}” appears {len(places)} time(s); "
                f"occurrence {occurrence} does not exist."
            )
        return anchor_at(text, places[occurrence - 1], quote)
    if len(places) == 1:
        return anchor_at(text, places[0], quote)
    if prefix or suffix:
        scored = sorted(
            ((_context_score(text, p, p + len(quote), prefix, suffix), p) for p in places),
            reverse=True,
        )
        best_score, best = scored[0]
        if best_score > 0 and best_score > scored[1][0]:
            return anchor_at(text, best, quote)
    if near is not None:
        by_distance = sorted(places, key=lambda p: abs(p - near))
        if abs(by_distance[0] - near) < abs(by_distance[1] - near):
            return anchor_at(text, by_distance[0], quote)
    raise AnchorError(
        f"The quote “{_short(quote)}” appears {len(places)} times in the document. "
        f"Add some of the words just before or after it (up to {CONTEXT_CHARS} characters) "
        "so the right place can be told apart."
    )


def _short(quote: str, limit: int = 60) -> str:
    return quote if len(quote) <= limit else quote[: limit - 1] + "…"
