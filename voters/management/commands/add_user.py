import sys
from pathlib import Path

from django.core.management.base import CommandError

from voters.core.setup import upsert_user
from voters.management.base import ContractCommand
from voters.models import User


class Command(ContractCommand):
    help = (
        "Tambah atau perbarui pengguna. Contoh: add_user budi --role operator "
        "--facility RUTAN-BLORA --password-file FILE (atau - untuk stdin)"
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=User.Role.values)
        parser.add_argument("--facility", default=None)
        parser.add_argument("--region", default=None,
                            help="kode wilayah (kpu/observer): semua UPT di wilayah ini")
        parser.add_argument("--tps", default="")
        parser.add_argument("--password-file", default=None)
        parser.add_argument("--name", default="", help="nama lengkap")
        parser.add_argument("--institution", default="")

    def handle(self, *args, **o):
        password = None
        if o["password_file"]:
            if o["password_file"] == "-":
                password = sys.stdin.readline().rstrip("\r\n")
            else:
                path = Path(o["password_file"])
                try:
                    password = path.read_text(encoding="utf-8").splitlines()[0].strip()
                except (OSError, IndexError, UnicodeDecodeError) as exc:
                    raise CommandError(f"Berkas kata sandi {path} tidak dapat dibaca.") from exc
        out = upsert_user(
            username=o["username"],
            role=o["role"],
            facility_code=o["facility"],
            tps_number=o["tps"],
            password=password,
            full_name=o["name"],
            institution=o["institution"],
            region=o["region"],
        )
        u = out.obj
        if u.facility:
            scope = u.facility.code
        elif u.region_code:
            scope = f"wilayah {u.region_code}"
        else:
            scope = "semua UPT"
        tps = f", TPS {u.tps_number}" if u.tps_number else ""
        self.stdout.write(f"Pengguna {u.username} ({u.role}, {scope}{tps}) {out.verb}.")
