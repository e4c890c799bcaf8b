"""The files the journeys upload, built the way prisons and KPU offices make them: an SDP roster
in XLSX with a title above messy headers, date cells next to text dates and NIKs typed with an
apostrophe or too short; a KPU DPT in CSV with a BOM, semicolons and a title line. Every person
is invented; the same people appear in the roster and on the DPT, as they would in Blora."""

import csv
import datetime as dt
import io
from dataclasses import dataclass

from openpyxl import Workbook

TPS = "901"


@dataclass(frozen=True)
class Person:
    no_registrasi: str
    nama: str
    born: dt.date
    sex: str
    blok: str
    register: str
    nik: str  # as typed in the SDP (may be blank, short or start with an apostrophe)
    masuk: dt.date
    bebas: dt.date | None = None
    keluar: dt.date | None = None
    on_dpt: bool = True  # KPU lists them at TPS 901
    dpt_nik: str | None = None  # what the DPT prints instead of the NIK (masked, or another)

    @property
    def clean_nik(self):
        return self.nik.lstrip("'")


FIRST = [
    "AGUS",
    "BUDI",
    "SLAMET",
    "JOKO",
    "EKO",
    "BAMBANG",
    "HERU",
    "ARIF",
    "TEGUH",
    "SUGENG",
    "WAHYU",
    "RUDI",
    "ANDI",
    "YUSUF",
    "DANANG",
    "FAJAR",
    "RIZKY",
    "SAIFUL",
    "HARYANTO",
    "SUPRIYANTO",
    "MUHAMMAD",
    "AHMAD",
    "DWI",
    "NUR",
    "SRI",
    "SITI",
    "DEWI",
    "ENDANG",
]
LAST = [
    "SANTOSO",
    "PRASETYO",
    "WIBOWO",
    "SETIAWAN",
    "HIDAYAT",
    "SAPUTRO",
    "NUGROHO",
    "UTOMO",
    "KURNIAWAN",
    "SUSANTO",
    "FIRMANSYAH",
    "PURNOMO",
    "HANDOKO",
    "SUPRAPTO",
]


def nik_of(born, sex, serial, region="331601"):
    day = born.day + (40 if sex == "P" else 0)
    return f"{region}{day:02d}{born:%m%y}{serial:04d}"


def people(today, polling):
    """30 inmates of Rutan Blora: most on the DPT of TPS 901, and the awkward cases."""
    found = []
    for n in range(30):
        sex = "P" if n in (24, 25, 26, 27) else "L"
        first = FIRST[n % len(FIRST)]
        name = f"{first} {LAST[(n * 5) % len(LAST)]}"
        born = dt.date(1970 + (n * 7) % 35, 1 + n % 12, 1 + (n * 3) % 27)
        nik = nik_of(born, sex, 100 + n)
        extra = {}
        if n in (3, 17, 22):  # no NIK in the SDP: Dukcapil must record them
            nik, extra["on_dpt"] = "", False
        elif n == 9:  # a digit lost when the cell was a number
            nik, extra["on_dpt"] = nik[:15], False
        elif n == 12:  # typed with an apostrophe to keep it text
            nik = "'" + nik
        elif n == 5:  # KPU hands out the DPT with this NIK masked: a person decides
            extra["dpt_nik"] = nik[:6] + "*" * 10
        elif n == 20:  # a convict released three days before polling day (a detainee's
            # tanggal_bebas is only the end of a detention order: CONTRACT.md, second version)
            extra["bebas"] = polling - dt.timedelta(days=3)
        elif n == 28:  # new arrival, not on the DPT yet
            extra["on_dpt"] = False
        found.append(
            Person(
                no_registrasi=f"{'AIII' if n % 3 and n != 20 else 'BI'}.{n + 1:03d}/{today.year}",
                nama=name,
                born=born,
                sex=sex,
                blok="ABCD"[n % 4],
                register="A.III" if n % 3 and n != 20 else "B.I",
                nik=nik,
                masuk=today - dt.timedelta(days=30 + 11 * n),
                **extra,
            )
        )
    return found


def roster_xlsx(persons):
    """An SDP export: a title, a blank line, then headers as the SDP prints them."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Data WBP"
    sheet.append(["DATA WARGA BINAAN RUTAN KELAS IIB BLORA"])
    sheet.append([])
    sheet.append(
        [
            "No. Registrasi",
            "Nama Lengkap",
            "NIK",
            "Tempat Lahir",
            "Tgl. Lahir",
            "L/P",
            "Golongan",
            "Alamat KTP",
            "Kode Wilayah KTP",
            "Tgl Masuk",
            "Tanggal Ekspirasi",
            "Tgl Keluar",
            "Blok Hunian",
            "Catatan",
        ]
    )
    for i, p in enumerate(persons):
        born = p.born if i % 2 else p.born.strftime("%d-%m-%Y")  # date cells and text dates
        sheet.append(
            [
                p.no_registrasi,
                p.nama.title() if i % 5 == 0 else p.nama,
                p.nik,
                "BLORA",
                born,
                p.sex,
                p.register,
                f"DUSUN KRAJAN RT 00{1 + i % 5}/RW 002",
                "33.16.01",
                p.masuk.strftime("%d/%m/%Y"),
                p.bebas or "",
                p.keluar or "",
                p.blok,
                "",
            ]
        )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def dpt_csv(persons, *, unknown=True):
    """The DPT of TPS 901 as KPU sends it: BOM, semicolons, a title line, DD-MM-YYYY dates."""
    out = io.StringIO()
    out.write("DAFTAR PEMILIH TETAP TPS 901 LOKASI KHUSUS RUTAN BLORA\n")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(
        [
            "NO",
            "NKK",
            "NIK",
            "NAMA",
            "TEMPAT LAHIR",
            "TGL LAHIR",
            "KAWIN",
            "L/P",
            "ALAMAT",
            "RT",
            "RW",
            "DISABILITAS",
            "KET",
            "KEL/DESA",
            "KECAMATAN",
            "TPS",
        ]
    )
    rows = [(p.dpt_nik or p.clean_nik, p.nama, p.born, p.sex) for p in persons if p.on_dpt]
    if unknown:  # on the list, never seen at the rutan
        rows.append(("3316054503690007", "WAGIYEM", dt.date(1969, 3, 5), "P"))
    for number, (nik, nama, born, sex) in enumerate(rows, start=1):
        writer.writerow(
            [
                number,
                "",
                nik,
                nama,
                "BLORA",
                born.strftime("%d-%m-%Y"),
                "S",
                sex,
                "DUSUN KRAJAN",
                "001",
                "002",
                "",
                "",
                "TAMBAHREJO",
                "BLORA",
                TPS,
            ]
        )
    return ("\ufeff" + out.getvalue()).encode("utf-8")
