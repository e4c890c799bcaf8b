from pathlib import Path

from django.core.management.base import CommandError

from voters.inmates.services import ImportRejected, import_inmates
from voters.management.base import ContractCommand
from voters.models import Facility


class Command(ContractCommand):
    help = (
        "Impor data WBP (ekspor SDP, .csv atau .xlsx) ke roster UPT. Orang yang tidak ada di "
        "berkas tidak diubah. Semua atau tidak sama sekali."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--facility", required=True)

    def handle(self, *args, **o):
        path = Path(o["file"])
        if not path.is_file():
            raise CommandError(f"Berkas {path} tidak ditemukan.")
        facility = Facility.objects.filter(code=o["facility"]).first()
        if facility is None:
            raise CommandError(f"UPT '{o['facility']}' belum ada (jalankan add_facility dulu).")
        try:
            plan, s = import_inmates(path=path, facility=facility)
        except ImportRejected as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Impor WBP {plan.file_name} ke {facility.code}: {s['rows']} baris, {s['new']} baru, "
            f"{s['changed']} berubah, {s['unchanged']} tetap, {s['nik_invalid']} NIK tidak sah."
        )
