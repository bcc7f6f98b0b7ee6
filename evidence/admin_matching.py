"""The "Propose mentions" screen of a source document in the admin.

The claim matcher (evidence.matching, over every claim and the quotes of every mention except
this document's: evidence.matching_index.curator_index) reads the document's text and proposes
mentions at exact offsets, each with its claim, stance, score and why. In one form the curator
accepts each proposal (with the proposed claim or another), rejects it, or leaves it for later;
and may turn a new-claim candidate into a draft claim in one step. Accepted proposals become
mentions through evidence.workflow (mention_accept, claim_from_sentence), so the publication
rule holds: a published claim takes no new mention until a reviewer unpublishes it, and nothing
is public before a second reviewer publishes the claim and the document.

A place already marked for a claim is not proposed again, so re-running after accepting, or
after a text edit (document_text_update re-anchors the accepted mentions), proposes only what is
still open. Rejections are not stored.
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
from evidence.models import Claim, ClaimCategory, PublicationStatus, SourceDocument
from evidence.workflow import claim_from_sentence, mention_accept
from studies.services import WorkflowError

DECISIONS = [("", "decide later"), ("accept", "accept"), ("reject", "reject")]


class ProposalForm(forms.Form):
    start = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    end = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    claim = forms.ChoiceField(label="claim")
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
) -> tuple[list[Match], list[SentenceReport]]:
    """The matcher's proposals for the document, minus places already marked for that claim."""
    report = curator_index(exclude_document=document.pk).match_text(document.text)
    marked = list(document.mentions.values_list("claim__slug", "start", "end"))
    spans = [(s, e) for _, s, e in marked]

    def taken(match: Match) -> bool:
        return any(
            slug == match.claim and s < match.end and match.start < e for slug, s, e in marked
        )

    proposals = [m for m in report.matches if not taken(m)]
    candidates = [
        c
        for c in report.candidates
        if not any(s < c.sentence.end and c.sentence.start < e for s, e in spans)
    ]
    return proposals, candidates


def propose_mentions_view(model_admin: admin.ModelAdmin, request, object_id: str):
    document = get_object_or_404(SourceDocument, pk=object_id)
    if not (
        model_admin.has_view_permission(request, document)
        and request.user.has_perm("evidence.add_claimmention")
    ):
        raise PermissionDenied
    claims = list(Claim.objects.order_by("slug").values_list("slug", "statement", "status"))
    claim_choices = [
        (slug, f"{slug}{' (published: locked)' if status == PublicationStatus.PUBLISHED else ''}")
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
        shown, sentences = _open_proposals(document)
    else:
        shown, sentences = _open_proposals(document)
        proposals = ProposalFormSet(
            prefix="p",
            initial=[{"start": m.start, "end": m.end, "claim": m.claim} for m in shown],
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
    }
    return TemplateResponse(request, "admin/evidence/sourcedocument/propose_mentions.html", context)


def _apply(request, document, proposals, candidates) -> None:
    """Each accepted row through the services, one at a time: a refused row (a published
    claim, a place already marked) is reported and the others still go in."""
    slugs = {f.cleaned_data["claim"] for f in proposals.forms if f.cleaned_data.get("decision")}
    by_slug = Claim.objects.in_bulk(slugs, field_name="slug")
    accepted, refused, rejected = 0, [], 0
    for form in proposals.forms:
        data = form.cleaned_data
        if data.get("decision") == "reject":
            rejected += 1
        if data.get("decision") != "accept":
            continue
        try:
            with transaction.atomic():
                mention_accept(
                    document=document,
                    claim=by_slug[data["claim"]],
                    start=data["start"],
                    end=data["end"],
                    by=request.user,
                )
            accepted += 1
        except (WorkflowError, PermissionDenied) as error:
            refused.append(f"{data['claim']} at {data['start']}–{data['end']}: {error}")
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
        f"{accepted} mention(s) added as drafts, {created} draft claim(s) created, "
        f"{rejected} proposal(s) rejected.",
    )
    for problem in refused:
        messages.warning(request, f"Not added: {problem}")


def propose_urls(model_admin: admin.ModelAdmin) -> list:
    """The URL to add to SourceDocumentAdmin.get_urls()."""
    wrap = model_admin.admin_site.admin_view

    def view(request, object_id):
        return propose_mentions_view(model_admin, request, object_id)

    return [path("<path:object_id>/propose/", wrap(view), name="evidence_sourcedocument_propose")]
