"""The checks an XLSX passes before any reader opens it (SECURITY.md checks 10, 11 and 31).

A workbook is a zip of XML parts, read by calamine in a child process (tables.py,
xlsx_sheet.py). ``check_xlsx_archive`` refuses, with a ``FileRejected`` whose reason is for
users: a file that is not a zip, too many members, unsafe member names, encryption, a declared
unpacked size or compression ratio past the limits (zip bombs), a member that inflates to more
than its declared size or fails its CRC, an XML part with a DOCTYPE or ENTITY declaration (entity
expansion, external entities), and a sheet whose extent would make calamine allocate a dense
grid larger than ``XlsxLimits``.

Pure Python: no Django, no database (tests/test_rules.py checks it).
"""

from __future__ import annotations

import copy
import functools
import os
import re
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass

from voters.readers.cells import FileRejected, show

MAX_MEMBERS = 100
MAX_UNPACKED = 50 * 1024 * 1024
MAX_RATIO = 100
# Members smaller than this cannot be bombs within the other limits; tiny XML parts of honest
# files often compress better than 100:1.
RATIO_CHECK_MIN_SIZE = 1024 * 1024

# Sheet extent (SECURITY.md check 31). calamine holds a sheet as a dense rows x columns grid of
# 32-byte cells, from its first to its last cell: one cell at XFD1048576 in a 6 KB file asks for
# 512 GiB. The bounds are settings (XLSX_MAX_COLUMNS, XLSX_MAX_ROWS, XLSX_MAX_CELLS and, for the
# reference DPT, REFERENCE_XLSX_MAX_CELLS); these are the defaults of ``XlsxLimits``.
XLSX_MAX_COLUMNS = 200
XLSX_MAX_ROWS = 1_048_576
XLSX_MAX_CELLS = 10_000_000
# Memory of the process that reads a workbook (UPLOAD_READ_MEMORY_MB, REFERENCE_READ_MEMORY_MB).
READ_MEMORY_MB = 1024


@dataclass(frozen=True)
class XlsxLimits:
    """How large a sheet may be (its extent, checked before any reader opens the file) and how
    much memory the process that reads it may take. The services build them from the settings
    (``voters.core.uploads.xlsx_limits``); a reader given none uses these defaults."""

    max_columns: int = XLSX_MAX_COLUMNS
    max_rows: int = XLSX_MAX_ROWS
    max_cells: int = XLSX_MAX_CELLS
    memory_mb: int = READ_MEMORY_MB


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
    limits = limits or XlsxLimits()

    def reject(reason: str) -> FileRejected:
        return FileRejected(file_name, reason)

    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise reject("bukan berkas XLSX yang sah (bukan arsip zip)") from None
    with archive:
        _check_directory(archive.infolist(), max_members, max_unpacked, max_ratio, reject)
        _inflate_and_scan(archive, max_unpacked, reject, limits)


def _check_directory(
    members: list[zipfile.ZipInfo],
    max_members: int,
    max_unpacked: int,
    max_ratio: int,
    reject: Callable[[str], FileRejected],
) -> None:
    """The checks the zip directory alone allows, before anything is inflated."""
    if not members:
        raise reject("arsip XLSX kosong")
    if len(members) > max_members:
        raise reject(f"arsip XLSX berisi {len(members)} bagian, melebihi batas {max_members}")
    names: set[str] = set()
    offsets: set[int] = set()
    for member in members:
        name = member.filename
        shown = show(name, 80)
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
                f'bagian "{show(member.filename, 80)}" terkompresi {ratio:.0f}:1, melebihi batas '
                f"{max_ratio}:1 (dicurigai bom zip)"
            )


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}".removesuffix(".0")


_DOCTYPE = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_XML_SUFFIXES = (".xml", ".rels", ".vml")
_CHUNK = 64 * 1024


# zipfile is handed a copy of each entry declaring this much more than the directory does: it
# then inflates past a declared size that lies, and the counter below stops at the declared size
# and says why. (zipfile itself would stop there silently and report only a CRC error.)
_OVERSHOOT = 2 * _CHUNK


def _inflate_and_scan(
    archive: zipfile.ZipFile,
    max_unpacked: int,
    reject: Callable[[str], FileRejected],
    limits: XlsxLimits,
) -> None:
    """Inflate every member in chunks and throw them away. zipfile reads the local header,
    inflates and checks the CRC; a byte counter stops a member as soon as it passes its declared
    size, and the whole archive at ``max_unpacked``. XML parts are searched for DOCTYPE/ENTITY
    declarations and, for ``.xml`` parts, their extent is read (``_ExtentScan``)."""
    produced_total = 0
    for member in archive.infolist():
        shown = show(member.filename, 80)
        is_xml = member.filename.lower().endswith(_XML_SUFFIXES)
        # Every XML part, not only xl/worksheets/: the workbook's relations may put a sheet
        # anywhere. Other parts have no <c>, <row> or <dimension> elements.
        extent = (
            _ExtentScan(member.filename, limits, reject)
            if member.filename.lower().endswith(".xml")
            else None
        )
        past_declared = copy.copy(member)
        past_declared.file_size = member.file_size + _OVERSHOOT
        try:
            stream = archive.open(past_declared)
        except (zipfile.BadZipFile, NotImplementedError, ValueError, OSError, EOFError):
            raise reject("arsip XLSX rusak") from None
        produced = 0
        tail = b""
        with stream:
            try:
                while out := stream.read(_CHUNK):
                    produced += len(out)
                    produced_total += len(out)
                    if produced > member.file_size or produced_total > max_unpacked:
                        raise reject(
                            f'bagian "{shown}" lebih besar dari yang tercatat di arsip '
                            "(dicurigai bom zip)"
                        )
                    if is_xml:
                        if produced == len(out) and out[:2] in (b"\xff\xfe", b"\xfe\xff", b"<\x00"):
                            raise reject(
                                f'bagian "{shown}" memakai pengodean XML yang tidak didukung'
                            )
                        if _DOCTYPE.search(tail + out):
                            raise reject(
                                f'bagian "{shown}" berisi deklarasi DOCTYPE/ENTITY yang tidak '
                                "diizinkan"
                            )
                        tail = out[-16:]
                        if extent is not None:
                            extent.feed(out)
            except EOFError:
                raise reject("arsip XLSX rusak (terpotong)") from None
            except (zipfile.BadZipFile, zlib.error):  # a CRC that does not match, bad deflate
                raise reject(f'bagian "{shown}" rusak (ukuran atau CRC tidak cocok)') from None
        if extent is not None:
            extent.finish()
        if produced != member.file_size:
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
        self.shown = show(name, 80)
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
                f'luas yang dinyatakan "{show(declared.decode("ascii", "replace"), 40)}"'
                if declared is not None
                else f"sel {_column_letters(column)}{row}"
            )
            raise self.reject(
                f'lembar kerja terlalu luas: {where} di bagian "{self.shown}" '
                f"({column:,} kolom × {row:,} baris) melampaui batas {limits.max_columns:,} "
                f"kolom, {limits.max_rows:,} baris dan {limits.max_cells:,} sel; "
                "hapus sel kosong di luar tabel lalu simpan ulang"
            )
