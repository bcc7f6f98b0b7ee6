"""Atom feeds of the public grade history: one per claim and one for every claim. Only changes
made while the claim was published, of claims published now (ClaimGradeChange.public())."""

from datetime import UTC, datetime

from django.contrib.syndication.views import Feed
from django.db import connection
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.dateparse import parse_datetime
from django.utils.feedgenerator import Atom1Feed

from evidence.models import Claim, ClaimGradeChange, ClaimMention, EvidenceLink, SourceDocument
from public.templatetags.evidence_tags import certainty_label, direction_label
from studies.models import Study

FEED_LENGTH = 50

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
    """The newest change to any claim, study, document, link or mention: one query.

    A rough stamp on purpose (any change anywhere moves it): a reader's cached copy may be
    refetched needlessly, never kept when it is stale. The ETag, compared first, is exact.
    """
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


def _grade(certainty: str, direction: str) -> str:
    words = certainty_label(certainty) if certainty else "—"
    return f"{words} / {direction_label(direction) if direction else '—'}"


def change_title(change: ClaimGradeChange) -> str:
    before = _grade(change.certainty_from, change.direction_from)
    after = _grade(change.certainty_to, change.direction_to)
    if before == after:
        return f"Bottom line reworded: {change.claim.statement[:80]}"
    return f"{before} → {after}: {change.claim.statement[:80]}"


def change_description(change: ClaimGradeChange) -> str:
    parts = [
        f"Certainty: {certainty_label(change.certainty_from) or '—'} → "
        f"{certainty_label(change.certainty_to) or '—'}.",
        f"Direction: {direction_label(change.direction_from) or '—'} → "
        f"{direction_label(change.direction_to) or '—'}.",
    ]
    if change.bottom_line_changed:
        parts.append(f"Bottom line was: “{change.bottom_line_from}” Now: “{change.bottom_line_to}”")
    if change.reason:
        parts.append(f"Why: {change.reason}")
    return " ".join(parts)


class StableAtomFeed(Atom1Feed):
    """An Atom feed whose <updated> is its newest entry's date or, with no entry, the newest
    change to anything public: never the time of the request, so an unchanged feed is the same
    bytes (caches and the backup test compare them)."""

    def latest_post_date(self):
        dates = [item["updateddate"] or item["pubdate"] for item in self.items]
        dates = [d for d in dates if d is not None]
        if dates:
            return max(dates)
        stamp = self.feed.get("stamp")
        return (stamp() if callable(stamp) else stamp) or super().latest_post_date()


class _HistoryFeed(Feed):
    feed_type = StableAtomFeed

    def feed_extra_kwargs(self, obj):
        # Read only for a feed with no entry (their newest date is the feed's otherwise).
        return {"stamp": last_changed}

    def item_title(self, item: ClaimGradeChange) -> str:
        return change_title(item)

    def item_description(self, item: ClaimGradeChange) -> str:
        return change_description(item)

    def item_link(self, item: ClaimGradeChange) -> str:
        return item.get_absolute_url()

    def item_pubdate(self, item: ClaimGradeChange):
        return item.changed_at

    def item_updateddate(self, item: ClaimGradeChange):
        return item.changed_at

    def item_guid(self, item: ClaimGradeChange) -> str:
        return f"grade-change-{item.pk}"

    item_guid_is_permalink = False


class AllClaimsFeed(_HistoryFeed):
    title = "Evidence tracker: grade changes"
    subtitle = "Every change of a published claim's certainty, direction or bottom line."

    def link(self) -> str:
        return reverse("evidence:claim_list")

    def feed_url(self) -> str:
        return reverse("open:claims_feed")

    def items(self):
        return ClaimGradeChange.objects.public().select_related("claim")[:FEED_LENGTH]


class ClaimFeed(_HistoryFeed):
    def get_object(self, request, slug: str) -> Claim:
        return get_object_or_404(Claim.objects.published(), slug=slug)

    def title(self, obj: Claim) -> str:
        return f"Grade changes: {obj.statement[:100]}"

    def subtitle(self, obj: Claim) -> str:
        return "Every change of this claim's certainty, direction or bottom line."

    def link(self, obj: Claim) -> str:
        return obj.get_absolute_url()

    def feed_url(self, obj: Claim) -> str:
        return reverse("open:claim_feed", kwargs={"slug": obj.slug})

    def items(self, obj: Claim):
        return (
            ClaimGradeChange.objects.public()
            .filter(claim=obj)
            .select_related("claim")[:FEED_LENGTH]
        )
