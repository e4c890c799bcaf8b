import os
import tempfile
from collections import Counter
from pathlib import Path

from django.core.management.base import CommandError

from voters.core import audit
from voters.core.setup import SetupError
from voters.letters import services as service
from voters.letters.services import LetterError
from voters.management.base import ContractCommand
from voters.models import TPS, AuditEvent, Election


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
        block = o["block"].strip()
        voters = service.recipients(tps)
        if block:
            blocks = service.blocks_of(voters)
            if block not in blocks:
                known = ", ".join(blocks) or "tidak ada"
                raise CommandError(
                    f"Blok '{block}' tidak ada di antara penerima surat TPS {tps.number} "
                    f"(blok yang ada: {known})."
                )
            voters = [v for v in voters if v.blok == block]
        if not voters:
            raise CommandError(
                f"Tidak ada pemilih penerima surat di TPS {tps.number} ({election.code}): "
                "impor daftar pemilih dan data WBP lebih dulu."
            )
        # Written next to the target and renamed, so a failure leaves no half-written file.
        try:
            handle, tmp_name = tempfile.mkstemp(suffix=".pdf", dir=folder)
        except OSError as exc:
            raise CommandError(f"{output}: tidak dapat menulis ({exc.strerror}).") from exc
        os.close(handle)
        tmp = Path(tmp_name)
        try:
            pages = service.render_letters(tps=tps, voters=voters, target=tmp)
            os.replace(tmp, output)
        except OSError as exc:
            raise CommandError(f"{output}: tidak dapat menulis ({exc.strerror}).") from exc
        finally:
            tmp.unlink(missing_ok=True)
        digest = audit.sha256_of_file(output)
        where = f"TPS {tps.number}" + (f" blok {block}" if block else "")
        audit.record(
            AuditEvent.Action.PRINT,
            facility=tps.facility,
            summary=f"Cetak C.Pemberitahuan {where} (perintah): {pages} surat",
            detail={"tps": tps.number, "blok": block, "pemilihan": election.code},
            row_count=pages,
            sha256=digest,
        )
        kinds = Counter(v.list_kind for v in voters)
        by_kind = ", ".join(
            f"{service.LIST_LABELS[k]} {kinds[k]}" for k in service.LIST_ORDER if kinds[k]
        )
        self.stdout.write(
            f"C.Pemberitahuan {where} ({election.code}): {len(voters)} surat, {pages} halaman "
            f"({by_kind}) ditulis ke {output}."
        )
