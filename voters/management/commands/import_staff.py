from voters.core.setup import facility_by_code
from voters.core.uploads import ImportRejected
from voters.inmates import staff
from voters.management.base import ContractCommand


class Command(ContractCommand):
    help = (
        "Impor daftar petugas UPT (kolom nik, nama, tanggal_lahir, jenis_kelamin; nip dan jabatan "
        "boleh ada). Daftar lama UPT itu diganti utuh. Contoh: import_staff petugas.xlsx "
        "--facility RUTAN-BLORA"
    )
    expected_errors = (*ContractCommand.expected_errors, ImportRejected)

    def add_arguments(self, parser):
        parser.add_argument("file", help="berkas .csv atau .xlsx")
        parser.add_argument("--facility", required=True, help="kode UPT, mis. RUTAN-BLORA")

    def handle(self, *args, **o):
        facility = facility_by_code(o["facility"])
        outcome = staff.import_staff(path=o["file"], facility=facility)
        self.stdout.write(outcome.message)
