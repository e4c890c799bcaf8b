"""The end-to-end path through a real Celery worker and Redis (runs where a broker is set)."""

import datetime as dt
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from voters.models import ImportBatch

ROOT = Path(__file__).resolve().parent.parent

pytestmark = [
    pytest.mark.skipif(
        not settings.CELERY_BROKER_URL or not settings.IS_POSTGRES,
        reason="needs CELERY_BROKER_URL (Redis) and PostgreSQL",
    ),
    pytest.mark.django_db(transaction=True),
]


def database_url():
    s = connection.settings_dict
    return (
        f"postgres://{s['USER']}:{s['PASSWORD'] or ''}@{s['HOST'] or '127.0.0.1'}:"
        f"{s['PORT'] or 5432}/{s['NAME']}"
    )


@pytest.fixture
def worker():
    """A real `celery worker` process on the test database and the configured broker."""
    from tpskhusus.celery import app

    app.conf.task_always_eager = False
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "DEBUG": "True",
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
    }
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "tpskhusus",
            "worker",
            "--pool=solo",
            "--concurrency=1",
            "-Q",
            "default,imports,letters",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-n",
            f"test-{os.getpid()}@%h",
            "--loglevel=WARNING",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    yield proc
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


def wait_for(predicate, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.3)
    return False


def test_a_real_worker_runs_the_stale_job_sweeper(worker, blora):
    from voters.tasks import sweep_stale_jobs_task

    job = ImportBatch.objects.create(
        kind="inmates",
        facility=blora,
        file_name="roster.xlsx",
        status="running",
        heartbeat_at=timezone.now() - dt.timedelta(hours=1),
        attempts=2,  # lost twice: failed, not sent again (tests/test_jobs.py)
    )
    sweep_stale_jobs_task.delay()
    swept = wait_for(lambda: ImportBatch.objects.get(pk=job.pk).status == "failed")
    assert swept, worker.stdout.read() if worker.poll() is not None else "worker did not run it"
    assert "terhenti dua kali" in ImportBatch.objects.get(pk=job.pk).error
