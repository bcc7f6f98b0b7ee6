"""Dry run, then "Import these N" without uploading the file again.

A dry-run upload is kept on the file storage under an unguessable name, remembered in the
curator's session by the dry-run job's id, for KEEP_FOR. The job's page then offers "Import
these N": it starts a real import job from the kept file (studies.services.import_job_start,
the same path as an upload) and forgets it. A kept file nobody imports is deleted once it is
older than KEEP_FOR (checked whenever a dry run is kept or confirmed).
"""

import secrets
from datetime import datetime, timedelta
from pathlib import PurePath

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.shortcuts import redirect
from django.urls import path
from django.utils import timezone

from studies.importers import CitationFileError
from studies.models import ImportJob
from studies.services import import_job_start

KEEP_FOR = timedelta(hours=1)
FOLDER = "citation-imports/dry-run"
SESSION_KEY = "citation_dry_runs"


def _purge_expired() -> None:
    try:
        _, names = default_storage.listdir(FOLDER)
    except FileNotFoundError:
        return
    cutoff = timezone.now() - KEEP_FOR
    for name in names:
        name = f"{FOLDER}/{name}"
        try:
            if default_storage.get_modified_time(name) < cutoff:
                default_storage.delete(name)
        except FileNotFoundError:
            continue


def dry_run_keep(request, job: ImportJob, content: bytes) -> None:
    """Keep a dry run's file for KEEP_FOR, for this session only."""
    _purge_expired()
    suffix = PurePath(job.filename).suffix[:10]
    name = default_storage.save(
        f"{FOLDER}/{secrets.token_urlsafe(24)}{suffix}", ContentFile(content)
    )
    kept = request.session.get(SESSION_KEY, {})
    kept[str(job.pk)] = {"path": name, "at": timezone.now().isoformat()}
    request.session[SESSION_KEY] = kept


def _kept(request, job_id: int) -> str | None:
    entry = request.session.get(SESSION_KEY, {}).get(str(job_id))
    if not entry:
        return None
    at = datetime.fromisoformat(entry["at"])
    if timezone.now() - at > KEEP_FOR or not default_storage.exists(entry["path"]):
        return None
    return entry["path"]


def _forget(request, job_id: int) -> None:
    kept = request.session.get(SESSION_KEY, {})
    entry = kept.pop(str(job_id), None)
    request.session[SESSION_KEY] = kept
    if entry:
        default_storage.delete(entry["path"])


def confirmable(request, jobs) -> set[int]:
    """The dry runs among `jobs` that can be imported for real from their kept file."""
    return {
        job.pk
        for job in jobs
        if job.dry_run and job.status == "done" and job.created and _kept(request, job.pk)
    }


class DryRunImportMixin:
    """Adds import/jobs/<id>/confirm/ (POST): import a dry run's kept file for real."""

    def get_urls(self):
        urls = [
            path(
                "import/jobs/<int:job_id>/confirm/",
                self.admin_site.admin_view(self.import_confirm_view),
                name="studies_study_import_confirm",
            )
        ]
        return urls + super().get_urls()

    def import_confirm_view(self, request, job_id: int):
        if not self.has_add_permission(request):
            raise PermissionDenied
        if request.method != "POST":
            return redirect("admin:studies_study_import_job", job_id=job_id)
        job = ImportJob.objects.filter(pk=job_id, dry_run=True).first()
        stored = _kept(request, job_id) if job is not None else None
        if job is None or stored is None:
            self.message_user(
                request,
                "That dry run's file is no longer kept (it is kept for "
                f"{int(KEEP_FOR.total_seconds() // 60)} minutes, for the curator who "
                "uploaded it): choose the file again.",
                messages.ERROR,
            )
            return redirect("admin:studies_study_import")
        with default_storage.open(stored, "rb") as handle:
            content = handle.read()
        try:
            real = import_job_start(
                filename=job.filename, content=content, by=request.user, dry_run=False
            )
        except CitationFileError as error:
            self.message_user(request, f"{job.filename}: not imported. {error}", messages.ERROR)
            return redirect("admin:studies_study_import")
        _forget(request, job_id)
        _purge_expired()
        self.message_user(
            request, f"{job.filename}: importing for real (no second upload).", messages.INFO
        )
        return redirect("admin:studies_study_import_job", job_id=real.pk)
