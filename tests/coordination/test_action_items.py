"""Follow-ups: overdue per institution, the election's deadlines beside them, closure, links."""
# ruff: noqa: F811 - fixtures imported from coord_factories

import datetime as dt
from io import StringIO

import pytest
import time_machine
from coord_factories import institution, make_item, make_meeting, meeting, rembang_meeting  # noqa: F401
from django.core.management import call_command
from django.urls import reverse

from coordination import figures, selectors, services
from coordination.models import ActionItem, ActionItemLink
from voters.models import TPS, AuditEvent

pytestmark = pytest.mark.django_db

TODAY = "2024-11-25 10:00 +0700"


@pytest.fixture
def follow_ups(meeting, blora):
    """Three overdue (two at Disdukcapil, one at the rutan), one ahead, one done."""
    dukcapil = institution(blora, "Disdukcapil")
    rutan = blora.institutions.get(kind="pemasyarakatan")
    return {
        "record": make_item(meeting, dukcapil, due=dt.date(2024, 11, 20), title="Rekam KTP-el"),
        "lookup": make_item(meeting, dukcapil, due=dt.date(2024, 11, 22), title="Cek biometrik"),
        "transfer": make_item(meeting, rutan, due=dt.date(2024, 11, 18), title="Ajukan DPTb"),
        "letters": make_item(
            meeting, institution(blora, "KPPS"), due=dt.date(2024, 11, 26), title="Bagikan surat"
        ),
        "done": make_item(
            meeting, rutan, due=dt.date(2024, 11, 10), title="Kirim data awal", status="done"
        ),
    }


@time_machine.travel(TODAY, tick=False)
def test_overdue_follow_ups_are_listed_per_institution(follow_ups, observer, client_for):
    response = client_for(observer).get(reverse("coordination:action_list"))
    assert response.status_code == 200
    groups = [
        (g["institution"].short_name or "rutan", [i.title for i in g["items"]])
        for g in response.context["overdue_groups"]
    ]
    assert groups == [
        ("rutan", ["Ajukan DPTb"]),
        ("Disdukcapil", ["Rekam KTP-el", "Cek biometrik"]),
    ]
    assert response.context["counts"] == {"open": 4, "overdue": 3, "due_week": 1}
    html = response.content.decode()
    assert "Terlambat per instansi" in html
    assert "Kirim data awal" not in html  # done: not in the open list


@time_machine.travel(TODAY, tick=False)
def test_the_list_filters_by_status_and_institution(follow_ups, blora, operator, client_for):
    c = client_for(operator)
    url = reverse("coordination:action_list")
    overdue = c.get(url, {"status": "terlambat"}).context["items"]
    assert {i.title for i in overdue} == {"Rekam KTP-el", "Cek biometrik", "Ajukan DPTb"}
    done = c.get(url, {"status": "selesai"}).context["items"]
    assert [i.title for i in done] == ["Kirim data awal"]
    dukcapil = institution(blora, "Disdukcapil")
    mine = c.get(url, {"status": "semua", "instansi": dukcapil.pk}).context["items"]
    assert {i.title for i in mine} == {"Rekam KTP-el", "Cek biometrik"}


@time_machine.travel(TODAY, tick=False)
def test_the_election_deadlines_stand_on_a_timeline_beside_the_follow_ups(
    follow_ups, election, operator, client_for
):
    response = client_for(operator).get(reverse("coordination:action_list"))
    timeline = response.context["timeline"]
    deadlines = [(e["code"], e["date"]) for e in timeline if e["kind"] == "deadline"]
    assert deadlines[:3] == [
        ("H-30", dt.date(2024, 10, 28)),
        ("H-7", dt.date(2024, 11, 20)),
        ("H-3", dt.date(2024, 11, 24)),
    ]
    dates = [e["date"] for e in timeline]
    assert dates == sorted(dates)
    states = {e["label"]: e["state"] for e in timeline if e["kind"] == "action"}
    assert states["Rekam KTP-el"] == "overdue"
    assert states["Bagikan surat"] == "soon"
    # on the same day the deadline comes before the follow-up
    same_day = [e["kind"] for e in timeline if e["date"] == dt.date(2024, 11, 20)]
    assert same_day == ["deadline", "action"]


@time_machine.travel(TODAY, tick=False)
def test_a_follow_up_is_tracked_to_closure(follow_ups, operator, kpu, client_for):
    item = follow_ups["record"]
    url = reverse("coordination:action_status", args=[item.pk])
    assert client_for(kpu).post(url, {"status": "in_progress", "version": 1}).status_code == 302
    item.refresh_from_db()
    assert (item.status, item.closed_at) == ("in_progress", None)
    assert item.is_overdue()

    response = client_for(operator).post(
        url, {"status": "done", "outcome": "12 WBP direkam pada 24-11-2024.", "version": 2}
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status == "done"
    assert item.closed_by == operator
    assert item.closed_at is not None
    assert item.outcome == "12 WBP direkam pada 24-11-2024."
    assert not item.is_overdue()
    assert not ActionItem.objects.overdue().filter(pk=item.pk).exists()

    page = client_for(kpu).get(item.get_absolute_url()).content.decode()
    assert "Status tindak lanjut: open → in_progress" in page
    assert "Status tindak lanjut: in_progress → done" in page

    assert client_for(operator).post(url, {"status": "open", "version": 3}).status_code == 302
    item.refresh_from_db()
    assert (item.status, item.closed_at, item.closed_by) == ("open", None, None)


def test_cancelling_a_follow_up_needs_a_reason(follow_ups, operator, client_for):
    item = follow_ups["lookup"]
    url = reverse("coordination:action_status", args=[item.pk])
    client_for(operator).post(url, {"status": "cancelled", "version": 1})
    item.refresh_from_db()
    assert item.status == "open"
    client_for(operator).post(
        url, {"status": "cancelled", "outcome": "Sudah terdaftar di DPT.", "version": 1}
    )
    item.refresh_from_db()
    assert item.status == "cancelled"
    assert item.closed_at is not None


def test_observers_kpps_and_outsiders_cannot_change_a_follow_up(
    follow_ups, observer, kpps, outsider, client_for
):
    item = follow_ups["record"]
    url = reverse("coordination:action_status", args=[item.pk])
    assert client_for(observer).post(url, {"status": "done"}).status_code == 403
    assert client_for(kpps).post(url, {"status": "done"}).status_code == 403
    assert client_for(outsider).post(url, {"status": "done"}).status_code == 404
    assert client_for(outsider).get(item.get_absolute_url()).status_code == 404
    item.refresh_from_db()
    assert item.status == "open"


def test_an_election_milestone_sets_the_due_date(meeting, blora, operator, client_for):
    response = client_for(operator).post(
        reverse("coordination:action_create", args=[meeting.pk]),
        {
            "title": "Ajukan pindah memilih",
            "owner_institution": institution(blora, "KPU").pk,
            "milestone": "H-7",
        },
    )
    assert response.status_code == 302
    assert ActionItem.objects.get().due_date == dt.date(2024, 11, 20)


def test_a_follow_up_needs_a_due_date_or_a_milestone(meeting, blora, operator, client_for):
    response = client_for(operator).post(
        reverse("coordination:action_create", args=[meeting.pk]),
        {"title": "Tanpa tanggal", "owner_institution": institution(blora, "KPU").pk},
    )
    assert response.status_code == 200
    assert "due_date" in response.context["form"].errors
    assert not ActionItem.objects.exists()


def test_editing_a_follow_up_keeps_object_links_and_replaces_free_references(
    meeting, blora, tps901, operator, client_for
):
    item = make_item(meeting, institution(blora, "KPU"), due=dt.date(2024, 11, 20))
    services.link_action_item(item=item, obj=tps901)
    services.link_action_item(item=item, label="lama")
    response = client_for(operator).post(
        reverse("coordination:action_edit", args=[item.pk]),
        {
            "version": item.version,
            "title": "Judul baru",
            "owner_institution": item.owner_institution_id,
            "due_date": "2024-11-21",
            "references": "baru",
        },
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.title, item.due_date) == ("Judul baru", dt.date(2024, 11, 21))
    labels = sorted((link.content_type_id is not None, link.label) for link in item.links.all())
    assert labels == [(False, "baru"), (True, "")]


def test_a_follow_up_links_loosely_to_any_object(meeting, blora, tps901, operator, client_for):
    """Inmates and reconciliation items join the same way; a TPS stands in for them here."""
    item = make_item(meeting, institution(blora, "KPU"), due=dt.date(2024, 11, 20))
    link = services.link_action_item(item=item, obj=tps901)
    again = services.link_action_item(item=item, obj=tps901, label="TPS 901 Rutan")
    assert again.pk == link.pk
    assert again.label == "TPS 901 Rutan"
    assert list(services.action_items_for(tps901)) == [item]
    page = client_for(operator).get(item.get_absolute_url()).content.decode()
    assert str(tps901) in page  # the live object is shown while it exists

    assert services.forget_links(tps901) == 1
    assert not ActionItemLink.objects.exists()
    assert list(services.action_items_for(tps901)) == []


def test_a_link_to_a_deleted_object_still_shows_its_label(
    meeting, blora, election, operator, client_for
):
    item = make_item(meeting, institution(blora, "KPU"), due=dt.date(2024, 11, 20))
    gone = TPS.objects.create(election=election, facility=blora, number="999", capacity=10)
    services.link_action_item(item=item, obj=gone, label="TPS 999 (dihapus)")
    gone.delete()
    page = client_for(operator).get(item.get_absolute_url()).content.decode()
    assert "TPS 999 (dihapus)" in page


def test_a_nik_written_in_a_reference_is_masked(meeting, blora, observer, client_for):
    item = make_item(meeting, institution(blora, "Disdukcapil"), due=dt.date(2024, 11, 20))
    link = services.link_action_item(item=item, label="WBP NIK 3316012506614204 belum rekam")
    assert link.label == "WBP NIK 331601********** belum rekam"
    page = client_for(observer).get(item.get_absolute_url()).content.decode()
    assert "331601**********" in page
    assert "3316012506614204" not in page


def test_the_open_follow_ups_figure_counts_as_of_a_day(meeting, blora, operator):
    with time_machine.travel("2024-11-18 10:00 +0700", tick=False):
        early = make_item(meeting, institution(blora, "KPU"), due=dt.date(2024, 11, 20))
    with time_machine.travel("2024-11-22 10:00 +0700", tick=False):
        make_item(meeting, institution(blora, "KPU"), due=dt.date(2024, 11, 26))
        services.set_action_status(item=early, status="done", user=operator)
    count = figures.open_action_items
    assert count(blora, meeting.election, dt.date(2024, 11, 19)) == 1
    assert count(blora, meeting.election, dt.date(2024, 11, 21)) == 1
    assert count(blora, meeting.election, dt.date(2024, 11, 22)) == 1  # one closed, one opened


@time_machine.travel(TODAY, tick=False)
def test_the_home_page_panel_counts_open_and_overdue_follow_ups(
    follow_ups, rembang_meeting, rembang, observer, client_for
):
    make_item(rembang_meeting, institution(rembang, "KPU"), due=dt.date(2024, 11, 1))
    response = client_for(observer).get(reverse("home"))
    panels = response.context["panels"]
    panel = next(p for p in panels if p["title"] == "Koordinasi dan tindak lanjut")
    values = {label: value for label, value, _url in panel["items"]}
    assert values["Tindak lanjut belum selesai"] == 4
    assert values["Terlambat"] == 3
    assert selectors.counts_for(observer)["overdue"] == 3


@time_machine.travel(TODAY, tick=False)
def test_the_overdue_command_prints_each_institution_and_a_summary(follow_ups):
    out = StringIO()
    call_command("overdue_actions", "--facility", "RUTAN-BLORA", stdout=out)
    text = out.getvalue()
    assert "Dinas Kependudukan dan Pencatatan Sipil Kabupaten Blora (2):" in text
    assert "Rekam KTP-el — batas 20-11-2024 (lewat 5 hari)" in text
    assert text.strip().endswith("3 tindak lanjut terlambat pada 2 instansi per 25-11-2024.")


def test_the_overdue_command_refuses_an_unknown_facility():
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="tidak ditemukan"):
        call_command("overdue_actions", "--facility", "NOPE", stdout=StringIO())


def test_status_changes_are_audited_with_the_actor(follow_ups, kpu):
    services.set_action_status(item=follow_ups["record"], status="done", user=kpu)
    event = AuditEvent.objects.filter(object_id=str(follow_ups["record"].pk)).latest("created_at")
    assert (event.actor, event.detail) == (kpu, {"from": "open", "to": "done"})


def test_a_second_facilitys_follow_ups_stay_out_of_the_list(
    follow_ups, rembang_meeting, rembang, outsider, operator, client_for
):
    make_item(
        rembang_meeting,
        institution(rembang, "KPU"),
        due=dt.date(2024, 11, 1),
        title="Urusan Rembang",
    )
    blora_page = (
        client_for(operator)
        .get(reverse("coordination:action_list"), {"status": "semua"})
        .content.decode()
    )
    assert "Urusan Rembang" not in blora_page
    rembang_page = (
        client_for(outsider)
        .get(reverse("coordination:action_list"), {"status": "semua"})
        .content.decode()
    )
    assert "Urusan Rembang" in rembang_page
    assert "Rekam KTP-el" not in rembang_page
