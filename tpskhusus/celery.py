"""Celery application. Tasks are thin: ids in, one service call (see voters/tasks.py)."""

import logging
import os

from celery import Celery
from celery.signals import worker_ready

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tpskhusus.settings")

app = Celery("tpskhusus")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_ready.connect
def sweep_jobs_lost_before_start(sender=None, **kwargs):
    """A worker that starts (docker-compose restarts a killed one) first takes back the jobs a
    dead worker left "running": with no beat, nothing else would until a page reads them, and
    their broker messages come back only after the visibility timeout (voters/core/jobs.py).
    Never stops the worker from starting."""
    try:
        from voters.tasks import sweep_stale_jobs_task

        sweep_stale_jobs_task()
    except Exception:
        logging.getLogger(__name__).exception("sweep of stale jobs at worker start failed")
