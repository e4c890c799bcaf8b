"""What a new user tripped over (issue 18): each defect with the test that shows it fixed."""

import datetime as dt
import logging
import re

import pytest
import time_machine
from django.urls import reverse
from pages_letters import make_inmate

from voters.models import ImportBatch

pytestmark = pytest.mark.django_db


def list_batch(tps, *, rejected, errors):
    return ImportBatch.objects.create(
        kind=ImportBatch.Kind.VOTER_LIST,
        facility=tps.facility,
        election=tps.election,
        tps=tps,
        list_kind="DPT",
        file_name="dpt.csv",
        status=ImportBatch.Status.FAILED,
        summary={"rows_rejected": rejected} if rejected is not None else {},
        row_errors=[
            {"row": n + 2, "column": "nik", "message": f"NIK salah di baris {n + 2}"}
            for n in range(errors)
        ],
    )


@pytest.mark.parametrize(
    ("rejected", "errors", "heading"),
    [(3, 3, "3 kesalahan"), (None, 1, "1 kesalahan"), (0, 1, "1 kesalahan"), (2, 5, "5 kesalahan")],
)
def test_a_rejected_list_upload_counts_the_errors_it_lists(
    rejected, errors, heading, tps901, people, client_for
):
    batch = list_batch(tps901, rejected=rejected, errors=errors)
    response = client_for(people["kpu"]).get(reverse("list_import_result", args=[batch.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert f"<h2>{heading}</h2>" in html
    assert "<h2>0 kesalahan</h2>" not in html


@time_machine.travel(dt.datetime(2026, 12, 6, 10, 0, tzinfo=dt.UTC), tick=False)
def test_date_fields_send_their_default_as_an_iso_date_the_browser_can_show(
    blora, people, client_for
):
    inmate = make_inmate(blora, "A.1/2024", "BUDI SANTOSO")
    html = client_for(people["operator"]).get(reverse("inmate_detail", args=[inmate.pk]))
    html = html.content.decode()
    date_input = re.search(r'<input type="date" name="date"[^>]*>', html).group()
    assert 'value="2026-12-06"' in date_input


def test_every_aria_reference_on_the_inmate_page_points_at_an_element(
    blora, people, client_for
):
    inmate = make_inmate(blora, "A.1/2024", "BUDI SANTOSO")
    html = client_for(people["operator"]).get(reverse("inmate_detail", args=[inmate.pk]))
    html = html.content.decode()
    ids = set(re.findall(r'\bid="([^"]+)"', html))
    for names in re.findall(r'aria-describedby="([^"]+)"', html):
        for name in names.split():
            assert name in ids, name


def test_an_inmate_still_inside_shows_one_dash_for_the_exit_date(blora, people, client_for):
    inmate = make_inmate(blora, "A.1/2024", "BUDI SANTOSO")
    html = client_for(people["operator"]).get(reverse("inmate_detail", args=[inmate.pk]))
    assert "— —" not in html.content.decode()


def test_the_nik_work_list_has_a_select_all_box(blora, people, client_for):
    make_inmate(blora, "A.1/2024", "TANPA NIK", nik="")
    html = client_for(people["operator"]).get(reverse("nik_worklist")).content.decode()
    assert 'data-select-all="inmates"' in html
    assert 'name="inmates"' in html


def test_the_refusal_filter_takes_only_a_permission_denied_traceback_off():
    import sys

    from django.core.exceptions import PermissionDenied

    from voters.core.logging import RefusalWithoutTracebackFilter

    for error, kept in ((PermissionDenied(), False), (ValueError("x"), True)):
        try:
            raise error
        except Exception:
            record = logging.makeLogRecord({"msg": "m", "exc_info": sys.exc_info()})
        assert RefusalWithoutTracebackFilter().filter(record)
        assert (record.exc_info is not None) is kept


def test_a_decimal_number_in_a_log_line_is_not_taken_for_a_nik():
    from voters.core.logging import redact

    assert redact("task succeeded in 1.4197151234567890s") == (
        "task succeeded in 1.4197151234567890s"
    )
    assert redact("nilai 0.3316012506614204") == "nilai 0.3316012506614204"
    assert redact("NIK 3316012506614204.") == "NIK 331601**********."
    assert redact("nik=3316012506614204, lagi") == "nik=331601**********, lagi"


def test_a_refused_page_logs_one_line_without_a_traceback(people, client_for, caplog):
    client = client_for(people["observer"])
    with caplog.at_level(logging.WARNING, logger="django.request"):
        assert client.get(reverse("roster_import")).status_code == 403
    refused = [r for r in caplog.records if r.name == "django.request"]
    assert len(refused) == 1
    # Django attaches the PermissionDenied traceback; the console handler's filter (which
    # sees the record before pytest's own handler does) takes it off.
    assert refused[0].exc_info is None
    assert "Forbidden" in refused[0].getMessage()
    from django.conf import settings

    assert "refusal_one_line" in settings.LOGGING["handlers"]["console"]["filters"]
    # And Django's own console handler no longer prints every line a second time.
    assert settings.LOGGING["loggers"]["django"]["handlers"] == []


def test_each_perekaman_count_is_named_for_what_it_counts_and_links_to_its_list(
    blora, election, tps901, people, client_for
):
    from voters.reconciliation.models import CATEGORY_ACTIONS, Category

    make_inmate(blora, "A.1/2024", "TANPA NIK", nik="")
    client = client_for(people["operator"])
    worklist = client.get(reverse("nik_worklist")).content.decode()
    assert "NIK perlu perekaman atau perbaikan" in worklist
    assert "Rekonsiliasi (PEREKAMAN) menghitung hanya yang belum ada di daftar KPU" in worklist
    home = client.get(reverse("home")).content.decode()
    assert "Dukcapil: tidak ditemukan atau belum rekam" in home
    assert "Perlu perekaman KTP-el" not in home
    assert reverse("nik_worklist_tab", args=["perekaman"]) in home
    assert "Belum ada di daftar KPU" in str(CATEGORY_ACTIONS[Category.PEREKAMAN])


def test_printed_documents_need_no_collected_static_manifest(settings, tmp_path):
    from django.template.loader import render_to_string

    from voters.letters import pdf as letters

    settings.STATIC_ROOT = tmp_path / "no-collectstatic-here"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    html = render_to_string("letters/_a4.html", {})
    assert 'url("/static/fonts/DejaVuSans.ttf")' in html
    rendered = letters.render_html(html.replace("</body>", "<p>Uji huruf</p></body>"))
    import io

    from pypdf import PdfReader

    page = PdfReader(io.BytesIO(rendered.pdf)).pages[0]
    fonts = [str(f.get_object()["/BaseFont"]) for f in page["/Resources"]["/Font"].values()]
    # The @font-face family: the packaged file was read (a fallback would be a system font).
    assert any(name.endswith("+Surat-Sans") for name in fonts), fonts
    assert "Uji huruf" in page.extract_text()


def roster_batch(facility, **fields):
    return ImportBatch.objects.create(
        kind=ImportBatch.Kind.INMATES, facility=facility, file_name="sdp.xlsx", **fields
    )


def test_the_import_history_says_when_a_preview_expired_and_why_an_import_failed(
    blora, people, client_for
):
    from django.utils import timezone

    long_ago = timezone.now() - dt.timedelta(hours=2)
    roster_batch(blora, sha256="a" * 64, created_at=long_ago, summary={"rows": 3})
    roster_batch(blora, sha256="b" * 64, summary={"rows": 3})
    roster_batch(blora, status=ImportBatch.Status.FAILED,
                 error="Baris 3, kolom tanggal_lahir: bukan tanggal\nbaris lain")
    html = client_for(people["operator"]).get(reverse("roster_import")).content.decode()
    assert "Pratinjau kedaluwarsa" in html
    assert "Tidak dikonfirmasi dalam 1 jam; unggah ulang berkasnya." in html
    assert "Menunggu konfirmasi" in html
    assert "Baris 3, kolom tanggal_lahir: bukan tanggal" in html


def test_an_expired_preview_can_no_longer_be_confirmed(blora, people, client_for, monkeypatch):
    from django.utils import timezone

    from voters.tasks import import_inmates_task

    batch = roster_batch(
        blora, sha256="a" * 64, created_at=timezone.now() - dt.timedelta(hours=2),
        summary={"rows": 3},
    )
    client = client_for(people["operator"])
    page = client.get(reverse("roster_import_preview", args=[batch.pk])).content.decode()
    assert "Pratinjau kedaluwarsa" in page
    assert reverse("roster_import_confirm", args=[batch.pk]) not in page
    calls = []
    monkeypatch.setattr(import_inmates_task, "delay", lambda *a: calls.append(a))
    response = client.post(reverse("roster_import_confirm", args=[batch.pk]), follow=True)
    assert "Pratinjau kedaluwarsa" in response.content.decode()
    batch.refresh_from_db()
    assert batch.confirmed_at is None and calls == []


def test_a_failed_list_import_says_why_in_the_history(tps901, people, client_for):
    batch = list_batch(tps901, rejected=1, errors=1)
    batch.error = "Berkas ditolak: kolom NIK tidak ada"
    batch.save()
    html = client_for(people["kpu"]).get(reverse("voter_lists")).content.decode()
    assert "Berkas ditolak: kolom NIK tidak ada" in html


def test_an_empty_attendee_form_says_what_is_missing_once(blora, election, tps901, people,
                                                         client_for):
    import sys

    sys.path.insert(0, str(__import__("pathlib").Path(__file__).parent / "coordination"))
    from coord_factories import make_meeting

    meeting = make_meeting(blora, election, people["operator"])
    response = client_for(people["operator"]).post(
        reverse("coordination:attendee_add", args=[meeting.pk]), {"name": "", "role": ""}
    )
    assert response.status_code == 400
    errors = response.context["attendee_form"].non_field_errors()
    assert list(errors) == ["Isi nama peserta, instansinya, atau pilih kontak."]


def test_a_voter_list_entry_without_a_nik_reads_tanpa_nik_in_the_review_queue(
    blora, election, tps901, people, client_for
):
    from pages_letters import make_list

    from voters.models import ReconciliationItem, ReconciliationRun

    inmate = make_inmate(blora, "A.1/2024", "BUDI SANTOSO")
    voter_list = make_list(tps901, "DPT", [("BUDI SANTOSA", "", inmate.tanggal_lahir, "L")])
    run = ReconciliationRun.objects.create(
        election=election, facility=blora, today=dt.date(2024, 11, 1),
        status=ReconciliationRun.Status.DONE,
    )
    ReconciliationItem.objects.create(
        run=run, position=1, category="PERLU_PERIKSA", key=f"inmate:{inmate.pk}", inmate=inmate,
        entry_ids=[voter_list.entries.get().pk],
    )
    html = client_for(people["operator"]).get(reverse("reconciliation_review")).content.decode()
    assert "BUDI SANTOSA" in html
    assert "tanpa NIK · lahir" in html
    assert "</span> · lahir" not in html.split("BUDI SANTOSA")[1].split("</p>")[0]


@pytest.mark.parametrize("role", ["observer", "operator", "kpps", "kpu"])
def test_a_non_administrator_opening_the_admin_gets_the_apps_refusal(role, people, client_for):
    client = client_for(people[role])
    for path in ("/admin/", "/admin/login/", "/admin/voters/inmate/"):
        response = client.get(path)
        assert response.status_code == 403, path
        assert "Akses ditolak" in response.content.decode()
    assert "Administrasi" not in client.get(reverse("home")).content.decode()


def test_an_administrator_reaches_the_admin_from_the_apps_menu(people, client_for):
    client = client_for(people["admin"])
    home = client.get(reverse("home")).content.decode()
    assert f'href="{reverse("admin:index")}"' in home
    assert client.get("/admin/").status_code == 200


def test_progress_reported_inside_a_jobs_transaction_reaches_the_page_through_the_cache(
    blora, settings
):
    """The embedded default on SQLite: the worker's transaction hides the row's progress from
    the web process, so report() also writes a shared cache that progress_json() reads."""
    settings.CACHES = {
        **settings.CACHES,
        "progress": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                     "LOCATION": "progress-test"},
    }
    batch = ImportBatch.objects.create(kind="voter_list", facility=blora, file_name="x.csv",
                                       status=ImportBatch.Status.RUNNING)
    batch.report(done=40, total=100, message="Membaca berkas")
    # What another process sees while the job's transaction is open: the old row.
    ImportBatch.objects.filter(pk=batch.pk).update(done=0, total=0, message="")
    seen = ImportBatch.objects.get(pk=batch.pk).progress_json()
    assert (seen["done"], seen["total"], seen["percent"]) == (40, 100, 40)
    assert seen["message"] == "Membaca berkas"
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.DONE)
    assert ImportBatch.objects.get(pk=batch.pk).progress_json()["percent"] == 100


def test_a_page_polling_a_roster_preview_stops_when_the_preview_is_ready(blora):
    """With a real worker the preview page polls; the previewed batch waits 'queued' for the
    operator, which must read as finished, or the page would never show the preview."""
    batch = roster_batch(blora, status=ImportBatch.Status.RUNNING)
    assert batch.progress_json()["finished"] is False
    batch.status, batch.sha256 = ImportBatch.Status.QUEUED, "a" * 64
    assert batch.progress_json()["finished"] is True
    batch.confirmed_at = dt.datetime(2024, 11, 1, tzinfo=dt.UTC)
    assert batch.progress_json()["finished"] is False  # confirmed: the import job is next


def test_the_nik_work_list_is_paged_and_still_sends_everyone_on_it(blora, people, client_for):
    from voters.core.params import TABLE_ROWS
    from voters.models import DukcapilRequest, Inmate

    Inmate.objects.bulk_create([
        Inmate(facility=blora, no_registrasi=f"B.{n}/2024", nama=f"TANPA NIK {n:03d}",
               jenis_kelamin="L", tanggal_lahir=dt.date(1990, 1, 1),
               tanggal_masuk=dt.date(2024, 1, 10), nik="", nik_format="blank")
        for n in range(230)
    ])
    client = client_for(people["operator"])
    first = client.get(reverse("nik_worklist"))
    assert len(first.context["inmates"]) == TABLE_ROWS == 50
    assert first.context["total"] == 230
    html = first.content.decode()
    assert 'name="semua" value="perekaman"' in html
    last = client.get(reverse("nik_worklist"), {"hal": 5})
    assert len(last.context["inmates"]) == 30
    response = client.post(reverse("dukcapil_request_create"),
                           {"semua": "perekaman", "next": reverse("nik_worklist")})
    assert response.status_code == 302
    assert DukcapilRequest.objects.get().inmates.count() == 230
    # Without "semua", only what was ticked.
    ticked = list(Inmate.objects.values_list("pk", flat=True)[:2])
    client.post(reverse("dukcapil_request_create"), {"inmates": ticked})
    assert DukcapilRequest.objects.order_by("-pk").first().inmates.count() == 2
