"""Shared behaviour of the contract commands: one summary line, errors without tracebacks."""

import datetime as dt
import logging

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from voters.core.logging import redact
from voters.core.setup import SetupError

logger = logging.getLogger("voters.commands")


def iso_date(value):
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"Tanggal '{value}' harus berformat YYYY-MM-DD.") from exc


class ContractCommand(BaseCommand):
    #: exceptions whose message is for the person running the command
    expected_errors = (SetupError,)

    def execute(self, *args, **options):
        try:
            return super().execute(*args, **options)
        except CommandError:
            raise
        except self.expected_errors as exc:
            raise CommandError(str(exc)) from exc
        except DatabaseError as exc:
            if options.get("traceback"):
                raise
            raise CommandError(
                "Galat basis data (sudah menjalankan 'migrate'?): " + redact(str(exc))[:300]
            ) from exc
        except Exception as exc:
            if options.get("traceback"):
                raise
            logger.exception("command %s failed", type(self).__module__)
            raise CommandError(
                f"Kesalahan tak terduga ({type(exc).__name__}): {redact(str(exc))[:300]}. "
                "Jalankan ulang dengan --traceback untuk rinciannya."
            ) from exc
