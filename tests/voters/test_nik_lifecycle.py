"""The NIK lifecycle and the Dukcapil round trip, through the services and the browser."""

import datetime as dt

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.urls import reverse

from voters.inmates.services import TransitionRefused, change_nik_status
from voters.models import AuditEvent, DukcapilRequest, Inmate, NikStatus

pytestmark = pytest.mark.django_db


def make_inmate(
    facility, number, nik="3316032408718025", fmt="valid", status=NikStatus.FORMAT_VALID, **extra
):
    values = {
        "nama": f"WBP {number}",
        "tanggal_lahir": dt.date(1971, 8, 24),
        "jenis_kelamin": "L",
        "tanggal_masuk": dt.date(2024, 3, 4),
        **extra,
    }
    return Inmate.objects.create(
        facility=facility,
        no_registrasi=number,
        nik=nik,
        nik_format=fmt,
        nik_status=status,
        **values,
    )


@pytest.fixture
def valid(blora):
    return make_inmate(blora, "A.1")


@pytest.fixture
def no_nik(blora):
    return make_inmate(blora, "A.2", nik="", fmt="blank", status=NikStatus.FORMAT_INVALID)


def test_a_transition_records_who_when_and_the_evidence(valid, operator):
    change_nik_status(
        inmate=valid, to_status=NikStatus.SENT, user=operator, evidence="surat 470/12"
    )
    step = valid.nik_transitions.get()
    assert (step.from_status, step.to_status, step.by, step.evidence) == (
        NikStatus.FORMAT_VALID,
        NikStatus.SENT,
        operator,
        "surat 470/12",
    )
    assert Inmate.objects.get(pk=valid.pk).nik_status == NikStatus.SENT


def test_an_impossible_step_is_refused(valid, operator):
    with pytest.raises(TransitionRefused):
        change_nik_status(inmate=valid, to_status=NikStatus.RECORDED, user=operator)
    assert not valid.nik_transitions.exists()


def test_an_invalid_nik_cannot_be_sent_or_verified(no_nik, operator):
    with pytest.raises(TransitionRefused, match="16 digit"):
        change_nik_status(inmate=no_nik, to_status=NikStatus.SENT, user=operator)


def test_two_people_editing_the_same_inmate_do_not_lose_an_update(valid, operator, kpu):
    stale_version = valid.version
    change_nik_status(
        inmate=valid, to_status=NikStatus.SENT, user=operator, expected_version=stale_version
    )
    other = Inmate.objects.get(pk=valid.pk)
    with pytest.raises(TransitionRefused, match="diubah orang lain"):
        change_nik_status(
            inmate=other, to_status=NikStatus.VERIFIED, user=kpu, expected_version=stale_version
        )
    assert Inmate.objects.get(pk=valid.pk).nik_status == NikStatus.SENT


def answer_file(tmp_path, rows):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(
        [
            "NO",
            "NO_REGISTRASI",
            "NIK",
            "NAMA",
            "HASIL_VERIFIKASI",
            "NIK_HASIL",
            "TANGGAL",
            "KETERANGAN",
        ]
    )
    for n, row in enumerate(rows, start=1):
        ws.append([n, *row])
    path = tmp_path / "jawaban.xlsx"
    wb.save(path)
    return path


def test_the_dukcapil_round_trip_works_in_the_browser(
    valid, no_nik, operator, client_for, tmp_path
):
    client = client_for(operator)
    response = client.post(
        reverse("dukcapil_request_create"),
        {"inmates": [valid.pk, no_nik.pk], "reference": "470/88"},
    )
    request = DukcapilRequest.objects.get()
    assert response.status_code == 302
    assert Inmate.objects.get(pk=valid.pk).nik_status == NikStatus.SENT
    download = client.get(reverse("dukcapil_request_download", args=[request.pk]))
    workbook = openpyxl.load_workbook(
        __import__("io").BytesIO(b"".join(download.streaming_content))
    )
    sheet = workbook.active
    assert [c.value for c in sheet[1]][:3] == ["NO", "NO_REGISTRASI", "NIK"]
    assert sheet.cell(row=2, column=3).value in ("3316032408718025", None)
    assert AuditEvent.objects.filter(action="export").exists()
    assert AuditEvent.objects.filter(action="download").exists()

    path = answer_file(
        tmp_path,
        [
            ["A.1", "3316032408718025", "WBP A.1", "Sesuai", None, None, "padan"],
            ["A.2", "", "WBP A.2", "Biometrik ditemukan", "3316032408718026", "2024-10-01", ""],
        ],
    )
    upload = SimpleUploadedFile("jawaban.xlsx", path.read_bytes())
    with TestCase.captureOnCommitCallbacks(execute=True):  # the job that applies it
        response = client.post(reverse("dukcapil_answer_upload"), {"file": upload})
    assert response.status_code == 302
    assert "Jawaban Dukcapil diterapkan" in client.get(response.url).content.decode()
    assert Inmate.objects.get(pk=valid.pk).nik_status == NikStatus.VERIFIED
    found = Inmate.objects.get(pk=no_nik.pk)
    assert found.nik == "3316032408718026" and found.nik_format == "valid"
    assert found.nik_status == NikStatus.BIOMETRIC_MATCH
    assert DukcapilRequest.objects.get().answered_at is not None


def test_a_bad_answer_file_changes_nothing(valid, no_nik, operator, client_for, tmp_path):
    change_nik_status(inmate=valid, to_status=NikStatus.SENT, user=operator)
    path = answer_file(
        tmp_path,
        [
            ["A.1", "", "WBP A.1", "Sesuai", None, None, ""],
            ["A.9", "", "TIDAK ADA", "Sesuai", None, None, ""],
            ["A.2", "", "WBP A.2", "entah", None, None, ""],
        ],
    )
    client = client_for(operator)
    with TestCase.captureOnCommitCallbacks(execute=True):  # the job that reads it
        response = client.post(
            reverse("dukcapil_answer_upload"),
            {"file": SimpleUploadedFile("jawaban.xlsx", path.read_bytes())},
        )
    text = client.get(response.url).content.decode()
    assert "baris 3" in text and "baris 4" in text
    assert Inmate.objects.get(pk=valid.pk).nik_status == NikStatus.SENT


def test_observers_cannot_change_a_nik_status(valid, observer, client_for):
    response = client_for(observer).post(
        reverse("inmate_nik_status", args=[valid.pk]),
        {"to_status": NikStatus.SENT, "evidence": "x", "version": valid.version},
    )
    assert response.status_code == 403
    assert Inmate.objects.get(pk=valid.pk).nik_status == NikStatus.FORMAT_VALID


def test_the_inmate_page_changes_the_status_and_shows_the_timeline(valid, operator, client_for):
    client = client_for(operator)
    client.post(
        reverse("inmate_nik_status", args=[valid.pk]),
        {"to_status": NikStatus.SENT, "evidence": "surat 1", "version": valid.version},
    )
    page = client.get(reverse("inmate_detail", args=[valid.pk])).content.decode()
    assert "Dikirim ke Dukcapil" in page and "surat 1" in page


def test_a_court_revocation_needs_its_verdict_reference(valid, operator, client_for):
    client = client_for(operator)
    url = reverse("inmate_event", args=[valid.pk])
    client.post(url, {"kind": "vote_revoked", "date": "2024-10-01", "version": valid.version})
    assert not Inmate.objects.get(pk=valid.pk).hak_pilih_dicabut
    client.post(
        url,
        {
            "kind": "vote_revoked",
            "date": "2024-10-01",
            "version": valid.version,
            "reference": "12/Pid.Sus/2024/PN Bla",
        },
    )
    inmate = Inmate.objects.get(pk=valid.pk)
    assert inmate.hak_pilih_dicabut and inmate.putusan_pencabutan == "12/Pid.Sus/2024/PN Bla"


def test_a_nik_corrected_by_dukcapil_changes_the_roster_version_even_when_the_status_stays(
        blora, operator, tmp_path):
    """Every page that keeps figures or rows under the roster's versions (the roster header,
    the regency page's moves) must see a NIK that Dukcapil corrected. An answer that keeps the
    status ("terverifikasi" again) used to change the NIK without a new version."""
    from voters.inmates.dukcapil import import_answer
    from voters.inmates.eligibility import roster_versions

    inmate = make_inmate(blora, "A.7", status=NikStatus.VERIFIED)
    before = roster_versions(Inmate.objects.filter(facility=blora))
    path = tmp_path / "jawaban.csv"
    path.write_text("no_registrasi;hasil;nik_hasil\nA.7;terverifikasi;3316032408710001\n")
    import_answer(path=path, facility=blora, user=operator)
    inmate.refresh_from_db()
    assert inmate.nik == "3316032408710001"
    assert inmate.nik_status == NikStatus.VERIFIED
    assert roster_versions(Inmate.objects.filter(facility=blora)) != before
