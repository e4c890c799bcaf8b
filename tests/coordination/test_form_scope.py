"""The coordination pages' own forms offer and accept only rows of the meeting's facility
(SECURITY.md check 32; issue 19 item 3): every field that points at another row is walked with
a row of Rembang, and the reported cases are posted through the pages."""
# ruff: noqa: F811 - fixtures imported from coord_factories

import datetime as dt
import inspect

import pytest
from coord_factories import institution, meeting, rembang_meeting  # noqa: F401
from django import forms
from django.urls import reverse

from coordination import forms as coordination_forms
from coordination import services
from coordination.models import ActionItem, Contact
from voters.lists import forms as forms_lists
from voters.models import TPS, Election

pytestmark = pytest.mark.django_db


@pytest.fixture
def rembang_rows(rembang, rembang_meeting, outsider):
    """A row of Rembang for every model the forms point at; Rembang's own election has no TPS
    of Blora."""
    own_election = Election.objects.create(
        code="PILBUP-REMBANG",
        name="Pilkada Rembang",
        kind="pilkada",
        polling_date=dt.date(2024, 11, 27),
        region_code="33.17",
    )
    tps = TPS.objects.create(election=own_election, facility=rembang, number="905", capacity=600)
    kpu = institution(rembang, "KPU")
    return {
        "voters.Facility": rembang,
        "voters.Election": own_election,
        "voters.TPS": tps,
        "coordination.Institution": kpu,
        "coordination.Contact": Contact.objects.create(
            facility=rembang, institution=kpu, name="Kontak Rembang"
        ),
        "coordination.Decision": services.add_decision(
            meeting=rembang_meeting, text="Keputusan Rembang", user=outsider
        ),
        "coordination.Meeting": rembang_meeting,
    }


def form_kwargs(meeting, user):
    """How each form of the pages is made for a user of Blora (as its view makes it)."""
    return {
        coordination_forms.MeetingForm: {"user": user},
        coordination_forms.AttendeeForm: {"facility": meeting.facility},
        coordination_forms.InstitutionsAttendingForm: {"facility": meeting.facility},
        coordination_forms.ActionItemForm: {"meeting": meeting},
        coordination_forms.ContactForm: {"facility": meeting.facility},
        forms_lists.VoterListUploadForm: {"user": user},
        forms_lists.ReferenceUploadForm: {"user": user},
    }


def picks_rows(form_class):
    return any(isinstance(f, forms.ModelChoiceField) for f in form_class.base_fields.values())


def test_every_form_that_picks_a_row_is_walked(meeting, operator):
    walked = set(form_kwargs(meeting, operator))
    for module in (coordination_forms, forms_lists):
        for _name, cls in inspect.getmembers(module, inspect.isclass):
            if (
                issubclass(cls, forms.BaseForm)
                and cls.__module__ == module.__name__
                and picks_rows(cls)
            ):
                assert cls in walked, cls


@pytest.mark.parametrize("role", ["operator", "kpu", "admin_user"])
def test_no_form_offers_or_accepts_a_row_of_another_facility(role, meeting, rembang_rows, request):
    user = request.getfixturevalue(role)
    problems, checked = [], set()
    for form_class, kwargs in form_kwargs(meeting, user).items():
        for name, field in form_class(**kwargs).fields.items():
            if not isinstance(field, forms.ModelChoiceField):
                continue
            label = field.queryset.model._meta.label
            assert label in rembang_rows, (form_class, name, label)
            row = rembang_rows[label]
            checked.add((form_class.__name__, name))
            if field.queryset.filter(pk=row.pk).exists():
                problems.append((form_class.__name__, name, "offers"))
            value = [row.pk] if isinstance(field, forms.ModelMultipleChoiceField) else row.pk
            bound = form_class(data={name: value}, **kwargs)
            bound.is_valid()
            if name not in bound.errors:
                problems.append((form_class.__name__, name, "accepts"))
    assert problems == []
    assert {
        ("ActionItemForm", "decision"),
        ("AttendeeForm", "institution"),
        ("MeetingForm", "organiser"),
        ("MeetingForm", "election"),
    } <= checked


def test_an_action_item_page_takes_no_decision_of_another_facility_meeting(
    meeting, rembang_rows, operator, client_for, blora
):
    response = client_for(operator).post(
        reverse("coordination:action_create", args=[meeting.pk]),
        {
            "decision": rembang_rows["coordination.Decision"].pk,
            "title": "Tindak lanjut X",
            "owner_institution": institution(blora, "KPU").pk,
            "due_date": "2024-11-26",
        },
    )
    assert response.status_code == 200
    assert not ActionItem.objects.filter(title="Tindak lanjut X").exists()


def test_an_action_item_page_takes_no_decision_of_another_meeting(
    meeting, operator, client_for, blora, election
):
    """Same facility, another meeting: still refused (a decision belongs to its meeting)."""
    from coord_factories import make_meeting

    other = make_meeting(blora, election, operator, title="Rapat lain")
    decision = services.add_decision(meeting=other, text="Lain", user=operator)
    response = client_for(operator).post(
        reverse("coordination:action_create", args=[meeting.pk]),
        {
            "decision": decision.pk,
            "title": "Tindak lanjut Y",
            "owner_institution": institution(blora, "KPU").pk,
            "due_date": "2024-11-26",
        },
    )
    assert response.status_code == 200
    assert not ActionItem.objects.filter(title="Tindak lanjut Y").exists()


def test_an_attendee_page_takes_no_institution_of_another_facility(
    meeting, rembang_rows, operator, client_for
):
    response = client_for(operator).post(
        reverse("coordination:attendee_add", args=[meeting.pk]),
        {
            "name": "Tamu",
            "institution": rembang_rows["coordination.Institution"].pk,
            "role": "peserta",
        },
    )
    assert response.status_code == 400
    assert not meeting.attendees.filter(name="Tamu").exists()
