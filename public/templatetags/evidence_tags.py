"""How certainty and direction look on public pages: one place, so every page says it the same way.

Certainty is shown by GRADE's symbols (⊕⊕◯◯) *and* a word, with a colour class on top: never
colour alone.
"""

from urllib.parse import urlencode

from django import template

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


@register.inclusion_tag("public/_certainty_badge.html")
def certainty_badge(certainty: str):
    """<span class="badge certainty-low">⊕⊕◯◯ Low</span>, with a tooltip saying what it means."""
    return {
        "certainty": certainty,
        "symbols": certainty_symbols(certainty),
        "label": certainty_label(certainty),
        "meaning": certainty_meaning(certainty),
    }


@register.inclusion_tag("public/_direction_badge.html")
def direction_badge(direction: str):
    """A claim's direction (supported, mixed…) or a link's (supports, contradicts…)."""
    return {
        "direction": direction,
        "label": direction_label(direction),
        "symbol": DIRECTION_SYMBOLS.get(direction, ""),
    }


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
