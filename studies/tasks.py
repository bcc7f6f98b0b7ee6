"""Background work for studies, run by the Celery worker (config/celery.py).

Tasks take ids, not objects, and call a service that does the work: the queue only decides
where and when it runs. With no broker configured (CELERY_TASK_ALWAYS_EAGER) they run inline.
"""

import logging
import resource
import time

from celery import shared_task
from django.db import OperationalError

from studies.services import import_job_run

logger = logging.getLogger(__name__)


# A database that is briefly unreachable or locked (a PostgreSQL restart, SQLite's table lock)
# is no reason to give up: the task goes back to the queue and runs again, up to 8 times,
# waiting 1, 2, 4 … up to 60 s between tries. Every task of the project retries this way.
RETRY_ON_DATABASE_ERRORS = {
    "ignore_result": True,
    "autoretry_for": (OperationalError,),
    "retry_backoff": True,
    "retry_backoff_max": 60,
    "retry_jitter": False,
    "max_retries": 8,
}


# The job goes back to the queue (import_job_run) before a retry runs it again.
@shared_task(name="studies.import_citations", **RETRY_ON_DATABASE_ERRORS)
def import_citations_task(job_id: int) -> None:
    """Import the file stored on ImportJob `job_id`, writing progress and the report to it."""
    started = time.perf_counter()
    job = import_job_run(job_id=job_id)
    # ru_maxrss is the process's peak in kB (Linux): how much memory an import of this size
    # needs, for sizing the worker.
    logger.info(
        "import job %s (%s, %d bytes, %d records): %s in %.1f s; worker peak memory %.0f MB",
        job.pk,
        job.filename,
        job.size,
        job.total,
        job.status,
        time.perf_counter() - started,
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    )
