"""Synthetic inmates for the demo, imported through the real SDP import path."""

import csv
import random
import tempfile
from datetime import timedelta
from pathlib import Path

from voters.inmates.services import import_inmates
from voters.rules import wilayah

FIRST_L = [
    "AGUS",
    "BUDI",
    "SLAMET",
    "JOKO",
    "SUPRIYANTO",
    "EKO",
    "BAMBANG",
    "HERU",
    "ARIF",
    "DWI",
    "TEGUH",
    "SUGENG",
    "WAHYU",
    "RUDI",
    "ANDI",
    "MUHAMMAD",
    "AHMAD",
    "YUSUF",
    "SUKARNO",
    "HARYANTO",
    "DANANG",
    "FAJAR",
    "RIZKY",
    "SAIFUL",
    "NUR",
]
FIRST_P = ["SRI", "SITI", "DEWI", "RINA", "KARTINI", "ENDANG", "WULAN", "YULI", "LESTARI"]
# Surnames by sex, the same number of each, so that the random draws (and so the demo's figures)
# do not depend on the sex drawn.
LAST_L = [
    "SANTOSO",
    "PRASETYO",
    "WIBOWO",
    "SETIAWAN",
    "HIDAYAT",
    "SAPUTRO",
    "NUGROHO",
    "UTOMO",
    "KURNIAWAN",
    "HARTONO",
    "SUSANTO",
    "FIRMANSYAH",
    "PURNOMO",
    "HANDOKO",
    "SUPRAPTO",
    "",
]
LAST_P = [
    "RAHMAWATI",
    "LESTARI",
    "WULANDARI",
    "PUSPITASARI",
    "HANDAYANI",
    "ANGGRAENI",
    "KUSUMAWATI",
    "SETYANINGSIH",
    "PRATIWI",
    "SUSANTI",
    "MULYANI",
    "YULIANTI",
    "PURWANTI",
    "SUGIARTI",
    "WAHYUNI",
    "",
]
# Blora kecamatan codes, and a few addresses elsewhere (Jawa Tengah and beyond).
BLORA_KEC = [f"33.16.{n:02d}" for n in range(1, 17)]
ELSEWHERE = ["33.17.01", "33.18.02", "33.74.01", "35.22.01", "35.22.05", "31.71.01"]
REGISTERS = ["A.I", "A.II", "A.III", "A.III", "B.I", "B.I", "B.IIa", "B.IIb", "B.III"]


def _birthplace(region):
    """The regency or city of the address, as an SDP export writes a birthplace: 'BLORA',
    'SEMARANG', 'JAKARTA PUSAT'."""
    name = wilayah.name(wilayah.regency_of(region)) or "BLORA"
    for prefix in ("Kabupaten ", "Kota Administrasi ", "Kota "):
        name = name.removeprefix(prefix)
    return name.upper()


def nik_of(region, birth, sex, serial):
    """An invented NIK of the right shape: the kecamatan, the birth date (day + 40 for a
    woman) and a serial (DOMAIN.md, NIK structure)."""
    day = birth.day + (40 if sex == "P" else 0)
    return f"{region.replace('.', '')[:6]}{day:02d}{birth:%m%y}{serial:04d}"


def _nik(rng, region, birth, sex):
    return nik_of(region, birth, sex, rng.randint(1, 9999))


def rows(count, today, polling, seed=2024):
    rng = random.Random(seed)
    for n in range(1, count + 1):
        sex = "P" if rng.random() < 0.08 else "L"
        first = rng.choice(FIRST_P if sex == "P" else FIRST_L)
        name = f"{first} {rng.choice(LAST_P if sex == 'P' else LAST_L)}".strip()
        age = rng.randint(18, 62) if n > 3 else 16
        birth = today - timedelta(days=age * 365 + rng.randint(0, 364))
        region = rng.choice(BLORA_KEC) if rng.random() < 0.85 else rng.choice(ELSEWHERE)
        register = rng.choice(REGISTERS)
        admitted = today - timedelta(days=rng.randint(1, 700))
        released = None
        expected = None
        exit_kind = ""
        roll = rng.random()
        if roll < 0.12:
            released = admitted + timedelta(days=rng.randint(1, max(1, (today - admitted).days)))
            exit_kind = rng.choice(["bebas", "bebas", "mutasi"])
        elif roll < 0.22:
            expected = polling - timedelta(days=rng.randint(0, 20))
        elif roll < 0.6:
            expected = polling + timedelta(days=rng.randint(1, 900))
        nik_roll = rng.random()
        nik = _nik(rng, region, birth, sex)
        if nik_roll < 0.10:
            nik = ""
        elif nik_roll < 0.14:
            nik = nik[:15]
        elif nik_roll < 0.17:
            nik = "'" + nik
        yield {
            "No. Registrasi": f"{register.replace('.', '')}.{n:04d}/{admitted.year}",
            "Golongan": register,
            "Nama Lengkap": name,
            "NIK": nik,
            "NKK": _nik(rng, region, birth, "L")[:6] + f"{rng.randint(1, 28):02d}"
            f"{rng.randint(1, 12):02d}{rng.randint(5, 23):02d}{rng.randint(1, 9999):04d}",
            "Tempat Lahir": _birthplace(region),
            "Tgl. Lahir": birth.strftime("%d-%m-%Y"),
            "L/P": sex,
            "Status Kawin": "Belum Kawin"
            if age < 17
            else rng.choice(["Kawin", "Belum Kawin", "Cerai Hidup"]),
            "Alamat KTP": f"DUSUN {rng.randint(1, 9)} RT {rng.randint(1, 9):03d}/RW "
            f"{rng.randint(1, 5):03d}",
            "Kode Wilayah KTP": region,
            "Tgl Masuk": admitted.strftime("%d-%m-%Y"),
            "Tanggal Ekspirasi": expected.strftime("%d-%m-%Y") if expected else "",
            "Tgl Keluar": released.strftime("%d-%m-%Y") if released else "",
            "Alasan Keluar": exit_kind,
            "Hak Pilih Dicabut": "Y" if n == 7 else "",
            "Anggota TNI Polri": "Y" if n == 11 else "",
            "Blok Hunian": rng.choice("ABCDE"),
            "Catatan": "",
        }


def populate(*, facility, election, count):
    from django.utils import timezone

    today = timezone.localdate()
    data = list(rows(count, today, election.polling_date))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "sdp_demo.csv"
        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(data[0]), delimiter=";")
            writer.writeheader()
            writer.writerows(data)
        _plan, summary = import_inmates(path=path, facility=facility)
    return f"{summary['rows']} WBP ({summary['new']} baru)"
