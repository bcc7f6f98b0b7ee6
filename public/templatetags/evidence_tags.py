"""How certainty and direction look on public pages: one place, so every page says it the same way.

Certainty is shown by GRADE's symbols (⊕⊕◯◯) *and* a word, with a colour class on top: never
colour alone.
"""

import html
from urllib.parse import urlencode

from django import template
from django.utils.safestring import SafeString, mark_safe

from evidence.models import Certainty, ClaimDirection, LinkDirection

register = template.Library()

FILLED, EMPTY = "⊕", "◯"
CERTAINTY_LEVELS = {
    Certainty.HIGH: 4,
    Certainty.MODERATE: 3,
    Certainty.LOW: 2,
    Certainty.VERY_LOW: 1,
    Certainty.NONE: 0,
}
CERTAINTY_MEANING = {
    Certainty.HIGH: "We are very confident the true effect is close to what the studies show.",
    Certainty.MODERATE: "The true effect is probably close to what the studies show, but may "
    "be substantially different.",
    Certainty.LOW: "The true effect may be substantially different from what the studies show.",
    Certainty.VERY_LOW: "The true effect is likely to be substantially different from what the "
    "studies show.",
    Certainty.NONE: "No published study bearing on this claim has been graded yet.",
}
DIRECTION_SYMBOLS = {
    ClaimDirection.SUPPORTED: "▲",
    ClaimDirection.CONTRADICTED: "▼",
    ClaimDirection.MIXED: "◆",
    ClaimDirection.INCONCLUSIVE: "?",
    LinkDirection.SUPPORTS: "▲",
    LinkDirection.CONTRADICTS: "▼",
    LinkDirection.NEUTRAL: "–",
}


@register.filter
def certainty_symbols(certainty: str) -> str:
    """⊕⊕◯◯ for low; empty for `none`, which is not a GRADE level."""
    filled = CERTAINTY_LEVELS.get(certainty, 0)
    return "" if not filled else FILLED * filled + EMPTY * (4 - filled)


@register.filter
def certainty_label(certainty: str) -> str:
    try:
        return Certainty(certainty).label
    except ValueError:
        return certainty


@register.filter
def direction_label(direction: str) -> str:
    """A claim's direction (supported, mixed…) or a link's (supports, contradicts…) in words."""
    for choices in (ClaimDirection, LinkDirection):
        if direction in choices.values:
            return choices(direction).label
    return direction


@register.filter
def certainty_meaning(certainty: str) -> str:
    return CERTAINTY_MEANING.get(certainty, "")


# The badges, the phrase and the tallies below are built as HTML here rather than by inclusion
# tags: a page shows dozens (two per study on a study page, one per claim beside an article),
# and an inclusion tag's template costs 50–90 µs a time against a few here. Every value is
# escaped as a template would (`_e`). Each ends with the newline its template file ended with:
# between inline elements it is the space the pages are laid out with.


def escaped(value: object) -> str:
    """`value` escaped for HTML text or a quoted attribute, exactly as Django's `escape` and a
    template's `{{ }}` do, as a plain string to build HTML with (public.annotate too)."""
    return html.escape(str(value))


_e = escaped


def _symbols_span(symbols: str) -> str:
    return f'<span class="symbols" aria-hidden="true">{_e(symbols)}</span> ' if symbols else ""


@register.simple_tag
def certainty_badge(certainty: str) -> SafeString:
    """<span class="badge certainty-low">⊕⊕◯◯ Low</span>, with a tooltip saying what it means."""
    return mark_safe(  # noqa: S308 -- every value escaped
        f'<span class="badge certainty certainty-{_e(certainty)}" '
        f'title="{_e(certainty_meaning(certainty))}">'
        f"{_symbols_span(certainty_symbols(certainty))}"
        f'<span class="word">{_e(certainty_label(certainty))}</span>'
        '<span class="visually-hidden"> certainty</span></span>\n'
    )


@register.simple_tag
def direction_badge(direction: str) -> SafeString:
    """A claim's direction (supported, mixed…) or a link's (supports, contradicts…)."""
    symbol = DIRECTION_SYMBOLS.get(direction, "")
    shown = f'<span aria-hidden="true">{_e(symbol)}</span> ' if symbol else ""
    return mark_safe(  # noqa: S308 -- every value escaped
        f'<span class="badge direction direction-{_e(direction)}">'
        f"{shown}{_e(direction_label(direction))}</span>\n"
    )


@register.simple_tag(takes_context=True)
def query_replace(context, **changes) -> str:
    """The current query string with some parameters replaced (None or "" removes one).

    For filter links and pagination: `?{% query_replace page=3 %}` keeps the filters.
    """
    params = context["request"].GET.copy()
    for key, value in changes.items():
        if value is None or value == "":
            params.pop(key, None)
        else:
            params[key] = value
    return urlencode(sorted(params.lists()), doseq=True)


# --- One phrase for certainty and direction (issue 16) ------------------------------------
# The direction worded as strongly as the certainty allows (GRADE's informative statements:
# high "is", moderate "probably", low and very low "may"), so a green "Supported" never sits
# beside a very-low-certainty badge. The phrase is coloured by certainty alone, on a scale that
# says neither "true" nor "false".
_HEDGE = {
    Certainty.HIGH: "",
    Certainty.MODERATE: "probably ",
    Certainty.LOW: "may be ",
    Certainty.VERY_LOW: "may be ",
}
_DIRECTION_WORD = {
    ClaimDirection.SUPPORTED: "supported",
    ClaimDirection.CONTRADICTED: "contradicted",
}
PRECLINICAL_FLAG = "animal or cell studies only"
INDIRECT_FLAG = "indirect evidence"


def grade_words(certainty: str, direction: str) -> str:
    """ "Very low certainty — may be supported"; "Not graded" when there is no grade."""
    if certainty not in CERTAINTY_LEVELS or certainty == Certainty.NONE:
        if direction == ClaimDirection.CONTRADICTED:
            return "Not graded — contradicted by accepted definitions"
        if direction == ClaimDirection.SUPPORTED:
            return "Not graded — answered from the related claims"
        return "Not graded — no published study bears on it yet"
    level = f"{certainty_label(certainty)} certainty"
    if direction in _DIRECTION_WORD:
        return f"{level} — {_HEDGE[certainty]}{_DIRECTION_WORD[direction]}"
    if direction == ClaimDirection.MIXED:
        return f"{level} — the studies point both ways"
    return f"{level} — no clear answer either way"


@register.simple_tag
def grade_phrase(
    certainty: str, direction: str = "", preclinical=False, indirect=False
) -> SafeString:
    """One unmistakable phrase: ⊕◯◯◯ Very low certainty — may be supported · animal or cell
    studies only. Symbols, words and flags carry the meaning; colour (by certainty) only adds."""
    flags = []
    if preclinical:
        flags.append(PRECLINICAL_FLAG)
    if indirect and not preclinical:  # animal and cell studies are indirect anyway
        flags.append(INDIRECT_FLAG)
    shown = certainty if certainty in CERTAINTY_LEVELS else Certainty.NONE
    return mark_safe(  # noqa: S308 -- every value escaped
        f'<span class="grade-phrase certainty certainty-{_e(shown)}" '
        f'title="{_e(certainty_meaning(certainty))}">'
        f"{_symbols_span(certainty_symbols(certainty))}"
        f'<span class="word">{_e(grade_words(certainty, direction))}</span>'
        + "".join(f'<span class="flag"> · {_e(flag)}</span>' for flag in flags)
        + "</span>\n"
    )


# A link direction, its symbol, and its verb for one study and for several.
TALLIES = [
    (LinkDirection.SUPPORTS, "▲", "supports", "support"),
    (LinkDirection.CONTRADICTS, "▼", "contradicts", "contradict"),
    (LinkDirection.MIXED, "◆", "mixed", "mixed"),
    (LinkDirection.NEUTRAL, "–", "neutral", "neutral"),
]


@register.simple_tag
def tallies(item) -> SafeString:
    """▲14 ▼1 ◆3 –2: a claim's published studies by what each shows, from the annotations
    `tally_supports`, `tally_contradicts`, `tally_mixed`, `tally_neutral` (public.queries)."""
    counts = [(d, getattr(item, f"tally_{d}", 0) or 0) for d, *_ in TALLIES]
    if not sum(n for _, n in counts):
        return mark_safe("\n")
    parts = [
        (d, symbol, n, one if n == 1 else many)
        for (d, n), (_, symbol, one, many) in zip(counts, TALLIES, strict=True)
        # supporting and contradicting always (a "▼0" says something), the others when any
        if n or d in (LinkDirection.SUPPORTS, LinkDirection.CONTRADICTS)
    ]
    shown = " ".join(
        f'<span class="tally tally-{_e(d)}"><span aria-hidden="true">{_e(symbol)}</span>'
        f'{_e(n)}<span class="visually-hidden"> {_e(words)}{"," if i < len(parts) - 1 else ""}'
        "</span></span>"
        for i, (d, symbol, n, words) in enumerate(parts)
    )
    return mark_safe(  # noqa: S308 -- every value escaped
        '<span class="tallies" title="Published studies by what they show: supporting, '
        'contradicting, mixed, neutral"><span class="visually-hidden">Studies: </span>'
        f"{shown}</span>\n"
    )


def _choice_labels(field) -> dict[str, str]:
    # Iterated, never tested for truth: a ChoiceFilter's lazy choices have no len().
    choices = getattr(field, "choices", None)
    if choices is None:
        return {}
    return {str(pair[0]): str(pair[1]) for pair in choices if isinstance(pair, (list, tuple))}


@register.inclusion_tag("public/_filter_chips.html", takes_context=True)
def filter_chips(context, filterset, clear_url: str):
    """The active filters as chips, each a link to the same list without it (and page 1)."""
    form = filterset.form
    cleaned = getattr(form, "cleaned_data", {}) or {}
    params = context["request"].GET
    chips = []
    for name, field in form.fields.items():
        value = cleaned.get(name)
        if name == "sort" or value in (None, "") or name not in params:
            continue
        shown = _choice_labels(field).get(str(value), value)
        rest = params.copy()
        rest.pop(name, None)
        rest.pop("page", None)
        chips.append(
            {
                "name": name,
                "label": field.label,
                "value": shown,
                "query": urlencode(sorted(rest.lists()), doseq=True),
            }
        )
    return {"chips": chips, "clear_url": clear_url}


@register.filter
def from_word(text: str) -> str:
    """The context before a quote, starting at a whole word: a snippet never opens mid-word."""
    text = text or ""
    if not text or text[0].isspace():
        return text.lstrip()
    cut = text.find(" ")
    return text[cut + 1 :] if cut != -1 else ""


@register.filter
def to_word(text: str) -> str:
    """The context after a quote, ending at a whole word: a snippet never stops mid-word."""
    text = text or ""
    if not text or text[-1].isspace():
        return text.rstrip()
    cut = text.rfind(" ")
    return text[:cut] if cut != -1 else ""


@register.filter
def arm_columns(outcome) -> set[str]:
    """The arm columns an outcome fills in at least one arm, so a blank column is never shown."""
    filled = set()
    for arm in outcome.arms.all():
        for name in ("n", "mean", "sd", "se"):
            if getattr(arm, name) is not None:
                filled.add(name)
        if arm.ci_low is not None or arm.ci_high is not None:
            filled.add("ci")
        if arm.note:
            filled.add("note")
    return filled


@register.filter
def effect_line(outcome) -> str:
    """A study outcome's effect as stored, its parts joined by "; " with none leading:
    "1.32 (95% CI 0.73 to 1.92); p 0.01; 40 participants"."""
    parts = []
    head = "" if outcome.estimate is None else f"{outcome.estimate}"
    if outcome.ci_low is not None or outcome.ci_high is not None:
        low = "?" if outcome.ci_low is None else outcome.ci_low
        high = "?" if outcome.ci_high is None else outcome.ci_high
        head = f"{head} (95% CI {low} to {high})".strip()
    if head:
        parts.append(head)
    if outcome.p_value:
        parts.append(f"p {outcome.p_value}")
    if outcome.i2 is not None:
        parts.append(f"I² {outcome.i2}%")
    if outcome.k_studies is not None:
        parts.append(f"{outcome.k_studies} studies pooled")
    if outcome.participants is not None:
        parts.append(f"{outcome.participants} participants")
    return "; ".join(parts)
