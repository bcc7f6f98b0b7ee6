"""Curator writes to documents and claims: placing mentions, re-anchoring, review workflow.

Kept apart from evidence/services.py (grading). After publish/unpublish or a change to a
claim's grading judgements, the integrator calls evidence.services.regrade_affected(claims=...).
"""

import re
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from evidence.anchoring import Anchor, AnchorError, anchor_at, locate, occurrences
from evidence.models import (
    Claim,
    ClaimCategory,
    ClaimMention,
    EvidenceLink,
    PublicationStatus,
    SourceDocument,
)
from studies.services import WorkflowError, attach_history_user, check_can_publish, workflow_save


def _squash(value: str) -> str:
    """Words only: spacing, line breaks, punctuation and case do not matter in context."""
    return " ".join(re.findall(r"\w+", value.casefold()))


def mention_place(
    *, document: SourceDocument, quote: str, before: str = "", after: str = ""
) -> Anchor:
    """Where a pasted quote stands in the document; `before`/`after` tell repeats apart.

    `before` and `after` are a few words the curator copies from just before or after the
    quote (spacing, line breaks, punctuation and case do not matter). Raises AnchorError, with
    a message a curator can act on, when the quote is missing, or appears more than once and
    the words given do not single one place out.
    """
    before, after = _squash(before), _squash(after)
    if not (before or after):
        return locate(document.text, quote)
    text = document.text
    places = occurrences(text, quote)
    if not places:
        return locate(text, quote)  # raises the "does not appear" error

    def fits(p: int) -> bool:
        # Look at a window wider than the words given, then compare whole words only.
        left = _squash(text[max(0, p - len(before) * 2 - 10) : p])
        right = _squash(text[p + len(quote) : p + len(quote) + len(after) * 2 + 10])
        return (not before or f" {left}".endswith(f" {before}")) and (
            not after or f"{right} ".startswith(f"{after} ")
        )

    fitting = [p for p in places if fits(p)]
    if len(fitting) == 1:
        return anchor_at(text, fitting[0], quote)
    if not fitting:
        raise AnchorError(
            f"The quote appears {len(places)} time(s), but never with the words you gave "
            "before or after it. Copy them again from the document."
        )
    raise AnchorError(
        f"The quote appears {len(fitting)} times with those words around it: "
        "add more of the words before or after it."
    )


@dataclass
class ReanchorReport:
    moved: list[ClaimMention] = field(default_factory=list)
    unchanged: list[ClaimMention] = field(default_factory=list)
    flagged: list[ClaimMention] = field(default_factory=list)

    def __str__(self) -> str:
        parts = [f"{len(self.unchanged)} mention(s) still in place"]
        if self.moved:
            parts.append(f"{len(self.moved)} moved with the text")
        if self.flagged:
            parts.append(f"{len(self.flagged)} could not be found and need review")
        return ", ".join(parts) + "."


@transaction.atomic
def document_text_update(*, document: SourceDocument, text: str, by=None) -> ReanchorReport:
    """Save a document's new text and re-anchor every mention by its quote and context.

    A mention whose quote is found again (told apart from repeats by its stored prefix and
    suffix, then by being nearest its old place) gets its new offsets; one that is not found
    is kept where it was, flagged needs_review with a note saying why. None is deleted.
    """
    document.text = text
    attach_history_user(document, by)
    document.save()
    report = ReanchorReport()
    who = f" by {by}" if by is not None and getattr(by, "pk", None) else ""
    when = timezone.now().strftime("%Y-%m-%d %H:%M UTC")
    for mention in document.mentions.order_by("start"):
        try:
            anchor = locate(
                text,
                mention.quote,
                prefix=mention.prefix,
                suffix=mention.suffix,
                near=mention.start,
            )
        except AnchorError as error:
            mention.needs_review = True
            mention.review_note = f"The document text was edited on {when}{who}: {error}"
            report.flagged.append(mention)
        else:
            old = (mention.start, mention.prefix, mention.suffix)
            if (anchor.start, anchor.prefix, anchor.suffix) == old:
                report.unchanged.append(mention)
                continue
            mention.start, mention.end = anchor.start, anchor.end
            mention.prefix, mention.suffix = anchor.prefix, anchor.suffix
            (report.moved if anchor.start != old[0] else report.unchanged).append(mention)
        attach_history_user(mention, by)
        mention.save()
    return report


# Suggested claim places ----------------------------------------------------------------------

_SENTENCE = re.compile(r"[^.!?\n]+(?:[.!?]+|$)", re.MULTILINE)


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int
    text: str
    keywords: tuple[str, ...]


def document_suggestions(*, document: SourceDocument) -> list[tuple[ClaimCategory, list[Sentence]]]:
    """Sentences with a category's keywords that carry no mention yet, grouped by category."""
    text = document.text
    spans = list(document.mentions.values_list("start", "end"))
    sentences = []
    for match in _SENTENCE.finditer(text):
        raw = match.group(0)
        start = match.start() + len(raw) - len(raw.lstrip())
        end = match.end()
        if end - start < 3 or any(s < end and e > start for s, e in spans):
            continue
        sentences.append((start, end, text[start:end].strip()))
    grouped = []
    for category in ClaimCategory.objects.order_by("order", "name"):
        words = category.keyword_list()
        if not words:
            continue
        patterns = [(w, re.compile(rf"\b{re.escape(w)}", re.IGNORECASE)) for w in words]
        found = []
        for start, end, sentence in sentences:
            hits = tuple(w for w, p in patterns if p.search(sentence))
            if hits:
                found.append(Sentence(start, end, sentence, hits))
        if found:
            grouped.append((category, found))
    return grouped


# Claim review workflow ------------------------------------------------------------------------


@transaction.atomic
def claim_submit(*, claim: Claim, by) -> Claim:
    """Draft → in review."""
    if claim.status != PublicationStatus.DRAFT:
        raise WorkflowError(f"“{claim}” is {claim.get_status_display().lower()}, not a draft.")
    workflow_save(claim, by=by, status=PublicationStatus.REVIEW)
    return claim


@transaction.atomic
def claim_publish(*, claim: Claim, by) -> Claim:
    """In review → published, by a reviewer who did not make the change."""
    if claim.status != PublicationStatus.REVIEW:
        raise WorkflowError(
            f"“{claim}” is {claim.get_status_display().lower()}: only a claim in review can be "
            "published. Submit it for review first."
        )
    parts = [
        ClaimMention.history.filter(claim_id=claim.pk),
        EvidenceLink.history.filter(claim_id=claim.pk),
    ]
    check_can_publish(
        instance=claim, by=by, permission="evidence.publish_claim", noun="claim", parts=parts
    )
    workflow_save(
        claim,
        by=by,
        status=PublicationStatus.PUBLISHED,
        published_at=timezone.now(),
        published_by=by,
    )
    return claim


@transaction.atomic
def claim_unpublish(*, claim: Claim, by) -> Claim:
    """Published (or in review) → draft."""
    if not by.has_perm("evidence.publish_claim"):
        raise WorkflowError("Only a reviewer can unpublish a claim.")
    if claim.status == PublicationStatus.DRAFT:
        raise WorkflowError(f"“{claim}” is already a draft.")
    workflow_save(
        claim, by=by, status=PublicationStatus.DRAFT, published_at=None, published_by=None
    )
    return claim
