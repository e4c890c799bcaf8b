"""A large plain CSV is read by two processes (ListFile.copy_chunks): the same rows, positions,
errors and counts as one reading from start to end, and the shortcuts it relies on."""

import datetime as dt
import os
import random
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from hypothesis import given
from hypothesis import strategies as st
from kpu_files import write_csv

from voters import nik as nik_rules
from voters.services import list_rows
from voters.services.list_rows import ListFile

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


def read(path, *, split, share=0.5, **options):
    with ListFile(path, **options) as reader:
        if split:
            reader._split_start = _forced(reader, share)
        rows = copy_rows(reader)
    return reader, rows


def _forced(reader, share):
    original = reader._split_start

    def split_start():
        saved = list_rows.SPLIT_BYTES, list_rows.SPLIT_SHARE
        list_rows.SPLIT_BYTES, list_rows.SPLIT_SHARE = 0, share
        try:
            start = original()
        finally:
            list_rows.SPLIT_BYTES, list_rows.SPLIT_SHARE = saved
        assert start is not None
        reader.split_at = start
        return start

    return split_start


def same_reading(path, share=0.5, **options):
    split, split_rows = read(path, split=True, share=share, **options)
    one, one_rows = read(path, split=False, **options)
    general, general_rows = read(path, split=False, fast=False, **options)
    if not general.error_count:  # after an error the rows given are never written
        assert split_rows == one_rows == general_rows
    for reader in (split, one):
        assert [str(e) for e in reader.errors] == [str(e) for e in general.errors]
        assert reader.error_count == general.error_count
        assert reader.rows_read == general.rows_read
        assert reader.rows_accepted == general.rows_accepted
        assert reader.counts == general.counts
    assert split.mode == "split"
    assert [int(row[0]) for row in split_rows] == list(range(1, len(split_rows) + 1))
    return split, split_rows


@pytest.mark.parametrize("share", [0.1, 0.5, 0.9])
def test_two_processes_read_a_clean_file_like_one(tmp_path, share):
    path = write_csv(tmp_path / "dpt.csv", voter_rows(3000), header=HEADER)
    reader, rows = same_reading(path, share=share)
    assert len(rows) == reader.rows_accepted == 3000
    assert reader.estimated_rows == 3000


def test_blank_rows_and_repeated_headers_in_the_first_part_renumber_the_second(tmp_path):
    rows = voter_rows(2000, seed=2)
    rows[10] = [""] * len(HEADER)
    rows[500] = HEADER  # printed again on the next page
    rows[1900] = [""] * len(HEADER)
    rows = [[cell.encode("cp1252", "replace").decode("cp1252") for cell in row] for row in rows]
    rows[700][3] = "RENÉ ÇAKIR"
    path = write_csv(
        tmp_path / "dpt.csv", rows, header=HEADER, encoding="cp1252", title=["DPT", "BLORA"]
    )
    reader, split_rows = same_reading(path)
    assert reader.header_row == 3
    assert len(split_rows) == 1997


def test_errors_of_both_parts_are_listed_in_row_order_and_capped(tmp_path):
    rows = voter_rows(2000, seed=3)
    for index in (5, 20, 900, 1200, 1500, 1999):
        rows[index][5] = "31-02-1990"
    rows[1300][7] = ""
    path = write_csv(tmp_path / "dpt.csv", rows, header=HEADER)
    reader, split_rows = same_reading(path)
    data = path.read_bytes()
    assert data.index(b";WARGA 901;") < reader.split_at < data.index(b";WARGA 1201;")
    assert reader.error_count == 7
    assert [error.row_number for error in reader.errors] == [7, 22, 902, 1202, 1302, 1502, 2001]
    assert split_rows == []
    capped, _rows = read(path, split=True, error_limit=4)
    assert [error.row_number for error in capped.errors] == [7, 22, 902, 1202]
    assert capped.error_count == 7


def test_an_error_only_in_the_second_part_stops_the_rows_there(tmp_path):
    rows = voter_rows(2000, seed=4)
    rows[1800][5] = "tanggal"
    path = write_csv(tmp_path / "dpt.csv", rows, header=HEADER)
    reader, split_rows = same_reading(path)
    assert reader.error_count == 1
    assert [str(error) for error in reader.errors] == [
        'baris 1802, kolom tanggal_lahir: tanggal "tanggal" tidak dapat dibaca'
    ]


def test_a_file_without_a_final_line_break(tmp_path):
    path = write_csv(tmp_path / "dpt.csv", voter_rows(1500, seed=5), header=HEADER)
    path.write_bytes(path.read_bytes().rstrip(b"\r\n"))
    _reader, rows = same_reading(path, share=0.99)
    assert len(rows) == 1500


def test_a_helper_that_fails_fails_the_reading_and_is_reaped(tmp_path, monkeypatch):
    path = write_csv(tmp_path / "dpt.csv", voter_rows(1500), header=HEADER)

    def broken(*args):
        raise OSError("disk")

    monkeypatch.setattr(list_rows, "_count_lines", broken)
    helpers = recorded_helpers(monkeypatch)
    with pytest.raises(RuntimeError, match="OSError: disk"):
        read(path, split=True)
    assert len(helpers) == 1
    with pytest.raises(ChildProcessError):
        os.waitpid(helpers[0], os.WNOHANG)


def recorded_helpers(monkeypatch):
    pids = []

    class Recorded(list_rows._Helper):
        def __init__(self, *args):
            super().__init__(*args)
            pids.append(self.pid)

    monkeypatch.setattr(list_rows, "_Helper", Recorded)
    return pids


def test_a_reading_given_up_early_stops_the_helper(tmp_path, monkeypatch):
    path = write_csv(tmp_path / "dpt.csv", voter_rows(3000), header=HEADER)
    helpers = recorded_helpers(monkeypatch)
    with ListFile(path) as reader:
        reader._split_start = _forced(reader, 0.5)
        chunks = reader.copy_chunks(1)
        next(chunks)
        chunks.close()
    assert len(helpers) == 1
    with pytest.raises(ChildProcessError):
        os.waitpid(helpers[0], os.WNOHANG)


def test_a_small_file_or_a_file_with_quotes_is_read_by_one_process(tmp_path):
    small = write_csv(tmp_path / "small.csv", voter_rows(50), header=HEADER)
    with ListFile(small) as reader:
        assert reader._split_start() is None
    quoted = voter_rows(50)
    quoted[3][3] = 'BUDI "GENDON"'
    path = write_csv(tmp_path / "quoted.csv", quoted, header=HEADER)
    with ListFile(path) as reader:
        assert reader.mode == "csv"
        assert reader._split_start() is None


def test_leading_spaces_in_names_and_addresses_are_removed_as_by_the_general_path(tmp_path):
    rows = voter_rows(40, seed=6)
    rows[0][3] = " BUDI SANTOSO"
    rows[1][8] = " DUKUH"
    rows[2][3] = "\u00a0SITI"
    path = write_csv(tmp_path / "dpt.csv", rows, header=HEADER)
    one, one_rows = read(path, split=False)
    _general, general_rows = read(path, split=False, fast=False)
    assert one.mode == "split"
    assert one_rows == general_rows
    assert (one_rows[0][4], one_rows[1][9], one_rows[2][4]) == ("BUDI SANTOSO", "DUKUH", "SITI")


def test_the_date_part_rule_is_nik_parse_for_every_day_and_month():
    for yy in (0, 1, 4, 23, 24, 96, 99):
        for dd in range(100):
            for mm in range(100):
                part = f"{dd:02d}{mm:02d}{yy:02d}"
                expected = nik_rules.parse(f"331601{part}0001") is not None
                assert list_rows._date_part_exists(part) == expected, part


@given(st.text(alphabet="0123456789", min_size=6, max_size=6))
def test_the_date_part_rule_is_nik_parse(part):
    expected = nik_rules.parse(f"331601{part}0001") is not None
    assert list_rows._date_part_exists(part) == expected


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
def test_a_reference_read_by_two_processes_is_loaded_in_file_order(election, tmp_path, monkeypatch):
    from voters.models import ReferenceEntry
    from voters.services.lists import active_reference

    rows = voter_rows(3000, seed=7)
    rows[100] = [""] * len(HEADER)
    monkeypatch.setattr(list_rows, "SPLIT_BYTES", 0)
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


def test_without_a_process_to_spare_the_file_is_read_alone(tmp_path, monkeypatch):
    path = write_csv(tmp_path / "dpt.csv", voter_rows(1500), header=HEADER)
    _one, expected = read(path, split=False)

    def no_fork():
        raise BlockingIOError("Resource temporarily unavailable")

    monkeypatch.setattr(os, "fork", no_fork)
    reader, rows = read(path, split=True)
    assert rows == expected
    assert reader.rows_accepted == 1500


def test_the_command_freezes_the_heap_only_when_run_from_the_command_line(monkeypatch, capsys):
    import gc

    from voters.management.commands.import_reference_dpt import Command
    from voters.services import lists

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
