"""Reading a KPU list file (CONTRACT.md "KPU list file") into normalised rows, in batches.

``ListFile`` opens a file with ``importers.open_rows`` (format, size and archive checks, encoding,
delimiter, the header below title rows, required columns: ``FileRejected`` on failure) and then
yields ``Batch`` objects: the accepted rows as columns of text in ``FIELDS`` order. Rows with errors
are left out and collected in ``errors`` (the first ``error_limit``) and ``error_count``; the
caller decides that a file with any error writes nothing. Nothing is ever held for the whole
file: a regency's DPT (700,000 rows) is read in batches of a few thousand.

Two ways to read, with one meaning:

- The general path parses every row like ``importers.read_table`` (each value through its
  ``Column.parser``, then ``nik.check``). It reads any format the importers read.
- A plain CSV (UTF-8 or Windows-1252) is read by a faster path, about 15 times faster: lines are
  split by the delimiter while the file has no quote character, values are normalised a column
  at a time, and each distinct value of a column with few distinct values (dates, sex, region
  codes, kelurahan...) is parsed once and remembered. A value this path does not recognise at
  once sends the whole row through the general path, so every error message and every edge
  case comes from the same code. tests/voters/test_lists_rows.py checks that both paths give the
  same rows and the same errors on messy files.
- ``copy_chunks`` gives the accepted rows as PostgreSQL COPY text. A large CSV read by splitting
  lines is read by two processes at once, this one and a forked helper, each over its own part
  of the file (tests/voters/test_lists_split.py: the same rows, positions, errors and counts).

The fast path needs the column positions of the header row and a raw row iterator, which
``importers.TableRows`` keeps private; ``header_positions`` below repeats its matching rule and
the reader falls back to the general path whenever the result differs from ``TableRows.present``.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import hashlib
import io
import itertools
import os
import pickle
import re
import signal
import tempfile
import threading
import traceback
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from voters import importers
from voters import nik as nik_rules
from voters.importers import (
    CellError,
    FileRejected,
    RowError,
    header_key,
    is_blank,
    mask_numbers,
    parse_date,
    parse_disability,
    parse_marital,
    parse_region,
    parse_sex,
    parse_text,
    parse_tps,
)

COLUMNS = importers.VOTER_LIST_COLUMNS
SOURCE = tuple(column.name for column in COLUMNS)
#: the normalised row, in the order of the database columns after (reference_id, position)
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
TPS_LENGTH = 10

# Small blocks keep a block's cells in the CPU caches while its columns are checked: 128 KB
# blocks read a regency's DPT about 1.8 times faster than 1 MB blocks (bench/README.md).
BLOCK_BYTES = 1 << 17
BATCH_ROWS = 2048
ERROR_LIMIT = 1000
# A plain CSV this large is read by two processes when there are two CPUs (copy_chunks); this
# process, which also passes every row on to PostgreSQL, reads the first SPLIT_SHARE of it.
SPLIT_BYTES = 8 << 20
SPLIT_SHARE = 0.4
HELPER_REPORT_BYTES = 2 << 20
# Each remembered value costs about 150 bytes; the caps bound a column's memory to ~30 MB even
# when its values are all distinct.
MEMO_LIMIT = 200_000

_REQUIRED_BLANK = "wajib diisi, tetapi kosong"
_VALID = str(nik_rules.NikStatus.VALID)
_INVALID = str(nik_rules.NikStatus.INVALID)
_MASKED = str(nik_rules.NikStatus.MASKED)
_LONE_CR = re.compile(rb"\r(?!\n)")
_MASKED_DATE = re.compile(r"[0-9*]{6}\*{6}[0-9*]{4}")
_FORMATS = tuple(str(status) for status in nik_rules.NikStatus)
_DISABILITY_CODES = tuple(str(code) for code in range(1, 7))
# A text value starting with one of these is not as importers.parse_text leaves it.
_PLAIN_LEAD = frozenset(" -\u2013\u2014")
_MONTH_DAYS = (0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_HEADER_SUFFIX = re.compile(r"\s*[(\[].*?[)\]]\s*$")  # as importers._HEADER_SUFFIX
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


class _ColumnState:
    """What the fast path knows about one column's values: all seen, those whose normal form
    differs (with it), and those that send their row through the general path."""

    __slots__ = ("bad", "known", "rewrite")

    def __init__(self) -> None:
        self.known: set[str] = set()
        self.rewrite: dict[str, str] = {}
        self.bad: set[str] = set()


class _Special(Exception):
    """A value the fast path does not take as it is: the row goes through the general path."""


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

    def copy_text(self, first_position: int) -> str:
        """The rows in PostgreSQL COPY text format: the position, then ``FIELDS``. Values are
        escaped only when a batch needs it (a backslash, tab or line break inside a value),
        which a clean batch never does."""
        count = len(self.row_numbers)
        if not count:
            return ""
        columns = list(self.columns)
        disabilities = columns[_F["disabilitas"]]
        columns[_F["disabilitas"]] = [value or "\\N" for value in disabilities]
        nulls = disabilities.count("")
        positions = map(str, range(first_position, first_position + count))
        text = "\n".join(map("\t".join, zip(positions, *columns, strict=True))) + "\n"
        if (
            text.count("\t") != count * len(columns)
            or text.count("\n") != count
            or "\r" in text
            or text.count("\\") != nulls
        ):
            escaped = [
                [value.translate(_COPY_ESCAPES) for value in column]
                if index != _F["disabilitas"]
                else column
                for index, column in enumerate(columns)
            ]
            positions = map(str, range(first_position, first_position + count))
            text = "\n".join(map("\t".join, zip(positions, *escaped, strict=True))) + "\n"
        return text


def header_positions(cells: Sequence[Any]) -> dict[int, str]:
    """Column position -> canonical name for a header row (importers' rule: case, spaces,
    punctuation and a trailing '(…)' ignored; the first cell that matches a column wins)."""
    index = {key: column for column in COLUMNS for key in column.keys}
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


def file_digest(path: str | os.PathLike[str]) -> tuple[str, bool, bool, bool]:
    """(sha256, whether the bytes are valid UTF-8, whether they hold a quote or a CR that does
    not end a CRLF, whether they hold a NUL byte). The SHA-256 is computed by a thread while
    this one looks at the bytes (hashlib works without the GIL): the two take about as long."""
    digest: list[Any] = []

    def hash_file() -> None:
        try:
            with open(path, "rb") as handle:
                digest.append(hashlib.file_digest(handle, "sha256").hexdigest())
        except BaseException as error:  # re-raised below
            digest.append(error)

    hasher = threading.Thread(target=hash_file, name="sha256", daemon=True)
    hasher.start()
    try:
        utf8, special, nul = _scan_bytes(path)
    finally:
        hasher.join()
    if isinstance(digest[0], BaseException):
        raise digest[0]
    return digest[0], utf8, special, nul


def _scan_bytes(path: str | os.PathLike[str]) -> tuple[bool, bool, bool]:
    decoder = codecs.getincrementaldecoder("utf-8")()
    utf8 = True
    special = False
    nul = False
    carried_cr = False  # the previous block ended with CR: a CRLF only if this one starts with LF
    with open(path, "rb") as handle:
        while block := handle.read(BLOCK_BYTES):
            if utf8:
                try:
                    decoder.decode(block)
                except UnicodeDecodeError:
                    utf8 = False
            if not special:
                lone = _LONE_CR.search(block)
                special = (
                    (carried_cr and not block.startswith(b"\n"))
                    or (lone is not None and lone.start() < len(block) - 1)
                    or b'"' in block
                )
                carried_cr = block.endswith(b"\r")
            nul = nul or b"\x00" in block
    if utf8:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            utf8 = False
    return utf8, special or carried_cr, nul


class ListFile:
    """A KPU list file opened for reading. See the module docstring."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        file_name: str | None = None,
        max_bytes: int | None = None,
        max_unpacked: int = importers.MAX_UNPACKED,
        expected_tps: str = "",
        batch_rows: int = BATCH_ROWS,
        error_limit: int = ERROR_LIMIT,
        fast: bool = True,
    ):
        self.path = path
        self.file_name = file_name or os.path.basename(os.fspath(path))
        self.expected_tps = expected_tps
        self.batch_rows = batch_rows
        self.error_limit = error_limit
        self.errors: list[RowError] = []
        self.error_count = 0
        self.rows_read = 0
        self.rows_accepted = 0
        self.sex = Counter()
        self.nik_formats = Counter()
        self.disabilities = Counter()
        self.size = 0
        self._done_bytes = 0
        self._states: dict[str, _ColumnState] = {}
        self._date_part: dict[str, str] = {}
        self._nik_memo: dict[str, tuple[str, str]] = {}
        try:
            self._table = importers.open_rows(
                path, COLUMNS, max_bytes=max_bytes, max_unpacked=max_unpacked
            )
        except FileRejected as error:
            raise FileRejected(self.file_name, error.reason) from None
        self.header_row = self._table.header_row
        self.present = self._table.present
        self.size = os.path.getsize(path)
        self.sha256, utf8, special, nul = file_digest(path)
        if nul and self._table.encoding in ("utf-8-sig", "cp1252"):
            # importers refuse a NUL in the first 64 KB; one further down is refused here (no
            # database stores it in text, and no honest export writes it).
            self._table.close()
            raise FileRejected(self.file_name, "bukan berkas teks CSV (berisi byte NUL)")
        self.mode = "general"
        self._positions: dict[int, str] = {}
        if fast and self._table.delimiter and self._fast_encoding(utf8):
            self._positions = self._read_header()
            if set(self._positions.values()) == set(self.present):
                self.mode = "csv" if special else "split"
        if self.mode != "general":
            self._table.close()

    def _fast_encoding(self, utf8: bool) -> bool:
        # A UTF-8 sample with a later invalid byte is read by importers as UTF-8 up to that row
        # and Windows-1252 after it; only the general path does exactly that.
        return self._table.encoding == "cp1252" or (self._table.encoding == "utf-8-sig" and utf8)

    def close(self) -> None:
        self._table.close()

    def __enter__(self) -> ListFile:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- progress --

    @property
    def estimated_rows(self) -> int:
        """Rows expected in the whole file, from the share of bytes read so far (0: unknown)."""
        if self.mode == "general" or not self._done_bytes:
            return 0
        if self._done_bytes >= self.size:
            return self.rows_read
        return int(self.rows_read * self.size / self._done_bytes)

    @property
    def counts(self) -> dict[str, Any]:
        return {
            "rows": self.rows_accepted,
            "sex": {key: self.sex.get(key, 0) for key in ("L", "P")},
            "nik": {str(key): self.nik_formats.get(str(key), 0) for key in nik_rules.NikStatus},
            "disabilitas": {str(code): self.disabilities.get(str(code), 0) for code in range(1, 7)},
        }

    # -- reading --

    def batches(self) -> Iterator[Batch]:
        if self.mode == "general":
            yield from self._general_batches()
        else:
            yield from self._fast_batches()

    def copy_chunks(self, first_position: int = 1) -> Iterator[tuple[str | bytes, int]]:
        """The accepted rows as COPY text (``Batch.copy_text``, UTF-8 when bytes), numbered from
        ``first_position``, in chunks with their number of rows. Nothing more is yielded once a
        row has an error, but the file is still read to its end so that every error is counted.

        A plain CSV read by splitting lines, of ``SPLIT_BYTES`` or more, is read by two
        processes at once when the machine has two CPUs: this one reads the first part and a
        forked helper the rest, writing its COPY text to a temporary file that is passed on
        after the first part. Rows, positions, errors and counts are those of one reading from
        start to end (tests/voters/test_lists_rows.py)."""
        start = self._split_start()
        position = first_position
        helper = None
        if start is not None:
            with contextlib.suppress(OSError):  # no process to spare: read alone
                helper = _Helper(self, start, first_position)
        if helper is None:
            for batch in self.batches():
                if not self.error_count:
                    yield batch.copy_text(position), len(batch)
                    position += len(batch)
            return
        with helper:
            for batch in self._fast_batches(end=start):
                if not self.error_count:
                    yield batch.copy_text(position), len(batch)
                    position += len(batch)
            rows_read = self.rows_read
            shift = None
            for data, rows in helper.chunks():
                self.rows_read = rows_read + helper.rows_read
                self._done_bytes = helper.done_bytes
                if rows and not self.error_count and not helper.error_count:
                    if shift is None:
                        # The helper numbered its rows as if this part dropped no blank row
                        # and no repeated header; it rarely does.
                        shift = helper.first_position - position
                    yield (_shift_positions(data, shift) if shift else data), rows
            self._merge(helper.result)

    def _split_start(self) -> int | None:
        """Where the helper process starts reading (the start of a line), or None."""
        if self.mode != "split" or self.size < SPLIT_BYTES or not hasattr(os, "fork"):
            return None
        if len(os.sched_getaffinity(0)) < 2:
            return None
        with open(self.path, "rb") as handle:
            head = handle.read(1 << 16)
            header_end = -1
            for _ in range(self.header_row):
                header_end = head.find(b"\n", header_end + 1)
                if header_end < 0:
                    return None
            handle.seek(max(header_end + 1, int(self.size * SPLIT_SHARE)))
            block = handle.read(1 << 16)
            cut = block.find(b"\n")
            if cut < 0:
                return None
            start = handle.tell() - len(block) + cut + 1
        return start if start < self.size else None

    def _merge(self, result: dict[str, Any]) -> None:
        """Add the helper's rows, counts and errors (which follow this process's)."""
        room = self.error_limit - len(self.errors)
        if room > 0:
            self.errors.extend(result["errors"][:room])
        self.error_count += result["error_count"]
        self.rows_accepted += result["rows_accepted"]
        self.sex.update(result["sex"])
        self.nik_formats.update(result["nik_formats"])
        self.disabilities.update(result["disabilities"])
        self._done_bytes = self.size

    def _add_errors(self, errors: list[RowError]) -> None:
        self.error_count += len(errors)
        room = self.error_limit - len(self.errors)
        if room > 0:
            self.errors.extend(errors[:room])

    def _finish(self, numbers: list[int], columns: list[Sequence[str]]) -> Batch:
        batch = Batch(numbers, columns)
        self.rows_accepted += len(numbers)
        # list.count is a plain scan, several times faster than Counter on these columns.
        for counter, name, keys in (
            (self.sex, "jenis_kelamin", ("L", "P")),
            (self.nik_formats, "nik_format", _FORMATS),
            (self.disabilities, "disabilitas", _DISABILITY_CODES),
        ):
            values = batch.column(name)
            for key in keys:
                counter[key] += values.count(key)
        return batch

    # The general path

    def _general_batches(self) -> Iterator[Batch]:
        with self._table as table:
            while True:
                chunk = list(itertools.islice(table, self.batch_rows))
                if not chunk:
                    return
                numbers: list[int] = []
                rows: list[list[str]] = []
                for row_number, raw in chunk:
                    self.rows_read += 1
                    values, errors = self.parse_row(
                        row_number, tuple(raw.get(name) for name in SOURCE)
                    )
                    if errors:
                        self._add_errors(errors)
                    else:
                        numbers.append(row_number)
                        rows.append(values)
                columns = [list(column) for column in zip(*rows, strict=True)] or [
                    [] for _ in FIELDS
                ]
                yield self._finish(numbers, columns)

    def parse_row(self, row_number: int, raw: Sequence[Any]) -> tuple[list[str], list[RowError]]:
        """One row (values in ``SOURCE`` order, None for a column the file lacks), parsed as
        ``importers.read_table`` parses it, then NIK and KK checked and the target TPS compared.
        Returns the normalised values and the row's errors."""
        errors: list[RowError] = []
        parsed: dict[str, Any] = {}
        for column, value in zip(COLUMNS, raw, strict=True):
            result = None
            if is_blank(value) and column.required and not column.blank_ok:
                errors.append(RowError(row_number, column.name, _REQUIRED_BLANK))
            else:
                try:
                    result = column.parser(value)
                except CellError as error:
                    errors.append(RowError(row_number, column.name, mask_numbers(str(error))))
                else:
                    if result is None and column.required and not column.blank_ok:
                        errors.append(RowError(row_number, column.name, _REQUIRED_BLANK))
            parsed[column.name] = result
        tps = parsed["tps"] or ""
        if len(tps) > TPS_LENGTH:
            errors.append(RowError(row_number, "tps", f'nomor TPS "{tps}" terlalu panjang'))
        elif self.expected_tps and tps and tps != self.expected_tps:
            errors.append(
                RowError(
                    row_number,
                    "tps",
                    f"TPS {tps} berbeda dengan TPS tujuan {self.expected_tps} "
                    "(baris daftar TPS lain?)",
                )
            )
        if errors:
            return [], errors
        check = nik_rules.check(parsed["nik"])
        disability = parsed["disabilitas"]
        return [
            check.text[:ID_LENGTH],
            str(check.status),
            nik_rules.clean(parsed["nkk"])[:ID_LENGTH],
            parsed["nama"],
            parsed["tempat_lahir"],
            parsed["tanggal_lahir"].isoformat(),
            parsed["jenis_kelamin"],
            parsed["status_perkawinan"],
            parsed["alamat"],
            parsed["rt"],
            parsed["rw"],
            parsed["kelurahan"],
            parsed["kecamatan"],
            parsed["kode_wilayah"],
            tps,
            "" if disability is None else str(disability),
            parsed["keterangan"],
        ], []

    # The fast path: records

    def _text_handle(self) -> io.TextIOWrapper:
        errors = "replace" if self._table.encoding == "cp1252" else "strict"
        return open(  # noqa: SIM115 - closed by the callers
            self.path, encoding=self._table.encoding, errors=errors, newline=""
        )

    def _read_header(self) -> dict[int, str]:
        with self._text_handle() as handle:
            reader = csv.reader(handle, delimiter=self._table.delimiter)
            try:
                cells = next(itertools.islice(reader, self.header_row - 1, None))
            except (StopIteration, csv.Error, UnicodeDecodeError):
                return {}
        self._header_cells = cells
        return header_positions(cells)

    def _split_records(self, start: int = 0, end: int | None = None) -> Iterator[list[list[str]]]:
        """Blocks of records of a CSV without quotes, NUL or lone CR: each line is a record.
        ``start`` and ``end`` (byte offsets at line starts) read a part of the file."""
        delimiter = self._table.delimiter
        errors = "replace" if self._table.encoding == "cp1252" else "strict"
        # A BOM is only one at the start of the file.
        encoding = (
            "utf-8" if start and self._table.encoding == "utf-8-sig" else self._table.encoding
        )
        decoder = codecs.getincrementaldecoder(encoding)(errors)
        pending = ""
        with open(self.path, "rb") as handle:
            handle.seek(start)
            while True:
                size = BLOCK_BYTES if end is None else min(BLOCK_BYTES, end - handle.tell())
                data = handle.read(size) if size > 0 else b""
                text = pending + decoder.decode(data, final=not data)
                if data:
                    cut = text.rfind("\n") + 1
                    if not cut:
                        pending = text
                        continue
                    block, pending = text[:cut], text[cut:]
                else:
                    block, pending = text, ""
                if block:
                    lines = block.replace("\r\n", "\n").split("\n")
                    if lines[-1] == "":
                        lines.pop()
                    yield [line.split(delimiter) for line in lines]
                self._done_bytes = handle.tell()
                if not data:
                    return

    def _csv_records(self) -> Iterator[list[list[str]]]:
        consumed = 0
        records: list[list[str]] = []
        with self._text_handle() as handle:
            reader = csv.reader(handle, delimiter=self._table.delimiter)
            try:
                for cells in reader:
                    records.append(cells)
                    if len(records) == self.batch_rows:
                        self._done_bytes = min(handle.buffer.tell(), self.size)
                        consumed += len(records)
                        yield records
                        records = []
            except csv.Error as error:
                raise FileRejected(
                    self.file_name,
                    f"format CSV rusak sekitar baris {consumed + len(records) + 1} ({error})",
                ) from None
            self._done_bytes = self.size
            if records:
                yield records

    def _fast_batches(
        self, start: int = 0, end: int | None = None, first_record: int = 0
    ) -> Iterator[Batch]:
        """``start``, ``end`` and ``first_record`` (the records before ``start``) read a part of
        a file read by splitting lines."""
        if self.mode == "csv":
            records_source = self._csv_records()
        else:
            records_source = self._split_records(start, end)
        number = first_record
        for records in records_source:
            start = number
            number += len(records)
            if number <= self.header_row:
                continue
            if start < self.header_row:
                records = records[self.header_row - start :]
                start = self.header_row
            for offset in range(0, len(records), self.batch_rows):
                chunk = records[offset : offset + self.batch_rows]
                yield self._normalise(start + offset + 1, chunk)

    # The fast path: columns

    def _column(
        self, name: str, values: Sequence[str], convert: Callable[[str], str], special: set[int]
    ) -> Sequence[str]:
        """A column with few distinct values: each new value is converted once; a column whose
        values are already in their normal form is passed on as it is."""
        state = self._states.get(name)
        if state is None:
            state = self._states[name] = _ColumnState()
        distinct = set(values)
        new = distinct - state.known
        if new:
            if len(state.known) + len(new) > MEMO_LIMIT:
                return self._each(values, convert, special)
            for raw in new:
                state.known.add(raw)
                try:
                    value = convert(raw)
                except (_Special, CellError):
                    state.bad.add(raw)
                    continue
                if value != raw:
                    state.rewrite[raw] = value
        out: Sequence[str] = values
        if state.rewrite and any(map(state.rewrite.__contains__, distinct)):
            out = list(map(state.rewrite.get, values, values))
        if state.bad and any(map(state.bad.__contains__, distinct)):
            bad = state.bad
            special.update(index for index, value in enumerate(values) if value in bad)
        return out

    @staticmethod
    def _each(values: Sequence[str], convert: Callable[[str], str], special: set[int]) -> list[str]:
        out = []
        for index, raw in enumerate(values):
            try:
                out.append(convert(raw))
            except (_Special, CellError):
                special.add(index)
                out.append("")
        return out

    def _nik(self, raw: str) -> tuple[str, str]:
        if len(raw) == 16 and raw.isascii() and raw.isdigit():
            # For 16 digits nik.check's verdict depends only on the date part (digits 7-12):
            # region and serial problems are warnings, and nik.parse fails exactly on its hard
            # errors (a day, month or date that cannot be). Remembered per date part.
            status = _VALID if _date_part_exists(raw[6:12]) else _INVALID
            self._date_part[raw[6:12]] = status
            return raw, status
        known = self._nik_memo.get(raw)
        if known is None and _MASKED_DATE.fullmatch(raw):
            # KPU's usual masking hides the date digits, which are all nik.check could find a
            # hard error in: the verdict is 'masked' (region warnings do not count).
            known = (raw, _MASKED)
            if len(self._nik_memo) < MEMO_LIMIT:
                self._nik_memo[raw] = known
        if known is None:
            check = nik_rules.check(raw)
            known = (check.text[:ID_LENGTH], str(check.status))
            if len(self._nik_memo) < MEMO_LIMIT:
                self._nik_memo[raw] = known
        return known

    def _normalise(self, first: int, records: list[list[str]]) -> Batch:
        count = len(records)
        cells = list(itertools.zip_longest(*records, fillvalue=""))
        blank = ("",) * count
        by_name = {name: position for position, name in self._positions.items()}
        col = {
            name: cells[by_name[name]] if by_name.get(name, len(cells)) < len(cells) else blank
            for name in SOURCE
        }
        special: set[int] = set()
        date_part = self._date_part.get

        niks = col["nik"]
        formats = [
            date_part(s[6:12]) if len(s) == 16 and s.isascii() and s.isdigit() else None
            for s in niks
        ]
        nik_out: Sequence[str] = niks
        if None in formats:
            nik_out = list(niks)
            index = -1
            with contextlib.suppress(ValueError):
                while True:
                    index = formats.index(None, index + 1)
                    nik_out[index], formats[index] = self._nik(niks[index])
        nkk_out = [
            s if not s or (len(s) == 16 and s.isascii() and s.isdigit()) else _clean_id(s)
            for s in col["nkk"]
        ]
        names = col["nama"]
        if "" in names or not _plain_texts(names):
            names = [
                s
                if s
                and s[0] not in _PLAIN_LEAD
                and s[-1] != " "
                and "  " not in s
                and s.isprintable()
                else parse_text(s)
                for s in names
            ]
            if "" in names:
                special.update(index for index, value in enumerate(names) if not value)
        addresses = col["alamat"]
        if not _plain_texts(addresses):
            addresses = [
                s
                if not s
                or (s[0] not in _PLAIN_LEAD and s[-1] != " " and "  " not in s and s.isprintable())
                else parse_text(s)
                for s in addresses
            ]
        column = self._column
        columns: list[Sequence[str]] = [
            nik_out,
            formats,
            nkk_out,
            names,
            column("tempat_lahir", col["tempat_lahir"], parse_text, special),
            column("tanggal_lahir", col["tanggal_lahir"], _iso_date, special),
            column("jenis_kelamin", col["jenis_kelamin"], _required_sex, special),
            column("status_perkawinan", col["status_perkawinan"], parse_marital, special),
            addresses,
            column("rt", col["rt"], parse_text, special),
            column("rw", col["rw"], parse_text, special),
            column("kelurahan", col["kelurahan"], parse_text, special),
            column("kecamatan", col["kecamatan"], parse_text, special),
            column("kode_wilayah", col["kode_wilayah"], parse_region, special),
            column("tps", col["tps"], self._tps, special),
            column("disabilitas", col["disabilitas"], _disability, special),
            column("keterangan", col["keterangan"], parse_text, special),
        ]
        numbers = list(range(first, first + count))
        self.rows_read += count
        if special:
            columns = [list(values) for values in columns]
            dropped = []
            for index in sorted(special):
                raw = tuple(col[name][index] for name in SOURCE)
                if all(is_blank(value) for value in raw) or self._repeats_header(records[index]):
                    self.rows_read -= 1
                    dropped.append(index)
                    continue
                values, errors = self.parse_row(numbers[index], raw)
                if errors:
                    self._add_errors(errors)
                    dropped.append(index)
                    continue
                for target, value in zip(columns, values, strict=True):
                    target[index] = value
            if dropped:
                keep = sorted(set(range(count)) - set(dropped))
                numbers = [numbers[index] for index in keep]
                columns = [[values[index] for index in keep] for values in columns]
        return self._finish(numbers, columns)

    def _repeats_header(self, cells: Sequence[Any]) -> bool:
        """The header row repeated further down (multi-page exports print it on every page)."""
        position, name = min(self._positions.items())
        cell = cells[position] if position < len(cells) else ""
        if not isinstance(cell, str):
            return False
        column = next((c for c in COLUMNS if header_key(cell) in c.keys), None)
        if column is None or column.name != name:
            return False
        return header_positions(cells) == self._positions

    def _tps(self, raw: str) -> str:
        value = parse_tps(raw)
        if len(value) > TPS_LENGTH or (self.expected_tps and value and value != self.expected_tps):
            raise _Special
        return value


class _Helper:
    """The forked process that reads a file from ``start`` for ``ListFile.copy_chunks``.

    It writes its COPY text to an unlinked temporary file and reports through a pipe, as
    pickled tuples: ("start", first position), then ("data", bytes, rows, rows read, bytes of
    the file done, errors) after every ``HELPER_REPORT_BYTES`` of text, then ("done", its
    counts and errors), or ("failed", a traceback). It never touches the database: the parent
    writes everything through its own connection, inside its own transaction."""

    def __init__(self, reader: ListFile, start: int, first_position: int):
        self.first_position = 0
        self.rows_read = 0
        self.done_bytes = start
        self.error_count = 0
        self.result: dict[str, Any] = {}
        self._finished = False
        self._spool = tempfile.TemporaryFile(prefix="tpskhusus-")  # noqa: SIM115 - see __exit__
        try:
            read_end, write_end = os.pipe()
            try:
                self.pid = os.fork()
            except OSError:
                os.close(read_end)
                os.close(write_end)
                raise
        except OSError:
            self._spool.close()
            raise
        if self.pid == 0:  # the helper: never returns
            os.close(read_end)
            _helper_main(reader, start, first_position, self._spool.fileno(), write_end)
        os.close(write_end)
        self._reports = open(read_end, "rb")  # noqa: SIM115 - closed in __exit__

    def __enter__(self) -> _Helper:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if not self._finished:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(self.pid, 0)
        self._reports.close()
        self._spool.close()

    def _receive(self) -> tuple[Any, ...]:
        header = self._reports.read(8)
        body = self._reports.read(int.from_bytes(header, "little")) if len(header) == 8 else b""
        if not body:
            raise RuntimeError("proses pembaca kedua berhenti tanpa hasil")
        return pickle.loads(body)  # noqa: S301 - written by our own forked child

    def chunks(self) -> Iterator[tuple[bytes, int]]:
        offset = 0
        fd = self._spool.fileno()
        while True:
            kind, *values = self._receive()
            if kind == "start":
                (self.first_position,) = values
            elif kind == "data":
                size, rows, self.rows_read, self.done_bytes, self.error_count = values
                parts = []
                while size:
                    part = os.pread(fd, size, offset)
                    if not part:
                        raise RuntimeError("berkas sementara pembaca kedua terpotong")
                    parts.append(part)
                    offset += len(part)
                    size -= len(part)
                yield b"".join(parts), rows
            elif kind == "done":
                (self.result,) = values
                self._finished = True
                return
            else:
                raise RuntimeError(f"proses pembaca kedua gagal:\n{values[0]}")


def _helper_main(
    reader: ListFile, start: int, first_position: int, spool: int, report_fd: int
) -> None:
    status = 1
    try:
        with open(report_fd, "wb") as reports:

            def report(*message: Any) -> None:
                body = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
                reports.write(len(body).to_bytes(8, "little") + body)
                reports.flush()

            try:
                first_record = _count_lines(reader.path, start)
                position = first_position + first_record - reader.header_row
                report("start", position)
                pending: list[bytes] = []
                size = rows = 0
                for batch in reader._fast_batches(start=start, first_record=first_record):
                    if not reader.error_count:
                        text = batch.copy_text(position).encode()
                        position += len(batch)
                        pending.append(text)
                        size += len(text)
                        rows += len(batch)
                    if size >= HELPER_REPORT_BYTES or (reader.error_count and pending):
                        _write_all(spool, b"".join(pending))
                        report("data", size, rows, reader.rows_read, reader._done_bytes,
                               reader.error_count)  # fmt: skip
                        pending, size, rows = [], 0, 0
                _write_all(spool, b"".join(pending))
                report("data", size, rows, reader.rows_read, reader.size, reader.error_count)
                report(
                    "done",
                    {
                        "errors": reader.errors,
                        "error_count": reader.error_count,
                        "rows_accepted": reader.rows_accepted,
                        "sex": reader.sex,
                        "nik_formats": reader.nik_formats,
                        "disabilities": reader.disabilities,
                    },
                )
                status = 0
            except BaseException:
                report("failed", traceback.format_exc())
    finally:
        os._exit(status)


def _count_lines(path: str | os.PathLike[str], end: int) -> int:
    count = 0
    with open(path, "rb") as handle:
        while end > 0:
            block = handle.read(min(1 << 20, end))
            if not block:
                break
            count += block.count(b"\n")
            end -= len(block)
    return count


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _shift_positions(data: bytes, shift: int) -> bytes:
    """COPY text with every row's position (its first value) lowered by ``shift``."""
    lines = []
    for line in data.split(b"\n")[:-1]:
        number, _tab, rest = line.partition(b"\t")
        lines.append(b"%d\t%s\n" % (int(number) - shift, rest))
    return b"".join(lines)


def _plain_texts(values: Sequence[str]) -> bool:
    """Whether every value is '' or as importers.parse_text leaves it: printable, not starting
    with a space or a dash, not ending with a space, no double space. Checked on the joined
    column, several times faster than value by value: a line break (never printable) cannot
    be inside a value that passes, so each one lies between two of the separators."""
    if not values or not "".join(values).isprintable():
        return False
    joined = "\n".join(values)
    return not (
        "  " in joined
        or " \n" in joined
        or "\n " in joined
        or "\n-" in joined
        or "\n\u2013" in joined
        or "\n\u2014" in joined
        or (values[0] and values[0][0] in _PLAIN_LEAD)
        or (values[-1] and values[-1][-1] == " ")
    )


def _date_part_exists(part: str) -> bool:
    """For a NIK of 16 ASCII digits whose digits 7-12 are ``part`` (DDMMYY, women's DD plus
    40): whether ``nik.parse`` accepts it, i.e. that day exists in 19YY or 20YY. The same rule
    without building the parsed NIK (tests/voters/test_lists_rows.py compares every part)."""
    day, month, yy = int(part[:2]), int(part[2:4]), int(part[4:])
    if day > nik_rules.WOMEN_DAY_OFFSET:
        day -= nik_rules.WOMEN_DAY_OFFSET
    if not (1 <= day <= 31 and 1 <= month <= 12):
        return False
    if month == 2 and day == 29:
        return yy % 4 == 0  # 2000 was a leap year, 1900 was not
    return day <= _MONTH_DAYS[month]


def _clean_id(raw: str) -> str:
    return nik_rules.clean(raw)[:ID_LENGTH]


def _iso_date(raw: str) -> str:
    # DD-MM-YYYY, DD/MM/YYYY, DD.MM.YYYY and YYYY-MM-DD (how KPU exports write dates) are read
    # here directly; anything else, and any doubt, goes to importers.parse_date.
    if len(raw) == 10 and raw.isascii():
        if raw[2] == raw[5] and raw[2] in "-/." and raw[:2].isdigit() and raw[3:5].isdigit():
            day, month, year = raw[:2], raw[3:5], raw[6:]
        elif raw[4] == raw[7] and raw[4] in "-/." and raw[:4].isdigit() and raw[5:7].isdigit():
            year, month, day = raw[:4], raw[5:7], raw[8:]
        else:
            year = day = month = ""
        if year.isdigit() and day.isdigit() and 1900 <= int(year) <= 2100:
            try:
                return date(int(year), int(month), int(day)).isoformat()
            except ValueError:
                raise _Special from None
    value = parse_date(raw)
    if value is None:
        raise _Special
    return value.isoformat()


def _required_sex(raw: str) -> str:
    value = parse_sex(raw)
    if value is None:
        raise _Special
    return value


def _disability(raw: str) -> str:
    value = parse_disability(raw)
    return "" if value is None else str(value)
