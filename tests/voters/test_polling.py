"""Polling day at the TPS: the check-in register, undo, DPK in the last hour, the counts."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from pages_letters import build_letter_world, make_inmate, make_list, nik_for
from pdfs import page_count

from voters.letters import polling as service
from voters.letters import services as letter_service
from voters.letters.services import LetterError
from voters.models import AuditEvent, PollingCheckIn

pytestmark = pytest.mark.django_db

WIB = ZoneInfo("Asia/Jakarta")


def at(hour, minute=0, day=27):
    return time_machine.travel(dt.datetime(2024, 11, day, hour, minute, tzinfo=WIB), tick=False)


@pytest.fixture
def world(tps901):
    # DPK is off unless the election allows it, and only for the TPS's own desa/kelurahan
    # (DOMAIN.md §4): on here, with the kecamatan of the world's addresses as the TPS's area.
    tps901.election.allow_dpk = True
    tps901.election.save()
    tps901.kode_wilayah = "33.16.01"
    tps901.save()
    return build_letter_world(tps901)


@pytest.fixture
def rudi(blora):
    """Inside, eligible, KTP-el in Blora, on no list: a DPK voter."""
    return make_inmate(blora, "BIIa.077/2024", "RUDI HARTONO", birth=dt.date(1994, 4, 4),
                       blok="C", serial=77)


def voter(tps, list_kind, number):
    return next(v for v in service.register_voters(tps)
                if v.list_kind == list_kind and v.number == number)


def test_a_kpps_officer_marks_a_voter_as_voted_from_the_phone_page(world, tps901, kpps,
                                                                  client_for):
    client = client_for(kpps)
    budi = voter(tps901, "DPT", 1)
    with at(9, 5):
        page = client.get(reverse("polling", args=[tps901.pk]), {"q": "budi"})
        assert page.content.decode().count("Hadir — sudah memilih") == 2  # on DPT and DPTb
        response = client.post(reverse("polling_check_in", args=[tps901.pk]), {"key": budi.key})
        after = client.get(reverse("polling", args=[tps901.pk]), {"q": "DPT 1"})
    assert response.status_code == 302
    checkin = PollingCheckIn.objects.get()
    assert (checkin.list_kind, checkin.list_number, checkin.by) == ("DPT", 1, kpps)
    assert timezone_hm(checkin.voted_at) == "09.05"
    assert "Sudah memilih pukul 09.05" in after.content.decode()
    assert AuditEvent.objects.filter(action="change", summary__startswith="Hadir").exists()


def timezone_hm(value):
    return value.astimezone(WIB).strftime("%H.%M")


def test_the_register_finds_a_voter_by_registration_number_name_or_list_number(world, tps901):
    voters = service.register_voters(tps901)
    assert [v.nama for v in letter_service.search_voters(voters, "BI.002")] == ["SITI AMINAH"]
    assert [v.nama for v in letter_service.search_voters(voters, "siti")] == ["SITI AMINAH"]
    assert [v.nama for v in letter_service.search_voters(voters, "DPT 4")] == ["AGUS PRASETYO"]
    assert [v.nama for v in letter_service.search_voters(voters, "dptb 1")] == ["EKO NUGROHO"]
    assert {(v.list_kind, v.number) for v in letter_service.search_voters(voters, "2")} == {
        ("DPT", 2), ("DPTB", 2)}


def test_the_register_holds_every_list_voter_even_those_released(world, tps901):
    voters = service.register_voters(tps901)
    assert [(v.list_kind, v.number) for v in voters] == [
        ("DPT", 1), ("DPT", 2), ("DPT", 3), ("DPT", 4), ("DPTB", 1), ("DPTB", 2)]
    assert voter(tps901, "DPT", 3).inmate == world.released
    assert voter(tps901, "DPT", 4).inmate == world.masked  # masked NIK, name and birth date


def test_nobody_is_checked_in_before_polling_hours_or_on_another_day(world, tps901, kpps):
    key = voter(tps901, "DPT", 2).key
    with at(6, 59), pytest.raises(LetterError, match="mulai pukul 07.00"):
        service.check_in(tps=tps901, key=key, user=kpps)
    with at(9, day=26), pytest.raises(LetterError, match="hari pemungutan"):
        service.check_in(tps=tps901, key=key, user=kpps)
    assert not PollingCheckIn.objects.exists()


def test_dptb_voters_wait_for_the_elections_dptb_hour_when_one_is_set(world, tps901, kpps,
                                                                     election):
    election.dptb_start = dt.time(11, 0)
    election.save()
    key = voter(tps901, "DPTB", 1).key
    with at(10, 30), pytest.raises(LetterError, match="DPTb baru dapat dilayani"):
        service.check_in(tps=tps901, key=key, user=kpps)
    with at(11, 0):
        service.check_in(tps=tps901, key=key, user=kpps)
    assert PollingCheckIn.objects.get().list_kind == "DPTB"


def test_a_person_on_two_lists_votes_once(world, tps901, kpps):
    with at(8):
        service.check_in(tps=tps901, key=voter(tps901, "DPT", 1).key, user=kpps)
        with pytest.raises(LetterError, match="sudah tercatat memilih"):
            service.check_in(tps=tps901, key=voter(tps901, "DPTB", 2).key, user=kpps)
    assert PollingCheckIn.objects.count() == 1
    duplicate = voter(tps901, "DPTB", 2)
    assert duplicate.checkin is None and duplicate.extra["voted_elsewhere"].list_number == 1


def test_a_check_in_is_undone_only_with_a_reason_and_the_voter_can_then_be_marked(
    world, tps901, kpps, client_for
):
    client = client_for(kpps)
    key = voter(tps901, "DPT", 2).key
    with at(9):
        checkin = service.check_in(tps=tps901, key=key, user=kpps)
        client.post(reverse("polling_undo", args=[tps901.pk]), {"checkin": checkin.pk})
        checkin.refresh_from_db()
        assert checkin.undone_at is None
        client.post(reverse("polling_undo", args=[tps901.pk]),
                    {"checkin": checkin.pk, "reason": "salah pilih baris, orangnya DPT 1"})
        checkin.refresh_from_db()
        assert checkin.undone_at is not None and checkin.undone_by == kpps
        assert checkin.undo_reason == "salah pilih baris, orangnya DPT 1"
        again = service.check_in(tps=tps901, key=key, user=kpps)
        page = client.get(reverse("polling", args=[tps901.pk]))
    assert PollingCheckIn.objects.count() == 2 and again.undone_at is None
    assert "salah pilih baris" in page.content.decode()


# -- DPK in the last hour -------------------------------------------------------------------------


def dpk(tps, user, inmate, **extra):
    data = {"nik": inmate.nik, "nama": inmate.nama, "tanggal_lahir": inmate.tanggal_lahir,
            "jenis_kelamin": inmate.jenis_kelamin, **extra}
    return service.add_dpk_voter(tps=tps, user=user, **data)


def test_dpk_voters_are_added_only_in_the_last_hour(world, tps901, kpps, rudi, client_for):
    client = client_for(kpps)
    with at(11, 59):
        with pytest.raises(LetterError, match="DPK baru dapat dilayani mulai pukul 12.00"):
            dpk(tps901, kpps, rudi)
        page = client.get(reverse("polling", args=[tps901.pk]))
        assert "Tambahkan DPK dan catat hadir" not in page.content.decode()
    with at(12, 10):
        page = client.get(reverse("polling", args=[tps901.pk]))
        assert "Tambahkan DPK dan catat hadir" in page.content.decode()
        response = client.post(reverse("polling_add_dpk", args=[tps901.pk]), {
            "nik": rudi.nik, "nama": "RUDI HARTONO", "tanggal_lahir": "1994-04-04",
            "jenis_kelamin": "L"})
    assert response.status_code == 302
    added = PollingCheckIn.objects.get()
    assert (added.list_kind, added.list_number, added.is_dpk_addition) == ("DPK", 1, True)
    assert added.inmate == rudi and added.kode_wilayah == "33.16.01"
    assert voter(tps901, "DPK", 1).extra["added"]


def test_the_dpk_hour_is_election_data(world, tps901, kpps, rudi, election):
    election.dpk_start = dt.time(11, 30)
    election.save()
    with at(11, 45):
        dpk(tps901, kpps, rudi)
    assert PollingCheckIn.objects.filter(is_dpk_addition=True).count() == 1


def test_dpk_needs_a_valid_ktp_nik_that_agrees_with_the_birth_date(world, tps901, kpps, rudi):
    with at(12, 30):
        with pytest.raises(LetterError, match="NIK KTP-el tidak sah"):
            dpk(tps901, kpps, rudi, nik="3316")
        with pytest.raises(LetterError, match="tidak cocok"):
            dpk(tps901, kpps, rudi, tanggal_lahir=dt.date(1994, 4, 5))
    assert not PollingCheckIn.objects.exists()


def test_dpk_is_only_for_an_inmate_inside_and_on_no_list(world, tps901, kpps, blora):
    stranger_nik = nik_for(dt.date(1980, 1, 1), serial=999)
    with at(12, 30):
        with pytest.raises(LetterError, match="tidak ditemukan pada WBP"):
            service.add_dpk_voter(tps=tps901, user=kpps, nik=stranger_nik,
                                  tanggal_lahir=dt.date(1980, 1, 1), jenis_kelamin="L")
        siti = world.inside[1]
        with pytest.raises(LetterError, match="sudah terdaftar di DPT nomor 2"):
            dpk(tps901, kpps, siti)
        agus = world.masked  # listed with a masked NIK: found by name and birth date
        with pytest.raises(LetterError, match="sudah terdaftar di DPT nomor 4"):
            dpk(tps901, kpps, agus)
        gone = make_inmate(blora, "X.9", "DANANG", birth=dt.date(1990, 1, 1), serial=91,
                           keluar=dt.date(2024, 11, 20))
        with pytest.raises(LetterError, match="sudah tidak berada"):
            dpk(tps901, kpps, gone)
    assert not PollingCheckIn.objects.exists()


def test_dpk_in_a_pilkada_needs_a_ktp_address_in_the_region(world, tps901, kpps, blora):
    outsider = make_inmate(blora, "X.8", "WAHYU", birth=dt.date(1991, 3, 3), serial=88,
                           kode_wilayah="35.22.01")
    revoked = make_inmate(blora, "X.7", "TEGUH", birth=dt.date(1992, 3, 3), serial=87)
    revoked.hak_pilih_dicabut = True
    revoked.save()
    with at(12, 30):
        with pytest.raises(LetterError, match="di luar wilayah"):
            dpk(tps901, kpps, outsider)
        with pytest.raises(LetterError, match="Tidak memenuhi syarat"):
            dpk(tps901, kpps, revoked)
        # The KPPS reads the KTP-el: a Blora address given at the TPS is accepted.
        dpk(tps901, kpps, outsider, kode_wilayah="33.16.01.2001")
    assert PollingCheckIn.objects.get().nama == "WAHYU"


def test_an_inmate_without_a_roster_nik_is_added_by_registration_number(world, tps901, kpps,
                                                                       blora):
    nik = nik_for(dt.date(1993, 6, 6), serial=66)
    inmate = make_inmate(blora, "BI.066/2024", "FAJAR", birth=dt.date(1993, 6, 6), nik="")
    with at(12, 5):
        service.add_dpk_voter(tps=tps901, user=kpps, nik=nik, no_registrasi="bi.066/2024",
                              tanggal_lahir=dt.date(1993, 6, 6), jenis_kelamin="L")
    added = PollingCheckIn.objects.get()
    assert added.inmate == inmate and added.nik == nik


# -- counts and the report ------------------------------------------------------------------------


def test_the_counts_are_by_list_and_sex_with_turnout(world, tps901, kpps, rudi):
    with at(9):
        service.check_in(tps=tps901, key=voter(tps901, "DPT", 1).key, user=kpps)
        service.check_in(tps=tps901, key=voter(tps901, "DPT", 2).key, user=kpps)
        service.check_in(tps=tps901, key=voter(tps901, "DPTB", 1).key, user=kpps)
    with at(12, 20):
        dpk(tps901, kpps, rudi, disabilitas=True)
    counts = service.polling_counts(service.register_voters(tps901))
    rows = {r["label"]: r for r in counts["rows"]}
    assert (rows["DPT"]["reg_l"], rows["DPT"]["reg_p"], rows["DPT"]["reg"]) == (3, 1, 4)
    assert (rows["DPT"]["voted_l"], rows["DPT"]["voted_p"], rows["DPT"]["voted"]) == (1, 1, 2)
    assert rows["DPT"]["turnout"] == 50.0
    assert (rows["DPTb"]["reg"], rows["DPTb"]["voted"]) == (2, 1)
    assert (rows["DPK"]["reg"], rows["DPK"]["voted"]) == (1, 1)
    total = counts["total"]
    assert (total["reg"], total["voted"], total["turnout"]) == (7, 4, 57.1)
    assert counts["disabled"] == {"registered": 1, "voted": 1}
    assert counts["dpk_added"] == 1


def test_the_register_and_counts_print_at_close(world, tps901, kpps, client_for):
    with at(9):
        service.check_in(tps=tps901, key=voter(tps901, "DPT", 2).key, user=kpps)
    with at(13, 5):
        response = client_for(kpps).get(reverse("polling_report_pdf", args=[tps901.pk]))
        rendered = service.render_polling_report(tps=tps901, user=kpps)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert page_count(response.content) >= 1
    assert "DAFTAR HADIR PEMILIH DAN REKAP PENGGUNA HAK PILIH" in rendered.html
    assert "SITI AMINAH" in rendered.html and "09.00" in rendered.html
    assert world.inside[1].nik not in rendered.html
    assert AuditEvent.objects.filter(action="print", actor=kpps,
                                     summary__contains="daftar hadir").count() == 2


# -- permissions ---------------------------------------------------------------------------------


def test_kpps_of_tps_901_cannot_touch_the_register_of_tps_902(world, tps901, tps902, kpps,
                                                             client_for):
    client = client_for(kpps)
    with at(9):
        assert client.get(reverse("polling", args=[tps902.pk])).status_code == 404
        response = client.post(reverse("polling_check_in", args=[tps902.pk]),
                               {"key": voter(tps901, "DPT", 1).key})
    assert response.status_code == 404 and not PollingCheckIn.objects.exists()


def test_observers_read_the_register_but_cannot_mark_votes(world, tps901, observer,
                                                          client_for):
    client = client_for(observer)
    with at(9):
        page = client.get(reverse("polling", args=[tps901.pk]))
        response = client.post(reverse("polling_check_in", args=[tps901.pk]),
                               {"key": voter(tps901, "DPT", 1).key})
    assert page.status_code == 200 and "Hadir — sudah memilih" not in page.content.decode()
    assert response.status_code == 403


def test_a_dpk_voters_nik_is_masked_on_the_page_for_the_kpps(world, tps901, kpps, rudi,
                                                             client_for):
    with at(12, 30):
        dpk(tps901, kpps, rudi)
        html = client_for(kpps).get(reverse("polling", args=[tps901.pk])).content.decode()
    assert rudi.nik not in html and rudi.nik[:6] + "*" * 10 in html


# Contract 2: DPK only where the election allows it, for people on no list of the TPS's own
# desa/kelurahan; every check-in closes with the TPS (DOMAIN.md §4).


def test_dpk_is_refused_unless_the_election_allows_it_at_this_tps(world, tps901, kpps, rudi):
    tps901.election.allow_dpk = False
    tps901.election.save()
    tps901.refresh_from_db()
    with at(12, 30), pytest.raises(LetterError, match="DPK tidak dilayani"):
        dpk(tps901, kpps, rudi)
    assert not PollingCheckIn.objects.exists()


def test_dpk_is_only_for_a_ktp_address_in_the_tps_desa(world, tps901, kpps, rudi):
    tps901.kode_wilayah = "33.16.01.2001"
    tps901.save()
    with at(12, 30):
        with pytest.raises(LetterError, match="tidak di desa/kelurahan TPS ini"):
            dpk(tps901, kpps, rudi, kode_wilayah="33.16.01.2002")
        dpk(tps901, kpps, rudi, kode_wilayah="33.16.01.2001")
    assert PollingCheckIn.objects.get().kode_wilayah == "33.16.01.2001"


def test_dpk_is_refused_for_someone_on_another_list_of_the_election(world, tps901, tps902, kpps,
                                                                     rudi):
    make_list(tps902, "DPTB", [(rudi.nama, rudi.nik, rudi.tanggal_lahir, "L")])
    with at(12, 30), pytest.raises(LetterError, match="terdaftar di DPTB TPS 902"):
        dpk(tps901, kpps, rudi)
    assert not PollingCheckIn.objects.exists()


def test_every_check_in_is_refused_once_the_tps_closes(world, tps901, kpps, rudi):
    budi = voter(tps901, "DPT", 1)
    with at(13, 0):
        with pytest.raises(LetterError, match="TPS sudah ditutup pukul 13.00"):
            service.check_in(tps=tps901, key=budi.key, user=kpps)
        with pytest.raises(LetterError, match="TPS sudah ditutup"):
            dpk(tps901, kpps, rudi)
        assert service.polling_state(tps901.election) == "closed"
    assert not PollingCheckIn.objects.exists()


def test_the_audit_trail_names_each_vote_by_its_list_number_and_tps(world, tps901, kpps, rudi):
    with at(12, 10):
        checkin = service.check_in(tps=tps901, key=voter(tps901, "DPTB", 1).key, user=kpps)
        service.undo_check_in(tps=tps901, checkin_id=checkin.pk, reason="salah baris", user=kpps)
        dpk(tps901, kpps, rudi)
        service.render_polling_report(tps=tps901, user=kpps)
    summaries = list(AuditEvent.objects.filter(action__in=["change", "print"])
                     .order_by("pk").values_list("summary", flat=True))
    assert summaries == [
        "Hadir memilih: DPTb 1 TPS 901",
        "Batal hadir: DPTb 1 TPS 901",
        "DPK ditambahkan dan hadir: DPK 1 TPS 901",
        "Cetak daftar hadir dan rekap pemungutan TPS 901",
    ]
