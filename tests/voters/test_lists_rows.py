"""The KPU list reader: the fast path must mean exactly what the general path means."""

import codecs
import datetime as dt
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from kpu_files import KPU_HEADER, kpu_rows, kpu_xlsx, write_csv

from voters.lists import rows as list_rows
from voters.lists.rows import ListFile
from voters.readers import cells
from voters.readers.batches import FIELDS, Batch
from voters.readers.cells import FileRejected
from voters.rules import nik as nik_rules

# Values people and spreadsheets really put in KPU files, valid and not, per column.
MESSY = {
    "NKK": ["3316011203150001", "", "'3316011203150002", "3316 0112 0315 0003", "3,3160E+15",
            "-", "331601**********"],
    "NIK": ["3316011505800001", "331601**********", "", "-", "331601150580000", "3,3160E+15",
            "'3316014206850002", "3316-0142-0685-0002", "3316013302900003", "3316015513900001",
            "3316011505800001", "33160115058000011", "NIK BELUM ADA", "3316011505800001 ",
            "3316019999990001", "331601150580****", "**************01"],
    "NAMA": ["BUDI SANTOSO", " SITI  AMINAH ", "-", "", "JOSÉ\u00a0MARIA", "AHMAD\u200bFAUZI",
             "- DARSO", "—", "NUR  ROHMAN", "O'NEIL", "DEWI\tSARTIKA", "Ny. SUMIATI, S.Pd."],
    "TEMPAT LAHIR": ["BLORA", "", " CEPU", "REM  BANG", "-"],
    "TANGGAL LAHIR": ["15-05-1980", "02/06/1985", "1990-07-07", "7-7-1990", "23 Juni 1974",
                      "31-02-1990", "", "00-00-0000", "15.05.1980", "1899-12-31", "15-05-80",
                      "2101-01-01", "15/05-1980", "tgl", "01-13-1980"],
    "STATUS PERKAWINAN": ["B", "S", "P", "", "Kawin", "BELUM KAWIN", "Cerai Mati", "X"],
    "JENIS KELAMIN": ["L", "P", "Laki-laki", "PEREMPUAN", "", "W", "lk"],
    "ALAMAT": ["DUKUH KRAJAN", "", "JL.  PEMUDA", " RT 1 ", "-"],
    "RT": ["001", "1", "", "-", " 002"],
    "RW": ["002", "", "3"],
    "DISABILITAS": ["", "1", "6", "0", "7", "1 - Fisik", "Netra", "x"],
    "KETERANGAN": ["", "B", "U", " TMS 1 "],
    "KELURAHAN": ["JEPON", "", "KEL.  BLORA"],
    "KECAMATAN": ["JEPON", "BLORA", ""],
    "TPS": ["901", "0901", "TPS 901", "", "902", "12345678901", "TPS-A"],
}  # fmt: skip
HEADER = ["NO", *MESSY]


def messy_rows(count, seed):
    rng = random.Random(seed)
    rows = []
    for number in range(1, count + 1):
        row = [str(number)] + [rng.choice(values) for values in MESSY.values()]
        rows.append(row)
    return rows


def read_all(path, **options):
    with ListFile(path, **options) as reader:
        rows = []
        for batch in reader.batches():
            for number, values in zip(
                batch.row_numbers, zip(*batch.columns, strict=True), strict=True
            ):
                rows.append((number, values))
        return reader, rows


def same_reading(path, polars=True, **options):
    fast, fast_rows = read_all(path, batch_rows=7, **options)
    general, general_rows = read_all(path, fast=False, **options)
    assert fast_rows == general_rows
    assert [str(e) for e in fast.errors] == [str(e) for e in general.errors]
    assert fast.error_count == general.error_count
    assert fast.rows_read == general.rows_read
    assert fast.counts == general.counts
    if fast.mode == "frame" and polars:
        assert fast.blocks["frame"], "Polars read no block of a plain CSV"
    return fast, general


@pytest.mark.parametrize("seed", range(6))
def test_the_fast_path_reads_messy_csv_like_the_general_path(tmp_path, seed):
    path = write_csv(tmp_path / "dpt.csv", messy_rows(120, seed), header=HEADER)
    fast, general = same_reading(path, expected_tps="901")
    assert fast.mode == "frame"
    assert general.mode == "general"
    assert fast.error_count > 0  # the messy values include errors


def test_a_file_with_quotes_is_read_by_the_csv_module_with_the_same_meaning(tmp_path):
    rows = messy_rows(80, 11)
    rows[3][3] = 'BUDI "GENDON" SANTOSO'
    rows[5][8] = "DUKUH; KRAJAN\nRT 1"
    path = write_csv(tmp_path / "dpt.csv", rows, header=HEADER, delimiter=",")
    fast, _general = same_reading(path, expected_tps="901")
    assert fast.mode == "csv"


def test_windows_1252_title_rows_blank_rows_and_a_repeated_header(tmp_path):
    rows = messy_rows(40, 3)
    rows[10] = [""] * len(HEADER)
    rows[11] = ["12"] + [""] * (len(HEADER) - 1)  # a prefilled number, nothing else
    rows[20] = HEADER  # printed again on the next page
    rows[21][3] = "RENÉ ÇAKIR"
    rows = [[cell.encode("cp1252", "replace").decode("cp1252") for cell in row] for row in rows]
    path = write_csv(
        tmp_path / "dpt.csv",
        rows,
        header=HEADER,
        encoding="cp1252",
        title=["DAFTAR PEMILIH TETAP", "KABUPATEN BLORA"],
    )
    fast, _general = same_reading(path, expected_tps="901")
    assert fast.mode == "frame"
    assert fast.header_row == 3


def test_a_utf8_file_with_a_late_windows_1252_byte_takes_the_general_path(tmp_path):
    path = tmp_path / "dpt.csv"
    rows = kpu_rows() * 300  # past the 64 KB that tables.py samples to choose the encoding
    write_csv(path, rows)
    path.write_bytes(
        path.read_bytes() + "6;;;GÜNTER;BLORA;01-01-1980;;B;L;;;;;;;;901\r\n".encode("cp1252")
    )
    with ListFile(path) as reader:
        assert reader.mode == "general"
        assert sum(len(batch) for batch in reader.batches()) == len(rows) + 1


def test_rows_shorter_than_the_header_are_padded(tmp_path):
    path = tmp_path / "dpt.csv"
    path.write_text("NIK;NAMA;TGL LAHIR;JK;KET\n3316011505800001;BUDI;15-05-1980;L\n", "utf-8")
    fast, _general = same_reading(path, polars=False)
    assert fast.rows_accepted == 1
    # A block whose first line is short is split line by line (Polars would cut later lines).
    assert fast.blocks == {"lines": 1}


def test_a_missing_required_column_rejects_the_file_under_its_own_name(tmp_path):
    path = write_csv(tmp_path / "0f3c.csv", [["1", "BUDI"]], header=["NO", "NAMA"])
    with pytest.raises(FileRejected) as caught:
        ListFile(path, file_name="dpt_tps901.csv")
    assert caught.value.file_name == "dpt_tps901.csv"
    assert "tanggal_lahir" in caught.value.reason


def test_errors_are_capped_but_all_counted(tmp_path):
    rows = [[str(n), "", "", "NAMA", "", "bukan tanggal", "", "", "L"] for n in range(1, 51)]
    path = write_csv(tmp_path / "dpt.csv", rows, header=KPU_HEADER[:9])
    with ListFile(path, error_limit=10) as reader:
        assert not any(len(batch) for batch in reader.batches())
    assert reader.error_count == 50
    assert len(reader.errors) == 10
    assert str(reader.errors[0]).startswith("baris 2, kolom tanggal_lahir")


def test_copy_text_escapes_what_copy_would_misread():
    values = ["A\\B", "TAB\tHERE", "LINE\nBREAK", "CR\rX"]
    by_field = {name: [""] * 4 for name in FIELDS}
    by_field.update(
        nik=["331601**********"] * 4,
        nik_format=["masked"] * 4,
        nama=values,
        tanggal_lahir=["1980-05-15"] * 4,
        jenis_kelamin=["L"] * 4,
        status_perkawinan=["B"] * 4,
    )
    batch = Batch([2, 3, 4, 5], [by_field[name] for name in FIELDS])
    lines = batch.copy_text(1).split("\n")[:-1]
    assert len(lines) == 4
    decoded = [
        codecs.decode(line.split("\t")[1 + FIELDS.index("nama")], "unicode_escape")
        for line in lines
    ]
    assert decoded == values
    assert all(line.split("\t")[1 + FIELDS.index("disabilitas")] == "\\N" for line in lines)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet="0123456789", min_size=16, max_size=16))
def test_the_date_part_shortcut_agrees_with_nik_check(value):
    reader = ListFile.__new__(ListFile)
    reader._date_part = {}
    reader._nik_memo = {}
    assert reader.check_nik(value)[1] == str(nik_rules.check(value).status)


@settings(max_examples=400)
@given(
    st.integers(0, 39),
    st.integers(0, 14),
    st.integers(1890, 2110),
    st.sampled_from(["-", "/", ".", "x"]),
    st.booleans(),
)
def test_fast_dates_agree_with_parse_date(day, month, year, separator, iso):
    text = (
        f"{year:04d}{separator}{month:02d}{separator}{day:02d}"
        if iso
        else f"{day:02d}{separator}{month:02d}{separator}{year:04d}"
    )
    try:
        expected = cells.parse_date(text)
    except cells.CellError:
        expected = "error"
    try:
        got = list_rows._iso_date(text)
    except (list_rows._Special, cells.CellError):
        got = "error"
    assert got == ("error" if expected in ("error", None) else expected.isoformat())


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.lists(st.sampled_from(sum(MESSY.values(), [])), min_size=15, max_size=15),
        min_size=1,
        max_size=30,
    )
)
def test_any_mix_of_messy_values_reads_the_same_both_ways(tmp_path_factory, cells):
    path = tmp_path_factory.mktemp("mix") / "dpt.csv"
    rows = [[str(n), *row] for n, row in enumerate(cells, 1)]
    write_csv(path, rows, header=HEADER)
    same_reading(path, expected_tps="901")


def test_an_xlsx_is_read_by_the_general_path(tmp_path):
    rows = kpu_rows()
    rows[0][2] = 3316011505800001  # a NIK typed into a number cell
    rows[1][5] = dt.datetime(1985, 6, 2)
    path = kpu_xlsx(tmp_path, rows, title=["DAFTAR PEMILIH"])
    reader, read = read_all(path)
    assert reader.mode == "general"
    by_name = {values[FIELDS.index("nama")]: values for _number, values in read}
    budi = by_name["BUDI SANTOSO"]
    assert budi[FIELDS.index("nik_format")] == "invalid"
    assert by_name["SITI AMINAH"][FIELDS.index("tanggal_lahir")] == "1985-06-02"


@settings(max_examples=300)
@given(st.text(alphabet="0123456789*", min_size=16, max_size=16))
def test_the_masked_shortcut_agrees_with_nik_check(value):
    reader = ListFile.__new__(ListFile)
    reader._date_part = {}
    reader._nik_memo = {}
    assert reader.check_nik(value) == (
        nik_rules.check(value).text,
        str(nik_rules.check(value).status),
    )


@settings(max_examples=200)
@given(
    st.text(alphabet="0123456789*", min_size=6, max_size=6),
    st.text(alphabet="0123456789*", min_size=4, max_size=4),
)
def test_a_nik_masked_over_its_date_is_masked_as_nik_check_says(head, tail):
    value = f"{head}******{tail}"
    reader = ListFile.__new__(ListFile)
    reader._date_part = {}
    reader._nik_memo = {}
    assert (
        reader.check_nik(value) == (value, str(nik_rules.check(value).status)) == (value, "masked")
    )


@pytest.mark.parametrize("encoding", ["utf-8-sig", "cp1252"])
def test_block_boundaries_inside_lines_and_characters_change_nothing(
    tmp_path, monkeypatch, encoding
):
    rows = messy_rows(150, 7)
    rows[40][3] = "RENÉ ÇAKIR ÖZ"
    rows = [[cell.encode(encoding, "replace").decode(encoding) for cell in row] for row in rows]
    path = write_csv(tmp_path / "dpt.csv", rows, header=HEADER, encoding=encoding, title=["DPT"])
    monkeypatch.setattr(list_rows, "FRAME_BYTES", 37)  # blocks of a line or two
    fast, _general = same_reading(path, expected_tps="901")
    assert fast.mode == "frame"
    assert fast.rows_read == 150
