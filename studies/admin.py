"""Curator admin for studies, outcomes and arms: scan, enter, import, review, publish, export.

Status changes only through the actions (which call studies.services); a published or
retracted study, with everything hanging off it, is read-only until a reviewer unpublishes it,
so every public change passes a second pair of eyes. The admin only calls the publication rule
(studies.publishing, PublicationRuleAdminMixin) and hides the buttons it would refuse.

Apps built on the literature add their own inlines and columns to the study admin from their
side with StudyAdmin.extend() (evidence adds the claims a study bears on), and learn of saved
studies through studies.signals: this module never imports them.
"""

from typing import Any

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, F, Model
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from simple_history.admin import SimpleHistoryAdmin

from studies import admin_staff  # noqa: F401  (the user admin's one-screen curator page)
from studies.admin_import import DryRunImportMixin, confirmable, dry_run_keep
from studies.admin_workflow import StudyWorkflowMixin
from studies.citations import family_with_particle
from studies.exporters import to_bibtex, to_ris
from studies.forms import CitationImportForm, RetractForm, StudyForm
from studies.importers import CitationFileError, check_size, megabytes
from studies.models import ImportJob, Outcome, OutcomeArm, Study, StudyStatus
from studies.publishing import PublicationLocked, check_editable, is_locked
from studies.services import (
    REPORT_ROWS_SHOWN,
    WorkflowError,
    attach_history_user,
    import_job_report_text,
    import_job_start,
    study_publish,
    study_retract,
    study_submit,
    study_unpublish,
)
from studies.signals import studies_changed, study_saving


def run_workflow(modeladmin, request, queryset, service, done: str, **kwargs) -> None:
    """Apply a workflow service to each selected row; report successes and each refusal."""
    succeeded = 0
    for obj in queryset:
        try:
            with transaction.atomic():
                service(**{modeladmin.model._meta.model_name: obj}, by=request.user, **kwargs)
        except WorkflowError as error:
            modeladmin.message_user(request, str(error), messages.ERROR)
        else:
            succeeded += 1
    if succeeded:
        noun = modeladmin.model._meta.verbose_name
        plural = modeladmin.model._meta.verbose_name_plural
        modeladmin.message_user(
            request, f"{done} {succeeded} {noun if succeeded == 1 else plural}.", messages.SUCCESS
        )


def records_author(instance: Model) -> bool:
    """Whether the row keeps who last saved it in `updated_by` (evidence links do)."""
    return any(field.name == "updated_by" for field in instance._meta.concrete_fields)


class PublicationCheckedForm:
    """Mixed into an admin form: a change the publication rule refuses is a form error, so the
    curator sees why (the save itself checks again)."""

    def _post_clean(self):
        super()._post_clean()
        deleting = bool(getattr(self, "cleaned_data", {}).get("DELETE"))
        if not (self.has_changed() or deleting):
            return
        try:
            check_editable(self.instance, deleting=deleting)
        except PublicationLocked as error:
            self.add_error(None, str(error))


def _checked(form_class):
    if issubclass(form_class, PublicationCheckedForm):
        return form_class
    return type(form_class.__name__, (PublicationCheckedForm, form_class), {})


class PublicationRuleAdminMixin:
    """For the admin of every model the publication rule covers (studies.publishing).

    Each write calls the rule before it saves: the form, each inline row added, changed or
    deleted, a delete, a bulk delete and a history revert. The buttons follow it (a locked row
    shows read-only, for the superuser too). Revert needs change permission on the record as it
    is now, and restores only what the form edits: never the status, who published it, or the
    computed grade.
    """

    def has_change_permission(self, request, obj=None):
        return not is_locked(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not is_locked(obj) and super().has_delete_permission(request, obj)

    def get_form(self, request, obj=None, change=False, **kwargs):
        return _checked(super().get_form(request, obj, change=change, **kwargs))

    def save_model(self, request, obj, form, change):
        if getattr(request, "_reverting", False):
            _keep_what_the_form_does_not_edit(obj, form)
        check_editable(obj, by=request.user)
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        instances = formset.save(commit=False)
        for instance in formset.deleted_objects:
            check_editable(instance, by=request.user, deleting=True)
        for instance in instances:
            check_editable(instance, by=request.user)
        for instance in instances:
            if records_author(instance):
                instance.updated_by = request.user
            attach_history_user(instance, request.user)
            instance.save()
        for instance in formset.deleted_objects:
            instance.delete()
        formset.save_m2m()

    def delete_model(self, request, obj):
        check_editable(obj, by=request.user, deleting=True)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            check_editable(obj, by=request.user, deleting=True)
        super().delete_queryset(request, queryset)

    # History revert (django-simple-history's form of an old version).

    def revert_disabled(self, request, obj=None):
        current = _current(obj)
        return current is None or not self.has_change_permission(request, current)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            current = self.get_object(request, unquote(object_id))
            if current is None or not self.has_change_permission(request, current):
                raise PermissionDenied
            request._reverting = True
            with transaction.atomic():
                return super().history_form_view(request, object_id, version_id, extra_context)
        return super().history_form_view(request, object_id, version_id, extra_context)


def _current(obj: Model | None) -> Model | None:
    if obj is None or obj.pk is None:
        return None
    return type(obj)._default_manager.filter(pk=obj.pk).first()


def _keep_what_the_form_does_not_edit(obj: Model, form) -> None:
    """A reverted version takes from the old version only the fields its form edits; the rest
    (status, published_at/by, the grade, checksums) stays as the record is now."""
    current = _current(obj)
    if current is None:
        raise PermissionDenied
    for model_field in obj._meta.concrete_fields:
        # Who saves it is set by the admin, not taken from either version.
        if model_field.name not in form.fields and model_field.name != "updated_by":
            setattr(obj, model_field.attname, getattr(current, model_field.attname))


class LockedInlineMixin:
    """Inline rows of a locked parent are read-only; each row changed is checked by the rule."""

    def parent_locked(self, request, obj) -> bool:
        return is_locked(obj)

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.form = _checked(formset.form)
        return formset

    def has_add_permission(self, request, obj=None):
        return not self.parent_locked(request, obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return not self.parent_locked(request, obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not self.parent_locked(request, obj) and super().has_delete_permission(request, obj)


class OutcomeInline(LockedInlineMixin, admin.TabularInline):
    model = Outcome
    extra = 0
    show_change_link = True
    fields = [
        "order",
        "measure",
        "unit",
        "timepoint_weeks",
        "effect_type",
        "estimate",
        "ci_low",
        "ci_high",
        "p_value",
    ]


class ReviewedRecordAdminMixin(PublicationRuleAdminMixin):
    """For studies and claims: every save records who made it (for the history and the "not
    your own change" rule); no bulk delete except for superusers, since only drafts may be
    deleted."""

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not request.user.is_superuser:
            actions.pop("delete_selected", None)
        return actions

    def save_model(self, request, obj, form, change):
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(Study)
class StudyAdmin(
    StudyWorkflowMixin, DryRunImportMixin, ReviewedRecordAdminMixin, SimpleHistoryAdmin
):
    form = StudyForm
    list_display = [
        "title_short",
        "first_author",
        "year",
        "design",
        "participants",
        "risk_of_bias",
        "status",
    ]
    list_display_links = ["title_short"]
    list_filter = ["status", "design", "risk_of_bias", "condition", "year"]
    search_fields = ["title", "doi", "pmid", "citation_key", "journal", "authors"]
    list_per_page = 50
    # Undated drafts (an import that kept a record with a DOI or PMID but no year) last.
    ordering = [F("year").desc(nulls_last=True), "title"]
    inlines = [OutcomeInline]
    # Extra columns' annotations, added by extend().
    queryset_annotations: dict[str, Any] = {}
    readonly_fields = [
        "status",
        "retraction_reason",
        "formatted_reference",
        "created_at",
        "updated_at",
        "updated_by",
        "published_at",
        "published_by",
    ]
    autocomplete_fields = ["included_studies"]
    fieldsets = [
        (
            "Citation",
            {
                "fields": [
                    "title",
                    "record_type",
                    "authors",
                    "author_names",
                    ("journal", "year"),
                    ("volume", "issue", "pages"),
                    ("doi", "pmid", "pmcid"),
                    "url",
                    "citation_key",
                    "formatted_reference",
                ]
            },
        ),
        (
            "Design and population",
            {
                "fields": [
                    "design",
                    "condition",
                    "population",
                    "participants",
                    "intervention",
                    "comparator",
                    "follow_up_weeks",
                ]
            },
        ),
        (
            "Abstract and indexing",
            {
                "classes": ["collapse"],
                "fields": [
                    "abstract",
                    "keywords",
                    "mesh_terms",
                    "publication_types",
                    ("language", "registry_ids"),
                ],
            },
        ),
        ("Findings", {"fields": ["summary", "adverse_events", "funding"]}),
        (
            "For a systematic review: the primary studies it included",
            {"classes": ["collapse"], "fields": ["included_studies"]},
        ),
        ("Risk of bias", {"fields": ["risk_of_bias", "risk_of_bias_note"]}),
        (
            "Review and publishing",
            {
                "fields": [
                    "status",
                    "retraction_reason",
                    ("created_at", "updated_at", "updated_by"),
                    ("published_at", "published_by"),
                ]
            },
        ),
    ]
    actions = [
        "submit_for_review",
        "publish",
        "unpublish",
        "retract",
        "export_bibtex",
        "export_ris",
    ]

    @classmethod
    def extend(cls, *, inlines=(), list_display=(), annotations=None) -> None:
        """Add inlines, changelist columns (callables taking a study) and the queryset
        annotations those columns read, from an app built on studies. Adding one twice is a
        no-op."""
        cls.inlines = [*cls.inlines, *(i for i in inlines if i not in cls.inlines)]
        cls.list_display = [
            *cls.list_display,
            *(c for c in list_display if c not in cls.list_display),
        ]
        cls.queryset_annotations = {**cls.queryset_annotations, **(annotations or {})}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(**self.queryset_annotations)

    @admin.display(description="title", ordering="title")
    def title_short(self, study: Study) -> str:
        return study.title if len(study.title) <= 70 else study.title[:69] + "…"

    @admin.display(description="first author")
    def first_author(self, study: Study) -> str:
        if not study.authors:
            return "—"
        family = family_with_particle(study.names()[0]) if study.names() else study.authors[0]
        return f"{family} et al." if len(study.authors) > 1 else family

    @admin.display(description="NLM (Vancouver) reference")
    def formatted_reference(self, study: Study) -> str:
        return study.formatted_reference() if study.pk else "—"

    # Permissions: locked when public; publishing and retracting are reviewer permissions.

    def has_delete_permission(self, request, obj=None):
        # Only drafts are deleted (published ones are locked for the superuser too).
        if obj is not None and obj.status != StudyStatus.DRAFT and not request.user.is_superuser:
            return False
        return super().has_delete_permission(request, obj)

    def has_publish_permission(self, request):
        return request.user.has_perm("studies.publish_study")

    def has_retract_permission(self, request):
        return request.user.has_perm("studies.retract_study")

    # Saving: who changed it is recorded by the mixin.

    def save_related(self, request, form, formsets, change):
        # Once the study and its inlines are saved, its grades must follow (evidence regrades
        # every claim it bears on, and those an inline just unlinked it from, noted beforehand).
        context: dict[str, Any] = {}
        study_saving.send(sender=Study, study=form.instance, context=context)
        super().save_related(request, form, formsets, change)
        studies_changed.send(sender=Study, studies=[form.instance], context=context)

    # Actions.

    @admin.action(description="Submit selected studies for review", permissions=["change"])
    def submit_for_review(self, request, queryset):
        run_workflow(self, request, queryset, study_submit, "Submitted for review:")

    @admin.action(description="Publish selected studies (reviewers)", permissions=["publish"])
    def publish(self, request, queryset):
        run_workflow(self, request, queryset, study_publish, "Published")

    @admin.action(description="Unpublish selected studies (back to draft)", permissions=["publish"])
    def unpublish(self, request, queryset):
        run_workflow(self, request, queryset, study_unpublish, "Unpublished")

    @admin.action(description="Retract selected studies…", permissions=["retract"])
    def retract(self, request, queryset):
        form = RetractForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            run_workflow(
                self,
                request,
                queryset,
                study_retract,
                "Retracted",
                reason=form.cleaned_data["reason"],
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Retract studies",
            "opts": self.model._meta,
            "studies": queryset,
            "form": form,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/studies/study/retract.html", context)

    @admin.action(description="Export selected studies as BibTeX", permissions=["view"])
    def export_bibtex(self, request, queryset):
        bibtex = to_bibtex(queryset, citation_keys=True)  # curators know studies by their keys
        return _download(bibtex, "studies.bib", "application/x-bibtex")

    @admin.action(description="Export selected studies as RIS", permissions=["view"])
    def export_ris(self, request, queryset):
        return _download(to_ris(queryset), "studies.ris", "application/x-research-info-systems")

    # Citation import: the upload page stores each file as an ImportJob for the task queue
    # and redirects to the job's status page, which refreshes itself until the job is done.
    def get_urls(self):
        wrap = self.admin_site.admin_view
        urls = [
            path("import/", wrap(self.import_view), name="studies_study_import"),
            path("import/jobs/", wrap(self.import_jobs_view), name="studies_study_import_jobs"),
            path(
                "import/jobs/<int:job_id>/",
                wrap(self.import_jobs_view),
                name="studies_study_import_job",
            ),
            path(
                "import/jobs/<int:job_id>/report.txt",
                wrap(self.import_report_view),
                name="studies_study_import_report",
            ),
        ]
        return urls + super().get_urls()

    def _import_context(self, request, title: str) -> dict[str, Any]:
        return {
            **self.admin_site.each_context(request),
            "title": title,
            "opts": self.model._meta,
            "changelist_url": reverse("admin:studies_study_changelist"),
            "import_url": reverse("admin:studies_study_import"),
            "max_size": megabytes(settings.CITATION_UPLOAD_MAX_BYTES),
        }

    def import_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied
        failures, jobs = [], []
        form = CitationImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            for upload in form.cleaned_data["files"]:
                try:
                    # Refused before it is read into memory or stored.
                    check_size(upload.size, settings.CITATION_UPLOAD_MAX_BYTES)
                    content = upload.read()
                    job = import_job_start(
                        filename=upload.name,
                        content=content,
                        by=request.user,
                        dry_run=form.cleaned_data["dry_run"],
                    )
                    jobs.append(job)
                    if job.dry_run:  # kept, so "Import these N" needs no second upload
                        dry_run_keep(request, job, content)
                except CitationFileError as error:
                    failures.append((upload.name, str(error)))
                    self.message_user(
                        request,
                        f"{upload.name}: not imported, nothing written. {error}",
                        messages.ERROR,
                    )
            if jobs and not failures:
                if len(jobs) == 1:
                    return redirect("admin:studies_study_import_job", job_id=jobs[0].pk)
                query = "&".join(f"id={job.pk}" for job in jobs)
                return redirect(reverse("admin:studies_study_import_jobs") + "?" + query)
        elif request.method == "POST" and not request.FILES.getlist("files"):
            self.message_user(
                request,
                "No file was chosen: choose one or more citation files, then Import.",
                messages.ERROR,
            )
        context = {
            **self._import_context(request, "Import citations"),
            "form": form,
            "failures": failures,
            "jobs": jobs,
        }
        return TemplateResponse(request, "admin/studies/study/import.html", context)

    def import_jobs_view(self, request, job_id: int | None = None):
        """One job (or the ones just uploaded, or the latest) with progress and report."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        jobs = ImportJob.objects.select_related("created_by")
        if job_id is not None:
            jobs = [get_object_or_404(jobs, pk=job_id)]
        elif request.GET.getlist("id"):
            ids = [int(i) for i in request.GET.getlist("id") if i.isdigit()]
            jobs = list(jobs.filter(pk__in=ids).order_by("pk"))
        else:
            jobs = list(jobs.defer("lines")[:50])
        context = {
            **self._import_context(
                request, "Citation import" if job_id is not None else "Citation imports"
            ),
            "jobs": jobs,
            "listing": job_id is None and not request.GET.getlist("id"),
            "running": any(not job.finished for job in jobs),
            "confirmable": confirmable(request, jobs),
            "rows_shown": REPORT_ROWS_SHOWN,
        }
        return TemplateResponse(request, "admin/studies/study/import_jobs.html", context)

    def import_report_view(self, request, job_id: int):
        if not self.has_add_permission(request):
            raise PermissionDenied
        job = get_object_or_404(ImportJob.objects, pk=job_id)
        name = f"import-{job.pk}-report.txt"
        return _download(import_job_report_text(job), name, "text/plain")


def _download(text: str, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(text, content_type=f"{content_type}; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class OutcomeArmInline(LockedInlineMixin, admin.TabularInline):
    model = OutcomeArm
    extra = 0
    fields = ["order", "label", "n", "mean", "sd", "se", "ci_low", "ci_high", "note"]


@admin.register(Outcome)
class OutcomeAdmin(PublicationRuleAdminMixin, SimpleHistoryAdmin):
    list_display = [
        "measure",
        "study",
        "timepoint_weeks",
        "effect_type",
        "estimate",
        "ci_low",
        "ci_high",
        "p_value",
        "arm_count",
    ]
    list_select_related = ["study"]
    list_filter = ["study__design", "study__status"]
    search_fields = ["measure", "study__title", "study__citation_key"]
    autocomplete_fields = ["study"]
    inlines = [OutcomeArmInline]
    fieldsets = [
        (None, {"fields": ["study", "measure", "unit", "timepoint_weeks", "order"]}),
        (
            "Between-group effect",
            {
                "fields": [
                    ("effect_type", "estimate"),
                    ("ci_low", "ci_high"),
                    "p_value",
                    ("i2", "k_studies", "participants"),
                ]
            },
        ),
        ("Source", {"fields": ["baseline_note", "source_location"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n_arms=Count("arms"))

    @admin.display(description="arms", ordering="n_arms")
    def arm_count(self, outcome: Outcome) -> int:
        return outcome.n_arms


@admin.register(OutcomeArm)
class OutcomeArmAdmin(PublicationRuleAdminMixin, SimpleHistoryAdmin):
    list_display = ["label", "outcome", "study", "n", "mean", "sd", "se"]
    list_select_related = ["outcome__study"]
    search_fields = ["label", "outcome__measure", "outcome__study__title"]
    autocomplete_fields = ["outcome"]

    @admin.display(description="study")
    def study(self, arm: OutcomeArm) -> Study:
        return arm.outcome.study
