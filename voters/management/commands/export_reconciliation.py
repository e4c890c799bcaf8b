from pathlib import Path

from django.core.management.base import CommandError

from voters.management.base import ContractCommand, iso_date
from voters.models import Election, Facility
from voters.reconciliation.exports import EXPORTS, write_export
from voters.reconciliation.services import ReconciliationBusy, reconcile


class Command(ContractCommand):
    help = ("Ekspor hasil rekonsiliasi (CSV atau XLSX). Rekonsiliasi dijalankan lebih dulu bila "
            "data berubah; NIK ditulis lengkap (perintah berjalan sebagai sistem).")

    def add_arguments(self, parser):
        parser.add_argument("--election", required=True)
        parser.add_argument("--facility", required=True)
        parser.add_argument("--format", required=True, choices=["csv", "xlsx"])
        parser.add_argument("-o", "--output", required=True)
        parser.add_argument("--today", type=iso_date, default=None)
        parser.add_argument("--kind", default="rekonsiliasi", choices=sorted(EXPORTS),
                            help="jenis ekspor (bawaan: rekonsiliasi)")

    def handle(self, *args, **o):
        election = Election.objects.filter(code=o["election"]).first()
        if election is None:
            raise CommandError(f"Pemilihan '{o['election']}' belum ada.")
        facility = Facility.objects.filter(code=o["facility"]).first()
        if facility is None:
            raise CommandError(f"UPT '{o['facility']}' belum ada.")
        output = Path(o["output"])
        if not output.parent.exists():
            raise CommandError(f"Folder {output.parent} tidak ada.")
        try:
            run = reconcile(election=election, facility=facility, today=o["today"])
        except ReconciliationBusy as exc:
            raise CommandError("Rekonsiliasi lain sedang berjalan; coba lagi nanti.") from exc
        if run.status != run.Status.DONE:
            raise CommandError(f"Rekonsiliasi gagal: {run.error}")
        tmp = output.with_name(f".{output.name}.tmp")
        try:
            count = write_export(run=run, kind=o["kind"], fmt=o["format"], path=tmp)
            tmp.replace(output)
        finally:
            tmp.unlink(missing_ok=True)
        self.stdout.write(f"Ekspor {o['kind']} {election.code} {facility.code}: {count} baris "
                          f"ditulis ke {output}.")
