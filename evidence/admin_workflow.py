"""Claims' and documents' workflow buttons, and each curator's work queue in the admin.

The buttons are studies.admin_workflow's, with the claim and document services of
evidence.workflow and the same permissions as the list actions. The work queue
(`work_queue_view`, at /admin/queue/, linked from the admin index) lists for the signed-in user
their drafts, what they submitted and waits for another reviewer, what others submitted for
them to review (reviewers only), mentions to re-anchor, and imported studies still without a
design: each with its count and a link to the record.
"""

from dataclasses import dataclass, field

from django.contrib import admin
from django.db.models import Model, QuerySet
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html

from evidence.models import Claim, ClaimMention, PublicationStatus, SourceDocument
from evidence.workflow import (
    CLAIM_REVISION_FIELDS,
    claim_publish,
    claim_revision_propose,
    claim_revision_publish,
    claim_revision_withdraw,
    claim_submit,
    claim_unpublish,
    mention_publish,
    mention_submit,
    mention_unpublish,
    sourcedocument_publish,
    sourcedocument_submit,
    sourcedocument_unpublish,
)
from studies.admin_workflow import (
    CollapsedFieldsetsMixin,
    Step,
    WorkflowButtonsMixin,
    correction_steps,
)
from studies.models import Revision, Study, StudyStatus

DRAFT, REVIEW, PUBLISHED = (
    PublicationStatus.DRAFT,
    PublicationStatus.REVIEW,
    PublicationStatus.PUBLISHED,
)


def _steps(submit, publish, unpublish) -> tuple[Step, ...]:
    return (
        Step("submit", "Submit for review", submit, "change", (DRAFT,), "Submitted for review"),
        Step("publish", "Publish", publish, "publish", (REVIEW,), "Published"),
        Step(
            "unpublish",
            "Unpublish (back to draft)",
            unpublish,
            "publish",
            (REVIEW, PUBLISHED),
            "Unpublished",
        ),
    )


class ClaimWorkflowMixin(CollapsedFieldsetsMixin, WorkflowButtonsMixin):
    workflow_steps = _steps(claim_submit, claim_publish, claim_unpublish) + correction_steps(
        claim_revision_propose,
        claim_revision_publish,
        claim_revision_withdraw,
        lambda: CLAIM_REVISION_FIELDS,
    )
    collapsed_fieldsets = ("Judgements that feed the grade", "Review and publishing")


class SourceDocumentWorkflowMixin(WorkflowButtonsMixin):
    workflow_steps = _steps(sourcedocument_submit, sourcedocument_publish, sourcedocument_unpublish)


class MentionWorkflowMixin(WorkflowButtonsMixin):
    """A mention has its own review: its buttons, and a note on whose publishing it also
    follows (it is public only once its claim and its document are published too)."""

    workflow_steps = _steps(mention_submit, mention_publish, mention_unpublish)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.pk is not None:
            context["workflow_note"] = format_html(
                'public once it, its claim (<a href="{}">{}</a>, {}) and its document '
                '(<a href="{}">{}</a>, {}) are published',
                _change_url(obj.claim),
                obj.claim,
                obj.claim.get_status_display().lower(),
                _change_url(obj.document),
                obj.document,
                obj.document.get_status_display().lower(),
            )
        return super().render_change_form(request, context, add, change, form_url, obj)


class PartOfClaimMixin:
    """For rows reviewed with their claim (links, mentions): their page says whose review and
    publishing they follow, with the claim's status and a link to its buttons."""

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        claim = getattr(obj, "claim", None) if obj is not None else None
        if claim is not None:
            context["workflow_status"] = f"{claim.get_status_display()} (its claim's)"
            context["workflow_note"] = format_html(
                'submitted and published with its claim, <a href="{}">{}</a>',
                _change_url(claim),
                claim,
            )
        return super().render_change_form(request, context, add, change, form_url, obj)


# The work queue ------------------------------------------------------------------------------

SHOWN = 20  # rows listed per section; the count and the "all of them" link say the rest


@dataclass
class Section:
    key: str
    title: str
    help: str
    count: int = 0
    rows: list[tuple[str, str, str]] = field(default_factory=list)  # (label, url, note)
    more_url: str = ""


def _change_url(row: Model) -> str:
    meta = row._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[row.pk])


def _fill(section: Section, queryset: QuerySet, note) -> None:
    section.count += queryset.count()
    room = SHOWN - len(section.rows)
    if room > 0:
        section.rows += [(str(row), _change_url(row), note(row)) for row in queryset[:room]]


def _noun(row: Model) -> str:
    return str(row._meta.verbose_name)


RECORDS: tuple[tuple[type[Model], str], ...] = (
    (Study, "studies.publish_study"),
    (Claim, "evidence.publish_claim"),
    (SourceDocument, "evidence.publish_sourcedocument"),
)


def work_queue(user) -> list[Section]:
    """What waits for `user`, section by section (a fixed number of queries)."""
    mine = Section(
        "drafts", "My drafts", "Records you changed last that are still drafts: finish and submit."
    )
    sent = Section(
        "submitted",
        "Submitted by me, waiting for a reviewer",
        "Another reviewer publishes these; nothing to do unless they send one back.",
    )
    review = Section(
        "review",
        "Waiting for my review",
        "Submitted by someone else: check and publish, or unpublish to send back as a draft.",
    )
    for model, permission in RECORDS:
        rows = model.objects.order_by("-updated_at")
        if user.has_perm(f"{model._meta.app_label}.view_{model._meta.model_name}"):
            _fill(mine, rows.filter(status=DRAFT, updated_by=user), _noun)
            _fill(sent, rows.filter(status=REVIEW, updated_by=user), _noun)
        if user.has_perm(permission):
            _fill(review, rows.filter(status=REVIEW).exclude(updated_by=user), _noun)
    # Corrections of published records (studies.revisions): few at a time, all listed.
    publishers = {model: permission for model, permission in RECORDS}
    for revision in Revision.objects.select_related("content_type").prefetch_related("record"):
        record = revision.record
        if record is None:
            continue
        row = (f"Correction of “{record}”", _change_url(record), _noun(record))
        if revision.proposed_by_id == user.pk:
            sent.count += 1
            sent.rows.append(row)
        elif user.has_perm(publishers.get(type(record), "-")):
            review.count += 1
            review.rows.append(row)
    reviews_mentions = user.has_perm("evidence.publish_claimmention")
    if reviews_mentions:
        # Mentions have their own review (a draft accepted on a published claim or document).
        _fill(
            review,
            ClaimMention.objects.filter(status=REVIEW)
            .select_related("document")
            .order_by("document_id", "start"),
            lambda m: f"mention in {m.document.title}",
        )
    sections = [mine, sent]
    if reviews_mentions or any(user.has_perm(permission) for _, permission in RECORDS):
        sections.append(review)
    if user.has_perm("evidence.view_claimmention"):
        reanchor = Section(
            "reanchor",
            "Mentions to re-anchor",
            "Their quote was not found again after the document's text changed.",
            more_url=reverse("admin:evidence_claimmention_changelist") + "?needs_review__exact=1",
        )
        _fill(
            reanchor,
            ClaimMention.objects.filter(needs_review=True)
            .select_related("document")
            .order_by("document_id", "start"),
            lambda m: f"in {m.document.title}",
        )
        sections.append(reanchor)
    if user.has_perm("studies.view_study"):
        design = Section(
            "design",
            "Imports waiting for a design",
            "Imported studies are drafts without a study design: set it, then submit.",
            more_url=reverse("admin:studies_study_changelist")
            + f"?status__exact={StudyStatus.DRAFT}&design__exact=",
        )
        _fill(
            design,
            Study.objects.filter(status=StudyStatus.DRAFT, design="").order_by("-created_at"),
            lambda s: f"imported {s.created_at:%Y-%m-%d}",
        )
        sections.append(design)
    return sections


def work_queue_view(request):
    sections = work_queue(request.user)
    context = {
        **admin.site.each_context(request),
        "title": "My work queue",
        "sections": sections,
        "shown": SHOWN,
    }
    return TemplateResponse(request, "admin/work_queue.html", context)
