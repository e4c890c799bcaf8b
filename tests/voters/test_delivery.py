"""The delivery register (tanda terima): marking on a phone, the H-3 deadline and the recap."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from pages_letters import build_letter_world
from pdfs import page_count

from voters.letters import services as service
from voters.models import AuditEvent, LetterDelivery

pytestmark = pytest.mark.django_db

PHONE = {"HTTP_USER_AGENT": "Mozilla/5.0 (Linux; Android 13; SM-A145F) Mobile Safari/537.36"}
# Jakarta is UTC+7: 02:00 UTC is 09:00 WIB the same day.
H_MINUS_5 = dt.datetime(2024, 11, 22, 2, 0, tzinfo=dt.UTC)
H_MINUS_3 = dt.datetime(2024, 11, 24, 2, 0, tzinfo=dt.UTC)
H_MINUS_2 = dt.datetime(2024, 11, 25, 2, 0, tzinfo=dt.UTC)


@pytest.fixture
def world(tps901):
    return build_letter_world(tps901)


def key_of(tps, inmate):
    return next(v.key for v in service.recipients(tps) if v.inmate == inmate)


def test_the_phone_page_lists_letters_not_yet_delivered_with_one_tap_buttons(
    world, tps901, kpps, client_for
):
    with time_machine.travel(H_MINUS_5, tick=False):
        response = client_for(kpps).get(reverse("deliveries", args=[tps901.pk]), **PHONE)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="viewport" content="width=device-width' in html
    for name in ("BUDI SANTOSO", "SITI AMINAH", "AGUS PRASETYO", "EKO NUGROHO"):
        assert name in html
    assert "JOKO WIBOWO" not in html  # released before polling day: no letter
    assert html.count("Diterima pemilih</button>") == 4
    assert world.inside[0].nik not in html  # the register never shows a full NIK


def test_a_kpps_officer_records_a_delivery_with_one_post(world, tps901, kpps, client_for):
    budi = world.inside[0]
    key = key_of(tps901, budi)
    url = reverse("deliveries", args=[tps901.pk])
    with time_machine.travel(H_MINUS_5, tick=False):
        response = client_for(kpps).post(
            reverse("delivery_mark", args=[tps901.pk]),
            {"key": key, "status": "delivered", "next": url},
            **PHONE,
        )
    assert response.status_code == 302 and response.url == url
    delivery = LetterDelivery.objects.get()
    assert (delivery.status, delivery.inmate, delivery.delivered_by) == ("delivered", budi, kpps)
    assert delivery.delivered_on == dt.date(2024, 11, 22)
    assert (delivery.list_kind, delivery.list_number) == ("DPT", 1)
    assert AuditEvent.objects.filter(action="change", actor=kpps).exists()


def test_delivery_to_a_proxy_needs_the_proxy_name(world, tps901, kpps, client_for):
    key = key_of(tps901, world.inside[1])
    mark = reverse("delivery_mark", args=[tps901.pk])
    client = client_for(kpps)
    with time_machine.travel(H_MINUS_5, tick=False):
        client.post(mark, {"key": key, "status": "delivered_to_proxy"})
        assert not LetterDelivery.objects.exists()
        client.post(mark, {"key": key, "status": "delivered_to_proxy",
                           "proxy_name": "Ibu Aminah (kakak)", "delivered_on": "2024-11-21"})
    delivery = LetterDelivery.objects.get()
    assert delivery.proxy_name == "Ibu Aminah (kakak)"
    assert delivery.delivered_on == dt.date(2024, 11, 21)


def test_an_undeliverable_letter_needs_one_of_the_domain_reasons(world, tps901, kpps,
                                                                client_for):
    key = key_of(tps901, world.inside[2])
    mark = reverse("delivery_mark", args=[tps901.pk])
    client = client_for(kpps)
    with time_machine.travel(H_MINUS_5, tick=False):
        client.post(mark, {"key": key, "status": "undeliverable"})
        assert not LetterDelivery.objects.exists()
        client.post(mark, {"key": key, "status": "undeliverable", "reason": "tidak_di_tempat",
                           "note": "sidang di PN Blora"})
    delivery = LetterDelivery.objects.get()
    assert delivery.get_reason_display() == "Tidak di tempat / keluar rutan"
    assert set(LetterDelivery.Reason.values) == {
        "meninggal", "pindah_domisili", "pindah_memilih", "tidak_dikenal", "tidak_di_tempat",
        "lainnya",
    }


def test_a_correction_updates_the_one_row_of_that_letter(world, tps901, kpps):
    key = key_of(tps901, world.inside[0])
    with time_machine.travel(H_MINUS_5, tick=False):
        service.record_delivery(tps=tps901, key=key, status="undeliverable",
                                reason="tidak_dikenal", user=kpps)
        service.record_delivery(tps=tps901, key=key, status="delivered", user=kpps)
    delivery = LetterDelivery.objects.get()
    assert (delivery.status, delivery.reason) == ("delivered", "")


def test_a_mark_made_by_mistake_can_be_cleared(world, tps901, kpps, client_for):
    key = key_of(tps901, world.inside[0])
    with time_machine.travel(H_MINUS_5, tick=False):
        service.record_delivery(tps=tps901, key=key, status="delivered", user=kpps)
        client_for(kpps).post(reverse("delivery_clear", args=[tps901.pk]), {"key": key})
    assert not LetterDelivery.objects.exists()


def test_dates_in_the_future_or_after_polling_day_are_refused(world, tps901, kpps):
    key = key_of(tps901, world.inside[0])
    with time_machine.travel(H_MINUS_5, tick=False), pytest.raises(
        service.LetterError, match="masa depan"
    ):
        service.record_delivery(tps=tps901, key=key, status="delivered", user=kpps,
                                delivered_on=dt.date(2024, 11, 23))
    with pytest.raises(service.LetterError, match="sesudah hari pemungutan"):
        service.record_delivery(tps=tps901, key=key, status="delivered", user=kpps,
                                delivered_on=dt.date(2024, 11, 28), today=dt.date(2024, 12, 1))


def test_a_voter_who_gets_no_letter_cannot_be_marked(world, tps901, kpps):
    key = service.voter_key(inmate_id=world.released.pk)
    with pytest.raises(service.LetterError, match="tidak ada di daftar penerima"):
        service.record_delivery(tps=tps901, key=key, status="delivered", user=kpps,
                                today=dt.date(2024, 11, 20))


def test_kpps_of_tps_901_cannot_mark_letters_of_tps_902(world, tps901, tps902, kpps,
                                                       client_for):
    response = client_for(kpps).post(
        reverse("delivery_mark", args=[tps902.pk]),  # same facility, another TPS
        {"key": key_of(tps901, world.inside[0]), "status": "delivered"},
    )
    assert response.status_code == 404
    assert not LetterDelivery.objects.exists()


def test_observers_read_the_register_but_cannot_mark(world, tps901, observer, client_for):
    client = client_for(observer)
    page = client.get(reverse("deliveries", args=[tps901.pk]))
    assert page.status_code == 200 and b"Diterima pemilih</button>" not in page.content
    response = client.post(reverse("delivery_mark", args=[tps901.pk]),
                           {"key": key_of(tps901, world.inside[0]), "status": "delivered"})
    assert response.status_code == 403


# -- H-3 ----------------------------------------------------------------------------------------


def test_letters_not_delivered_by_h_minus_3_stand_out(world, tps901, kpps, client_for):
    budi, siti = world.inside[0], world.inside[1]
    with time_machine.travel(H_MINUS_5, tick=False):
        service.record_delivery(tps=tps901, key=key_of(tps901, budi), status="delivered",
                                user=kpps)
        early = client_for(kpps).get(reverse("deliveries", args=[tps901.pk]), {"status": "semua"})
    assert b"letter-card late" not in early.content
    with time_machine.travel(H_MINUS_3, tick=False):
        on_the_day = service.delivery_register(tps901)
    assert on_the_day.days_left == 0 and not on_the_day.past_deadline
    assert all(v.extra["due"] for v in on_the_day.voters if v.delivery is None)
    with time_machine.travel(H_MINUS_2, tick=False):
        register = service.delivery_register(tps901)
        late = client_for(kpps).get(reverse("deliveries", args=[tps901.pk]), {"status": "semua"})
    assert register.past_deadline
    late_names = {v.nama for v in register.voters if v.extra["late"]}
    assert late_names == {"SITI AMINAH", "AGUS PRASETYO", "EKO NUGROHO"}
    html = late.content.decode()
    assert html.count("letter-card late") == 3
    assert "Lewat batas H-3" in html and "3 surat belum diserahkan sampai batas" in html
    assert siti.nama in html


def test_the_deadline_follows_the_elections_letter_days(world, tps901, election):
    election.letter_days = 2
    election.save()
    with time_machine.travel(H_MINUS_2, tick=False):
        register = service.delivery_register(tps901)
    assert register.deadline == dt.date(2024, 11, 25) and not register.past_deadline


def test_the_home_page_shows_letters_delivered_and_days_to_h_minus_3(world, tps901, kpps,
                                                                    client_for):
    with time_machine.travel(H_MINUS_5, tick=False):
        service.record_delivery(tps=tps901, key=key_of(tps901, world.inside[0]),
                                status="delivered", user=kpps)
        html = client_for(kpps).get(reverse("home")).content.decode()
    assert "Surat pemberitahuan TPS 901" in html
    assert "Hari menuju batas H-3 (24-11-2024)" in html


# -- the recap ----------------------------------------------------------------------------------


def test_the_recap_pdf_counts_each_outcome_and_is_audited(world, tps901, kpps, client_for):
    budi, siti, agus, _eko = world.inside
    with time_machine.travel(H_MINUS_5, tick=False):
        service.record_delivery(tps=tps901, key=key_of(tps901, budi), status="delivered",
                                user=kpps)
        service.record_delivery(tps=tps901, key=key_of(tps901, siti),
                                status="delivered_to_proxy", proxy_name="Ibu", user=kpps)
        service.record_delivery(tps=tps901, key=key_of(tps901, agus), status="undeliverable",
                                reason="pindah_memilih", user=kpps)
    with time_machine.travel(H_MINUS_2, tick=False):
        register = service.delivery_register(tps901)
        response = client_for(kpps).get(reverse("delivery_recap_pdf", args=[tps901.pk]))
        rendered = service.render_recap(tps=tps901, user=kpps)
    assert register.counts == {"total": 4, "delivered": 1, "delivered_to_proxy": 1,
                               "undeliverable": 1, "pending": 1, "delivered_all": 2}
    assert register.reasons == {"Pindah memilih": 1}
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert page_count(response.content) >= 1
    html = rendered.html
    assert "REKAP PEMBAGIAN SURAT PEMBERITAHUAN" in html
    assert "Pindah memilih 1" in html
    assert "1 surat belum diserahkan sampai batas H-3" in html
    assert 'class="late"' in html and html.count('class="late"') == 1
    assert budi.nik not in html
    event = AuditEvent.objects.filter(action="print", actor=kpps).first()
    assert event is not None and event.row_count >= 1 and len(event.sha256) == 64


def test_the_recap_breaks_counts_down_by_cell_block(world, tps901):
    register = service.delivery_register(tps901, today=dt.date(2024, 11, 20))
    assert [(b["blok"], b["total"]) for b in register.by_block] == [("A", 2), ("B", 2)]


def test_the_demo_records_some_deliveries_once_lists_exist_and_only_once(world, tps901, kpps,
                                                                          election, blora):
    from voters.demo.letters import populate

    with time_machine.travel(H_MINUS_5, tick=False):
        first = populate(facility=blora, election=election, count=0)
        recorded = LetterDelivery.objects.count()
        second = populate(facility=blora, election=election, count=0)
    assert "penerima" in first and recorded >= 1 and second == ""
    assert LetterDelivery.objects.count() == recorded


def test_the_audit_trail_names_each_delivery_by_its_list_number_and_tps(world, tps901, kpps):
    key = key_of(tps901, world.inside[0])
    with time_machine.travel(H_MINUS_5, tick=False):
        delivery = service.record_delivery(tps=tps901, key=key, status="delivered", user=kpps)
        service.clear_delivery(tps=tps901, key=key, user=kpps)
        service.render_recap(tps=tps901, user=kpps)
    assert (delivery.list_kind, delivery.list_number) == ("DPT", 1)
    summaries = list(AuditEvent.objects.filter(action__in=["change", "print"])
                     .order_by("pk").values_list("summary", flat=True))
    assert summaries == [
        "Tanda terima DPT 1 TPS 901: Diterima pemilih",
        "Tanda terima DPT 1 TPS 901 dibatalkan",
        "Cetak rekap pembagian C.Pemberitahuan TPS 901",
    ]
