"""The annotated article: a document's text as HTML with each mention wrapped in a <mark>.

A pure function of the text and the spans, so it can be tested without a database.

What it promises:
- Every character of the text appears once, escaped, in its original order: stripping the tags
  (and the labels, which live in `.mark-label` elements) gives the text back unchanged, line
  breaks included (the page shows it with `white-space: pre-wrap`).
- Every span that fits the text gets exactly one element `<mark id="mention-<pk>">`, which
  begins with its label: a link to the claim with the claim's number and its certainty in
  GRADE symbols and words (never colour alone).
- Overlapping spans nest. Spans are opened in order of start (the longer first when two start
  together, then by pk) and the marks form a proper tree: when a span ends while a span opened
  inside it is still running, the inner one is closed there and reopened straight after as a
  continuation (`<mark class="... mention-continued">`, same `data-mention`, no id, no label).
  So a character inside several mentions sits inside a mark for each of them.
- Only our own tags are marked safe; the text and every attribute value are escaped.
- The label is a button (at least 24×24 CSS px) that opens the passage's note, a popover
  (the HTML `popover` attribute: no script) with the claim, its grade in one phrase, its bottom
  line, why the passage says more (or less) than the evidence, and a link to the claim.
- A line that reads as a heading (short, no closing punctuation, touched by no mention) is
  wrapped in `<h3 class="article-heading">`, so the article's own headings are headings.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.safestring import SafeString, mark_safe

from public.templatetags.evidence_tags import certainty_label, certainty_symbols, escaped


@dataclass(frozen=True)
class Highlight:
    """One mention to mark: where it is, and what the mark says about its claim."""

    pk: int
    start: int
    end: int
    claim_slug: str
    claim_url: str
    certainty: str
    number: int  # the claim's number in the list beside the article (order of first appearance)
    statement: str = ""
    phrase: str = ""  # certainty and direction in one phrase ("Very low certainty — may be …")
    bottom_line: str = ""
    why: str = ""  # why the passage says more, or less, than the evidence
    stance: str = "asserts"  # asserts, denies or qualifies its claim (a mention's stance)


def usable(highlights: Iterable[Highlight], text: str) -> list[Highlight]:
    """The spans that fit inside the text, in the order they open (start, longer first, pk)."""
    fitting = [h for h in highlights if 0 <= h.start < h.end <= len(text)]
    return sorted(fitting, key=lambda h: (h.start, -h.end, h.pk))


# What a passage that does not simply assert its claim does with it, in plain words.
STANCE_WORDS = {"denies": "denies this claim", "qualifies": "qualifies this claim"}


# The marks are built with f-strings and `escaped` (as Django's `escape`): a document marks
# hundreds of passages, and nested `format_html` cost four times as much.
_e = escaped


def _label(h: Highlight) -> str:
    symbols = certainty_symbols(h.certainty)
    word = certainty_label(h.certainty).lower()
    stance = STANCE_WORDS.get(h.stance, "")
    title = f"Claim {h.number}: {h.statement} ({word} certainty)" if h.statement else ""
    if title and stance:
        title = f"{title}; this passage {stance}"
    if symbols:
        shown = (
            f'<span aria-hidden="true">{_e(symbols)}</span>'
            f'<span class="visually-hidden"> {_e(word)} certainty</span>'
        )
    else:
        shown = "not graded"
    if stance:
        shown = f'{shown} <span class="stance stance-{_e(h.stance)}">{_e(stance)}</span>'
    return (
        f'<sup class="mark-label"><button type="button" class="note-toggle" '
        f'popovertarget="note-{_e(h.pk)}" title="{_e(title)}"><span class="visually-hidden">'
        f"Claim </span>{_e(h.number)} {shown}</button>{_note(h)}</sup>"
    )


def _note(h: Highlight) -> str:
    """The passage's note: a popover, so it needs no script and closes on Escape."""
    parts = [f'<strong class="note-claim">Claim {_e(h.number)}: {_e(h.statement)}</strong>']
    if h.stance in STANCE_WORDS:
        parts.append(
            f'<span class="note-stance stance-{_e(h.stance)}">This passage '
            f"{_e(STANCE_WORDS[h.stance])}.</span>"
        )
    if h.phrase:
        parts.append(
            f'<span class="note-grade certainty-{_e(h.certainty)}">'
            f"{_e(certainty_symbols(h.certainty))} {_e(h.phrase)}</span>"
        )
    if h.bottom_line:
        parts.append(f'<span class="note-line">{_e(h.bottom_line)}</span>')
    if h.why:
        parts.append(f'<span class="note-why"><strong>Why:</strong> {_e(h.why)}</span>')
    parts.append(
        f'<a class="note-link" href="{_e(h.claim_url)}">The evidence for claim {_e(h.number)}</a>'
    )
    return f'<span class="mention-note" id="note-{_e(h.pk)}" popover>{"".join(parts)}</span>'


# A heading line: short, starts with a capital or digit, no sentence punctuation at its end.
_HEADING = re.compile(r"^[A-Z0-9][^\n]{1,78}[^.!?:;,\s]$")
_MAX_HEADING_WORDS = 10


def heading_spans(text: str, spans: list[Highlight]) -> list[tuple[int, int]]:
    """Where the lines that read as headings are: (start, end) of each, excluding the first
    line (a title or lead) and any line a mention touches."""
    found = []
    offset = 0
    for number, line in enumerate(text.split("\n")):
        start, end = offset, offset + len(line)
        offset = end + 1
        if number == 0 or not _HEADING.match(line) or len(line.split()) > _MAX_HEADING_WORDS:
            continue
        if any(h.start < end and h.end > start for h in spans):
            continue
        found.append((start, end))
    return found


def _open(h: Highlight, *, first: bool) -> str:
    if first:
        return (
            f'<mark id="mention-{_e(h.pk)}" class="certainty-{_e(h.certainty)}" '
            f'data-claim="{_e(h.claim_slug)}" data-mention="{_e(h.pk)}">{_label(h)}'
        )
    return (
        f'<mark class="certainty-{_e(h.certainty)} mention-continued" '
        f'data-claim="{_e(h.claim_slug)}" data-mention="{_e(h.pk)}">'
    )


def annotate(text: str, highlights: Iterable[Highlight]) -> SafeString:
    """The text as safe HTML with every usable highlight marked (see the module docstring)."""
    spans = usable(highlights, text)
    headings = heading_spans(text, spans)
    heading_at = dict(headings)
    boundaries = sorted(
        {0, len(text)}
        | {h.start for h in spans}
        | {h.end for h in spans}
        | {edge for heading in headings for edge in heading}
    )
    starting: dict[int, list[Highlight]] = {}
    for h in spans:
        starting.setdefault(h.start, []).append(h)

    out: list[str] = []
    stack: list[Highlight] = []  # open marks, outermost first
    for here, nxt in zip(boundaries, boundaries[1:] + [None], strict=True):
        ending = [h for h in stack if h.end == here]
        if ending:
            # Close down to the outermost span ending here; reopen the survivors above it.
            depth = min(stack.index(h) for h in ending)
            closed = stack[depth:]
            out.append("</mark>" * len(closed))
            stack = stack[:depth]
            for h in closed:
                if h.end > here:
                    out.append(_open(h, first=False))
                    stack.append(h)
        for h in starting.get(here, []):
            out.append(_open(h, first=True))
            stack.append(h)
        if nxt is not None:
            if here in heading_at:  # no mark is open here: no mention touches a heading
                out.append(f'<h3 class="article-heading">{_e(text[here:nxt])}</h3>')
            else:
                out.append(_e(text[here:nxt]))
    out.append("</mark>" * len(stack))
    return mark_safe("".join(out))  # noqa: S308 -- text and attributes escaped above
