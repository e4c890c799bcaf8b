from voters.core.setup import upsert_tps
from voters.management.base import ContractCommand


class Command(ContractCommand):
    help = "Tambah atau perbarui TPS di UPT. Contoh: add_tps PILKADA2024 RUTAN-BLORA 901"

    def add_arguments(self, parser):
        parser.add_argument("election")
        parser.add_argument("facility")
        parser.add_argument("number")
        parser.add_argument("--capacity", type=int, default=None)
        parser.add_argument("--address", default="")
        parser.add_argument(
            "--ksk", action="store_true", default=None,
            help="TPS di luar UPT yang melayani penghuninya dengan kotak suara keliling",
        )

    def handle(self, *args, **o):
        out = upsert_tps(
            election_code=o["election"],
            facility_code=o["facility"],
            number=o["number"],
            capacity=o["capacity"],
            address=o["address"],
            ksk=o["ksk"],
        )
        t = out.obj
        self.stdout.write(
            f"TPS {t.number} {t.election.code} di {t.facility.code} "
            f"(kapasitas {t.capacity}{', kotak suara keliling' if t.ksk else ''}) {out.verb}."
        )
