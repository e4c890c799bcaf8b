"""Reading a KPU list file (CONTRACT.md "KPU list file") into normalised rows, in batches.

``ListFile`` opens a file with ``tables.open_rows`` (format, size and archive checks, encoding,
delimiter, the header below title rows, required columns: ``FileRejected`` on failure) and then
yields ``Batch`` objects: the accepted rows as columns of text in ``FIELDS`` order. Rows with errors
are left out and collected in ``errors`` (the first ``error_limit``) and ``error_count``; the
caller decides that a file with any error writes nothing. Nothing is ever held for the whole
file: a regency's DPT (700,000 rows) is read in batches of a few thousand.

Three ways to read, with one meaning:

- The general path parses every row like ``tables.read_table`` (each value through its
  ``Column.parser``, then ``nik.check``). It reads any format the readers read (XLSX too).
- A plain CSV (UTF-8 or Windows-1252, no quote character, NUL or lone CR: each line a record)
  is read in blocks of whole lines by Polars and checked a column at a time
  (voters/readers/fast.py):
  compiled shortcuts accept the values already in their normal form, and every other value
  goes through the same converters as below, once per distinct value.
- A CSV with quotes is read by the csv module and checked a column at a time in Python: each
  distinct value of a column with few distinct values (dates, sex, region codes, kelurahan...)
  is parsed once and remembered.

In the last two, a value the shortcuts and converters do not take sends its whole row through
the general path, so every error message and every edge case comes from the same code.
tests/voters/test_lists_rows.py and test_lists_frames.py check that the paths give the same
rows, errors and counts on messy files. ``copy_chunks`` gives the accepted rows as PostgreSQL
COPY text, produced by a thread while the caller sends the previous chunk.

The fast paths read the header row again themselves (``tables.match_header``, the rule
``tables.TableRows`` applies) and fall back to the general path whenever the columns found differ
from ``TableRows.present``. The accepted rows are ``batches.Batch`` objects (Polars:
``fast.FrameBatch``); this module stays in lists/ because it hashes the file for the audit trail.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import itertools
import os
import queue
import re
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from typing import Any

from voters.core import audit
from voters.readers.batches import FIELDS, ID_LENGTH, Batch, clean_id
from voters.readers.cells import (
    CellError,
    FileRejected,
    is_blank,
    nik_date_exists,
    parse_date,
    parse_disability,
    parse_marital,
    parse_region,
    parse_sex,
    parse_text,
    parse_tps,
)
from voters.readers.tables import (
    VOTER_LIST_COLUMNS,
    RowError,
    key_index,
    match_header,
    open_rows,
    parse_cells,
    repeats_header,
)
from voters.readers.xlsx_guard import MAX_UNPACKED, XlsxLimits
from voters.rules import nik as nik_rules

COLUMNS = VOTER_LIST_COLUMNS
SOURCE = tuple(column.name for column in COLUMNS)
_INDEX = key_index(COLUMNS)
TPS_LENGTH = 10

# The opening scan reads 128 KB blocks; Polars checks 4 MB blocks of lines (about 30,000 rows
# of a KPU DPT: large enough that its per-call costs vanish, small enough for the memory bound).
BLOCK_BYTES = 1 << 17
FRAME_BYTES = 4 << 20
FIRST_FRAME_BYTES = 1 << 19
BATCH_ROWS = 2048
ERROR_LIMIT = 1000
# Chunks of COPY text waiting for the connection while the reader thread goes on.
COPY_QUEUE = 2
# Each remembered value costs about 150 bytes; the caps bound a column's memory to ~30 MB even
# when its values are all distinct.
MEMO_LIMIT = 200_000

_VALID = str(nik_rules.NikFormat.VALID)
_INVALID = str(nik_rules.NikFormat.INVALID)
_MASKED = str(nik_rules.NikFormat.MASKED)
_LONE_CR = re.compile(rb"\r(?!\n)")
_MASKED_DATE = re.compile(r"[0-9*]{6}\*{6}[0-9*]{4}")
_FORMATS = tuple(str(status) for status in nik_rules.NikFormat)
_SEXES = ("L", "P")
_DISABILITY_CODES = tuple(str(code) for code in range(1, 7))
# A text value starting with one of these is not as cells.parse_text leaves it.
_PLAIN_LEAD = frozenset(" -\u2013\u2014")


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
        max_unpacked: int = MAX_UNPACKED,
        limits: XlsxLimits | None = None,
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
        self.blocks: Counter[str] = Counter()  # blocks read by Polars ("frame") or line by line
        self._states: dict[str, _ColumnState] = {}
        self._date_part: dict[str, str] = {}
        self._nik_memo: dict[str, tuple[str, str]] = {}
        try:
            self._table = open_rows(
                path, COLUMNS, max_bytes=max_bytes, max_unpacked=max_unpacked, limits=limits
            )
        except FileRejected as error:
            raise FileRejected(self.file_name, error.reason) from None
        self.header_row = self._table.header_row
        self.present = self._table.present
        self.size = os.path.getsize(path)
        # The SHA-256 is computed by a thread (hashlib works without the GIL) while the bytes
        # are scanned and, for a large reference DPT, while its reading starts (0.13 s).
        hasher = ThreadPoolExecutor(1, thread_name_prefix="sha256")
        self._digest = hasher.submit(audit.sha256_of_file, path)
        hasher.shutdown(wait=False)  # its thread ends with the hash
        utf8, special, nul = _scan_bytes(path)
        if nul and self._table.encoding in ("utf-8-sig", "cp1252"):
            # tables.open_rows refuses a NUL in the first 64 KB; one further down is refused here
            # (no database stores it in text, and no honest export writes it).
            self._table.close()
            raise FileRejected(self.file_name, "bukan berkas teks CSV (berisi byte NUL)")
        self.mode = "general"
        #: the header's column positions, for the fast paths (empty on the general path)
        self.positions: dict[int, str] = {}
        if fast and self._table.delimiter and self._fast_encoding(utf8):
            self.positions = self._read_header()
            if set(self.positions.values()) == set(self.present):
                self.mode = "csv" if special else "frame"
        if self.mode != "general":
            self._table.close()

    def _fast_encoding(self, utf8: bool) -> bool:
        # A UTF-8 sample with a later invalid byte is read by tables.py as UTF-8 up to that row
        # and Windows-1252 after it; only the general path does exactly that.
        return self._table.encoding == "cp1252" or (self._table.encoding == "utf-8-sig" and utf8)

    @property
    def sha256(self) -> str:
        """The file's SHA-256 (waits for the thread computing it)."""
        return self._digest.result()

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
            "nik": {str(key): self.nik_formats.get(str(key), 0) for key in nik_rules.NikFormat},
            "disabilitas": {str(code): self.disabilities.get(str(code), 0) for code in range(1, 7)},
        }

    # -- reading --

    def batches(self) -> Iterator[Batch]:
        if self.mode == "general":
            yield from self._general_batches()
        elif self.mode == "frame":
            yield from self._frame_batches()
        else:
            yield from self._fast_batches()

    def copy_chunks(
        self, first_position: int = 1, nik_number: bool = False
    ) -> Iterator[tuple[str | bytes, int]]:
        """The accepted rows as COPY text (``Batch.copy_text``, UTF-8 when bytes), numbered from
        ``first_position``, in chunks with their number of rows. Nothing more is yielded once a
        row has an error, but the file is still read to its end so that every error is counted.

        The file is read and checked by a thread while the caller writes the previous chunk
        to PostgreSQL: Polars and the socket both release the GIL, so reading and checking
        overlap PostgreSQL's own parsing of the COPY text. At most ``COPY_QUEUE`` chunks wait.
        """
        chunks: queue.Queue[tuple[str | bytes, int] | BaseException | None] = queue.Queue(
            COPY_QUEUE
        )
        stop = threading.Event()

        def put(item: tuple[str | bytes, int] | BaseException | None) -> bool:
            while not stop.is_set():
                try:
                    chunks.put(item, timeout=0.1)
                except queue.Full:
                    continue
                return True
            return False

        def produce() -> None:
            position = first_position
            try:
                for batch in self.batches():
                    if stop.is_set():
                        return
                    if len(batch) and not self.error_count:
                        text = batch.copy_text(position, nik_number)
                        if not put((text, len(batch))):
                            return
                        position += len(batch)
            except BaseException as error:  # noqa: BLE001 - raised again by the consumer
                put(error)
            else:
                put(None)

        reader = threading.Thread(target=produce, name="list-reader", daemon=True)
        reader.start()
        try:
            while (item := chunks.get()) is not None:
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:
            stop.set()
            reader.join()

    def _add_errors(self, errors: list[RowError]) -> None:
        self.error_count += len(errors)
        room = self.error_limit - len(self.errors)
        if room > 0:
            self.errors.extend(errors[:room])

    def _finish(self, numbers: list[int], columns: list[Sequence[str]]) -> Batch:
        return self._count(Batch(numbers, columns))

    def _count(self, batch: Any) -> Any:
        """Add a batch's rows to the counts (by sex, NIK format and disability)."""
        self.rows_accepted += len(batch)
        keys = {"jenis_kelamin": _SEXES, "nik_format": _FORMATS, "disabilitas": _DISABILITY_CODES}
        counters = {"jenis_kelamin": self.sex, "nik_format": self.nik_formats,
                    "disabilitas": self.disabilities}  # fmt: skip
        if isinstance(batch, Batch):
            # list.count is a plain scan, several times faster than Counter on these columns.
            for name, values in keys.items():
                column = batch.column(name)
                for key in values:
                    counters[name][key] += column.count(key)
        else:
            from voters.readers import fast

            for name, found in fast.counts(batch, keys).items():
                counters[name].update(found)
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
        ``tables.read_table`` parses it, then NIK and KK checked and the target TPS compared.
        Returns the normalised values and the row's errors."""
        parsed, errors = parse_cells(row_number, COLUMNS, raw)
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
        return match_header(cells, _INDEX)

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

    def _fast_batches(self) -> Iterator[Batch]:
        """A CSV with quotes: records from the csv module, checked a column at a time."""
        number = 0
        for records in self._csv_records():
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

    def _frame_batches(self) -> Iterator[Batch]:
        """A CSV without quotes: blocks of ``FRAME_BYTES`` of whole lines (each line a record),
        checked by Polars (voters/readers/fast.py); a block Polars cannot read exactly as splitting
        its lines would is split and checked line by line."""
        from voters.readers import fast

        delimiter = self._table.delimiter
        width = max(self.positions) + 1
        converters = self._converters()
        recoded = self._table.encoding == "cp1252"
        records = 0  # lines before the block
        pending = b""
        with open(self.path, "rb") as handle:
            size = FIRST_FRAME_BYTES  # PostgreSQL starts on the first rows sooner
            while True:
                data = handle.read(min(size, FRAME_BYTES))
                size = FRAME_BYTES
                block = pending + data
                if data:
                    cut = block.rfind(b"\n") + 1
                    if not cut:
                        pending = block
                        continue
                    block, pending = block[:cut], block[cut:]
                else:
                    pending = b""
                self._done_bytes = handle.tell()
                lines = block.count(b"\n") + (bool(block) and not block.endswith(b"\n"))
                skip = min(max(self.header_row - records, 0), lines)
                if skip:
                    end = -1
                    for _ in range(skip):
                        end = block.find(b"\n", end + 1)
                    block = block[end + 1 :] if end >= 0 else b""
                if block:
                    if recoded:
                        block = block.decode("cp1252", "replace").encode()
                    first = records + skip + 1
                    frame = fast.read_block(block, delimiter, width, lines - skip)
                    self.blocks["lines" if frame is None else "frame"] += 1
                    if frame is None:
                        yield from self._line_batches(first, block.decode())
                    else:
                        escape = b"\\" in block or (delimiter != "\t" and b"\t" in block)
                        yield self._count(
                            fast.normalise(self, first, frame, SOURCE, FIELDS, converters, escape)
                        )
                records += lines
                if not data:
                    return

    def _line_batches(self, first: int, text: str) -> Iterator[Batch]:
        lines = text.replace("\r\n", "\n").split("\n")
        if lines[-1] == "":
            lines.pop()
        delimiter = self._table.delimiter
        for offset in range(0, len(lines), self.batch_rows):
            chunk = [line.split(delimiter) for line in lines[offset : offset + self.batch_rows]]
            yield self._normalise(first + offset, chunk)

    # The fast path: columns

    def _converters(self) -> dict[str, Callable[[str], str]]:
        """The columns with few distinct values, each with the function giving a value's normal
        form (raising ``_Special`` or ``CellError`` for a value its row's parse must judge)."""
        return {
            "tempat_lahir": parse_text,
            "tanggal_lahir": _iso_date,
            "jenis_kelamin": _required_sex,
            "status_perkawinan": parse_marital,
            "rt": parse_text,
            "rw": parse_text,
            "kelurahan": parse_text,
            "kecamatan": parse_text,
            "kode_wilayah": parse_region,
            "tps": self._tps,
            "disabilitas": _disability,
            "keterangan": parse_text,
        }

    def memo(
        self, name: str, distinct: Iterable[str], convert: Callable[[str], str]
    ) -> tuple[dict[str, str], list[str]]:
        """For the distinct values of a column in a batch: those whose normal form differs
        (with it) and those ``convert`` refuses. Each value is converted once per file, up to
        ``MEMO_LIMIT`` values per column; beyond that, once per batch."""
        state = self._states.get(name)
        if state is None:
            state = self._states[name] = _ColumnState()
        distinct = list(distinct)
        new = [raw for raw in distinct if raw not in state.known]
        if new and len(state.known) + len(new) > MEMO_LIMIT:
            state = _ColumnState()  # too many to remember: this batch only
            new = distinct
        for raw in new:
            state.known.add(raw)
            try:
                value = convert(raw)
            except (_Special, CellError):
                state.bad.add(raw)
                continue
            if value != raw:
                state.rewrite[raw] = value
        rewrite = state.rewrite
        rewritten = {raw: rewrite[raw] for raw in distinct if raw in rewrite} if rewrite else {}
        refused = [raw for raw in distinct if raw in state.bad] if state.bad else []
        return rewritten, refused

    def _column(
        self, name: str, values: Sequence[str], convert: Callable[[str], str], special: set[int]
    ) -> Sequence[str]:
        """A column with few distinct values: each new value is converted once; a column whose
        values are already in their normal form is passed on as it is."""
        rewrite, refused = self.memo(name, set(values), convert)
        out: Sequence[str] = values
        if rewrite:
            out = list(map(rewrite.get, values, values))
        if refused:
            bad = set(refused)
            special.update(index for index, value in enumerate(values) if value in bad)
        return out

    def check_nik(self, raw: str) -> tuple[str, str]:
        """A NIK cell's stored text and format, remembered per date part or value."""
        if len(raw) == 16 and raw.isascii() and raw.isdigit():
            # For 16 digits nik.check's verdict depends only on the date part (digits 7-12):
            # region and serial problems are warnings, and nik.parse fails exactly on its hard
            # errors (a day, month or date that cannot be). Remembered per date part.
            status = _VALID if nik_date_exists(raw[6:12]) else _INVALID
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
        by_name = {name: position for position, name in self.positions.items()}
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
                    nik_out[index], formats[index] = self.check_nik(niks[index])
        nkk_out = [
            s if not s or (len(s) == 16 and s.isascii() and s.isdigit()) else clean_id(s)
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
        converted = {
            name: self._column(name, col[name], convert, special)
            for name, convert in self._converters().items()
        }
        converted.update(nik=nik_out, nik_format=formats, nkk=nkk_out, nama=names, alamat=addresses)
        columns: list[Sequence[str]] = [converted[name] for name in FIELDS]
        numbers = list(range(first, first + count))
        self.rows_read += count
        if special:
            columns = [list(values) for values in columns]
            dropped = []
            for index in sorted(special):
                raw = tuple(col[name][index] for name in SOURCE)
                values = self.reread(numbers[index], raw, records[index])
                if values is None:
                    dropped.append(index)
                    continue
                for target, value in zip(columns, values, strict=True):
                    target[index] = value
            if dropped:
                keep = sorted(set(range(count)) - set(dropped))
                numbers = [numbers[index] for index in keep]
                columns = [[values[index] for index in keep] for values in columns]
        return self._finish(numbers, columns)

    def reread(self, row_number: int, raw: Sequence[Any], cells: Sequence[Any]) -> list[str] | None:
        """A row the column-wise checks did not take (values in ``SOURCE`` order, and the
        line's cells), through ``parse_row``: its values, or None when it is left out: a blank
        row or a repeated header (not counted as read), or a row with errors (recorded)."""
        if all(is_blank(value) for value in raw) or self._repeats_header(cells):
            self.rows_read -= 1
            return None
        values, errors = self.parse_row(row_number, raw)
        if errors:
            self._add_errors(errors)
            return None
        return values

    def _repeats_header(self, cells: Sequence[Any]) -> bool:
        """The header row repeated further down (multi-page exports print it on every page)."""
        return repeats_header(cells, self.positions, _INDEX)

    def _tps(self, raw: str) -> str:
        value = parse_tps(raw)
        if len(value) > TPS_LENGTH or (self.expected_tps and value and value != self.expected_tps):
            raise _Special
        return value


def _plain_texts(values: Sequence[str]) -> bool:
    """Whether every value is '' or as cells.parse_text leaves it: printable, not starting
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


def _iso_date(raw: str) -> str:
    # DD-MM-YYYY, DD/MM/YYYY, DD.MM.YYYY and YYYY-MM-DD (how KPU exports write dates) are read
    # here directly; anything else, and any doubt, goes to cells.parse_date.
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
