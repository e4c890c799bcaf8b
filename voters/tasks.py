"""Celery tasks: thin wrappers, ids in, one service call each (STYLE.md)."""

import logging

from celery import shared_task

from voters.models import ImportBatch, LetterBatch, ReconciliationRun

logger = logging.getLogger(__name__)

# Every kind of job row the sweep looks after (voters/core/jobs.py sends each one again).
JOB_MODELS_FOR_SWEEP = [ImportBatch, ReconciliationRun, LetterBatch]


@shared_task(acks_late=True)
def sweep_stale_jobs_task():
    """Jobs whose worker died: sent again once, then failed (voters/core/jobs.py). Run by
    the beat every minute and by every worker as it starts (tpskhusus/celery.py)."""
    from voters.core.jobs import sweep

    return sweep(JOB_MODELS_FOR_SWEEP)


@shared_task(acks_late=True)
def import_inmates_task(batch_id):
    """Import a confirmed roster upload (ImportBatch id)."""
    from voters.inmates.services import run_roster_batch

    run_roster_batch(batch_id)


@shared_task(acks_late=True)
def import_inmates_preview_task(batch_id):
    """Read and check an uploaded roster and store its preview (ImportBatch id)."""
    from voters.inmates.services import run_roster_preview

    run_roster_preview(batch_id)


@shared_task(acks_late=True)
def import_dukcapil_answer_task(batch_id):
    """Apply an uploaded Dukcapil answer file (ImportBatch id)."""
    from voters.inmates.dukcapil import run_answer_batch

    run_answer_batch(batch_id)


@shared_task(acks_late=True)
def reconcile_task(run_id):
    """Run one reconciliation (ReconciliationRun id)."""
    from voters.reconciliation.services import ReconciliationBusy, execute_run

    try:
        execute_run(run_id)
    except ReconciliationBusy:
        logger.warning("reconciliation %s skipped: another run is in progress", run_id)


@shared_task(acks_late=True)
def reconcile_all_task():
    """Nightly: one run per facility and election whose polling day is still ahead."""
    from voters.reconciliation.services import schedule_runs

    return len(schedule_runs(trigger="nightly"))


@shared_task(acks_late=True, reject_on_worker_lost=True)
def render_notices_task(batch_id):
    """Render one batch of notification letters (LetterBatch id) into its PDF. Routed to the
    'letters' queue; the caller sets a soft time limit that grows with the batch."""
    from voters.letters.services import run_letter_batch

    run_letter_batch(batch_id)


@shared_task(acks_late=True)
def import_voter_list_task(batch_id):
    """Import an uploaded TPS list (ImportBatch id)."""
    from voters.lists.services import run_import_batch

    run_import_batch(batch_id)


@shared_task(acks_late=True)
def import_reference_dpt_task(batch_id):
    """Load an uploaded reference DPT (ImportBatch id)."""
    from voters.lists.services import run_import_batch

    run_import_batch(batch_id)


@shared_task(acks_late=True)
def import_dapil_task(batch_id):
    """Import an uploaded dapil table (ImportBatch id)."""
    from voters.lists.services import run_import_batch

    run_import_batch(batch_id)


@shared_task(acks_late=True)
def sweep_transient_files_task():
    """Expire unconfirmed roster previews and delete stale uploads and exports (ids: none)."""
    from voters.retention import sweep_transient_files

    return sweep_transient_files()


@shared_task(acks_late=True)
def staff_preview_task(batch_id):
    """Read and compare an uploaded staff roster and store its preview (ImportBatch id)."""
    from voters.inmates.staff import run_staff_preview

    run_staff_preview(batch_id)


@shared_task(acks_late=True)
def staff_import_task(batch_id):
    """Replace the staff roster with a confirmed upload (ImportBatch id)."""
    from voters.inmates.staff import run_staff_import

    run_staff_import(batch_id)
