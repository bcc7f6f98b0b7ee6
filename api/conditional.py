"""Conditional GET for the open endpoints: an ETag from the body, a Last-Modified from the
newest change to anything public, and 304 Not Modified when the client's copy is current."""

import hashlib
from datetime import UTC, datetime

from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.utils.cache import get_conditional_response
from django.utils.dateparse import parse_datetime
from django.utils.http import http_date, quote_etag

from evidence.models import Claim, ClaimMention, EvidenceLink, SourceDocument
from public.page_cache import versioned
from studies.models import Study

# Every timestamp a public record moves: the stored grade (graded_at) as well as edits.
_STAMPS = [
    (Claim, "updated_at"),
    (Claim, "graded_at"),
    (Study, "updated_at"),
    (SourceDocument, "updated_at"),
    (EvidenceLink, "updated_at"),
    (ClaimMention, "updated_at"),
]


def last_changed() -> datetime | None:
    """The newest change to any claim, study, document, link or mention: one query, kept in
    the shared cache until the next publish bumps the public version (public.page_cache), as
    the pages are. Six MAX() over unindexed timestamps read every row (125 ms at 100k claims,
    a second at a million) on every request otherwise.

    A rough stamp on purpose (any change anywhere moves it): a reader's cached copy may be
    refetched needlessly, never kept when it is stale. The ETag, compared first, is exact. A
    bulk write that sends no signal is bounded by PAGE_CACHE_SECONDS, as the pages are.
    """
    return versioned("api:last-changed", _last_changed)


def _last_changed() -> datetime | None:
    parts = " UNION ALL ".join(
        f"SELECT MAX({connection.ops.quote_name(field)}) AS t "  # noqa: S608 (names from models)
        f"FROM {connection.ops.quote_name(model._meta.db_table)}"
        for model, field in _STAMPS
    )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT MAX(t) FROM ({parts}) AS stamps")  # noqa: S608
        (value,) = cursor.fetchone()
    if value is None:
        return None
    if isinstance(value, str):
        value = parse_datetime(value)
    if value is not None and value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value


def conditional(request: HttpRequest, response: HttpResponse, *, stamp: datetime | None):
    """Set ETag and Last-Modified on a rendered 200 and answer 304 when the client's copy (by
    If-None-Match, else If-Modified-Since) is current."""
    if request.method not in ("GET", "HEAD") or response.status_code != 200:
        return response
    etag = quote_etag(hashlib.sha256(response.content).hexdigest()[:32])
    response["ETag"] = etag
    timestamp = None
    if stamp is not None:
        timestamp = int(stamp.timestamp())
        response["Last-Modified"] = http_date(timestamp)
    return get_conditional_response(request, etag=etag, last_modified=timestamp, response=response)
