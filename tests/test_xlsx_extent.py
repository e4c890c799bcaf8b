"""A tiny workbook with one far cell (SECURITY.md check 31): calamine would allocate the dense
sheet (one cell at XFD1048576 asks for 512 GiB and kills the process). The extent is read while
the archive is checked, before any reader opens it; uploads are read by a job, in a child process
under a memory cap, never in the request; the job ends failed with the reason and its file is
deleted."""

import io
import re
import time
import zipfile

import openpyxl
import psutil
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.urls import reverse

from voters.core.uploads import xlsx_limits
from voters.models import ImportBatch, Inmate, ListEntry, ReferenceEntry
from voters.readers import tables
from voters.readers.cells import FileRejected
from voters.readers.xlsx_guard import check_xlsx_archive

pytestmark = pytest.mark.django_db

ROSTER = (["no_registrasi", "nama", "nik", "tanggal_lahir", "jenis_kelamin", "tanggal_masuk"],
          ["A.1", "BUDI", "3316011505800001", "15-05-1980", "L", "01-09-2024"])
LIST = (["NIK", "NAMA", "TANGGAL LAHIR", "JENIS KELAMIN", "TPS"],
        ["3316011505800001", "BUDI", "15-05-1980", "L", "901"])
ANSWER = (["no_registrasi", "hasil", "nik_hasil"], ["A.1", "terverifikasi", ""])
FAR_CELL = b'<c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c>'


def workbook(header, row):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header)
    sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def with_sheet(data, change):
    """The same workbook with its first sheet's XML passed through ``change``."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as old, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            content = old.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                content = change(content)
            new.writestr(info.filename, content)
    return out.getvalue()


def far_cell(data, cell=FAR_CELL, row_number=1048576):
    """One more row holding one far cell, as in the report (a 6 KB file)."""
    return with_sheet(data, lambda xml: xml.replace(
        b"</sheetData>", b'<row r="%d">' % row_number + cell + b"</row></sheetData>"))


def declared(data, extent=b"A1:XFD1048576"):
    return with_sheet(data, lambda xml: re.sub(rb'<dimension ref="[^"]*"',
                                               b'<dimension ref="' + extent + b'"', xml))


HOSTILE = {
    "XFD1048576": lambda data: far_cell(data),
    "ZZ200000": lambda data: far_cell(
        data, b'<c r="ZZ200000" t="inlineStr"><is><t>x</t></is></c>', 200000),
    "A1:XFD1048576": lambda data: declared(data),
    # No r on the cells: calamine puts each after the previous one, so 300 cells in the last
    # row would reach column KN of row 1048576 (refused at the eleventh: 10,000,000 cells).
    "1,048,576 baris": lambda data: far_cell(data, b"<c><v>1</v></c>" * 300),
}


class Rss:
    """The growth of this process's resident memory across the block, in MB."""

    def __enter__(self):
        self.before = psutil.Process().memory_info().rss
        self.started = time.monotonic()
        return self

    def __exit__(self, *exc_info):
        self.seconds = time.monotonic() - self.started
        self.grown_mb = (psutil.Process().memory_info().rss - self.before) / 2**20


@pytest.mark.parametrize("where", list(HOSTILE))
def test_a_far_cell_or_a_huge_dimension_is_refused_before_any_reader_opens_the_file(
        where, tmp_path, monkeypatch):
    path = tmp_path / "sdp.xlsx"
    path.write_bytes(HOSTILE[where](workbook(*ROSTER)))
    assert path.stat().st_size < 10_000

    def no_reader(*args, **kwargs):
        raise AssertionError("a reader was started for a sheet that is too large")

    monkeypatch.setattr(tables, "_ChildRows", no_reader)
    with Rss() as used, pytest.raises(FileRejected) as refused:
        tables.read_table(path, tables.INMATE_COLUMNS)
    assert "terlalu luas" in refused.value.reason and where in refused.value.reason
    assert used.seconds < 1 and used.grown_mb < 50


def test_an_honest_sheet_of_a_hundred_thousand_rows_passes_the_extent_check(tmp_path):
    rows = b"".join(
        b'<row r="%d">' % n + b"".join(b'<c r="%s%d"><v>1</v></c>' % (column, n)
                                       for column in (b"A", b"B", b"T"))
        + b"</row>" for n in range(1, 100_001))
    data = with_sheet(workbook(*ROSTER), lambda xml: re.sub(
        rb"<sheetData>.*</sheetData>", b"<sheetData>" + rows + b"</sheetData>", xml, flags=re.S))
    path = tmp_path / "besar.xlsx"
    path.write_bytes(data)
    check_xlsx_archive(path)  # 100,000 rows x 20 columns: well inside the bounds


def test_the_bounds_are_settings(tmp_path, settings):
    path = tmp_path / "sdp.xlsx"
    path.write_bytes(workbook(*ROSTER))
    settings.XLSX_MAX_COLUMNS = 5
    with pytest.raises(FileRejected, match='dinyatakan "A1:F2"'):
        check_xlsx_archive(path, limits=xlsx_limits())


def files_in(settings):
    folder = settings.PRIVATE_ROOT / "imports"
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


def post_and_run_the_job(client, url, data):
    with Rss() as used, TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(url, data)
    return response, used


@pytest.mark.parametrize("where", ["XFD1048576", "ZZ200000", "A1:XFD1048576"])
def test_the_roster_upload_ends_failed_with_the_reason(where, operator, client_for, settings):
    client = client_for(operator)
    upload = SimpleUploadedFile("sdp.xlsx", HOSTILE[where](workbook(*ROSTER)))
    response, used = post_and_run_the_job(client, reverse("roster_import"), {"file": upload})
    batch = ImportBatch.objects.get()
    assert batch.status == ImportBatch.Status.FAILED and "terlalu luas" in batch.error
    assert where in batch.error
    assert used.seconds < 5 and used.grown_mb < 50
    assert files_in(settings) == [] and Inmate.objects.count() == 0
    page = client.get(response.url).content.decode()
    assert "Berkas ditolak" in page and "terlalu luas" in page


def test_the_dukcapil_answer_upload_ends_failed_with_the_reason(operator, blora, client_for,
                                                                settings):
    from pages_letters import make_inmate

    inmate = make_inmate(blora, "A.1", "BUDI")
    before = (inmate.nik_status, inmate.version)
    client = client_for(operator)
    upload = SimpleUploadedFile("jawaban.xlsx", far_cell(workbook(*ANSWER)))
    response, used = post_and_run_the_job(
        client, reverse("dukcapil_answer_upload"), {"file": upload})
    batch = ImportBatch.objects.get(kind=ImportBatch.Kind.DUKCAPIL)
    assert response.url == reverse("dukcapil_answer_result", args=[batch.pk])
    assert batch.status == ImportBatch.Status.FAILED and "XFD1048576" in batch.error
    assert used.seconds < 5 and used.grown_mb < 50
    assert files_in(settings) == [] and batch.stored_path == ""
    inmate.refresh_from_db()
    assert (inmate.nik_status, inmate.version) == before
    assert "terlalu luas" in client.get(response.url).content.decode()


def test_the_list_uploads_end_failed_with_the_reason(kpu, tps901, election, client_for,
                                                     settings):
    client = client_for(kpu)
    for url, fields in (
        (reverse("voter_list_upload"), {"tps": tps901.pk, "kind": "DPT"}),
        (reverse("reference_upload"), {"election": election.pk}),
    ):
        upload = SimpleUploadedFile("dpt.xlsx", far_cell(workbook(*LIST)))
        _response, used = post_and_run_the_job(client, url, {**fields, "file": upload})
        assert used.seconds < 5 and used.grown_mb < 50
    batches = ImportBatch.objects.order_by("pk")
    assert [b.kind for b in batches] == ["voter_list", "reference_dpt"]
    for batch in batches:
        assert batch.status == ImportBatch.Status.FAILED, batch.kind
        assert "terlalu luas" in batch.error and "XFD1048576" in batch.error
    assert files_in(settings) == []
    assert ListEntry.objects.count() == ReferenceEntry.objects.count() == 0


def test_a_sheet_that_passes_the_bounds_but_not_the_memory_cap_fails_the_job(
        operator, client_for, settings):
    # Bounds switched off: the child process that reads hits its memory cap instead (calamine
    # aborts it), and the job still ends failed with a reason, its file deleted.
    settings.XLSX_MAX_COLUMNS = settings.XLSX_MAX_ROWS = settings.XLSX_MAX_CELLS = 10**12
    settings.UPLOAD_READ_MEMORY_MB = 512
    client = client_for(operator)
    upload = SimpleUploadedFile("sdp.xlsx", HOSTILE["ZZ200000"](workbook(*ROSTER)))
    _response, used = post_and_run_the_job(client, reverse("roster_import"), {"file": upload})
    batch = ImportBatch.objects.get()
    assert batch.status == ImportBatch.Status.FAILED
    assert "terlalu besar untuk dibaca dalam batas memori 512 MB" in batch.error
    assert used.grown_mb < 50
    assert files_in(settings) == []


def test_the_roster_upload_is_read_by_a_job_not_in_the_request(operator, client_for,
                                                                monkeypatch):
    from voters.inmates import services as inmates

    planned = []
    real_plan = inmates.plan_roster_import
    monkeypatch.setattr(inmates, "plan_roster_import",
                        lambda **kwargs: planned.append(1) or real_plan(**kwargs))
    client = client_for(operator)
    upload = SimpleUploadedFile("sdp.xlsx", workbook(*ROSTER))
    with TestCase.captureOnCommitCallbacks(execute=False) as queued:
        response = client.post(reverse("roster_import"), {"file": upload})
    batch = ImportBatch.objects.get()
    assert planned == [] and batch.status == "queued" and not batch.sha256
    page = client.get(response.url).content.decode()
    assert "data-progress-url" in page and "Simpan perubahan ini" not in page
    for callback in queued:  # the worker takes the job
        callback()
    assert planned == [1]
    batch.refresh_from_db()
    assert batch.status == "queued" and batch.sha256 and batch.started_at is None
    page = client.get(response.url).content.decode()
    assert "Simpan perubahan ini" in page and "BUDI" in page


EVIL = "https://evil.example/phish"


def test_the_dukcapil_forms_do_not_redirect_to_another_site(operator, client_for):
    client = client_for(operator)
    for url in (reverse("dukcapil_request_create"), reverse("dukcapil_answer_upload")):
        response = client.post(url, {"next": EVIL})  # nothing chosen, no file: back to next
        assert response.status_code == 302
        assert "evil.example" not in response.url and response.url == reverse("nik_worklist")
        response = client.post(url, {"next": "/nik/menunggu/"})
        assert response.url == "/nik/menunggu/"
