"""The staff roster (CONTRACT.md "Staff roster", import_staff): replaced whole, all or nothing."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from voters.models import AuditEvent, Facility, StaffMember

pytestmark = pytest.mark.django_db

HEADER = "NIK;Nama Pegawai;Tgl Lahir;JK;NIP;Jabatan\n"
AGUS = "'3316011203850001;Agus Santoso;12-03-1985;L;198503122010011001;Kepala Rutan\n"
SRI = "3316 0145 0690 0002;Sri Wahyuni;05/06/1990;Perempuan;;Petugas Registrasi\n"
BUDI = "331601;Budi Raharjo;1988-01-01;L;;\n"


@pytest.fixture
def blora(db):
    return Facility.objects.create(code="RUTAN-BLORA", name="Rutan Blora", region_code="33.16")


def write(tmp_path, text, name="petugas.csv", encoding="utf-8-sig"):
    path = tmp_path / name
    path.write_text(text, encoding=encoding)
    return str(path)


def run(path, facility="RUTAN-BLORA"):
    out = StringIO()
    call_command("import_staff", path, "--facility", facility, stdout=out)
    return out.getvalue()


def test_it_imports_a_semicolon_csv_with_aliases_and_keeps_a_malformed_nik_as_invalid(
    tmp_path, blora
):
    out = run(write(tmp_path, HEADER + AGUS + SRI + BUDI))
    assert "3 petugas (3 baru" in out and "1 NIK tidak sah" in out
    agus = StaffMember.objects.get(name="Agus Santoso")
    assert (agus.nik, agus.nik_valid, agus.nip, agus.position) == (
        "3316011203850001", True, "198503122010011001", "Kepala Rutan")
    sri = StaffMember.objects.get(name="Sri Wahyuni")
    assert (sri.nik, sri.sex, str(sri.birth_date)) == ("3316014506900002", "P", "1990-06-05")
    budi = StaffMember.objects.get(name="Budi Raharjo")
    assert (budi.nik, budi.nik_valid) == ("331601", False)
    event = AuditEvent.objects.get(action="import", facility=blora)
    assert event.row_count == 3 and "3316011203850001" not in str(event.detail)


def test_the_same_file_twice_changes_nothing_the_second_time(tmp_path, blora):
    path = write(tmp_path, HEADER + AGUS + SRI)
    run(path)
    before = list(StaffMember.objects.values())
    assert "tidak ada perubahan" in run(path)
    assert list(StaffMember.objects.values()) == before
    assert AuditEvent.objects.filter(action="import").count() == 1


def test_a_new_file_replaces_the_roster_whole(tmp_path, blora):
    run(write(tmp_path, HEADER + AGUS + SRI))
    changed = AGUS.replace("Kepala Rutan", "Kepala KPR")
    out = run(write(tmp_path, HEADER + changed + BUDI, name="baru.csv"))
    assert "1 baru, 1 berubah, 0 tetap, 1 tidak lagi tercatat" in out
    assert sorted(StaffMember.objects.values_list("name", "position")) == [
        ("Agus Santoso", "Kepala KPR"), ("Budi Raharjo", "")]


def test_bad_rows_reject_the_file_listing_each_and_write_nothing(tmp_path, blora):
    run(write(tmp_path, HEADER + AGUS))
    bad = (HEADER + SRI + ";Tanpa NIK;01-01-1980;P;;\n" + "3316011203850009;X;31-02-1985;L;;\n"
           + SRI.replace("Sri Wahyuni", "Sri W."))
    with pytest.raises(CommandError) as refused:
        run(write(tmp_path, bad, name="buruk.csv"))
    text = str(refused.value)
    assert "baris 3, kolom nik: wajib diisi" in text
    assert "baris 4, kolom tanggal_lahir" in text
    assert "baris 5, kolom nik: NIK ganda: sama dengan baris 2" in text
    assert "3316014506900002" not in text
    assert list(StaffMember.objects.values_list("name", flat=True)) == ["Agus Santoso"]


def test_a_missing_required_column_rejects_the_file(tmp_path, blora):
    with pytest.raises(CommandError, match="tanggal_lahir"):
        run(write(tmp_path, "NIK,Nama,JK\n3316011203850001,Agus,L\n"))
    assert not StaffMember.objects.exists()


def test_an_xlsx_roster_is_read_too(tmp_path, blora):
    from datetime import date

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["Daftar Pegawai Rutan Blora"])
    sheet.append(["No NIK", "Nama", "Tanggal Lahir", "L/P"])
    sheet.append(["3316011203850001", "Agus Santoso", date(1985, 3, 12), "L"])
    path = tmp_path / "pegawai.xlsx"
    book.save(path)
    assert "1 petugas (1 baru" in run(str(path))
    assert StaffMember.objects.get().birth_date == date(1985, 3, 12)


def test_an_unknown_facility_or_file_is_a_message_not_a_traceback(tmp_path, blora):
    with pytest.raises(CommandError, match="belum ada"):
        run(write(tmp_path, HEADER + AGUS), facility="LAPAS-X")
    with pytest.raises(CommandError, match="tidak ditemukan"):
        run(str(tmp_path / "tidak-ada.csv"))
