"""Fuzzing the KPU list imports: no input ends in a traceback or a partial write (SECURITY.md)."""

import io
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from voters.core.uploads import ImportRejected
from voters.lists.services import import_reference_dpt, import_voter_list
from voters.models import ListEntry, ReferenceEntry, VoterList
from voters.readers.cells import FileRejected

pytestmark = pytest.mark.django_db

HEADER = "nik;nama;tanggal_lahir;jenis_kelamin;tps;disabilitas;status_perkawinan\n"
cell = st.one_of(
    st.text(max_size=20),
    st.sampled_from(["", "L", "P", "31-02-1990", "15-05-1980", "3316011505800001",
                     "331601**********", "3.3160E+15", "'3316", "=cmd|' /C calc'!A0", "0",
                     "-", "<script>", "\x00", "\\N", "a\\tb", "901", "TPS 0901", "7"]),
    st.dates().map(lambda d: d.strftime("%d-%m-%Y")),
)  # fmt: skip
row = st.lists(cell, min_size=0, max_size=8).map(
    lambda cells: ";".join(c.replace(";", ",").replace("\n", " ").replace("\r", " ") for c in cells)
)
FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def attempt(load, data, tmp_path, name):
    path = tmp_path / name
    path.write_bytes(data)
    before = (ListEntry.objects.count(), ReferenceEntry.objects.count())
    try:
        load(path)
    except (ImportRejected, FileRejected) as error:
        assert str(error)
        assert (ListEntry.objects.count(), ReferenceEntry.objects.count()) == before
        return False
    return True


def loaders(election, tps):
    return (
        lambda path: import_voter_list(path=path, election=election, tps=tps, kind="DPT"),
        lambda path: import_reference_dpt(path=path, election=election),
    )


@FUZZ
@given(rows=st.lists(row, max_size=8))
def test_random_rows_import_whole_or_not_at_all(tmp_path, election, tps901, rows):
    data = (HEADER + "\n".join(rows)).encode("utf-8", "surrogatepass")
    for load in loaders(election, tps901):
        attempt(load, data, tmp_path, "fuzz.csv")
    for voter_list in VoterList.objects.all():
        assert voter_list.row_count == voter_list.entries.count()


@FUZZ
@given(data=st.binary(max_size=2048))
def test_random_bytes_never_raise_anything_but_a_rejection(tmp_path, election, tps901, data):
    for load in loaders(election, tps901):
        for name in ("fuzz.csv", "fuzz.xlsx"):
            attempt(load, data, tmp_path, name)


@FUZZ
@given(
    members=st.dictionaries(
        st.sampled_from(
            ["[Content_Types].xml", "xl/workbook.xml", "xl/worksheets/sheet1.xml", "../evil"]
        ),
        st.binary(max_size=300),
        max_size=4,
    )
)
def test_random_zip_archives_are_rejected_cleanly(tmp_path, election, tps901, members):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    for load in loaders(election, tps901):
        assert not attempt(load, buffer.getvalue(), tmp_path, "fuzz.xlsx")


def test_a_nul_byte_far_into_a_csv_rejects_it(tmp_path, election, tps901):
    rows = "".join(f"3316011505800001;ORANG {n};15-05-1980;L;901;;B\n" for n in range(3000))
    data = (HEADER + rows).encode() + b"3316011505800001;NUL\x00;15-05-1980;L;901;;B\n"
    for load in loaders(election, tps901):
        assert not attempt(load, data, tmp_path, "nul.csv")
