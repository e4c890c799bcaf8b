"""The fast path of a plain KPU list CSV: blocks of lines read and checked a column at a time by
Polars (compiled, multi-threaded), with the same meaning as the general path.

``voters.lists.rows.ListFile`` cuts a CSV without quotes, NUL or lone CR into blocks of whole
lines and hands each block here. Polars splits the block into columns; each check below is a
*shortcut that accepts* a value already in its normal form (16 ASCII digits with a date part
that exists, printable ASCII text without a leading dash or stray spaces...). Every other value
goes through the same Python converters as the line-by-line path (``nik.check``,
``cells.parse_*``), once per distinct value of the block, and a value they refuse sends its
row through the reader's ``parse_row``, so every error message and every edge case comes from
one place. tests/voters/test_lists_rows.py reads messy files both ways and compares rows, errors
and counts.

A block Polars cannot take as the line-by-line path would (a line that is not UTF-8, a first
line shorter than the header, a row count that differs from the line count, a BOM) returns
None from ``read_block`` and is read line by line instead.

Polars is imported only where a file is read (never at start-up, and never before a Celery
worker forks its children: its thread pool must not cross a fork): ``ListFile`` imports this
module inside its functions. Pure Python besides: no Django, no database (tests/test_rules.py).
"""

from __future__ import annotations

import functools
import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, Protocol

import polars as pl

from voters.readers.batches import Batch, clean_id
from voters.readers.cells import nik_date_exists, parse_text
from voters.rules import nik as nik_rules

# Printable ASCII, not starting with a space or a dash, no double space, no space at the end:
# exactly what cells.parse_text leaves as it is, restricted to ASCII (anything else is
# judged by parse_text itself).
_PLAIN = r"[!-,.-~](?: ?[!-~])*"
_SIXTEEN = r"[0-9]{16}"
PLAIN_TEXT = f"^{_PLAIN}$"
SIXTEEN_DIGITS = f"^{_SIXTEEN}$"
# The same, or blank (one pass instead of two)
PLAIN_OR_BLANK = f"^(?:{_PLAIN})?$"
SIXTEEN_OR_BLANK = f"^(?:{_SIXTEEN})?$"
# Dates as KPU exports write them: DD-MM-YYYY, with -, / or . (lists/rows.py _iso_date); other
# shapes (YYYY-MM-DD too) are converted once per distinct value.
DAY_FIRST = r"^[0-9]{2}(?:-[0-9]{2}-|/[0-9]{2}/|\.[0-9]{2}\.)[0-9]{4}$"
_ROW = "__row"
_VALID = str(nik_rules.NikFormat.VALID)
_INVALID = str(nik_rules.NikFormat.INVALID)


class ColumnReader(Protocol):
    """What ``normalise`` asks of the reader (``voters.lists.rows.ListFile``): the header's
    column positions, the count of rows read, and its converters, which remember what they
    have judged across blocks."""

    positions: dict[int, str]
    rows_read: int

    def check_nik(self, raw: str) -> tuple[str, str]: ...

    def memo(
        self, name: str, distinct: Iterable[str], convert: Callable[[str], str]
    ) -> tuple[dict[str, str], list[str]]: ...

    def reread(
        self, row_number: int, raw: Sequence[Any], cells: Sequence[Any]
    ) -> list[str] | None: ...


def read_block(data: bytes, delimiter: str, columns: int, lines: int) -> pl.DataFrame | None:
    """The block's ``lines`` as a frame of text columns (at least ``columns`` wide), or None
    when Polars would not read it exactly as splitting the lines does."""
    if data.startswith(b"\xef\xbb\xbf"):
        return None  # Polars drops a BOM; the line-by-line path keeps it in the cell
    try:
        frame = pl.read_csv(
            data,
            has_header=False,
            separator=delimiter,
            quote_char=None,
            infer_schema=False,
            empty_string_is_null=False,
            truncate_ragged_lines=True,
            raise_if_empty=False,
        )
    except pl.exceptions.PolarsError:
        return None
    # The first line sets the width: a shorter first line would cut the later lines' cells.
    if frame.height != lines or frame.width < columns:
        return None
    return frame


class FrameBatch:
    """Accepted rows of a block, with the interface of ``batches.Batch``: ``row_numbers``,
    ``columns`` (lists of text in ``FIELDS`` order), ``records()`` and ``copy_text()``, which
    writes the COPY text straight from the frame (as bytes)."""

    def __init__(self, frame: pl.DataFrame, fields: Sequence[str], escape: bool = True):
        self.frame = frame
        self.fields = tuple(fields)
        # Whether a value may hold a backslash or a tab (COPY text escapes them). A line
        # break or carriage return is never inside a value read from a line, nor put there
        # by a converter.
        self.escape = escape

    def __len__(self) -> int:
        return self.frame.height

    @property
    def row_numbers(self) -> list[int]:
        return self.frame.get_column(_ROW).to_list()

    @property
    def columns(self) -> list[list[str]]:
        return [self.column(name) for name in self.fields]

    def column(self, name: str) -> list[str]:
        return self.frame.get_column(name).fill_null("").to_list()

    def records(self) -> Iterator[dict[str, Any]]:
        return Batch(self.row_numbers, self.columns).records()

    def copy_text(self, first_position: int, nik_number: bool = False) -> bytes:
        count = self.frame.height
        if not count:
            return b""
        position = pl.int_range(first_position, first_position + count, dtype=pl.Int64)
        texts = [name for name in self.fields if name != "disabilitas"]
        values: list[pl.Expr] = [pl.col(name) for name in self.fields]
        if self.escape:
            values = [
                pl.col(name)
                .str.replace_all("\\", "\\\\", literal=True)
                .str.replace_all("\t", "\\t", literal=True)
                if name in texts
                else pl.col(name)
                for name in self.fields
            ]
        if nik_number:  # ReferenceEntry.nik_angka: a NIK of 16 digits, as a number
            nik = pl.col("nik")
            values.append(pl.when(nik.str.contains(SIXTEEN_DIGITS)).then(nik).alias("nik_angka"))
        out = io.BytesIO()
        self.frame.select(position.alias("position"), *values).write_csv(
            out,
            include_header=False,
            separator="\t",
            line_terminator="\n",
            quote_style="never",
            null_value="\\N",  # disabilitas when blank, nik_angka when not 16 digits
        )
        return out.getvalue()


def _distinct(frame: pl.DataFrame, exprs: dict[str, pl.Expr]) -> dict[str, list[str]]:
    """Several lists of distinct values computed in one pass (Polars runs them in parallel)."""
    row = frame.select(expr.unique().implode().alias(name) for name, expr in exprs.items())
    return {name: row.get_column(name)[0].to_list() for name in exprs}


def normalise(
    reader: ColumnReader,
    first: int,
    block: pl.DataFrame,
    source: Sequence[str],
    fields: Sequence[str],
    converters: dict[str, Callable[[str], str]],
    escape: bool = True,
) -> FrameBatch:
    """``ListFile._normalise`` for a frame: the block's rows (numbered from ``first``) checked
    and normalised into ``fields``; rows with a value the shortcuts and converters do not take
    go through ``reader.reread`` (their errors recorded, blank rows and repeated headers
    dropped)."""
    count = block.height
    by_name = {name: position for position, name in reader.positions.items()}
    src = block.select(
        (
            pl.col(block.columns[by_name[name]]).fill_null("")
            if name in by_name
            else pl.lit("", dtype=pl.String)
        ).alias(name)
        for name in source
    ).with_row_index(_ROW, offset=first)

    nik = pl.col("nik")
    shortcuts = _shortcuts()
    date = pl.col("tanggal_lahir")
    src = src.with_columns(
        # DD-MM-YYYY (also / or .) as YYYY-MM-DD; other shapes go to the converter
        pl.when(date.str.contains(DAY_FIRST))
        .then(
            pl.concat_str(
                date.str.slice(6, 4), date.str.slice(3, 2), date.str.slice(0, 2), separator="-"
            )
        )
        .alias("tanggal_lahir!")
    )
    src = src.hstack(
        src.select(
            nik.str.contains(SIXTEEN_DIGITS).alias("nik?"),
            _date_part_exists(nik).alias("nik_date"),
            *(accepted.alias(f"{name}?") for name, (accepted, _normal) in shortcuts.items()),
        )
    )
    convert: dict[str, Callable[[str], str]] = {
        **converters,
        "nkk": clean_id,
        "nama": parse_text,
        "alamat": parse_text,
    }
    distinct = _distinct(
        src,
        {
            name: pl.col(name).filter(~pl.col(f"{name}?")) if f"{name}?" in src else pl.col(name)
            for name in ("nik", *convert)
        },
    )

    # NIKs other than 16 digits: nik.check once per distinct value (remembered across blocks).
    nik_keys = distinct["nik"]
    nik_values = [reader.check_nik(raw) for raw in nik_keys]
    nik_format = pl.when(pl.col("nik?")).then(
        pl.when(pl.col("nik_date")).then(pl.lit(_VALID)).otherwise(pl.lit(_INVALID))
    )
    nik_out = nik
    if nik_keys:
        nik_out = nik.replace(nik_keys, [value for value, _status in nik_values])
        nik_format = nik_format.otherwise(
            nik.replace_strict(nik_keys, [status for _value, status in nik_values], default=None)
        )
    outputs: dict[str, pl.Expr] = {"nik": nik_out, "nik_format": nik_format}
    bad: list[pl.Expr] = []
    for name, function in convert.items():
        rewrite, refused = reader.memo(name, distinct[name], function)
        outputs[name] = _replaced(name, rewrite)  # accepted values are never in ``rewrite``
        normal = shortcuts[name][1] if name in shortcuts else None
        if normal is not None and not normal.meta.eq(pl.col(name)):
            outputs[name] = pl.when(pl.col(f"{name}?")).then(normal).otherwise(outputs[name])
        if refused:
            bad.append(pl.col(name).is_in(refused))
    # A name that is blank, or becomes blank, is a required value missing: parse_row says so.
    bad.append(outputs["nama"] == "")
    disability = outputs["disabilitas"]
    outputs["disabilitas"] = pl.when(disability != "").then(disability)  # null for COPY
    out = src.select(
        pl.col(_ROW),
        *(outputs[name].alias(name) for name in fields),
        pl.any_horizontal(bad).alias("__special"),
    )
    reader.rows_read += count
    special = out.get_column("__special")
    out = out.drop("__special")
    if special.any():
        out = _special_rows(reader, block, src, out, special, source, fields)
    return FrameBatch(out, fields, escape)


def _shortcuts() -> dict[str, tuple[pl.Expr, pl.Expr]]:
    """Per column: which values are already in their normal form (a superset of nothing the
    converter would change or refuse), and that form. Other values go to the converter."""

    def text(name: str) -> tuple[pl.Expr, pl.Expr]:
        column = pl.col(name)
        return column.str.contains(PLAIN_OR_BLANK), column

    # Dates: their ISO form is computed first (tanggal_lahir!), then checked (see normalise).
    iso = pl.col("tanggal_lahir!")
    return {
        "nkk": (
            pl.col("nkk").str.contains(SIXTEEN_OR_BLANK),
            pl.col("nkk"),
        ),
        "nama": text("nama"),
        "alamat": text("alamat"),
        "tempat_lahir": text("tempat_lahir"),
        "rt": text("rt"),
        "rw": text("rw"),
        "kelurahan": text("kelurahan"),
        "kecamatan": text("kecamatan"),
        "keterangan": text("keterangan"),
        "tanggal_lahir": (
            iso.str.to_date("%Y-%m-%d", strict=False)
            .dt.year()
            .is_between(1900, 2100)
            .fill_null(False),
            iso,
        ),
        "jenis_kelamin": (pl.col("jenis_kelamin").is_in(["L", "P"]), pl.col("jenis_kelamin")),
        "status_perkawinan": (
            pl.col("status_perkawinan").is_in(["B", "S", "P"]),
            pl.col("status_perkawinan"),
        ),
    }


def _replaced(name: str, mapping: dict[str, str]) -> pl.Expr:
    changed = {raw: value for raw, value in mapping.items() if value != raw}
    if not changed:
        return pl.col(name)
    return pl.col(name).replace(list(changed), list(changed.values()))


@functools.cache
def _date_parts() -> pl.Series:
    """For every date part (NIK digits 7-12, DDMMYY, women's DD plus 40) read as a number,
    whether ``cells.nik_date_exists`` accepts it. That rule depends on the day, the month and
    whether YY is divisible by four, so it is asked for each DDMM with YY 00 and 01 (20,000
    questions) and the answers spread over the million parts."""
    answers = pl.Series(
        [nik_date_exists(f"{ddmm:04d}{yy}") for ddmm in range(10_000) for yy in ("00", "01")],
        dtype=pl.Boolean,
    )
    part = pl.int_range(0, 1_000_000, dtype=pl.Int32, eager=True)
    return answers.gather((part // 100) * 2 + (part % 4 != 0).cast(pl.Int32))


def _date_part_exists(nik: pl.Expr) -> pl.Expr:
    """Whether a 16-digit NIK's date part exists (``cells.nik_date_exists``)."""
    part = nik.str.slice(6, 6).cast(pl.UInt32, strict=False).fill_null(0)
    return pl.lit(_date_parts()).gather(part)


def _special_rows(
    reader: ColumnReader,
    block: pl.DataFrame,
    src: pl.DataFrame,
    out: pl.DataFrame,
    special: pl.Series,
    source: Sequence[str],
    fields: Sequence[str],
) -> pl.DataFrame:
    """Rows the shortcuts did not take, through ``reader.reread`` (as the line path does)."""
    fixed: list[list[Any]] = []
    raw_rows = src.filter(special).select(_ROW, *source).rows()
    indexes = special.arg_true().to_list()
    for index, (row_number, *raw) in zip(indexes, raw_rows, strict=True):
        values = reader.reread(row_number, raw, block.row(index))
        if values is None:
            continue
        fixed.append(
            [
                row_number,
                *(
                    value or None if name == "disabilitas" else value
                    for name, value in zip(fields, values, strict=True)
                ),
            ]
        )
    kept = out.filter(~special)
    if not fixed:
        return kept
    extra = pl.DataFrame(fixed, schema=kept.schema, orient="row")
    return pl.concat([kept, extra]).sort(_ROW)


def counts(batch: FrameBatch, keys: dict[str, Sequence[str]]) -> dict[str, dict[str, int]]:
    """For each column of ``keys``, how many rows hold each of its keys."""
    row = batch.frame.select(
        (pl.col(name) == key).sum().alias(f"{name}={key}")
        for name, values in keys.items()
        for key in values
    ).row(0, named=True)
    return {name: {key: row[f"{name}={key}"] for key in values} for name, values in keys.items()}
