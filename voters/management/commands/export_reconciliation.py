from pathlib import Path

from django.core.management.base import CommandError

from voters.management.base import (
    ContractCommand,
    election_and_facility,
    election_of,
    iso_date,
)
from voters.reconciliation.exports import EXPORTS
from voters.reconciliation.services import (
    ReconciliationBusy,
    ReconciliationFailed,
    export_region_to_file,
    export_to_file,
)
from voters.rules import wilayah


class Command(ContractCommand):
    help = ("Ekspor hasil rekonsiliasi (CSV atau XLSX) satu UPT (--facility) atau semua UPT "
            "pemilihan itu di satu wilayah (--region, dengan kolom upt). Rekonsiliasi dijalankan "
            "lebih dulu bila data berubah; NIK ditulis lengkap (perintah berjalan sebagai sistem).")

    def add_arguments(self, parser):
        parser.add_argument("--election", required=True)
        scope = parser.add_mutually_exclusive_group(required=True)
        scope.add_argument("--facility", help="kode UPT")
        scope.add_argument("--region", help="kode wilayah, mis. 33.16: semua UPT di wilayah itu")
        parser.add_argument("--format", required=True, choices=["csv", "xlsx"])
        parser.add_argument("-o", "--output", required=True)
        parser.add_argument("--today", type=iso_date, default=None)
        parser.add_argument("--kind", default="rekonsiliasi", choices=sorted(EXPORTS),
                            help="jenis ekspor (bawaan: rekonsiliasi)")

    def handle(self, *args, **o):
        facility = None
        if o["facility"]:
            election, facility = election_and_facility(o)
        else:
            election = election_of(o)
        if facility is None and not wilayah.exists_current(wilayah.normalize_code(o["region"])):
            raise CommandError(f"Kode wilayah '{o['region']}' tidak dikenal (mis. 33.16).")
        output = Path(o["output"])
        if not output.parent.exists():
            raise CommandError(f"Folder {output.parent} tidak ada.")
        try:
            if facility is None:
                count, facilities = export_region_to_file(
                    election=election, region=o["region"], kind=o["kind"], fmt=o["format"],
                    output=output, today=o["today"])
                self.stdout.write(f"Ekspor {o['kind']} {election.code} wilayah {o['region']} "
                                  f"({facilities} UPT): {count} baris ditulis ke {output}.")
                return
            count = export_to_file(election=election, facility=facility, kind=o["kind"],
                                   fmt=o["format"], output=output, today=o["today"])
        except ReconciliationBusy as exc:
            raise CommandError("Rekonsiliasi lain sedang berjalan; coba lagi nanti.") from exc
        except ReconciliationFailed as exc:
            raise CommandError(f"Rekonsiliasi gagal: {exc.run.error}") from exc
        self.stdout.write(f"Ekspor {o['kind']} {election.code} {facility.code}: {count} baris "
                          f"ditulis ke {output}.")
