import datetime as dt
import random
import shutil
import struct
import zipfile
from pathlib import Path

import openpyxl
import pytest

from voters.readers import cells, tables
from voters.readers.cells import CellError, FileRejected
from voters.readers.tables import (
    DAPIL_COLUMNS,
    INMATE_COLUMNS,
    VOTER_LIST_COLUMNS,
    RowError,
    collect,
    format_errors,
    header_key,
    open_rows,
    read_table,
)
from voters.readers.xlsx_guard import check_xlsx_archive
from voters.rules import nik

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"

INMATE_HEADER = "No. Registrasi;Nama Lengkap;NIK;Tgl. Lahir;L/P;Tgl Masuk"
VOTER_HEADER = "NO;NKK;NIK;NAMA;TANGGAL LAHIR;JENIS KELAMIN;TPS"


def write_csv(path, lines, *, encoding="utf-8", newline="\r\n"):
    path.write_bytes(newline.join(lines).encode(encoding) + newline.encode())
    return path


def write_xlsx(path, sheets):
    """sheets: {title: [row, ...]}; a row is a list of cell values (None = empty)."""
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    workbook.save(path)
    return path


def rewrite_zip(source, target, replace=None, extra=()):
    """Copy a zip, replacing (or adding) members by name and adding (name, bytes) members."""
    replace = dict(replace or {})
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            new.writestr(info.filename, replace.pop(info.filename, old.read(info.filename)))
        for name, data in [*replace.items(), *extra]:
            new.writestr(name, data)
    return target


def small_workbook(tmp_path):
    return write_xlsx(
        tmp_path / "kecil.xlsx",
        {
            "Data": [
                ["No Reg", "Nama", "Tgl Lahir", "JK", "Tgl Masuk"],
                ["A.1", "BUDI", "01-01-1990", "L", "01-01-2024"],
            ]
        },
    )


# Reading CSV


def test_it_reads_a_semicolon_csv_with_a_bom_and_crlf(tmp_path):
    path = write_csv(
        tmp_path / "dpt.csv",
        [VOTER_HEADER, "1;3316092309096244;3316096306743314;SRI SAPUTRO;23-06-1974;P;901"],
        encoding="utf-8-sig",
    )

    table = read_table(path, VOTER_LIST_COLUMNS)
    rows = list(table)

    assert table.source.delimiter == ";"
    assert table.header_row == 1
    assert [row.row_number for row in rows] == [2]
    assert rows[0].errors == []
    assert rows[0].values["nik"] == "3316096306743314"
    assert rows[0].values["nama"] == "SRI SAPUTRO"
    assert rows[0].values["tanggal_lahir"] == dt.date(1974, 6, 23)
    assert rows[0].values["jenis_kelamin"] == "P"
    assert rows[0].values["tps"] == "901"


def test_it_falls_back_to_windows_1252(tmp_path):
    path = write_csv(
        tmp_path / "sdp.csv",
        [INMATE_HEADER, "AIII.1/2024;JOSÉ GONÇALVES;;01-02-1980;L;04-03-2024"],
        encoding="cp1252",
    )

    rows, errors = collect(path, INMATE_COLUMNS)

    assert errors == []
    assert rows[0].values["nama"] == "JOSÉ GONÇALVES"


def test_it_reopens_as_windows_1252_when_a_late_row_is_not_utf8(tmp_path):
    lines = [INMATE_HEADER]
    lines += [f"B.{n}/2024;ORANG NOMOR {n:05d};;01-02-1980;L;04-03-2024" for n in range(3000)]
    lines.append("B.X/2024;JOSÉ;;01-02-1980;L;04-03-2024")
    path = write_csv(tmp_path / "panjang.csv", lines, encoding="cp1252")
    assert path.stat().st_size > tables.CSV_SAMPLE_BYTES

    rows, errors = collect(path, INMATE_COLUMNS)

    assert errors == []
    assert len(rows) == 3001
    assert [row.row_number for row in rows] == list(range(2, 3003))
    assert rows[-1].values["nama"] == "JOSÉ"


def test_it_reads_utf16_tab_delimited_text_from_excel(tmp_path):
    path = tmp_path / "unicode.txt"
    text = "NIK\tNama\tTgl Lahir\tJK\r\n3316096306743314\tJOSÉ\t23/06/1974\tL\r\n"
    path.write_bytes(text.encode("utf-16"))

    rows, errors = collect(path, VOTER_LIST_COLUMNS)

    assert errors == []
    assert rows[0].values["nama"] == "JOSÉ"


def test_it_finds_the_header_below_title_rows(tmp_path):
    path = write_csv(
        tmp_path / "sdp.csv",
        [
            "DATA WARGA BINAAN;;;;;",
            "RUTAN KELAS IIB BLORA;;;;;",
            ";;;;;",
            "",
            INMATE_HEADER,
            "BI.1/2024;BUDI;3316096306743314;01-02-1980;L;04-03-2024",
        ],
    )

    table = read_table(path, INMATE_COLUMNS)
    rows = list(table)

    assert table.header_row == 5
    assert [row.row_number for row in rows] == [6]
    assert rows[0].errors == []


def test_it_reads_quoted_fields_and_counts_rows_as_a_spreadsheet_does(tmp_path):
    path = write_csv(
        tmp_path / "dpt.csv",
        [
            "nik,nama,alamat,tgl lahir,jk",
            '3316096306743314,"SAPUTRO, SRI","DUSUN 2\nRT 003",23-06-1974,P',
            '3316102212903017,"TEGUH ""GENDUT"" SANTOSO",,22-12-1990,L',
        ],
    )

    rows, errors = collect(path, VOTER_LIST_COLUMNS)

    assert errors == []
    assert [row.row_number for row in rows] == [2, 3]
    assert rows[0].values["nama"] == "SAPUTRO, SRI"
    assert rows[0].values["alamat"] == "DUSUN 2 RT 003"
    assert rows[1].values["nama"] == 'TEGUH "GENDUT" SANTOSO'


def test_it_reads_tab_delimited_csv(tmp_path):
    path = write_csv(tmp_path / "dpt.tsv", ["NIK\tNAMA\tTGL LAHIR\tL/P", "1\tBUDI\t1990-01-31\tLK"])

    rows, errors = collect(path, VOTER_LIST_COLUMNS)

    assert errors == []
    assert rows[0].values["tanggal_lahir"] == dt.date(1990, 1, 31)
    assert rows[0].values["jenis_kelamin"] == "L"


def test_it_skips_blank_rows_prefilled_numbers_and_repeated_headers(tmp_path):
    path = write_csv(
        tmp_path / "dpt.csv",
        [
            VOTER_HEADER,
            "1;;3316096306743314;SRI;23-06-1974;P;901",
            ";;;;;;",
            "",
            VOTER_HEADER,
            "2;;3316102212903017;TEGUH;22-12-1990;L;901",
            "3;;;;;;",
            "4;;;;;;",
        ],
    )

    rows, errors = collect(path, VOTER_LIST_COLUMNS)

    assert errors == []
    assert [row.row_number for row in rows] == [2, 6]


def test_a_csv_with_nul_bytes_is_rejected(tmp_path):
    path = tmp_path / "rusak.csv"
    path.write_bytes(b"nik,nama\x00\x00\x01")

    with pytest.raises(FileRejected, match="rusak.csv"):
        open_rows(path, VOTER_LIST_COLUMNS)


def test_a_csv_with_an_unclosed_quote_is_rejected_with_its_row(tmp_path):
    lines = [VOTER_HEADER, '1;;1;"SRI;23-06-1974;P;901']
    lines += [f"{n};;1;NAMA {n};23-06-1974;P;901" for n in range(5000)]
    path = write_csv(tmp_path / "kutip.csv", lines)

    with pytest.raises(FileRejected, match="baris 2: sel terlalu panjang"):
        list(open_rows(path, VOTER_LIST_COLUMNS))


def test_open_rows_yields_raw_values_of_the_columns_present(tmp_path):
    path = write_csv(
        tmp_path / "dpt.csv", [VOTER_HEADER, "1;;'3316096306743314;SRI;23-06-1974;P;0901"]
    )

    with open_rows(path, VOTER_LIST_COLUMNS) as rows:
        assert rows.present == ("nkk", "nik", "nama", "tanggal_lahir", "jenis_kelamin", "tps")
        assert list(rows) == [
            (
                2,
                {
                    "nkk": "",
                    "nik": "'3316096306743314",
                    "nama": "SRI",
                    "tanggal_lahir": "23-06-1974",
                    "jenis_kelamin": "P",
                    "tps": "0901",
                },
            )
        ]


# Header matching


@pytest.mark.parametrize(
    ("header", "columns", "name"),
    [
        ("No. Registrasi", INMATE_COLUMNS, "no_registrasi"),
        ("NO_REG", INMATE_COLUMNS, "no_registrasi"),
        ("Tgl. Lahir", INMATE_COLUMNS, "tanggal_lahir"),
        ("L/P", INMATE_COLUMNS, "jenis_kelamin"),
        ("NO_KK", INMATE_COLUMNS, "no_kk"),
        ("Kode Wilayah KTP", INMATE_COLUMNS, "kode_wilayah"),
        ("Tanggal Ekspirasi", INMATE_COLUMNS, "tanggal_bebas"),
        ("\ufeffNIK", INMATE_COLUMNS, "nik"),
        ("Nama\u00a0Lengkap", INMATE_COLUMNS, "nama"),
        ("nama lengkap wbp", INMATE_COLUMNS, "nama"),
        ("Jenis Kelamin (L/P)", INMATE_COLUMNS, "jenis_kelamin"),
        ("Tanggal Lahir*", INMATE_COLUMNS, "tanggal_lahir"),
        ("Kel/Desa", VOTER_LIST_COLUMNS, "kelurahan"),
        ("NO_KK", VOTER_LIST_COLUMNS, "nkk"),
        ("No. TPS", VOTER_LIST_COLUMNS, "tps"),
        ("KONTESTASI", DAPIL_COLUMNS, "kontestasi"),
    ],
)
def test_headers_match_without_regard_to_case_and_punctuation(header, columns, name):
    assert tables.match_header([header], tables.key_index(columns)) == {0: name}


CONTRACT_ALIASES = {
    "inmate": (
        INMATE_COLUMNS,
        {
            "no_registrasi": ["no reg", "nomor registrasi", "no registrasi"],
            "nama": ["nama lengkap", "nama wbp"],
            "nik": ["no nik", "nomor nik"],
            "no_kk": ["nkk", "no kk", "nomor kk"],
            "tempat_lahir": ["tempat lahir"],
            "tanggal_lahir": ["tgl lahir", "tanggal lahir"],
            "jenis_kelamin": ["jk", "l/p", "lp", "sex"],
            "status_perkawinan": ["status kawin", "kawin"],
            "kewarganegaraan": ["wn"],
            "alamat": ["alamat ktp"],
            "kode_wilayah": ["kode wilayah ktp", "wilayah"],
            "register": ["golongan", "klasifikasi"],
            "tanggal_masuk": ["tgl masuk"],
            "tanggal_bebas": ["tgl bebas", "tanggal ekspirasi", "ekspirasi"],
            "tanggal_keluar": ["tgl keluar"],
            "jenis_keluar": ["alasan keluar"],
            "hak_pilih_dicabut": ["hak pilih dicabut"],
            "tni_polri": ["anggota tni polri"],
            "blok": ["blok hunian", "kamar"],
            "keterangan": ["catatan"],
        },
        {"no_registrasi", "nama", "tanggal_lahir", "jenis_kelamin", "tanggal_masuk"},
    ),
    "voter list": (
        VOTER_LIST_COLUMNS,
        {
            "nik": ["no nik"],
            "nkk": ["no kk", "no_kk"],
            "nama": ["nama pemilih"],
            "tempat_lahir": ["tempat lahir"],
            "tanggal_lahir": ["tgl lahir"],
            "jenis_kelamin": ["jk", "l/p", "lp"],
            "status_perkawinan": ["kawin", "status kawin"],
            "alamat": [],
            "rt": [],
            "rw": [],
            "kelurahan": ["desa", "kel/desa", "desa/kelurahan"],
            "kecamatan": [],
            "kode_wilayah": [],
            "tps": ["no tps"],
            "disabilitas": [],
            "keterangan": ["ket"],
        },
        {"nik", "nama", "tanggal_lahir", "jenis_kelamin"},
    ),
    "dapil": (
        DAPIL_COLUMNS,
        {"kontestasi": [], "dapil": [], "kode_wilayah": []},
        {"kontestasi", "dapil", "kode_wilayah"},
    ),
}


@pytest.mark.parametrize("table", CONTRACT_ALIASES)
def test_every_contract_column_alias_and_requirement_is_in_the_specs(table):
    columns, aliases, required = CONTRACT_ALIASES[table]
    index = tables.key_index(columns)

    assert [column.name for column in columns] == list(aliases)
    assert {column.name for column in columns if column.required} == required
    for name, names in aliases.items():
        for alias in [name, *names]:
            assert index[header_key(alias)].name == name, alias


def test_the_nik_of_a_voter_list_is_required_as_a_column_but_may_be_blank():
    nik_column = next(column for column in VOTER_LIST_COLUMNS if column.name == "nik")

    assert nik_column.required
    assert nik_column.blank_ok


def test_a_missing_required_column_rejects_the_file_naming_the_column(tmp_path):
    path = write_csv(
        tmp_path / "sdp_tanpa_masuk.csv", ["No Reg;Nama;Tgl Lahir;JK", "A.1;BUDI;01-01-1990;L"]
    )

    with pytest.raises(FileRejected) as caught:
        read_table(path, INMATE_COLUMNS)

    message = str(caught.value)
    assert "sdp_tanpa_masuk.csv" in message
    assert "tanggal_masuk" in message
    assert "tanggal_lahir" not in message
    assert "kolom wajib tidak ditemukan" in message


def test_a_missing_required_column_in_a_workbook_is_rejected(tmp_path):
    path = write_xlsx(
        tmp_path / "dptb.xlsx", {"Sheet": [["Nama", "Tgl Lahir", "JK"], ["SRI", "01-01-1990", "P"]]}
    )

    with pytest.raises(
        FileRejected, match=r'"dptb.xlsx" ditolak: kolom wajib tidak ditemukan: nik'
    ):
        read_table(path, VOTER_LIST_COLUMNS)


def test_a_header_too_far_down_is_not_found(tmp_path):
    lines = [f"judul {n}" for n in range(tables.HEADER_SCAN_ROWS)]
    path = write_csv(tmp_path / "jauh.csv", [*lines, "nik;nama;tgl lahir;jk", "1;SRI;01-01-1990;P"])

    with pytest.raises(FileRejected, match="jauh.csv"):
        read_table(path, VOTER_LIST_COLUMNS)


def test_other_file_types_are_rejected(tmp_path):
    for name in ("daftar.pdf", "daftar.ods", "daftar"):
        path = tmp_path / name
        path.write_bytes(b"nik,nama\n")
        with pytest.raises(FileRejected, match="tidak didukung"):
            open_rows(path, VOTER_LIST_COLUMNS)


def test_an_html_page_saved_as_xls_is_rejected_with_advice(tmp_path):
    path = tmp_path / "export.xls"
    path.write_bytes(b"<html><body><table><tr><td>NIK</td></tr></table></body></html>")

    with pytest.raises(FileRejected, match="HTML"):
        open_rows(path, VOTER_LIST_COLUMNS)


def test_a_file_over_max_bytes_is_rejected(tmp_path):
    path = write_csv(tmp_path / "besar.csv", [VOTER_HEADER, "1;;1;SRI;23-06-1974;P;901"])

    with pytest.raises(FileRejected, match="melebihi batas"):
        open_rows(path, VOTER_LIST_COLUMNS, max_bytes=10)


# Reading workbooks


def test_it_reads_date_cells_number_niks_and_text_dates_from_a_workbook(tmp_path):
    path = write_xlsx(
        tmp_path / "sdp.xlsx",
        {
            "Data WBP": [
                ["DAFTAR WBP RUTAN BLORA"],
                [],
                [
                    "No.",
                    "No. Registrasi",
                    "Nama Lengkap",
                    "NIK",
                    "NO_KK",
                    "Tgl. Lahir",
                    "L/P",
                    "Tgl Masuk",
                    "Golongan",
                ],
                [
                    1,
                    "BIIa.1/2024",
                    "SRI",
                    "'3316096306743314",
                    3316092309096244,
                    dt.date(1974, 6, 23),
                    "P",
                    "04-03-2024",
                    "BIIa",
                ],
                [
                    2,
                    "BI.2/2024",
                    "TEGUH",
                    3316102212903017,
                    None,
                    "22/12/1990",
                    "Laki-laki",
                    dt.datetime(2024, 3, 4, 8, 30),
                    "B IIa",
                ],
                [3, "AIII.3/2024", "EKO", None, None, 33420, "L", "2024-03-04", "A.III"],
            ]
        },
    )

    table = read_table(path, INMATE_COLUMNS)
    rows = list(table)

    assert table.source.sheet_name == "Data WBP"
    assert table.header_row == 3
    assert [row.row_number for row in rows] == [4, 5, 6]
    assert [row.errors for row in rows] == [[], [], []]
    first, second, third = (row.values for row in rows)
    assert first["nik"] == "'3316096306743314"
    assert first["no_kk"] == 3316092309096244
    assert first["tanggal_lahir"] == dt.date(1974, 6, 23)
    assert first["tanggal_masuk"] == dt.date(2024, 3, 4)
    assert first["register"] == "B.IIa"
    # A NIK typed as a number stays a number, so that nik.check can mark it invalid.
    assert isinstance(second["nik"], int | float)
    assert second["tanggal_lahir"] == dt.date(1990, 12, 22)
    assert second["jenis_kelamin"] == "L"
    assert second["tanggal_masuk"] == dt.date(2024, 3, 4)
    assert second["register"] == "B.IIa"
    assert third["tanggal_lahir"] == dt.date(1991, 7, 1)
    assert third["nik"] == ""


def test_it_uses_the_first_sheet_that_has_the_header(tmp_path):
    path = write_xlsx(
        tmp_path / "dpt.xlsx",
        {
            "Petunjuk": [["Isi data pada lembar berikutnya"]],
            "TPS 901": [
                ["NIK", "Nama Pemilih", "Tgl Lahir", "JK"],
                ["3316096306743314", "SRI", "23-06-1974", "P"],
            ],
        },
    )

    table = read_table(path, VOTER_LIST_COLUMNS)
    rows = list(table)

    assert table.source.sheet_name == "TPS 901"
    assert rows[0].row_number == 2
    assert rows[0].errors == []


def test_a_workbook_row_error_names_the_spreadsheet_row(tmp_path):
    path = write_xlsx(
        tmp_path / "sdp.xlsx",
        {
            "Sheet": [
                ["Judul"],
                ["No Reg", "Nama", "Tgl Lahir", "JK", "Tgl Masuk"],
                ["A.1", "BUDI", "31-02-1990", "L", "01-01-2024"],
            ]
        },
    )

    rows, errors = collect(path, INMATE_COLUMNS)

    assert (
        format_errors(errors)
        == 'baris 3, kolom tanggal_lahir: tanggal "31-02-1990" tidak dapat dibaca'
    )


# Archive safety


def test_a_normal_workbook_passes_the_archive_check(tmp_path):
    check_xlsx_archive(small_workbook(tmp_path))


def test_a_non_zip_xlsx_is_rejected(tmp_path):
    path = tmp_path / "palsu.xlsx"
    path.write_text("nik,nama\n3316096306743314,SRI\n")

    with pytest.raises(FileRejected, match=r'"palsu.xlsx" ditolak: bukan berkas XLSX'):
        open_rows(path, VOTER_LIST_COLUMNS)


def test_an_encrypted_or_old_format_xlsx_is_rejected(tmp_path):
    path = tmp_path / "sandi.xlsx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)

    with pytest.raises(FileRejected, match="kata sandi"):
        open_rows(path, VOTER_LIST_COLUMNS)


def zip_bomb(tmp_path, size=20 * 1024 * 1024):
    path = tmp_path / "bom.xlsx"
    rewrite_zip(small_workbook(tmp_path), path, extra=[("xl/media/nol.bin", b"\0" * size)])
    return path


def test_a_zip_bomb_is_rejected_by_its_unpacked_size(tmp_path):
    path = zip_bomb(tmp_path)

    with pytest.raises(FileRejected, match="melebihi batas 10 MB"):
        open_rows(path, INMATE_COLUMNS, max_unpacked=10 * 1024 * 1024)


def test_a_zip_bomb_is_rejected_by_its_compression_ratio(tmp_path):
    path = zip_bomb(tmp_path)

    with pytest.raises(FileRejected, match="dicurigai bom zip"):
        check_xlsx_archive(path)


def test_a_higher_unpacked_limit_still_applies_the_ratio_check(tmp_path):
    path = zip_bomb(tmp_path)

    with pytest.raises(FileRejected, match=r"\d+:1"):
        open_rows(path, INMATE_COLUMNS, max_unpacked=500 * 1024 * 1024)


def test_a_zip_that_understates_its_sizes_is_rejected(tmp_path):
    path = tmp_path / "bohong.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"<a>" + b" " * 300_000 + b"</a>")
    data = bytearray(path.read_bytes())
    # Claim 1,000 bytes unpacked in both the local header and the central directory.
    data[22:26] = struct.pack("<I", 1000)
    central = data.index(b"PK\x01\x02")
    data[central + 24 : central + 28] = struct.pack("<I", 1000)
    path.write_bytes(bytes(data))

    with pytest.raises(FileRejected, match="lebih besar dari yang tercatat"):
        check_xlsx_archive(path)


def lying_zip(path, *, size=None, crc=None, damage=None, at=1000):
    """A one-member zip whose headers (local and central) claim ``size`` or ``crc``, or whose
    compressed bytes from ``at`` on ``damage`` rewrites."""
    name = "xl/media/data.bin"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, random.Random(14).randbytes(20_000))
    data = bytearray(path.read_bytes())
    central = data.index(b"PK\x01\x02")
    for field, value in ((14, crc), (22, size)):  # offsets in the local header
        if value is not None:
            data[field : field + 4] = struct.pack("<I", value)
            data[central + field + 2 : central + field + 6] = struct.pack("<I", value)
    if damage is not None:
        start = 30 + len(name) + at
        data[start : start + 64] = damage(bytes(data[start : start + 64]))
    path.write_bytes(bytes(data))
    return path


DAMAGED = r"ditolak: (arsip XLSX|bagian \"xl/media/data.bin\") rusak"


@pytest.mark.parametrize(
    "lie",
    [
        {"crc": 12345},
        {"size": 30_000},
        {"damage": lambda data: bytes(b ^ 0x55 for b in data)},
        {"damage": lambda data: b"\xff" * len(data), "at": 0},  # zlib: invalid block type
    ],
    ids=["crc", "overstated size", "damaged data", "not deflate"],
)
def test_a_member_that_is_not_what_the_directory_says_is_rejected(tmp_path, lie):
    path = lying_zip(tmp_path / "lampiran.xlsx", **lie)

    with pytest.raises(FileRejected, match=DAMAGED):
        check_xlsx_archive(path)


def test_a_member_that_runs_past_the_end_of_the_file_is_rejected(tmp_path):
    path = tmp_path / "lampiran.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("xl/media/data.bin", b"x" * 1000)
    data = bytearray(path.read_bytes())
    central = data.index(b"PK\x01\x02")
    # 100,000 bytes stored, the directory says (packed and unpacked): the file ends first.
    for field in (18, 22):
        data[field : field + 4] = struct.pack("<I", 100_000)
        data[central + field + 2 : central + field + 6] = struct.pack("<I", 100_000)
    path.write_bytes(bytes(data))

    with pytest.raises(FileRejected, match=r"arsip XLSX rusak \(terpotong\)"):
        check_xlsx_archive(path)


def test_too_many_members_are_rejected(tmp_path):
    path = tmp_path / "banyak.xlsx"
    rewrite_zip(
        small_workbook(tmp_path), path, extra=[(f"xl/media/{n}.bin", b"x") for n in range(100)]
    )

    with pytest.raises(FileRejected, match="melebihi batas 100"):
        check_xlsx_archive(path)


@pytest.mark.parametrize(
    "name", ["../../etc/cron.d/x", "/etc/passwd", "xl\\..\\..\\evil.xml", "C:/evil.xml"]
)
def test_a_member_with_an_unsafe_path_is_rejected(tmp_path, name):
    path = tmp_path / "jalur.xlsx"
    rewrite_zip(small_workbook(tmp_path), path, extra=[(name, b"<x/>")])

    with pytest.raises(FileRejected, match="nama tidak aman"):
        open_rows(path, INMATE_COLUMNS)


LAUGHS = b'<!DOCTYPE sst [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]>'


@pytest.mark.parametrize("member", ["xl/sharedStrings.xml", "xl/worksheets/sheet1.xml"])
@pytest.mark.parametrize(
    "xml",
    [
        b'<?xml version="1.0"?>' + LAUGHS + b"<sst>&b;</sst>",
        b'<?xml version="1.0"?><!-- '
        + b"x" * 10_000
        + b' --><!DOCTYPE sst SYSTEM "file:///etc/passwd"><sst/>',
    ],
)
def test_xml_with_a_doctype_or_entity_is_rejected(tmp_path, member, xml):
    source = small_workbook(tmp_path)
    path = tmp_path / "entitas.xlsx"
    rewrite_zip(source, path, replace={member: xml})

    with pytest.raises(FileRejected, match="DOCTYPE/ENTITY"):
        open_rows(path, INMATE_COLUMNS)


def test_a_workbook_calamine_cannot_read_is_rejected(tmp_path):
    path = tmp_path / "bukan_excel.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "halo")

    with pytest.raises(FileRejected, match="bukan_excel.xlsx"):
        open_rows(path, INMATE_COLUMNS)


# Value parsers


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("23-06-1974", dt.date(1974, 6, 23)),
        ("23/06/1974", dt.date(1974, 6, 23)),
        ("3-6-1974", dt.date(1974, 6, 3)),
        ("23.06.1974", dt.date(1974, 6, 23)),
        ("1974-06-23", dt.date(1974, 6, 23)),
        ("1974-06-23 00:00:00", dt.date(1974, 6, 23)),
        (" 23 - 06 - 1974 ", dt.date(1974, 6, 23)),
        ("23 Juni 1974", dt.date(1974, 6, 23)),
        ("23-Agu-1974", dt.date(1974, 8, 23)),
        ("29-02-2024", dt.date(2024, 2, 29)),
        (dt.date(1974, 6, 23), dt.date(1974, 6, 23)),
        (dt.datetime(1974, 6, 23, 10, 0), dt.date(1974, 6, 23)),
        (33420.0, dt.date(1991, 7, 1)),
        (33420, dt.date(1991, 7, 1)),
        ("", None),
        ("  ", None),
        (None, None),
        ("-", None),
        ("0000-00-00", None),
        ("00-00-0000", None),
    ],
)
def test_parse_date_reads_the_formats_people_use(raw, expected):
    assert cells.parse_date(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "31-02-1990",
        "29-02-2023",
        "23-06-74",
        "1974/13/01",
        "12/25/1990",
        "kemarin",
        "01-01-1850",
        5.0,
        10_000_000.0,
        True,
        dt.time(1, 2),
    ],
)
def test_parse_date_rejects_impossible_and_ambiguous_dates(raw):
    with pytest.raises(CellError, match="tidak dapat dibaca"):
        cells.parse_date(raw)


def test_parse_date_explains_two_digit_years():
    with pytest.raises(CellError, match="tahun harus 4 angka"):
        cells.parse_date("23-06-74")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("L", "L"),
        ("p", "P"),
        ("LK", "L"),
        ("PR", "P"),
        ("Laki-laki", "L"),
        ("LAKI LAKI", "L"),
        ("Perempuan", "P"),
        (" l ", "L"),
        ("", None),
    ],
)
def test_parse_sex(raw, expected):
    assert cells.parse_sex(raw) == expected


def test_parse_sex_rejects_unknown_values():
    with pytest.raises(CellError, match='jenis kelamin "X" tidak dikenali'):
        cells.parse_sex("X")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("B", "B"), ("S", "S"), ("P", "P"), ("Belum Kawin", "B"), ("KAWIN", "S"),
        ("Sudah Kawin", "S"), ("Cerai Hidup", "P"), ("cerai mati", "P"), ("Pernah Kawin", "P"),
        ("", "B"), (None, "B"),
    ],
)  # fmt: skip
def test_parse_marital(raw, expected):
    assert cells.parse_marital(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Y", True), ("Ya", True), ("ya", True), ("1", True), (1.0, True), (True, True),
        ("N", False), ("Tidak", False), ("T", False), ("0", False), (0, False), ("", False),
        (None, False),
    ],
)  # fmt: skip
def test_parse_yes_no(raw, expected):
    assert cells.parse_yes_no(raw) is expected


def test_parse_yes_no_rejects_unknown_values():
    with pytest.raises(CellError):
        cells.parse_yes_no("mungkin")


@pytest.mark.parametrize(("raw", "expected"), [("WNI", "WNI"), ("wna", "WNA"), ("", "WNI")])
def test_parse_citizenship(raw, expected):
    assert cells.parse_citizenship(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("bebas", "bebas"), ("Bebas Murni", "bebas"), ("Pembebasan Bersyarat", "bebas"),
        ("mutasi", "mutasi"), ("Pindah ke Lapas Pati", "mutasi"), ("MENINGGAL DUNIA", "meninggal"),
        ("lainnya", "lainnya"), ("dibantarkan", "lainnya"), ("", ""),
    ],
)  # fmt: skip
def test_parse_exit_kind(raw, expected):
    assert cells.parse_exit_kind(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("B.IIa", "B.IIa"), ("BIIa", "B.IIa"), ("B IIa", "B.IIa"), ("b.iib", "B.IIb"),
        ("A.III", "A.III"), ("AIII", "A.III"), ("A.I", "A.I"), ("AV", "A.V"), ("B.I", "B.I"),
        ("BIII", "B.III"), ("B.IIIs", "B.IIIs"), ("SH", "SH"), ("MATI", "MATI"), ("", ""),
    ],
)  # fmt: skip
def test_parse_register_normalises_known_classes_and_keeps_others(raw, expected):
    assert cells.parse_register(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("3316092012", "33.16.09.2012"), ("33.16", "33.16"), (3316.0, "33.16"), ("", "")],
)
def test_parse_region(raw, expected):
    assert cells.parse_region(raw) == expected


def test_parse_region_rejects_unreadable_codes():
    with pytest.raises(CellError, match='kode wilayah "33-x" tidak dikenali'):
        cells.parse_region("33-x")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("1", 1), (6.0, 6), ("3 - Mental", 3), ("Sensorik Netra", 6), ("", None), ("0", None)],
)
def test_parse_disability(raw, expected):
    assert cells.parse_disability(raw) == expected


@pytest.mark.parametrize("raw", ["7", "12", "ya", 2.5])
def test_parse_disability_rejects_other_codes(raw):
    with pytest.raises(CellError, match="disabilitas"):
        cells.parse_disability(raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (" SRI   SAPUTRO ", "SRI SAPUTRO"),
        ("SRI\u00a0SAPUTRO", "SRI SAPUTRO"),
        (901.0, "901"),
        (12.5, "12.5"),
        (7, "7"),
        (None, ""),
        ("000", "000"),
    ],
)
def test_parse_text(raw, expected):
    assert cells.parse_text(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("901", "901"),
        (901.0, "901"),
        ("TPS 901", "901"),
        ("901 ", "901"),
        ("tps 001", "1"),
        ("TPS-901", "901"),
        ("", ""),
    ],
)
def test_parse_tps(raw, expected):
    assert cells.parse_tps(raw) == expected


def test_parse_tps_rejects_other_text():
    with pytest.raises(CellError, match="nomor TPS"):
        cells.parse_tps("lapangan")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("DPR", "DPR"),
        ("DPRD_PROV", "DPRD_PROV"),
        ("DPRD Provinsi", "DPRD_PROV"),
        ("dprd kab/kota", "DPRD_KAB"),
        ("DPRD_KAB", "DPRD_KAB"),
    ],
)
def test_parse_contest(raw, expected):
    assert cells.parse_contest(raw) == expected


# Row errors


def test_every_bad_row_is_listed(tmp_path):
    path = write_csv(
        tmp_path / "sdp.csv",
        [
            INMATE_HEADER,
            "A.1/2024;BUDI;3316096306743314;01-02-1980;L;04-03-2024",
            "A.2/2024;;;01-02-1980;L;04-03-2024",
            "A.3/2024;SRI;;31-02-1990;P;04-03-2024",
            "A.4/2024;EKO;;01-02-1980;X;",
            "A.5/2024;ARIF;;23-06-74;L;04-03-2024",
        ],
    )

    rows, errors = collect(path, INMATE_COLUMNS)

    assert len(rows) == 5
    assert rows[0].ok
    assert errors == [
        RowError(3, "nama", "wajib diisi, tetapi kosong"),
        RowError(4, "tanggal_lahir", 'tanggal "31-02-1990" tidak dapat dibaca'),
        RowError(5, "jenis_kelamin", 'jenis kelamin "X" tidak dikenali (isi L atau P)'),
        RowError(5, "tanggal_masuk", "wajib diisi, tetapi kosong"),
        RowError(6, "tanggal_lahir", 'tanggal "23-06-74" tidak dapat dibaca (tahun harus 4 angka)'),
    ]
    assert rows[2].values["tanggal_lahir"] is None


def test_a_required_zero_date_is_a_missing_value(tmp_path):
    path = write_csv(
        tmp_path / "sdp.csv", [INMATE_HEADER, "A.1/2024;BUDI;;0000-00-00;L;04-03-2024"]
    )

    _, errors = collect(path, INMATE_COLUMNS)

    assert errors == [RowError(2, "tanggal_lahir", "wajib diisi, tetapi kosong")]


@pytest.mark.parametrize(
    "raw", ["", "0", "331609630674331", "3.3160E+15", "331601**********", "'3316096306743314", "-"]
)
def test_a_blank_or_invalid_nik_is_never_a_row_error(tmp_path, raw):
    path = write_csv(tmp_path / "dpt.csv", [VOTER_HEADER, f"1;;{raw};SRI;23-06-1974;P;901"])

    rows, errors = collect(path, VOTER_LIST_COLUMNS)

    assert errors == []
    assert rows[0].values["nik"] == raw


def test_a_duplicate_no_registrasi_is_a_row_error_naming_both_rows(tmp_path):
    path = write_csv(
        tmp_path / "sdp.csv",
        [
            INMATE_HEADER,
            "BI.045/2023;BUDI;;01-02-1980;L;04-03-2024",
            "BI.046/2023;EKO;;01-02-1980;L;04-03-2024",
            "bi.045/2023 ;SRI;;01-02-1980;P;04-03-2024",
        ],
    )

    _, errors = collect(path, INMATE_COLUMNS)

    assert errors == [
        RowError(4, "no_registrasi", 'no_registrasi "bi.045/2023" ganda: sama dengan baris 2')
    ]


def test_a_region_listed_in_two_dapil_of_one_contest_is_a_row_error(tmp_path):
    path = write_csv(
        tmp_path / "dapil.csv",
        [
            "kontestasi,dapil,kode_wilayah",
            "DPRD_KAB,BLORA 1,33.16.09",
            "DPRD_KAB,BLORA 1,3316.09",
            "DPR,JAWA TENGAH III,33.16.09",
            "DPRD_KAB,BLORA 2,331609",
        ],
    )

    _, errors = collect(path, DAPIL_COLUMNS)

    assert [(error.row_number, error.column) for error in errors] == [
        (3, "kode_wilayah"),
        (5, "kode_wilayah"),
    ]


def test_format_errors_masks_niks_and_limits_the_lines():
    errors = [
        RowError(n, "tanggal_lahir", f'tanggal "3316096306743314{n}" tidak dapat dibaca')
        for n in range(2, 62)
    ]

    text = format_errors(errors, limit=50)

    lines = text.splitlines()
    assert len(lines) == 51
    assert (
        lines[0] == 'baris 2, kolom tanggal_lahir: tanggal "331609***********" tidak dapat dibaca'
    )
    assert lines[-1] == "… dan 10 kesalahan lainnya"
    assert "3316096306743314" not in text


def test_a_nik_with_separators_is_masked_too():
    assert (
        nik.mask_numbers("nilai 3316 0963 0674 3314 salah") == "nilai 331609********** salah"
    )
    assert nik.mask_numbers('tanggal "31-02-1990"') == 'tanggal "31-02-1990"'


# The real-shaped samples


@pytest.mark.parametrize(
    ("name", "columns", "count"),
    [
        ("sdp_contoh.xlsx", INMATE_COLUMNS, 12),
        ("dpt_tps901_contoh.csv", VOTER_LIST_COLUMNS, 9),
        ("dptb_tps901_contoh.xlsx", VOTER_LIST_COLUMNS, 1),
        ("dpt_kabupaten_contoh.csv", VOTER_LIST_COLUMNS, 41),
        ("dapil_contoh.csv", DAPIL_COLUMNS, 5),
    ],
)
def test_the_sample_files_read_without_errors(tmp_path, name, columns, count):
    path = shutil.copy(SAMPLES / name, tmp_path / name)

    rows, errors = collect(path, columns)

    assert format_errors(errors) == ""
    assert len(rows) == count


def test_the_sample_roster_reads_its_mixed_cells():
    rows, _ = collect(SAMPLES / "sdp_contoh.xlsx", INMATE_COLUMNS)
    by_registration = {row.values["no_registrasi"]: row.values for row in rows}

    teguh = by_registration["BIIa.0002/2024"]
    assert teguh["nik"] == "'3316102212903017"
    assert teguh["tanggal_lahir"] == dt.date(1990, 12, 22)
    assert teguh["tanggal_bebas"] == dt.date(2025, 6, 1)
    assert by_registration["BIIa.0001/2024"]["kode_wilayah"] == "33.16.09.2012"
    assert by_registration["BIIa.0009/2024"]["jenis_keluar"] == "bebas"
    assert by_registration["BIIa.0009/2024"]["tanggal_keluar"] == dt.date(2024, 10, 2)
    assert by_registration["AIII.0011/2024"]["nik"] == ""
    assert by_registration["AIII.0007/2024"]["register"] == "A.III"
