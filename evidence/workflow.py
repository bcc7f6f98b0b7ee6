"""Curator writes to documents and claims: placing mentions, re-anchoring, review workflow.

Kept apart from evidence/services.py (grading). After publish/unpublish or a change to a
claim's grading judgements, the integrator calls evidence.services.regrade_affected(claims=...).

Claims and source documents share one review workflow (draft → in review → published by a
reviewer who did not make the change; unpublish back to draft), built on the studies' helpers
(studies.services.check_can_publish, workflow_save). Content writes pass the publication rule
(studies.publishing.check_editable): a published document's text changes only once unpublished.
"""

import re
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from evidence.anchoring import (
    Anchor,
    AnchorError,
    anchor_at,
    locate,
    normalize_text,
    occurrences,
)
from evidence.models import (
    Claim,
    ClaimCategory,
    ClaimMention,
    ClaimOutcome,
    EvidenceLink,
    MentionRejection,
    MentionStance,
    PublicationStatus,
    SourceDocument,
)
from evidence.services import regrade_affected
from studies.publishing import check_editable
from studies.revisions import revision_propose, revision_publish, revision_withdraw
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

    The text is normalised first (line endings LF, Unicode NFC; the model's save does the
    same), so saving the same text again, as a browser posts it with CRLF, writes nothing and
    reports every mention still in place. Refused (PublicationLocked) while it is published.
    """
    text = normalize_text(text)
    stored = SourceDocument.objects.filter(pk=document.pk).values_list("text", flat=True).first()
    document.text = text
    check_editable(document, by=by)
    report = ReanchorReport()
    if stored == text:
        report.unchanged = list(document.mentions.order_by("start"))
        return report
    attach_history_user(document, by)
    document.save()
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


# Review workflow of claims and documents -----------------------------------------------------


def _submit(instance, *, by):
    if instance.status != PublicationStatus.DRAFT:
        raise WorkflowError(
            f"“{instance}” is {instance.get_status_display().lower()}, not a draft."
        )
    workflow_save(instance, by=by, status=PublicationStatus.REVIEW)
    return instance


def _publish(instance, *, by, permission: str, parts=(), mentions=None):
    """`mentions`: the record's mentions not yet published, published with it (checked first:
    the reviewer must not have made or changed any of them)."""
    noun = instance._meta.verbose_name
    if instance.status != PublicationStatus.REVIEW:
        raise WorkflowError(
            f"“{instance}” is {instance.get_status_display().lower()}: only a {noun} in review "
            "can be published. Submit it for review first."
        )
    check_can_publish(instance=instance, by=by, permission=permission, noun=noun, parts=parts)
    if mentions is not None:
        # Before the record's own save, so these steps are older than its published version
        # and never count later as the reviewer's own change to it.
        _mentions_publish(list(mentions), by=by)
    workflow_save(
        instance,
        by=by,
        status=PublicationStatus.PUBLISHED,
        published_at=timezone.now(),
        published_by=by,
    )
    return instance


def _unpublish(instance, *, by, permission: str):
    if not by.has_perm(permission):
        raise WorkflowError(f"Only a reviewer can unpublish a {instance._meta.verbose_name}.")
    if instance.status == PublicationStatus.DRAFT:
        raise WorkflowError(f"“{instance}” is already a draft.")
    workflow_save(
        instance, by=by, status=PublicationStatus.DRAFT, published_at=None, published_by=None
    )
    return instance


@transaction.atomic
def claim_submit(*, claim: Claim, by) -> Claim:
    """Draft → in review."""
    return _submit(claim, by=by)


@transaction.atomic
def claim_publish(*, claim: Claim, by) -> Claim:
    """In review → published, by a reviewer who did not make the change (to the claim, its
    mentions, links or Summary of Findings rows). Its mentions not yet published are published
    with it (they are public once their document is too)."""
    parts = [
        _mention_changes().filter(claim_id=claim.pk),
        EvidenceLink.history.filter(claim_id=claim.pk),
        ClaimOutcome.history.filter(claim_id=claim.pk),
    ]
    return _publish(
        claim,
        by=by,
        permission="evidence.publish_claim",
        parts=parts,
        mentions=claim.mentions.unpublished(),
    )


@transaction.atomic
def claim_unpublish(*, claim: Claim, by) -> Claim:
    """Published (or in review) → draft."""
    return _unpublish(claim, by=by, permission="evidence.publish_claim")


@transaction.atomic
def sourcedocument_submit(*, sourcedocument: SourceDocument, by) -> SourceDocument:
    """Draft → in review."""
    return _submit(sourcedocument, by=by)


@transaction.atomic
def sourcedocument_publish(*, sourcedocument: SourceDocument, by) -> SourceDocument:
    """In review → published (on the public site), by a reviewer who did not change it. Its
    mentions not yet published are published with it, refused if the reviewer made or changed
    any of them (they are public once their claim is published too)."""
    return _publish(
        sourcedocument,
        by=by,
        permission="evidence.publish_sourcedocument",
        mentions=sourcedocument.mentions.unpublished(),
    )


@transaction.atomic
def sourcedocument_unpublish(*, sourcedocument: SourceDocument, by) -> SourceDocument:
    """Published (or in review) → draft: it leaves the public site at once."""
    return _unpublish(sourcedocument, by=by, permission="evidence.publish_sourcedocument")


# Corrections of a published claim (studies.revisions) ----------------------------------------

# A claim's own fields a correction may change: its words and the judgements that feed its
# grade. Not its slug (its public address) nor an override of the grade: unpublish for those.
CLAIM_REVISION_FIELDS = [
    "statement",
    "category",
    "kind",
    "plain_summary",
    "accepted_definition",
    "publication_bias_suspected",
    "large_effect",
    "dose_response",
    "grading_note",
]


def claim_revision_propose(*, claim: Claim, by, values, note: str = ""):
    """Propose a correction of a published claim; the public page keeps the published text."""
    return revision_propose(
        record=claim, values=values, by=by, allowed=CLAIM_REVISION_FIELDS, note=note
    )


@transaction.atomic
def claim_revision_publish(*, claim: Claim, by) -> Claim:
    """Publish the pending correction of a claim, by a reviewer who did not propose it; the
    claim is regraded (its judgements may have changed)."""
    revision_publish(record=claim, by=by, permission="evidence.publish_claim")
    regrade_affected(claims=[claim])
    return claim


def claim_revision_withdraw(*, claim: Claim, by) -> Claim:
    revision_withdraw(record=claim, by=by, permission="evidence.publish_claim")
    return claim


# Mentions proposed by the claim matcher (evidence.admin_matching) ----------------------------


def _passage(document: SourceDocument, start: int, end: int) -> Anchor:
    """The anchor of the words at start–end of the document's text; WorkflowError when the span
    is outside the text or holds no words."""
    text = document.text
    if not 0 <= start < end <= len(text) or not text[start:end].strip():
        raise WorkflowError(f"Characters {start}–{end} are not a passage of “{document}”.")
    return anchor_at(text, start, text[start:end])


@transaction.atomic
def mention_accept(
    *,
    document: SourceDocument,
    claim: Claim,
    start: int,
    end: int,
    by,
    stance: str = MentionStance.ASSERTS,
) -> ClaimMention:
    """Make a matcher's proposal a mention: the words at start–end of the document's text,
    with the stance the curator confirmed (asserts, denies, qualifies).

    The mention is a draft, whatever the claim's and the document's status: nothing public
    changes until a reviewer who did not make it publishes it (mention_publish, or with its
    claim or document: claim_publish, sourcedocument_publish); it is public only once it, its
    claim and its document are all published. Raises WorkflowError for a span outside the
    text, an empty one, an unknown stance, or a place the claim is already marked at.
    """
    anchor = _passage(document, start, end)
    if stance not in MentionStance.values:
        raise WorkflowError(f"“{stance}” is not a stance: choose asserts, denies or qualifies.")
    if ClaimMention.objects.filter(claim=claim, document=document, start=start).exists():
        raise WorkflowError(f"“{claim.slug}” is already marked at character {start}.")
    mention = ClaimMention(
        claim=claim,
        document=document,
        quote=document.text[start:end],
        start=anchor.start,
        end=anchor.end,
        prefix=anchor.prefix,
        suffix=anchor.suffix,
        stance=stance,
        status=PublicationStatus.DRAFT,
    )
    check_editable(mention, by=by)
    attach_history_user(mention, by)
    mention.save()
    return mention


@transaction.atomic
def claim_from_sentence(
    *,
    document: SourceDocument,
    start: int,
    end: int,
    statement: str,
    category: ClaimCategory,
    slug: str,
    by,
) -> tuple[Claim, ClaimMention]:
    """A new-claim candidate becomes a draft claim, with the sentence as its first mention."""
    statement = statement.strip()
    if not statement:
        raise WorkflowError("A new claim needs a statement.")
    if Claim.objects.filter(slug=slug).exists():
        raise WorkflowError(f"There is already a claim “{slug}”: choose another slug.")
    claim = Claim(statement=statement, slug=slug, category=category)
    check_editable(claim, by=by)
    claim.updated_by = by
    attach_history_user(claim, by)
    claim.save()
    return claim, mention_accept(document=document, claim=claim, start=start, end=end, by=by)


# A mention's own review ----------------------------------------------------------------------

# The history reason of a mention's review steps (submit, publish, unpublish): they change only
# its status, so they never count as a change "by the reviewer" to the mention or its claim.
MENTION_REVIEW_STEP = "Review step"


def _mention_changes():
    """The history records of mentions that changed their content (not review steps)."""
    return ClaimMention.history.exclude(history_change_reason=MENTION_REVIEW_STEP)


def _mention_step(mention: ClaimMention, *, by, status: str) -> None:
    mention.status = status
    mention._change_reason = MENTION_REVIEW_STEP
    attach_history_user(mention, by)
    mention.save(update_fields=["status", "updated_at"])


def _mentions_publish(mentions: list[ClaimMention], *, by) -> None:
    """Publish these mentions, refused (WorkflowError, nothing written) when `by` made or
    changed any of them: a mention is published by someone other than its curators."""
    if not mentions:
        return
    mine = set(
        _mention_changes()
        .filter(id__in=[m.pk for m in mentions], history_user_id=by.pk)
        .values_list("id", flat=True)
    )
    if mine and not by.is_superuser:
        mention = next(m for m in mentions if m.pk in mine)
        raise WorkflowError(
            f"You made or changed the mention “{mention.quote[:60]}” yourself: another "
            "reviewer must publish it."
        )
    for mention in mentions:
        _mention_step(mention, by=by, status=PublicationStatus.PUBLISHED)


@transaction.atomic
def mention_submit(*, claimmention: ClaimMention, by) -> ClaimMention:
    """Draft → in review."""
    if claimmention.status != PublicationStatus.DRAFT:
        raise WorkflowError(
            f"The mention “{claimmention.quote[:60]}” is "
            f"{claimmention.get_status_display().lower()}, not a draft."
        )
    _mention_step(claimmention, by=by, status=PublicationStatus.REVIEW)
    return claimmention


@transaction.atomic
def mention_publish(*, claimmention: ClaimMention, by) -> ClaimMention:
    """In review → published, by a reviewer who did not make or change the mention. It is
    public from then on if its claim and its document are published (and it is anchored)."""
    if not by.has_perm("evidence.publish_claimmention"):
        raise WorkflowError("Only a reviewer can publish a mention.")
    if claimmention.status != PublicationStatus.REVIEW:
        raise WorkflowError(
            f"The mention “{claimmention.quote[:60]}” is "
            f"{claimmention.get_status_display().lower()}: only a mention in review can be "
            "published. Submit it for review first."
        )
    _mentions_publish([claimmention], by=by)
    return claimmention


@transaction.atomic
def mention_unpublish(*, claimmention: ClaimMention, by) -> ClaimMention:
    """Published (or in review) → draft: it leaves the public pages at once."""
    if not by.has_perm("evidence.publish_claimmention"):
        raise WorkflowError("Only a reviewer can unpublish a mention.")
    if claimmention.status == PublicationStatus.DRAFT:
        raise WorkflowError(f"The mention “{claimmention.quote[:60]}” is already a draft.")
    _mention_step(claimmention, by=by, status=PublicationStatus.DRAFT)
    return claimmention


# Rejected proposals of the claim matcher -----------------------------------------------------


@transaction.atomic
def proposal_reject(
    *, document: SourceDocument, claim: Claim, start: int, end: int, by
) -> MentionRejection:
    """Store a curator's rejection of a proposal: `claim` is not made at start–end. Kept as the
    quote with the text around it, so the pair stays rejected when the text is edited
    elsewhere (see rejected_spans). Rejecting the same pair again refreshes who and when.
    Writes nothing public. Raises WorkflowError for a span that is not a passage of the text."""
    anchor = _passage(document, start, end)
    rejection, _ = MentionRejection.objects.update_or_create(
        document=document,
        claim=claim,
        start=anchor.start,
        defaults={
            "quote": document.text[start:end],
            "prefix": anchor.prefix,
            "suffix": anchor.suffix,
            "rejected_by": by if getattr(by, "pk", None) else None,
            "rejected_at": timezone.now(),
        },
    )
    return rejection


def proposal_unreject(*, rejection: MentionRejection, by) -> None:
    """Forget a rejection: the matcher may propose the pair again."""
    rejection.delete()


@dataclass(frozen=True)
class RejectedSpan:
    rejection: MentionRejection
    start: int
    end: int


# What the proposal screen reads of a rejection (not the claim's stored grade, a large JSON).
REJECTION_FIELDS = (
    "document_id",
    "quote",
    "prefix",
    "suffix",
    "start",
    "rejected_at",
    "claim__slug",
    "rejected_by__username",
)


def rejected_spans(*, document: SourceDocument) -> list[RejectedSpan]:
    """Where the document's rejected proposals stand in its text now: each rejection's quote
    found again by the re-anchoring rules (its stored context tells repeats apart, then being
    nearest its old place). A rejection whose quote is no longer in the text is left out: the
    passage changed, so the matcher may propose it again. One query; each passage is located
    once, however many claims were rejected on it."""
    text = document.text
    found = []
    places: dict[tuple[str, str, str, int], Anchor | None] = {}
    rejections = (
        document.rejections.select_related("claim", "rejected_by")
        .only(*REJECTION_FIELDS)
        .order_by("start", "claim__slug")
    )
    for rejection in rejections:
        key = (rejection.quote, rejection.prefix, rejection.suffix, rejection.start)
        if key not in places:
            try:
                places[key] = locate(
                    text,
                    rejection.quote,
                    prefix=rejection.prefix,
                    suffix=rejection.suffix,
                    near=rejection.start,
                )
            except AnchorError:
                places[key] = None
        anchor = places[key]
        if anchor is not None:
            found.append(RejectedSpan(rejection, anchor.start, anchor.end))
    return found
