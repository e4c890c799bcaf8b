from collections import Counter
from pathlib import Path

from django.core.management.base import CommandError

from voters.core.setup import SetupError
from voters.letters import services as service
from voters.letters.services import LetterError
from voters.management.base import ContractCommand
from voters.models import TPS, Election


class Command(ContractCommand):
    help = (
        "Cetak surat pemberitahuan (Formulir Model C.Pemberitahuan) satu TPS ke satu PDF: satu "
        "halaman setengah A4 per pemilih yang berada di dalam pada hari pemungutan, urut daftar, "
        "dengan tanda terima. Contoh: render_notices --election PILKADA2024 --tps 901 "
        "-o surat.pdf [--block A]"
    )
    expected_errors = (SetupError, LetterError)

    def add_arguments(self, parser):
        parser.add_argument("--election", required=True, help="kode pemilihan")
        parser.add_argument("--tps", required=True, help="nomor TPS")
        parser.add_argument("-o", "--output", required=True, help="berkas PDF tujuan")
        parser.add_argument("--block", default="", help="hanya satu blok hunian")

    def handle(self, *args, **o):
        election = Election.objects.filter(code=o["election"]).first()
        if election is None:
            raise CommandError(f"Pemilihan '{o['election']}' tidak ada.")
        tps = (
            TPS.objects.filter(election=election, number=o["tps"])
            .select_related("facility", "election")
            .first()
        )
        if tps is None:
            raise CommandError(f"TPS {o['tps']} tidak ada di pemilihan {election.code}.")
        output = Path(o["output"])
        if output.is_dir():
            raise CommandError(f"{output}: ini folder; beri nama berkas PDF.")
        folder = output.parent if str(output.parent) else Path(".")
        if not folder.is_dir():
            raise CommandError(f"{output}: folder {folder} tidak ada.")
        written = service.write_notices(tps=tps, output=output, block=o["block"])
        voters = written.voters
        kinds = Counter(v.list_kind for v in voters)
        by_kind = ", ".join(
            f"{service.LIST_LABELS[k]} {kinds[k]}" for k in service.LIST_ORDER if kinds[k]
        )
        self.stdout.write(
            f"C.Pemberitahuan {written.where} ({election.code}): {len(voters)} surat, "
            f"{written.pages} halaman ({by_kind}) ditulis ke {output}."
        )
