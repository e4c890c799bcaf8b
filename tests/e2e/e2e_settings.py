"""Settings of the application while a journey drives it: the project's own settings, with one
difference. Every Redis key of the journey's jobs starts with E2E_KEY_PREFIX, so that the
journey's worker never takes the jobs of another journey or another test run on the same Redis,
and theirs never take its jobs."""

import os

from tpskhusus.settings import *  # noqa: F403
from tpskhusus.settings import CELERY_BROKER_TRANSPORT_OPTIONS

CELERY_BROKER_TRANSPORT_OPTIONS = {
    **CELERY_BROKER_TRANSPORT_OPTIONS,
    "global_keyprefix": os.environ.get("E2E_KEY_PREFIX", ""),
}
