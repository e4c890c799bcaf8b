"""A police-cell roster (issue 16): a hand-kept spreadsheet, not an SDP export. The inmate import
takes it as it comes: police register numbers, the contract's own column names, semicolons, a
title and a signature block, text dates, words for the register and the reason of leaving."""

import datetime as dt
import shutil
from io import StringIO
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import TestCase
from django.urls import reverse

from tests.conftest import make_user
from voters.models import CustodyEvent, Facility, ImportBatch, Inmate
from voters.readers import cells

pytestmark = pytest.mark.django_db

POLICE = Path(__file__).resolve().parents[1] / "data" / "police"


@pytest.fixture
def polres(db):
    return Facility.objects.create(
        code="POLRES-BLORA", name="Polres Blora", region_code="33.16", kind="polres"
    )


def run(path):
    out = StringIO()
    call_command("import_inmates", str(path), "--facility", "POLRES-BLORA", stdout=out)
    return out.getvalue()


def check_roster():
    assert Inmate.objects.count() == 6
    agus = Inmate.objects.get(no_registrasi="T/012/10/2024/Reskrim")
    assert agus.nik == "3316031505900001" and agus.nik_format == "valid"
    assert agus.tanggal_lahir == dt.date(1990, 5, 15)
    assert agus.tanggal_masuk == dt.date(2024, 10, 28)
    assert agus.tanggal_keluar == dt.date(2024, 11, 5)
    # "Dilimpahkan ke Rutan Blora (Tahap II)": the hand-over to the prosecutor is a transfer.
    assert agus.jenis_keluar == "mutasi"
    assert agus.register == "A.I" and agus.is_tahanan
    assert agus.custody_events.filter(kind=CustodyEvent.Kind.TRANSFER_OUT).exists()
    bambang = Inmate.objects.get(no_registrasi="T/013/10/2024/Reskrim")
    assert bambang.nama == "BAMBANG WIBOWO" and bambang.tanggal_lahir == dt.date(1985, 3, 2)
    assert bambang.tanggal_keluar is None and bambang.kode_wilayah == "33.16"
    dewi = Inmate.objects.get(no_registrasi="T/014/11/2024/Sat Resnarkoba")
    assert dewi.nik == "3316054712920003" and dewi.jenis_kelamin == "P"
    assert dewi.register == "A.I"
    eko = Inmate.objects.get(no_registrasi="T/016/11/2024/Satlantas")
    assert eko.tanggal_lahir == dt.date(1980, 10, 10)
    assert eko.jenis_keluar == "bebas" and eko.register == "A.I"  # penangguhan penahanan
    rina = Inmate.objects.get(no_registrasi="T/017/11/2024/Reskrim")
    assert rina.tanggal_masuk == dt.date(2024, 11, 5) and rina.nik == "3316045006950006"
    sutrisno = Inmate.objects.get(no_registrasi="T/015/11/2024/Reskrim")
    assert sutrisno.nik_format == "blank"
    # The signature block under the table is nobody.
    assert not Inmate.objects.filter(nama__icontains="Kasat").exists()
    assert not Inmate.objects.filter(nama__icontains="SLAMET").exists()


def test_the_semicolon_police_roster_imports_through_the_command(polres, tmp_path):
    shutil.copy(POLICE / "roster_polres_blora.csv", tmp_path / "tahanan.csv")
    out = run(tmp_path / "tahanan.csv")
    assert "6 baris, 6 baru" in out
    check_roster()
    assert "0 baru, 0 berubah, 6 tetap" in run(tmp_path / "tahanan.csv")


def test_only_the_block_after_the_last_person_is_a_signature(polres, tmp_path):
    """A person with only a name, between the others, is a row error as before (all or
    nothing); the same file without that row imports, signature block and all."""
    lines = (POLICE / "roster_polres_blora.csv").read_text(encoding="utf-8-sig").splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("No;"))
    broken = [*lines[: header + 2], "", ";;HANYA NAMA;;;;;;;;;;;", *lines[header + 2 :]]
    path = tmp_path / "tahanan.csv"
    path.write_text("\r\n".join(broken) + "\r\n", encoding="utf-8")
    with pytest.raises(CommandError) as info:
        run(path)
    assert f"baris {header + 4}, kolom no_registrasi" in str(info.value)
    assert Inmate.objects.count() == 0
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    assert "6 baris, 6 baru" in run(path)


def test_the_xlsx_police_roster_imports_through_the_command(polres, tmp_path):
    shutil.copy(POLICE / "roster_polres_blora.xlsx", tmp_path / "tahanan.xlsx")
    out = run(tmp_path / "tahanan.xlsx")
    assert "6 baris, 6 baru" in out
    check_roster()


def test_the_web_import_previews_the_police_roster_then_confirms(
    polres, client_for, django_capture_on_commit_callbacks
):
    client = client_for(make_user("polisi", "operator", polres))
    content = (POLICE / "roster_polres_blora.csv").read_bytes()
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(
            reverse("roster_import"), {"file": SimpleUploadedFile("tahanan.csv", content)}
        )
    batch = ImportBatch.objects.get()
    preview = client.get(response.url).content.decode()
    assert "T/012/10/2024/Reskrim" in preview and "AGUS SETIAWAN" in preview
    assert "Kasat Tahti" not in preview
    assert Inmate.objects.count() == 0  # nothing written before confirmation
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("roster_import_confirm", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.status == "done", batch.error
    check_roster()


def test_the_words_a_police_roster_writes_for_leaving_and_for_the_register():
    assert cells.parse_exit_kind("Dilimpahkan ke Kejari (Tahap II)") == "mutasi"
    assert cells.parse_exit_kind("pelimpahan tahap 2") == "mutasi"
    assert cells.parse_exit_kind("Penangguhan penahanan") == "bebas"
    assert cells.parse_exit_kind("Pengalihan jenis penahanan (tahanan rumah)") == "bebas"
    assert cells.parse_exit_kind("dipinjam penyidik") == "lainnya"
    assert cells.parse_register("Tahanan Penyidik") == "A.I"
    assert cells.parse_register("tahanan polri") == "A.I"
    assert cells.parse_register("Tahanan") == "Tahanan"  # no class named: kept as written
