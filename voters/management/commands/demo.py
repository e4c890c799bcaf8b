"""Realistic synthetic data for one rutan, so that a newcomer can explore at once."""

from datetime import timedelta

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from voters import demo
from voters.core.setup import upsert_election, upsert_facility, upsert_tps, upsert_user

DEMO_PASSWORD = "tpskhusus-demo"  # noqa: S105 - synthetic demo accounts, printed on purpose

USERS = [
    ("admin", "admin", "", "Admin Sistem", "Rutan Kelas IIB Blora"),
    ("operator", "operator", "", "Tri Murcahyono", "Rutan Kelas IIB Blora"),
    ("kpps901", "kpps", "901", "Annisa Rahmawati", "KPPS TPS 901"),
    ("kpu", "kpu", "", "Dwi Astuti", "KPU Kabupaten Blora"),
    ("bawaslu", "observer", "", "Slamet Riyadi", "Bawaslu Kabupaten Blora"),
]


class Command(BaseCommand):
    help = (
        "Isi data contoh (sintetis) untuk Rutan Kelas IIB Blora: Pilkada dengan TPS 901, "
        "ratusan WBP dan akun untuk setiap peran. Aman dijalankan berulang."
    )

    def add_arguments(self, parser):
        parser.add_argument("--inmates", type=int, default=300)
        parser.add_argument(
            "--polling-in-days", type=int, default=21, help="hari pemungutan = hari ini + N hari"
        )

    @transaction.atomic
    def handle(self, *args, **o):
        today = timezone.localdate()
        facility = upsert_facility(
            code="RUTAN-BLORA",
            name="Rutan Kelas IIB Blora",
            region="33.16",
            address="Jl. Pemuda No. 1, Blora",
            head_name="Budi Hardiono",
        ).obj
        polling_date = today + timedelta(days=o["polling_in_days"])
        election = upsert_election(
            code="PILKADA-DEMO",
            name=f"Pemilihan Gubernur dan Bupati {polling_date.year} (data demo)",
            kind="pilkada",
            polling_date=polling_date,
            region="33.16",
        ).obj
        upsert_tps(
            election_code=election.code,
            facility_code=facility.code,
            number="901",
            address="Aula Rutan Kelas IIB Blora",
        )
        for username, role, tps, name, institution in USERS:
            upsert_user(
                username=username,
                role=role,
                facility_code=facility.code,
                tps_number=tps,
                password=DEMO_PASSWORD,
                full_name=name,
                institution=institution,
            )
        extra = demo.populate(facility=facility, election=election, count=o["inmates"])
        self.stdout.write(
            f"Data demo siap: {facility.name}, {election.code} (pemungutan "
            f"{election.polling_date:%d-%m-%Y}), TPS 901{extra}. Akun: "
            + ", ".join(u[0] for u in USERS)
            + f"; kata sandi semuanya '{DEMO_PASSWORD}'."
        )
