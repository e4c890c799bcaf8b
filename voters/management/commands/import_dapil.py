from voters.management.base import ListImportCommand
from voters.models import ImportBatch


class Command(ListImportCommand):
    help = (
        "Impor tabel daerah pemilihan (dapil) sebuah Pemilu: kolom kontestasi (DPR, DPRD_PROV, "
        "DPRD_KAB), dapil dan kode_wilayah. Tabel lama pemilihan itu diganti utuh. Contoh: "
        "import_dapil dapil.csv --election PEMILU2024"
    )
    kind = ImportBatch.Kind.DAPIL
    file_help = "berkas .csv atau .xlsx"
    election_help = "kode pemilihan, mis. PEMILU2024"
