"""A letter batch through a real Celery worker on the 'letters' queue (needs Redis and
PostgreSQL, like tests/test_worker.py)."""

from pathlib import Path

from django.db import transaction
from pages_letters import build_letter_world
from pdfs import page_count
from test_worker import pytestmark as worker_marks
from test_worker import wait_for, worker  # noqa: F401  (fixture)

from voters.letters import services as service
from voters.models import LetterBatch

pytestmark = worker_marks


def test_a_real_worker_renders_a_letter_batch(worker, tps901, kpps):  # noqa: F811
    build_letter_world(tps901)
    with transaction.atomic():
        batch = service.start_letter_batch(tps=tps901, user=kpps)
    done = wait_for(lambda: LetterBatch.objects.get(pk=batch.pk).is_finished, timeout=120)
    assert done, worker.stdout.read() if worker.poll() is not None else "worker did not finish"
    batch.refresh_from_db()
    path = Path(batch.file_path)
    try:
        assert (batch.status, batch.page_count) == ("done", 4), batch.error
        assert page_count(path.read_bytes()) == 4
    finally:
        path.unlink(missing_ok=True)
