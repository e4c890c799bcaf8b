"""Fuzzing the importers: no input ends in a traceback or a partial write (SECURITY.md)."""

import contextlib
import io
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from voters.inmates import dukcapil
from voters.inmates.services import ImportRejected, import_inmates
from voters.models import Inmate

pytestmark = pytest.mark.django_db

HEADER = "no_registrasi;nama;nik;tanggal_lahir;jenis_kelamin;tanggal_masuk;blok\n"
cell = st.one_of(
    st.text(max_size=20),
    st.sampled_from(["", "L", "P", "31-02-1990", "2024-13-01", "3.3160E+15", "'3316",
                     "=cmd|' /C calc'!A0", "0", "-", "<script>", "\x00", "1e308", "NaN"]),
    st.dates().map(lambda d: d.strftime("%d-%m-%Y")),
)
row = st.lists(cell, min_size=0, max_size=9).map(lambda cells: ";".join(
    c.replace(";", ",").replace("\n", " ").replace("\r", " ") for c in cells))
FUZZ = settings(max_examples=60, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])


def _import(tmp_path, blora, data, name="fuzz.csv"):
    path = tmp_path / name
    path.write_bytes(data)
    before = Inmate.objects.count()
    try:
        import_inmates(path=path, facility=blora)
    except ImportRejected as exc:
        assert str(exc)
        assert Inmate.objects.count() == before  # nothing half-written
        return False
    return True


@FUZZ
@given(rows=st.lists(row, max_size=8))
def test_random_csv_rows_import_whole_or_not_at_all(tmp_path, blora, rows):
    data = (HEADER + "\n".join(rows)).encode("utf-8", "surrogatepass")
    Inmate.objects.all().delete()
    if _import(tmp_path, blora, data):
        assert Inmate.objects.count() == len({r.split(";")[0] for r in rows if r.strip()}) or \
            Inmate.objects.count() <= len(rows)


@FUZZ
@given(data=st.binary(max_size=2048))
def test_random_bytes_never_raise_anything_but_a_rejection(tmp_path, blora, data):
    for name in ("fuzz.csv", "fuzz.xlsx"):
        _import(tmp_path, blora, data, name)


@FUZZ
@given(members=st.dictionaries(st.sampled_from(["[Content_Types].xml", "xl/workbook.xml",
                                                 "xl/worksheets/sheet1.xml", "../evil",
                                                 "xl/sharedStrings.xml"]),
                               st.binary(max_size=300), max_size=5))
def test_random_zip_archives_as_xlsx_are_rejected_cleanly(tmp_path, blora, members):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    _import(tmp_path, blora, buffer.getvalue(), "fuzz.xlsx")
    assert Inmate.objects.count() == 0


@FUZZ
@given(rows=st.lists(row, max_size=6))
def test_random_dukcapil_answers_are_applied_whole_or_not_at_all(tmp_path, blora, operator,
                                                                 rows):
    path = tmp_path / "jawaban.csv"
    path.write_bytes(("no_registrasi;hasil;nik_hasil\n" + "\n".join(rows)).encode(
        "utf-8", "surrogatepass"))
    with contextlib.suppress(ImportRejected):
        dukcapil.import_answer(path=path, facility=blora, user=operator)
