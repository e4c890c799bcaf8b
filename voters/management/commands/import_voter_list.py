from voters.management.base import ListImportCommand
from voters.models import ImportBatch, ListKind


class Command(ListImportCommand):
    help = (
        "Impor DPT, DPTb atau DPK satu TPS dari berkas KPU (.csv atau .xlsx). Daftar yang ada "
        "diganti utuh; satu baris salah membuat seluruh berkas ditolak. Contoh: "
        "import_voter_list dpt_901.csv --election PILKADA2024 --tps 901 --kind DPT"
    )
    kind = ImportBatch.Kind.VOTER_LIST

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--tps", required=True, help="nomor TPS, mis. 901")
        parser.add_argument(
            "--kind", required=True, type=str.upper, choices=ListKind.values, help="DPT|DPTB|DPK"
        )

    def target(self, options):
        return {"tps_number": options["tps"], "list_kind": options["kind"]}
