"""Polres Blora's cells for the demo (issue 16, seed 002): a second facility of the regency.

KPU Blora met the Rutan and the Polres together and proposed a mobile ballot box (KSK) from the
nearest TPS for the police cells. This step adds the Polres with its hand-kept roster (police
register numbers, text dates, the contract's column names), TPS 005 outside it registered with
``--ksk``, its detainees on TPS 005's DPTb, and a few of them passed on to the Rutan (tahap II):
so the regency page has two facilities, moves between them and one data error to show. It also
adds the regency's KPU liaison and Bawaslu observer (``add_user --region 33.16``) and the KPPS
of TPS 005. Everything goes through the real import paths; every person is invented.

A step after the Rutan's lists and before its reconciliation, which then sees the newcomers on
TPS 005's list (voters/demo/__init__.py).
"""

import datetime as dt
import tempfile

from django.utils import timezone

from voters.core.setup import upsert_facility, upsert_tps, upsert_user
from voters.demo.lists import write_csv
from voters.demo.roster import nik_of
from voters.models import TPS, Inmate

CODE = "POLRES-BLORA"
TPS_NUMBER = "005"
ACCOUNTS = [
    # (username, role, facility, tps, region, name, institution)
    ("kpps005", "kpps", CODE, TPS_NUMBER, None, "Yuli Lestari", "KPPS TPS 005 (KSK Polres)"),
    ("kpukab", "kpu", None, "", "33.16", "Dwi Astuti", "KPU Kabupaten Blora"),
    ("bawaslukab", "observer", None, "", "33.16", "Slamet Riyadi", "Bawaslu Kabupaten Blora"),
]
# (name, sex, birth date, kecamatan, days inside, moved to the Rutan days ago or None)
DETAINEES = [
    ("AGUS SETIAWAN", "L", dt.date(1990, 5, 15), "33.16.03", 30, 4),
    ("BAYU PRATAMA", "L", dt.date(1998, 2, 3), "33.16.08", 26, 2),
    ("SRI WAHYUNI", "P", dt.date(1987, 9, 21), "33.16.05", 24, 1),
    ("HENDRO SUSILO", "L", dt.date(1979, 12, 1), "33.16.01", 20, None),
    ("MUHAMMAD RIFAI", "L", dt.date(2001, 7, 9), "33.16.11", 15, None),
    ("TEGUH WIDODO", "L", dt.date(1984, 3, 30), "33.16.14", 12, None),
    ("ANDI KURNIAWAN", "L", dt.date(1995, 11, 11), "33.16.06", 9, None),
    ("JOKO SUSANTO", "L", dt.date(1976, 6, 6), "33.16.08", 6, None),
    ("RUDI HARTONO", "L", dt.date(1992, 8, 18), "33.16.02", 4, None),
]
# The person the Polres roster still shows inside though the Rutan admitted them: a data error.
STILL_LISTED = "HENDRO SUSILO"
HEADER = ["No", "no_registrasi", "nama", "nik", "tempat_lahir", "tanggal_lahir",
          "jenis_kelamin", "register", "kode_wilayah", "tanggal_masuk", "tanggal_keluar",
          "jenis_keluar", "keterangan"]  # fmt: skip
LIST_HEADER = ["NO", "NIK", "NAMA", "TEMPAT LAHIR", "TANGGAL LAHIR", "STATUS PERKAWINAN",
               "JENIS KELAMIN", "ALAMAT", "RT", "RW", "KETERANGAN", "TPS"]  # fmt: skip


def populate(*, facility, election, count):
    from voters.inmates.services import import_inmates
    from voters.lists.services import import_voter_list
    from voters.management.commands.demo import DEMO_PASSWORD
    from voters.reconciliation.services import reconcile

    polres = upsert_facility(code=CODE, name="Rumah Tahanan Polres Blora", region="33.16",
                             kind="polres", address="Jl. Alun-Alun Utara No. 1, Blora").obj
    upsert_tps(election_code=election.code, facility_code=CODE, number=TPS_NUMBER, ksk=True,
               address="Balai Kelurahan Kauman, Blora (KSK ke sel Polres Blora)")
    for username, role, code, tps, region, name, institution in ACCOUNTS:
        upsert_user(username=username, role=role, facility_code=code, tps_number=tps,
                    region=region, password=DEMO_PASSWORD, full_name=name,
                    institution=institution)
    if Inmate.objects.filter(facility=polres).exists():
        return ""
    today = timezone.localdate()
    polres_rows, rutan_rows, dptb = [], [], []
    for serial, (name, sex, born, region, days, moved) in enumerate(DETAINEES, start=1):
        number = nik_of(region, born, sex, serial)
        admitted = today - dt.timedelta(days=days)
        left = today - dt.timedelta(days=moved) if moved else None
        polres_rows.append([
            serial, f"T/{serial:03d}/{admitted:%m/%Y}/Reskrim", name, f"'{number}", "Blora",
            born.strftime("%d-%m-%Y"), sex, "Tahanan Penyidik", region,
            admitted.strftime("%d-%m-%Y"), left.strftime("%d-%m-%Y") if left else "",
            "Dilimpahkan ke Rutan Blora (Tahap II)" if left else "", "Pasal 363 KUHP",
        ])  # fmt: skip
        dptb.append([serial, number, name, "BLORA", born.strftime("%d-%m-%Y"), "B", sex,
                     f"DUSUN {serial} RT {serial:03d}/RW 002", "", "", "", TPS_NUMBER])
        if left or name == STILL_LISTED:
            arrived = left or today - dt.timedelta(days=3)
            rutan_rows.append([
                serial, f"AII.{serial:04d}/{arrived.year}", name, number, "BLORA",
                born.strftime("%d-%m-%Y"), sex, "A.II", region, arrived.strftime("%d-%m-%Y"),
                "", "", "Pelimpahan dari Polres Blora",
            ])  # fmt: skip
    tps = TPS.objects.get(election=election, number=TPS_NUMBER)
    with tempfile.TemporaryDirectory() as folder:
        import_inmates(path=write_csv(folder, "tahanan_polres.csv", polres_rows, HEADER),
                       facility=polres)
        import_inmates(path=write_csv(folder, "pelimpahan_polres.csv", rutan_rows, HEADER),
                       facility=facility)
        import_voter_list(path=write_csv(folder, "dptb_005.csv", dptb, LIST_HEADER),
                          election=election, tps=tps, kind="DPTB")
    reconcile(election=election, facility=polres, trigger="command")
    moved = sum(1 for d in DETAINEES if d[5])
    return (f"{polres.name}: {len(polres_rows)} tahanan, {moved} dilimpahkan ke rutan, "
            f"TPS {TPS_NUMBER} (KSK); akun {', '.join(a[0] for a in ACCOUNTS)}")
