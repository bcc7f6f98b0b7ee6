"""The review workflow as buttons on a record's change page, beside the changelist actions.

Each button posts (with its CSRF token) to one small view per record and step, which asks the
ModelAdmin the same permission question as the matching list action (`has_change_permission`
for submitting, `has_publish_permission`, `has_retract_permission`) and calls the same service
(studies.services, evidence.workflow). A role without the permission gets 403; a refusal of the
service (a reviewer publishing their own change, a study without a design) comes back as the
service's message on the record's page.

Apps declare their steps on a mixin (`StudyWorkflowMixin` here; evidence has its own for claims
and documents). The buttons are drawn by templates/admin/change_form.html for every model that
puts `workflow_buttons` in its change form's context, whatever change form template it uses.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from studies.forms import RetractForm, StudyForm
from studies.models import StudyStatus
from studies.revisions import (
    apply_values,
    pending_revision,
    revision_values,
    study_revision_fields,
    study_revision_propose,
    study_revision_publish,
    study_revision_withdraw,
)
from studies.services import (
    WorkflowError,
    study_publish,
    study_retract,
    study_submit,
    study_unpublish,
)

DRAFT, REVIEW, PUBLISHED = StudyStatus.DRAFT, StudyStatus.REVIEW, StudyStatus.PUBLISHED


@dataclass(frozen=True)
class Step:
    """One workflow step a record's page offers as a button."""

    name: str  # in the URL: submit, publish, unpublish, retract
    label: str  # on the button
    service: Callable[..., Any]  # called as service(<model_name>=record, by=user, **form)
    permission: str  # the ModelAdmin's has_<permission>_permission decides who may
    statuses: tuple[str, ...]  # the statuses the step starts from
    done: str  # the message once done: "Submitted for review"
    # A form to fill in first, built as form(record, POST data or None): the retraction
    # reason, a correction. The service gets form.service_kwargs(), else its cleaned_data.
    form: Callable[[Any, Any], Any] | None = None
    # Whether the record must have something for the step (a pending revision); None: always.
    applies: Callable[[Any], bool] | None = None


class WorkflowButtonsMixin:
    """Adds `<pk>/step/<name>/` URLs and the buttons for `workflow_steps` to a ModelAdmin.

    `get_urls` puts these URLs before the model's own and keeps whatever a subclass adds in
    front of them (call super().get_urls() and prepend yours).
    """

    workflow_steps: Sequence[Step] = ()

    def get_urls(self):
        meta = self.model._meta
        urls = [
            path(
                "<path:object_id>/step/<slug:step>/",
                self.admin_site.admin_view(self.workflow_step_view),
                name=f"{meta.app_label}_{meta.model_name}_step",
            )
        ]
        return urls + super().get_urls()

    def has_propose_permission(self, request) -> bool:
        """Proposing a correction of a published record: whoever may change such records."""
        return self.has_change_permission(request)

    def step_allowed(self, request, step: Step, obj) -> bool:
        """The list action's permission question, asked of this record."""
        if step.permission == "change":
            # A locked record refuses change; submitting starts from a draft, never locked.
            return self.has_change_permission(request, obj)
        return getattr(self, f"has_{step.permission}_permission")(request)

    def steps_for(self, request, obj) -> list[Step]:
        """The steps this user may take on `obj` as it stands (the buttons shown)."""
        if obj is None or obj.pk is None:
            return []
        return [
            step
            for step in self.workflow_steps
            if obj.status in step.statuses
            and (step.applies is None or step.applies(obj))
            and self.step_allowed(request, step, obj)
        ]

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        meta = self.model._meta
        context["workflow_buttons"] = [
            {
                "name": step.name,
                "label": step.label,
                "url": reverse(
                    f"admin:{meta.app_label}_{meta.model_name}_step", args=[obj.pk, step.name]
                ),
                "asks": step.form is not None,
            }
            for step in self.steps_for(request, obj)
        ]
        context["workflow_status"] = obj.get_status_display() if obj is not None else ""
        context["workflow_revision"] = revision_rows(obj) if obj is not None else None
        return super().render_change_form(request, context, add, change, form_url, obj)

    def workflow_step_view(self, request, object_id, step):
        meta = self.model._meta
        obj = self.get_object(request, unquote(object_id))
        chosen = next((s for s in self.workflow_steps if s.name == step), None)
        if obj is None or chosen is None:
            raise Http404(f"No such {meta.verbose_name} or step.")
        if not self.step_allowed(request, chosen, obj):
            raise PermissionDenied
        change_url = reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])
        extra: dict[str, Any] = {}

        def form_page(form) -> TemplateResponse:
            context = {
                **self.admin_site.each_context(request),
                "title": f"{chosen.label}: {obj}",
                "opts": meta,
                "original": obj,
                "form": form,
                "step": chosen,
                "change_url": change_url,
            }
            return TemplateResponse(request, "admin/workflow_step_form.html", context)

        if chosen.form is not None:
            form = chosen.form(obj, request.POST if request.method == "POST" else None)
            if not form.is_valid():
                return form_page(form)
            kwargs = getattr(form, "service_kwargs", None)
            extra = kwargs() if kwargs is not None else form.cleaned_data
        elif request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        try:
            with transaction.atomic():
                chosen.service(**{meta.model_name: obj}, by=request.user, **extra)
        except WorkflowError as error:
            self.message_user(request, str(error), messages.ERROR)
            if chosen.form is not None and request.method == "POST":
                form.add_error(None, str(error))
                return form_page(form)
        else:
            self.message_user(request, f"{chosen.done}: “{obj}”.", messages.SUCCESS)
        return redirect(change_url)


def revision_rows(obj) -> dict[str, Any] | None:
    """The pending correction of `obj` for its page: who, why, and each field's published and
    proposed value; None when there is none."""
    pending = pending_revision(obj)
    if pending is None:
        return None
    proposed = type(obj)._default_manager.get(pk=obj.pk)
    apply_values(proposed, pending.values)
    rows = []
    for name in pending.values:
        model_field = obj._meta.get_field(name)
        shown = [
            getattr(row, name) if not model_field.choices else getattr(row, f"get_{name}_display")()
            for row in (obj, proposed)
        ]
        rows.append((model_field.verbose_name, *shown))
    return {
        "by": pending.proposed_by,
        "at": pending.proposed_at,
        "note": pending.note,
        "rows": rows,
    }


class CorrectionForm(forms.ModelForm):
    """A published record's own fields, filled with the pending correction if any; saving it
    proposes the changed values (the record is not touched)."""

    note = forms.CharField(
        label="why",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
        help_text="What was wrong, for the reviewer who publishes the correction.",
    )

    def service_kwargs(self) -> dict[str, Any]:
        names = [name for name in self._meta.fields if name in self.fields]
        return {
            "values": revision_values(self.instance, names),
            "note": self.cleaned_data.get("note", ""),
        }


def correction_form(fields: Callable[[], Sequence[str]], base=forms.ModelForm):
    """Step.form for "Propose a correction": the record's form over `fields()`."""

    def build(obj, data):
        pending = pending_revision(obj)
        form_class = forms.modelform_factory(
            type(obj),
            form=type("Correction", (CorrectionForm, base), {}),
            fields=list(fields()),
        )
        initial = {**(pending.values if pending else {}), "note": pending.note if pending else ""}
        fresh = type(obj)._default_manager.get(pk=obj.pk)  # the form edits a copy
        return form_class(data, instance=fresh, initial=initial)

    return build


def correction_steps(propose, publish, withdraw, fields, base=forms.ModelForm) -> tuple[Step, ...]:
    """The buttons of the correction of a published record (studies.revisions)."""

    def has_pending(obj) -> bool:
        return pending_revision(obj) is not None

    return (
        Step(
            "correct",
            "Propose a correction…",
            propose,
            "propose",
            (PUBLISHED,),
            "Correction proposed; the public page keeps the published text until another "
            "reviewer publishes it",
            form=correction_form(fields, base),
        ),
        Step(
            "publish-revision",
            "Publish the correction",
            publish,
            "publish",
            (PUBLISHED,),
            "Correction published",
            applies=has_pending,
        ),
        Step(
            "withdraw-revision",
            "Withdraw the correction",
            withdraw,
            "propose",
            # Also once the record is unpublished: the correction may have been overtaken.
            tuple(StudyStatus.values),
            "Correction withdrawn",
            applies=has_pending,
        ),
    )


class CollapsedFieldsetsMixin:
    """Fieldsets named in `collapsed_fieldsets` start folded (Django's "collapse" class), so a
    long form fits a laptop screen; the rest stay open."""

    collapsed_fieldsets: Sequence[str] = ()

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        folded = []
        for name, options in fieldsets:
            if name in self.collapsed_fieldsets:
                classes = [*options.get("classes", ()), "collapse"]
                options = {**options, "classes": list(dict.fromkeys(classes))}
            folded.append((name, options))
        return folded


STUDY_STEPS = (
    Step("submit", "Submit for review", study_submit, "change", (DRAFT,), "Submitted for review"),
    Step("publish", "Publish", study_publish, "publish", (REVIEW,), "Published"),
    Step(
        "unpublish",
        "Unpublish (back to draft)",
        study_unpublish,
        "publish",
        (REVIEW, PUBLISHED),
        "Unpublished",
    ),
    Step(
        "retract",
        "Retract…",
        study_retract,
        "retract",
        (DRAFT, REVIEW, PUBLISHED),
        "Retracted",
        form=lambda study, data: RetractForm(data),
    ),
)


STUDY_STEPS += correction_steps(
    study_revision_propose,
    study_revision_publish,
    study_revision_withdraw,
    study_revision_fields,
    base=StudyForm,
)


class StudyWorkflowMixin(CollapsedFieldsetsMixin, WorkflowButtonsMixin):
    """The study's buttons, and its long form folded to what a curator fills in first."""

    workflow_steps = STUDY_STEPS
    collapsed_fieldsets = (
        "For a systematic review: the primary studies it included",
        "Review and publishing",
    )
