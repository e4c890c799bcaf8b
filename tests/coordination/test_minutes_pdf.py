"""Minutes and attendance list as PDF: content, pages, a fetcher that reads nothing it shouldn't."""
# ruff: noqa: F811 - fixtures imported from coord_factories

import datetime as dt
import socket

import pytest
import weasyprint
from coord_factories import institution, make_item, meeting, rembang_meeting  # noqa: F401
from django.urls import reverse

from coordination import pdf, services
from coordination.models import Attendee
from voters.letters import pdf as letters
from voters.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def recorded(meeting, blora, operator):
    """The seed-001 meeting with attendees, decisions and follow-ups."""
    meeting.chair_name = "Ketua KPU Kabupaten Blora"
    meeting.minute_taker = "Tri Murcahyono"
    meeting.minutes = "Kepala Rutan memaparkan data pemilih TPS Khusus."
    meeting.save()
    services.ensure_institutions(blora)
    rutan = blora.institutions.get(kind="pemasyarakatan")
    Attendee.objects.create(
        meeting=meeting,
        name="Budi Hardiono",
        institution=rutan,
        position="Kepala Rutan",
        role="pemapar",
    )
    Attendee.objects.create(meeting=meeting, institution=institution(blora, "Bawaslu"))
    decision = services.add_decision(
        meeting=meeting, text="KPPS menyampaikan surat pemberitahuan.", user=operator
    )
    item = make_item(
        meeting,
        institution(blora, "KPPS"),
        due=dt.date(2024, 11, 24),
        title="Sampaikan surat pemberitahuan",
    )
    item.decision = decision
    item.save()
    return meeting


def test_the_minutes_hold_the_meeting_its_figures_decisions_and_follow_ups(recorded, operator):
    rendered = pdf.minutes(recorded, user=operator)
    assert rendered.pdf.startswith(b"%PDF-")
    assert 1 <= rendered.pages <= 2
    html = rendered.html
    for text in [
        "Rutan Kelas IIB Blora",
        "Notulen rapat",
        "Rapat Koordinasi Pemungutan dan Penghitungan Suara",
        "Senin, 25 November 2024",
        "Budi Hardiono",
        "Pemapar/narasumber",
        "Jumlah TPS lokasi khusus",
        "KPPS menyampaikan surat pemberitahuan.",
        "Sampaikan surat pemberitahuan",
        "Ketua KPU Kabupaten Blora",
        "Tri Murcahyono",
        "Blora, 25 November 2024",
    ]:
        assert text in html, text
    assert 'Kapasitas pemilih TPS</td><td class="num">600' in html
    # Every figure is computed from the data; only the reconciliation figure is unknown
    # (no run yet), and the minutes say so instead of printing a dash.
    assert 'WBP di dalam tanpa NIK sah</td><td class="num">0' in html
    assert "Butir rekonsiliasi" not in html
    assert "1 angka lain belum tersedia" in html


def test_the_attendance_list_has_a_numbered_signature_cell_per_person_and_blank_rows(
    recorded, operator
):
    rendered = pdf.attendance(recorded, user=operator, blank_rows=5)
    assert rendered.pages == 1
    html = rendered.html
    assert "Tanda tangan" in html
    assert html.count('class="sign-cell"') == 2 + 5
    assert '<span class="odd">1.</span>' in html
    assert '<span class="even">2.</span>' in html
    assert '<span class="odd">7.</span>' in html


def test_a_long_attendance_list_runs_over_pages(meeting, blora, operator):
    bawaslu = institution(blora, "Bawaslu")
    Attendee.objects.bulk_create(
        Attendee(meeting=meeting, name=f"Peserta {n}", institution=bawaslu) for n in range(60)
    )
    rendered = pdf.attendance(meeting, user=operator)
    assert rendered.pages >= 3
    assert "Peserta 59" in rendered.html


def test_a_name_containing_html_is_printed_as_text_and_fetches_nothing(
    meeting, blora, operator, monkeypatch
):
    evil = '<img src="file:///etc/passwd"><link rel=attachment href="file:///etc/passwd">'
    Attendee.objects.create(meeting=meeting, name=evil, institution=institution(blora, "KPU"))
    meeting.minutes = "<script>x</script>"
    meeting.save()
    fetched = []
    real = letters.safe_fetcher

    def spying_fetcher():
        fetcher = real()
        original = fetcher.fetch

        def fetch(url, headers=None):
            fetched.append(url)
            return original(url, headers)

        fetcher.fetch = fetch
        return fetcher

    monkeypatch.setattr(letters, "safe_fetcher", spying_fetcher)
    for rendered in (pdf.minutes(meeting, user=operator), pdf.attendance(meeting, user=operator)):
        assert "&lt;img src=&quot;file:///etc/passwd&quot;&gt;" in rendered.html
        assert "<img" not in rendered.html
        assert "&lt;script&gt;" in rendered.html or "<script>" not in rendered.html
        assert b"root:" not in rendered.pdf
        assert b"/EmbeddedFile" not in rendered.pdf
    assert fetched == []


def test_the_fetcher_serves_static_files_and_data_urls_only(monkeypatch):
    connections = []
    monkeypatch.setattr(socket, "create_connection", lambda *a, **k: connections.append(a))
    fetcher = letters.safe_fetcher()
    css = fetcher.fetch(letters.BASE_URL + "static/css/app.css")
    assert b"TPS Khusus" in css.read()
    assert css.content_type == "text/css"
    assert fetcher.fetch("data:text/plain,halo").read() == b"halo"
    for url in [
        "file:///etc/passwd",
        "http://169.254.169.254/latest/meta-data/",
        "https://example.org/x.css",
        letters.BASE_URL + "static/../../../../etc/passwd",
        letters.BASE_URL + "static/%2e%2e/%2e%2e/manage.py",
        letters.BASE_URL + "etc/passwd",
        letters.BASE_URL + "static/css/",
        "ftp://example.org/x",
    ]:
        with pytest.raises(ValueError):
            fetcher.fetch(url)
    assert connections == []


def test_a_document_pointing_at_local_files_renders_without_them():
    html = (
        '<link rel="attachment" href="file:///etc/passwd">'
        '<img src="file:///etc/passwd"><img src="http://169.254.169.254/">'
        '<link rel="stylesheet" href="/static/css/app.css"><p>ok</p>'
    )
    out = weasyprint.HTML(
        string=html, base_url=letters.BASE_URL, url_fetcher=letters.safe_fetcher()
    )
    data = out.write_pdf()
    assert b"/EmbeddedFile" not in data
    assert b"root:" not in data


def test_printing_is_audited_with_the_page_count(recorded, observer, client_for):
    response = client_for(observer).get(reverse("coordination:minutes_pdf", args=[recorded.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline;")
    event = AuditEvent.objects.get(action="print")
    assert (event.actor, event.facility) == (observer, recorded.facility)
    assert event.row_count == event.detail["pages"] >= 1


def test_an_outsider_cannot_print_blora_minutes(recorded, outsider, client_for):
    for name in ("minutes_pdf", "attendance_pdf"):
        url = reverse(f"coordination:{name}", args=[recorded.pk])
        assert client_for(outsider).get(url).status_code == 404
    assert not AuditEvent.objects.filter(action="print").exists()


def test_the_chair_prints_once_when_the_title_repeats_the_name(meeting, operator):
    """Issue 17: "Pimpinan rapat: Ketua KPU Kabupaten, Ketua KPU Kabupaten" on the minutes."""
    meeting.chair_name = "Ketua KPU Kabupaten"
    meeting.chair_title = "ketua KPU Kabupaten "
    meeting.save()
    for rendered in (pdf.minutes(meeting, user=operator), pdf.attendance(meeting, user=operator)):
        html = rendered.html
        assert "Ketua KPU Kabupaten, Ketua KPU Kabupaten" not in html
        assert "<br>ketua KPU Kabupaten" not in html
        assert "Ketua KPU Kabupaten" in html


def test_a_chair_title_that_says_more_still_prints(meeting, operator):
    meeting.chair_name = "Drs. Agus Salim"
    meeting.chair_title = "Ketua KPU Kabupaten Blora"
    meeting.save()
    html = pdf.minutes(meeting, user=operator).html
    assert "Drs. Agus Salim, Ketua KPU Kabupaten Blora" in html
    assert "<br>Ketua KPU Kabupaten Blora" in html
