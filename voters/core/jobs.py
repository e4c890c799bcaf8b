"""Jobs lost with their worker: sent to the queue once more, then failed with a reason.

A worker killed mid-job (OOM killer, a restart, a power cut) leaves its job row "running" with a
heartbeat that stops (``Job.report`` writes one with every progress step). Nothing else brings
it back soon: the task's broker message is unacknowledged and comes back only after Redis's
visibility timeout (2x the task time limit: 4 h), and the prefork pool's reject_on_worker_lost
requeues it at once, while the heartbeat is still fresh, so the claim refuses it. So the sweep
decides, from the heartbeat alone (``JOB_STALE_AFTER``, 10 minutes, well above the longest
step between two reports):

- a job lost once goes back to "queued" and its task is sent again (``RETRY``): every job is
  idempotent, so a retry that finishes leaves what one clean run leaves;
- a job lost twice, or one whose task cannot be sent again, is failed with a reason.

Three places run the sweep, so that it runs whatever is deployed (README "Reliability"):

- the beat, every minute (docker-compose's ``beat`` service, ``CELERY_BEAT_SCHEDULE``);
- every worker as it starts (``worker_ready`` in tpskhusus/celery.py): a restarted worker
  takes back the jobs its predecessor lost, with or without a beat;
- a page that reads a stale job's progress (``sweep_if_due``, at most every 30 s per kind of
  job): wherever neither of the others runs (tasks run in-process when no broker is set, and
  then the retried job runs in that request).
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.core.cache import cache

from voters.core import storage
from voters.models import ImportBatch, LetterBatch, ReconciliationRun

if TYPE_CHECKING:
    from celery import Task
    from celery.canvas import Signature
    from django.core.files.uploadedfile import UploadedFile

    from voters.core.uploads import ImportRejected
    from voters.models import Job
    from voters.readers.tables import RowError

logger = logging.getLogger(__name__)

LAZY_SWEEP_SECONDS = 30


def _roster(batch):
    # A roster upload is imported only once the operator confirmed its preview; a running
    # unconfirmed batch is the preview job (import_inmates_preview_task, where it exists).
    from voters import tasks

    if batch.confirmed_at:
        return tasks.import_inmates_task.si(batch.pk)
    preview = getattr(tasks, "import_inmates_preview_task", None)
    return preview.si(batch.pk) if preview is not None and not batch.sha256 else None


def _staff(batch):
    # Like the roster: the import job only once confirmed; before that, the preview job.
    from voters import tasks

    if batch.confirmed_at:
        return tasks.staff_import_task.si(batch.pk)
    return tasks.staff_preview_task.si(batch.pk) if not batch.sha256 else None


def _import(task_name):
    def signature(batch):
        from voters import tasks

        return getattr(tasks, task_name).si(batch.pk)

    return signature


def _reconciliation(run):
    from voters.tasks import reconcile_task

    return reconcile_task.si(run.pk)


def _letters(batch):
    from voters.letters.services import time_limits
    from voters.tasks import render_notices_task

    soft, hard = time_limits(batch.total)
    return render_notices_task.si(batch.pk).set(soft_time_limit=soft, time_limit=hard)


# How each job is sent again: a model, or (model, kind) for ImportBatch, to a function of the
# job that gives its task signature (ids only, as when it was first queued), or None when the
# job must not be sent again. A job with no entry is failed when lost. Add new jobs here.
RETRY = {
    (ImportBatch, ImportBatch.Kind.INMATES): _roster,
    (ImportBatch, ImportBatch.Kind.VOTER_LIST): _import("import_voter_list_task"),
    (ImportBatch, ImportBatch.Kind.REFERENCE_DPT): _import("import_reference_dpt_task"),
    (ImportBatch, ImportBatch.Kind.DAPIL): _import("import_dapil_task"),
    (ImportBatch, ImportBatch.Kind.STAFF): _staff,
    ReconciliationRun: _reconciliation,
    LetterBatch: _letters,
}


class ThrottledProgress:
    """A job's progress, written at most every ``every`` seconds: each write is an UPDATE (and
    the heartbeat the sweep reads, ``Job.report``). ``force`` writes at once (a new phase, the
    last step). Without a job (an import run from a command) it does nothing."""

    def __init__(self, job: Job | None = None, every: float = 0.5) -> None:
        self.job = job
        self.every = every
        self.last = 0.0

    def __call__(
        self,
        done: int | None = None,
        total: int | None = None,
        message: str | None = None,
        *,
        force: bool = False,
    ) -> None:
        now = time.monotonic()
        if self.job is None or (not force and now - self.last < self.every):
            return
        self.last = now
        self.job.report(done=done, total=total, message=message)


def send(signature: Signature) -> None:
    """Send a task (the fault drills route it to their own broker keys)."""
    signature.apply_async()


def resend(job: Job) -> Callable[[], None] | None:
    """A callable that sends ``job``'s task again, or None when it has none."""
    make = RETRY.get((type(job), getattr(job, "kind", None))) or RETRY.get(type(job))
    signature = make(job) if make is not None else None
    if signature is None:
        return None

    def send_again():
        try:
            send(signature)
        except Exception:  # e.g. the broker is down: the job stays queued; logged for the admin
            logger.exception("could not send %s %s again", type(job).__name__, job.pk)

    return send_again


def sweep(models: Iterable[type[Job]]) -> int:
    """Sweep the stale jobs of ``models``; returns how many were re-queued or failed."""
    swept = 0
    for model in models:
        count = model.sweep_stale(resend=resend)
        if count:
            logger.warning("swept %s stale %s job(s)", count, model.__name__)
        swept += count
    return swept


def sweep_if_due(job: Job) -> int:
    """When a page reads a job whose heartbeat stopped, sweep that kind of job now (at most
    every LAZY_SWEEP_SECONDS per kind, across the process's requests)."""
    if not job.is_stale:
        return 0
    if not cache.add(f"jobs-lazy-sweep:{type(job).__name__}", 1, LAZY_SWEEP_SECONDS):
        return 0
    swept = sweep([type(job)])
    job.refresh_from_db()
    return swept


def start_upload_job(
    *, uploaded: UploadedFile, task: Task, keep_hash: bool = False, **fields: Any
) -> ImportBatch:
    """Store an upload (never read in the request: SECURITY.md check 31) and make its job row,
    with its task queued once the row is committed (a task never sees a rolled-back row). If
    the row cannot be made, the file goes too. ``keep_hash``: the row records the file's
    SHA-256 now; a previewed upload's preview job records it instead, since a hash on the row
    says the preview is done. ``fields`` are the ImportBatch's own (kind, facility, …)."""
    from django.db import transaction

    path, sha256 = storage.save_upload(uploaded)
    if keep_hash:
        fields["sha256"] = sha256
    try:
        batch = ImportBatch.objects.create(
            stored_path=str(path),
            message="Menunggu giliran",
            file_name=os.path.basename(uploaded.name or "berkas")[:255],
            **fields,
        )
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    transaction.on_commit(lambda: task.delay(batch.pk))
    return batch


def is_previewing(batch: ImportBatch) -> bool:
    """True while the preview job of a previewed upload (roster, staff) has not yet stored its
    preview, nor refused the file."""
    return (
        batch.kind in ImportBatch.PREVIEWED
        and not batch.sha256
        and not batch.confirmed_at
        and batch.status in (ImportBatch.Status.QUEUED, ImportBatch.Status.RUNNING)
    )


def await_confirmation(batch: ImportBatch, *, sha256: str, summary: dict) -> None:
    """The end of a preview job: the batch goes back to "queued", unstarted, with the file's
    hash and its preview, and waits for the operator (an unconfirmed preview expires:
    retention.sweep_transient_files); the import job claims it again once confirmed."""
    batch.sha256 = sha256
    batch.summary = summary
    batch.status = ImportBatch.Status.QUEUED
    batch.started_at = batch.heartbeat_at = None
    batch.done = batch.total = 0
    batch.message = ""
    batch.save(
        update_fields=[
            "sha256",
            "summary",
            "status",
            "started_at",
            "heartbeat_at",
            "done",
            "total",
            "message",
        ]
    )


def row_errors(errors: Iterable[RowError]) -> list[dict]:
    """Bad rows as a job keeps them for its error report: row, column and message."""
    return [{"row": e.row_number, "column": e.column, "message": str(e)} for e in errors]


def fail_refused(batch: ImportBatch, refused: ImportRejected, *, count: bool = True) -> None:
    """A job whose file was refused for its rows: it keeps the first 1000 bad rows for the
    error report and, with ``count``, how many rows were bad, and fails with the reason."""
    batch.row_errors = row_errors(refused.errors[:1000])
    fields = ["row_errors"]
    if count:
        batch.summary = {"rejected": len({e.row_number for e in refused.errors})}
        fields.append("summary")
    batch.save(update_fields=fields)
    batch.fail(str(refused))


def fail_crashed(batch: ImportBatch, error: BaseException, *, what: str = "Impor") -> None:
    """A job stopped by an error of the system (the database gone, a bug), not of its file:
    failed with a message that says nothing was saved and names only the error's type (its
    text may quote personal data)."""
    batch.fail(
        f"{what} gagal karena kesalahan sistem; tidak ada yang disimpan. "
        f"({type(error).__name__})"
    )


def discard_upload(batch: ImportBatch) -> None:
    """Delete a job's uploaded file (only ever one directly under PRIVATE_ROOT/imports) and
    forget its path: no file with NIKs outlives its job."""
    if not batch.stored_path:
        return
    path = Path(batch.stored_path)
    with contextlib.suppress(ValueError, OSError):
        if path.resolve().parent == storage.private_dir("imports").resolve():
            path.unlink(missing_ok=True)
    ImportBatch.objects.filter(pk=batch.pk).update(stored_path="")
    batch.stored_path = ""
