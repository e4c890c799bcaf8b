"""A synthetic staff roster for the demo (every officer is invented), imported through the real
import path (``import_staff``): four officers of the rutan, the first ``ON_THE_DPT`` of whom the
lists' step puts on TPS 901's DPT, so that a newcomer sees them as PETUGAS in the reconciliation
and finds their letters among the inmates'."""

import csv
import tempfile
from pathlib import Path

from voters.inmates.staff import import_staff

HEADER = ["NIK", "Nama Pegawai", "Tgl Lahir", "JK", "NIP", "Jabatan"]
OFFICERS = [
    ["3316010404860901", "Andi Kurniawan", "04-04-1986", "L", "198604042010011001",
     "Kepala Kesatuan Pengamanan Rutan"],
    ["3316015908910902", "Rini Astuti", "19-08-1991", "P", "199108192015032002",
     "Petugas Registrasi"],
    ["3316010202790903", "Heru Santoso", "02-02-1979", "L", "197902022005011003",
     "Regu Pengamanan"],
    ["3316014711880904", "Yuli Handayani", "07-11-1988", "P", "", "Petugas Layanan Kunjungan"],
]  # fmt: skip
ON_THE_DPT = 2


def populate(*, facility, election, count):
    """Import the roster (the same file every time: a second run changes nothing)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "petugas_demo.csv"
        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle, delimiter=";")
            writer.writerow(HEADER)
            writer.writerows(OFFICERS)
        outcome = import_staff(path=path, facility=facility)
    return f"{outcome.rows} petugas UPT"
