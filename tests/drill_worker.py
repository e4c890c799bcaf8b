"""`celery -A tpskhusus worker ...` for the fault drills (test_fault_drills.py), with two
changes made here, in the test, so that production code carries no hook for them:

- the broker keys carry the drill's prefix (Kombu's ``global_keyprefix``, $DRILL_KEY_PREFIX),
  so a drill never takes or restores another test session's messages on a shared Redis;
- with $DRILL_PAUSE_MS, every progress report of a job (``Job.report``) is followed by that
  pause: the window in which a drill kills the worker, or cuts its database connections,
  at a known point of a job.
"""

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from celery.signals import worker_init  # noqa: E402

from tpskhusus.celery import app  # noqa: E402

app.conf.broker_transport_options = {
    **app.conf.broker_transport_options,
    "global_keyprefix": os.environ["DRILL_KEY_PREFIX"],
}
PAUSE = int(os.environ.get("DRILL_PAUSE_MS") or 0) / 1000


@worker_init.connect
def pause_after_each_report(**kwargs):
    """Before the pool starts (prefork children inherit it)."""
    if not PAUSE:
        return
    import django

    django.setup()
    from voters.core.models import Job

    report = Job.report

    def paused(self, *args, **options):
        report(self, *args, **options)
        time.sleep(PAUSE)

    Job.report = paused


if __name__ == "__main__":
    app.worker_main(["worker", *sys.argv[1:]])
