"""Checking an uploaded attachment: size first, then its type from its content, never its name."""

import re
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _

DEFAULT_MAX_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True)
class FileType:
    mime: str
    extension: str


JPEG = FileType("image/jpeg", "jpg")
PNG = FileType("image/png", "png")
PDF = FileType("application/pdf", "pdf")

ALLOWED_LABEL = "JPEG, PNG, PDF"


class UploadRefused(Exception):
    """An upload that may not be stored; the message is for the person."""


def max_bytes() -> int:
    return getattr(settings, "COORDINATION_MAX_ATTACHMENT_BYTES", DEFAULT_MAX_BYTES)


def sniff(head: bytes) -> FileType | None:
    """The type of a file from its first bytes (magic numbers)."""
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"%PDF-"):
        return PDF
    return None


def check(upload) -> FileType:
    """Refuse uploads above the size limit or not really JPEG, PNG or PDF."""
    limit = max_bytes()
    if upload.size is None or upload.size > limit:
        raise UploadRefused(
            _("Berkas terlalu besar: paling besar %(mb)s MB.") % {"mb": _megabytes(limit)}
        )
    if upload.size == 0:
        raise UploadRefused(_("Berkas kosong."))
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    kind = sniff(head)
    if kind is None:
        raise UploadRefused(
            _("Jenis berkas tidak diizinkan. Yang diterima: %(types)s.") % {"types": ALLOWED_LABEL}
        )
    if kind in (JPEG, PNG):
        _check_image(upload)
    return kind


def _check_image(upload):
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(upload) as image:
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise UploadRefused(_("Gambar rusak atau tidak dapat dibaca.")) from None
    finally:
        upload.seek(0)


def safe_name(name: str) -> str:
    """A display name for the original file: no path, no control characters, not too long."""
    name = re.split(r"[\\/]", name or "")[-1]
    name = re.sub(r"[\x00-\x1f\x7f\"]", "", name).strip() or "berkas"
    return name[-150:]


def _megabytes(n):
    value = n / (1024 * 1024)
    return f"{value:.0f}" if value >= 1 else f"{value:.2f}"
