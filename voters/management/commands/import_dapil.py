from voters.lists import services as lists
from voters.management.base import ContractCommand
from voters.models import ImportBatch
from voters.readers.cells import FileRejected


class Command(ContractCommand):
    help = (
        "Impor tabel daerah pemilihan (dapil) sebuah Pemilu: kolom kontestasi (DPR, DPRD_PROV, "
        "DPRD_KAB), dapil dan kode_wilayah. Tabel lama pemilihan itu diganti utuh. Contoh: "
        "import_dapil dapil.csv --election PEMILU2024"
    )
    expected_errors = (
        *ContractCommand.expected_errors,
        lists.ImportRejected,
        lists.NotFound,
        FileRejected,
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="berkas .csv atau .xlsx")
        parser.add_argument("--election", required=True, help="kode pemilihan, mis. PEMILU2024")

    def handle(self, *args, **o):
        outcome = lists.import_from_command(
            kind=ImportBatch.Kind.DAPIL, path=o["file"], election_code=o["election"]
        )
        self.stdout.write(outcome.message)
