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
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from public.templatetags.evidence_tags import certainty_label, certainty_symbols


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


def usable(highlights: Iterable[Highlight], text: str) -> list[Highlight]:
    """The spans that fit inside the text, in the order they open (start, longer first, pk)."""
    fitting = [h for h in highlights if 0 <= h.start < h.end <= len(text)]
    return sorted(fitting, key=lambda h: (h.start, -h.end, h.pk))


def _label(h: Highlight) -> SafeString:
    symbols = certainty_symbols(h.certainty)
    word = certainty_label(h.certainty).lower()
    title = f"Claim {h.number}: {h.statement} ({word} certainty)" if h.statement else ""
    if symbols:
        shown = format_html(
            '<span aria-hidden="true">{}</span><span class="visually-hidden"> {} certainty</span>',
            symbols,
            word,
        )
    else:
        shown = format_html("{}", "not graded")
    return format_html(
        '<sup class="mark-label"><a href="{}" title="{}">'
        '<span class="visually-hidden">Claim </span>{} {}</a></sup>',
        h.claim_url,
        title,
        h.number,
        shown,
    )


def _open(h: Highlight, *, first: bool) -> SafeString:
    if first:
        return format_html(
            '<mark id="mention-{}" class="certainty-{}" data-claim="{}" data-mention="{}">{}',
            h.pk,
            h.certainty,
            h.claim_slug,
            h.pk,
            _label(h),
        )
    return format_html(
        '<mark class="certainty-{} mention-continued" data-claim="{}" data-mention="{}">',
        h.certainty,
        h.claim_slug,
        h.pk,
    )


def annotate(text: str, highlights: Iterable[Highlight]) -> SafeString:
    """The text as safe HTML with every usable highlight marked (see the module docstring)."""
    spans = usable(highlights, text)
    boundaries = sorted({0, len(text)} | {h.start for h in spans} | {h.end for h in spans})
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
            out.append(escape(text[here:nxt]))
    out.append("</mark>" * len(stack))
    return mark_safe("".join(out))  # noqa: S308 -- text and attributes escaped above
