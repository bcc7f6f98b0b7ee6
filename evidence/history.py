"""The public grade history: what a reader saw of a claim's grade before and after a change.

Every write path that can change a claim's certainty, direction or bottom line takes a
`snapshot` of the claims before and after and calls `grade_changes_record` once, inside its
transaction: one bulk insert for any number of claims, a row only where something a reader sees
changed. The read side shows `ClaimGradeChange.objects.public()` and nothing else.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.utils import timezone

from evidence.models import Claim, ClaimGradeChange, PublicationStatus


@dataclass(frozen=True)
class GradeSnapshot:
    """What a reader sees of one claim's grade."""

    certainty: str
    direction: str
    bottom_line: str
    published: bool


def snapshot(claims: Iterable[Claim]) -> dict[int, GradeSnapshot]:
    """The effective (override-aware) grade of each claim, by primary key. No query."""
    return {
        claim.pk: GradeSnapshot(
            certainty=claim.effective_certainty,
            direction=claim.effective_direction,
            bottom_line=claim.stored_bottom_line,
            published=claim.status == PublicationStatus.PUBLISHED,
        )
        for claim in claims
    }


def grade_changes_record(
    *,
    before: Mapping[int, GradeSnapshot],
    after: Mapping[int, GradeSnapshot],
    reason: str,
) -> list[ClaimGradeChange]:
    """Record a change for each claim whose certainty, direction or bottom line differs between
    `before` and `after`, in one bulk insert (none when nothing a reader sees changed)."""
    now = timezone.now()
    rows = []
    for pk, new in after.items():
        old = before.get(pk)
        if old is None or (old.certainty, old.direction, old.bottom_line) == (
            new.certainty,
            new.direction,
            new.bottom_line,
        ):
            continue
        rows.append(
            ClaimGradeChange(
                claim_id=pk,
                changed_at=now,
                certainty_from=old.certainty,
                certainty_to=new.certainty,
                direction_from=old.direction,
                direction_to=new.direction,
                bottom_line_from=old.bottom_line,
                bottom_line_to=new.bottom_line,
                reason=reason,
                while_published=old.published and new.published,
            )
        )
    return ClaimGradeChange.objects.bulk_create(rows) if rows else []
