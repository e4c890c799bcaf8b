"""The mobile ballot box (KSK) of a TPS registered with --ksk (issue 16, DOMAIN.md §4 "Police
cells"): the facility's voters to visit, the visit record and its votes in the counts at close."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from conftest import make_user
from django.urls import reverse
from pages_letters import build_letter_world

from voters.core.concurrency import StaleEdit
from voters.letters import ksk as service
from voters.letters import polling
from voters.letters.services import LetterError
from voters.models import AuditEvent, KskVisit, KskVoter, PollingCheckIn
from voters.rules import ksk as ksk_rules

pytestmark = pytest.mark.django_db

WIB = ZoneInfo("Asia/Jakarta")
NIK16 = re.compile(r"(?<!\d)\d{16}(?!\d)")


def at(hour, minute=0, day=27):
    return time_machine.travel(dt.datetime(2024, 11, day, hour, minute, tzinfo=WIB), tick=False)


@pytest.fixture
def ksk_tps(tps901):
    tps901.ksk = True
    tps901.save()
    return tps901


@pytest.fixture
def world(ksk_tps):
    return build_letter_world(ksk_tps)


def voter(tps, list_kind, number):
    return next(v for v in service.ksk_roll(tps).voters
                if v.list_kind == list_kind and v.number == number)


def mark(client, tps, key, outcome, version=0, **extra):
    data = {"key": key, "outcome": outcome, "version": version, "visited": "on", **extra}
    return client.post(reverse("ksk_voter_mark", args=[tps.pk]), data)


def closing_votes(tps):
    counts = polling.polling_counts(polling.register_voters(tps))
    return {row["label"]: row["voted"] for row in counts["rows"]} | {
        "Jumlah": counts["total"]["voted"]}


# -- the rule -------------------------------------------------------------------------------


def test_the_default_visit_is_the_last_hour_of_voting():
    assert ksk_rules.default_window(dt.time(7), dt.time(13)) == (dt.time(12), dt.time(13))
    assert ksk_rules.default_window(dt.time(12, 30), dt.time(13)) == (dt.time(12, 30),
                                                                       dt.time(13))


def test_a_visit_window_ends_after_it_starts_inside_polling_hours():
    hours = {"opens": dt.time(7), "closes": dt.time(13)}
    assert ksk_rules.window_errors(dt.time(12), dt.time(13), **hours) == []
    assert ksk_rules.window_errors(dt.time(12, 30), dt.time(12), **hours) == [
        "Jam selesai kunjungan harus sesudah jam mulai."]
    assert ksk_rules.window_errors(dt.time(12), dt.time(13, 30), **hours) == [
        "Kunjungan harus di dalam jam pemungutan suara, 07.00–13.00."]
    assert ksk_rules.window_errors(None, dt.time(13), **hours)


# -- the page -------------------------------------------------------------------------------


def test_the_kpps_page_lists_the_facilitys_voters_paired_with_its_inmates(world, ksk_tps, kpps,
                                                                         client_for):
    with at(9):
        response = client_for(kpps).get(reverse("ksk_visit", args=[ksk_tps.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    for inmate in world.inside:
        assert inmate.nama in html and inmate.no_registrasi in html
    assert "12.00–13.00" in html  # the default window, not saved by looking
    assert "diperkirakan sudah keluar pada hari H" in html  # JOKO, released before polling day
    assert not KskVisit.objects.exists()
    roll = service.ksk_roll(ksk_tps)
    # BUDI is on the DPT and the DPTb: one person, visited once
    assert [(v.list_kind, v.number, v.inmate.nama) for v in roll.voters] == [
        ("DPT", 1, "BUDI SANTOSO"), ("DPT", 2, "SITI AMINAH"), ("DPT", 3, "JOKO WIBOWO"),
        ("DPT", 4, "AGUS PRASETYO"), ("DPTB", 1, "EKO NUGROHO")]
    assert roll.unpaired == 0 and roll.counts["pending"] == 5


def test_a_tps_without_ksk_says_so(world, tps902, operator, client_for):
    response = client_for(operator).get(reverse("ksk_visit", args=[tps902.pk]))
    assert response.status_code == 200
    assert "TPS ini bukan TPS KSK" in response.content.decode()
    with pytest.raises(LetterError, match="bukan TPS KSK"):
        service.save_visit(tps=tps902, user=operator, starts_at=dt.time(12),
                           ends_at=dt.time(13))


def test_a_ksk_tps_without_lists_says_there_is_nobody_to_visit_yet(ksk_tps, kpps, client_for):
    response = client_for(kpps).get(reverse("ksk_visit", args=[ksk_tps.pk]))
    assert "Belum ada pemilih untuk dikunjungi" in response.content.decode()


def test_the_kpps_saves_the_visit_window_and_who_went(world, ksk_tps, kpps, client_for):
    client = client_for(kpps)
    response = client.post(reverse("ksk_visit_save", args=[ksk_tps.pk]), {
        "starts_at": "12:15", "ends_at": "12.50", "officers": "2 anggota KPPS, saksi, PTPS",
        "note": "Sel tahanan Polres", "version": 0})
    assert response.status_code == 302
    visit = KskVisit.objects.get()
    assert (visit.starts_at, visit.ends_at, visit.version) == (dt.time(12, 15),
                                                               dt.time(12, 50), 1)
    assert visit.officers == "2 anggota KPPS, saksi, PTPS" and visit.updated_by == kpps
    assert AuditEvent.objects.filter(
        action="change", summary="Kunjungan KSK TPS 901: 12.15–12.50").exists()
    page = client.get(reverse("ksk_visit", args=[ksk_tps.pk])).content.decode()
    assert "12.15–12.50" in page and "2 anggota KPPS, saksi, PTPS" in page


def test_a_window_outside_polling_hours_or_ending_before_it_starts_is_refused(
    world, ksk_tps, kpps, client_for
):
    client = client_for(kpps)
    url = reverse("ksk_visit_save", args=[ksk_tps.pk])
    response = client.post(url, {"starts_at": "12:30", "ends_at": "12:00", "version": 0},
                           follow=True)
    assert "Jam selesai kunjungan harus sesudah jam mulai." in response.content.decode()
    response = client.post(url, {"starts_at": "12:00", "ends_at": "13:30", "version": 0},
                           follow=True)
    assert "di dalam jam pemungutan suara, 07.00–13.00" in response.content.decode()
    response = client.post(url, {"starts_at": "siang", "ends_at": "13:00", "version": 0},
                           follow=True)
    assert "JJ:MM" in response.content.decode()
    assert not KskVisit.objects.exists()


def test_a_stale_window_edit_is_refused(world, ksk_tps, kpps, admin_user, client_for):
    service.save_visit(tps=ksk_tps, user=kpps, starts_at=dt.time(12), ends_at=dt.time(13),
                       version=0)
    with pytest.raises(StaleEdit):  # both opened the page before the first visit was saved
        service.save_visit(tps=ksk_tps, user=admin_user, starts_at=dt.time(11),
                           ends_at=dt.time(12), version=0)
    service.save_visit(tps=ksk_tps, user=admin_user, starts_at=dt.time(12, 10),
                       ends_at=dt.time(13), version=1)
    response = client_for(kpps).post(reverse("ksk_visit_save", args=[ksk_tps.pk]), {
        "starts_at": "12:20", "ends_at": "13:00", "version": 1}, follow=True)
    assert "sudah diubah orang lain" in response.content.decode()
    visit = KskVisit.objects.get()
    assert (visit.starts_at, visit.version, visit.updated_by) == (dt.time(12, 10), 2,
                                                                  admin_user)


# -- the visit and the counts at close ------------------------------------------------------


def test_a_ksk_vote_is_a_vote_of_the_tps_counted_once_at_close(world, ksk_tps, kpps,
                                                             client_for):
    client = client_for(kpps)
    eko = voter(ksk_tps, "DPTB", 1)
    with at(12, 10):
        response = mark(client, ksk_tps, eko.key, "memilih")
        page = client.get(reverse("ksk_visit", args=[ksk_tps.pk])).content.decode()
        register = client.get(reverse("polling", args=[ksk_tps.pk])).content.decode()
        with pytest.raises(LetterError, match="sudah tercatat memilih di TPS 901 pukul 12.10"):
            polling.check_in(tps=ksk_tps, key=eko.key, user=kpps)
    assert response.status_code == 302
    record = KskVoter.objects.get()
    checkin = PollingCheckIn.objects.get()
    assert record.checkin == checkin and record.recorded_by == kpps
    assert (checkin.list_kind, checkin.list_number, checkin.by) == ("DPTB", 1, kpps)
    assert "Memilih lewat KSK pukul 12.10" in page
    assert "Di antaranya memilih lewat kotak suara keliling (KSK): 1." in register
    assert closing_votes(ksk_tps) == {"DPT": 0, "DPTb": 0, "DPK": 0, "Jumlah": 0} | {
        "DPTb": 1, "Jumlah": 1}
    assert polling.ksk_votes(ksk_tps) == 1
    assert service.ksk_roll(ksk_tps).counts["voted"] == 1
    assert AuditEvent.objects.filter(summary="Memilih lewat KSK: DPTb 1 TPS 901").exists()
    assert AuditEvent.objects.filter(summary="KSK: DPTb 1 TPS 901 — Memilih").exists()


def test_a_person_who_voted_at_the_tps_is_not_given_a_second_vote_by_the_box(world, ksk_tps,
                                                                          kpps):
    budi = voter(ksk_tps, "DPT", 1)
    with at(9):
        polling.check_in(tps=ksk_tps, key=budi.key, user=kpps)
    with at(12, 5), pytest.raises(LetterError, match="sudah tercatat memilih"):
        service.record_ksk_voter(tps=ksk_tps, user=kpps, key=budi.key, outcome="memilih")
    assert PollingCheckIn.objects.count() == 1 and not KskVoter.objects.exists()
    assert closing_votes(ksk_tps)["Jumlah"] == 1
    assert service.ksk_roll(ksk_tps).counts["voted_before"] == 1


def test_an_absence_is_recorded_with_its_reason_and_lainnya_needs_a_note(world, ksk_tps,
                                                                        kpps):
    siti = voter(ksk_tps, "DPT", 2)
    with at(12, 20):
        with pytest.raises(LetterError, match="Pilih alasan"):
            service.record_ksk_voter(tps=ksk_tps, user=kpps, key=siti.key,
                                     outcome="tidak_memilih")
        with pytest.raises(LetterError, match="lainnya"):
            service.record_ksk_voter(tps=ksk_tps, user=kpps, key=siti.key,
                                     outcome="tidak_memilih", reason="lainnya")
        record = service.record_ksk_voter(tps=ksk_tps, user=kpps, key=siti.key,
                                          outcome="tidak_memilih", reason="sakit",
                                          visited=True, note="Dirawat di klinik")
    assert (record.outcome, record.reason, record.visited, record.checkin) == (
        "tidak_memilih", "sakit", True, None)
    assert not PollingCheckIn.objects.exists()
    counts = service.ksk_roll(ksk_tps).counts
    assert (counts["absent"], counts["visited"], counts["voted"]) == (1, 1, 0)
    assert ("Sakit", 1) in counts["by_reason"]
    assert AuditEvent.objects.filter(summary="KSK: DPT 2 TPS 901 — Tidak memilih (Sakit)")\
        .exists()


def test_a_ksk_vote_turned_into_an_absence_undoes_the_vote(world, ksk_tps, kpps, client_for):
    client = client_for(kpps)
    eko = voter(ksk_tps, "DPTB", 1)
    with at(12, 10):
        mark(client, ksk_tps, eko.key, "memilih")
        response = mark(client, ksk_tps, eko.key, "tidak_memilih", version=1,
                        reason="dipindahkan", note="Dipindah ke Rutan pagi ini")
    assert response.status_code == 302
    record = KskVoter.objects.get()
    assert (record.outcome, record.reason, record.checkin, record.version) == (
        "tidak_memilih", "dipindahkan", None, 2)
    undone = PollingCheckIn.objects.get()
    assert undone.undone_at is not None and "dipindahkan" in undone.undo_reason.lower()
    assert closing_votes(ksk_tps)["Jumlah"] == 0 and polling.ksk_votes(ksk_tps) == 0


def test_a_ksk_vote_outside_the_visit_or_polling_day_is_refused(world, ksk_tps, kpps):
    eko = voter(ksk_tps, "DPTB", 1)
    with at(10), pytest.raises(LetterError, match="Di luar waktu kunjungan KSK"):
        service.record_ksk_voter(tps=ksk_tps, user=kpps, key=eko.key, outcome="memilih")
    with at(12, 10, day=26), pytest.raises(LetterError, match="hari pemungutan suara"):
        service.record_ksk_voter(tps=ksk_tps, user=kpps, key=eko.key, outcome="memilih")
    with at(12, 10), pytest.raises(LetterError, match="tidak ada di daftar kunjungan"):
        service.record_ksk_voter(tps=ksk_tps, user=kpps, key="wbp:0", outcome="memilih")
    assert not PollingCheckIn.objects.exists() and not KskVoter.objects.exists()


def test_a_stale_voter_record_is_refused(world, ksk_tps, kpps, admin_user, client_for):
    siti = voter(ksk_tps, "DPT", 2)
    with at(12, 30):
        service.record_ksk_voter(tps=ksk_tps, user=kpps, key=siti.key,
                                 outcome="tidak_memilih", reason="menolak")
        admin = client_for(admin_user)
        response = mark(admin, ksk_tps, siti.key, "memilih", version=0)
        follow = admin.get(response.url)
    assert "sudah diubah orang lain" in follow.content.decode()
    assert KskVoter.objects.get().outcome == "tidak_memilih"
    assert not PollingCheckIn.objects.exists()


# -- who may see and edit -------------------------------------------------------------------


def test_the_kpps_of_another_tps_gets_a_404(world, ksk_tps, blora, tps902, client_for):
    other = make_user("dewi", "kpps", blora, "902")
    client = client_for(other)
    eko = voter(ksk_tps, "DPTB", 1)
    assert client.get(reverse("ksk_visit", args=[ksk_tps.pk])).status_code == 404
    with at(12, 10):
        assert mark(client, ksk_tps, eko.key, "memilih").status_code == 404
    response = client.post(reverse("ksk_visit_save", args=[ksk_tps.pk]),
                           {"starts_at": "12:00", "ends_at": "13:00", "version": 0})
    assert response.status_code == 404
    assert not KskVoter.objects.exists() and not KskVisit.objects.exists()


def test_an_outsider_gets_a_404(world, ksk_tps, outsider, client_for):
    assert client_for(outsider).get(reverse("ksk_visit", args=[ksk_tps.pk])).status_code == 404


def test_an_observer_reads_the_visit_masked_and_cannot_edit_it(world, ksk_tps, kpps, observer,
                                                              operator, client_for):
    with at(12, 10):
        service.record_ksk_voter(tps=ksk_tps, user=kpps, key=voter(ksk_tps, "DPTB", 1).key,
                                 outcome="memilih")
        response = client_for(observer).get(reverse("ksk_visit", args=[ksk_tps.pk]))
        refused = mark(client_for(observer), ksk_tps, voter(ksk_tps, "DPT", 2).key, "memilih")
        by_operator = mark(client_for(operator), ksk_tps, voter(ksk_tps, "DPT", 2).key,
                           "memilih")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Memilih lewat KSK pukul 12.10" in html
    assert world.inside[0].nik not in html and not NIK16.search(html)
    assert world.inside[0].nik[:6] in html  # the masked NIK's visible part
    assert reverse("ksk_voter_mark", args=[ksk_tps.pk]) not in html
    assert reverse("ksk_visit_save", args=[ksk_tps.pk]) not in html
    assert (refused.status_code, by_operator.status_code) == (403, 403)
    assert KskVoter.objects.count() == 1


def test_an_admin_may_correct_a_record(world, ksk_tps, admin_user, client_for):
    with at(12, 40):
        response = mark(client_for(admin_user), ksk_tps, voter(ksk_tps, "DPT", 2).key,
                        "tidak_memilih", reason="dibebaskan")
    assert response.status_code == 302
    assert KskVoter.objects.get().recorded_by == admin_user


def test_the_retention_purge_forgets_the_names_and_notes_of_the_visit(world, ksk_tps, kpps):
    from io import StringIO

    from django.core.management import call_command

    with at(12, 20):
        service.save_visit(tps=ksk_tps, user=kpps, starts_at=dt.time(12), ends_at=dt.time(13),
                           note="SITI AMINAH di klinik")
        service.record_ksk_voter(tps=ksk_tps, user=kpps, key=voter(ksk_tps, "DPT", 2).key,
                                 outcome="tidak_memilih", reason="sakit",
                                 note="SITI AMINAH dirawat")
    with time_machine.travel(dt.datetime(2025, 7, 1, 9, tzinfo=dt.UTC), tick=False):
        call_command("purge_personal_data", stdout=StringIO())
    record = KskVoter.objects.get()
    assert (record.nama, record.note, record.reason) == ("", "", "sakit")
    assert KskVisit.objects.get().note == ""
    for model in (KskVoter, KskVisit):
        for event_model in _event_models(model):
            assert not event_model.objects.filter(note__contains="SITI").exists()


def _event_models(model):
    from voters.retention import event_models

    return event_models(model)


def test_the_printed_register_at_close_names_the_votes_of_the_box(world, ksk_tps, kpps):
    with at(12, 10):
        service.record_ksk_voter(tps=ksk_tps, user=kpps, key=voter(ksk_tps, "DPTB", 1).key,
                                 outcome="memilih")
        rendered = polling.render_polling_report(tps=ksk_tps, user=kpps)
    assert "memilih lewat kotak suara keliling (KSK): 1." in rendered.html
    assert rendered.pdf.startswith(b"%PDF")
