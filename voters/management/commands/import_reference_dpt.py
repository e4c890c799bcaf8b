import gc

from voters.management.base import ListImportCommand
from voters.models import ImportBatch


class Command(ListImportCommand):
    help = (
        "Muat DPT kabupaten/kota (DPT rujukan) dari berkas KPU (.csv atau .xlsx), menggantikan "
        "DPT rujukan pemilihan itu. Satu baris salah membuat seluruh berkas ditolak. Contoh: "
        "import_reference_dpt dpt_blora.csv --election PILKADA2024"
    )
    # The system checks import every URLconf and view and check every model: 0.15 s of a
    # start-up that counts against a regency load (bench/README.md); `manage.py check` runs them.
    requires_system_checks = []
    kind = ImportBatch.Kind.REFERENCE_DPT

    def run_from_argv(self, argv):
        # Only from the command line (call_command does not come here), when the process is
        # about to end: frozen objects are left out of the interpreter's final collections,
        # which otherwise walk every object Django created (0.2 s of the run, bench/README.md).
        # run_from_argv has closed the database connections already.
        try:
            super().run_from_argv(argv)
        finally:
            gc.freeze()
