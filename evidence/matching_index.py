"""The claim matcher's index, read from the database: claims with the quotes of their mentions.

A thin reader over evidence.matching (pure). Two views of the base:

- `published_index()`: published claims, with the quotes of their public mentions only (a draft
  document's words never shape what a reader is told). The public "Check an article" page and
  `manage.py match_claims` use it.
- `curator_index(exclude_document=...)`: every claim, drafts included, with every mention's
  quote, except those of the document being matched (it must not find itself).

Building an index costs a few milliseconds per hundred claims; it is kept in memory per process
and rebuilt when the claims or mentions change (a fingerprint of counts and last-change times,
two queries), never per request.

With the MATCHER_SEMANTIC setting on, the index carries the semantic re-ranker's embedder
(evidence.matching_semantic: the packaged all-MiniLM-L6-v2, loaded once per process); the
setting is part of the cache key, so switching it never serves an index built the other way.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from threading import Lock

from django.conf import settings
from django.db.models import Count, Max, QuerySet

from evidence.matching import ClaimIndex, KnownClaim
from evidence.models import Claim, ClaimMention

logger = logging.getLogger(__name__)
_CACHE: dict[str, tuple[tuple, ClaimIndex]] = {}
_LOCK = Lock()


def _fingerprint(claims: QuerySet, mentions: QuerySet) -> tuple:
    c = claims.order_by().aggregate(n=Count("pk"), last=Max("updated_at"))
    m = mentions.order_by().aggregate(n=Count("pk"), last=Max("updated_at"))
    return (c["n"], c["last"], m["n"], m["last"])


def build_index(claims: QuerySet, mentions: QuerySet) -> ClaimIndex:
    """Two queries: the claims' slugs and statements, and the mentions' quotes."""
    quotes: dict[int, list[str]] = defaultdict(list)
    for claim_id, quote in mentions.order_by("claim_id", "start").values_list("claim_id", "quote"):
        quotes[claim_id].append(quote)
    rows = claims.order_by("slug").values_list("pk", "slug", "statement")
    embed = None
    if settings.MATCHER_SEMANTIC:
        from evidence import matching_semantic

        try:
            embed = matching_semantic.embedder()
        except matching_semantic.SemanticUnavailable as error:
            # A reader's check must not fail on a missing extra: the lexical matcher answers.
            logger.warning("MATCHER_SEMANTIC is on but unusable, matching lexically: %s", error)
    return ClaimIndex(
        (
            KnownClaim(slug, statement, tuple(dict.fromkeys(quotes.get(pk, ()))))
            for pk, slug, statement in rows
        ),
        embed=embed,
    )


def _cached(key: str, claims: QuerySet, mentions: QuerySet) -> ClaimIndex:
    key = f"{key}:semantic" if settings.MATCHER_SEMANTIC else key
    fingerprint = _fingerprint(claims, mentions)
    with _LOCK:
        hit = _CACHE.get(key)
        if hit is not None and hit[0] == fingerprint:
            return hit[1]
    index = build_index(claims, mentions)
    with _LOCK:
        _CACHE[key] = (fingerprint, index)
    return index


def published_index() -> ClaimIndex:
    """Published claims and the quotes of their public mentions."""
    return _cached("published", Claim.objects.published(), ClaimMention.objects.public())


def curator_index(*, exclude_document: int | None = None) -> ClaimIndex:
    """Every claim and mention (drafts too), minus the mentions of `exclude_document`."""
    mentions = ClaimMention.objects.all()
    if exclude_document is not None:
        mentions = mentions.exclude(document_id=exclude_document)
    return _cached(f"curator:{exclude_document}", Claim.objects.all(), mentions)


def clear_cache() -> None:
    with _LOCK:
        _CACHE.clear()
