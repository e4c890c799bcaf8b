"""Synthetic KPU lists for the demo, imported through the real import path: TPS 901's DPT and
DPTb (most demo inmates, a few masked NIKs, two people the rutan does not know, two of its
officers) and a small reference DPT of Blora (some inmates registered at their home TPS, and
invented neighbours).

A step after the roster's and the staff roster's, which create the inmates and officers these
lists are built from, and before the letters', which need the lists (voters/demo/__init__.py)."""

import csv
import datetime as dt
import random
import tempfile
from pathlib import Path

from voters.demo.staff import ON_THE_DPT
from voters.models import TPS, Inmate, StaffMember, VoterList

HEADER = ["NO", "NKK", "NIK", "NAMA", "TEMPAT LAHIR", "TANGGAL LAHIR", "STATUS PERKAWINAN",
          "JENIS KELAMIN", "ALAMAT", "RT", "RW", "DISABILITAS", "KETERANGAN", "KELURAHAN",
          "KECAMATAN", "TPS"]  # fmt: skip
VILLAGES = [("JEPON", "JEPON"), ("BLORA", "BLORA"), ("CEPU", "CEPU"), ("KUNDURAN", "KUNDURAN"),
            ("NGAWEN", "NGAWEN"), ("RANDUBLATUNG", "RANDUBLATUNG")]  # fmt: skip
NEIGHBOURS = ["SUPARMI", "KASMIJAN", "TUMIRAN", "WARSINI", "SUKIMIN", "PARTINAH", "DARMO",
              "SUWARTI", "KARSO", "SAMINAH", "JUMADI", "SRIYATUN"]  # fmt: skip


def _row(number, person, tps, rng, *, masked=False):
    nik = person["nik"]
    if masked and len(nik) == 16:
        nik = nik[:6] + "*" * 10
    village, district = rng.choice(VILLAGES)
    return [
        number, "", nik, person["nama"], person.get("tempat", "BLORA"),
        person["born"].strftime("%d-%m-%Y"), person.get("kawin", "S"), person["sex"],
        person.get("alamat") or "DUKUH KRAJAN", f"{rng.randint(1, 9):03d}",
        f"{rng.randint(1, 5):03d}", "", "", village, district, tps,
    ]  # fmt: skip


def write_csv(folder, name, rows, header=HEADER):
    """A CSV as Excel in an Indonesian locale writes it (semicolons, a BOM), for the demo's
    imports."""
    path = Path(folder) / name
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(header)
        writer.writerows(rows)
    return path


def populate(*, facility, election, count):
    from voters.lists.services import import_reference_dpt, import_voter_list

    tps = TPS.objects.filter(election=election, facility=facility, number="901").first()
    if tps is None or VoterList.objects.filter(tps=tps).exists():
        return ""
    rng = random.Random(901)
    people = [
        {
            "nik": inmate.nik,
            "nama": inmate.nama,
            "born": inmate.tanggal_lahir,
            "sex": inmate.jenis_kelamin,
            "kawin": inmate.status_perkawinan or "B",
            "alamat": inmate.alamat,
            "tempat": inmate.tempat_lahir or "BLORA",
        }
        for inmate in Inmate.objects.filter(facility=facility).order_by("no_registrasi")
    ]
    dpt, dptb, reference = [], [], []
    for person in people:
        roll = rng.random()
        if roll < 0.55:
            dpt.append(_row(len(dpt) + 1, person, "901", rng, masked=rng.random() < 0.1))
        elif roll < 0.62:
            dptb.append(_row(len(dptb) + 1, person, "901", rng))
        elif roll < 0.80 and len(person["nik"]) == 16:
            reference.append(_row(len(reference) + 1, person, f"{rng.randint(1, 25):03d}", rng))
    for nama, born, sex in (("SUTRISNO BIN KARTO", dt.date(1969, 3, 4), "L"),
                            ("WAGIYEM", dt.date(1958, 8, 17), "P")):  # fmt: skip
        day = born.day + (40 if sex == "P" else 0)
        person = {"nik": f"331605{day:02d}{born:%m%y}{rng.randint(1, 9999):04d}", "nama": nama,
                  "born": born, "sex": sex}  # fmt: skip
        dpt.append(_row(len(dpt) + 1, person, "901", rng))
    for index in range(max(60, count)):
        born = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randint(0, 20000))
        sex = rng.choice("LP")
        day = born.day + (40 if sex == "P" else 0)
        person = {
            "nik": f"3316{rng.randint(1, 16):02d}{day:02d}{born:%m%y}{rng.randint(1, 9999):04d}",
            "nama": f"{rng.choice(NEIGHBOURS)} {index + 1}",
            "born": born,
            "sex": sex,
        }
        reference.append(
            _row(
                len(reference) + 1, person, f"{rng.randint(1, 25):03d}", rng, masked=index % 7 == 0
            )
        )
    # Officers last, so that the draws for everyone before them stay those of a roster alone.
    for member in StaffMember.objects.filter(facility=facility).order_by("pk")[:ON_THE_DPT]:
        person = {"nik": member.nik, "nama": member.name.upper(), "born": member.birth_date,
                  "sex": member.sex, "alamat": "ASRAMA PETUGAS RUTAN BLORA"}  # fmt: skip
        dpt.append(_row(len(dpt) + 1, person, "901", rng))
    with tempfile.TemporaryDirectory() as folder:
        for kind, rows in (("DPT", dpt), ("DPTB", dptb)):
            import_voter_list(
                path=write_csv(folder, f"{kind.lower()}_901.csv", rows),
                election=election,
                tps=tps,
                kind=kind,
            )
        import_reference_dpt(path=write_csv(folder, "dpt_blora.csv", reference), election=election)
    return f"DPT {len(dpt)}, DPTb {len(dptb)} dan DPT rujukan {len(reference)} pemilih"
