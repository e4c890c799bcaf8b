"""Writing audit events: one call per thing a person did."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db.models import Sum
from django.utils import timezone

from voters.models import AuditEvent
from voters.rules.nik import mask_numbers

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser
    from django.db.models import Model
    from django.http import HttpRequest

    from voters.models import Facility, User

alerts = logging.getLogger("voters.alerts")
HANDED_OUT = (AuditEvent.Action.EXPORT, AuditEvent.Action.PRINT, AuditEvent.Action.DOWNLOAD)


def client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def record(
    action: str,
    *,
    user: User | AnonymousUser | None = None,
    request: HttpRequest | None = None,
    obj: Model | None = None,
    facility: Facility | None = None,
    summary: object = "",
    detail: dict[str, Any] | None = None,
    row_count: int | None = None,
    sha256: str = "",
    result: str = "ok",
) -> AuditEvent:
    if user is None and request is not None and request.user.is_authenticated:
        user = request.user
    if facility is None and obj is not None:
        facility = getattr(obj, "facility", None)
    event = AuditEvent.objects.create(
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
    if action in HANDED_OUT and row_count and event.actor_id:
        _check_volume(event)
    return event


def note_refusal(*, request: HttpRequest) -> AuditEvent | None:
    """A page refused to a signed-in person (the 403 handler), in the audit trail with the path
    (any NIK in it masked); an anonymous visitor is sent to the login page instead and leaves
    no event."""
    if not request.user.is_authenticated:
        return None
    return record(
        AuditEvent.Action.FORBIDDEN,
        request=request,
        result="denied",
        summary=mask_numbers(request.path)[:300],
    )


def _check_volume(event):
    """SECURITY.md check 27: one person taking more rows in a day than the threshold is an
    alert (a warning on the voters.alerts logger, for the log monitor), once per crossing."""
    limit = getattr(settings, "EXPORT_ALERT_ROWS", 0)
    if not limit:
        return
    start = timezone.localtime(event.created_at).replace(hour=0, minute=0, second=0,
                                                          microsecond=0)
    total = AuditEvent.objects.filter(
        actor_id=event.actor_id, action__in=HANDED_OUT, created_at__gte=start,
        created_at__lte=event.created_at,
    ).aggregate(rows=Sum("row_count"))["rows"] or 0
    if total > limit >= total - event.row_count:
        alerts.warning(
            "export volume: %s took %s rows today (alert above %s); last: %s",
            event.actor_name, total, limit, event.summary,
        )


def sha256_of_file(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def sha256_of_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
