"""Notification letters: content, order, page counts, the safe renderer, jobs and the command."""

import datetime as dt
import re
import socket
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.template.loader import render_to_string
from django.urls import reverse
from pages_letters import (
    build_letter_world,
    make_inmate,
    make_list,
)
from pdfs import page_count

from voters.letters import pdf as letters
from voters.letters import services as service
from voters.models import AuditEvent, LetterBatch, NoticeTemplate, User

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(tps901):
    return build_letter_world(tps901)


def letters_html(tps, block=None):
    voters = service.recipients(tps, block=block)
    return render_to_string("letters/notices.html", service.letters_context(tps=tps, voters=voters))


def pdf_pages(tps, tmp_path, block=None):
    voters = service.recipients(tps, block=block)
    target = tmp_path / "surat.pdf"
    pages = service.render_letters(tps=tps, voters=voters, target=target)
    return pages, target.read_bytes(), voters


# -- who gets a letter, in which order ----------------------------------------------------------


def test_letters_go_to_voters_inside_on_polling_day_in_list_order_once_each(world, tps901):
    voters = service.recipients(tps901)
    assert [v.inmate for v in voters] == world.inside
    assert [(v.list_kind, v.number) for v in voters] == [
        ("DPT", 1), ("DPT", 2), ("DPT", 4), ("DPTB", 1)
    ]
    assert world.released not in [v.inmate for v in voters]


def test_the_block_filter_keeps_only_that_cell_block_in_list_order(world, tps901):
    voters = service.recipients(tps901, block="B")
    assert [v.inmate.nama for v in voters] == ["SITI AMINAH", "AGUS PRASETYO"]


# -- the letter's content -----------------------------------------------------------------------


def test_the_letter_shows_the_voter_the_tps_and_the_election_data(world, tps901, election):
    tps901.address = "Aula Rutan Kelas IIB Blora"
    tps901.save()
    html = letters_html(tps901)
    budi = world.inside[0]
    assert "BUDI SANTOSO" in html and budi.nik in html  # the voter's own letter: full NIK
    assert "Rabu, 27 November 2024" in html
    assert "07.00 – 13.00 WIB" in html
    assert "Aula Rutan Kelas IIB Blora" in html
    assert "Model C.Pemberitahuan-KWK" in html
    assert "TANDA TERIMA" in html and "gunting di sini" in html
    assert html.count('class="sheet"') == 4


def test_voting_hours_and_wording_come_from_the_election_and_its_template(world, tps901,
                                                                          election):
    election.voting_start = dt.time(8, 0)
    election.voting_end = dt.time(14, 0)
    election.time_zone_label = "WITA"
    election.save()
    template = NoticeTemplate.for_election(election)
    template.form_name = "Model C.Pemberitahuan-KPU"
    template.notes = "Bawa KTP-el asli.\nDatang tepat waktu."
    template.arrival_windows = [{"from": "08:00", "to": "10:00"}, {"from": "10:00", "to": "12:00"}]
    template.save()
    html = letters_html(tps901)
    assert "08.00 – 14.00 WITA" in html
    assert "Model C.Pemberitahuan-KPU" in html and "KWK" not in html
    assert "Bawa KTP-el asli." in html and "Datang tepat waktu." in html
    assert "08.00 – 10.00 WITA" in html and "10.00 – 12.00 WITA" in html


def test_a_pemilu_gets_the_kpu_form_name_and_pasal_533_by_default(election):
    election.kind = "pemilu"
    election.save()
    template = NoticeTemplate.for_election(election)
    assert template.form_name == "Model C.Pemberitahuan-KPU"
    assert "Pasal 533" in template.warning


def test_arrival_windows_are_spread_in_list_order_and_dptb_starts_at_its_hour(world, tps901,
                                                                            election):
    election.dptb_start = dt.time(11, 0)
    election.save()
    template = NoticeTemplate.for_election(election)
    template.arrival_windows = [
        {"from": "07:00", "to": "09:00"}, {"from": "09:00", "to": "11:00"},
        {"from": "11:00", "to": "12:00"},
    ]
    template.save()
    voters = service.recipients(tps901)
    dpt = [v.window for v in voters if v.list_kind == "DPT"]
    assert dpt == ["07.00 – 09.00 WIB", "09.00 – 11.00 WIB", "11.00 – 12.00 WIB"]
    assert [v.window for v in voters if v.list_kind == "DPTB"] == ["11.00 – 12.00 WIB"]


def test_a_name_containing_html_prints_as_text(tps901):
    evil = '<img src="file:///etc/passwd"><script>alert(1)</script>BUDI'
    inmate = make_inmate(tps901.facility, "X.1", evil, serial=21)
    make_list(tps901, "DPT", [(evil, inmate.nik, inmate.tanggal_lahir, "L")])
    html = letters_html(tps901)
    assert "<script>" not in html and '<img src="file' not in html
    assert "&lt;script&gt;" in html


# -- PDF pages -----------------------------------------------------------------------------------


def test_the_pdf_has_one_page_per_voter(world, tps901, tmp_path):
    pages, data, voters = pdf_pages(tps901, tmp_path)
    assert pages == len(voters) == 4
    assert page_count(data) == 4


def test_a_block_pdf_has_one_page_per_voter_of_that_block(world, tps901, tmp_path):
    pages, data, _voters = pdf_pages(tps901, tmp_path, block="A")
    assert pages == page_count(data) == 2


def test_a_very_long_name_and_address_still_fit_on_one_page(tps901, tmp_path):
    people = []
    for n in range(3):
        inmate = make_inmate(tps901.facility, f"L.{n}", "NAMA PANJANG", serial=30 + n)
        people.append({"nama": "NAMA PANJANG SEKALI " * 30, "nik": inmate.nik,
                       "tanggal_lahir": inmate.tanggal_lahir, "jenis_kelamin": "L",
                       "alamat": "JALAN YANG SANGAT PANJANG " * 40})
    make_list(tps901, "DPT", people)
    template = NoticeTemplate.for_election(tps901.election)
    template.notes = "\n".join(["Catatan yang panjang sekali. " * 6] * 12)
    template.save()
    pages, data, _voters = pdf_pages(tps901, tmp_path)
    assert pages == page_count(data) == 3


# -- the renderer is offline and reads only packaged static files ---------------------------------


@pytest.fixture
def no_network(monkeypatch):
    attempts = []

    def refuse(*args, **kwargs):
        attempts.append(args)
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    return attempts


def test_the_fetcher_refuses_local_files_and_the_network(no_network):
    fetcher = letters.safe_fetcher()
    for url in (
        "file:///etc/passwd",
        "http://169.254.169.254/latest/meta-data/",
        "https://example.com/x.css",
        "ftp://example.com/x",
        letters.BASE_URL + "static/../../../etc/passwd",
        letters.BASE_URL + "static/%2e%2e/%2e%2e/etc/passwd",
        letters.BASE_URL + "media/x.pdf",
    ):
        with pytest.raises(letters.RefusedURL):
            fetcher.fetch(url)
    font = fetcher.fetch(letters.BASE_URL + "static/fonts/DejaVuSans.ttf")
    assert font.read()[:4] == b"\x00\x01\x00\x00"
    assert fetcher.fetch("data:text/plain,halo").read() == b"halo"
    assert no_network == []


def test_a_hostile_document_renders_without_reading_files_or_the_network(no_network):
    html = """<html><head>
      <link rel="stylesheet" href="http://169.254.169.254/latest/meta-data/">
      <link rel="attachment" href="file:///etc/passwd">
      <style>@import url("file:///etc/passwd");
        body { background: url(http://169.254.169.254/) }</style>
      </head><body><img src="file:///etc/passwd"><a rel="attachment" href="file:///etc/hostname">x</a>
      <p>halo</p></body></html>"""
    rendered = letters.render_html(html)
    assert rendered.pages == 1
    assert b"/EmbeddedFile" not in rendered.pdf and b"root:" not in rendered.pdf
    assert no_network == []


def test_layout_progress_is_reported_page_by_page():
    calls = []
    html = "<style>p { page-break-after: always }</style>" + "<p>x</p>" * 3
    letters.render_html(html, progress=lambda step, page: calls.append((step, page)))
    assert calls == [("layout", 1), ("layout", 2), ("layout", 3), ("pdf", None)]


# -- the letter job (web) -------------------------------------------------------------------------


def test_a_kpps_officer_prints_the_letters_of_tps_901_as_one_pdf(
    world, tps901, kpps, client_for, django_capture_on_commit_callbacks
):
    client = client_for(kpps)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("letter_batch_create", args=[tps901.pk]))
    batch = LetterBatch.objects.get()
    assert response.status_code == 302 and response.url == reverse("letter_batch", args=[batch.pk])
    assert (batch.status, batch.page_count, batch.total, batch.done) == ("done", 4, 4, 4)
    progress = client.get(reverse("job_progress", args=["surat", batch.pk])).json()
    assert progress["percent"] == 100 and progress["finished"]
    own = client.get(reverse("letter_batch_progress", args=[batch.pk])).json()
    assert own == progress
    page = client.get(response.url)
    assert b"Unduh PDF" in page.content
    download = client.get(reverse("letter_batch_download", args=[batch.pk]))
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    data = b"".join(download.streaming_content)
    assert page_count(data) == 4
    printed = AuditEvent.objects.get(action="print")
    downloaded = AuditEvent.objects.get(action="download")
    assert printed.row_count == downloaded.row_count == 4
    assert printed.sha256 == downloaded.sha256 == batch.sha256
    assert printed.actor == kpps and printed.facility == tps901.facility


def test_a_batch_can_be_limited_to_one_block(world, tps901, operator, client_for,
                                             django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client_for(operator).post(reverse("letter_batch_create", args=[tps901.pk]),
                                  {"block": "B"})
    batch = LetterBatch.objects.get()
    assert (batch.block, batch.page_count) == ("B", 2)


def test_a_block_that_does_not_exist_is_refused(world, tps901, kpps, client_for):
    client_for(kpps).post(reverse("letter_batch_create", args=[tps901.pk]), {"block": "Z"})
    assert not LetterBatch.objects.exists()


def test_the_batch_task_is_queued_with_ids_only_and_a_soft_time_limit(world, tps901, kpps,
                                                                     monkeypatch):
    from voters import tasks

    sent = []
    monkeypatch.setattr(tasks.render_notices_task, "apply_async",
                        lambda args, **kw: sent.append((args, kw)))
    from django.db import transaction

    with transaction.atomic():
        batch = service.start_letter_batch(tps=tps901, user=kpps)
    # inside the test transaction on_commit has not run yet: nothing is queued before commit
    assert sent == []
    assert batch.status == "queued" and batch.total == 4
    assert service.time_limits(4) == (120, 180)
    assert service.time_limits(1200) == (360, 420)


def test_the_task_routes_to_the_letters_queue(settings):
    from voters.tasks import render_notices_task

    assert render_notices_task.name.startswith("voters.tasks.render_")
    assert settings.CELERY_TASK_ROUTES["voters.tasks.render_*"] == {"queue": "letters"}
    assert render_notices_task.acks_late


def test_a_batch_that_runs_out_of_time_fails_and_keeps_no_file(world, tps901, kpps,
                                                               monkeypatch, private_root):
    from celery.exceptions import SoftTimeLimitExceeded

    batch = LetterBatch.objects.create(election=tps901.election, tps=tps901, total=4,
                                       created_by=kpps)

    def too_slow(*args, **kwargs):
        target = kwargs["target"]
        target.write_bytes(b"half")
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr(service, "render_letters", too_slow)
    service.run_letter_batch(batch.pk)
    batch.refresh_from_db()
    assert batch.status == "failed" and "Waktu" in batch.error
    assert list((private_root / "letters").iterdir()) == []


def test_a_pdf_whose_pages_differ_from_the_voters_is_not_kept(world, tps901, kpps, monkeypatch):
    batch = LetterBatch.objects.create(election=tps901.election, tps=tps901, total=4,
                                       created_by=kpps)
    real = letters.render_template

    def extra_page(name, context, **kwargs):
        context["letters"].append(dict(context["letters"][0]))
        return real(name, context, **kwargs)

    monkeypatch.setattr(letters, "render_template", extra_page)
    service.run_letter_batch(batch.pk)
    batch.refresh_from_db()
    assert batch.status == "failed" and "tidak sama" in batch.error
    assert not batch.file_path
    assert not AuditEvent.objects.filter(action="print").exists()


def test_a_finished_batch_is_not_rendered_twice(world, tps901, kpps,
                                                django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        batch = service.start_letter_batch(tps=tps901, user=kpps)
    batch.refresh_from_db()
    service.run_letter_batch(batch.pk)  # a redelivered task
    assert AuditEvent.objects.filter(action="print").count() == 1


# -- who may print and download ----------------------------------------------------------------


def test_kpps_of_tps_901_gets_404_for_a_tps_902_batch(world, tps901, tps902, kpps,
                                                     client_for):
    foreign = LetterBatch.objects.create(election=tps902.election, tps=tps902)
    client = client_for(kpps)
    assert client.get(reverse("letter_batch", args=[foreign.pk])).status_code == 404
    assert client.get(reverse("letter_batch_download", args=[foreign.pk])).status_code == 404
    assert client.get(reverse("letter_batch_progress", args=[foreign.pk])).status_code == 404
    assert client.post(reverse("letter_batch_create", args=[tps902.pk])).status_code == 404


def test_observers_and_the_kpu_may_not_print_letters(world, tps901, observer, kpu,
                                                    client_for):
    for user in (observer, kpu):
        response = client_for(user).post(reverse("letter_batch_create", args=[tps901.pk]))
        assert response.status_code == 403
        page = client_for(user).get(reverse("kpps_tps", args=[tps901.pk]))
        assert page.status_code == 200 and b"Buat PDF surat" not in page.content


def test_an_unfinished_batch_has_nothing_to_download(world, tps901, kpps, client_for):
    batch = LetterBatch.objects.create(election=tps901.election, tps=tps901, total=4)
    response = client_for(kpps).get(reverse("letter_batch_download", args=[batch.pk]))
    assert response.status_code == 404


def test_a_stored_path_outside_the_private_folder_is_never_served(world, tps901, kpps,
                                                                  client_for):
    batch = LetterBatch.objects.create(election=tps901.election, tps=tps901, status="done",
                                       file_path="/etc/passwd", page_count=1)
    assert client_for(kpps).get(
        reverse("letter_batch_download", args=[batch.pk])).status_code == 404


# -- the command (CONTRACT.md "Letters") ---------------------------------------------------------


def test_render_notices_writes_one_page_per_voter_and_prints_one_line(world, tps901, tmp_path):
    out = StringIO()
    target = tmp_path / "surat.pdf"
    call_command("render_notices", "--election", "PILKADA2024", "--tps", "901", "-o",
                 str(target), stdout=out)
    assert page_count(target.read_bytes()) == 4
    line = out.getvalue().strip()
    assert "\n" not in line and "4 surat" in line and "4 halaman" in line
    event = AuditEvent.objects.get(action="print")
    assert event.row_count == 4 and event.actor is None and event.actor_name == "sistem"


def test_render_notices_block_option(world, tps901, tmp_path):
    target = tmp_path / "blok-a.pdf"
    call_command("render_notices", "--election", "PILKADA2024", "--tps", "901", "-o",
                 str(target), "--block", "A", stdout=StringIO())
    assert page_count(target.read_bytes()) == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--election", "NOPE", "--tps", "901"], "Pemilihan 'NOPE' tidak ada"),
        (["--election", "PILKADA2024", "--tps", "999"], "TPS 999 tidak ada"),
        (["--election", "PILKADA2024", "--tps", "901", "--block", "Z"], "Blok 'Z' tidak ada"),
    ],
)
def test_render_notices_refuses_bad_input_with_a_message(world, tps901, tmp_path, args, message):
    target = tmp_path / "x.pdf"
    with pytest.raises(CommandError, match=re.escape(message)):
        call_command("render_notices", *args, "-o", str(target), stdout=StringIO())
    assert not target.exists()


def test_render_notices_on_a_tps_without_voters_fails_and_writes_nothing(tps901, tmp_path):
    folder = tmp_path / "out"
    folder.mkdir()
    with pytest.raises(CommandError, match="Tidak ada pemilih"):
        call_command("render_notices", "--election", "PILKADA2024", "--tps", "901", "-o",
                     str(folder / "x.pdf"), stdout=StringIO())
    assert list(folder.iterdir()) == []


def test_render_notices_into_a_missing_folder_fails_cleanly(world, tps901, tmp_path):
    with pytest.raises(CommandError, match="tidak ada"):
        call_command("render_notices", "--election", "PILKADA2024", "--tps", "901", "-o",
                     str(tmp_path / "nope" / "x.pdf"), stdout=StringIO())


def test_an_admin_edits_the_letter_wording_in_the_admin_pages(world, tps901, client_for,
                                                              election):
    # The wording is shared by every facility of the election: a global administrator edits it
    # (an administrator bound to one facility only reads it, test_admin_scope.py).
    template = NoticeTemplate.for_election(election)
    client = client_for(User.objects.create(username="root", role="admin"))
    url = reverse("admin:voters_noticetemplate_change", args=[template.pk])
    assert client.get(url).status_code == 200
    assert client.get(reverse("admin:voters_noticetemplate_add") + f"?election={election.pk}"
                      ).status_code == 200
    data = {
        "election": election.pk, "form_name": "Model C.Pemberitahuan-KWK (2024)",
        "text_confirmed": "on", "title": template.title, "election_title": "PILKADA BLORA 2024",
        "opening": template.opening, "notes": "Satu-satunya catatan.",
        "ballot_instructions": "", "warning": "", "signature_title": "Ketua KPPS",
        "signature_place": "Blora", "arrival_windows": '[{"from": "07:00", "to": "13:00"}]',
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.content[:2000]
    html = letters_html(tps901)
    assert "Model C.Pemberitahuan-KWK (2024)" in html and "PILKADA BLORA 2024" in html
    assert "Satu-satunya catatan." in html and "07.00 – 13.00 WIB" in html
    data["arrival_windows"] = '[{"from": "13:00", "to": "07:00"}]'
    assert client.post(url, data).status_code == 200  # refused: the window ends before it starts
