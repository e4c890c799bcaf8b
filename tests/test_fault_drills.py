"""Fault drills (SECURITY.md checks 13 and 20): a real Celery worker killed with SIGKILL in the
middle of a reference DPT import, a reconciliation run and a letter batch, and the database
connection of a worker cut in the middle of a job. Runs where a broker and PostgreSQL are set,
like test_worker.py.

How a drill works:

- The worker is a real ``celery worker --pool=solo`` on the test database. Its Redis keys carry
  a prefix of this test session (Kombu's ``global_keyprefix``), so a drill never takes or
  restores another session's messages on a shared Redis database, and its keys are deleted
  afterwards. Everything else is the production configuration: ``acks_late``,
  ``reject_on_worker_lost``, prefetch 1, the 2× time-limit visibility timeout.
- To kill a job at a known point, the first worker runs with ``JOB_DRILL_PAUSE_MS`` (settings.py):
  every progress report of a job is followed by that pause. The drill waits until the job row
  shows the wanted progress, then kills the worker (or its database connections) in the pause.
- With the solo pool, a SIGKILL takes the whole worker: nobody rejects the message, which stays
  in Kombu's "unacked" set until its visibility timeout has passed; the next worker to start
  then restores it to its queue. The job row stays "running" with a heartbeat that stops. A
  drill does not wait hours for those clocks: ``time_passes`` moves both back (the heartbeat by
  JOB_STALE_AFTER, the message's delivery time by the visibility timeout).
- Then either the redelivered task takes the stale job over (``Job.claim``) and finishes it, or,
  when the beat's sweeper got there first, the job is failed with a message, the redelivered
  task is a no-op, and a new job (the person's retry) finishes. Either way the end state is that
  of one clean run.
- The database drills terminate the worker's backends (``pg_terminate_backend``) mid-job: the job
  must end "failed" with a message at once (not "running" until the sweeper), and a retry on the
  same worker, which opens new connections, must succeed.
- The last drill uses the prefork pool of docker-compose.yml and kills a child, as the OOM killer
  would (see its docstring).

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
from django.utils import timezone
from pages_letters import build_letter_world
from test_worker import database_url, wait_for

from voters.models import (
    ImportBatch,
    LetterBatch,
    ReconciliationItem,
    ReconciliationRun,
    ReferenceDPT,
    ReferenceEntry,
)
from voters.services import letters as letter_service
from voters.services.lists import discard_reference
from voters.services.reconciliation import reconcile, start_run

ROOT = Path(__file__).resolve().parent.parent
REFERENCE_ROWS = 200_000  # four COPY statements of lists.COPY_ROWS (65,536) rows

pytestmark = [
    pytest.mark.skipif(
        not settings.CELERY_BROKER_URL or not settings.IS_POSTGRES,
        reason="needs CELERY_BROKER_URL (Redis) and PostgreSQL",
    ),
    pytest.mark.django_db(transaction=True),
]

# `celery -A tpskhusus worker ...` with this session's key prefix on the broker connection.
WORKER = (
    "import os, sys\n"
    "from tpskhusus.celery import app\n"
    "app.conf.broker_transport_options = {**app.conf.broker_transport_options,\n"
    "    'global_keyprefix': os.environ['DRILL_KEY_PREFIX']}\n"
    "app.worker_main(['worker', *sys.argv[1:]])\n"
)


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
            "JOB_DRILL_PAUSE_MS": str(pause_ms),
        }
        proc = subprocess.Popen(
            [sys.executable, "-c", WORKER, f"--pool={pool}", "--concurrency=1",
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
        from tpskhusus.celery import app

        transport = {**app.conf.broker_transport_options, "global_keyprefix": self.prefix}
        with app.connection_for_write(transport_options=transport) as conn:
            task.apply_async(args, connection=conn, **options)

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

    def time_passes(self, job):
        """As if the stale-job window and the visibility timeout had both gone by."""
        type(job).objects.filter(pk=job.pk).update(
            heartbeat_at=timezone.now() - settings.JOB_STALE_AFTER - dt.timedelta(minutes=1)
        )
        timeout = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
        index = f"{self.prefix}unacked_index"
        for tag, score in self.redis.zrange(index, 0, -1, withscores=True):
            self.redis.zadd(index, {tag: score - timeout - 60})


@pytest.fixture
def drill(tmp_path, private_root):
    from tpskhusus.celery import app

    app.conf.task_always_eager = False
    found = Drill(tmp_path, private_root)
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
    from voters.models import Election
    from voters.services.lists import import_reference_dpt

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


def test_a_killed_reference_import_is_redelivered_and_loads_the_file_once(
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

    drill.time_passes(batch)
    drill.start_worker()
    assert wait_for(lambda: ImportBatch.objects.get(pk=batch.pk).is_finished, 90), drill.log()
    batch.refresh_from_db()
    assert batch.status == "done", batch.error
    assert batch.attempts == 2  # the redelivered task took the stale job over: it ran twice
    assert_loaded_once(election, clean_load)
    # The killed attempt's load row is history, marked failed by the load that followed.
    statuses = ReferenceDPT.objects.filter(election=election).order_by("pk")
    assert list(statuses.values_list("status", flat=True)) == [
        "failed",
        "active",
    ]
    assert not list((private_root / "imports").iterdir())  # the upload is gone
    assert wait_for(lambda: drill.unacked() == 0 and drill.queued() == 0, 30)


def test_a_killed_import_swept_as_failed_is_not_rerun_and_a_retry_loads_once(
    drill, references, election, reference_file, clean_load, private_root
):
    from voters.tasks import import_reference_dpt_task, sweep_stale_jobs_task

    first = drill.start_worker(pause_ms=1500)
    batch = upload_batch(reference_file, election, private_root)
    drill.send(import_reference_dpt_task, batch.pk)
    assert wait_for(mid_copy(batch), 60), drill.log()
    drill.kill(first)

    drill.time_passes(batch)
    assert sweep_stale_jobs_task() == 1  # the beat's sweeper, ten minutes on
    batch.refresh_from_db()
    assert batch.status == "failed" and "jalankan ulang" in batch.error

    # Hours later the message comes back: the job is finished, so it only deletes the upload.
    drill.start_worker()
    assert wait_for(lambda: drill.unacked() == 0 and drill.queued() == 0, 60), drill.log()
    assert wait_for(lambda: not ImportBatch.objects.get(pk=batch.pk).stored_path, 30)
    batch.refresh_from_db()
    assert (batch.status, batch.attempts) == ("failed", 1)
    assert not list((private_root / "imports").iterdir())
    assert ReferenceEntry.objects.count() == 0

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


def test_a_killed_reconciliation_is_redelivered_and_ends_as_one_clean_run(
    drill, clean_reconciliation, blora, election
):
    from voters.tasks import reconcile_task

    first = drill.start_worker(pause_ms=1500)
    run = start_run(election=election, facility=blora, today=TODAY)
    drill.send(reconcile_task, run.pk)
    # Killed after classifying, before the items are written.
    saving = lambda: ReconciliationRun.objects.get(pk=run.pk).done == 2  # noqa: E731
    assert wait_for(saving, 60), drill.log()
    drill.kill(first)
    run.refresh_from_db()
    assert run.status == "running" and not run.items.exists()

    drill.time_passes(run)
    drill.start_worker()
    assert wait_for(lambda: ReconciliationRun.objects.get(pk=run.pk).is_finished, 60), drill.log()
    run.refresh_from_db()
    assert run.status == "done", run.error
    assert run.attempts == 2 and run.reused_from_id is None
    assert run.counts == clean_reconciliation["counts"]
    assert outcome(run) == clean_reconciliation["items"]
    assert ReconciliationRun.objects.count() == 1
    assert ReconciliationItem.objects.count() == len(clean_reconciliation["items"])
    assert wait_for(lambda: drill.unacked() == 0 and drill.queued() == 0, 30)


def test_a_reconciliation_whose_database_connection_is_cut_fails_cleanly_and_a_retry_runs(
    drill, clean_reconciliation, blora, election
):
    from voters.tasks import reconcile_task

    drill.start_worker(pause_ms=1500)
    run = start_run(election=election, facility=blora, today=TODAY)
    drill.send(reconcile_task, run.pk)
    matching = lambda: ReconciliationRun.objects.get(pk=run.pk).done == 1  # noqa: E731
    assert wait_for(matching, 60), drill.log()
    assert terminate_other_backends() >= 1

    assert wait_for(lambda: ReconciliationRun.objects.get(pk=run.pk).is_finished, 60), drill.log()
    run.refresh_from_db()
    assert run.status == "failed" and "OperationalError" in run.error, (run.status, run.error)
    assert run.finished_at is not None and not run.items.exists()

    retry = start_run(election=election, facility=blora, today=TODAY)
    drill.send(reconcile_task, retry.pk)
    assert wait_for(lambda: ReconciliationRun.objects.get(pk=retry.pk).is_finished, 60), drill.log()
    retry.refresh_from_db()
    assert retry.status == "done", retry.error
    assert outcome(retry) == clean_reconciliation["items"]


# -- (c) a letter batch -----------------------------------------------------------------------


def test_a_killed_letter_batch_is_redelivered_and_renders_every_letter_once(
    drill, tps901, kpps, private_root
):
    from voters import letters
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

    drill.time_passes(batch)
    drill.start_worker()
    assert wait_for(lambda: LetterBatch.objects.get(pk=batch.pk).is_finished, 120), drill.log()
    batch.refresh_from_db()
    assert batch.status == "done", batch.error
    assert batch.attempts == 2
    assert batch.page_count == len(voters) == 4
    path = Path(batch.file_path)
    assert letters.count_pdf_pages(path.read_bytes()) == len(voters)
    assert list((private_root / "letters").iterdir()) == [path]  # no half-written PDF left
    assert LetterBatch.objects.count() == 1
    assert wait_for(lambda: drill.unacked() == 0 and drill.queued() == 0, 30)


# -- the production pool ---------------------------------------------------------------------------


def test_a_prefork_child_killed_mid_run_is_requeued_but_never_runs_the_job_twice(
    drill, blora, election, tps901
):
    """docker-compose runs the prefork pool, where the likely crash is the kernel's OOM killer
    taking a child. reject_on_worker_lost puts the message back at once; the task comes back
    while the row's heartbeat is still fresh, so it leaves the job alone (attempts stay 1) and
    the sweeper reports the job failed: a person runs it again. Nothing runs twice."""
    import psutil

    from voters.tasks import reconcile_task, sweep_stale_jobs_task

    build_letter_world(tps901)
    parent = drill.start_worker(pause_ms=1500, pool="prefork")
    run = start_run(election=election, facility=blora, today=TODAY)
    drill.send(reconcile_task, run.pk)
    assert wait_for(lambda: ReconciliationRun.objects.get(pk=run.pk).done >= 1, 60), drill.log()
    for child in psutil.Process(parent.pid).children():
        child.send_signal(signal.SIGKILL)
    assert wait_for(lambda: "WorkerLostError" in drill.log(), 30), drill.log()
    # Requeued, taken again by the new child, refused by the claim and acknowledged (checked
    # twice: between taking a message and recording it as unacked, both counts are 0).
    settled = lambda: drill.unacked() == 0 and drill.queued() == 0  # noqa: E731
    assert wait_for(settled, 30), drill.log()
    time.sleep(2)
    assert settled(), drill.log()
    run.refresh_from_db()
    assert (run.status, run.attempts) == ("running", 1)
    assert not run.items.exists()

    drill.time_passes(run)
    assert sweep_stale_jobs_task() == 1
    run.refresh_from_db()
    assert run.status == "failed" and "jalankan ulang" in run.error
