"""The Celery app: background imports (studies.tasks) and whatever else needs a worker.

Configured from Django's settings, names prefixed CELERY_ (see the end of config/settings.py).
Run a worker with `celery -A config worker`. With no CELERY_BROKER_URL set, tasks run inline
in the calling process (CELERY_TASK_ALWAYS_EAGER), so `make run` needs no broker.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("config")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
