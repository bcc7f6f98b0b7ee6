"""Benchmark a large citation import through the background path (the admin upload).

Generates N plainly fake records (RIS or BibTeX), uploads them through the admin import page as
a superuser, times the upload request, then follows the ImportJob's progress until it is done.
With CELERY_BROKER_URL set a worker (`celery -A config worker`) does the import and logs its
peak memory; with none the import runs inline and the peak memory is measured here. Use a
database of its own: it writes N studies. Raise CITATION_UPLOAD_MAX_BYTES for very large files.
"""

import resource
import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError
from django.test import Client
from django.urls import reverse

from studies.models import ImportJob


def fake_records(n: int, fmt: str, offset: int = 0) -> bytes:
    out = []
    for i in range(offset + 1, offset + n + 1):
        year = 2000 + i % 25
        if fmt == "ris":
            out.append(
                f"TY  - JOUR\nAU  - Tester{i}, Ada\nAU  - Example, Ben\n"
                f"TI  - Test record number {i} for the import benchmark\n"
                f"T2  - Journal of Test Records\nPY  - {year}\nVL  - 1\nSP  - {i}\n"
                f"EP  - {i + 9}\nDO  - 10.5555/bench.{i}\nER  - \n\n"
            )
        else:
            out.append(
                f"@article{{bench{i},\n  author = {{Tester{i}, Ada and Example, Ben}},\n"
                f"  title = {{Test record number {i} for the import benchmark}},\n"
                f"  journal = {{Journal of Test Records}},\n  year = {{{year}}},\n"
                f"  volume = {{1}},\n  pages = {{{i}--{i + 9}}},\n"
                f"  doi = {{10.5555/bench.{i}}}\n}}\n\n"
            )
    return "".join(out).encode()


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


class Command(BaseCommand):
    help = "Time a large import through the admin upload and the background job."

    def add_arguments(self, parser):
        parser.add_argument("--records", type=int, default=100_000)
        parser.add_argument("--format", choices=["ris", "bibtex"], default="ris")
        parser.add_argument("--offset", type=int, default=0, help="First record number - 1.")
        parser.add_argument("--timeout", type=float, default=1800)

    def handle(self, *args, records, format, offset, timeout, **options):
        content = fake_records(records, format, offset)
        name = f"bench-{records}.{'ris' if format == 'ris' else 'bib'}"
        mode = "worker" if settings.CELERY_BROKER_URL else "inline (no broker)"
        self.stdout.write(f"{name}: {len(content) / 1e6:.1f} MB, {records} records, {mode}")
        if len(content) > settings.CITATION_UPLOAD_MAX_BYTES:
            raise CommandError("The file is over CITATION_UPLOAD_MAX_BYTES: raise it to run this.")
        user, _ = get_user_model().objects.get_or_create(
            username="bench-importer", defaults={"is_staff": True, "is_superuser": True}
        )
        client = Client()
        client.force_login(user)
        upload = SimpleUploadedFile(name, content)
        client.get(reverse("admin:studies_study_import"))  # a warm process, as a server is
        baseline = _peak_mb()
        started = time.perf_counter()
        response = client.post(reverse("admin:studies_study_import"), {"files": [upload]})
        request_s = time.perf_counter() - started
        if response.status_code != 302:
            raise CommandError(f"The upload returned {response.status_code}, not a redirect.")
        self.stdout.write(f"upload request returned {response.status_code} in {request_s:.3f} s")
        job = ImportJob.objects.filter(filename=name).latest("pk")
        seen = None
        while not job.finished and time.perf_counter() - started < timeout:
            time.sleep(1)
            job.refresh_from_db()
            now = (job.status, job.stage, job.processed)
            if now != seen:
                self.stdout.write(
                    f"  {time.perf_counter() - started:6.1f} s  {job.status}: {job.stage} "
                    f"{job.processed}/{job.total}"
                )
                seen = now
        total_s = time.perf_counter() - started
        self.stdout.write(
            f"job {job.pk} {job.status} after {total_s:.1f} s: {job.summary or job.error}"
        )
        if mode != "worker":
            self.stdout.write(
                f"peak memory of this process {_peak_mb():.0f} MB (before the upload "
                f"{baseline:.0f} MB) for a {len(content) / 1e6:.1f} MB file"
            )
