"""Atom feeds of the public grade history: one per claim and one for every claim. Only changes
made while the claim was published, of claims published now (ClaimGradeChange.public())."""

from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from api.conditional import last_changed
from evidence.models import Claim, ClaimGradeChange
from public.templatetags.evidence_tags import certainty_label, direction_label

FEED_LENGTH = 50


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
        return self.feed.get("stamp") or super().latest_post_date()


class _HistoryFeed(Feed):
    feed_type = StableAtomFeed

    def feed_extra_kwargs(self, obj):
        return {"stamp": last_changed()}

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
