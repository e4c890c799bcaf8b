"""Reading CSV/XLSX files into rows (CONTRACT.md "Import commands").

The column specifications are data (``INMATE_COLUMNS``, ``VOTER_LIST_COLUMNS``,
``DAPIL_COLUMNS``); the same reader serves every import. A cell's value comes from its
column's parser (cells.py).

- ``open_rows`` streams ``(row_number, {canonical_name: raw_value})``. Row numbers are the ones a
  spreadsheet shows. The header row is found among the first rows (exports often carry a title
  above it), its cells matched to the columns by ``match_header`` (case, spaces, punctuation and
  a trailing '(…)' ignored). A CSV is never read whole; an XLSX first passes
  ``xlsx_guard.check_xlsx_archive`` (its extent included), then a child process reads it under a
  memory cap (``voters/readers/xlsx_sheet.py``).
- ``read_table`` parses every value and yields ``ParsedRow`` objects with their ``RowError`` list;
  ``collect`` does the same for small files and returns every error at once.

Pure Python: no Django, no database (tests/test_rules.py checks it); the services pass the
limits from the settings (``voters.core.uploads.xlsx_limits``). Messages for users are in Bahasa
Indonesia and never show a full NIK.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import pickle
import re
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from voters.readers.cells import (
    CellError,
    FileRejected,
    is_blank,
    keep_raw,
    parse_citizenship,
    parse_contest,
    parse_date,
    parse_disability,
    parse_exit_kind,
    parse_marital,
    parse_region,
    parse_register,
    parse_sex,
    parse_text,
    parse_tps,
    parse_yes_no,
    show,
)
from voters.readers.xlsx_guard import MAX_UNPACKED, XlsxLimits, check_xlsx_archive
from voters.rules import nik

HEADER_SCAN_ROWS = 20
CSV_SAMPLE_BYTES = 64 * 1024
CSV_DELIMITERS = (";", ",", "\t", "|")

CSV_EXTENSIONS = frozenset({".csv", ".txt", ".tsv"})
XLSX_EXTENSIONS = frozenset({".xlsx"})
XLS_EXTENSIONS = frozenset({".xls"})

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


# Rows and their errors


class RowError(NamedTuple):
    """One value of one row that cannot be read; ``str()`` is the line users see."""

    row_number: int
    column: str
    message: str

    def __str__(self) -> str:
        where = f"baris {self.row_number}"
        if self.column:
            where += f", kolom {self.column}"
        return nik.mask_numbers(f"{where}: {self.message}")


@dataclass
class ParsedRow:
    """A row with every value parsed (None where one could not be) and its errors."""

    row_number: int
    values: dict[str, Any]
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


# Column specifications

Parser = Callable[[Any], Any]
_HEADER_NOISE = re.compile(r"[\s._/\\\-:*'\"`\u00a0\u200b\ufeff]+")
_HEADER_SUFFIX = re.compile(r"\s*[(\[].*?[)\]]\s*$")


def header_key(text: Any) -> str:
    """'No. Registrasi' -> 'noregistrasi': no case, spaces, dots, underscores, slashes, dashes."""
    return _HEADER_NOISE.sub("", str(text)).casefold()


@dataclass(frozen=True)
class Column:
    """One column a table may have: its canonical name, the other headers people write for it,
    whether the file must have it, and the parser of its cells."""

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


def key_index(columns: Sequence[Column]) -> dict[str, Column]:
    """Header key -> column, for ``match_header``; two columns may not share a key."""
    index: dict[str, Column] = {}
    for column in columns:
        for key in column.keys:
            if index.setdefault(key, column) is not column:
                raise ValueError(f"header {key!r} matches {index[key].name} and {column.name}")
    return index


def match_header(cells: Sequence[Any], index: dict[str, Column]) -> dict[int, str]:
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


def repeats_header(
    cells: Sequence[Any], positions: dict[int, str], index: dict[str, Column]
) -> bool:
    """True for the header row (its column ``positions``) repeated further down: multi-page
    exports print it on every page. The first header cell is compared first, which settles
    nearly every data row at the cost of one lookup."""
    position, name = min(positions.items())
    cell = cells[position] if position < len(cells) else ""
    if not isinstance(cell, str) or getattr(index.get(header_key(cell)), "name", None) != name:
        return False
    return match_header(cells, index) == positions


def describe_missing(missing: Sequence[Column]) -> str:
    parts = []
    for column in missing:
        if column.aliases:
            parts.append(f"{column.name} (atau: {', '.join(column.aliases)})")
        else:
            parts.append(column.name)
    return "; ".join(parts)


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
                    raise self.reject(f'lembar "{show(name)}" tidak dapat dibaca')
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
        self.limits = limits or XlsxLimits()
        self.columns = list(columns)
        self.encoding: str | None = None
        self.delimiter: str | None = None
        self.sheet_name: str | None = None
        self._index = key_index(self.columns)
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
            positions = match_header(cells, self._index)
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
            f"kolom wajib tidak ditemukan: {describe_missing(missing)} "
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
                    found = set(match_header(cells, self._index).values())
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
        # A hand-kept sheet (a police-cell roster) ends with a signature block under a blank
        # row: "Mengetahui, Kasat Tahti", a name, an NRP, one cell per row. Rows of one filled
        # cell after a blank row are held back, and dropped only when nothing else follows.
        after_blank = False
        held: list[tuple[int, dict[str, Any]]] = []
        with self:
            for row_number, cells in self._rows:
                filled = sum(not is_blank(cell) for cell in cells)
                if not filled:
                    after_blank = True
                    continue
                values = {
                    name: cells[position] if position < len(cells) else ""
                    for position, name in positions.items()
                }
                if all(is_blank(value) for value in values.values()):
                    continue
                if repeats_header(cells, positions, self._index):
                    continue
                if (after_blank or held) and filled == 1:
                    held.append((row_number, values))
                    continue
                yield from held
                held.clear()
                after_blank = False
                yield row_number, values


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

REQUIRED_BLANK = "wajib diisi, tetapi kosong"


def parse_cells(
    row_number: int, columns: Sequence[Column], raw: Sequence[Any]
) -> tuple[dict[str, Any], list[RowError]]:
    """One row's values (``raw``, in the order of ``columns``; None for a column the file lacks)
    each through its column's parser: the parsed values by name (None where a value cannot be
    read) and the row's errors. A blank required value is an error unless the column allows it.
    ``read_table`` and the KPU list reader (lists/rows.py) both parse rows here."""
    values: dict[str, Any] = {}
    errors: list[RowError] = []
    for column, value in zip(columns, raw, strict=True):
        parsed = None
        if is_blank(value) and column.required and not column.blank_ok:
            errors.append(RowError(row_number, column.name, REQUIRED_BLANK))
        else:
            try:
                parsed = column.parser(value)
            except CellError as error:
                errors.append(RowError(row_number, column.name, nik.mask_numbers(str(error))))
            else:
                if parsed is None and column.required and not column.blank_ok:
                    errors.append(RowError(row_number, column.name, REQUIRED_BLANK))
        values[column.name] = parsed
    return values, errors


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
        values, errors = parse_cells(
            row_number, self._columns, [raw.get(column.name) for column in self._columns]
        )
        row = ParsedRow(row_number, values, errors)
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
