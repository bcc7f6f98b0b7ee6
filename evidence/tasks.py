"""Background work for evidence, run by the Celery worker (config/celery.py).

Like studies.tasks: a task calls the service that does the work; with no broker configured
(CELERY_TASK_ALWAYS_EAGER) it runs inline.
"""

import logging
import resource

from celery import shared_task

from evidence.services import claims_regrade
from studies.tasks import RETRY_ON_DATABASE_ERRORS

logger = logging.getLogger(__name__)


# The regrade is one transaction, so a retry starts it again from the top.
@shared_task(name="evidence.regrade", **RETRY_ON_DATABASE_ERRORS)
def regrade_task(force: bool = False) -> None:
    """Regrade every claim whose inputs changed (every claim with `force`)."""
    summary = claims_regrade(force=force)
    logger.info(
        "regrade: %d claims checked, %d recomputed, %d changed in %.1f s; "
        "worker peak memory %.0f MB",
        summary.checked,
        summary.recomputed,
        summary.changed,
        summary.seconds,
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    )
