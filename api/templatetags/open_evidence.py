"""Template tags the public pages use to point at their machine-readable twins: the claim's
ClaimReview JSON-LD and its public grade history."""

import json

from django import template
from django.utils.safestring import mark_safe

from api.claimreview import claim_review
from evidence.models import ClaimGradeChange

register = template.Library()

_JSON_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


@register.simple_tag(takes_context=True)
def claimreview_jsonld(context, claim, mentions):
    """<script type="application/ld+json"> with the claim's ClaimReview (a data block: CSP
    does not run it). Escaped as json_script does, so no text can close the element."""
    request = context["request"]
    data = claim_review(
        claim,
        list(mentions),
        page_url=request.build_absolute_uri(claim.get_absolute_url()),
        base=request.build_absolute_uri("/").rstrip("/"),
    )
    text = json.dumps(data, ensure_ascii=False).translate(_JSON_ESCAPES)
    return mark_safe(f'<script type="application/ld+json">{text}</script>')  # noqa: S308


@register.simple_tag
def grade_history(claim):
    """The claim's public grade changes, newest first (one query; none for a claim that is not
    published, whose changes are not public)."""
    return list(ClaimGradeChange.objects.public_of(claim))
