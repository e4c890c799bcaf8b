import json

from django.core.management.base import CommandError

from voters.management.base import ContractCommand, iso_date
from voters.models import Election, Facility
from voters.reconciliation.services import ReconciliationBusy, change_rows, reconcile


class Command(ContractCommand):
    help = ("Jalankan rekonsiliasi WBP terhadap daftar KPU (pekerjaan yang sama dengan halaman "
            "dan jadwal malam), tunggu selesai, cetak jumlah per kategori.")

    def add_arguments(self, parser):
        parser.add_argument("--election", required=True)
        parser.add_argument("--facility", required=True)
        parser.add_argument("--today", type=iso_date, default=None,
                            help="tanggal acuan tenggat (YYYY-MM-DD), bawaan: hari ini")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **o):
        election = Election.objects.filter(code=o["election"]).first()
        if election is None:
            raise CommandError(f"Pemilihan '{o['election']}' belum ada.")
        facility = Facility.objects.filter(code=o["facility"]).first()
        if facility is None:
            raise CommandError(f"UPT '{o['facility']}' belum ada.")
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
