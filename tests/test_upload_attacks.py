"""Hostile workbooks through every upload page (SECURITY.md checks 10 and 11): a zip bomb and
XML entity tricks are refused with a clear message, no traceback, nothing written and no file
left behind, in the private folder or in Django's temporary upload folder."""

import io
import logging
import zipfile

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.urls import reverse

from coordination.models import Attachment
from voters.models import Inmate, ListEntry, ReferenceEntry, VoterList

pytestmark = pytest.mark.django_db

LAUGHS = (b'<?xml version="1.0"?><!DOCTYPE sst [<!ENTITY a "aaaaaaaaaa">'
          b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">]>'
          b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" '
          b'uniqueCount="1"><si><t>&c;</t></si></sst>')
XXE = (b'<?xml version="1.0"?><!DOCTYPE sst [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
       b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" '
       b'uniqueCount="1"><si><t>&x;</t></si></sst>')


def workbook(header, row):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header)
    sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def rewrite(data, replace=None, extra=()):
    replace = dict(replace or {})
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as old, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            new.writestr(info.filename, replace.pop(info.filename, old.read(info.filename)))
        for name, content in [*replace.items(), *extra]:
            new.writestr(name, content)
    return out.getvalue()


ROSTER = (["no_registrasi", "nama", "nik", "tanggal_lahir", "jenis_kelamin", "tanggal_masuk"],
          ["A.1", "BUDI", "3316011505800001", "15-05-1980", "L", "01-09-2024"])
LIST = (["NIK", "NAMA", "TANGGAL LAHIR", "JENIS KELAMIN", "TPS"],
        ["3316011505800001", "BUDI", "15-05-1980", "L", "901"])
ANSWER = (["no_registrasi", "hasil", "nik_hasil"], ["A.1", "terverifikasi", ""])


def hostile(kind, header_row):
    clean = workbook(*header_row)
    if kind == "bomb":  # 40 MB of zeros in about 40 KB: a ratio of 1000:1
        return rewrite(clean, extra=[("xl/media/nol.bin", b"\0" * (40 * 1024 * 1024))])
    return rewrite(clean, replace={"xl/sharedStrings.xml": LAUGHS if kind == "laughs" else XXE})


REASONS = {"bomb": "bom zip", "laughs": "DOCTYPE/ENTITY", "xxe": "DOCTYPE/ENTITY"}


@pytest.fixture
def upload_dirs(settings, tmp_path, private_root):
    """Uploads spill to a temporary folder we can watch (every upload goes to disk)."""
    spill = tmp_path / "django-uploads"
    spill.mkdir()
    settings.FILE_UPLOAD_TEMP_DIR = str(spill)
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 0
    return [spill, private_root / "imports"]


def files_in(folders):
    return [p for folder in folders if folder.exists() for p in folder.rglob("*") if p.is_file()]


def page_text(client, response):
    """The page the person ends on (following redirects), as text."""
    while response.status_code == 302:
        response = client.get(response.url)
    return response.status_code, response.content.decode()


@pytest.mark.parametrize("kind", ["bomb", "laughs", "xxe"])
def test_the_roster_upload_refuses_a_hostile_workbook(kind, operator, client_for, upload_dirs,
                                                      caplog):
    client = client_for(operator)
    upload = SimpleUploadedFile("sdp.xlsx", hostile(kind, ROSTER))
    with caplog.at_level(logging.WARNING), TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(reverse("roster_import"), {"file": upload})
    status, text = page_text(client, response)
    assert status == 200 and REASONS[kind] in text and "ditolak" in text
    assert "Traceback" not in text and "Traceback" not in caplog.text
    assert Inmate.objects.count() == 0
    assert files_in(upload_dirs) == []


@pytest.mark.parametrize("kind", ["bomb", "xxe"])
def test_the_list_uploads_refuse_a_hostile_workbook(kind, kpu, tps901, election, client_for,
                                                    upload_dirs, django_capture_on_commit_callbacks,
                                                    caplog):
    client = client_for(kpu)
    for url, fields in (
        (reverse("voter_list_upload"), {"tps": tps901.pk, "kind": "DPT"}),
        (reverse("reference_upload"), {"election": election.pk}),
    ):
        upload = SimpleUploadedFile("dpt.xlsx", hostile(kind, LIST))
        with caplog.at_level(logging.WARNING), django_capture_on_commit_callbacks(execute=True):
            response = client.post(url, {**fields, "file": upload})
        status, text = page_text(client, response)
        assert status == 200 and REASONS[kind] in text, (url, text[-2000:])
        assert "Traceback" not in text and "Traceback" not in caplog.text
    assert VoterList.objects.count() == ListEntry.objects.count() == 0
    assert ReferenceEntry.objects.count() == 0
    assert files_in(upload_dirs) == []


@pytest.mark.parametrize("kind", ["bomb", "xxe"])
def test_the_dukcapil_answer_upload_refuses_a_hostile_workbook(kind, operator, blora,
                                                               client_for, upload_dirs, caplog):
    from pages_letters import make_inmate

    inmate = make_inmate(blora, "A.1", "BUDI")
    before = (inmate.nik_status, inmate.version)
    client = client_for(operator)
    upload = SimpleUploadedFile("jawaban.xlsx", hostile(kind, ANSWER))
    with caplog.at_level(logging.WARNING), TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(reverse("dukcapil_answer_upload"), {"file": upload})
    status, text = page_text(client, response)
    assert status == 200 and REASONS[kind] in text and "Traceback" not in caplog.text
    inmate.refresh_from_db()
    assert (inmate.nik_status, inmate.version) == before
    assert files_in(upload_dirs) == []


@pytest.mark.parametrize("kind", ["bomb", "xxe"])
def test_a_meeting_attachment_refuses_a_hostile_workbook(kind, operator, blora, election,
                                                         client_for, upload_dirs, settings):
    from pages_coordination import _meeting

    meeting = _meeting({"blora": blora, "election": election}, "blora")
    response = client_for(operator).post(
        reverse("coordination:attachment_upload", args=[meeting.pk]),
        {"kind": "lainnya", "title": "Lampiran", "file": SimpleUploadedFile(
            "notulen.xlsx", hostile(kind, ROSTER))})
    assert response.status_code == 400
    assert "Jenis berkas tidak diizinkan" in response.content.decode()
    assert Attachment.objects.count() == 0
    assert files_in([*upload_dirs, settings.PRIVATE_ROOT / "coordination"]) == []


def test_openpyxl_parses_xml_with_defusedxml():
    import openpyxl

    assert openpyxl.DEFUSEDXML is True


def test_writing_a_workbook_reports_an_openpyxl_without_defusedxml(monkeypatch, caplog, tmp_path):
    import openpyxl

    from voters.core.spreadsheets import write_xlsx

    monkeypatch.setattr(openpyxl, "DEFUSEDXML", False)
    with caplog.at_level(logging.ERROR, logger="voters.core.spreadsheets"):
        write_xlsx(tmp_path / "x.xlsx", ["A"], [["1"]])
    assert "defusedxml" in caplog.text


def test_startup_reports_an_openpyxl_without_defusedxml(monkeypatch, caplog):
    import openpyxl

    from voters.core.spreadsheets import check_defusedxml

    assert check_defusedxml() is True
    monkeypatch.setattr(openpyxl, "DEFUSEDXML", False)
    with caplog.at_level(logging.ERROR, logger="voters.core.spreadsheets"):
        assert check_defusedxml() is False
    assert "defusedxml" in caplog.text
