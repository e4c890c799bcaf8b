"""Recording a rapat koordinasi through the pages: the meeting of seed article 001, end to end."""
# ruff: noqa: F811 - fixtures imported from coord_factories

import datetime as dt

import pytest
import time_machine
from coord_factories import (  # noqa: F401 - fixtures
    figure_registry,
    institution,
    make_item,
    make_meeting,
    meeting,
    rembang_meeting,
)
from django.urls import reverse

from coordination import services
from coordination.models import ActionItem, Attendee, Contact, Decision, Meeting
from voters.models import TPS, AuditEvent

pytestmark = pytest.mark.django_db

POLLING_EVE = "2024-11-25 11:00 +0700"


@time_machine.travel(POLLING_EVE, tick=False)
def test_the_seed_001_meeting_is_recorded_printed_and_followed_up_through_the_pages(
    blora, election, tps901, operator, kpu, client_for, figure_registry
):
    figure_registry.register_figure("inmates_inside", "WBP di dalam", lambda f, e, d: 126)
    figure_registry.register_figure("nik_missing", "WBP tanpa NIK sah", lambda f, e, d: 4)
    c = client_for(operator)
    services.ensure_institutions(blora)
    kpu_inst = institution(blora, "KPU")
    attending = [institution(blora, s) for s in ("Bawaslu", "Disdukcapil", "Kesbangpol", "Polres")]

    # 1. The meeting itself, with the institutions present ticked in one go.
    assert c.get(reverse("coordination:meeting_create")).status_code == 200
    response = c.post(
        reverse("coordination:meeting_create"),
        {
            "election": election.pk,
            "stage": "pemungutan",
            "title": "Rapat Koordinasi Pemungutan dan Perhitungan Suara Pilkada 2024",
            "date": "2024-11-25",
            "start_time": "09:00",
            "end_time": "12:00",
            "venue": "Aula Dinas Pendidikan Kabupaten Blora",
            "organiser": kpu_inst.pk,
            "chair_name": "Ketua KPU Kabupaten Blora",
            "chair_title": "Ketua KPU Kabupaten Blora",
            "minute_taker": "Tri Murcahyono",
            "invitation_reference": "123/PP.04/3316/2024",
            "agenda": "Teknis pemungutan dan penghitungan suara",
            "minutes": "Kepala Rutan memaparkan data pemilih TPS Khusus.",
            "attending": [i.pk for i in attending],
        },
    )
    meeting = Meeting.objects.get()
    assert response.status_code == 302
    assert response.url == meeting.get_absolute_url()
    assert meeting.facility == blora
    assert meeting.created_by == operator
    assert meeting.attendees.count() == 4
    kept = {f.key: f.value for f in meeting.figures.all()}
    assert kept["inmates_inside"] == 126
    assert kept["nik_missing"] == 4
    assert kept["tps_count"] == 1
    assert kept["on_dpt"] == 0  # no DPT loaded for TPS 901 yet
    assert kept["reconciliation_open"] is None  # no run yet: shown as "—"

    # 2. Named attendees: the Karutan presents, the KPU chairs.
    rutan = blora.institutions.get(kind="pemasyarakatan")
    for name, inst, position, role in [
        ("Budi Hardiono", rutan.pk, "Kepala Rutan", "pemapar"),
        ("Ketua KPU Kabupaten Blora", kpu_inst.pk, "Ketua", "pimpinan"),
    ]:
        response = c.post(
            reverse("coordination:attendee_add", args=[meeting.pk]),
            {"name": name, "institution": inst, "position": position, "role": role},
        )
        assert response.status_code == 302
    response = c.post(
        reverse("coordination:attendee_add_institutions", args=[meeting.pk]),
        {"institutions": [institution(blora, "Satpol PP").pk, attending[0].pk]},
    )
    assert response.status_code == 302
    assert meeting.attendees.count() == 7  # Bawaslu was already there

    # 3. Decisions, numbered as the minutes print them.
    for text in [
        "KPPS menyampaikan surat pemberitahuan kepada seluruh WBP terdaftar.",
        "Rutan mendukung pengamanan dan logistik TPS Khusus.",
    ]:
        response = c.post(reverse("coordination:decision_add", args=[meeting.pk]), {"text": text})
        assert response.status_code == 302
    first, second = meeting.decisions.all()
    assert (first.number, second.number) == (1, 2)

    # 4. Follow-ups, one by an election milestone (H-1), with references to inmates.
    create_url = reverse("coordination:action_create", args=[meeting.pk])
    assert c.get(create_url, {"keputusan": first.pk}).status_code == 200
    response = c.post(
        create_url,
        {
            "decision": first.pk,
            "title": "Pastikan surat pemberitahuan diterima semua WBP terdaftar",
            "owner_institution": institution(blora, "KPPS").pk,
            "owner_name": "Ketua KPPS TPS 901",
            "milestone": "H-1",
            "references": "Reg. AI.12/2024\nNIK 3316012506614204",
            "lagi": "1",
        },
    )
    assert response.status_code == 302
    assert response.url == f"{create_url}?keputusan={first.pk}"
    response = c.post(
        create_url,
        {
            "decision": second.pk,
            "title": "Kirim daftar petugas pengamanan",
            "owner_institution": rutan.pk,
            "due_date": "2024-11-26",
        },
    )
    assert response.status_code == 302
    letters, security = ActionItem.objects.order_by("pk")
    assert letters.due_date == dt.date(2024, 11, 26)  # H-1
    assert sorted(letters.links.values_list("label", flat=True)) == [
        "NIK 331601**********",
        "Reg. AI.12/2024",
    ]

    # 5. The meeting page shows it all, the figures beside today's.
    page = c.get(meeting.get_absolute_url())
    assert page.status_code == 200
    html = page.content.decode()
    for text in ["Budi Hardiono", "Pemapar/narasumber", "126", "Reg. AI.12/2024", "H-7", "H-3"]:
        assert text in html

    # 6. Printed: minutes and attendance list, each audited.
    minutes = c.get(reverse("coordination:minutes_pdf", args=[meeting.pk]))
    attendance = c.get(reverse("coordination:attendance_pdf", args=[meeting.pk]))
    for response in (minutes, attendance):
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF-")
    prints = AuditEvent.objects.filter(action="print", object_id=str(meeting.pk))
    assert prints.count() == 2
    assert {e.detail["document"] for e in prints} == {"minutes", "attendance"}

    # 7. Tracked to closure, by the KPU liaison this time.
    for item in (letters, security):
        response = client_for(kpu).post(
            reverse("coordination:action_status", args=[item.pk]),
            {"status": "done", "outcome": "Selesai sesuai rencana.", "version": item.version},
        )
        assert response.status_code == 302
        item.refresh_from_db()
        assert item.status == "done"
        assert item.closed_by == kpu
    assert not ActionItem.objects.still_open().exists()


def test_figures_kept_with_a_meeting_stay_as_they_were_while_todays_numbers_change(
    blora, election, tps901, operator, client_for, figure_registry
):
    inside = {"n": 126}
    figure_registry.register_figure("inmates_inside", "WBP di dalam", lambda f, e, d: inside["n"])
    with time_machine.travel("2024-11-25 09:00 +0700", tick=False):
        meeting = make_meeting(blora, election, operator)
    inside["n"] = 131
    TPS.objects.create(election=election, facility=blora, number="902", capacity=600)

    with time_machine.travel("2024-11-26 09:00 +0700", tick=False):
        response = client_for(operator).get(meeting.get_absolute_url())
    rows = {r["key"]: r for r in response.context["figure_rows"]}
    assert (rows["inmates_inside"]["then"], rows["inmates_inside"]["now"]) == (126, 131)
    assert rows["inmates_inside"]["change"] == 5
    assert (rows["tps_count"]["then"], rows["tps_count"]["now"]) == (1, 2)
    assert (rows["tps_capacity"]["then"], rows["tps_capacity"]["now"]) == (600, 1200)
    # Real figures: no list was loaded that day or since, no reconciliation was ever run.
    assert (rows["on_dpt"]["then"], rows["on_dpt"]["now"], rows["on_dpt"]["change"]) == (0, 0, 0)
    assert rows["reconciliation_open"]["then"] is None
    assert meeting.figures.get(key="inmates_inside").value == 126
    assert "+5" in response.content.decode()


def test_a_meeting_recorded_ahead_keeps_todays_figures_and_may_take_them_again(
    blora, election, tps901, operator, observer, client_for, figure_registry
):
    inside = {"n": 120}
    figure_registry.register_figure("inmates_inside", "WBP di dalam", lambda f, e, d: inside["n"])
    with time_machine.travel("2024-11-20 09:00 +0700", tick=False):
        meeting = make_meeting(blora, election, operator, date=dt.date(2024, 11, 25))
        assert meeting.figures_on == dt.date(2024, 11, 20)
    inside["n"] = 126
    url = reverse("coordination:meeting_figures", args=[meeting.pk])
    assert client_for(observer).post(url).status_code == 403
    with time_machine.travel("2024-11-25 09:00 +0700", tick=False):
        assert client_for(operator).post(url).status_code == 302
    meeting.refresh_from_db()
    assert meeting.figures_on == dt.date(2024, 11, 25)
    assert meeting.figures.get(key="inmates_inside").value == 126
    event = AuditEvent.objects.get(summary="Angka rapat diambil ulang")
    assert event.detail["before"]["inmates_inside"] == 120


def test_observers_and_kpps_read_meetings_but_cannot_record_them(
    meeting, observer, kpps, client_for
):
    for person in (observer, kpps):
        c = client_for(person)
        page = c.get(meeting.get_absolute_url())
        assert page.status_code == 200
        assert reverse("coordination:meeting_edit", args=[meeting.pk]) not in page.content.decode()
        assert c.get(reverse("coordination:meeting_create")).status_code == 403
        response = c.post(
            reverse("coordination:decision_add", args=[meeting.pk]), {"text": "Tidak boleh"}
        )
        assert response.status_code == 403
    assert not meeting.decisions.exists()


def test_an_outsider_gets_404_for_every_page_of_a_blora_meeting(meeting, outsider, client_for):
    c = client_for(outsider)
    for name in [
        "meeting_detail",
        "meeting_edit",
        "minutes_pdf",
        "attendance_pdf",
        "action_create",
    ]:
        assert c.get(reverse(f"coordination:{name}", args=[meeting.pk])).status_code == 404
    response = c.post(reverse("coordination:decision_add", args=[meeting.pk]), {"text": "x"})
    assert response.status_code == 404
    assert not AuditEvent.objects.filter(action="print").exists()


def test_the_meeting_list_shows_only_the_users_facility(
    meeting, rembang_meeting, operator, client_for
):
    response = client_for(operator).get(reverse("coordination:meeting_list"))
    assert list(response.context["meetings"]) == [meeting]
    assert "Rembang" not in response.content.decode()


def test_the_meeting_form_refuses_an_institution_of_another_facility(
    blora, rembang, election, tps901, operator, client_for
):
    foreign = institution(rembang, "KPU")
    response = client_for(operator).post(
        reverse("coordination:meeting_create"),
        {
            "election": election.pk,
            "stage": "coklit",
            "title": "Rapat",
            "date": "2024-06-27",
            "organiser": foreign.pk,
        },
    )
    assert response.status_code == 200
    assert "organiser" in response.context["form"].errors
    assert not Meeting.objects.exists()


def test_a_meeting_cannot_end_before_it_starts(blora, election, tps901, operator, client_for):
    response = client_for(operator).post(
        reverse("coordination:meeting_create"),
        {
            "election": election.pk,
            "stage": "coklit",
            "title": "Rapat",
            "date": "2024-06-27",
            "start_time": "10:00",
            "end_time": "09:00",
        },
    )
    assert response.status_code == 200
    assert "end_time" in response.context["form"].errors


def test_editing_a_meeting_keeps_its_figures_and_records_the_change(meeting, kpu, client_for):
    kept = list(meeting.figures.values_list("key", "value"))
    response = client_for(kpu).post(
        reverse("coordination:meeting_edit", args=[meeting.pk]),
        {
            "version": meeting.version,
            "election": meeting.election.pk,
            "stage": meeting.stage,
            "title": "Rapat diganti",
            "date": "2024-11-25",
            "minutes": "Notulen lengkap.",
        },
    )
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert (meeting.title, meeting.minutes) == ("Rapat diganti", "Notulen lengkap.")
    assert list(meeting.figures.values_list("key", "value")) == kept
    assert AuditEvent.objects.filter(summary="Rapat diubah", actor=kpu).exists()


def test_an_attendee_chosen_from_the_contacts_gets_their_name_and_position(
    meeting, blora, operator, client_for
):
    contact = Contact.objects.create(
        facility=blora,
        institution=institution(blora, "Disdukcapil"),
        name="Cahyanto",
        position="Kabid Pendaftaran Penduduk",
    )
    response = client_for(operator).post(
        reverse("coordination:attendee_add", args=[meeting.pk]),
        {"contact": contact.pk, "role": "peserta"},
    )
    assert response.status_code == 302
    attendee = meeting.attendees.get()
    assert (attendee.name, attendee.position) == ("Cahyanto", "Kabid Pendaftaran Penduduk")
    assert attendee.institution == contact.institution


def test_an_empty_attendee_is_refused_on_the_meeting_page(meeting, operator, client_for):
    response = client_for(operator).post(
        reverse("coordination:attendee_add", args=[meeting.pk]), {"role": "peserta"}
    )
    assert response.status_code == 400
    assert response.context["attendee_form"].errors
    assert not Attendee.objects.exists()


def test_deleting_a_decision_numbers_the_rest_again(meeting, operator, client_for):
    for text in ["satu", "dua", "tiga"]:
        services.add_decision(meeting=meeting, text=text, user=operator)
    second = meeting.decisions.get(number=2)
    response = client_for(operator).post(reverse("coordination:decision_delete", args=[second.pk]))
    assert response.status_code == 302
    assert list(Decision.objects.values_list("number", "text")) == [(1, "satu"), (2, "tiga")]


def test_a_decision_is_edited_on_its_own_page(meeting, operator, client_for):
    decision = services.add_decision(meeting=meeting, text="lama", user=operator)
    url = reverse("coordination:decision_edit", args=[decision.pk])
    assert client_for(operator).get(url).status_code == 200
    assert client_for(operator).post(url, {"text": "baru", "version": 1}).status_code == 302
    decision.refresh_from_db()
    assert decision.text == "baru"


def test_kpps_sees_the_follow_ups_but_not_what_they_link_to(
    meeting, blora, operator, kpps, client_for
):
    item = make_item(meeting, institution(blora, "KPPS"), due=dt.date(2024, 11, 24))
    services.link_action_item(item=item, label="Reg. AI.77/2024")
    page = client_for(kpps).get(meeting.get_absolute_url()).content.decode()
    assert item.title in page
    assert "AI.77" not in page
    assert "AI.77" in client_for(operator).get(meeting.get_absolute_url()).content.decode()


def test_a_nik_typed_into_the_minutes_is_masked_for_roles_that_see_masked_niks(
    meeting, blora, operator, observer, kpps, client_for
):
    from coordination import pdf

    meeting.minutes = "WBP dengan NIK 3316012506614204 belum terdaftar."
    meeting.save()
    services.add_decision(meeting=meeting, text="Daftarkan 3316012506614204.", user=operator)
    make_item(
        meeting, institution(blora, "KPU"), due=dt.date(2024, 11, 24), title="Cek 3316012506614204"
    )
    assert (
        "3316012506614204" in client_for(operator).get(meeting.get_absolute_url()).content.decode()
    )
    for person in (observer, kpps):
        page = client_for(person).get(meeting.get_absolute_url()).content.decode()
        assert "3316012506614204" not in page
        assert "331601**********" in page
        assert "3316012506614204" not in pdf.minutes(meeting, user=person).html
    assert "3316012506614204" in pdf.minutes(meeting, user=operator).html
