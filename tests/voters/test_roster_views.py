"""Roster pages: upload, preview, confirm through the job, lists, masking per role."""

import datetime as dt
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.urls import reverse

from voters.models import ImportBatch, Inmate

pytestmark = pytest.mark.django_db

CSV = (
    "No Reg;Nama;NIK;Tgl Lahir;JK;Tgl Masuk;Blok\r\n"
    "A.1;BUDI SANTOSO;3316032408718025;24-08-1971;L;01-03-2024;A\r\n"
    "A.2;SITI AMINAH;;01-01-1990;P;01-03-2024;B\r\n"
)


def upload(client, content=CSV, name="sdp.csv"):
    """Upload, then run the preview job queued on commit (the file is never read in the
    request: SECURITY.md check 31)."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(
            reverse("roster_import"), {"file": SimpleUploadedFile(name, content.encode("utf-8"))}
        )


def test_an_operator_previews_then_confirms_an_sdp_upload(
    operator, client_for, django_capture_on_commit_callbacks
):
    client = client_for(operator)
    response = upload(client)
    batch = ImportBatch.objects.get()
    assert response.url == reverse("roster_import_preview", args=[batch.pk])
    preview = client.get(response.url).content.decode()
    assert "BUDI SANTOSO" in preview and "331603**********" in preview
    assert "3316032408718025" not in preview
    assert Inmate.objects.count() == 0  # nothing written before confirmation
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("roster_import_confirm", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.status == "done", batch.error
    assert Inmate.objects.count() == 2
    assert (
        "Impor selesai"
        in client.get(reverse("roster_import_preview", args=[batch.pk])).content.decode()
    )


def test_confirming_twice_imports_once(operator, client_for, django_capture_on_commit_callbacks):
    client = client_for(operator)
    batch_url = upload(client).url
    batch = ImportBatch.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("roster_import_confirm", args=[batch.pk]))
        client.post(reverse("roster_import_confirm", args=[batch.pk]))
    assert Inmate.objects.count() == 2
    assert client.get(batch_url).status_code == 200


def test_a_confirmed_upload_shows_its_progress_until_a_worker_takes_it(
    operator, client_for, django_capture_on_commit_callbacks, monkeypatch
):
    from voters.tasks import import_inmates_task

    queued = []
    monkeypatch.setattr(import_inmates_task, "delay", queued.append)  # no worker yet
    client = client_for(operator)
    batch_url = upload(client).url
    batch = ImportBatch.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("roster_import_confirm", args=[batch.pk]))
        client.post(reverse("roster_import_confirm", args=[batch.pk]))
    assert queued == [batch.pk]
    page = client.get(batch_url).content.decode()
    assert "data-progress-url" in page
    assert "Simpan perubahan ini" not in page


def test_a_roster_edited_after_the_preview_is_not_overwritten(
    operator, client_for, django_capture_on_commit_callbacks
):
    client = client_for(operator)
    upload(client)
    first = ImportBatch.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("roster_import_confirm", args=[first.pk]))
    changed = CSV.replace(";A\r\n", ";C\r\n")
    upload(client, changed)
    second = ImportBatch.objects.latest("pk")
    budi = Inmate.objects.get(no_registrasi="A.1")
    Inmate.objects.filter(pk=budi.pk).update(version=budi.version + 1)  # someone edited
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("roster_import_confirm", args=[second.pk]))
    second.refresh_from_db()
    assert second.status == "failed" and "berubah sejak pratinjau" in second.error
    assert Inmate.objects.get(no_registrasi="A.1").blok == "A"


def test_a_rejected_upload_offers_an_error_report(operator, client_for):
    client = client_for(operator)
    bad = CSV + "A.3;;;99-99-1990;L;01-03-2024;C\r\n"
    response = upload(client, bad)
    page = client.get(response.url).content.decode()
    assert "ditolak" in page
    report = client.get(
        reverse("roster_import_errors", args=[ImportBatch.objects.get().pk])
    ).content.decode()
    assert "tanggal_lahir" in report and "nama" in report
    assert Inmate.objects.count() == 0


def test_an_oversized_or_foreign_file_is_refused_before_parsing(operator, client_for, settings):
    settings.MAX_UPLOAD_BYTES = 100
    client = client_for(operator)
    response = upload(client, CSV * 5)
    assert "terlalu besar" in response.content.decode()
    response = upload(client, "x", name="sdp.exe")
    assert ".csv atau .xlsx" in response.content.decode()
    assert ImportBatch.objects.count() == 0


def make(facility, number, name, **extra):
    values = {
        "nik": "3316032408718025",
        "nik_format": "valid",
        "tanggal_lahir": dt.date(1971, 8, 24),
        "jenis_kelamin": "L",
        "tanggal_masuk": dt.date(2024, 3, 4),
        **extra,
    }
    return Inmate.objects.create(facility=facility, no_registrasi=number, nama=name, **values)


def test_the_roster_searches_and_filters(blora, election, tps901, operator, client_for):
    make(blora, "A.1", "BUDI SANTOSO", blok="A")
    make(
        blora,
        "A.2",
        "ANAK MUDA",
        blok="B",
        tanggal_lahir=dt.date(2010, 1, 1),
        nik="",
        nik_format="blank",
    )
    make(blora, "A.3", "SUDAH PULANG", tanggal_keluar=dt.date(2024, 6, 1), jenis_keluar="bebas")
    client = client_for(operator)
    url = reverse("inmate_list")
    found = client.post(url, {"q": "budi"}, follow=True).content.decode()
    assert "BUDI SANTOSO" in found
    assert "ANAK MUDA" not in found
    tms = client.get(url, {"eligibility": "no"}).content.decode()
    assert "ANAK MUDA" in tms and "BUDI SANTOSO" not in tms
    expected = client.get(url, {"custody": "expected"}).content.decode()
    assert "SUDAH PULANG" not in expected and "BUDI SANTOSO" in expected
    assert "ANAK MUDA" in client.get(url, {"blok": "B"}).content.decode()


def test_the_whole_roster_is_counted_once_and_a_filtered_one_as_filtered(
    blora, rembang, election, tps901, operator, client_for
):
    """Without a search or filter the header's total is the list's length: no second COUNT of
    every inmate of the scope per page (issue 19 item 7); a filtered list counts its own rows."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for n in range(3):
        make(blora, f"A.{n}", f"WARGA {n}", blok="A" if n else "B")
    make(rembang, "R.1", "LAIN UPT")
    client = client_for(operator)
    url = reverse("inmate_list")
    client.get(url)
    with CaptureQueriesContext(connection) as whole:
        response = client.get(url)
    assert response.context["counts"]["shown"] == response.context["counts"]["total"] == 3
    assert response.context["page"].paginator.count == 3
    assert not [q for q in whole.captured_queries if 'COUNT(*) AS "__count"' in q["sql"]]
    filtered = client.get(url, {"blok": "A"})
    assert filtered.context["counts"]["shown"] == 2
    assert filtered.context["counts"]["total"] == 3
    assert client.get(url, {"custody": "left"}).context["counts"]["shown"] == 0

def test_observers_see_masked_niks_and_no_birth_dates(blora, observer, client_for):
    inmate = make(blora, "A.1", "BUDI SANTOSO")
    client = client_for(observer)
    for url in (reverse("inmate_list"), reverse("inmate_detail", args=[inmate.pk])):
        body = client.get(url).content.decode()
        assert not re.search(r"(?<!\d)\d{16}(?!\d)", body)
        assert "331603**********" in body
        assert "24-08-1971" not in body


def test_nik_search_is_only_for_roles_that_see_full_niks(blora, observer, operator, client_for):
    make(blora, "A.1", "BUDI SANTOSO")
    url = reverse("inmate_list")
    by_operator = client_for(operator).post(url, {"q": "3316032408"}, follow=True)
    assert "BUDI SANTOSO" in by_operator.content.decode()
    by_observer = client_for(observer).post(url, {"q": "3316032408"}, follow=True)
    assert "BUDI SANTOSO" not in by_observer.content.decode()


def test_work_lists_show_who_needs_dukcapil(blora, operator, client_for):
    make(blora, "A.1", "PUNYA NIK")
    make(blora, "A.2", "TANPA NIK", nik="", nik_format="blank")
    make(blora, "A.3", "NIK SALAH TANGGAL", nik_issues=["birth_date_mismatch"])
    client = client_for(operator)
    recording = client.get(reverse("nik_worklist_tab", args=["perekaman"])).content.decode()
    assert "TANPA NIK" in recording and "PUNYA NIK" not in recording
    mismatch = client.get(reverse("nik_worklist_tab", args=["tidak-cocok"])).content.decode()
    assert "NIK SALAH TANGGAL" in mismatch and "TANPA NIK" not in mismatch
