"""Generate a province's reference DPT (every kabupaten/kota of it) as one streamed CSV.

    python bench/gen_scale_dpt.py --rows 10000000 [--province 33] [-o bench/out/...]

The province mode of bench/gen_reference_dpt.py: the same KPU export shape (UTF-8 with a BOM,
semicolons, CRLF, KPU's header labels, 88 % full NIKs, 10 % masked, 2 % blank, short or written
as a spreadsheet number, two date styles, no row errors), the same invented names, but people
live in every kecamatan and desa of the province (voters/data/wilayah), and each NIK and KK
carries the person's own kabupaten/kota code (9 % of NIKs were issued in a neighbouring one).
Rows are written as they are made, so memory stays flat at any size; 10 million rows are
about 1.3 GB. The same arguments always give the same bytes.
"""

import argparse
import csv
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gen_reference_dpt import (  # noqa: E402 - the Blora generator's vocabulary
    BIRTHPLACES,
    DISABILITY,
    FAMILY,
    HEADER,
    KETERANGAN,
    MARITAL,
    MEN,
    ROOT,
    STREETS,
    WILAYAH,
    WOMEN,
)


def province_regions(province):
    """[(regency digits, kecamatan code, kecamatan name, [(desa code, desa name)])]."""
    districts, villages = {}, {}
    with WILAYAH.open(encoding="utf-8") as handle:
        for code, name in csv.reader(handle):
            if not code.startswith(f"{province}."):
                continue
            if code.count(".") == 2:
                districts[code] = name.upper()
            elif code.count(".") == 3:
                villages.setdefault(code[:8], []).append((code, name.upper()))
    return [(code[:5].replace(".", ""), code, districts[code], villages[code])
            for code in sorted(districts) if code in villages]


def rows(count, seed, province):
    rng = random.Random(seed)
    regions = province_regions(province)
    regencies = sorted({r[0] for r in regions})
    randrange, random_, choice, randint = rng.randrange, rng.random, rng.choice, rng.randint
    for number in range(1, count + 1):
        regency, district_code, district, villages = regions[randrange(len(regions))]
        village_code, village = villages[randrange(len(villages))]
        woman = random_() < 0.51
        first = choice(WOMEN if woman else MEN)
        name = f"{first} {choice(FAMILY)}" if random_() < 0.8 else first
        year, month, day = randint(1940, 2007), randint(1, 12), randint(1, 28)
        kec = district_code[6:8]
        issued = regency if random_() < 0.91 else choice(regencies)
        nik = f"{issued}{kec}{day + (40 if woman else 0):02d}{month:02d}{year % 100:02d}" \
              f"{randint(1, 9999):04d}"
        roll = random_()
        if roll < 0.10:
            nik = nik[:6] + "*" * 10
        elif roll < 0.11:
            nik = ""
        elif roll < 0.115:
            nik = nik[:15]
        elif roll < 0.12:
            nik = f"{float(nik):.4E}".replace(".", ",")
        nkk = f"{regency}{kec}{randint(1, 28):02d}{randint(1, 12):02d}{randint(5, 23):02d}" \
              f"{randint(1, 9999):04d}"
        sep = "/" if random_() < 0.3 else "-"
        birth = f"{day:02d}{sep}{month:02d}{sep}{year}"
        street = choice(STREETS)
        house = f" NO. {randint(1, 120)}" if street.startswith("JL") else ""
        yield [
            str(number), nkk, nik, name, choice(BIRTHPLACES), birth, str(2024 - year),
            choice(MARITAL) if year < 2000 else "B", "P" if woman else "L",
            f"{street} {choice(FAMILY)}{house}", f"{randint(1, 12):03d}", f"{randint(1, 6):03d}",
            choice(DISABILITY) if random_() < 0.015 else "", choice(KETERANGAN),
            village, district, village_code, f"{randint(1, 40):03d}",
        ]  # fmt: skip


def write_csv(path, count, seed, province, extra=()):
    """Write the file; ``extra`` rows (lists in HEADER's order) are appended, numbered on."""
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, delimiter=";", lineterminator="\r\n")
        writer.writerow(HEADER)
        writer.writerows(rows(count, seed, province))
        for number, row in enumerate(extra, start=count + 1):
            writer.writerow([str(number), *row[1:]])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--seed", type=int, default=33)
    parser.add_argument("--province", default="33", help="two-digit province code (33 Jateng)")
    parser.add_argument("-o", "--output", type=Path)
    args = parser.parse_args(argv)
    output = args.output or ROOT / "bench" / "out" / f"dpt_prov{args.province}_{args.rows}.csv"
    output.parent.mkdir(parents=True, exist_ok=True)
    write_csv(output, args.rows, args.seed, args.province)
    print(output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
