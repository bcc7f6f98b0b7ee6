""" "Check an article": paste a text, get it back with every known claim marked by its grade.

Nothing is stored: the text lives for the request only (a curator who wants to keep an article
adds it as a source document in the admin). The matcher is evidence.matching over the published
claims and the quotes of their public mentions (evidence.matching_index, the same index as
`manage.py match_claims`). Limits: CHECK_ARTICLE_MAX_CHARS characters per text, and
CHECK_ARTICLE_RATE = (checks, seconds) per client address, counted by public.rate_limit; over
either limit the reader gets a page saying so (413, 429), never a half-done result.

Queries, however long the text: the index fingerprint (2; 4 more when it is rebuilt) and the
matched claims with their categories (1).
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from evidence.anchoring import normalize_text
from evidence.matching import Match, SentenceReport, Stance, clean_text
from evidence.matching_index import published_index
from evidence.models import Claim
from public.annotate import Highlight, annotate
from public.grade_page import claim_page
from public.rate_limit import CheckArticleThrottle


def _max_chars() -> int:
    return int(getattr(settings, "CHECK_ARTICLE_MAX_CHARS", 50_000))


TEMPLATE = "public/check_article.html"
STANCE_WORDS = {
    Stance.ASSERTS: "makes this claim",
    Stance.DENIES: "denies this claim",
    Stance.QUALIFIES: "qualifies this claim",
}


@dataclass
class Card:
    """One claim the text makes, for the card beside it."""

    number: int
    claim: Claim
    bottom_line: str
    first: int  # the ordinal of its first mark
    stances: Counter[str] = field(default_factory=Counter)
    contrary: list[Match] = field(default_factory=list)  # where the text denies or qualifies it

    @property
    def stance_summary(self) -> list[tuple[str, int]]:
        return [(STANCE_WORDS[Stance(s)], n) for s, n in sorted(self.stances.items())]


def _bottom_line(claim: Claim) -> str:
    if claim.plain_summary.strip():
        return claim.plain_summary.strip()
    page = claim_page(claim.grade_detail)
    if page is not None and (page.statement or page.verdict):
        return page.statement or page.verdict
    return ""


def check_result(text: str) -> dict:
    """The context of a checked text: the marked text, a card per claim, the new-claim
    sentences. Separate from the view so the command-line and the page agree."""
    report = published_index().match_text(text)
    claims = {
        c.slug: c
        for c in Claim.objects.published().select_related("category").filter(slug__in=report.claims)
    }
    cards: dict[str, Card] = {}
    highlights = []
    for ordinal, match in enumerate(report.matches, start=1):
        claim = claims.get(match.claim)
        if claim is None:  # unpublished since the index was built
            continue
        card = cards.get(match.claim)
        if card is None:
            card = Card(len(cards) + 1, claim, _bottom_line(claim), ordinal)
            cards[match.claim] = card
        card.stances[str(match.stance)] += 1
        if match.stance != Stance.ASSERTS:
            card.contrary.append(match)
        stance = "" if match.stance == Stance.ASSERTS else f"[{match.stance}] "
        highlights.append(
            Highlight(
                pk=ordinal,
                start=match.start,
                end=match.end,
                claim_slug=claim.slug,
                claim_url=claim.get_absolute_url(),
                certainty=claim.effective_certainty,
                number=card.number,
                statement=f"{stance}{claim.statement}",
            )
        )
    candidates: list[SentenceReport] = report.candidates
    return {
        "annotated": annotate(text, highlights),
        "cards": list(cards.values()),
        "match_count": len(highlights),
        "sentence_count": len(report.sentences),
        "candidates": candidates,
    }


@require_http_methods(["GET", "POST"])
def check_article(request: HttpRequest) -> HttpResponse:
    max_chars = _max_chars()
    context: dict = {"nav": "check", "max_chars": max_chars, "text": ""}
    if request.method == "GET":
        return render(request, TEMPLATE, context)
    throttle = CheckArticleThrottle()
    if not throttle.allow_request(request, None):
        wait = math.ceil(throttle.wait() or 1)
        context["problem"] = (
            f"You have checked {throttle.num_requests} texts in the last {throttle.duration} "
            f"seconds, the most we allow. Please try again in {wait} seconds."
        )
        response = render(request, TEMPLATE, context, status=429)
        response["Retry-After"] = str(wait)
        return response
    text = clean_text(normalize_text(request.POST.get("text", "")))
    context["text"] = text[:max_chars]
    if len(text) > max_chars:
        context["problem"] = (
            f"The text has {len(text):,} characters; the most we check at once is "
            f"{max_chars:,}. Paste a shorter part of it."
        )
        return render(request, TEMPLATE, context, status=413)
    if not text.strip():
        context["problem"] = "Paste the text of an article to check it."
        return render(request, TEMPLATE, context, status=400)
    context.update(check_result(text))
    context["checked"] = True
    return render(request, TEMPLATE, context)
