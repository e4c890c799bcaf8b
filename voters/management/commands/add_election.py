from voters.core.setup import upsert_election
from voters.management.base import ContractCommand, iso_date


class Command(ContractCommand):
    help = (
        "Tambah atau perbarui pemilihan. Contoh: add_election PILKADA2024 --name "
        '"Pemilihan Serentak 2024" --type pilkada --polling-date 2024-11-27 --region 33.16'
    )

    def add_arguments(self, parser):
        parser.add_argument("code")
        parser.add_argument("--name", required=True)
        parser.add_argument("--type", required=True, choices=["pilkada", "pemilu"])
        parser.add_argument("--polling-date", required=True, type=iso_date)
        parser.add_argument("--region", required=True)
        parser.add_argument("--races", default="", help="mis. GUB,BUP (kosong = semua)")
        parser.add_argument(
            "--dpt-date", type=iso_date, default=None,
            help="hari KPU menetapkan DPT (YYYY-MM-DD); tanpa ini DPT dianggap sudah ditetapkan",
        )

    def handle(self, *args, **o):
        out = upsert_election(
            code=o["code"],
            name=o["name"],
            kind=o["type"],
            polling_date=o["polling_date"],
            region=o["region"],
            races=o["races"],
            dpt_date=o["dpt_date"],
        )
        e = out.obj
        self.stdout.write(
            f"Pemilihan {e.code} ({e.kind}, {e.polling_date:%Y-%m-%d}, wilayah {e.region_code}, "
            f"kontestasi {','.join(e.race_list)}"
            + (f", penetapan DPT {e.dpt_date:%Y-%m-%d}" if e.dpt_date else "")
            + f") {out.verb}."
        )
