"""Reading CSV/XLSX files into validated rows (CONTRACT.md "Import commands").

Pure Python: no database, and Django only for the settings of ``XlsxLimits`` when they are
configured. The column specifications are data (``INMATE_COLUMNS``,
``VOTER_LIST_COLUMNS``, ``DAPIL_COLUMNS``); the same reader serves every import.

- ``open_rows`` streams ``(row_number, {canonical_name: raw_value})``. Row numbers are the ones a
  spreadsheet shows. The header row is found among the first rows (exports often carry a title
  above it). A CSV is never read whole; an XLSX first passes ``check_xlsx_archive`` (its
  extent included), then a child process reads it under a memory cap
  (``voters/readers/xlsx_sheet.py``).
- ``read_table`` parses every value and yields ``ParsedRow`` objects with their ``RowError`` list;
  ``collect`` does the same for small files and returns every error at once.
- NIK and KK cells are handed on raw (number cells included) so that ``nik.check`` can judge them:
  a blank or invalid NIK is never a row error.

Messages for users are in Bahasa Indonesia and never show a full NIK.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import functools
import io
import math
import os
import pickle
import re
import signal
import struct
import subprocess
import sys
import zipfile
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from voters.rules import nik, wilayah

HEADER_SCAN_ROWS = 20
MAX_MEMBERS = 100
MAX_UNPACKED = 50 * 1024 * 1024
MAX_RATIO = 100
# Members smaller than this cannot be bombs within the other limits; tiny XML parts of honest
# files often compress better than 100:1.
RATIO_CHECK_MIN_SIZE = 1024 * 1024
CSV_SAMPLE_BYTES = 64 * 1024
CSV_DELIMITERS = (";", ",", "\t", "|")

CSV_EXTENSIONS = frozenset({".csv", ".txt", ".tsv"})
XLSX_EXTENSIONS = frozenset({".xlsx"})
XLS_EXTENSIONS = frozenset({".xls"})

# Sheet extent (SECURITY.md check 31). calamine holds a sheet as a dense rows x columns grid of
# 32-byte cells, from its first to its last cell: one cell at XFD1048576 in a 6 KB file asks for
# 512 GiB. The bounds are settings (XLSX_MAX_COLUMNS, XLSX_MAX_ROWS, XLSX_MAX_CELLS and, for the
# reference DPT, REFERENCE_XLSX_MAX_CELLS); these are the defaults outside Django.
XLSX_MAX_COLUMNS = 200
XLSX_MAX_ROWS = 1_048_576
XLSX_MAX_CELLS = 10_000_000
REFERENCE_XLSX_MAX_CELLS = 40_000_000
# Memory of the process that reads a workbook (UPLOAD_READ_MEMORY_MB, REFERENCE_READ_MEMORY_MB).
READ_MEMORY_MB = 1024
REFERENCE_READ_MEMORY_MB = 3072

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


# Errors


class FileRejected(Exception):
    """The whole file is refused (unreadable, not a table, a missing column, a zip bomb)."""

    def __init__(self, file_name: str, reason: str):
        self.file_name = file_name
        self.reason = reason
        super().__init__(f'Berkas "{file_name}" ditolak: {reason}')


class CellError(ValueError):
    """One value cannot be read; the message is for users."""

    def __init__(self, message: str):
        self.message = message
        super().__init__(message)


class RowError(NamedTuple):
    row_number: int
    column: str
    message: str

    def __str__(self) -> str:
        where = f"baris {self.row_number}"
        if self.column:
            where += f", kolom {self.column}"
        return mask_numbers(f"{where}: {self.message}")


@dataclass
class ParsedRow:
    row_number: int
    values: dict[str, Any]
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


# Showing values in messages

mask_numbers = nik.mask_numbers


def _show(raw: Any, limit: int = 40) -> str:
    if isinstance(raw, float) and math.isfinite(raw) and raw.is_integer():
        text = str(int(raw))
    elif isinstance(raw, dt.date | dt.time):
        text = raw.isoformat()
    else:
        text = str(raw).strip()
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return mask_numbers(text)


# Value parsers: each returns the parsed value, or raises CellError.

_BLANK_MARKS = frozenset({"", "-", "--", "---", "\u2013", "\u2014"})
_BLANK_LEAD = frozenset("-\u2013\u2014\u200b\u200c\u200d\u2060\ufeff")
_INVISIBLE = re.compile(r"[\u200b\u200c\u200d\u2060\ufeff]")
_WHITESPACE = re.compile(r"\s+")


def is_blank(raw: Any) -> bool:
    """None, an empty or whitespace cell, or a lone dash (how exports write 'nothing')."""
    if raw is None:
        return True
    if isinstance(raw, str):
        text = raw.strip()
        if not text:
            return True
        if text[0] not in _BLANK_LEAD:
            return False
        return _WHITESPACE.sub("", _INVISIBLE.sub("", text)) in _BLANK_MARKS
    return isinstance(raw, float) and math.isnan(raw)


def _word_key(raw: Any) -> str:
    """Upper case, no spaces, dots, dashes, underscores or slashes: 'Laki-laki' -> 'LAKILAKI'."""
    return re.sub(r"[\s.\-_/]+", "", _INVISIBLE.sub("", str(raw))).upper()


def _number_text(value: float) -> str:
    if math.isfinite(value) and value.is_integer():
        return str(int(value))
    return repr(value)


def parse_text(raw: Any) -> str:
    """Strip, collapse inner whitespace; number cells lose a trailing '.0' (901.0 -> '901')."""
    if is_blank(raw):
        return ""
    if isinstance(raw, str):
        text = raw.strip()
        if text.isprintable() and "  " not in text:
            return text
        return _WHITESPACE.sub(" ", _INVISIBLE.sub("", text)).strip()
    if isinstance(raw, bool):
        return "TRUE" if raw else "FALSE"
    if isinstance(raw, float):
        return _number_text(raw)
    if isinstance(raw, dt.datetime):
        return raw.isoformat(sep=" ")
    if isinstance(raw, dt.date | dt.time):
        return raw.isoformat()
    return _WHITESPACE.sub(" ", _INVISIBLE.sub("", str(raw))).strip()


def keep_raw(raw: Any) -> Any:
    """NIK/KK cells: handed on as read, for ``nik.check`` (a number cell must stay a number)."""
    return "" if raw is None else raw


_EXCEL_EPOCH = dt.date(1899, 12, 30)
# Serial 61 is 1900-03-01 (the first day after Excel's phantom 1900-02-29); 73415 is 2100-12-31.
_SERIAL_RANGE = (61, 73415)
_YEAR_RANGE = (1900, 2100)
_MONTH_NAMES = {
    "JAN": 1, "JANUARI": 1, "JANUARY": 1,
    "FEB": 2, "PEB": 2, "FEBRUARI": 2, "PEBRUARI": 2, "FEBRUARY": 2,
    "MAR": 3, "MARET": 3, "MARCH": 3,
    "APR": 4, "APRIL": 4,
    "MEI": 5, "MAY": 5,
    "JUN": 6, "JUNI": 6, "JUNE": 6,
    "JUL": 7, "JULI": 7, "JULY": 7,
    "AGU": 8, "AGT": 8, "AGS": 8, "AUG": 8, "AGUSTUS": 8, "AUGUST": 8,
    "SEP": 9, "SEPT": 9, "SEPTEMBER": 9,
    "OKT": 10, "OCT": 10, "OKTOBER": 10, "OCTOBER": 10,
    "NOV": 11, "NOP": 11, "NOVEMBER": 11, "NOPEMBER": 11,
    "DES": 12, "DEC": 12, "DESEMBER": 12, "DECEMBER": 12,
}  # fmt: skip
_DATE_DMY = re.compile(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{2,4})")
_DATE_YMD = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})")
_DATE_WORDS = re.compile(r"(\d{1,2})[\s\-/.]*([A-Za-z]+)[\s\-/.,]*(\d{2,4})")
_TIME_SUFFIX = re.compile(r"[ T]\d{1,2}[:.]\d{2}(?:[:.]\d{2}(?:\.\d+)?)?$")
_ZERO_DATE = re.compile(r"0{1,4}[-/.]0{1,2}[-/.]0{1,4}")


def parse_date(raw: Any) -> dt.date | None:
    """Date cells, Excel serial numbers and DD-MM-YYYY, DD/MM/YYYY, DD.MM.YYYY, YYYY-MM-DD or
    '23 Juni 1974' text. Blank (and a database zero date '0000-00-00') gives None."""
    if is_blank(raw):
        return None
    unreadable = CellError(f'tanggal "{_show(raw)}" tidak dapat dibaca')
    if isinstance(raw, bool):
        raise unreadable
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    if isinstance(raw, int | float):
        if not math.isfinite(raw) or not _SERIAL_RANGE[0] <= raw < _SERIAL_RANGE[1] + 1:
            raise unreadable
        return _EXCEL_EPOCH + dt.timedelta(days=int(raw))
    if not isinstance(raw, str):
        raise unreadable
    text = _WHITESPACE.sub(" ", _INVISIBLE.sub("", raw)).strip()
    text = _TIME_SUFFIX.sub("", text)
    text = re.sub(r"\s*([-/.])\s*", r"\1", text)
    if _ZERO_DATE.fullmatch(text):
        return None
    if match := _DATE_YMD.fullmatch(text):
        year_text, month, day = match[1], int(match[2]), int(match[3])
    elif match := _DATE_DMY.fullmatch(text):
        day, month, year_text = int(match[1]), int(match[2]), match[3]
    elif match := _DATE_WORDS.fullmatch(text):
        day, month, year_text = int(match[1]), _MONTH_NAMES.get(match[2].upper(), 0), match[3]
    else:
        raise unreadable
    if len(year_text) != 4:
        raise CellError(f'tanggal "{_show(raw)}" tidak dapat dibaca (tahun harus 4 angka)')
    year = int(year_text)
    if not _YEAR_RANGE[0] <= year <= _YEAR_RANGE[1]:
        raise unreadable
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise unreadable from None


_SEX = {
    "L": "L", "LK": "L", "LAKI": "L", "LAKILAKI": "L", "LAKI2": "L", "PRIA": "L", "MALE": "L",
    "P": "P", "PR": "P", "PEREMPUAN": "P", "WANITA": "P", "FEMALE": "P",
}  # fmt: skip


def parse_sex(raw: Any) -> str | None:
    """'L' or 'P' (also LK, PR, Laki-laki, Laki Laki, Perempuan, Pria, Wanita); blank -> None."""
    if is_blank(raw):
        return None
    try:
        return _SEX[_word_key(raw)]
    except KeyError:
        raise CellError(f'jenis kelamin "{_show(raw)}" tidak dikenali (isi L atau P)') from None


_MARITAL = {
    "B": "B", "BK": "B", "BELUMKAWIN": "B", "BELUMMENIKAH": "B", "TIDAKKAWIN": "B",
    "S": "S", "K": "S", "SK": "S", "KAWIN": "S", "SUDAHKAWIN": "S", "MENIKAH": "S",
    "SUDAHMENIKAH": "S",
    "P": "P", "PK": "P", "PERNAHKAWIN": "P", "PERNAHMENIKAH": "P", "CERAI": "P", "CH": "P",
    "CM": "P", "CERAIHIDUP": "P", "CERAIMATI": "P", "JANDA": "P", "DUDA": "P",
}  # fmt: skip


def parse_marital(raw: Any) -> str:
    """'B' belum, 'S' sudah, 'P' pernah kawin (also the words); blank -> 'B'."""
    if is_blank(raw):
        return "B"
    try:
        return _MARITAL[_word_key(raw)]
    except KeyError:
        raise CellError(
            f'status perkawinan "{_show(raw)}" tidak dikenali (isi B, S atau P)'
        ) from None


_YES = frozenset({"Y", "YA", "YES", "TRUE", "BENAR", "1"})
_NO = frozenset({"N", "T", "TIDAK", "TDK", "NO", "FALSE", "SALAH", "0"})


def parse_yes_no(raw: Any) -> bool:
    """Y/Ya/1 -> True; N/Tidak/T/0 and blank -> False."""
    if is_blank(raw):
        return False
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, int | float):
        if raw in (0, 1):
            return bool(raw)
    else:
        key = _word_key(re.sub(r"^([01])\.0+$", r"\1", str(raw).strip()))
        if key in _YES:
            return True
        if key in _NO:
            return False
    raise CellError(f'nilai "{_show(raw)}" tidak dikenali (isi Y atau N)')


_CITIZENSHIP = {
    "WNI": "WNI", "INDONESIA": "WNI", "WARGANEGARAINDONESIA": "WNI",
    "WNA": "WNA", "ASING": "WNA", "WARGANEGARAASING": "WNA",
}  # fmt: skip


def parse_citizenship(raw: Any) -> str:
    """'WNI' (the default for blank) or 'WNA'."""
    if is_blank(raw):
        return "WNI"
    try:
        return _CITIZENSHIP[_word_key(raw)]
    except KeyError:
        raise CellError(
            f'kewarganegaraan "{_show(raw)}" tidak dikenali (isi WNI atau WNA)'
        ) from None


EXIT_KINDS = ("bebas", "mutasi", "meninggal", "lainnya")
_EXIT_WORDS = (
    ("meninggal", ("MENINGGAL", "WAFAT", "MATI", "TEWAS")),
    ("mutasi", ("MUTASI", "PINDAH", "DIPINDAH", "PEMINDAHAN")),
    ("bebas", ("BEBAS", "PEMBEBASAN", "BERSYARAT", "ASIMILASI", "PB", "CB", "CMB", "CUTI")),
)


def parse_exit_kind(raw: Any) -> str:
    """'bebas', 'mutasi' (also pindah), 'meninggal' or 'lainnya'; blank -> ''.

    The person has left whatever the reason, so an unknown reason is 'lainnya', never an error.
    """
    if is_blank(raw):
        return ""
    words = re.findall(r"[A-Z]+", str(raw).upper())
    for kind, markers in _EXIT_WORDS:
        if any(word.startswith(marker) for word in words for marker in markers):
            return kind
    return "lainnya"


REGISTER_CLASSES = ("A.I", "A.II", "A.III", "A.IV", "A.V", "B.I", "B.IIa", "B.IIb", "B.III")
_REGISTER_KEYS = {_word_key(name): name for name in REGISTER_CLASSES} | {
    "A1": "A.I", "A2": "A.II", "A3": "A.III", "A4": "A.IV", "A5": "A.V",
    "B1": "B.I", "B2A": "B.IIa", "B2B": "B.IIb", "B3": "B.III",
}  # fmt: skip


def parse_register(raw: Any) -> str:
    """Canonical register class ('BIIa', 'B IIa' -> 'B.IIa'); other classes ('B.IIIs', 'SH',
    'MATI') are kept as written, never an error."""
    text = parse_text(raw)
    return _REGISTER_KEYS.get(_word_key(text), text)


def parse_region(raw: Any) -> str:
    """Kemendagri code in dotted form ('3316092012' -> '33.16.09.2012'); blank -> ''."""
    if is_blank(raw):
        return ""
    code = wilayah.normalize_code(raw.strip() if isinstance(raw, str) else raw)
    if not code:
        raise CellError(f'kode wilayah "{_show(raw)}" tidak dikenali')
    return code


_DISABILITY_WORDS = (
    (1, "FISIK"),
    (2, "INTELEKTUAL"),
    (3, "MENTAL"),
    (4, "WICARA"),
    (5, "RUNGU"),
    (6, "NETRA"),
)


def parse_disability(raw: Any) -> int | None:
    """KPU disability code 1-6 (also '1 - Fisik' or the name: Fisik, Intelektual, Mental, Wicara,
    Rungu, Netra); blank or 0 -> None."""
    if is_blank(raw):
        return None
    number = -1
    if isinstance(raw, bool):
        pass
    elif isinstance(raw, int | float):
        if math.isfinite(raw) and float(raw).is_integer():
            number = int(raw)
    else:
        text = parse_text(raw).upper()
        if match := re.fullmatch(r"(\d+)(?:\.0+)?(?:\s*[-.:)]?\s*[^\d\s].*)?", text):
            number = int(match[1])
        else:
            number = next((code for code, word in _DISABILITY_WORDS if word in text), -1)
    if number == 0:
        return None
    if 1 <= number <= 6:
        return number
    raise CellError(f'kode disabilitas "{_show(raw)}" tidak dikenali (isi 1-6 atau kosongkan)')


def parse_tps(raw: Any) -> str:
    """TPS number as text without leading zeros: '901', 901.0, 'TPS 901', 'TPS 0901' -> '901'."""
    if is_blank(raw):
        return ""
    text = parse_text(raw)
    match = re.fullmatch(r"(?:TPS)?\s*(?:NO\.?|NOMOR)?\s*[.:#-]?\s*0*(\d+)", text, re.IGNORECASE)
    if not match:
        raise CellError(f'nomor TPS "{_show(raw)}" tidak dikenali')
    return match[1]


CONTESTS = ("DPR", "DPRD_PROV", "DPRD_KAB")
_CONTEST_KEYS = {
    "DPR": "DPR", "DPRRI": "DPR",
    "DPRDPROV": "DPRD_PROV", "DPRDPROVINSI": "DPRD_PROV", "DPRDI": "DPRD_PROV",
    "DPRDKAB": "DPRD_KAB", "DPRDKABKOTA": "DPRD_KAB", "DPRDKABUPATEN": "DPRD_KAB",
    "DPRDKABUPATENKOTA": "DPRD_KAB", "DPRDKOTA": "DPRD_KAB", "DPRDKABKO": "DPRD_KAB",
    "DPRDII": "DPRD_KAB",
}  # fmt: skip


def parse_contest(raw: Any) -> str:
    """'DPR', 'DPRD_PROV' or 'DPRD_KAB' (also 'DPRD Provinsi', 'DPRD Kab/Kota')."""
    if is_blank(raw):
        return ""
    try:
        return _CONTEST_KEYS[_word_key(raw)]
    except KeyError:
        raise CellError(
            f'kontestasi "{_show(raw)}" tidak dikenali (isi DPR, DPRD_PROV atau DPRD_KAB)'
        ) from None


# Column specifications

Parser = Callable[[Any], Any]
_HEADER_NOISE = re.compile(r"[\s._/\\\-:*'\"`\u00a0\u200b\ufeff]+")
_HEADER_SUFFIX = re.compile(r"\s*[(\[].*?[)\]]\s*$")


def header_key(text: Any) -> str:
    """'No. Registrasi' -> 'noregistrasi': no case, spaces, dots, underscores, slashes, dashes."""
    return _HEADER_NOISE.sub("", str(text)).casefold()


@dataclass(frozen=True)
class Column:
    name: str
    aliases: tuple[str, ...] = ()
    required: bool = False
    parser: Parser = parse_text
    # A required column whose cells may be blank (the NIK of a KPU list: CONTRACT.md).
    blank_ok: bool = False

    @property
    def keys(self) -> frozenset[str]:
        return frozenset(header_key(label) for label in (self.name, *self.aliases))


INMATE_COLUMNS = [
    Column(
        "no_registrasi",
        ("no reg", "nomor registrasi", "no registrasi", "no register", "nomor register"),
        True,
        parse_text,
    ),
    Column("nama", ("nama lengkap", "nama wbp", "nama lengkap wbp"), True, parse_text),
    Column("nik", ("no nik", "nomor nik", "nomor induk kependudukan"), False, keep_raw),
    Column(
        "no_kk",
        ("nkk", "no kk", "nomor kk", "no kartu keluarga", "nomor kartu keluarga"),
        False,
        keep_raw,
    ),
    Column("tempat_lahir", ("tempat lahir", "tmp lahir"), False, parse_text),
    Column("tanggal_lahir", ("tgl lahir", "tanggal lahir", "tgl lhr"), True, parse_date),
    Column("jenis_kelamin", ("jk", "l/p", "lp", "sex", "kelamin"), True, parse_sex),
    Column(
        "status_perkawinan",
        ("status kawin", "kawin", "status pernikahan", "perkawinan"),
        False,
        parse_marital,
    ),
    Column("kewarganegaraan", ("wn", "warga negara"), False, parse_citizenship),
    Column("alamat", ("alamat ktp", "alamat ktp-el"), False, parse_text),
    Column(
        "kode_wilayah", ("kode wilayah ktp", "wilayah", "kode wilayah ktp-el"), False, parse_region
    ),
    Column("register", ("golongan", "klasifikasi", "gol"), False, parse_register),
    Column("tanggal_masuk", ("tgl masuk",), True, parse_date),
    Column(
        "tanggal_bebas",
        ("tgl bebas", "tanggal ekspirasi", "ekspirasi", "tgl ekspirasi"),
        False,
        parse_date,
    ),
    Column("tanggal_keluar", ("tgl keluar",), False, parse_date),
    Column("jenis_keluar", ("alasan keluar",), False, parse_exit_kind),
    Column("hak_pilih_dicabut", ("hak pilih dicabut",), False, parse_yes_no),
    Column("tni_polri", ("anggota tni polri",), False, parse_yes_no),
    Column("blok", ("blok hunian", "kamar", "blok kamar", "kamar hunian"), False, parse_text),
    Column("keterangan", ("catatan", "ket"), False, parse_text),
]

VOTER_LIST_COLUMNS = [
    Column("nik", ("no nik", "nomor nik", "nomor induk kependudukan"), True, keep_raw, True),
    Column(
        "nkk",
        ("no kk", "no_kk", "nomor kk", "no kartu keluarga", "nomor kartu keluarga"),
        False,
        keep_raw,
    ),
    Column("nama", ("nama pemilih", "nama lengkap"), True, parse_text),
    Column("tempat_lahir", ("tempat lahir", "tmp lahir"), False, parse_text),
    Column("tanggal_lahir", ("tgl lahir", "tanggal lahir"), True, parse_date),
    Column("jenis_kelamin", ("jk", "l/p", "lp", "kelamin"), True, parse_sex),
    Column(
        "status_perkawinan", ("kawin", "status kawin", "status pernikahan"), False, parse_marital
    ),
    Column("alamat", (), False, parse_text),
    Column("rt", (), False, parse_text),
    Column("rw", (), False, parse_text),
    Column(
        "kelurahan",
        ("desa", "kel/desa", "desa/kelurahan", "kelurahan/desa", "desa/kel"),
        False,
        parse_text,
    ),
    Column("kecamatan", ("kec",), False, parse_text),
    Column("kode_wilayah", (), False, parse_region),
    Column("tps", ("no tps", "nomor tps"), False, parse_tps),
    Column("disabilitas", ("jenis disabilitas", "ragam disabilitas"), False, parse_disability),
    Column("keterangan", ("ket",), False, parse_text),
]

DAPIL_COLUMNS = [
    Column("kontestasi", ("jenis kontestasi",), True, parse_contest),
    Column("dapil", ("nama dapil", "daerah pemilihan"), True, parse_text),
    Column("kode_wilayah", ("kode",), True, parse_region),
]


def _key_index(columns: Sequence[Column]) -> dict[str, Column]:
    index: dict[str, Column] = {}
    for column in columns:
        for key in column.keys:
            if index.setdefault(key, column) is not column:
                raise ValueError(f"header {key!r} matches {index[key].name} and {column.name}")
    return index


def _match_header(cells: Sequence[Any], index: dict[str, Column]) -> dict[int, str]:
    """Column position -> canonical name, for the cells of a candidate header row. When two cells
    match the same column, the first one wins."""
    positions: dict[int, str] = {}
    taken: set[str] = set()
    for position, cell in enumerate(cells):
        if not isinstance(cell, str) or not cell.strip():
            continue
        column = index.get(header_key(cell)) or index.get(header_key(_HEADER_SUFFIX.sub("", cell)))
        if column and column.name not in taken:
            positions[position] = column.name
            taken.add(column.name)
    return positions


def _describe_missing(missing: Sequence[Column]) -> str:
    parts = []
    for column in missing:
        if column.aliases:
            parts.append(f"{column.name} (atau: {', '.join(column.aliases)})")
        else:
            parts.append(column.name)
    return "; ".join(parts)


# The archive check


@dataclass(frozen=True)
class XlsxLimits:
    """How large a sheet may be (its extent, checked before any reader opens the file) and how
    much memory the process that reads it may take."""

    max_columns: int = XLSX_MAX_COLUMNS
    max_rows: int = XLSX_MAX_ROWS
    max_cells: int = XLSX_MAX_CELLS
    memory_mb: int = READ_MEMORY_MB

    @classmethod
    def from_settings(cls, *, reference: bool = False) -> XlsxLimits:
        """The limits from Django's settings when they are configured (this module itself does
        not need Django), else the defaults above. ``reference``: a regency's reference DPT."""
        values: dict[str, Any] = {}
        try:
            from django.conf import settings

            configured = settings.configured
        except ImportError:  # pragma: no cover - Django is always installed here
            configured = False
        names = {
            "max_columns": "XLSX_MAX_COLUMNS",
            "max_rows": "XLSX_MAX_ROWS",
            "max_cells": "REFERENCE_XLSX_MAX_CELLS" if reference else "XLSX_MAX_CELLS",
            "memory_mb": "REFERENCE_READ_MEMORY_MB" if reference else "UPLOAD_READ_MEMORY_MB",
        }
        defaults = {
            "max_cells": REFERENCE_XLSX_MAX_CELLS if reference else XLSX_MAX_CELLS,
            "memory_mb": REFERENCE_READ_MEMORY_MB if reference else READ_MEMORY_MB,
        }
        for field_name, setting in names.items():
            default = defaults.get(field_name, getattr(cls, field_name))
            values[field_name] = getattr(settings, setting, default) if configured else default
        return cls(**values)


def check_xlsx_archive(
    path: str | os.PathLike[str],
    *,
    max_members: int = MAX_MEMBERS,
    max_unpacked: int = MAX_UNPACKED,
    max_ratio: int = MAX_RATIO,
    limits: XlsxLimits | None = None,
) -> None:
    """Refuse an XLSX that is not a zip, or that could exhaust memory or disk when opened.

    First from the zip directory alone: member count, unsafe member names, encryption, declared
    unpacked size, compression ratio. Then each member is inflated in bounded chunks and thrown
    away, never kept: a directory that lies about sizes is caught as soon as the real output
    passes the declared size or the limit, and an XML part with a DOCTYPE or ENTITY declaration
    is refused. While a sheet is inflated, its declared ``<dimension>`` and every cell position
    are read: a sheet whose extent passes ``limits`` is refused before calamine could allocate
    its dense grid (SECURITY.md check 31).
    """
    file_name = os.path.basename(os.fspath(path))
    limits = limits or XlsxLimits.from_settings()

    def reject(reason: str) -> FileRejected:
        return FileRejected(file_name, reason)

    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise reject("bukan berkas XLSX yang sah (bukan arsip zip)") from None
    with archive:
        members = archive.infolist()
    if not members:
        raise reject("arsip XLSX kosong")
    if len(members) > max_members:
        raise reject(f"arsip XLSX berisi {len(members)} bagian, melebihi batas {max_members}")
    names: set[str] = set()
    offsets: set[int] = set()
    for member in members:
        name = member.filename
        shown = _show(name, 80)
        parts = re.split(r"[/\\]", name)
        if (
            name.startswith(("/", "\\"))
            or re.match(r"[A-Za-z]:", name)
            or ".." in parts
            or "\x00" in name
        ):
            raise reject(f'bagian arsip dengan nama tidak aman: "{shown}"')
        if name in names or member.header_offset in offsets:
            raise reject(f'bagian arsip "{shown}" muncul dua kali (dicurigai bom zip)')
        names.add(name)
        offsets.add(member.header_offset)
        if member.flag_bits & 0x1:
            raise reject("berkas XLSX terenkripsi; simpan ulang tanpa kata sandi")
        if member.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise reject(f'bagian "{shown}" memakai metode kompresi yang tidak didukung')
    total = sum(member.file_size for member in members)
    if total > max_unpacked:
        raise reject(
            f"isi XLSX setelah dibuka {_megabytes(total)} MB, melebihi batas "
            f"{_megabytes(max_unpacked)} MB"
        )
    for member in members:
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size >= RATIO_CHECK_MIN_SIZE and ratio > max_ratio:
            raise reject(
                f'bagian "{_show(member.filename, 80)}" terkompresi {ratio:.0f}:1, melebihi batas '
                f"{max_ratio}:1 (dicurigai bom zip)"
            )
    _inflate_and_scan(path, members, max_unpacked, reject, limits)


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}".removesuffix(".0")


_DOCTYPE = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_XML_SUFFIXES = (".xml", ".rels", ".vml")
_CHUNK = 64 * 1024


def _inflate_and_scan(
    path: str | os.PathLike[str],
    members: list[zipfile.ZipInfo],
    max_unpacked: int,
    reject: Callable[[str], FileRejected],
    limits: XlsxLimits,
) -> None:
    produced_total = 0
    with open(path, "rb") as handle:
        for member in members:
            shown = _show(member.filename, 80)
            handle.seek(member.header_offset)
            local = handle.read(30)
            if len(local) < 30 or local[:4] != _ZIP_MAGIC:
                raise reject("arsip XLSX rusak")
            name_length, extra_length = struct.unpack("<HH", local[26:30])
            handle.seek(member.header_offset + 30 + name_length + extra_length)
            inflater = (
                zlib.decompressobj(-15) if member.compress_type == zipfile.ZIP_DEFLATED else None
            )
            is_xml = member.filename.lower().endswith(_XML_SUFFIXES)
            # Every XML part, not only xl/worksheets/: the workbook's relations may put a sheet
            # anywhere. Other parts have no <c>, <row> or <dimension> elements.
            extent = (
                _ExtentScan(member.filename, limits, reject)
                if member.filename.lower().endswith(".xml")
                else None
            )
            remaining = member.compress_size
            produced = 0
            crc = 0
            tail = b""
            while remaining > 0 or (inflater is not None and inflater.unconsumed_tail):
                if inflater is not None and inflater.unconsumed_tail:
                    data = inflater.unconsumed_tail
                else:
                    data = handle.read(min(_CHUNK, remaining))
                    if not data:
                        raise reject("arsip XLSX rusak (terpotong)")
                    remaining -= len(data)
                out = inflater.decompress(data, _CHUNK) if inflater is not None else data
                produced += len(out)
                produced_total += len(out)
                if produced > member.file_size or produced_total > max_unpacked:
                    raise reject(
                        f'bagian "{shown}" lebih besar dari yang tercatat di arsip '
                        "(dicurigai bom zip)"
                    )
                crc = zlib.crc32(out, crc)
                if is_xml:
                    if produced == len(out) and out[:2] in (b"\xff\xfe", b"\xfe\xff", b"<\x00"):
                        raise reject(f'bagian "{shown}" memakai pengodean XML yang tidak didukung')
                    if _DOCTYPE.search(tail + out):
                        raise reject(
                            f'bagian "{shown}" berisi deklarasi DOCTYPE/ENTITY yang tidak diizinkan'
                        )
                    tail = out[-16:]
                    if extent is not None:
                        extent.feed(out)
            if inflater is not None:
                out = inflater.flush()
                produced += len(out)
                crc = zlib.crc32(out, crc)
                if extent is not None:
                    extent.feed(out)
            if extent is not None:
                extent.finish()
            if produced != member.file_size or crc != member.CRC:
                raise reject(f'bagian "{shown}" rusak (ukuran atau CRC tidak cocok)')


_NAME_PREFIX = rb"(?:[A-Za-z_][\w.-]*:)?"
# calamine matches local names, so a namespace prefix (<x:c ...>) is a cell too.
_PREFIXED_CELL = re.compile(rb":c[\s/>]")
_CELL_OPEN = re.compile(rb"<c[\s/>]")
_CELL_REF = re.compile(rb'<c r="([A-Z]{1,3})(\d{1,7})"')
_ROW_WITH_CELLS = re.compile(rb'<row r="(\d{1,7})"[^>]*(?<!/)>')
_DIMENSION = re.compile(
    rb"<" + _NAME_PREFIX + rb"dimension\s[^>]*?(?<![\w:.-])ref\s*=\s*[\"']([^\"']*)[\"']"
)
_EXTENT_TAG = re.compile(rb"<" + _NAME_PREFIX + rb"(c|row)(?=[\s/>])([^>]*)>")
_R_ATTRIBUTE = re.compile(rb"(?<![\w:.-])r\s*=\s*[\"']([^\"']*)[\"']")
_REFERENCE = re.compile(rb"\$?([A-Za-z]*)\$?(\d*)")
_MAX_TAG = 64 * 1024
_HUGE = 10**15


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters.upper()[:12]:
        number = number * 26 + letter - 64
    return number if len(letters) <= 12 else _HUGE


def _column_letters(number: int) -> str:
    letters = ""
    while number > 0 and len(letters) < 12:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _parse_reference(value: bytes) -> tuple[int, int] | None:
    """(row, column) of a cell reference such as ``XFD1048576``; None when it has no row."""
    match = _REFERENCE.fullmatch(value.strip())
    if match is None or not match.group(2):
        return None
    digits = match.group(2).lstrip(b"0") or b"0"
    row = int(digits) if len(digits) <= 15 else _HUGE
    return row, _column_number(match.group(1))


def _at_most(text: str, first: str, low: str, high: str) -> str:
    """A regex for the numerals up to ``text`` (of the same system: digits without a leading
    zero, or column letters): every shorter numeral, then the same length digit by digit."""
    any_digit = f"[{low}-{high}]"
    options = [f"[{first}-{high}]{any_digit}{{0,{len(text) - 2}}}"] if len(text) > 1 else []
    for index, digit in enumerate(text):
        bottom = first if index == 0 else low
        if digit > bottom:
            below = chr(ord(digit) - 1)
            rest = len(text) - index - 1
            options.append(f"{text[:index]}[{bottom}-{below}]{any_digit}{{{rest}}}")
    options.append(text)
    return "|".join(options)


@functools.lru_cache(maxsize=256)
def _beyond(max_column: int, max_row: int) -> re.Pattern[bytes]:
    """Finds a cell tag that is not ``<c r="..."`` with a column up to ``max_column`` and a row
    up to ``max_row``: on an Excel sheet inside those bounds, nothing (one C-speed pass)."""
    if max_column < 1 or max_row < 1:
        return _CELL_OPEN
    columns = _at_most(_column_letters(max_column), "A", "A", "Z")
    rows = _at_most(str(max_row), "1", "0", "9")
    return re.compile(f'<c(?=[\\s/>])(?! r="(?:{columns})(?:{rows})")'.encode())


class _ExtentScan:
    """Reads the extent of one XML part as it is inflated: the declared ``<dimension ref>`` and
    the largest row and column of any cell (``<c r="...">``; a cell without ``r`` sits after
    the previous one, as calamine places it). Refuses as soon as a bound is passed.

    Fast path (what Excel and the other writers we know produce, ``<c r="A1"`` and ``<row
    r="1"``): one regex pass per chunk finds any cell outside the extent known so far, where
    the largest row is that of the rows with cells; only such a chunk has its cells read one by
    one. A part with a cell without ``r`` (or written otherwise) is followed tag by tag."""

    def __init__(self, name: str, limits: XlsxLimits, reject: Callable[[str], FileRejected]):
        self.shown = _show(name, 80)
        self.limits = limits
        self.reject = reject
        self.pending = b""
        self.max_row = 0
        self.max_column = 0
        self.exact = False  # following tag by tag
        self.row = 0
        self.column = 0

    def feed(self, data: bytes) -> None:
        text = self.pending + data
        start = text.rfind(b"<")
        if start != -1 and text.find(b">", start) == -1:
            self.pending = text[start:]
            text = text[:start]
            if len(self.pending) > _MAX_TAG:
                raise self.reject(f'bagian "{self.shown}" berisi tag XML yang terlalu panjang')
        else:
            self.pending = b""
        if text:
            self._scan(text)

    def finish(self) -> None:
        if self.pending:
            self._scan(self.pending)
            self.pending = b""

    def _scan(self, text: bytes) -> None:
        if b"dimension" in text:
            for declared in _DIMENSION.findall(text):
                last = _parse_reference(declared.rsplit(b":", 1)[-1])
                if last is not None:
                    self._check(*last, declared=declared)
        if not self.exact and _PREFIXED_CELL.search(text) is None:
            rows = _ROW_WITH_CELLS.findall(text)
            row_bound = max(self.max_row, *map(int, rows)) if rows else self.max_row
            # Rounded up to two significant digits, so that a few patterns serve a whole
            # sheet; a cell up to 10% below that is let through (never past max_rows).
            scale = 10 ** max(len(str(row_bound)) - 2, 0)
            rounded = min(-(-row_bound // scale) * scale, max(self.limits.max_rows, row_bound))
            if self._within(self.max_column, row_bound) and (
                _beyond(self.max_column, rounded).search(text) is None
            ):
                self.max_row = row_bound
                return
            cells = _CELL_REF.findall(text)
            if len(cells) == len(_CELL_OPEN.findall(text)):
                if cells:
                    column = max(map(_column_number, {letters for letters, _ in cells}))
                    row = max(map(int, {digits for _, digits in cells}))
                    self._check(max(row, row_bound), column)
                return
            # A cell without r (or not written as <c r="A1"): from here on, follow the part
            # tag by tag, from the furthest place reached so far (never nearer than calamine).
            self.row = max(self.max_row, row_bound)
            self.column = self.max_column
        self.exact = True
        for match in _EXTENT_TAG.finditer(text):
            attribute = _R_ATTRIBUTE.search(match.group(2))
            value = attribute.group(1) if attribute else b""
            if match.group(1) == b"row":
                digits = value.strip()
                if digits.isdigit():
                    self.row = int(digits) if len(digits) <= 15 else _HUGE
                else:
                    self.row += 1
                self.column = 0
                continue
            place = _parse_reference(value) if value else None
            if place is None:
                place = (max(self.row, 1), self.column + 1)
            self.row = max(self.row, place[0])
            self.column = place[1]
            self._check(*place)

    def _within(self, column: int, row: int) -> bool:
        limits = self.limits
        return (
            column <= limits.max_columns
            and row <= limits.max_rows
            and row * column <= limits.max_cells
        )

    def _check(self, row: int, column: int, *, declared: bytes | None = None) -> None:
        limits = self.limits
        if declared is None:
            if row <= self.max_row and column <= self.max_column:
                return
            self.max_row = max(self.max_row, row)
            self.max_column = max(self.max_column, column)
            row, column = self.max_row, self.max_column
        if not self._within(column, row):
            where = (
                f'luas yang dinyatakan "{_show(declared.decode("ascii", "replace"), 40)}"'
                if declared is not None
                else f"sel {_column_letters(column)}{row}"
            )
            raise self.reject(
                f'lembar kerja terlalu luas: {where} di bagian "{self.shown}" '
                f"({column:,} kolom × {row:,} baris) melampaui batas {limits.max_columns:,} "
                f"kolom, {limits.max_rows:,} baris dan {limits.max_cells:,} sel; "
                "hapus sel kosong di luar tabel lalu simpan ulang"
            )


# Reading rows


def _file_kind(path: str | os.PathLike[str], file_name: str, max_bytes: int | None) -> str:
    extension = os.path.splitext(file_name)[1].lower()
    try:
        size = os.path.getsize(path)
        with open(path, "rb") as handle:
            head = handle.read(512)
    except OSError:
        raise FileRejected(file_name, "berkas tidak dapat dibuka") from None
    if max_bytes is not None and size > max_bytes:
        raise FileRejected(
            file_name, f"ukuran berkas {size:,} byte melebihi batas {max_bytes:,} byte"
        )
    if size == 0:
        raise FileRejected(file_name, "berkas kosong")
    looks_html = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"<" and re.search(
        rb"<(html|table|!doctype|\?xml)", head, re.IGNORECASE
    )
    if extension in CSV_EXTENSIONS:
        if head.startswith((_ZIP_MAGIC, _OLE_MAGIC)):
            raise FileRejected(
                file_name, "isinya berkas Excel, bukan CSV; simpan dengan ekstensi .xlsx"
            )
        return "csv"
    if extension in XLSX_EXTENSIONS:
        if head.startswith(_OLE_MAGIC):
            raise FileRejected(
                file_name,
                "berkas XLSX terenkripsi (berkata sandi) atau berformat .xls lama; "
                "simpan ulang sebagai .xlsx tanpa kata sandi",
            )
        return "xlsx"
    if extension in XLS_EXTENSIONS:
        if head.startswith(_OLE_MAGIC):
            return "xls"
        if head.startswith(_ZIP_MAGIC):
            raise FileRejected(file_name, "isinya berformat XLSX; ganti ekstensinya menjadi .xlsx")
        if looks_html:
            raise FileRejected(
                file_name,
                "isinya halaman HTML, bukan berkas Excel; buka di Excel lalu simpan sebagai .xlsx",
            )
        raise FileRejected(file_name, "bukan berkas XLS yang sah")
    raise FileRejected(
        file_name,
        f'jenis berkas "{extension or "tanpa ekstensi"}" tidak didukung; gunakan .csv atau .xlsx',
    )


_READER_SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "xlsx_sheet.py")
_SAFE_CLASSES = {
    ("datetime", "date"),
    ("datetime", "datetime"),
    ("datetime", "time"),
    ("datetime", "timedelta"),
    ("datetime", "timezone"),
}


class _Unpickler(pickle.Unpickler):
    """The child sends plain values only; anything else is refused, never constructed."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in _SAFE_CLASSES:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"{module}.{name} tidak diizinkan")


class _ChildRows:
    """One sheet of a workbook read by ``voters/readers/xlsx_sheet.py`` in a child process under a
    memory cap (see that file for why). ``sheets`` lists the worksheet names; ``rows(name)``
    streams ``(row_number, cells)``. A child that dies, runs out of memory or sends something
    unreadable becomes a ``FileRejected``."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        sheet_index: int,
        memory_mb: int,
        reject: Callable[[str], FileRejected],
    ):
        self.reject = reject
        self.memory_mb = memory_mb
        self.process: subprocess.Popen[bytes] | None = subprocess.Popen(
            [
                sys.executable,
                "-I",
                _READER_SCRIPT,
                os.fspath(path),
                str(sheet_index),
                str(memory_mb),
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            close_fds=True,
        )
        first = self._receive()
        if first[0] != "sheets":
            raise self.reject("berkas tidak dapat dibaca sebagai spreadsheet Excel")
        self.sheets: list[str] = [str(name) for name in first[1]]

    def _receive(self) -> tuple[Any, ...]:
        try:
            # One unpickler per message: each pickle numbers its memo from zero.
            message = _Unpickler(self.process.stdout).load()
        except (EOFError, pickle.UnpicklingError, ValueError, TypeError, AttributeError):
            message = None
        if not isinstance(message, tuple) or not message:
            self._failed()
        if message[0] == "error":
            if message[1] == "memory":
                self._too_large()
            if message[1] == "sheet":
                return message
            raise self.reject("berkas tidak dapat dibaca sebagai spreadsheet Excel")
        return message

    def _failed(self) -> None:
        """The child ended without a message: killed for memory (SIGKILL by the kernel, SIGABRT
        from Rust when an allocation fails under the cap), or broken."""
        code = self.close()
        if code in (-signal.SIGABRT, -signal.SIGKILL, -signal.SIGSEGV, -signal.SIGBUS):
            self._too_large()
        raise self.reject("berkas tidak dapat dibaca sebagai spreadsheet Excel")

    def _too_large(self) -> None:
        self.close()
        raise self.reject(
            f"berkas terlalu besar untuk dibaca dalam batas memori {self.memory_mb:,} MB; "
            "pecah menjadi beberapa berkas atau kirim sebagai CSV"
        )

    def rows(self, name: str) -> Iterator[tuple[int, list[Any]]]:
        try:
            while True:
                message = self._receive()
                kind = message[0]
                if kind == "rows":
                    yield from message[1]
                elif kind == "end":
                    return
                elif message == ("error", "sheet"):
                    raise self.reject(f'lembar "{_show(name)}" tidak dapat dibaca')
                else:
                    self._failed()
        finally:
            self.close()

    def close(self) -> int | None:
        process, self.process = self.process, None
        if process is None:
            return None
        if process.poll() is None:
            process.kill()
        if process.stdout is not None:
            process.stdout.close()
        return process.wait()


class TableRows:
    """Iterator of ``(row_number, {canonical_name: raw_value})`` over a CSV or XLSX table.

    Opening is eager (``FileRejected`` is raised by the constructor for a missing column, a bad
    archive, an unreadable file); rows are read lazily. ``present`` names the columns the file has,
    ``header_row`` is the row number of the header.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        columns: Sequence[Column],
        *,
        max_bytes: int | None = None,
        max_unpacked: int = MAX_UNPACKED,
        limits: XlsxLimits | None = None,
    ):
        self.path = path
        self.file_name = os.path.basename(os.fspath(path))
        self.limits = limits or XlsxLimits.from_settings()
        self.columns = list(columns)
        self.encoding: str | None = None
        self.delimiter: str | None = None
        self.sheet_name: str | None = None
        self._index = _key_index(self.columns)
        self._closers: list[Callable[[], None]] = []
        kind = _file_kind(path, self.file_name, max_bytes)
        try:
            if kind == "csv":
                physical = self._csv_rows()
            else:
                if kind == "xlsx":
                    check_xlsx_archive(path, max_unpacked=max_unpacked, limits=self.limits)
                physical = self._workbook_rows()
            self.header_row, self._positions, self._rows = physical
        except BaseException:
            self.close()
            raise
        self.present = tuple(self._positions.values())
        self._iterator = self._data_rows()

    def __iter__(self) -> TableRows:
        return self

    def __next__(self) -> tuple[int, dict[str, Any]]:
        return next(self._iterator)

    def close(self) -> None:
        while self._closers:
            self._closers.pop()()

    def __enter__(self) -> TableRows:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def reject(self, reason: str) -> FileRejected:
        return FileRejected(self.file_name, reason)

    # Header

    def _find_header(
        self, rows: Iterator[tuple[int, list[Any]]]
    ) -> tuple[int, dict[int, str]] | tuple[None, dict[int, str]]:
        """Consume rows up to and including the header; return its number and column positions
        (None and the best partial match when none of the first rows has every required column)."""
        required = [column.name for column in self.columns if column.required]
        best: dict[int, str] = {}
        seen = 0
        for row_number, cells in rows:
            if all(is_blank(cell) for cell in cells):
                continue
            positions = _match_header(cells, self._index)
            if all(name in positions.values() for name in required):
                return row_number, positions
            if len(positions) > len(best):
                best = positions
            seen += 1
            if seen >= HEADER_SCAN_ROWS:
                break
        return None, best

    def _missing_reason(self, positions: dict[int, str]) -> str:
        found = set(positions.values())
        missing = [c for c in self.columns if c.required and c.name not in found]
        return (
            f"kolom wajib tidak ditemukan: {_describe_missing(missing)} "
            f"(baris judul kolom dicari di {HEADER_SCAN_ROWS} baris pertama yang terisi)"
        )

    # CSV

    def _csv_rows(self) -> tuple[int, dict[int, str], Iterator[tuple[int, list[Any]]]]:
        with open(self.path, "rb") as handle:
            sample = handle.read(CSV_SAMPLE_BYTES)
        self.encoding = self._detect_encoding(sample)
        text = codecs.getincrementaldecoder(self.encoding)("replace").decode(sample, final=False)
        self.delimiter = self._sniff_delimiter(text)
        rows = self._csv_records()
        self._closers.append(rows.close)
        header_row, positions = self._find_header(rows)
        if header_row is None:
            rows.close()
            raise self.reject(self._missing_reason(positions))
        return header_row, positions, rows

    def _detect_encoding(self, sample: bytes) -> str:
        if sample.startswith(codecs.BOM_UTF8):
            return "utf-8-sig"
        if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return "utf-16"
        if b"\x00" in sample:
            raise self.reject("bukan berkas teks CSV (berisi byte NUL)")
        try:
            codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
        except UnicodeDecodeError:
            return "cp1252"
        return "utf-8-sig"

    def _sniff_delimiter(self, text: str) -> str:
        required = {column.name for column in self.columns if column.required}
        best, best_score = CSV_DELIMITERS[0], (-1, -1)
        for delimiter in CSV_DELIMITERS:
            score = (-1, -1)
            reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
            try:
                for number, cells in enumerate(reader):
                    if number >= HEADER_SCAN_ROWS * 3:
                        break
                    found = set(_match_header(cells, self._index).values())
                    score = max(score, (len(found & required), len(found)))
            except csv.Error:
                pass
            if score > best_score:
                best, best_score = delimiter, score
        return best

    def _csv_records(self) -> Iterator[tuple[int, list[Any]]]:
        """Physical CSV records, numbered from 1. A UTF-8 file that turns out not to be UTF-8
        after the sample is reopened as Windows-1252, skipping the records already read."""
        encoding = self.encoding
        consumed = 0
        while True:
            errors = "replace" if encoding == "cp1252" else "strict"
            handle = open(self.path, encoding=encoding, errors=errors, newline="")  # noqa: SIM115
            self._closers.append(handle.close)
            try:
                reader = csv.reader(handle, delimiter=self.delimiter)
                number = 0
                for cells in reader:
                    number += 1
                    if number <= consumed:
                        continue
                    consumed = number
                    yield number, cells
                return
            except UnicodeDecodeError:
                if encoding != "utf-8-sig":
                    raise self.reject(f"pengodean teks ({encoding}) rusak") from None
                encoding = self.encoding = "cp1252"
            except csv.Error:
                # In practice only "field larger than field limit", mostly from a stray quote.
                raise self.reject(
                    f"format CSV rusak di baris {consumed + 1}: sel terlalu panjang "
                    "(mungkin ada tanda kutip yang tidak ditutup)"
                ) from None
            finally:
                handle.close()

    # XLSX / XLS

    def _workbook_rows(self) -> tuple[int, dict[int, str], Iterator[tuple[int, list[Any]]]]:
        reader = _ChildRows(self.path, 0, self.limits.memory_mb, self.reject)
        self._closers.append(reader.close)
        sheets = reader.sheets
        if not sheets:
            raise self.reject("spreadsheet tidak memiliki lembar kerja")
        first_best: dict[int, str] | None = None
        for index, name in enumerate(sheets):
            if index:
                reader = _ChildRows(self.path, index, self.limits.memory_mb, self.reject)
                self._closers.append(reader.close)
            rows = reader.rows(name)
            header_row, positions = self._find_header(rows)
            if header_row is not None:
                self.sheet_name = name
                return header_row, positions, rows
            reader.close()
            if first_best is None:
                first_best = positions
        raise self.reject(self._missing_reason(first_best or {}))

    # Data rows

    def _data_rows(self) -> Iterator[tuple[int, dict[str, Any]]]:
        positions = self._positions
        with self:
            for row_number, cells in self._rows:
                values = {
                    name: cells[position] if position < len(cells) else ""
                    for position, name in positions.items()
                }
                if all(is_blank(value) for value in values.values()):
                    continue
                if self._repeats_header(cells):
                    continue
                yield row_number, values

    def _repeats_header(self, cells: list[Any]) -> bool:
        """True for the header row repeated further down (multi-page exports print it per page)."""
        position, name = next(iter(self._positions.items()))
        cell = cells[position] if position < len(cells) else ""
        if (
            not isinstance(cell, str)
            or getattr(self._index.get(header_key(cell)), "name", None) != name
        ):
            return False
        return _match_header(cells, self._index) == self._positions


def open_rows(
    path: str | os.PathLike[str],
    columns: Sequence[Column],
    *,
    max_bytes: int | None = None,
    max_unpacked: int = MAX_UNPACKED,
    limits: XlsxLimits | None = None,
) -> TableRows:
    """Stream ``(row_number, {canonical_name: raw_value})`` for each non-blank row under the
    header. Only columns present in the file appear in the dict; values are as read (text from a
    CSV; str, float, int, bool, date or datetime from a workbook)."""
    return TableRows(path, columns, max_bytes=max_bytes, max_unpacked=max_unpacked, limits=limits)


# Parsing rows


class ParsedRows:
    """Iterator of ``ParsedRow`` over a table; same attributes as ``TableRows``."""

    def __init__(self, source: TableRows):
        self.source = source
        self.file_name = source.file_name
        self.present = source.present
        self.header_row = source.header_row
        self._columns = source.columns
        names = {column.name for column in self._columns}
        self._unique_registration = "no_registrasi" in names
        self._dapil = names >= {"kontestasi", "dapil", "kode_wilayah"}
        self._seen: dict[Any, tuple[int, Any]] = {}

    def __iter__(self) -> ParsedRows:
        return self

    def __next__(self) -> ParsedRow:
        row_number, raw = next(self.source)
        return self._parse(row_number, raw)

    def close(self) -> None:
        self.source.close()

    def __enter__(self) -> ParsedRows:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _parse(self, row_number: int, raw: dict[str, Any]) -> ParsedRow:
        row = ParsedRow(row_number, {})
        for column in self._columns:
            value = raw.get(column.name)
            parsed = None
            if is_blank(value) and column.required and not column.blank_ok:
                row.errors.append(RowError(row_number, column.name, "wajib diisi, tetapi kosong"))
            else:
                try:
                    parsed = column.parser(value)
                except CellError as error:
                    row.errors.append(RowError(row_number, column.name, mask_numbers(str(error))))
                else:
                    if parsed is None and column.required and not column.blank_ok:
                        row.errors.append(
                            RowError(row_number, column.name, "wajib diisi, tetapi kosong")
                        )
            row.values[column.name] = parsed
        self._check_unique(row)
        return row

    def _check_unique(self, row: ParsedRow) -> None:
        values = row.values
        if self._unique_registration and values.get("no_registrasi"):
            key = re.sub(r"\s+", "", values["no_registrasi"]).casefold()
            first = self._seen.setdefault(key, (row.row_number, None))
            if first[0] != row.row_number:
                row.errors.append(
                    RowError(
                        row.row_number,
                        "no_registrasi",
                        f'no_registrasi "{values["no_registrasi"]}" ganda: sama dengan baris '
                        f"{first[0]}",
                    )
                )
        if self._dapil and values.get("kontestasi") and values.get("kode_wilayah"):
            key = (values["kontestasi"], values["kode_wilayah"])
            first = self._seen.setdefault(key, (row.row_number, values.get("dapil")))
            if first[0] != row.row_number and first[1] != values.get("dapil"):
                row.errors.append(
                    RowError(
                        row.row_number,
                        "kode_wilayah",
                        f"kode wilayah {key[1]} untuk {key[0]} sudah masuk dapil "
                        f'"{first[1]}" di baris {first[0]}',
                    )
                )


def read_table(
    path: str | os.PathLike[str],
    columns: Sequence[Column],
    *,
    max_bytes: int | None = None,
    max_unpacked: int = MAX_UNPACKED,
    limits: XlsxLimits | None = None,
) -> ParsedRows:
    """Stream ``ParsedRow`` objects. Every column of ``columns`` is in ``values``: a column the
    file does not have gets its blank value (None for dates, '' for text, 'B' for marital status,
    False for yes/no, 'WNI' for citizenship). A value that cannot be read is None, with a
    ``RowError``."""
    source = open_rows(path, columns, max_bytes=max_bytes, max_unpacked=max_unpacked, limits=limits)
    return ParsedRows(source)


def collect(
    path: str | os.PathLike[str],
    columns: Sequence[Column],
    *,
    max_bytes: int | None = None,
    max_unpacked: int = MAX_UNPACKED,
    limits: XlsxLimits | None = None,
) -> tuple[list[ParsedRow], list[RowError]]:
    """Read a small file whole: every row (bad ones included, each with its errors) and every
    row error in file order."""
    with read_table(
        path, columns, max_bytes=max_bytes, max_unpacked=max_unpacked, limits=limits
    ) as table:
        rows = list(table)
    errors = [error for row in rows for error in row.errors]
    return rows, errors


def format_errors(errors: Sequence[RowError], limit: int = 50) -> str:
    """One line per error ('baris 12, kolom tanggal_lahir: tanggal "31-02-1990" tidak dapat
    dibaca'), at most ``limit`` lines and a count of the rest. No full NIK is ever shown."""
    lines = [str(error) for error in errors[:limit]]
    if len(errors) > limit:
        lines.append(f"… dan {len(errors) - limit} kesalahan lainnya")
    return "\n".join(lines)
