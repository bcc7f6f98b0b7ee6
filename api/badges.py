"""An embeddable SVG badge of a claim's certainty: GRADE's symbols and the word (never colour
alone), a title and a description for screen readers, and a link back to the claim page."""

from django.utils.html import escape

from evidence.models import Claim
from public.templatetags.evidence_tags import (
    certainty_label,
    certainty_meaning,
    certainty_symbols,
    direction_label,
)

FIELDS = (
    "pk",
    "slug",
    "statement",
    "status",
    "certainty",
    "certainty_override",
    "direction",
    "direction_override",
    "graded_at",
    "updated_at",
)
MAX_AGE = 3600
_COLOURS = {
    "high": "#1a7f37",
    "moderate": "#4d7c0f",
    "low": "#9a6700",
    "very_low": "#b42318",
    "none": "#57606a",
}


def badge_svg(claim: Claim, *, url: str) -> str:
    certainty = claim.effective_certainty
    symbols = certainty_symbols(certainty)
    words = f"{certainty_label(certainty)} certainty" if symbols else certainty_label(certainty)
    direction = claim.effective_direction
    if direction:
        words = f"{words}, {direction_label(direction).lower()}"
    value = f"{symbols} {words}".strip()
    title = f"Evidence for this claim: {value}"
    desc = f"{claim.statement} {certainty_meaning(certainty)} Click for the evidence."
    left, right = 68, 12 + 7 * len(value)
    width = left + right
    colour = _COLOURS.get(certainty, _COLOURS["none"])
    namespaces = 'xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"'
    return f"""<svg {namespaces} width="{width}" height="20"
 role="img" aria-labelledby="badge-title badge-desc">
<title id="badge-title">{escape(title)}</title>
<desc id="badge-desc">{escape(desc)}</desc>
<a href="{escape(url)}" xlink:href="{escape(url)}" target="_top">
<rect width="{left}" height="20" fill="#24292f"/>
<rect x="{left}" width="{right}" height="20" fill="{colour}"/>
<g fill="#fff" font-family="DejaVu Sans,Verdana,sans-serif" font-size="11">
<text x="6" y="14">Evidence</text>
<text x="{left + 6}" y="14">{escape(value)}</text>
</g>
</a>
</svg>
"""
