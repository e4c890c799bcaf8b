"""Meeting attachments: type by content, size limit, private storage, who may download."""
# ruff: noqa: F811 - fixtures imported from coord_factories

import pytest
from coord_factories import PDF_BYTES, jpeg_bytes, meeting, png_bytes, rembang_meeting  # noqa: F401
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from coordination import services
from coordination.models import Attachment
from voters.models import AuditEvent

pytestmark = pytest.mark.django_db


def upload(client, meeting, content, name="foto.png", **fields):
    data = {"kind": "foto", "title": "Foto rapat", "restricted": "", **fields}
    data["file"] = SimpleUploadedFile(name, content, content_type="application/octet-stream")
    return client.post(reverse("coordination:attachment_upload", args=[meeting.pk]), data)


def stored(meeting, content=None, restricted=False, name="foto.png", user=None):
    return services.store_attachment(
        meeting=meeting,
        upload=SimpleUploadedFile(name, content or png_bytes()),
        kind="foto",
        title="Foto",
        restricted=restricted,
        user=user,
    )


def test_a_photo_is_stored_outside_the_web_root_under_a_server_made_name(
    meeting, operator, client_for, private_root
):
    content = png_bytes()
    response = upload(client_for(operator), meeting, content, name="../../rapat 25-11.png")
    assert response.status_code == 302
    attachment = Attachment.objects.get()
    assert attachment.path.parent == private_root / "coordination"
    assert attachment.path.read_bytes() == content
    assert attachment.stored_name.endswith(".png")
    assert "rapat" not in attachment.stored_name
    assert attachment.original_name == "rapat 25-11.png"
    assert attachment.content_type == "image/png"
    assert not attachment.restricted
    static_dirs = [settings.BASE_DIR / "static", settings.STATIC_ROOT]
    assert not any(attachment.path.is_relative_to(d) for d in static_dirs)
    assert AuditEvent.objects.filter(action="change", sha256=attachment.sha256).exists()


def test_the_type_comes_from_the_content_not_the_name(meeting, operator, client_for):
    c = client_for(operator)
    assert upload(c, meeting, jpeg_bytes(), name="undangan.pdf").status_code == 302
    assert upload(c, meeting, PDF_BYTES, name="surat.jpg", kind="surat").status_code == 302
    assert list(Attachment.objects.values_list("content_type", flat=True)) == [
        "image/jpeg",
        "application/pdf",
    ]
    assert [a.stored_name.rsplit(".", 1)[1] for a in Attachment.objects.all()] == ["jpg", "pdf"]


@pytest.mark.parametrize(
    "content",
    [
        b"<html><script>alert(1)</script></html>",
        b"MZ\x90\x00 an executable",
        b"GIF89a\x01\x00\x01\x00",
        b"PK\x03\x04 a zip or docx",
        b"\x89PNG\r\n\x1a\n but not really a picture",
    ],
    ids=["html", "exe", "gif", "zip", "broken-png"],
)
def test_files_that_are_not_really_jpeg_png_or_pdf_are_refused(
    meeting, operator, client_for, private_root, content
):
    response = upload(client_for(operator), meeting, content, name="foto.png")
    assert response.status_code == 400
    assert response.context["attachment_form"].errors["file"]
    assert not Attachment.objects.exists()
    folder = private_root / "coordination"
    assert not folder.exists() or not any(folder.iterdir())


def test_an_attachment_over_the_size_limit_is_refused(
    meeting, operator, client_for, settings, private_root
):
    settings.COORDINATION_MAX_ATTACHMENT_BYTES = 2000
    at_limit = PDF_BYTES + b"%" * (2000 - len(PDF_BYTES))
    c = client_for(operator)
    response = upload(c, meeting, at_limit + b"%", name="surat.pdf")
    assert response.status_code == 400
    assert "terlalu besar" in response.context["attachment_form"].errors["file"][0]
    assert not Attachment.objects.exists()
    assert upload(c, meeting, at_limit, name="surat.pdf").status_code == 302
    assert Attachment.objects.get().size == 2000


def test_the_default_limit_is_five_megabytes(meeting, operator, client_for):
    too_big = PDF_BYTES + b"%" * (5 * 1024 * 1024)
    response = upload(client_for(operator), meeting, too_big, name="besar.pdf")
    assert response.status_code == 400
    assert "5 MB" in response.context["attachment_form"].errors["file"][0]


@pytest.mark.parametrize(
    ("role", "restricted", "expected"),
    [
        ("operator", True, 200),
        ("kpu", True, 200),
        ("admin", True, 200),
        ("observer", False, 200),
        ("observer", True, 403),
        ("kpps", False, 200),
        ("kpps", True, 403),
        ("outsider", False, 404),
        ("outsider", True, 404),
    ],
)
def test_who_may_download_an_attachment(meeting, people, client_for, role, restricted, expected):
    attachment = stored(meeting, restricted=restricted)
    response = client_for(people[role]).get(attachment.get_absolute_url())
    assert response.status_code == expected
    if expected == 200:
        assert b"".join(response.streaming_content) == attachment.path.read_bytes()
        assert response["Content-Type"] == "image/png"
        assert response["Content-Disposition"].startswith("attachment;")
        assert 'filename="foto.png"' in response["Content-Disposition"]
        assert response["X-Content-Type-Options"] == "nosniff"
        assert "no-store" in response["Cache-Control"]
        assert "sandbox" in response["Content-Security-Policy"]
        event = AuditEvent.objects.get(action="download", result="ok")
        assert (event.actor, event.object_id) == (people[role], str(attachment.pk))
    else:
        assert not AuditEvent.objects.filter(action="download", result="ok").exists()


def test_a_refused_download_of_a_restricted_attachment_is_audited(meeting, observer, client_for):
    attachment = stored(meeting, restricted=True)
    client_for(observer).get(attachment.get_absolute_url())
    assert AuditEvent.objects.filter(action="download", result="denied", actor=observer).exists()


def test_anonymous_visitors_are_sent_to_login_for_an_attachment(meeting, client):
    attachment = stored(meeting)
    response = client.get(attachment.get_absolute_url())
    assert response.status_code == 302
    assert "/masuk/" in response.url


def test_observers_see_a_restricted_attachment_listed_without_a_link(meeting, observer, client_for):
    attachment = stored(meeting, restricted=True)
    page = client_for(observer).get(meeting.get_absolute_url()).content.decode()
    assert attachment.title in page
    assert attachment.get_absolute_url() not in page
    assert "terbatas untuk petugas" in page


def test_only_recorders_of_the_facility_upload(meeting, observer, kpps, outsider, client_for):
    assert upload(client_for(observer), meeting, png_bytes()).status_code == 403
    assert upload(client_for(kpps), meeting, png_bytes()).status_code == 403
    assert upload(client_for(outsider), meeting, png_bytes()).status_code == 404
    assert not Attachment.objects.exists()


def test_deleting_an_attachment_removes_its_file_after_commit(
    meeting, operator, client_for, django_capture_on_commit_callbacks
):
    attachment = stored(meeting)
    path = attachment.path
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(operator).post(
            reverse("coordination:attachment_delete", args=[attachment.pk])
        )
    assert response.status_code == 302
    assert not Attachment.objects.exists()
    assert not path.exists()


def test_an_outsider_cannot_delete_a_blora_attachment(meeting, outsider, client_for):
    attachment = stored(meeting)
    response = client_for(outsider).post(
        reverse("coordination:attachment_delete", args=[attachment.pk])
    )
    assert response.status_code == 404
    assert attachment.path.exists()


def test_a_missing_file_is_a_404_not_an_error(meeting, operator, client_for):
    attachment = stored(meeting)
    attachment.path.unlink()
    assert client_for(operator).get(attachment.get_absolute_url()).status_code == 404
