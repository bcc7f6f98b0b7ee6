"""The "Propose mentions" screen of a source document in the admin.

The claim matcher (evidence.matching, over every claim and the quotes of every mention except
this document's: evidence.matching_index.curator_index) reads the document's text and proposes
mentions at exact offsets, each with its claim, stance, score and why. In one form the curator
accepts each proposal (with the proposed claim or another, and the proposed stance or another),
rejects it, or leaves it for later; and may turn a new-claim candidate into a draft claim in one
step. Accepted proposals become draft mentions through evidence.workflow (mention_accept,
claim_from_sentence), on any claim and document, published or not: nothing public changes
until a reviewer who did not make them publishes them (on their own, or with their claim or
document), and a mention is public only once it, its claim and its document are published.

A place already marked for a claim is not proposed again, so re-running after accepting, or
after a text edit (document_text_update re-anchors the accepted mentions), proposes only what is
still open. A rejection is stored (evidence.models.MentionRejection: the passage's quote and the
text around it, who, when), and so is the proposed claim of a row accepted with another claim;
a re-run hides the pairs rejected, found again in the text by the re-anchoring rules
(evidence.workflow.rejected_spans), says how many it hid, and lists them, each with a way to
undo the rejection.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.text import slugify

from evidence.matching import Match, SentenceReport
from evidence.matching_index import curator_index
from evidence.models import (
    Claim,
    ClaimCategory,
    MentionRejection,
    MentionStance,
    PublicationStatus,
    SourceDocument,
)
from evidence.workflow import (
    RejectedSpan,
    claim_from_sentence,
    mention_accept,
    proposal_reject,
    proposal_unreject,
    rejected_spans,
)
from studies.services import WorkflowError

DECISIONS = [("", "decide later"), ("accept", "accept"), ("reject", "reject")]


class ProposalForm(forms.Form):
    start = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    end = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    # The matcher's claim, kept so a row accepted with another claim also rejects this one.
    proposed = forms.CharField(widget=forms.HiddenInput, required=False)
    claim = forms.ChoiceField(label="claim")
    stance = forms.ChoiceField(
        label="stance", choices=MentionStance.choices, initial=MentionStance.ASSERTS
    )
    decision = forms.ChoiceField(
        choices=DECISIONS, required=False, widget=forms.RadioSelect, label="decision"
    )

    def __init__(self, *args, claim_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["claim"].choices = claim_choices


class CandidateForm(forms.Form):
    start = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    end = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    create = forms.BooleanField(required=False, label="make a draft claim")
    statement = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2, "cols": 50}), required=False
    )
    category = forms.ChoiceField(required=False)
    slug = forms.SlugField(max_length=120, required=False)

    def __init__(self, *args, category_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = category_choices

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("create"):
            if not (cleaned.get("statement") or "").strip():
                self.add_error("statement", "A new claim needs a statement.")
            if not cleaned.get("category"):
                self.add_error("category", "Choose the category of the new claim.")
            cleaned["slug"] = cleaned.get("slug") or slugify(cleaned.get("statement", ""))[:80]
        return cleaned


ProposalFormSet = forms.formset_factory(ProposalForm, extra=0)
CandidateFormSet = forms.formset_factory(CandidateForm, extra=0)


def _open_proposals(
    document: SourceDocument,
) -> tuple[list[Match], list[SentenceReport], list[tuple[Match, MentionRejection]]]:
    """The matcher's proposals for the document, minus places already marked for that claim
    and minus the pairs a curator rejected (returned apart, each with its rejection)."""
    report = curator_index(exclude_document=document.pk).match_text(document.text)
    marked = list(document.mentions.values_list("claim__slug", "start", "end"))
    spans = [(s, e) for _, s, e in marked]
    rejected: list[RejectedSpan] = rejected_spans(document=document)

    def taken(match: Match) -> bool:
        return any(
            slug == match.claim and s < match.end and match.start < e for slug, s, e in marked
        )

    def rejection(match: Match) -> MentionRejection | None:
        for r in rejected:
            if (
                r.rejection.claim.slug == match.claim
                and r.start < match.end
                and match.start < r.end
            ):
                return r.rejection
        return None

    proposals, hidden = [], []
    for match in report.matches:
        if taken(match):
            continue
        found = rejection(match)
        if found is None:
            proposals.append(match)
        else:
            hidden.append((match, found))
    candidates = [
        c
        for c in report.candidates
        if not any(s < c.sentence.end and c.sentence.start < e for s, e in spans)
    ]
    return proposals, candidates, hidden


def propose_mentions_view(model_admin: admin.ModelAdmin, request, object_id: str):
    document = get_object_or_404(SourceDocument, pk=object_id)
    if not (
        model_admin.has_view_permission(request, document)
        and request.user.has_perm("evidence.add_claimmention")
    ):
        raise PermissionDenied
    claims = list(Claim.objects.order_by("slug").values_list("slug", "statement", "status"))
    claim_choices = [
        (slug, f"{slug}{' (published)' if status == PublicationStatus.PUBLISHED else ''}")
        for slug, _, status in claims
    ]
    statements = {slug: statement for slug, statement, _ in claims}
    categories = list(ClaimCategory.objects.order_by("order", "name").values_list("pk", "name"))
    category_choices = [("", "—"), *((str(pk), name) for pk, name in categories)]
    here = reverse("admin:evidence_sourcedocument_propose", args=[document.pk])

    if request.method == "POST":
        if request.POST.get("checksum") != document.checksum:
            messages.warning(
                request, "The document's text changed since the proposals were made: look again."
            )
            return redirect(here)
        proposals = ProposalFormSet(
            request.POST, prefix="p", form_kwargs={"claim_choices": claim_choices}
        )
        candidates = CandidateFormSet(
            request.POST, prefix="c", form_kwargs={"category_choices": category_choices}
        )
        if proposals.is_valid() and candidates.is_valid():
            _apply(request, document, proposals, candidates)
            return redirect(here)
        messages.error(request, "Some rows need attention: see below.")
        shown, sentences, hidden = _open_proposals(document)
    else:
        shown, sentences, hidden = _open_proposals(document)
        proposals = ProposalFormSet(
            prefix="p",
            initial=[
                {
                    "start": m.start,
                    "end": m.end,
                    "proposed": m.claim,
                    "claim": m.claim,
                    "stance": str(m.stance),
                }
                for m in shown
            ],
            form_kwargs={"claim_choices": claim_choices},
        )
        candidates = CandidateFormSet(
            prefix="c",
            initial=[
                {"start": c.sentence.start, "end": c.sentence.end, "statement": c.sentence.text}
                for c in sentences
            ],
            form_kwargs={"category_choices": category_choices},
        )
    rows = [
        {"form": form, "match": match, "statement": statements.get(match.claim, "")}
        for form, match in zip(proposals.forms, shown, strict=False)
    ] or [{"form": form} for form in proposals.forms]
    context = {
        **model_admin.admin_site.each_context(request),
        "title": f"Propose mentions: {document}",
        "opts": SourceDocument._meta,
        "document": document,
        "proposals": proposals,
        "candidates": candidates,
        "rows": rows,
        "candidate_rows": list(zip(candidates.forms, sentences, strict=False))
        or [(form, None) for form in candidates.forms],
        "mention_count": document.mentions.count(),
        "hidden": [
            {"match": match, "rejection": rejection, "statement": statements.get(match.claim, "")}
            for match, rejection in hidden
        ],
    }
    return TemplateResponse(request, "admin/evidence/sourcedocument/propose_mentions.html", context)


def _apply(request, document, proposals, candidates) -> None:
    """Each decided row through the services, one at a time: a refused row (a place already
    marked, a span that is not in the text) is reported and the others still go in. A
    rejection is stored; a row accepted with another claim than the one proposed also stores
    the rejection of the proposed one."""
    decided = [f.cleaned_data for f in proposals.forms if f.cleaned_data.get("decision")]
    slugs = {d["claim"] for d in decided} | {d["proposed"] for d in decided if d.get("proposed")}
    by_slug = Claim.objects.in_bulk(slugs, field_name="slug")
    accepted, refused, rejected = 0, [], 0
    for data in decided:
        proposed = by_slug.get(data.get("proposed") or "")
        try:
            with transaction.atomic():
                if data["decision"] == "reject":
                    # The matcher's pair is what a re-run would propose again.
                    proposal_reject(
                        document=document,
                        claim=proposed or by_slug[data["claim"]],
                        start=data["start"],
                        end=data["end"],
                        by=request.user,
                    )
                    rejected += 1
                    continue
                mention_accept(
                    document=document,
                    claim=by_slug[data["claim"]],
                    start=data["start"],
                    end=data["end"],
                    stance=data["stance"],
                    by=request.user,
                )
                if proposed is not None and proposed.slug != data["claim"]:
                    proposal_reject(
                        document=document,
                        claim=proposed,
                        start=data["start"],
                        end=data["end"],
                        by=request.user,
                    )
            accepted += 1
        except (WorkflowError, PermissionDenied) as error:
            refused.append(f"{data['claim']} at {data['start']}–{data['end']}: {error}")
    undone = 0
    wanted = [pk for pk in request.POST.getlist("unreject") if pk.isdigit()]
    for rejection in document.rejections.filter(pk__in=wanted):
        proposal_unreject(rejection=rejection, by=request.user)
        undone += 1
    created = 0
    for form in candidates.forms:
        data = form.cleaned_data
        if not data.get("create"):
            continue
        try:
            with transaction.atomic():
                claim_from_sentence(
                    document=document,
                    start=data["start"],
                    end=data["end"],
                    statement=data["statement"],
                    category=ClaimCategory.objects.get(pk=data["category"]),
                    slug=data["slug"],
                    by=request.user,
                )
            created += 1
        except (WorkflowError, PermissionDenied) as error:
            refused.append(f"new claim “{data['slug']}”: {error}")
    messages.success(
        request,
        f"{accepted} mention(s) added as drafts (public once another reviewer publishes them), "
        f"{created} draft claim(s) created, {rejected} proposal(s) rejected"
        + (f", {undone} rejection(s) undone." if undone else "."),
    )
    for problem in refused:
        messages.warning(request, f"Not added: {problem}")


def propose_urls(model_admin: admin.ModelAdmin) -> list:
    """The URL to add to SourceDocumentAdmin.get_urls()."""
    wrap = model_admin.admin_site.admin_view

    def view(request, object_id):
        return propose_mentions_view(model_admin, request, object_id)

    return [path("<path:object_id>/propose/", wrap(view), name="evidence_sourcedocument_propose")]
