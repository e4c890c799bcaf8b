"""The staff roster page: upload, preview through a job, confirm, the roster, who may see it."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.urls import reverse

from voters.core.uploads import ImportRejected
from voters.inmates import staff as service
from voters.models import AuditEvent, ImportBatch, StaffMember

pytestmark = pytest.mark.django_db

CSV = (
    "NIK;Nama Pegawai;Tgl Lahir;JK;Jabatan\r\n"
    "3316011203850001;AGUS SANTOSO;12-03-1985;L;Kepala Rutan\r\n"
    "3316014506900002;SRI WAHYUNI;05-06-1990;P;Petugas Registrasi\r\n"
)


def upload(client, content=CSV, name="petugas.csv"):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(
            reverse("staff_roster"), {"file": SimpleUploadedFile(name, content.encode("utf-8"))}
        )


def test_an_operator_previews_then_confirms_a_staff_roster(
    operator, client_for, django_capture_on_commit_callbacks
):
    client = client_for(operator)
    response = upload(client)
    batch = ImportBatch.objects.get(kind="staff")
    assert response.url == reverse("staff_import", args=[batch.pk])
    assert batch.awaits_confirmation
    preview = client.get(response.url).content.decode()
    assert "AGUS SANTOSO" in preview and "331601**********" in preview
    assert "3316011203850001" not in preview and "3316011203850001" not in str(batch.summary)
    assert not StaffMember.objects.exists()  # nothing written before confirmation
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("staff_import_confirm", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.status == "done", batch.error
    assert StaffMember.objects.filter(facility=operator.facility).count() == 2
    assert not batch.stored_path
    assert AuditEvent.objects.filter(action="import", actor=operator).count() == 1
    page = client.get(reverse("staff_roster")).content.decode()
    assert "SRI WAHYUNI" in page and "3316014506900002" in page  # operators see full NIKs


def test_confirming_twice_imports_once(operator, client_for, django_capture_on_commit_callbacks):
    client = client_for(operator)
    upload(client)
    batch = ImportBatch.objects.get(kind="staff")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("staff_import_confirm", args=[batch.pk]))
        response = client.post(reverse("staff_import_confirm", args=[batch.pk]), follow=True)
    assert "tidak menunggu konfirmasi" in response.content.decode()
    assert StaffMember.objects.count() == 2
    assert AuditEvent.objects.filter(action="import").count() == 1


def test_a_bad_file_is_refused_with_every_bad_row_and_its_file_is_deleted(
    operator, client_for, private_root
):
    client = client_for(operator)
    bad = ";TANPA NIK;01-01-1980;P;\r\n3316019999999999;X;31-02-1985;L;\r\n"
    response = upload(client, CSV + bad)
    batch = ImportBatch.objects.get(kind="staff")
    assert batch.status == "failed" and not batch.stored_path
    page = client.get(response.url).content.decode()
    assert "baris 4, kolom nik" in page and "baris 5, kolom tanggal_lahir" in page
    assert not any((private_root / "imports").iterdir())
    assert not StaffMember.objects.exists()


def test_a_file_changed_after_its_preview_is_not_imported(
    operator, client_for, django_capture_on_commit_callbacks
):
    client = client_for(operator)
    upload(client)
    batch = ImportBatch.objects.get(kind="staff")
    with open(batch.stored_path, "a", encoding="utf-8") as handle:
        handle.write("3316010101800003;BARU;01-01-1980;L;\r\n")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("staff_import_confirm", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.status == "failed" and "berubah sejak pratinjau" in batch.error
    assert not StaffMember.objects.exists()


def test_an_unconfirmed_preview_expires_with_its_file(operator, client_for, private_root):
    import datetime as dt

    from django.utils import timezone

    from voters.retention import sweep_transient_files

    upload(client_for(operator))
    batch = ImportBatch.objects.get(kind="staff")
    ImportBatch.objects.filter(pk=batch.pk).update(
        created_at=timezone.now() - dt.timedelta(hours=2)
    )
    sweep_transient_files()
    batch.refresh_from_db()
    assert batch.status == "failed" and not batch.stored_path
    assert not any((private_root / "imports").iterdir())


def test_another_facility_s_staff_upload_is_not_found(operator, outsider, client_for):
    upload(client_for(outsider))
    batch = ImportBatch.objects.get(kind="staff")
    client = client_for(operator)
    assert client.get(reverse("staff_import", args=[batch.pk])).status_code == 404
    assert client.post(reverse("staff_import_confirm", args=[batch.pk])).status_code == 404


def test_the_roster_page_says_what_to_do_when_empty(operator, client_for):
    page = client_for(operator).get(reverse("staff_roster")).content.decode()
    assert "Belum ada daftar petugas" in page


def test_a_lost_preview_job_is_sent_again_and_a_lost_import_job_too(operator, client_for):
    from voters.core import jobs

    upload(client_for(operator))
    batch = ImportBatch.objects.get(kind="staff")
    assert jobs.resend(batch) is None  # previewed: waits for the operator, nothing to resend
    batch.sha256 = ""
    assert jobs.resend(batch) is not None  # preview job lost: sent again
    batch.confirmed_at = batch.created_at
    assert jobs.resend(batch) is not None  # import job lost: sent again


def test_import_staff_service_refuses_a_changed_file(tmp_path, blora):
    path = tmp_path / "p.csv"
    path.write_text(CSV, encoding="utf-8")
    with pytest.raises(ImportRejected, match="berubah sejak pratinjau"):
        service.import_staff(path=path, facility=blora, expected_sha256="0" * 64)
