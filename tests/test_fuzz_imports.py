"""Fuzzing the importers: no input ends in a traceback or a partial write (SECURITY.md)."""

import io
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pages_letters import make_inmate

from voters.core.uploads import ImportRejected
from voters.inmates import dukcapil
from voters.inmates.services import import_inmates
from voters.models import Inmate, NikStatus, NikTransition

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
    """The import's plan, or None when the file was refused (and then nothing was written)."""
    path = tmp_path / name
    path.write_bytes(data)
    before = Inmate.objects.count()
    try:
        plan, _summary = import_inmates(path=path, facility=blora)
    except ImportRejected as exc:
        assert str(exc)
        assert Inmate.objects.count() == before  # nothing half-written
        return None
    return plan


# Files of well-formed roster rows (register, name, birth date, sex, admission, block) with
# random rows among them, so that whole files get imported too, not only refused.
good_row = st.tuples(
    st.integers(0, 999), st.sampled_from(["BUDI", "SITI AMINAH", "JOKO"]), st.sampled_from("LP")
).map(lambda t: f"G.{t[0]:03d};{t[1]};;15-05-1980;{t[2]};01-09-2024;A")
roster_rows = st.tuples(
    st.lists(good_row.map(lambda r: (True, r)), max_size=8),
    st.lists(row.map(lambda r: (False, r)), max_size=2),
).flatmap(lambda rows: st.permutations(rows[0] + rows[1]))


@FUZZ
@given(rows=roster_rows)
def test_random_csv_rows_import_whole_or_not_at_all(tmp_path, blora, rows):
    """Either every row of the file is on the roster afterwards, or the file is refused and
    none is (_import checks that half)."""
    data = (HEADER + "\n".join(text for _good, text in rows)).encode("utf-8", "surrogatepass")
    Inmate.objects.all().delete()
    plan = _import(tmp_path, blora, data)
    if plan is None:
        return
    stored = sorted(Inmate.objects.values_list("no_registrasi", flat=True))
    assert stored == sorted(r.values["no_registrasi"] for r in plan.rows)
    if '"' not in data.decode("utf-8", "replace"):  # a stray quote may join lines into one cell
        assert {text.split(";")[0] for good, text in rows if good} <= set(stored)


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


# Answers Dukcapil may give about a NIK that was sent, each reachable from "sent".
ANSWERS = {
    "sesuai": NikStatus.VERIFIED,
    "tidak ditemukan": NikStatus.NOT_FOUND,
    "belum rekam": NikStatus.NOT_RECORDED,
    "dijadwalkan": NikStatus.RECORDING_SCHEDULED,
    "biometrik padan": NikStatus.BIOMETRIC_MATCH,
}
SENT_REGISTERS = ("D.01", "D.02", "D.03")
good_answer = st.tuples(st.sampled_from(SENT_REGISTERS), st.sampled_from(sorted(ANSWERS)))
answer_rows = st.tuples(st.lists(good_answer, max_size=6), st.lists(row, max_size=2)).flatmap(
    lambda rows: st.permutations(rows[0] + rows[1])
)


@pytest.fixture
def sent(blora):
    return [make_inmate(blora, register, f"WBP {register}") for register in SENT_REGISTERS]


@FUZZ
@given(rows=answer_rows)
def test_random_dukcapil_answers_are_applied_whole_or_not_at_all(tmp_path, blora, operator,
                                                                 sent, rows):
    """Either every answer of the file is applied (each NIK ends in the status its row gives),
    or the file is refused and no NIK changes."""
    Inmate.objects.filter(pk__in=[i.pk for i in sent]).update(nik_status=NikStatus.SENT)
    NikTransition.objects.all().delete()
    lines = [";".join(r) if isinstance(r, tuple) else r for r in rows]
    path = tmp_path / "jawaban.csv"
    path.write_bytes(("no_registrasi;hasil;nik_hasil\n" + "\n".join(lines)).encode(
        "utf-8", "surrogatepass"))
    try:
        dukcapil.import_answer(path=path, facility=blora, user=operator)
    except ImportRejected:
        applied = {}
    else:
        applied = {register: ANSWERS[word] for register, word in
                   (r for r in rows if isinstance(r, tuple))}
        if '"' in "\n".join(lines):  # a stray quote may join lines into one cell
            return
    statuses = dict(Inmate.objects.filter(facility=blora).values_list("no_registrasi",
                                                                      "nik_status"))
    assert statuses == {r: applied.get(r, NikStatus.SENT) for r in SENT_REGISTERS}
    if not applied:
        assert not NikTransition.objects.exists()
