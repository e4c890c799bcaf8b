import gc

from voters.lists import services as lists
from voters.management.base import ContractCommand
from voters.models import ImportBatch
from voters.readers.cells import FileRejected


class Command(ContractCommand):
    help = (
        "Muat DPT kabupaten/kota (DPT rujukan) dari berkas KPU (.csv atau .xlsx), menggantikan "
        "DPT rujukan pemilihan itu. Satu baris salah membuat seluruh berkas ditolak. Contoh: "
        "import_reference_dpt dpt_blora.csv --election PILKADA2024"
    )
    # The system checks import every URLconf and view and check every model: 0.15 s of a
    # start-up that counts against a regency load (bench/README.md); `manage.py check` runs them.
    requires_system_checks = []
    expected_errors = (
        *ContractCommand.expected_errors,
        lists.ImportRejected,
        lists.NotFound,
        FileRejected,
    )

    def run_from_argv(self, argv):
        # Only from the command line (call_command does not come here), when the process is
        # about to end: frozen objects are left out of the interpreter's final collections,
        # which otherwise walk every object Django created (0.2 s of the run, bench/README.md).
        # run_from_argv has closed the database connections already.
        try:
            super().run_from_argv(argv)
        finally:
            gc.freeze()

    def add_arguments(self, parser):
        parser.add_argument("file", help="berkas .csv atau .xlsx dari KPU")
        parser.add_argument("--election", required=True, help="kode pemilihan, mis. PILKADA2024")

    def handle(self, *args, **o):
        outcome = lists.import_from_command(
            kind=ImportBatch.Kind.REFERENCE_DPT, path=o["file"], election_code=o["election"]
        )
        self.stdout.write(outcome.message)
