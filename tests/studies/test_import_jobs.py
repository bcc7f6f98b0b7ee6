"""Uploads run as background import jobs: inline with no broker, on a real Celery worker with one.

The worker test starts a Celery worker (celery.contrib.testing) on the Redis at 127.0.0.1:6379,
on a queue of its own, and skips, saying so, when no Redis answers there.
"""

import io
import threading
import time
import uuid
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from config.celery import app as celery_app
from studies.models import ImportJob, ImportJobStatus, Study, StudyStatus
from studies.services import import_job_run, import_job_start

DATA = Path(__file__).resolve().parent.parent / "data"
REDIS_URL = "redis://127.0.0.1:6379/0"


def upload(client, *names, dry_run=False, follow=True):
    files = [SimpleUploadedFile(n, (DATA / n).read_bytes()) for n in names]
    data = {"files": files, **({"dry_run": "on"} if dry_run else {})}
    return client.post(reverse("admin:studies_study_import"), data, follow=follow)


def job_url(job) -> str:
    return reverse("admin:studies_study_import_job", args=[job.pk])


@pytest.mark.django_db
def test_an_upload_redirects_to_its_job_page_with_the_report(client, curator):
    client.force_login(curator)
    response = upload(client, "seed_three.ris", follow=False)
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == job_url(job)
    page = client.get(job_url(job)).content.decode()
    assert "seed_three.ris: done" in page
    assert "3 records; created 3, 0 already present, 0 skipped." in page
    assert 'http-equiv="refresh"' not in page
    assert (job.status, job.total, job.processed, job.created) == (ImportJobStatus.DONE, 3, 3, 3)
    assert job.created_by == curator
    assert not job.upload  # the file is not kept once imported
    assert set(Study.objects.values_list("status", flat=True)) == {StudyStatus.DRAFT}


@pytest.mark.django_db
def test_several_files_lead_to_one_page_with_each_job(client, curator):
    client.force_login(curator)
    page = upload(client, "seed_three.ris", "seed_two.json").content.decode()
    assert "seed_three.ris: done" in page and "seed_two.json: done" in page
    assert Study.objects.count() == 5


@pytest.mark.django_db
def test_the_full_report_downloads_as_text(client, curator):
    client.force_login(curator)
    upload(client, "duplicate_in_file.ris")
    job = ImportJob.objects.get()
    response = client.get(reverse("admin:studies_study_import_report", args=[job.pk]))
    text = response.content.decode()
    assert response["Content-Type"].startswith("text/plain")
    assert text.splitlines()[0] == job.summary
    assert len(text.splitlines()) == 1 + 3
    assert "a duplicate of record 1 (line 1) in this file" in text


@pytest.mark.django_db
def test_a_queued_job_shows_that_it_waits_and_the_page_refreshes(client, curator):
    job = ImportJob.objects.create(filename="later.ris", created_by=curator)
    client.force_login(curator)
    page = client.get(job_url(job)).content.decode()
    assert "Waiting for a worker" in page
    assert 'http-equiv="refresh"' in page


@pytest.mark.django_db
def test_a_running_job_shows_how_far_it_is(client, curator):
    job = ImportJob.objects.create(
        filename="big.ris",
        status=ImportJobStatus.RUNNING,
        stage="checking the records against the database",
        total=100_000,
        processed=25_000,
    )
    client.force_login(curator)
    page = client.get(job_url(job)).content.decode()
    assert "Checking the records against the database: 25,000 of 100,000 records (25%)" in page


@pytest.mark.django_db
def test_running_a_job_twice_imports_once(curator):
    job = import_job_start(
        filename="seed_three.ris", content=(DATA / "seed_three.ris").read_bytes(), by=curator
    )
    import_job_run(job_id=job.pk)
    assert Study.objects.count() == 3


@pytest.mark.django_db
def test_the_job_pages_follow_the_permission_ladder(client, curator, reviewer, django_user_model):
    job = ImportJob.objects.create(filename="x.ris", status=ImportJobStatus.DONE)
    urls = [
        job_url(job),
        reverse("admin:studies_study_import_jobs"),
        reverse("admin:studies_study_import_report", args=[job.pk]),
    ]
    for url in urls:
        assert client.get(url).status_code == 302  # anonymous: to the login page
    outsider = django_user_model.objects.create_user("outsider", is_staff=True)
    client.force_login(outsider)
    assert all(client.get(url).status_code == 403 for url in urls)
    client.force_login(curator)
    assert all(client.get(url).status_code == 200 for url in urls)


@pytest.mark.django_db
def test_the_job_list_query_count_does_not_grow_with_jobs(
    client, curator, django_assert_max_num_queries
):
    for i in range(30):
        ImportJob.objects.create(filename=f"{i}.ris", created_by=curator, status="done")
    client.force_login(curator)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("admin:studies_study_import_jobs"))
    assert response.content.decode().count("29.ris") == 1


# A real worker -------------------------------------------------------------------------------


def _redis_or_skip() -> None:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError:
        pytest.skip(f"No Redis answers at {REDIS_URL}: the real-worker test needs one.")


def _forget_queues():
    for cached in ("default_queue", "queues", "router"):
        celery_app.amqp.__dict__.pop(cached, None)
    # and its connections: a send before this test's broker was set would keep going to the
    # default broker (amqp://localhost, a RabbitMQ here) instead of this Redis
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture
def celery_worker_on_redis(settings):
    """A Celery worker thread consuming a queue of its own on the local Redis."""
    from celery.contrib.testing.worker import start_worker

    _redis_or_skip()
    queue = f"test-imports-{uuid.uuid4().hex[:8]}"
    saved = {
        key: celery_app.conf[key]
        for key in ("broker_url", "task_always_eager", "task_default_queue")
    }
    settings.CELERY_BROKER_URL = REDIS_URL
    settings.CELERY_TASK_ALWAYS_EAGER = False
    celery_app.conf.update(broker_url=REDIS_URL, task_always_eager=False, task_default_queue=queue)
    # Celery keeps the default queue, the router and the connection pool it built at its first
    # use (an earlier test's task, say): forget them, so this test's tasks reach this queue.
    _forget_queues()
    try:
        with start_worker(
            celery_app, pool="solo", queues=[queue], perform_ping_check=False, shutdown_timeout=10
        ) as worker:
            yield worker
    finally:
        celery_app.conf.update(saved)
        _forget_queues()


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_imports_an_upload_after_the_request_returns(
    client, roles, celery_worker_on_redis
):
    from celery.signals import task_prerun
    from django.contrib.auth.models import Group

    from tests.factories import UserFactory

    threads = []

    def record_thread(**kwargs):
        threads.append(threading.get_ident())

    task_prerun.connect(record_thread, weak=False)
    curator = UserFactory(username="curator-worker", is_staff=True)
    curator.groups.add(Group.objects.get(name="Curator"))
    client.force_login(curator)
    started = time.perf_counter()
    response = upload(client, "seed_three.ris", follow=False)
    took = time.perf_counter() - started
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert took < 1.0
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.finished:
            break
        time.sleep(0.1)
    task_prerun.disconnect(record_thread)
    assert job.status == ImportJobStatus.DONE, job.error
    assert threads and threading.get_ident() not in threads  # the worker ran it, not the request
    assert job.summary.startswith("seed_three.ris (RIS): 3 records; created 3")
    assert Study.objects.count() == 3
    assert {r.history_user for r in Study.history.all()} == {curator}
    assert "seed_three.ris: done" in client.get(job_url(job)).content.decode()


@pytest.mark.django_db
def test_a_job_whose_database_fails_goes_back_to_the_queue_for_a_retry(monkeypatch):
    from django.db import OperationalError

    from studies import services

    job = ImportJob.objects.create(filename="seed_three.ris", size=1)

    def lost(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(services, "citations_import", lost)
    monkeypatch.setattr(type(job.upload), "open", lambda self, mode: io.BytesIO(b"TY  - JOUR"))
    with pytest.raises(OperationalError):
        services.import_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == ImportJobStatus.QUEUED
    assert job.stage == "waiting to retry"
    assert not Study.objects.exists()
