"""Fault drills (SECURITY.md checks 13 and 20): a real Celery worker killed with SIGKILL in the
middle of a reference DPT import, a reconciliation run and a letter batch, and the database
connection of a worker cut in the middle of a job. Runs where a broker and PostgreSQL are set,
like test_worker.py.

How a drill works:

- The worker is a real ``celery worker --pool=solo`` on the test database, started through
  ``drill_worker.py``. Its Redis keys carry a prefix of this test session (Kombu's
  ``global_keyprefix``), so a drill never takes or restores another session's messages on a
  shared Redis database, and its keys are deleted afterwards. Everything else is the production
  configuration: ``acks_late``, ``reject_on_worker_lost``, prefetch 1, the 2x time-limit
  visibility timeout, the sweep of lost jobs when a worker starts.
- To kill a job at a known point, the first worker runs with ``DRILL_PAUSE_MS``: drill_worker.py
  makes every progress report of a job (``Job.report``) pause that long (a test-only patch; the
  production code has no such hook). The drill waits until the job row shows the wanted
  progress, then kills the worker (or its database connections) in the pause.
- With the solo pool, a SIGKILL takes the whole worker: nobody rejects the message, which stays
  in Kombu's "unacked" set until its visibility timeout (4 h) has passed. The job row stays
  "running" with a heartbeat that stops. A drill does not wait for those clocks:
  ``heartbeat_stops`` moves the heartbeat back by JOB_STALE_AFTER, ``visibility_passes`` the
  message's delivery time by the visibility timeout.
- Nobody sweeps by hand: the next worker, as it starts, sends the lost job again
  (voters/core/jobs.py), and it finishes with the state of one clean run. Hours later the
  killed attempt's message comes back and changes nothing. A job lost twice is failed with a
  reason; the person's retry then finishes.
- The database drills terminate the worker's backends (``pg_terminate_backend``) mid-job: the job
  must end "failed" with a message at once (not "running" until the sweeper), and a retry on the
  same worker, which opens new connections, must succeed.
- The last drill uses the prefork pool of docker-compose.yml and kills a child, as the OOM killer
  would; there the lost job is taken back when a page reads its progress (see its docstring).

Results and the reasons behind them: bench/README.md, "Fault drills".
"""

import datetime as dt
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from pages_letters import build_letter_world
from pdfs import page_count
from test_worker import database_url, wait_for

from voters.letters import services as letter_service
from voters.lists.services import discard_reference
from voters.models import (
    ImportBatch,
    LetterBatch,
    ReconciliationItem,
    ReconciliationRun,
    ReferenceDPT,
    ReferenceEntry,
)
from voters.reconciliation.services import create_run, reconcile

ROOT = Path(__file__).resolve().parent.parent
REFERENCE_ROWS = 200_000  # four COPY statements of lists.COPY_ROWS (65,536) rows

pytestmark = [
    pytest.mark.skipif(
        not settings.CELERY_BROKER_URL or not settings.IS_POSTGRES,
        reason="needs CELERY_BROKER_URL (Redis) and PostgreSQL",
    ),
    pytest.mark.django_db(transaction=True),
]

WORKER = Path(__file__).resolve().parent / "drill_worker.py"


class Drill:
    """The workers, the broker keys and the clocks of one drill."""

    def __init__(self, folder, private_root):
        import redis

        self.folder = folder
        self.private_root = private_root
        self.prefix = f"drill-{os.getpid()}-{uuid.uuid4().hex[:8]}:"
        self.redis = redis.Redis.from_url(settings.CELERY_BROKER_URL)
        self.workers = []

    # -- workers --

    def start_worker(self, *, pause_ms=0, pool="solo"):
        number = len(self.workers) + 1
        log = (self.folder / f"worker{number}.log").open("w")
        env = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "DEBUG": "True",
            "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
            "PRIVATE_ROOT": str(self.private_root),
            "DRILL_KEY_PREFIX": self.prefix,
            "DRILL_PAUSE_MS": str(pause_ms),
        }
        proc = subprocess.Popen(
            [sys.executable, str(WORKER), f"--pool={pool}", "--concurrency=1",
             "-Q", "default,imports,letters", "--without-gossip", "--without-mingle",
             "--without-heartbeat", "-n", f"drill{number}-{os.getpid()}@%h",
             "--loglevel=WARNING"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        log.close()
        self.workers.append(proc)
        # Messages can only be routed once the worker has declared its queues.
        ready = wait_for(lambda: self.redis.exists(f"{self.prefix}_kombu.binding.letters"), 60)
        assert ready, self.log(number)
        return proc

    def log(self, number=None):
        number = number or len(self.workers)
        return (self.folder / f"worker{number}.log").read_text()[-3000:]

    def kill(self, proc):
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=20)

    def send(self, task, *args, **options):
        self.send_signature(task.signature(args, options=options))

    def send_signature(self, signature):
        """Send a task to this drill's broker keys (also what the sweep sends from here)."""
        from tpskhusus.celery import app

        transport = {**app.conf.broker_transport_options, "global_keyprefix": self.prefix}
        with app.connection_for_write(transport_options=transport) as conn:
            signature.apply_async(connection=conn)

    def settled(self):
        """No message queued or unacknowledged, checked twice (between taking a message and
        recording it as unacknowledged, both counts are 0)."""
        idle = lambda: self.unacked() == 0 and self.queued() == 0  # noqa: E731
        if not wait_for(idle, 60):
            return False
        time.sleep(2)
        return idle()

    def old_messages_come_back(self):
        """Hours later the killed attempts' messages are delivered again (Kombu restores them
        when a worker starts): each must find its job finished and change nothing."""
        assert self.unacked() >= 1
        self.visibility_passes()
        self.start_worker()
        assert self.settled(), self.log()

    def close(self):
        for proc in self.workers:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    proc.kill()
        keys = list(self.redis.scan_iter(f"{self.prefix}*"))
        if keys:
            self.redis.delete(*keys)

    # -- the broker and the clocks --

    def unacked(self):
        return self.redis.hlen(f"{self.prefix}unacked")

    def queued(self):
        return sum(self.redis.llen(f"{self.prefix}{q}") for q in ("default", "imports", "letters"))

    def heartbeat_stops(self, job):
        """As if the job's worker had been dead for longer than JOB_STALE_AFTER."""
        type(job).objects.filter(pk=job.pk).update(
            heartbeat_at=timezone.now() - settings.JOB_STALE_AFTER - dt.timedelta(minutes=1)
        )

    def visibility_passes(self):
        """As if the visibility timeout of every unacknowledged message had gone by."""
        timeout = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
        index = f"{self.prefix}unacked_index"
        for tag, score in self.redis.zrange(index, 0, -1, withscores=True):
            self.redis.zadd(index, {tag: score - timeout - 60})


@pytest.fixture
def drill(tmp_path, private_root, monkeypatch):
    from django.core.cache import cache

    from tpskhusus.celery import app
    from voters.core import jobs

    app.conf.task_always_eager = False
    found = Drill(tmp_path, private_root)
    monkeypatch.setattr(jobs, "send", found.send_signature)  # a sweep run in this process
    cache.clear()  # its throttle
    yield found
    found.close()


@pytest.fixture
def references():
    """Drop the partitions the drill's loads committed (a flush only empties them)."""
    yield
    for reference in ReferenceDPT.objects.all():
        discard_reference(reference)


def terminate_other_backends():
    """Cut every connection to the test database but this one: the worker's two connections."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


def partitions():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname FROM pg_class WHERE relkind = 'r' "
            "AND relname LIKE 'voters_referenceentry%' AND relname <> 'voters_referenceentry'"
        )
        return sorted(name for (name,) in cursor.fetchall())


def entries_digest(reference):
    rows = ReferenceEntry.objects.filter(reference=reference).order_by("position")
    digest = hashlib.sha256()
    for row in rows.values_list("position", "nik", "nama", "tanggal_lahir", "tps").iterator():
        digest.update(repr(row).encode())
    return digest.hexdigest()


# -- (a) a reference DPT import ------------------------------------------------------------------


@pytest.fixture
def reference_file(tmp_path):
    """A kabupaten DPT as KPU sends it: BOM, semicolons, CRLF; full, masked and blank NIKs."""
    path = tmp_path / "dpt_blora.csv"
    people = [
        ("3316011505800001", "BUDI SANTOSO", "15-05-1980", "L"),
        ("3316014206850002", "SITI AMINAH", "02-06-1985", "P"),
        ("331601**********", "SLAMET RIYADI", "07/07/1990", "L"),
        ("", "TANPA NIK", "1975-03-01", "L"),
        ("3316014808700005", "ENDANG LESTARI", "08-08-1970", "P"),
    ]
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        handle.write("NO;NIK;NAMA;TANGGAL LAHIR;JENIS KELAMIN;KELURAHAN;KECAMATAN;TPS\r\n")
        for number in range(1, REFERENCE_ROWS + 1):
            nik, nama, born, sex = people[number % 5]
            tps = f"{number % 25 + 1:03d}"
            handle.write(f"{number};{nik};{nama};{born};{sex};JEPON;JEPON;{tps}\r\n")
    return path


@pytest.fixture
def clean_load(reference_file, election):
    """What one clean load of the file gives: its rows' digest and counts."""
    from voters.lists.services import import_reference_dpt
    from voters.models import Election

    other = Election.objects.create(
        code="BERSIH", name="Muat bersih", kind="pilkada", polling_date=election.polling_date,
        region_code="33.16",
    )  # fmt: skip
    outcome = import_reference_dpt(path=reference_file, election=other)
    found = {"digest": entries_digest(outcome.obj), "row_count": outcome.obj.row_count,
             "counts": outcome.obj.counts}  # fmt: skip
    discard_reference(outcome.obj)
    return found


def upload_batch(reference_file, election, private_root):
    stored = private_root / "imports" / f"{uuid.uuid4().hex}.csv"
    stored.parent.mkdir(exist_ok=True)
    shutil.copyfile(reference_file, stored)
    return ImportBatch.objects.create(
        kind=ImportBatch.Kind.REFERENCE_DPT, election=election, file_name="dpt_blora.csv",
        stored_path=str(stored), message="Menunggu giliran",
    )  # fmt: skip


def mid_copy(batch):
    def predicate():
        row = ImportBatch.objects.get(pk=batch.pk)
        return row.status == "running" and 0 < row.done < REFERENCE_ROWS

    return predicate


def assert_loaded_once(election, clean_load):
    active = ReferenceDPT.objects.get(election=election, status="active")
    assert active.row_count == clean_load["row_count"] == REFERENCE_ROWS
    assert active.counts == clean_load["counts"]
    assert entries_digest(active) == clean_load["digest"]
    assert ReferenceEntry.objects.count() == REFERENCE_ROWS  # no rows of the killed attempt
    assert partitions() == [active.partition_name]  # its table was rolled back with it
    assert not ReferenceDPT.objects.filter(status="loading").exists()
    return active


def test_a_killed_reference_import_is_taken_back_by_the_next_worker_and_loads_the_file_once(
    drill, references, election, reference_file, clean_load, private_root
):
    from voters.tasks import import_reference_dpt_task

    first = drill.start_worker(pause_ms=1500)
    batch = upload_batch(reference_file, election, private_root)
    drill.send(import_reference_dpt_task, batch.pk)
    assert wait_for(mid_copy(batch), 60), drill.log()
    drill.kill(first)

    # Killed mid-COPY: nothing visible, the job row still says running, the message unacked.
    batch.refresh_from_db()
    assert batch.status == "running" and batch.attempts == 1
    assert not ReferenceDPT.objects.filter(status="active").exists()
    assert ReferenceEntry.objects.count() == 0
    assert partitions() == []
    assert drill.unacked() == 1

    # Ten minutes on, a worker starts (docker-compose restarts it): it sends the job again.
    drill.heartbeat_stops(batch)
    drill.start_worker()
    assert wait_for(lambda: ImportBatch.objects.get(pk=batch.pk).is_finished, 90), drill.log()
    batch.refresh_from_db()
    assert batch.status == "done", batch.error
    assert batch.attempts == 2  # lost once, run once more
    assert_loaded_once(election, clean_load)
    # The killed attempt's load row is history, marked failed by the load that followed.
    statuses = ReferenceDPT.objects.filter(election=election).order_by("pk")
    assert list(statuses.values_list("status", flat=True)) == ["failed", "active"]
    assert not list((private_root / "imports").iterdir())  # the upload is gone

    drill.old_messages_come_back()
    batch.refresh_from_db()
    assert (batch.status, batch.attempts) == ("done", 2)
    assert_loaded_once(election, clean_load)


def test_an_import_killed_twice_is_failed_with_a_reason_and_a_retry_loads_once(
    drill, references, election, reference_file, clean_load, private_root
):
    from voters.tasks import import_reference_dpt_task

    first = drill.start_worker(pause_ms=1500)
    batch = upload_batch(reference_file, election, private_root)
    drill.send(import_reference_dpt_task, batch.pk)
    assert wait_for(mid_copy(batch), 60), drill.log()
    drill.kill(first)
    drill.heartbeat_stops(batch)

    # The next worker takes it back, and is killed mid-COPY too.
    second = drill.start_worker(pause_ms=1500)
    taken_back = lambda: ImportBatch.objects.get(pk=batch.pk).attempts == 2  # noqa: E731
    assert wait_for(taken_back, 60) and wait_for(mid_copy(batch), 60), drill.log()
    drill.kill(second)
    drill.heartbeat_stops(batch)

    # The third worker does not try a third time: the job fails with a reason.
    drill.start_worker()
    assert wait_for(lambda: ImportBatch.objects.get(pk=batch.pk).is_finished, 60), drill.log()
    batch.refresh_from_db()
    assert (batch.status, batch.attempts) == ("failed", 2)
    assert "terhenti dua kali" in batch.error and "hubungi admin" in batch.error
    assert ReferenceEntry.objects.count() == 0
    assert not ReferenceDPT.objects.filter(status="active").exists()

    # Hours later both killed attempts' messages come back: they only delete the upload.
    drill.old_messages_come_back()
    batch.refresh_from_db()
    assert (batch.status, batch.attempts, batch.stored_path) == ("failed", 2, "")
    assert not list((private_root / "imports").iterdir())

    # The person uploads the file again.
    retry = upload_batch(reference_file, election, private_root)
    drill.send(import_reference_dpt_task, retry.pk)
    assert wait_for(lambda: ImportBatch.objects.get(pk=retry.pk).is_finished, 90), drill.log()
    retry.refresh_from_db()
    assert retry.status == "done", retry.error
    assert_loaded_once(election, clean_load)


def test_a_reference_import_whose_database_connection_is_cut_fails_cleanly_and_a_retry_loads(
    drill, references, election, reference_file, clean_load, private_root
):
    from voters.tasks import import_reference_dpt_task

    drill.start_worker(pause_ms=1500)
    batch = upload_batch(reference_file, election, private_root)
    drill.send(import_reference_dpt_task, batch.pk)
    assert wait_for(mid_copy(batch), 60), drill.log()
    assert terminate_other_backends() >= 1

    assert wait_for(lambda: ImportBatch.objects.get(pk=batch.pk).is_finished, 60), drill.log()
    batch.refresh_from_db()
    assert batch.status == "failed", batch.status
    assert "kesalahan sistem" in batch.error and "tidak ada yang disimpan" in batch.error
    assert batch.finished_at is not None
    assert ReferenceEntry.objects.count() == 0 and partitions() == []
    assert list(
        ReferenceDPT.objects.filter(election=election).values_list("status", flat=True)
    ) == ["failed"]

    retry = upload_batch(reference_file, election, private_root)
    drill.send(import_reference_dpt_task, retry.pk)  # the same worker, on new connections
    assert wait_for(lambda: ImportBatch.objects.get(pk=retry.pk).is_finished, 90), drill.log()
    retry.refresh_from_db()
    assert retry.status == "done", retry.error
    assert_loaded_once(election, clean_load)


# -- (b) a reconciliation run --------------------------------------------------------------------

TODAY = dt.date(2024, 11, 15)


def outcome(run):
    fields = ("position", "category", "key", "inmate_id", "entry_ids", "daftar", "tps",
              "surat_suara", "alasan", "deadline_note", "match_layer", "match_score",
              "ref")  # fmt: skip
    items = ReconciliationItem.objects.filter(run=run).order_by("position")
    return list(items.values_list(*fields))


@pytest.fixture
def clean_reconciliation(tps901, blora, election):
    """The outcome of one clean run; the run itself is then deleted so that the drill's run
    computes afresh instead of copying it (same inputs)."""
    build_letter_world(tps901)
    run = reconcile(election=election, facility=blora, today=TODAY)
    found = {"items": outcome(run), "counts": run.counts}
    assert sum(found["counts"].values()) == len(found["items"]) > 0
    run.delete()
    return found


def test_a_killed_reconciliation_is_taken_back_by_the_next_worker_and_ends_as_one_clean_run(
    drill, clean_reconciliation, blora, election
):
    from voters.tasks import reconcile_task

    first = drill.start_worker(pause_ms=1500)
    run = create_run(election=election, facility=blora, today=TODAY)
    drill.send(reconcile_task, run.pk)
    # Killed after classifying, before the items are written.
    saving = lambda: ReconciliationRun.objects.get(pk=run.pk).done == 2  # noqa: E731
    assert wait_for(saving, 60), drill.log()
    drill.kill(first)
    run.refresh_from_db()
    assert run.status == "running" and not run.items.exists()

    drill.heartbeat_stops(run)
    drill.start_worker()
    assert wait_for(lambda: ReconciliationRun.objects.get(pk=run.pk).is_finished, 60), drill.log()
    run.refresh_from_db()
    assert run.status == "done", run.error
    assert run.attempts == 2 and run.reused_from_id is None
    assert run.counts == clean_reconciliation["counts"]
    assert outcome(run) == clean_reconciliation["items"]
    assert ReconciliationRun.objects.count() == 1
    assert ReconciliationItem.objects.count() == len(clean_reconciliation["items"])

    drill.old_messages_come_back()
    run.refresh_from_db()
    assert (run.status, run.attempts) == ("done", 2)
    assert outcome(run) == clean_reconciliation["items"]
    assert ReconciliationItem.objects.count() == len(clean_reconciliation["items"])


def test_a_reconciliation_whose_database_connection_is_cut_fails_cleanly_and_a_retry_runs(
    drill, clean_reconciliation, blora, election
):
    from voters.tasks import reconcile_task

    drill.start_worker(pause_ms=1500)
    run = create_run(election=election, facility=blora, today=TODAY)
    drill.send(reconcile_task, run.pk)
    matching = lambda: ReconciliationRun.objects.get(pk=run.pk).done == 1  # noqa: E731
    assert wait_for(matching, 60), drill.log()
    assert terminate_other_backends() >= 1

    assert wait_for(lambda: ReconciliationRun.objects.get(pk=run.pk).is_finished, 60), drill.log()
    run.refresh_from_db()
    assert run.status == "failed" and "OperationalError" in run.error, (run.status, run.error)
    assert run.finished_at is not None and not run.items.exists()

    retry = create_run(election=election, facility=blora, today=TODAY)
    drill.send(reconcile_task, retry.pk)
    assert wait_for(lambda: ReconciliationRun.objects.get(pk=retry.pk).is_finished, 60), drill.log()
    retry.refresh_from_db()
    assert retry.status == "done", retry.error
    assert outcome(retry) == clean_reconciliation["items"]


# -- (c) a letter batch -----------------------------------------------------------------------


def test_a_killed_letter_batch_is_taken_back_by_the_next_worker_and_renders_every_letter_once(
    drill, tps901, kpps, private_root
):
    from voters.tasks import render_notices_task

    build_letter_world(tps901)
    voters = letter_service.recipients(tps901)
    first = drill.start_worker(pause_ms=1500)
    with transaction.atomic():
        batch = LetterBatch.objects.create(
            election=tps901.election, tps=tps901, total=len(voters), created_by=kpps
        )
    soft, hard = letter_service.time_limits(len(voters))
    drill.send(render_notices_task, batch.pk, soft_time_limit=soft, time_limit=hard)
    laying_out = lambda: LetterBatch.objects.get(pk=batch.pk).message.startswith("Menata")  # noqa: E731
    assert wait_for(laying_out, 60), drill.log()
    drill.kill(first)
    batch.refresh_from_db()
    assert batch.status == "running" and not batch.file_path

    drill.heartbeat_stops(batch)
    drill.start_worker()
    assert wait_for(lambda: LetterBatch.objects.get(pk=batch.pk).is_finished, 120), drill.log()
    batch.refresh_from_db()
    assert batch.status == "done", batch.error
    assert batch.attempts == 2
    assert batch.page_count == len(voters) == 4
    path = Path(batch.file_path)
    assert page_count(path.read_bytes()) == len(voters)
    assert list((private_root / "letters").iterdir()) == [path]  # no half-written PDF left
    assert LetterBatch.objects.count() == 1

    drill.old_messages_come_back()
    batch.refresh_from_db()
    assert (batch.status, batch.attempts, batch.file_path) == ("done", 2, str(path))
    assert list((private_root / "letters").iterdir()) == [path]


# -- the production pool ---------------------------------------------------------------------------


def test_a_prefork_child_killed_mid_run_is_taken_back_when_its_progress_is_read(
    drill, clean_reconciliation, blora, election, operator, client_for
):
    """docker-compose runs the prefork pool, where the likely crash is the kernel's OOM killer
    taking a child. reject_on_worker_lost puts the message back at once; the task comes back
    while the row's heartbeat is still fresh, so it leaves the job alone (attempts stay 1):
    the job is lost, with no message left to bring it back. Once its heartbeat is stale, the
    first read of its progress bar sends it again (a beat would too, within the minute), and
    it ends as one clean run."""
    import psutil

    from voters.tasks import reconcile_task

    parent = drill.start_worker(pause_ms=1500, pool="prefork")
    run = create_run(election=election, facility=blora, today=TODAY)
    drill.send(reconcile_task, run.pk)
    assert wait_for(lambda: ReconciliationRun.objects.get(pk=run.pk).done >= 1, 60), drill.log()
    for child in psutil.Process(parent.pid).children():
        child.send_signal(signal.SIGKILL)
    assert wait_for(lambda: "WorkerLostError" in drill.log(), 30), drill.log()
    # Requeued, taken again by the new child, refused by the claim and acknowledged.
    assert drill.settled(), drill.log()
    run.refresh_from_db()
    assert (run.status, run.attempts) == ("running", 1)
    assert not run.items.exists()

    drill.heartbeat_stops(run)
    url = reverse("job_progress", args=["rekonsiliasi", run.pk])
    assert client_for(operator).get(url).json()["stale"] is False  # sent again
    assert wait_for(lambda: ReconciliationRun.objects.get(pk=run.pk).is_finished, 60), drill.log()
    run.refresh_from_db()
    assert (run.status, run.attempts) == ("done", 2), run.error
    assert run.counts == clean_reconciliation["counts"]
    assert outcome(run) == clean_reconciliation["items"]
    assert drill.settled(), drill.log()
