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


def add_election_and_facility(parser):
    """The --election and --facility codes a reconciliation command requires."""
    parser.add_argument("--election", required=True)
    parser.add_argument("--facility", required=True)


def election_of(options):
    """The election named by --election, or a CommandError that says it does not exist."""
    from voters.models import Election

    election = Election.objects.filter(code=options["election"]).first()
    if election is None:
        raise CommandError(f"Pemilihan '{options['election']}' belum ada.")
    return election


def election_and_facility(options):
    """The election and the facility named by --election and --facility, or a CommandError
    that says which one does not exist."""
    from voters.models import Facility

    election = election_of(options)
    facility = Facility.objects.filter(code=options["facility"]).first()
    if facility is None:
        raise CommandError(f"UPT '{options['facility']}' belum ada.")
    return election, facility


class ListImportCommand(ContractCommand):
    """A KPU file imported as one job run in this process (lists.services.import_from_command):
    the file and the election's code, plus what ``target`` adds from the command's own
    options; prints the outcome's line."""

    kind = ""  # the ImportBatch.Kind
    file_help = "berkas .csv atau .xlsx dari KPU"
    election_help = "kode pemilihan, mis. PILKADA2024"

    @property
    def expected_errors(self):
        # Imported here, not with this module: the other commands start without the lists.
        from voters.lists.services import ImportRejected, NotFound
        from voters.readers.cells import FileRejected

        return (*ContractCommand.expected_errors, ImportRejected, NotFound, FileRejected)

    def add_arguments(self, parser):
        parser.add_argument("file", help=self.file_help)
        parser.add_argument("--election", required=True, help=self.election_help)

    def target(self, options):
        """More of import_from_command's arguments, from the command's own options."""
        return {}

    def handle(self, *args, **o):
        from voters.lists.services import import_from_command

        outcome = import_from_command(
            kind=self.kind, path=o["file"], election_code=o["election"], **self.target(o)
        )
        self.stdout.write(outcome.message)
