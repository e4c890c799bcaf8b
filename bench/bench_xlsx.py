"""Time write_xlsx on a reconciliation-sized export (bench/README.md, "XLSX exports").

Rows shaped like the reconciliation export (the RECONCILIATION layout's 11 columns, a date of
birth, NIK as text), 1,909 of them as in bench_reconcile's 700k run; best of N rounds.

    .venv/bin/python bench/bench_xlsx.py [--rows 1909] [--rounds 5] [--module PATH]

--module times the write_xlsx of another copy of voters/core/spreadsheets.py (e.g. an older
commit's, from `git show <commit>:voters/core/spreadsheets.py`); --iso-dates hands it ISO text
instead of dates, as the reconciliation exports did before issue 17.
"""

import argparse
import datetime as dt
import importlib.util
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

HEADER = ["kategori", "no_registrasi", "nik", "nama", "tanggal_lahir", "jenis_kelamin",
          "daftar", "tps", "surat_suara", "alasan", "tindakan"]
TEXT = ["nik", "no_registrasi", "tps"]


def rows(count: int, iso: bool) -> list[list]:
    rng = random.Random(17)
    out = []
    for n in range(count):
        birth = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(20000))
        out.append([
            rng.choice(["TERDAFTAR", "USUL_DPTB", "KELUAR", "PERLU_PERIKSA"]), f"B.{n:05d}",
            f"3316{rng.randrange(10**12):012d}", f"NAMA WARGA BINAAN {n} BIN SESEORANG",
            birth.isoformat() if iso else birth, rng.choice("LP"), rng.choice(["DPT", ""]),
            "901", "GUB;BUP", "cocok dengan DPT pada NIK, nama dan tanggal lahir", "",
        ])
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1909)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--module", default="")
    parser.add_argument("--iso-dates", action="store_true")
    args = parser.parse_args()
    if args.module:
        spec = importlib.util.spec_from_file_location("spreadsheets_under_test", args.module)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    else:
        from voters.core import spreadsheets as module
    data = rows(args.rows, args.iso_dates)
    module.write_xlsx(Path(tempfile.gettempdir()) / "bench_xlsx_warm.xlsx", HEADER, data[:10],
                      text_columns=TEXT)  # openpyxl's import is not what is timed
    times = []
    with tempfile.TemporaryDirectory() as folder:
        for n in range(args.rounds):
            start = time.perf_counter()
            module.write_xlsx(Path(folder) / f"r{n}.xlsx", HEADER, data, text_columns=TEXT)
            times.append(time.perf_counter() - start)
    print(f"{args.rows} rows: best {min(times):.3f} s, all {', '.join(f'{t:.3f}' for t in times)}")


if __name__ == "__main__":
    main()
