"""A KPU list file's accepted rows, normalised, in batches (CONTRACT.md "KPU list file").

``FIELDS`` is the normalised row in the order of the database columns (after reference_id and
position); ``Batch`` holds a batch of rows as one list of text per field, as every path of
``voters.lists.rows.ListFile`` yields them (the Polars path yields ``fast.FrameBatch``, with the
same interface). Here, not in lists/rows.py, so that fast.py shares it without importing the
module that imports fast.py.

Pure Python: no Django, no database (tests/test_rules.py checks it).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from voters.rules import nik as nik_rules

FIELDS = (
    "nik",
    "nik_format",
    "nkk",
    "nama",
    "tempat_lahir",
    "tanggal_lahir",
    "jenis_kelamin",
    "status_perkawinan",
    "alamat",
    "rt",
    "rw",
    "kelurahan",
    "kecamatan",
    "kode_wilayah",
    "tps",
    "disabilitas",
    "keterangan",
)
_F = {name: index for index, name in enumerate(FIELDS)}
ID_LENGTH = 40  # NIK and KK columns; a longer (invalid) value is cut
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def clean_id(raw: str) -> str:
    """A KK (or NIK) cell as stored: ``nik.clean``, cut to the column's ``ID_LENGTH``."""
    return nik_rules.clean(raw)[:ID_LENGTH]


@dataclass
class Batch:
    """Accepted rows of the file: ``row_numbers`` (as a spreadsheet shows them) and one list of
    text per field of ``FIELDS``. ``tanggal_lahir`` is ISO text; ``disabilitas`` is '' or '1'-'6'.
    """

    row_numbers: list[int]
    columns: list[Sequence[str]]

    def __len__(self) -> int:
        return len(self.row_numbers)

    def column(self, name: str) -> list[str]:
        return self.columns[_F[name]]

    def records(self) -> Iterator[dict[str, Any]]:
        """Rows as model field values (dates as ``date``, disabilitas as int or None)."""
        dates: dict[str, date] = {}
        for row_number, values in zip(
            self.row_numbers, zip(*self.columns, strict=True), strict=True
        ):
            record = dict(zip(FIELDS, values, strict=True))
            born = record["tanggal_lahir"]
            record["tanggal_lahir"] = dates.get(born) or dates.setdefault(
                born, date.fromisoformat(born)
            )
            record["disabilitas"] = int(record["disabilitas"]) if record["disabilitas"] else None
            record["row_number"] = row_number
            yield record

    def copy_text(self, first_position: int, nik_number: bool = False) -> str:
        """The rows in PostgreSQL COPY text format: the position, then ``FIELDS``, then with
        ``nik_number`` the NIK as a number (``ReferenceEntry.nik_angka``: 16 digits, else
        NULL). Values are escaped only when a batch needs it (a backslash, tab or line break
        inside a value), which a clean batch never does."""
        count = len(self.row_numbers)
        if not count:
            return ""
        columns = list(self.columns)
        disabilities = columns[_F["disabilitas"]]
        columns[_F["disabilitas"]] = [value or "\\N" for value in disabilities]
        nulls = disabilities.count("")
        raw = {_F["disabilitas"]}
        if nik_number:
            numbers = [
                nik if len(nik) == 16 and nik.isascii() and nik.isdigit() else "\\N"
                for nik in columns[_F["nik"]]
            ]
            raw.add(len(columns))
            columns.append(numbers)
            nulls += numbers.count("\\N")
        positions = map(str, range(first_position, first_position + count))
        text = "\n".join(map("\t".join, zip(positions, *columns, strict=True))) + "\n"
        if (
            text.count("\t") != count * len(columns)
            or text.count("\n") != count
            or "\r" in text
            or text.count("\\") != nulls
        ):
            escaped = [
                column if index in raw else [value.translate(_COPY_ESCAPES) for value in column]
                for index, column in enumerate(columns)
            ]
            positions = map(str, range(first_position, first_position + count))
            text = "\n".join(map("\t".join, zip(positions, *escaped, strict=True))) + "\n"
        return text
