"""Background work for studies, run by the Celery worker (config/celery.py).

Tasks take ids, not objects, and call a service that does the work: the queue only decides
where and when it runs. With no broker configured (CELERY_TASK_ALWAYS_EAGER) they run inline.
"""

from celery import shared_task

from studies.services import import_job_run


@shared_task(name="studies.import_citations", ignore_result=True)
def import_citations_task(job_id: int) -> None:
    """Import the file stored on ImportJob `job_id`, writing progress and the report to it."""
    import_job_run(job_id=job_id)
