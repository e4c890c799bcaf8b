"""The usual institutions of a rapat koordinasi, as catalogue entries (editable in the admin).

Each facility gets its own copy with the place filled in (services.ensure_institutions).
"""

from django.db import migrations

CATALOGUE = [
    # position, name, short name, kind
    (10, "KPU {wilayah}", "KPU", "penyelenggara"),
    (20, "Bawaslu {wilayah}", "Bawaslu", "pengawas"),
    (30, "{upt}", "", "pemasyarakatan"),
    (40, "Dinas Kependudukan dan Pencatatan Sipil {wilayah}", "Disdukcapil", "dukcapil"),
    (50, "Kepolisian Resor {daerah}", "Polres", "penegak_hukum"),
    (60, "Kejaksaan Negeri {daerah}", "Kejari", "penegak_hukum"),
    (70, "Pengadilan Negeri {daerah}", "PN", "penegak_hukum"),
    (80, "Badan Kesatuan Bangsa dan Politik {wilayah}", "Kesbangpol", "pemda"),
    (90, "Dinas Kesehatan {wilayah}", "Dinkes", "pemda"),
    (100, "Komando Distrik Militer {daerah}", "Kodim", "tni"),
    (110, "Pemerintah {wilayah}", "Pemda", "pemda"),
    (120, "Dinas Komunikasi dan Informatika {wilayah}", "Diskominfo", "pemda"),
    (130, "Satuan Polisi Pamong Praja {wilayah}", "Satpol PP", "pemda"),
    (140, "Badan Penanggulangan Bencana Daerah {wilayah}", "BPBD", "pemda"),
    (150, "KPU Provinsi {provinsi}", "KPU Provinsi", "penyelenggara"),
    (160, "Panitia Pemilihan Kecamatan (PPK)", "PPK", "penyelenggara"),
    (170, "Panitia Pemungutan Suara (PPS)", "PPS", "penyelenggara"),
    (180, "KPPS TPS Lokasi Khusus", "KPPS", "penyelenggara"),
    (190, "Panitia Pengawas Pemilihan Kecamatan", "Panwascam", "pengawas"),
]


def seed(apps, schema_editor):
    Institution = apps.get_model("coordination", "Institution")
    for position, name, short_name, kind in CATALOGUE:
        Institution.objects.get_or_create(
            facility=None,
            name=name,
            defaults={"short_name": short_name, "kind": kind, "position": position},
        )


def unseed(apps, schema_editor):
    Institution = apps.get_model("coordination", "Institution")
    names = [row[1] for row in CATALOGUE]
    Institution.objects.filter(facility=None, name__in=names, copies__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("coordination", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
