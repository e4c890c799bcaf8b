"""Two people edit one row: the later save of a form opened before the other's save is refused
with a message and changes nothing (issue 19 item 5; SECURITY.md check 22)."""
# ruff: noqa: F811 - fixtures imported from coord_factories

import datetime as dt

import pytest
from coord_factories import institution, make_item, meeting  # noqa: F401 - fixtures
from django.urls import reverse

from coordination import services
from coordination.models import ActionItem, Contact, Decision, Institution, Meeting

pytestmark = pytest.mark.django_db

STALE = "sudah diubah orang lain sejak Anda membukanya"


def opened(client, url, form="form"):
    """The data of the form as a person opens it (hidden version included)."""
    bound = client.get(url).context[form]
    data = {}
    for name in bound.fields:
        value = bound[name].value()
        if value is not None:
            data[name] = value
    return data


def two_people_edit(url, a, b, change_a, change_b, form="form", to=None):
    """A and B open the form; B saves, then A saves. Returns A's response."""
    data_a, data_b = opened(a, url, form), opened(b, url, form)
    saved = b.post(to or url, {**data_b, **change_b})
    assert saved.status_code == 302, getattr(saved, "context", None) and saved.context[form].errors
    return a.post(to or url, {**data_a, **change_a}, follow=True)


def test_a_stale_meeting_edit_is_refused_and_the_other_change_stays(
    meeting, operator, kpu, client_for
):
    url = reverse("coordination:meeting_edit", args=[meeting.pk])
    refused = two_people_edit(
        url,
        client_for(operator),
        client_for(kpu),
        {"title": "Judul dari A", "minutes": "Notulen A"},
        {"title": "Judul dari B"},
    )
    assert refused.status_code == 409
    assert STALE in refused.content.decode()
    assert "Judul dari A" in refused.content.decode()  # what A typed is still in the form
    meeting = Meeting.objects.get(pk=meeting.pk)
    assert (meeting.title, meeting.minutes) == ("Judul dari B", "")


def test_a_stale_action_item_edit_is_refused_and_the_other_change_stays(
    meeting, operator, kpu, client_for
):
    item = make_item(meeting, institution(meeting.facility, "KPU"), due=dt.date(2024, 11, 26))
    url = reverse("coordination:action_edit", args=[item.pk])
    refused = two_people_edit(
        url,
        client_for(operator),
        client_for(kpu),
        {"title": "Tindak lanjut A", "references": "A.99"},
        {"title": "Tindak lanjut B"},
    )
    assert refused.status_code == 409 and STALE in refused.content.decode()
    item = ActionItem.objects.get(pk=item.pk)
    assert item.title == "Tindak lanjut B"
    assert not item.links.exists()  # A's reference was not added either


def test_a_stale_status_change_is_refused_and_the_other_closing_stays(
    meeting, operator, kpu, client_for
):
    item = make_item(meeting, institution(meeting.facility, "KPU"), due=dt.date(2024, 11, 26))
    page = item.get_absolute_url()
    url = reverse("coordination:action_status", args=[item.pk])
    refused = two_people_edit(
        page,
        client_for(operator),
        client_for(kpu),
        {"status": "cancelled", "outcome": "Batal menurut A"},
        {"status": "done", "outcome": "Selesai menurut B"},
        form="status_form",
        to=url,
    )
    assert STALE in refused.content.decode()
    item = ActionItem.objects.get(pk=item.pk)
    assert (item.status, item.outcome) == ("done", "Selesai menurut B")


def test_a_stale_decision_edit_is_refused_and_the_other_change_stays(
    meeting, operator, kpu, client_for
):
    decision = services.add_decision(meeting=meeting, text="lama", user=operator)
    url = reverse("coordination:decision_edit", args=[decision.pk])
    refused = two_people_edit(
        url, client_for(operator), client_for(kpu), {"text": "versi A"}, {"text": "versi B"}
    )
    assert refused.status_code == 409 and STALE in refused.content.decode()
    assert Decision.objects.get(pk=decision.pk).text == "versi B"


def test_stale_institution_and_contact_edits_are_refused(blora, operator, kpu, client_for):
    kpu_blora = institution(blora, "KPU")
    url = reverse("coordination:institution_edit", args=[kpu_blora.pk])
    refused = two_people_edit(
        url, client_for(operator), client_for(kpu), {"short_name": "A"}, {"short_name": "B"}
    )
    assert refused.status_code == 409 and STALE in refused.content.decode()
    assert Institution.objects.get(pk=kpu_blora.pk).short_name == "B"

    contact = Contact.objects.create(facility=blora, institution=kpu_blora, name="Heni")
    url = reverse("coordination:contact_edit", args=[contact.pk])
    refused = two_people_edit(
        url, client_for(operator), client_for(kpu), {"phone": "0811"}, {"phone": "0822"}
    )
    assert refused.status_code == 409 and STALE in refused.content.decode()
    assert Contact.objects.get(pk=contact.pk).phone == "0822"


def test_one_person_saving_twice_in_a_row_is_not_refused(meeting, operator, client_for):
    client = client_for(operator)
    url = reverse("coordination:meeting_edit", args=[meeting.pk])
    assert client.post(url, {**opened(client, url), "title": "Satu"}).status_code == 302
    assert client.post(url, {**opened(client, url), "title": "Dua"}).status_code == 302
    assert Meeting.objects.get(pk=meeting.pk).title == "Dua"
