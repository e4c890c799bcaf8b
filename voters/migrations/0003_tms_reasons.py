from django.db import migrations

# DOMAIN.md §2.1. Codes 9+ are unconfirmed for 2024 (kept editable, marked unconfirmed).
REASONS = [
    ("meninggal", "1", "Meninggal", True),
    ("ganda", "2", "Ganda", True),
    ("di_bawah_umur", "3", "Di bawah umur (belum 17 tahun dan belum pernah kawin)", True),
    ("pindah_domisili", "4", "Pindah domisili", True),
    ("tidak_dikenal", "5", "Tidak dikenal", False),
    ("tni", "6", "Anggota TNI aktif", True),
    ("polri", "7", "Anggota Polri aktif", True),
    ("tps_tidak_sesuai", "8", "TPS tidak sesuai", True),
    ("hak_pilih_dicabut", "9", "Hak pilih dicabut putusan pengadilan", False),
    ("wna", "10", "Bukan WNI (WNA)", False),
    ("tni_polri", "6/7", "Anggota TNI/Polri aktif", True),
]


def seed(apps, schema_editor):
    TMSReason = apps.get_model("voters", "TMSReason")
    for key, code, label, confirmed in REASONS:
        TMSReason.objects.update_or_create(
            key=key, defaults={"code": code, "label": label, "confirmed": confirmed})


class Migration(migrations.Migration):
    dependencies = [("voters", "0002_inmates")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
