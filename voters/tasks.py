"""Celery tasks: thin wrappers, ids in, one service call each (STYLE.md)."""

import logging

from celery import shared_task

from .models import ImportBatch

logger = logging.getLogger(__name__)

JOB_MODELS_FOR_SWEEP = [ImportBatch]


def register_for_sweep(model):
    if model not in JOB_MODELS_FOR_SWEEP:
        JOB_MODELS_FOR_SWEEP.append(model)


@shared_task(acks_late=True)
def sweep_stale_jobs_task():
    """Report jobs whose worker died as failed, so none stays 'running' forever."""
    swept = sum(model.sweep_stale() for model in JOB_MODELS_FOR_SWEEP)
    if swept:
        logger.warning("marked %s stale job(s) as failed", swept)
    return swept


@shared_task(acks_late=True)
def import_inmates_task(batch_id):
    """Import a confirmed roster upload (ImportBatch id)."""
    from .services.inmates import run_roster_batch

    run_roster_batch(batch_id)
