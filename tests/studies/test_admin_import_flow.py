"""Dry run, then "Import these N" without uploading again; and no file chosen says so."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.datastructures import MultiValueDict

from studies import admin_import
from studies.models import ImportJob, Study, StudyStatus

pytestmark = pytest.mark.django_db
DATA = Path(__file__).resolve().parent.parent / "data"


def dry_run(client, name="seed_three.ris"):
    upload = SimpleUploadedFile(name, (DATA / name).read_bytes())
    return client.post(
        reverse("admin:studies_study_import"), {"files": [upload], "dry_run": "on"}, follow=True
    )


def confirm_url(job) -> str:
    return reverse("admin:studies_study_import_confirm", args=[job.pk])


def test_a_dry_run_offers_to_import_its_records_without_a_second_upload(client, curator):
    client.force_login(curator)
    page = dry_run(client).content.decode()
    job = ImportJob.objects.get()
    assert "would create 3" in page
    assert "Import these 3" in page and confirm_url(job) in page
    assert not Study.objects.exists()
    response = client.post(confirm_url(job), follow=True)
    assert Study.objects.filter(status=StudyStatus.DRAFT).count() == 3
    real = ImportJob.objects.exclude(pk=job.pk).get()
    assert (real.dry_run, real.created, real.created_by) == (False, 3, curator)
    assert response.redirect_chain[-1][0] == reverse(
        "admin:studies_study_import_job", args=[real.pk]
    )
    assert "no second upload" in response.content.decode()


def test_the_kept_file_is_imported_once_and_then_forgotten(client, curator):
    client.force_login(curator)
    dry_run(client)
    job = ImportJob.objects.get()
    client.post(confirm_url(job))
    response = client.post(confirm_url(job), follow=True)
    assert Study.objects.count() == 3
    assert "no longer kept" in response.content.decode()
    assert default_storage.listdir(admin_import.FOLDER)[1] == []


def test_another_curator_cannot_import_someone_elses_dry_run(client, curator, reviewer):
    client.force_login(curator)
    dry_run(client)
    job = ImportJob.objects.get()
    client.force_login(reviewer)
    page = client.get(reverse("admin:studies_study_import_job", args=[job.pk])).content.decode()
    assert "Import these 3" not in page
    client.post(confirm_url(job))
    assert not Study.objects.exists()


def test_an_expired_dry_run_asks_for_the_file_again(client, curator, monkeypatch):
    client.force_login(curator)
    dry_run(client)
    job = ImportJob.objects.get()
    monkeypatch.setattr(admin_import, "KEEP_FOR", timedelta(seconds=-1))
    page = client.get(reverse("admin:studies_study_import_job", args=[job.pk])).content.decode()
    assert "upload the file again" in page
    response = client.post(confirm_url(job), follow=True)
    assert "no longer kept" in response.content.decode()
    assert not Study.objects.exists()


def test_confirming_needs_post_and_add_permission(client, curator, view_only_user):
    client.force_login(curator)
    dry_run(client)
    job = ImportJob.objects.get()
    assert client.get(confirm_url(job)).status_code == 302
    assert not Study.objects.exists()
    client.force_login(view_only_user)
    assert client.post(confirm_url(job)).status_code == 403


def test_import_with_no_file_chosen_says_so(client, curator):
    client.force_login(curator)
    response = client.post(reverse("admin:studies_study_import"), {}, follow=True)
    page = response.content.decode()
    assert response.status_code == 200
    assert "No file was chosen" in page
    assert not ImportJob.objects.exists()


def test_an_empty_list_of_files_as_a_browser_posts_it_is_no_file_chosen():
    from studies.forms import CitationImportForm

    form = CitationImportForm(data={}, files=MultiValueDict({"files": []}))
    assert not form.is_valid()
    assert form.errors["files"] == ["No file was chosen: choose one or more citation files."]


@pytest.fixture
def view_only_user(db):
    from django.contrib.auth.models import Group, Permission

    from tests.factories import UserFactory

    user = UserFactory(username="viewer", is_staff=True)
    group = Group.objects.create(name="View only")
    group.permissions.set(Permission.objects.filter(codename__startswith="view_"))
    user.groups.add(group)
    return user
