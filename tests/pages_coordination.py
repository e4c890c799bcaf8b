"""Coordination pages in the permission matrix (see matrix.py)."""

import datetime as dt
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from matrix import ROLES, page
from PIL import Image

from coordination import services
from coordination.models import ActionItem, Attendee, Contact, Institution, Meeting

RECORDERS = ("operator", "kpu", "admin")
DIRECTORY = ("operator", "kpu", "observer", "admin")


def _png():
    buffer = io.BytesIO()
    Image.new("RGB", (2, 2), (0, 80, 160)).save(buffer, format="PNG")
    return buffer.getvalue()


def _meeting(world, facility_key):
    facility = world[facility_key]
    meeting = Meeting.objects.filter(facility=facility).first()
    if meeting is None:
        meeting = services.create_meeting(
            meeting=Meeting(
                facility=facility,
                election=world["election"],
                title=f"Rapat Koordinasi {facility.name}",
                date=dt.date(2024, 11, 25),
                stage=Meeting.Stage.VOTING,
            ),
            user=None,
        )
    return meeting


def _institution(facility, short_name="KPU"):
    services.ensure_institutions(facility)
    return Institution.objects.get(facility=facility, short_name=short_name)


def _item(world, facility_key):
    meeting = _meeting(world, facility_key)
    item = meeting.action_items.first()
    if item is None:
        item = services.create_action_item(
            item=ActionItem(
                meeting=meeting,
                title="Serahkan data WBP baru",
                owner_institution=_institution(meeting.facility),
                due_date=dt.date(2024, 11, 20),
            ),
            user=None,
            references=["Reg. AI.1/2024"],
        )
    return item


def _decision(world, facility_key):
    meeting = _meeting(world, facility_key)
    return meeting.decisions.first() or services.add_decision(
        meeting=meeting, text="Keputusan", user=None
    )


def _attendee(world, facility_key):
    meeting = _meeting(world, facility_key)
    return Attendee.objects.create(meeting=meeting, name="Peserta")


def _attachment(world, facility_key, restricted):
    return services.store_attachment(
        meeting=_meeting(world, facility_key),
        upload=SimpleUploadedFile("foto.png", _png()),
        kind="foto",
        title="Foto rapat",
        restricted=restricted,
        user=None,
    )


def _contact(world, facility_key):
    facility = world[facility_key]
    return Contact.objects.create(
        facility=facility, institution=_institution(facility), name="Kontak", phone="0812"
    )


def meeting_url(name):
    return lambda key: lambda w: reverse(f"coordination:{name}", args=[_meeting(w, key).pk])


def item_url(name):
    return lambda key: lambda w: reverse(f"coordination:{name}", args=[_item(w, key).pk])


def own_and_foreign(factory):
    return {"url": factory("blora"), "foreign_url": factory("rembang")}


page("coord_meeting_list", ROLES, lambda w: reverse("coordination:meeting_list"))
page("coord_meeting_create", RECORDERS, lambda w: reverse("coordination:meeting_create"))
page("coord_meeting_detail", ROLES, **own_and_foreign(meeting_url("meeting_detail")))
page("coord_meeting_edit", RECORDERS, **own_and_foreign(meeting_url("meeting_edit")))
page("coord_minutes_pdf", ROLES, **own_and_foreign(meeting_url("minutes_pdf")))
page("coord_attendance_pdf", ROLES, **own_and_foreign(meeting_url("attendance_pdf")))
page(
    "coord_meeting_figures",
    RECORDERS,
    method="post",
    ok_status=(302,),
    **own_and_foreign(meeting_url("meeting_figures")),
)
page(
    "coord_attendee_add",
    RECORDERS,
    method="post",
    ok_status=(400,),  # an empty form comes back with its errors
    **own_and_foreign(meeting_url("attendee_add")),
)
page(
    "coord_attendee_add_institutions",
    RECORDERS,
    method="post",
    ok_status=(400,),
    **own_and_foreign(meeting_url("attendee_add_institutions")),
)
page(
    "coord_attendee_delete",
    RECORDERS,
    method="post",
    ok_status=(302,),
    url=lambda w: reverse("coordination:attendee_delete", args=[_attendee(w, "blora").pk]),
    foreign_url=lambda w: reverse(
        "coordination:attendee_delete", args=[_attendee(w, "rembang").pk]
    ),
)
page(
    "coord_decision_add",
    RECORDERS,
    method="post",
    ok_status=(400,),
    **own_and_foreign(meeting_url("decision_add")),
)
page(
    "coord_decision_edit",
    RECORDERS,
    url=lambda w: reverse("coordination:decision_edit", args=[_decision(w, "blora").pk]),
    foreign_url=lambda w: reverse("coordination:decision_edit", args=[_decision(w, "rembang").pk]),
)
page(
    "coord_decision_delete",
    RECORDERS,
    method="post",
    ok_status=(302,),
    url=lambda w: reverse("coordination:decision_delete", args=[_decision(w, "blora").pk]),
    foreign_url=lambda w: reverse(
        "coordination:decision_delete", args=[_decision(w, "rembang").pk]
    ),
)
page("coord_action_list", ROLES, lambda w: reverse("coordination:action_list"))
page("coord_action_create", RECORDERS, **own_and_foreign(meeting_url("action_create")))
page("coord_action_detail", ROLES, **own_and_foreign(item_url("action_detail")))
page("coord_action_edit", RECORDERS, **own_and_foreign(item_url("action_edit")))
page(
    "coord_action_status",
    RECORDERS,
    method="post",
    ok_status=(302,),
    **own_and_foreign(item_url("action_status")),
)
page(
    "coord_attachment_upload",
    RECORDERS,
    method="post",
    ok_status=(400,),  # no file
    **own_and_foreign(meeting_url("attachment_upload")),
)
page(
    "coord_attachment_download",
    ROLES,
    url=lambda w: reverse(
        "coordination:attachment_download", args=[_attachment(w, "blora", False).pk]
    ),
    foreign_url=lambda w: reverse(
        "coordination:attachment_download", args=[_attachment(w, "rembang", False).pk]
    ),
)
page(
    "coord_attachment_download_restricted",
    RECORDERS,
    url=lambda w: reverse(
        "coordination:attachment_download", args=[_attachment(w, "blora", True).pk]
    ),
    foreign_url=lambda w: reverse(
        "coordination:attachment_download", args=[_attachment(w, "rembang", True).pk]
    ),
)
page(
    "coord_attachment_delete",
    RECORDERS,
    method="post",
    ok_status=(302,),
    url=lambda w: reverse(
        "coordination:attachment_delete", args=[_attachment(w, "blora", False).pk]
    ),
    foreign_url=lambda w: reverse(
        "coordination:attachment_delete", args=[_attachment(w, "rembang", False).pk]
    ),
)
page("coord_institution_list", DIRECTORY, lambda w: reverse("coordination:institution_list"))
page("coord_institution_create", RECORDERS, lambda w: reverse("coordination:institution_create"))
page(
    "coord_institution_edit",
    RECORDERS,
    url=lambda w: reverse("coordination:institution_edit", args=[_institution(w["blora"]).pk]),
    foreign_url=lambda w: reverse(
        "coordination:institution_edit", args=[_institution(w["rembang"]).pk]
    ),
)
page("coord_contact_create", RECORDERS, lambda w: reverse("coordination:contact_create"))
page(
    "coord_contact_edit",
    RECORDERS,
    url=lambda w: reverse("coordination:contact_edit", args=[_contact(w, "blora").pk]),
    foreign_url=lambda w: reverse("coordination:contact_edit", args=[_contact(w, "rembang").pk]),
)
page("coord_admin_meetings", ("admin",), lambda w: reverse("admin:coordination_meeting_changelist"))
page(
    "coord_admin_institutions",
    ("admin",),
    lambda w: reverse("admin:coordination_institution_changelist"),
)
