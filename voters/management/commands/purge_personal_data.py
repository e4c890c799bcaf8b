from django.core.management.base import CommandError

from voters.management.base import ContractCommand, iso_date
from voters.models import Election
from voters.retention import PurgeRefused, purge_personal_data


class Command(ContractCommand):
    help = ("Hapus data pribadi (NIK, nomor KK, tanggal lahir, nama) yang lewat masa simpannya: "
            "daftar, DPT rujukan, rekonsiliasi, surat dan register pemilihan yang sudah ditutup "
            "(hari pemungutan + masa simpan pemilihan), WBP yang sudah lama keluar, riwayat "
            "perubahannya dan berkas sementara. Menjalankannya lagi tidak mengubah apa pun.")
    expected_errors = (PurgeRefused,)

    def add_arguments(self, parser):
        which = parser.add_mutually_exclusive_group()
        which.add_argument("--before", type=iso_date, default=None,
                           help="tanggal batas (YYYY-MM-DD, bukan masa depan); bawaan: hari ini")
        which.add_argument("--election", default=None,
                           help="hanya data pemilihan ini (harus sudah lewat masa simpannya)")
        parser.add_argument("--dry-run", action="store_true",
                            help="hitung saja apa yang akan dihapus, tanpa mengubah apa pun")

    def handle(self, *args, **o):
        election = None
        if o["election"]:
            election = Election.objects.filter(code=o["election"]).first()
            if election is None:
                raise CommandError(f"Pemilihan '{o['election']}' belum ada.")
        result = purge_personal_data(cutoff=o["before"], election=election,
                                     dry_run=o["dry_run"])
        prefix = "Uji coba (tidak ada yang diubah): " if o["dry_run"] else ""
        self.stdout.write(prefix + result.summary())
