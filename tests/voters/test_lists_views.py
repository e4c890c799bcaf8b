"""The list pages: uploads as jobs with a result page, masking per role, search, Model A PDF."""

import datetime as dt
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from kpu_files import kpu_rows, write_csv
from pdfs import page_count

from voters.letters import pdf as letters
from voters.lists.services import active_reference
from voters.models import AuditEvent, ImportBatch, ListEntry, VoterList

pytestmark = pytest.mark.django_db

NIK16 = re.compile(rb"(?<!\d)\d{16}(?!\d)")
_commit = None


def csv_upload(tmp_path, rows=None, name="dpt_901.csv"):
    path = write_csv(tmp_path / name, kpu_rows() if rows is None else rows)
    return SimpleUploadedFile(name, path.read_bytes(), content_type="text/csv")


def uploaded_files(private_root):
    folder = private_root / "imports"
    return sorted(folder.iterdir()) if folder.exists() else []


@pytest.fixture(autouse=True)
def _run_jobs(django_capture_on_commit_callbacks):
    """Run the tasks queued with transaction.on_commit (in-process without a broker)."""
    global _commit
    _commit = django_capture_on_commit_callbacks


def upload_list(client, tps, upload, kind="DPT"):
    with _commit(execute=True):
        return client.post(
            reverse("voter_list_upload"), {"tps": tps.pk, "kind": kind, "file": upload}
        )


def test_the_kpu_liaison_uploads_a_list_and_reads_the_result(
    client_for, kpu, tps901, tmp_path, private_root
):
    client = client_for(kpu)
    response = upload_list(client, tps901, csv_upload(tmp_path))
    batch = ImportBatch.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("list_import_result", args=[batch.pk])
    assert batch.status == "done"  # tasks run in-process without a broker
    assert batch.created_by == kpu
    assert uploaded_files(private_root) == []  # the upload is deleted after the job
    page = client.get(response.url)
    assert page.status_code == 200
    text = page.content.decode()
    assert "Berhasil." in text
    assert "DPT TPS 901" in text
    assert VoterList.objects.get().row_count == 5
    assert AuditEvent.objects.filter(action="import", actor=kpu, row_count=5).exists()


def test_a_rejected_upload_lists_its_bad_rows_and_changes_nothing(
    client_for, kpu, tps901, tmp_path, private_root
):
    rows = kpu_rows()
    rows[1][5] = "99-99-1999"
    client = client_for(kpu)
    response = upload_list(client, tps901, csv_upload(tmp_path, rows))
    batch = ImportBatch.objects.get()
    assert batch.status == "failed"
    page = client.get(response.url).content.decode()
    assert "Ditolak" in page
    assert "tanggal_lahir" in page and ">3<" in page  # row 3 in the errors table
    assert not VoterList.objects.exists()
    assert uploaded_files(private_root) == []


def test_an_upload_declared_over_the_cap_is_refused_unread(
    client_for, kpu, tps901, tmp_path, settings, private_root
):
    settings.MAX_UPLOAD_BYTES = 200
    response = upload_list(client_for(kpu), tps901, csv_upload(tmp_path))
    assert response.status_code == 413
    assert not ImportBatch.objects.exists()
    assert uploaded_files(private_root) == []


def test_an_upload_that_turns_out_over_the_cap_is_stopped_while_read(
    client_for, kpu, tps901, tmp_path, settings, private_root
):
    upload = csv_upload(tmp_path)
    settings.MAX_UPLOAD_BYTES = len(upload.read()) - 1  # declared size is within the slack
    upload.seek(0)
    response = upload_list(client_for(kpu), tps901, upload)
    assert response.status_code == 413
    assert "terlalu besar" in response.content.decode()
    assert not ImportBatch.objects.exists()
    assert uploaded_files(private_root) == []


def test_only_the_kpu_liaison_and_admins_may_upload(
    client_for, operator, observer, tps901, tmp_path
):
    for user in (operator, observer):
        response = upload_list(client_for(user), tps901, csv_upload(tmp_path))
        assert response.status_code == 403
    assert not ImportBatch.objects.exists()


def test_an_upload_for_a_tps_of_another_facility_is_refused(client_for, kpu, tps_rembang, tmp_path):
    response = upload_list(client_for(kpu), tps_rembang, csv_upload(tmp_path))
    assert response.status_code == 200
    assert "tps" in response.context["form"].errors
    assert not ImportBatch.objects.exists()


@pytest.fixture
def loaded_list(kpu, tps901, tmp_path, client_for):
    upload_list(client_for(kpu), tps901, csv_upload(tmp_path))
    return VoterList.objects.get()


def test_staff_see_full_niks_and_masked_roles_never_do(
    client_for, loaded_list, kpu, observer, kpps, operator
):
    url = reverse("voter_list_detail", args=[loaded_list.pk])
    for user in (kpu, operator):
        body = client_for(user).get(url).content
        assert b"3316011505800001" in body
        assert b"15-05-1980" in body
    for user in (observer, kpps):
        body = client_for(user).get(url).content
        assert not NIK16.search(body)
        assert b"331601**********" in body
        assert b"**-**-1980" in body
        assert b"15-05-1980" not in body


def test_a_kpps_officer_sees_only_the_lists_of_their_own_tps(
    client_for, kpu, kpps, tps902, tmp_path
):
    rows = kpu_rows(tps="902")
    upload_list(client_for(kpu), tps902, csv_upload(tmp_path, rows))
    other = VoterList.objects.get(tps=tps902)
    assert client_for(kpps).get(reverse("voter_list_detail", args=[other.pk])).status_code == 404
    index = client_for(kpps).get(reverse("voter_lists")).content.decode()
    assert reverse("voter_list_detail", args=[other.pk]) not in index


def test_the_list_page_counts_by_sex_and_disability_and_searches(client_for, loaded_list, kpu):
    client = client_for(kpu)
    url = reverse("voter_list_detail", args=[loaded_list.pk])
    counts = client.get(url).context["counts"]
    assert (counts["men"], counts["women"], counts["total"], counts["disabled"]) == (3, 2, 5, 2)
    assert [n for _code, _label, n in counts["disability"]] == [1, 0, 0, 0, 0, 1]
    found = client.post(url, {"q": "siti"}).context["rows"]
    assert [r["entry"].nama for r in found] == ["SITI AMINAH"]
    found = client.post(url, {"q": "331601150580"}).context["rows"]
    assert [r["entry"].nama for r in found] == ["BUDI SANTOSO"]


def test_the_model_a_pdf_prints_every_voter_and_is_audited(
    client_for, loaded_list, observer, monkeypatch
):
    seen = {}
    original = letters.render_html

    def keep(html, **kwargs):
        seen["html"] = html
        seen["rendered"] = original(html, **kwargs)
        return seen["rendered"]

    monkeypatch.setattr(letters, "render_html", keep)
    response = client_for(observer).get(reverse("voter_list_pdf", args=[loaded_list.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert 'filename="model-a-dpt-tps901.pdf"' in response["Content-Disposition"]
    assert page_count(response.content) == seen["rendered"].pages == 1
    html = seen["html"]
    assert html.count("<tr>") >= 6 and "SITI AMINAH" in html and "ENDANG LESTARI" in html
    assert "MODEL A-DAFTAR PEMILIH TETAP (DPT) · TPS 901" in html
    assert not NIK16.search(html.encode())  # masked for the observer
    event = AuditEvent.objects.get(action="print")
    assert (event.row_count, event.actor) == (5, observer)
    assert event.sha256 and event.detail["pages"] == 1


def test_a_long_list_prints_on_several_landscape_pages_with_a_page_count(
    client_for, loaded_list, kpu
):
    template = ListEntry.objects.get(position=1)
    for position in range(6, 90):
        template.pk = None
        template.position = position
        template.save()
    response = client_for(kpu).get(reverse("voter_list_pdf", args=[loaded_list.pk]))
    pages = page_count(response.content)
    assert pages >= 3
    assert AuditEvent.objects.get(action="print").detail["pages"] == pages


@pytest.fixture
def reference(kpu, election, tps901, tmp_path, client_for):
    path = write_csv(tmp_path / "ref.csv", kpu_rows(tps="005"))
    upload = SimpleUploadedFile("dpt_blora.csv", path.read_bytes())
    with _commit(execute=True):
        response = client_for(kpu).post(
            reverse("reference_upload"), {"election": election.pk, "file": upload}
        )
    assert response.status_code == 302
    return active_reference(election)


def test_the_reference_dpt_upload_runs_as_a_job(reference, client_for, kpu):
    assert reference.row_count == 5
    batch = ImportBatch.objects.get(kind="reference_dpt")
    page = client_for(kpu).get(reverse("list_import_result", args=[batch.pk]))
    assert "Cari di DPT rujukan" in page.content.decode()


def test_the_reference_dpt_is_searched_by_nik_or_birth_date_and_masked_for_observers(
    reference, client_for, kpu, observer
):
    url = reverse("reference_dpt")
    by_nik = client_for(kpu).post(url, {"nik": "3316 0115 0580 0001"})
    assert [r["entry"].nama for r in by_nik.context["results"]] == ["BUDI SANTOSO"]
    assert b"3316011505800001" in by_nik.content
    # Observers search by name and birth year only (SECURITY.md check 30).
    masked = client_for(observer).post(url, {"nama": "slamet riyadi", "tahun_lahir": "1990"})
    assert [r["entry"].nama for r in masked.context["results"]] == ["SLAMET RIYADI"]
    assert not NIK16.search(masked.content)
    observed = client_for(observer).post(url, {"nik": "3316011505800001"})
    assert observed.context["results"] is None
    assert not NIK16.search(observed.content)


def test_a_search_needs_a_full_nik_or_a_birth_date(reference, client_for, kpu):
    response = client_for(kpu).post(reverse("reference_dpt"), {"nik": "3316"})
    assert response.context["results"] is None
    assert "16 digit" in response.content.decode()
    response = client_for(kpu).post(reverse("reference_dpt"), {"nama": "BUDI"})
    assert "tanggal lahir" in response.content.decode()


def test_kpps_officers_do_not_search_the_regency_dpt(reference, client_for, kpps):
    assert client_for(kpps).get(reverse("reference_dpt")).status_code == 403


def test_the_home_page_shows_the_lists_panel_to_the_kpu_liaison(loaded_list, client_for, kpu):
    body = client_for(kpu).get(reverse("home")).content.decode()
    assert "Daftar pemilih KPU" in body


def test_admins_read_the_lists_in_the_admin_pages_but_cannot_change_them(
    loaded_list, reference, client_for, admin_user
):
    client = client_for(admin_user)
    for name in ("voterlist", "listentry", "referencedpt", "dapilentry"):
        assert client.get(reverse(f"admin:voters_{name}_changelist")).status_code == 200
    change = reverse("admin:voters_voterlist_change", args=[loaded_list.pk])
    assert client.post(change, {"file_name": "x.csv"}).status_code == 403


def test_the_lists_panel_counts_lists_voters_and_masked_niks(tps901, election, kpu):
    """One query for the three figures (issue 19 item 7): a list without entries still counts
    as a list, and only masked NIKs count as masked."""
    from django.test import RequestFactory

    from voters.lists.views import lists_panel
    from voters.models import VoterList

    dpt = VoterList.objects.create(election=election, tps=tps901, kind="DPT",
                                   file_name="dpt.csv", sha256="a", row_count=3)
    for position, (nik, fmt) in enumerate([("3316032408718025", "valid"),
                                           ("331603**********", "masked"),
                                           ("", "blank")], start=1):
        dpt.entries.create(position=position, row_number=position + 1, nik=nik,
                           nik_format=fmt, nama=f"PEMILIH {position}",
                           tanggal_lahir=dt.date(1971, 8, 24), jenis_kelamin="L")
    VoterList.objects.create(election=election, tps=tps901, kind="DPTb", file_name="b.csv",
                             sha256="b", row_count=0)
    request = RequestFactory().get("/")
    request.user = kpu
    [panel] = lists_panel(request)
    figures = [value for _label, value, _url in panel["items"]][:3]
    assert figures == [2, 3, 1]
