"""import_inmates: the contract's inmate file on real-world mess, all or nothing, idempotent."""

import datetime as dt
import shutil
from io import StringIO
from pathlib import Path

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from voters.models import CustodyEvent, Inmate, NikStatus, NikTransition

pytestmark = pytest.mark.django_db

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
HEADER = (
    "No. Registrasi;Nama Lengkap;NIK;Tgl. Lahir;L/P;Status Kawin;Kode Wilayah KTP;"
    "Golongan;Tgl Masuk;Tanggal Ekspirasi;Tgl Keluar;Alasan Keluar;Blok Hunian"
)


def write_csv(tmp_path, lines, name="sdp.csv", encoding="utf-8-sig", header=HEADER):
    path = tmp_path / name
    path.write_text("\r\n".join([header, *lines]) + "\r\n", encoding=encoding)
    return path


def run(path, facility="RUTAN-BLORA"):
    out = StringIO()
    call_command("import_inmates", str(path), "--facility", facility, stdout=out)
    return out.getvalue()


ROWS = [
    "AIII.001/2024;SUKARNO HAKIM;'3316032408718025;24-08-1971;L;Kawin;33.16.03;A.III;"
    "04/03/2024;;;;A",
    "BI.002/2024;SRI SAPUTRO;3316 0963 0674 3314;23/06/1974;Perempuan;S;3316092012;B.I;"
    "2024-03-04;01-06-2025;;;B",
    "BI.003/2024;TANPA NIK;;01-01-1990;Laki-laki;;33.16;B.I;04-03-2024;;;;C",
    "BI.004/2024;NIK PENDEK;331603240871802;01-01-1990;L;B;33.16;B.I;04-03-2024;;;;C",
    "BI.005/2024;NIK EXCEL;3.3160E+15;01-01-1990;L;B;33.16;B.I;04-03-2024;;;;C",
    "BI.006/2024;SUDAH BEBAS;3316010101900001;01-01-1990;L;B;33.16;B.I;04-03-2024;;"
    "10-10-2024;bebas;D",
]


def test_it_imports_the_contract_file_with_its_real_world_mess(blora, tmp_path):
    out = run(write_csv(tmp_path, ROWS))
    assert "6 baris, 6 baru" in out
    sukarno = Inmate.objects.get(no_registrasi="AIII.001/2024")
    assert sukarno.nik == "3316032408718025" and sukarno.nik_format == "valid"
    assert sukarno.nik_status == NikStatus.FORMAT_VALID
    assert sukarno.status_perkawinan == "S" and sukarno.register == "A.III"
    sri = Inmate.objects.get(no_registrasi="BI.002/2024")
    assert sri.nik == "3316096306743314" and sri.jenis_kelamin == "P"
    assert sri.kode_wilayah == "33.16.09.2012"
    assert sri.tanggal_bebas == dt.date(2025, 6, 1)
    for number in ("BI.003/2024", "BI.004/2024", "BI.005/2024"):
        inmate = Inmate.objects.get(no_registrasi=number)
        assert inmate.nik_format != "valid"
        assert inmate.nik_status == NikStatus.FORMAT_INVALID
    released = Inmate.objects.get(no_registrasi="BI.006/2024")
    assert released.custody_events.filter(kind=CustodyEvent.Kind.RELEASE).count() == 1
    assert not released.is_inside_on(dt.date(2024, 11, 27))


def test_the_sample_sdp_export_imports_cleanly(blora, tmp_path):
    shutil.copy(SAMPLES / "sdp_contoh.xlsx", tmp_path / "sdp_contoh.xlsx")
    out = run(tmp_path / "sdp_contoh.xlsx")
    assert "12 baris, 12 baru" in out
    assert Inmate.objects.count() == 12


def test_importing_the_same_file_twice_changes_nothing(blora, tmp_path):
    path = write_csv(tmp_path, ROWS)
    run(path)
    before = list(Inmate.objects.values().order_by("pk"))
    events = CustodyEvent.objects.count()
    transitions = NikTransition.objects.count()
    out = run(path)
    assert "0 baru, 0 berubah, 6 tetap" in out
    assert list(Inmate.objects.values().order_by("pk")) == before
    assert CustodyEvent.objects.count() == events
    assert NikTransition.objects.count() == transitions


def test_a_reimport_updates_named_people_and_leaves_the_others_alone(blora, tmp_path):
    run(write_csv(tmp_path, ROWS))
    changed = ROWS[0].replace("04/03/2024;;;;A", "04/03/2024;;20-11-2024;mutasi;A")
    run(write_csv(tmp_path, [changed], name="update.csv"))
    moved = Inmate.objects.get(no_registrasi="AIII.001/2024")
    assert moved.tanggal_keluar == dt.date(2024, 11, 20) and moved.jenis_keluar == "mutasi"
    assert moved.custody_events.filter(kind=CustodyEvent.Kind.TRANSFER_OUT).exists()
    assert Inmate.objects.count() == 6


def test_reclassification_from_tahanan_to_narapidana_is_an_event(blora, tmp_path):
    run(write_csv(tmp_path, ROWS[:1]))
    run(write_csv(tmp_path, [ROWS[0].replace(";A.III;", ";B.I;")], name="b.csv"))
    event = Inmate.objects.get().custody_events.get(kind=CustodyEvent.Kind.RECLASSIFIED)
    assert "A.III" in event.detail and "B.I" in event.detail


def test_a_changed_nik_restarts_its_lifecycle(blora, tmp_path):
    run(write_csv(tmp_path, ROWS[2:3]))
    fixed = ROWS[2].replace("TANPA NIK;;", "TANPA NIK;3316010101900002;")
    run(write_csv(tmp_path, [fixed], name="fix.csv"))
    inmate = Inmate.objects.get()
    assert inmate.nik_status == NikStatus.FORMAT_VALID
    assert list(inmate.nik_transitions.values_list("to_status", flat=True)) == [
        NikStatus.FORMAT_INVALID,
        NikStatus.FORMAT_VALID,
    ]


def test_one_bad_row_rejects_the_whole_file_and_names_every_bad_row(blora, tmp_path):
    bad = [
        *ROWS,
        "BI.007/2024;TANGGAL SALAH;;31-02-1990;L;B;33.16;B.I;04-03-2024;;;;C",
        "BI.008/2024;;;01-01-1990;X;B;33.16;B.I;04-03-2024;;;;C",
    ]
    with pytest.raises(CommandError) as info:
        run(write_csv(tmp_path, bad))
    message = str(info.value)
    assert "sdp.csv" in message
    assert "baris 8, kolom tanggal_lahir" in message
    assert "baris 9, kolom nama" in message and "baris 9, kolom jenis_kelamin" in message
    assert Inmate.objects.count() == 0


def test_a_missing_required_column_rejects_the_file(blora, tmp_path):
    path = write_csv(tmp_path, ["A.1;X;01-01-1990;L"], header="No Reg;Nama;Tgl Lahir;JK")
    with pytest.raises(CommandError, match="tanggal_masuk"):
        run(path)
    assert Inmate.objects.count() == 0


def test_a_duplicate_registration_number_is_a_row_error(blora, tmp_path):
    with pytest.raises(CommandError, match="ganda"):
        run(write_csv(tmp_path, [ROWS[0], ROWS[0]]))


def test_windows_1252_comma_csv_reads(blora, tmp_path):
    header = HEADER.replace(";", ",")
    line = "BI.010/2024,JOSÉ ÁLVAREZ,,01-01-1990,L,B,33.16,B.I,04-03-2024,,,,A"
    run(write_csv(tmp_path, [line], encoding="cp1252", header=header))
    assert Inmate.objects.get().nama == "JOSÉ ÁLVAREZ"


def test_xlsx_with_date_cells_and_a_numeric_nik_cell(blora, tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["DATA WBP RUTAN BLORA"])
    ws.append([])
    ws.append(["no_registrasi", "nama", "nik", "tanggal_lahir", "jenis_kelamin", "tanggal_masuk"])
    ws.append(
        [
            "BI.011/2024",
            "ANGKA NIK",
            3316010101900003,
            dt.date(1990, 1, 1),
            "L",
            dt.datetime(2024, 3, 4),
        ]
    )
    path = tmp_path / "wbp.xlsx"
    wb.save(path)
    run(path)
    inmate = Inmate.objects.get()
    assert inmate.tanggal_masuk == dt.date(2024, 3, 4)
    assert inmate.nik_format == "invalid"  # a number cell may have lost its 16th digit
    assert "numeric_cell" in inmate.nik_issues


def test_unknown_facility_and_missing_file_fail_with_a_message(blora, tmp_path):
    with pytest.raises(CommandError, match="NOPE"):
        run(write_csv(tmp_path, ROWS), facility="NOPE")
    with pytest.raises(CommandError, match="tidak ditemukan"):
        run(tmp_path / "missing.csv")


def test_a_nik_that_disagrees_with_the_birth_date_is_flagged(blora, tmp_path):
    wrong = ROWS[0].replace("24-08-1971", "25-08-1971")
    run(write_csv(tmp_path, [wrong]))
    assert "birth_date_mismatch" in Inmate.objects.get().nik_issues


def test_a_roster_job_that_breaks_is_failed_with_a_message_not_left_running(blora, monkeypatch):
    """E.g. the database cut the worker's connection mid-import (tests/test_fault_drills.py)."""
    from django.db import OperationalError

    from voters.inmates import services as inmates
    from voters.models import ImportBatch

    def broken(**kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    batch = ImportBatch.objects.create(kind="inmates", facility=blora, file_name="sdp.csv")
    monkeypatch.setattr(inmates, "import_inmates", broken)
    inmates.run_roster_batch(batch.pk)
    batch.refresh_from_db()
    assert batch.status == "failed" and "kesalahan sistem" in batch.error
    assert "(OperationalError)" in batch.error
