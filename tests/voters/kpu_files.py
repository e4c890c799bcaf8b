"""Helpers for the KPU list tests: files written the way KPU offices and Excel write them.

A module of its own (not a conftest.py): other tests import the root conftest by name."""

import csv
import io

import openpyxl

# The KPU list header as a KPU kabupaten export labels it (some labels unknown to us).
KPU_HEADER = [
    "NO", "NKK", "NIK", "NAMA", "TEMPAT LAHIR", "TANGGAL LAHIR", "USIA", "STATUS PERKAWINAN",
    "JENIS KELAMIN", "ALAMAT", "RT", "RW", "DISABILITAS", "KETERANGAN", "KELURAHAN",
    "KECAMATAN", "TPS",
]  # fmt: skip

PEOPLE = [
    # nkk, nik, nama, tempat, tanggal, kawin, jk, alamat, rt, rw, dis, ket, kel, kec
    ("3316011203150001", "3316011505800001", "BUDI SANTOSO", "BLORA", "15-05-1980", "S", "L",
     "DUKUH KRAJAN", "001", "002", "", "", "JEPON", "JEPON"),
    ("3316011203150002", "3316014206850002", "SITI AMINAH", "BLORA", "02-06-1985", "S", "P",
     "DUKUH KRAJAN", "001", "002", "", "", "JEPON", "JEPON"),
    ("3316011203150003", "331601**********", "SLAMET RIYADI", "REMBANG", "07/07/1990", "B", "L",
     "JL. PEMUDA NO. 3", "003", "001", "1", "B", "BLORA", "BLORA"),
    ("", "", "TANPA NIK", "BLORA", "1975-03-01", "P", "L", "", "", "", "", "", "CEPU", "CEPU"),
    ("3316011203150005", "3316014808700005", "ENDANG LESTARI", "PATI", "08-08-1970", "P", "P",
     "DUSUN NGLAROH", "004", "002", "6", "", "BANJAREJO", "BANJAREJO"),
]  # fmt: skip


def kpu_rows(tps="901"):
    """The rows of a small, clean TPS list in KPU_HEADER order."""
    rows = []
    for number, person in enumerate(PEOPLE, 1):
        nkk, nik, nama, tempat, tanggal, kawin, jk, alamat, rt, rw, dis, ket, kel, kec = person
        rows.append(
            [str(number), nkk, nik, nama, tempat, tanggal, "40", kawin, jk, alamat, rt, rw, dis,
             ket, kel, kec, tps]
        )  # fmt: skip
    return rows


def write_csv(path, rows, *, header=KPU_HEADER, delimiter=";", encoding="utf-8-sig", title=()):
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    for line in title:
        writer.writerow([line])
    writer.writerow(header)
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def write_xlsx(path, rows, *, header=KPU_HEADER, title=()):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "DPT"
    for line in title:
        sheet.append([line])
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


def kpu_csv(folder, rows=None, name="dpt.csv", **options):
    """A KPU list CSV in ``folder`` (the small clean list unless ``rows`` are given)."""
    return write_csv(folder / name, kpu_rows() if rows is None else rows, **options)


def kpu_xlsx(folder, rows=None, name="dpt.xlsx", **options):
    return write_xlsx(folder / name, kpu_rows() if rows is None else rows, **options)
