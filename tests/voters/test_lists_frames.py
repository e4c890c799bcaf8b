"""A plain CSV is read in blocks checked by Polars (voters/readers/fast.py) while a thread hands the
COPY text on (ListFile.copy_chunks): the same rows, positions, errors and counts as the
general path, at any block size, and the shortcuts it relies on."""

import datetime as dt
import threading
from io import StringIO

import polars as pl
import pytest
from django.conf import settings
from django.core.management import call_command
from hypothesis import given
from hypothesis import strategies as st
from kpu_files import write_csv

from voters.lists import rows as list_rows
from voters.lists.rows import ListFile
from voters.readers import fast
from voters.readers.cells import nik_date_exists
from voters.rules import nik as nik_rules

HEADER = [
    "NO", "NKK", "NIK", "NAMA", "TEMPAT LAHIR", "TANGGAL LAHIR", "STATUS PERKAWINAN",
    "JENIS KELAMIN", "ALAMAT", "RT", "RW", "DISABILITAS", "KELURAHAN", "KECAMATAN", "TPS",
]  # fmt: skip


def person(number, rng):
    born = dt.date(1940, 1, 1) + dt.timedelta(days=rng.randrange(25_000))
    woman = rng.random() < 0.5
    nik = f"331601{born.day + 40 * woman:02d}{born:%m%y}{number % 10000:04d}"
    nik = rng.choice([nik] * 8 + ["331601**********", "", "3,3160E+15"])
    return [str(number), "", nik, f"WARGA {number}", "BLORA",
            rng.choice([f"{born:%d-%m-%Y}", f"{born:%d/%m/%Y}"]), "S", "P" if woman else "L",
            "DUKUH KRAJAN", "001", "002", rng.choice(["", "", "3"]), "JEPON", "JEPON",
            f"{rng.randrange(1, 30):03d}"]  # fmt: skip


def voter_rows(count, seed=1):
    import random

    rng = random.Random(seed)
    return [person(number, rng) for number in range(1, count + 1)]


def copy_rows(reader):
    """The rows copy_chunks gives, as tuples of text (position first)."""
    rows = []
    for text, count in reader.copy_chunks(1):
        if isinstance(text, bytes):
            text = text.decode()
        lines = text.split("\n")[:-1]
        assert len(lines) == count
        rows.extend(tuple(line.split("\t")) for line in lines)
    return rows


def read(path, **options):
    with ListFile(path, **options) as reader:
        rows = copy_rows(reader)
    return reader, rows


def same_reading(path, frame_bytes=(1 << 12), **options):
    """Read by Polars in blocks of ``frame_bytes`` and by the general path: the same."""
    saved = list_rows.FRAME_BYTES
    list_rows.FRAME_BYTES = frame_bytes
    try:
        frame, frame_rows = read(path, **options)
    finally:
        list_rows.FRAME_BYTES = saved
    general, general_rows = read(path, fast=False, **options)
    if not general.error_count:  # after an error the rows given are never written
        assert frame_rows == general_rows
    assert [str(e) for e in frame.errors] == [str(e) for e in general.errors]
    assert frame.error_count == general.error_count
    assert frame.rows_read == general.rows_read
    assert frame.rows_accepted == general.rows_accepted
    assert frame.counts == general.counts
    assert frame.mode == "frame"
    assert frame.blocks["frame"] > 0
    assert [int(row[0]) for row in frame_rows] == list(range(1, len(frame_rows) + 1))
    return frame, frame_rows


@pytest.mark.parametrize(("frame_bytes", "count"), [(40, 300), (1 << 12, 3000), (1 << 22, 3000)])
def test_a_clean_file_reads_the_same_at_any_block_size(tmp_path, frame_bytes, count):
    path = write_csv(tmp_path / "dpt.csv", voter_rows(count), header=HEADER)
    reader, rows = same_reading(path, frame_bytes=frame_bytes)
    assert len(rows) == reader.rows_accepted == count
    assert reader.estimated_rows == count


def test_blank_rows_and_repeated_headers_are_dropped_and_rows_keep_their_numbers(tmp_path):
    rows = voter_rows(2000, seed=2)
    rows[10] = [""] * len(HEADER)
    rows[500] = HEADER  # printed again on the next page
    rows[1900] = [""] * len(HEADER)
    rows = [[cell.encode("cp1252", "replace").decode("cp1252") for cell in row] for row in rows]
    rows[700][3] = "RENÉ ÇAKIR"
    path = write_csv(
        tmp_path / "dpt.csv", rows, header=HEADER, encoding="cp1252", title=["DPT", "BLORA"]
    )
    reader, frame_rows = same_reading(path)
    assert reader.header_row == 3
    assert len(frame_rows) == 1997
    assert reader.rows_read == 1997


def test_empty_lines_and_short_first_lines_are_read_line_by_line(tmp_path):
    path = write_csv(tmp_path / "dpt.csv", voter_rows(300, seed=8), header=HEADER)
    data = path.read_bytes().split(b"\r\n")
    data[50] = b""  # an empty line: Polars keeps it, but it is also a short first line
    data[120] = b"120;;3316011505800001;BUDI;BLORA;15-05-1980;S;L"  # a short line
    path.write_bytes(b"\r\n".join(data))
    for frame_bytes in (40, 1 << 10, 1 << 20):
        _reader, rows = same_reading(path, frame_bytes=frame_bytes)
        assert len(rows) == 299


@pytest.mark.parametrize(
    "block",
    [
        b"\r\n1;2;3\r\n",  # an empty first line: one column
        b"1;2\r\n1;2;3;4\r\n",  # a short first line would cut the next line's cells
        b"\xef\xbb\xbf1;2;3\n",  # Polars would drop the BOM
        b"1;2;\xff\n",  # not UTF-8
    ],
)
def test_a_block_polars_would_read_differently_is_left_to_the_line_path(block):
    lines = block.count(b"\n") + (not block.endswith(b"\n"))
    assert fast.read_block(block, ";", 3, lines) is None


def test_polars_keeps_empty_lines_and_pads_short_lines_as_splitting_does():
    frame = fast.read_block(b"1;2;3\r\n\r\n4\r\n5;6;7;8", ";", 3, 4)
    assert frame.rows() == [("1", "2", "3"), ("", "", ""), ("4", "", ""), ("5", "6", "7")]


def test_errors_are_listed_in_row_order_and_capped(tmp_path):
    rows = voter_rows(2000, seed=3)
    for index in (5, 20, 900, 1200, 1500, 1999):
        rows[index][5] = "31-02-1990"
    rows[1300][7] = ""
    path = write_csv(tmp_path / "dpt.csv", rows, header=HEADER)
    reader, frame_rows = same_reading(path)
    assert reader.error_count == 7
    assert [error.row_number for error in reader.errors] == [7, 22, 902, 1202, 1302, 1502, 2001]
    assert frame_rows == []
    capped, _rows = read(path, error_limit=4)
    assert [error.row_number for error in capped.errors] == [7, 22, 902, 1202]
    assert capped.error_count == 7


def test_an_error_near_the_end_stops_the_rows_there(tmp_path):
    rows = voter_rows(2000, seed=4)
    rows[1800][5] = "tanggal"
    path = write_csv(tmp_path / "dpt.csv", rows, header=HEADER)
    reader, _rows = same_reading(path)
    assert reader.error_count == 1
    assert [str(error) for error in reader.errors] == [
        'baris 1802, kolom tanggal_lahir: tanggal "tanggal" tidak dapat dibaca'
    ]


def test_a_file_without_a_final_line_break(tmp_path):
    path = write_csv(tmp_path / "dpt.csv", voter_rows(1500, seed=5), header=HEADER)
    path.write_bytes(path.read_bytes().rstrip(b"\r\n"))
    _reader, rows = same_reading(path)
    assert len(rows) == 1500


def test_values_copy_would_misread_are_escaped(tmp_path):
    rows = voter_rows(30, seed=9)
    rows[3][8] = "JL. A\\B"
    rows[4][3] = "N\\"
    path = write_csv(tmp_path / "dpt.csv", rows, header=HEADER)
    with ListFile(path) as reader:
        text = b"".join(chunk for chunk, _count in reader.copy_chunks(1)).decode()
    assert "\tJL. A\\\\B\t" in text
    assert "\tN\\\\\t" in text
    _reader, frame_rows = same_reading(path)


def test_a_reader_that_fails_fails_the_reading_and_its_thread_ends(tmp_path, monkeypatch):
    path = write_csv(tmp_path / "dpt.csv", voter_rows(1500), header=HEADER)

    def broken(*args):
        raise OSError("disk")

    monkeypatch.setattr(fast, "read_block", broken)
    with pytest.raises(OSError, match="disk"):
        read(path)
    assert not [t for t in threading.enumerate() if t.name == "list-reader"]


def test_a_reading_given_up_early_stops_its_thread(tmp_path, monkeypatch):
    path = write_csv(tmp_path / "dpt.csv", voter_rows(3000), header=HEADER)
    monkeypatch.setattr(list_rows, "FRAME_BYTES", 1 << 10)
    with ListFile(path) as reader:
        chunks = reader.copy_chunks(1)
        next(chunks)
        chunks.close()
    assert not [t for t in threading.enumerate() if t.name == "list-reader"]


def test_a_file_with_quotes_is_read_by_the_csv_module(tmp_path):
    quoted = voter_rows(50)
    quoted[3][3] = 'BUDI "GENDON"'
    path = write_csv(tmp_path / "quoted.csv", quoted, header=HEADER)
    with ListFile(path) as reader:
        assert reader.mode == "csv"
        copy_rows(reader)
        assert not reader.blocks


def test_leading_spaces_in_names_and_addresses_are_removed_as_by_the_general_path(tmp_path):
    rows = voter_rows(40, seed=6)
    rows[0][3] = " BUDI SANTOSO"
    rows[1][8] = " DUKUH"
    rows[2][3] = "\u00a0SITI"
    path = write_csv(tmp_path / "dpt.csv", rows, header=HEADER)
    one, one_rows = same_reading(path)
    assert (one_rows[0][4], one_rows[1][9], one_rows[2][4]) == ("BUDI SANTOSO", "DUKUH", "SITI")


def _polars_date_part(part):
    nik = f"331601{part}0001"
    return pl.select(fast._date_part_exists(pl.lit(nik))).item()


def test_the_polars_date_part_rule_is_nik_parse_for_every_day_and_month():
    niks = [
        f"331601{dd:02d}{mm:02d}{yy:02d}0001"
        for yy in (0, 1, 4, 23, 24, 96, 99)
        for dd in range(100)
        for mm in range(100)
    ]
    found = pl.DataFrame({"nik": niks}).select(fast._date_part_exists(pl.col("nik")))
    for nik, exists in zip(niks, found.to_series().to_list(), strict=True):
        assert exists == (nik_rules.parse(nik) is not None), nik


@given(st.text(alphabet="0123456789", min_size=6, max_size=6))
def test_the_polars_date_part_rule_is_nik_parse(part):
    assert _polars_date_part(part) == (nik_rules.parse(f"331601{part}0001") is not None)


@given(st.text(max_size=12))
def test_the_plain_text_pattern_accepts_only_what_parse_text_leaves(value):
    from voters.readers.cells import parse_text

    plain = pl.select(pl.lit(value).str.contains(fast.PLAIN_TEXT)).item()
    if plain:
        assert parse_text(value) == value and value
    or_blank = pl.select(pl.lit(value).str.contains(fast.PLAIN_OR_BLANK)).item()
    assert or_blank == (plain or value == "")


def test_the_date_part_rule_is_nik_parse_for_every_day_and_month():
    for yy in (0, 1, 4, 23, 24, 96, 99):
        for dd in range(100):
            for mm in range(100):
                part = f"{dd:02d}{mm:02d}{yy:02d}"
                expected = nik_rules.parse(f"331601{part}0001") is not None
                assert nik_date_exists(part) == expected, part


@given(st.text(alphabet="0123456789", min_size=6, max_size=6))
def test_the_date_part_rule_is_nik_parse(part):
    expected = nik_rules.parse(f"331601{part}0001") is not None
    assert nik_date_exists(part) == expected


TEXTS = ["BUDI", "SITI AMINAH", "", " BUDI", "BUDI ", "SITI  AMINAH", "-", "- DARSO",
         "\u2013X", "\u2014", "O'NEIL", "A\tB", "A\u00a0B", "A\u200bB", "JOSÉ", " ", "X-Y",
         "A\nB"]  # fmt: skip


@given(st.lists(st.sampled_from(TEXTS), min_size=1, max_size=8))
def test_a_column_passes_whole_only_when_each_value_is_plain(values):
    def plain(s):
        return not s or (
            s[0] not in " -\u2013\u2014" and s[-1] != " " and "  " not in s and s.isprintable()
        )

    if list_rows._plain_texts(values):
        assert all(plain(s) for s in values)
    else:
        assert not all(plain(s) for s in values)


def old_scan(data, block_bytes):
    """The byte scan before the lone-CR regular expression: counts of CR and CRLF."""
    special = False
    carried_cr = False
    for start in range(0, len(data), block_bytes):
        block = data[start : start + block_bytes]
        if not special:
            lone = block.count(b"\r") - block.count(b"\r\n")
            if carried_cr and not block.startswith(b"\n"):
                lone += 1
            carried_cr = block.endswith(b"\r")
            lone -= carried_cr
            special = lone > 0 or b'"' in block
    return special or carried_cr


@given(
    data=st.lists(st.sampled_from([b"a", b"\r", b"\n", b'"']), max_size=40).map(b"".join),
    block_bytes=st.integers(1, 9),
)
def test_lone_carriage_returns_are_found_across_blocks(data, block_bytes, tmp_path_factory):
    path = tmp_path_factory.getbasetemp() / "scan.csv"
    path.write_bytes(data)
    saved = list_rows.BLOCK_BYTES
    list_rows.BLOCK_BYTES = block_bytes
    try:
        _utf8, special, _nul = list_rows._scan_bytes(path)
    finally:
        list_rows.BLOCK_BYTES = saved
    assert special == old_scan(data, block_bytes)


@pytest.mark.django_db
@pytest.mark.skipif(not settings.IS_POSTGRES, reason="COPY is PostgreSQL's")
def test_a_reference_is_loaded_in_file_order(election, tmp_path, monkeypatch):
    from voters.lists.services import active_reference
    from voters.models import ReferenceEntry

    rows = voter_rows(3000, seed=7)
    rows[100] = [""] * len(HEADER)
    monkeypatch.setattr(list_rows, "FRAME_BYTES", 1 << 12)
    path = write_csv(tmp_path / "dpt.csv", rows, header=HEADER)
    call_command("import_reference_dpt", str(path), "--election", election.code, stdout=StringIO())
    reference = active_reference(election)
    assert reference.row_count == 2999
    names = list(
        ReferenceEntry.objects.filter(reference=reference)
        .order_by("position")
        .values_list("position", "nama")
    )
    expected = [row[3] for index, row in enumerate(rows) if index != 100]
    assert names == list(enumerate(expected, 1))


def test_the_command_freezes_the_heap_only_when_run_from_the_command_line(monkeypatch, capsys):
    import gc

    from voters.lists import services as lists
    from voters.management.commands.import_reference_dpt import Command

    def no_election(code):
        raise lists.NotFound(f"Pemilihan '{code}' tidak ditemukan")

    frozen = []
    monkeypatch.setattr(gc, "freeze", lambda: frozen.append(True))
    monkeypatch.setattr(lists, "election_by_code", no_election)
    argv = ["manage.py", "import_reference_dpt", "/tidak/ada.csv", "--election", "TIDAK-ADA"]
    with pytest.raises(SystemExit) as caught:
        Command().run_from_argv(argv)
    assert caught.value.code == 1
    assert frozen == [True]
    assert "Pemilihan 'TIDAK-ADA' tidak ditemukan" in capsys.readouterr().err
