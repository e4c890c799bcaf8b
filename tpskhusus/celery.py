"""Celery application. Tasks are thin: ids in, one service call (see voters/tasks.py)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tpskhusus.settings")

app = Celery("tpskhusus")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
