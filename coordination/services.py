"""Every write of the coordination app, and the selectors other modules use.

Public API for other modules (inmates, KPU lists, reconciliation):

- ``link_action_item(item=…, obj=…, label=…)``: note that an action item concerns an object.
- ``action_items_for(obj)``: the action items linked to an object, for its page.
- ``forget_links(obj)``: drop the links to an object that is being purged (PDP retention).
"""

from __future__ import annotations

import hashlib
import os
import re
import uuid
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from coordination import figures, uploads
from coordination.models import (
    ActionItem,
    ActionItemLink,
    Attachment,
    Attendee,
    Decision,
    Institution,
    Meeting,
    MeetingFigure,
    storage_root,
)
from voters.core import audit
from voters.core.concurrency import save_versioned
from voters.models import AuditEvent
from voters.rules import nik as nik_rules
from voters.rules import wilayah

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile
    from django.db.models import Model, QuerySet
    from django.http import HttpRequest

    from coordination.models import InstitutionQuerySet
    from voters.models import Facility, User

CHANGE = AuditEvent.Action.CHANGE


# Institutions


def place_names(facility: Facility) -> dict[str, str]:
    region = wilayah.name(wilayah.regency_of(facility.region_code)) or ""
    area = region.removeprefix("Kabupaten ").removeprefix("Kota ")
    return {
        "wilayah": region or "Kabupaten/Kota",
        "daerah": area or "Kabupaten/Kota",
        "provinsi": wilayah.name(wilayah.province_of(facility.region_code)) or "",
        "upt": facility.name,
    }


def resolve_name(template: str, facility: Facility) -> str:
    """'KPU {wilayah}' for Rutan Blora gives 'KPU Kabupaten Blora'; unknown braces stay."""
    names = place_names(facility)
    return " ".join(
        re.sub(r"\{(\w+)\}", lambda m: names.get(m.group(1), m.group(0)), template).split()
    )


@transaction.atomic
def ensure_institutions(facility: Facility) -> int:
    """Copy every catalogue institution the facility does not have yet; returns how many."""
    copied = set(
        Institution.objects.filter(facility=facility, source__isnull=False).values_list(
            "source_id", flat=True
        )
    )
    taken = {
        n.lower()
        for n in Institution.objects.filter(facility=facility).values_list("name", flat=True)
    }
    new = []
    for entry in Institution.objects.catalogue().filter(is_active=True).exclude(pk__in=copied):
        name = resolve_name(entry.name, facility)[:200]
        if name.lower() in taken:
            continue
        taken.add(name.lower())
        new.append(
            Institution(
                facility=facility,
                source=entry,
                name=name,
                short_name=entry.short_name,
                kind=entry.kind,
                position=entry.position,
            )
        )
    # Two first visits at once may both copy: the unique constraints keep one of each.
    Institution.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)


def institutions_of(facility: Facility, *, active_only: bool = True) -> InstitutionQuerySet:
    """The institutions a facility picks from, its catalogue copies made on first use."""
    ensure_institutions(facility)
    qs = Institution.objects.filter(facility=facility)
    return qs.active() if active_only else qs


# Meetings


@transaction.atomic
def create_meeting(
    *, meeting: Meeting, user: User | None, attending: list[Institution] = ()
) -> Meeting:
    """Save a new meeting, keep the figures of its day and add the institutions present."""
    meeting.created_by = user if user and user.pk else None
    meeting.save()
    take_figures(meeting=meeting)
    for institution in attending:
        Attendee.objects.create(meeting=meeting, institution=institution)
    audit.record(CHANGE, user=user, obj=meeting, summary=f"Rapat dicatat: {meeting.title}")
    return meeting


@transaction.atomic
def update_meeting(
    *, meeting: Meeting, user: User, fields: list[str], expected_version: int | None = None
) -> Meeting:
    """Save the changed fields; StaleEdit (nothing saved) if the meeting changed meanwhile."""
    save_versioned(meeting, expected_version=expected_version, fields=fields)
    audit.record(CHANGE, user=user, obj=meeting, summary="Rapat diubah", detail={"fields": fields})
    return meeting


def take_figures(*, meeting: Meeting) -> list[MeetingFigure]:
    """Keep the facility's figures as of the meeting's day (or today, for a meeting ahead)."""
    on_date = min(meeting.date, timezone.localdate())
    values = figures.snapshot(meeting.facility, meeting.election, on_date)
    meeting.figures.all().delete()
    rows = MeetingFigure.objects.bulk_create(
        MeetingFigure(
            meeting=meeting, key=v.key, label=v.label[:200], value=v.value, position=v.position
        )
        for v in values
    )
    meeting.figures_taken_at = timezone.now()
    meeting.figures_on = on_date
    meeting.save(update_fields=["figures_taken_at", "figures_on", "updated_at"])
    return rows


@transaction.atomic
def retake_figures(*, meeting: Meeting, user: User) -> list[MeetingFigure]:
    """Replace the kept figures, e.g. for a meeting recorded before it took place."""
    before = {f.key: f.value for f in meeting.figures.all()}
    rows = take_figures(meeting=meeting)
    audit.record(
        CHANGE,
        user=user,
        obj=meeting,
        summary="Angka rapat diambil ulang",
        detail={"before": before, "after": {f.key: f.value for f in rows}},
    )
    return rows


def add_attendee(*, attendee: Attendee, user: User) -> Attendee:
    attendee.full_clean()
    attendee.save()
    return attendee


def remove_attendee(*, attendee: Attendee, user: User) -> None:
    meeting = attendee.meeting
    audit.record(
        CHANGE,
        user=user,
        obj=meeting,
        summary=f"Peserta dihapus: {attendee}"[:300],
    )
    attendee.delete()


@transaction.atomic
def add_institutions(
    *, meeting: Meeting, institutions: Iterable[Institution], user: User
) -> int:
    """One attendee row per institution not yet present; returns how many were added."""
    present = set(meeting.attendees.values_list("institution_id", flat=True))
    new = [Attendee(meeting=meeting, institution=i) for i in institutions if i.pk not in present]
    Attendee.objects.bulk_create(new)
    return len(new)


@transaction.atomic
def add_decision(*, meeting: Meeting, text: str, user: User) -> Decision:
    # Lock the meeting row so that two people adding decisions get distinct numbers.
    Meeting.objects.select_for_update().filter(pk=meeting.pk).first()
    return Decision.objects.create(
        meeting=meeting, number=meeting.next_decision_number(), text=text.strip()
    )


@transaction.atomic
def update_decision(
    *, decision: Decision, text: str, user: User, expected_version: int | None = None
) -> Decision:
    decision.text = text.strip()
    save_versioned(decision, expected_version=expected_version, fields=["text"])
    audit.record(
        CHANGE,
        user=user,
        obj=decision,
        facility=decision.meeting.facility,
        summary=f"Keputusan {decision.number} diubah",
    )
    return decision


@transaction.atomic
def delete_decision(*, decision: Decision, user: User) -> None:
    """Remove a decision and number the rest 1, 2, 3 … again, as the minutes print them."""
    meeting = decision.meeting
    audit.record(
        CHANGE,
        user=user,
        obj=decision,
        facility=meeting.facility,
        summary=f"Keputusan {decision.number} dihapus",
        detail={"text": decision.text[:500]},
    )
    decision.delete()
    for number, rest in enumerate(meeting.decisions.order_by("number", "pk"), start=1):
        if rest.number != number:
            rest.number = number
            rest.save(update_fields=["number"])


# Action items


@transaction.atomic
def create_action_item(
    *, item: ActionItem, user: User | None, references: list[str] = ()
) -> ActionItem:
    item.created_by = user if user and user.pk else None
    item.save()
    for reference in references:
        link_action_item(item=item, label=reference)
    audit.record(CHANGE, user=user, obj=item, summary=f"Tindak lanjut dicatat: {item.title}")
    return item


@transaction.atomic
def update_action_item(
    *,
    item: ActionItem,
    user: User,
    fields: list[str],
    references: list[str] | None = None,
    expected_version: int | None = None,
) -> ActionItem:
    save_versioned(item, expected_version=expected_version, fields=fields)
    if references is not None:
        references = [r for r in (_clean_label(r) for r in references) if r]
        item.links.filter(content_type__isnull=True).exclude(label__in=references).delete()
        kept = set(item.links.filter(content_type__isnull=True).values_list("label", flat=True))
        for reference in references:
            if reference not in kept:
                link_action_item(item=item, label=reference)
    audit.record(
        CHANGE, user=user, obj=item, summary="Tindak lanjut diubah", detail={"fields": fields}
    )
    return item


@transaction.atomic
def set_action_status(
    *,
    item: ActionItem,
    status: str,
    outcome: str = "",
    user: User | None,
    expected_version: int | None = None,
) -> ActionItem:
    """Move an action item along; closing (done or cancelled) records who and when."""
    previous = item.status
    item.status = status
    if outcome:
        item.outcome = outcome.strip()
    if status in ActionItem.OPEN_STATUSES:
        item.closed_at = None
        item.closed_by = None
    elif previous in ActionItem.OPEN_STATUSES:
        item.closed_at = timezone.now()
        item.closed_by = user if user and user.pk else None
    save_versioned(
        item,
        expected_version=expected_version,
        fields=["status", "outcome", "closed_at", "closed_by"],
    )
    audit.record(
        CHANGE,
        user=user,
        obj=item,
        summary=f"Status tindak lanjut: {previous} → {status}",
        detail={"from": previous, "to": status},
    )
    return item


def link_action_item(
    *, item: ActionItem, obj: Model | None = None, label: str = ""
) -> ActionItemLink:
    """Note that an action item concerns `obj` (any model instance) or a free reference.

    The same object is linked once. A 16-digit number in a label is masked: labels are shown
    to observers, who never see a full NIK.
    """
    label = _clean_label(label)
    if obj is None:
        if not label:
            raise ValueError("a link needs an object or a label")
        link, _created = ActionItemLink.objects.get_or_create(
            action_item=item, content_type=None, object_id="", label=label
        )
        return link
    content_type = ContentType.objects.get_for_model(obj)
    link, created = ActionItemLink.objects.get_or_create(
        action_item=item,
        content_type=content_type,
        object_id=str(obj.pk),
        defaults={"label": label},
    )
    if not created and label and link.label != label:
        link.label = label
        link.save(update_fields=["label"])
    return link


def action_items_for(obj: Model) -> QuerySet[ActionItem]:
    """The action items that concern `obj`, soonest due first."""
    content_type = ContentType.objects.get_for_model(obj)
    return ActionItem.objects.filter(
        links__content_type=content_type, links__object_id=str(obj.pk)
    ).distinct()


def forget_links(obj: Model) -> int:
    """Remove every link to `obj` (call before purging it); returns how many were removed."""
    content_type = ContentType.objects.get_for_model(obj)
    deleted, _rows = ActionItemLink.objects.filter(
        content_type=content_type, object_id=str(obj.pk)
    ).delete()
    return deleted


def _clean_label(label: str) -> str:
    label = " ".join((label or "").split())[:200]
    return nik_rules.mask_in_text(label)


# Attachments


def store_attachment(
    *,
    meeting: Meeting,
    upload: UploadedFile,
    kind: str,
    title: str,
    restricted: bool,
    user: User | None,
) -> Attachment:
    """Check an upload by size and content, write it under PRIVATE_ROOT and record it."""
    file_type = uploads.check(upload)
    root = storage_root()
    root.mkdir(parents=True, exist_ok=True, mode=0o750)
    stored_name = f"{uuid.uuid4().hex}.{file_type.extension}"
    final = root / stored_name
    partial = root / f".{stored_name}.part"
    digest = hashlib.sha256()
    size = 0
    try:
        with open(partial, "xb") as handle:
            for chunk in upload.chunks():
                digest.update(chunk)
                size += len(chunk)
                handle.write(chunk)
        os.chmod(partial, 0o640)
        os.replace(partial, final)
        with transaction.atomic():
            attachment = Attachment.objects.create(
                meeting=meeting,
                kind=kind,
                title=title.strip(),
                original_name=uploads.safe_name(upload.name),
                stored_name=stored_name,
                content_type=file_type.mime,
                size=size,
                sha256=digest.hexdigest(),
                restricted=restricted,
                uploaded_by=user if user and user.pk else None,
            )
            audit.record(
                CHANGE,
                user=user,
                obj=attachment,
                facility=meeting.facility,
                summary=f"Lampiran diunggah: {attachment.original_name}"[:300],
                sha256=attachment.sha256,
            )
    except BaseException:
        partial.unlink(missing_ok=True)
        final.unlink(missing_ok=True)
        raise
    return attachment


@transaction.atomic
def delete_attachment(*, attachment: Attachment, user: User) -> None:
    audit.record(
        CHANGE,
        user=user,
        obj=attachment,
        facility=attachment.meeting.facility,
        summary=f"Lampiran dihapus: {attachment.original_name}"[:300],
        sha256=attachment.sha256,
    )
    attachment.delete()  # the file goes after commit (signals.py)


def record_download(*, attachment: Attachment, request: HttpRequest) -> None:
    audit.record(
        AuditEvent.Action.DOWNLOAD,
        request=request,
        obj=attachment,
        facility=attachment.meeting.facility,
        summary=f"Lampiran rapat: {attachment.original_name}"[:300],
        detail={"meeting": attachment.meeting_id, "restricted": attachment.restricted},
        row_count=1,  # one file
        sha256=attachment.sha256,
    )


def record_refused_download(*, attachment: Attachment, request: HttpRequest) -> None:
    """A restricted attachment asked for by someone who may not have it (SECURITY.md check 25:
    refusals are audited too)."""
    audit.record(
        AuditEvent.Action.DOWNLOAD,
        request=request,
        obj=attachment,
        facility=attachment.meeting.facility,
        summary=f"Lampiran terbatas ditolak: {attachment.original_name}"[:300],
        result="denied",
    )


def record_print(
    *, meeting: Meeting, request: HttpRequest, what: str, pages: int, pdf: bytes = b""
) -> None:
    labels = {"minutes": _("notulen"), "attendance": _("daftar hadir")}
    audit.record(
        AuditEvent.Action.PRINT,
        request=request,
        obj=meeting,
        summary=f"Cetak {labels.get(what, what)}: {meeting.title}"[:300],
        detail={"document": what, "pages": pages},
        row_count=pages,
        sha256=audit.sha256_of_bytes(pdf) if pdf else "",
    )
