from voters.lists import services as lists
from voters.management.base import ContractCommand
from voters.models import ImportBatch, ListKind
from voters.readers.cells import FileRejected


class Command(ContractCommand):
    help = (
        "Impor DPT, DPTb atau DPK satu TPS dari berkas KPU (.csv atau .xlsx). Daftar yang ada "
        "diganti utuh; satu baris salah membuat seluruh berkas ditolak. Contoh: "
        "import_voter_list dpt_901.csv --election PILKADA2024 --tps 901 --kind DPT"
    )
    expected_errors = (
        *ContractCommand.expected_errors,
        lists.ImportRejected,
        lists.NotFound,
        FileRejected,
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="berkas .csv atau .xlsx dari KPU")
        parser.add_argument("--election", required=True, help="kode pemilihan, mis. PILKADA2024")
        parser.add_argument("--tps", required=True, help="nomor TPS, mis. 901")
        parser.add_argument(
            "--kind", required=True, type=str.upper, choices=ListKind.values, help="DPT|DPTB|DPK"
        )

    def handle(self, *args, **o):
        outcome = lists.import_from_command(
            kind=ImportBatch.Kind.VOTER_LIST,
            path=o["file"],
            election_code=o["election"],
            tps_number=o["tps"],
            list_kind=o["kind"],
        )
        self.stdout.write(outcome.message)
