from pathlib import Path

from django.core.management.base import CommandError

from voters.management.base import (
    ContractCommand,
    add_election_and_facility,
    election_and_facility,
    iso_date,
)
from voters.reconciliation.exports import EXPORTS
from voters.reconciliation.services import (
    ReconciliationBusy,
    ReconciliationFailed,
    export_to_file,
)


class Command(ContractCommand):
    help = ("Ekspor hasil rekonsiliasi (CSV atau XLSX). Rekonsiliasi dijalankan lebih dulu bila "
            "data berubah; NIK ditulis lengkap (perintah berjalan sebagai sistem).")

    def add_arguments(self, parser):
        add_election_and_facility(parser)
        parser.add_argument("--format", required=True, choices=["csv", "xlsx"])
        parser.add_argument("-o", "--output", required=True)
        parser.add_argument("--today", type=iso_date, default=None)
        parser.add_argument("--kind", default="rekonsiliasi", choices=sorted(EXPORTS),
                            help="jenis ekspor (bawaan: rekonsiliasi)")

    def handle(self, *args, **o):
        election, facility = election_and_facility(o)
        output = Path(o["output"])
        if not output.parent.exists():
            raise CommandError(f"Folder {output.parent} tidak ada.")
        try:
            count = export_to_file(election=election, facility=facility, kind=o["kind"],
                                   fmt=o["format"], output=output, today=o["today"])
        except ReconciliationBusy as exc:
            raise CommandError("Rekonsiliasi lain sedang berjalan; coba lagi nanti.") from exc
        except ReconciliationFailed as exc:
            raise CommandError(f"Rekonsiliasi gagal: {exc.run.error}") from exc
        self.stdout.write(f"Ekspor {o['kind']} {election.code} {facility.code}: {count} baris "
                          f"ditulis ke {output}.")
