"""Generate a realistic, deterministic reference DPT of Kabupaten Blora (33.16) as CSV or XLSX.

    python bench/gen_reference_dpt.py [--rows 700000] [--format csv|xlsx] [-o bench/out/...]

The file looks like a KPU kabupaten export opened and saved in Excel with an Indonesian locale:
UTF-8 with a BOM, semicolons, CRLF, a header with KPU's own labels (some of them unknown to us,
such as NO and USIA), NIKs as text. Every person is invented. Of the NIKs, about 88% are full and
valid, 10% are masked KPU-style (``331601**********``) and 2% are blank, too short or written as a
spreadsheet number; those are all importable (CONTRACT.md), so the file has no row errors.
Regions are the real kecamatan and desa of Blora (voters/data/wilayah), so region lookups behave
as they would on a real file. The same ``--rows`` and ``--seed`` always give the same bytes.
"""

import argparse
import csv
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WILAYAH = ROOT / "voters" / "data" / "wilayah" / "wilayah_2025.csv"
HEADER = [
    "NO", "NKK", "NIK", "NAMA", "TEMPAT LAHIR", "TANGGAL LAHIR", "USIA", "STATUS PERKAWINAN",
    "JENIS KELAMIN", "ALAMAT", "RT", "RW", "DISABILITAS", "KETERANGAN", "KELURAHAN",
    "KECAMATAN", "KODE WILAYAH", "TPS",
]  # fmt: skip
MEN = [
    "AHMAD",
    "BAMBANG",
    "BUDI",
    "DWI",
    "EKO",
    "FAJAR",
    "GUNAWAN",
    "HADI",
    "IRFAN",
    "JOKO",
    "KUSNO",
    "LILIK",
    "MUHAMMAD",
    "NUR",
    "PRASETYO",
    "RUDI",
    "SLAMET",
    "SUGENG",
    "SUPARMAN",
    "SUTRISNO",
    "TEGUH",
    "WAHYU",
    "YUDI",
    "AGUS",
    "ARIF",
    "BAYU",
    "DIDIK",
    "HERU",
    "IMAM",
    "KASMIN",
    "MUJI",
    "PARNO",
    "RAHMAT",
    "SAIFUL",
    "SUKARNO",
    "SUNARTO",
    "SUPRIYADI",
    "TARMUJI",
    "WARSITO",
]
WOMEN = [
    "AMINAH",
    "DEWI",
    "ENDANG",
    "FITRI",
    "HARTINI",
    "INDAH",
    "KARTINI",
    "LESTARI",
    "MARYATI",
    "NING",
    "PARTINAH",
    "RATNA",
    "SITI",
    "SRI",
    "SUMARNI",
    "SUPARTI",
    "TUMINAH",
    "WARTINI",
    "YULI",
    "ANI",
    "ASTUTI",
    "DWI",
    "ERNA",
    "HANIK",
    "KASIH",
    "MURNI",
    "NUR",
    "RINI",
    "SUNARSIH",
    "SUTINAH",
    "TRI",
    "UMI",
    "WIWIK",
    "YATMI",
]
FAMILY = [
    "SANTOSO",
    "WIBOWO",
    "SETIAWAN",
    "SUSANTO",
    "HIDAYAT",
    "PURNOMO",
    "RAHAYU",
    "HANDAYANI",
    "WULANDARI",
    "SAPUTRA",
    "NUGROHO",
    "KURNIAWAN",
    "PRATAMA",
    "LESTARI",
    "SURYANI",
    "MULYONO",
    "SUPRIYANTO",
    "WIDODO",
    "HARYANTO",
    "SUBAGYO",
    "BIN",
    "SUKIMAN",
    "BINTI",
    "SUPARNO",
    "SUDARSO",
    "RIYANTO",
    "MARGONO",
    "SUWARNO",
]
BIRTHPLACES = ("BLORA", "BLORA", "BLORA", "CEPU", "REMBANG", "GROBOGAN", "BOJONEGORO", "PATI")
STREETS = ("DUKUH", "DUSUN", "JL.", "JL. RAYA", "KP.")
MARITAL = ("B", "S", "S", "S", "P")
DISABILITY = ("1", "2", "3", "4", "5", "6")
KETERANGAN = ("", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "B", "U")


def blora_regions():
    districts, villages = {}, {}
    with WILAYAH.open(encoding="utf-8") as handle:
        for code, name in csv.reader(handle):
            if code.startswith("33.16."):
                if code.count(".") == 2:
                    districts[code] = name.upper()
                elif code.count(".") == 3:
                    villages.setdefault(code[:8], []).append((code, name.upper()))
    return [(code, districts[code], villages[code]) for code in sorted(districts)]


def person(rng, number, regions):
    district_code, district, villages = regions[rng.randrange(len(regions))]
    village_code, village = villages[rng.randrange(len(villages))]
    woman = rng.random() < 0.51
    first = rng.choice(WOMEN if woman else MEN)
    name = f"{first} {rng.choice(FAMILY)}" if rng.random() < 0.8 else first
    year = rng.randint(1940, 2007)
    month = rng.randint(1, 12)
    day = rng.randint(1, 28)
    kec = district_code[6:8]
    issued = f"33{rng.choice(('16', '16', '16', '16', '16', '16', '17', '18', '21'))}"
    dd = day + (40 if woman else 0)
    nik = f"{issued}{kec}{dd:02d}{month:02d}{year % 100:02d}{rng.randint(1, 9999):04d}"
    roll = rng.random()
    if roll < 0.10:
        nik = nik[:6] + "*" * 10
    elif roll < 0.11:
        nik = ""
    elif roll < 0.115:
        nik = nik[:15]
    elif roll < 0.12:
        nik = f"{float(nik):.4E}".replace(".", ",")  # "3,3160E+15" from a spreadsheet
    recorded = f"{rng.randint(1, 28):02d}{rng.randint(1, 12):02d}{rng.randint(5, 23):02d}"
    nkk = f"3316{kec}{recorded}{rng.randint(1, 9999):04d}"
    if rng.random() < 0.3:
        birth = f"{day:02d}/{month:02d}/{year}"
    else:
        birth = f"{day:02d}-{month:02d}-{year}"
    street = rng.choice(STREETS)
    family = rng.choice(FAMILY)
    house = f" NO. {rng.randint(1, 120)}" if street.startswith("JL") else ""
    address = f"{street} {family}{house}"
    marital = rng.choice(MARITAL) if year < 2000 else "B"
    return [
        str(number), nkk, nik, name, rng.choice(BIRTHPLACES), birth, str(2024 - year), marital,
        "P" if woman else "L", address, f"{rng.randint(1, 12):03d}", f"{rng.randint(1, 6):03d}",
        rng.choice(DISABILITY) if rng.random() < 0.015 else "", rng.choice(KETERANGAN),
        village, district, village_code, f"{rng.randint(1, 25):03d}",
    ]  # fmt: skip


def rows(count, seed):
    rng = random.Random(seed)
    regions = blora_regions()
    for number in range(1, count + 1):
        yield person(rng, number, regions)


def write_csv(path, count, seed):
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, delimiter=";", lineterminator="\r\n")
        writer.writerow(HEADER)
        writer.writerows(rows(count, seed))


def write_xlsx(path, count, seed):
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("DPT")
    sheet.append(["DAFTAR PEMILIH TETAP KABUPATEN BLORA"])
    sheet.append([])
    sheet.append(HEADER)
    for row in rows(count, seed):
        sheet.append(row)
    workbook.save(path)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=700_000)
    parser.add_argument("--seed", type=int, default=3316)
    parser.add_argument("--format", choices=("csv", "xlsx"), default="csv")
    parser.add_argument("-o", "--output", type=Path)
    args = parser.parse_args(argv)
    output = args.output or ROOT / "bench" / "out" / f"dpt_blora_{args.rows}.{args.format}"
    output.parent.mkdir(parents=True, exist_ok=True)
    (write_csv if args.format == "csv" else write_xlsx)(output, args.rows, args.seed)
    print(output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
