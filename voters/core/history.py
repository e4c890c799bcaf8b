"""Who-did-it context for the trigger-based history (django-pghistory, PostgreSQL only)."""

import contextlib

import pghistory
from django.conf import settings


def context(**values):
    """Label every row change inside the block with these values (user, command, import id)."""
    if settings.IS_POSTGRES:
        return pghistory.context(**values)
    return contextlib.nullcontext()
