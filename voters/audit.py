"""Writing audit events: one call per thing a person did."""

import hashlib

from .models import AuditEvent


def client_ip(request):
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def record(
    action,
    *,
    user=None,
    request=None,
    obj=None,
    facility=None,
    summary="",
    detail=None,
    row_count=None,
    sha256="",
    result="ok",
):
    if user is None and request is not None and request.user.is_authenticated:
        user = request.user
    if facility is None and obj is not None:
        facility = getattr(obj, "facility", None)
    return AuditEvent.objects.create(
        action=action,
        actor=user if user is not None and user.pk else None,
        actor_name=(user.get_username() if user is not None else "sistem")[:150],
        object_type=obj._meta.label if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        facility=facility,
        summary=str(summary)[:300],
        detail=detail or {},
        row_count=row_count,
        sha256=sha256,
        ip_address=client_ip(request),
        result=result,
    )


def sha256_of_file(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def sha256_of_bytes(data):
    return hashlib.sha256(data).hexdigest()
