import json

from django.core.management.base import CommandError

from voters.management.base import (
    ContractCommand,
    add_election_and_facility,
    election_and_facility,
    iso_date,
)
from voters.reconciliation.services import ReconciliationBusy, change_rows, reconcile


class Command(ContractCommand):
    help = ("Jalankan rekonsiliasi WBP terhadap daftar KPU (pekerjaan yang sama dengan halaman "
            "dan jadwal malam), tunggu selesai, cetak jumlah per kategori.")

    def add_arguments(self, parser):
        add_election_and_facility(parser)
        parser.add_argument("--today", type=iso_date, default=None,
                            help="tanggal acuan tenggat (YYYY-MM-DD), bawaan: hari ini")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **o):
        election, facility = election_and_facility(o)
        try:
            run = reconcile(election=election, facility=facility, today=o["today"])
        except ReconciliationBusy as exc:
            raise CommandError("Rekonsiliasi lain untuk pemilihan dan UPT ini sedang berjalan; "
                               "coba lagi nanti.") from exc
        if run.status != run.Status.DONE:
            raise CommandError(f"Rekonsiliasi gagal: {run.error}")
        if o["json"]:
            self.stdout.write(json.dumps({
                "categories": run.counts, "run": run.pk, "election": election.code,
                "facility": facility.code, "today": run.today.isoformat(),
                "total": sum(run.counts.values()), "inputs": run.inputs,
                "changes": [{key: row[key] for key in ("no_registrasi", "nik", "from", "to")}
                            for row in change_rows(run)],
            }, ensure_ascii=False))
        else:
            summary = ", ".join(f"{k}={v}" for k, v in run.counts.items())
            self.stdout.write(f"Rekonsiliasi {election.code} {facility.code} "
                              f"({run.today:%Y-%m-%d}): {summary}.")
