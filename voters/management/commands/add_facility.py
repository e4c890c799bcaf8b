from voters.core.setup import upsert_facility
from voters.management.base import ContractCommand
from voters.models import Facility


class Command(ContractCommand):
    help = (
        "Tambah atau perbarui UPT (Rutan/Lapas). Contoh: add_facility RUTAN-BLORA "
        '--name "Rutan Kelas IIB Blora" --region 33.16'
    )

    def add_arguments(self, parser):
        parser.add_argument("code")
        parser.add_argument("--name", required=True)
        parser.add_argument("--region", required=True, help="kode wilayah Kemendagri")
        parser.add_argument("--kind", default=Facility.Kind.RUTAN, choices=Facility.Kind.values)
        parser.add_argument("--address", default="")
        parser.add_argument("--head", default="", help="nama kepala UPT")

    def handle(self, *args, **o):
        out = upsert_facility(
            code=o["code"],
            name=o["name"],
            region=o["region"],
            kind=o["kind"],
            address=o["address"],
            head_name=o["head"],
        )
        f = out.obj
        self.stdout.write(f"UPT {f.code} ({f.name}, wilayah {f.region_code}) {out.verb}.")
