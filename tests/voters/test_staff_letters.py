"""The facility's officers on the TPS's lists (CONTRACT.md "Letters", issue 15): they get a
letter as inmates do, once each, in list order, are in the delivery and polling-day registers,
and are the entries the reconciliation names PETUGAS (rules.match.officer_of, one rule)."""

import datetime as dt
from dataclasses import dataclass
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.db.models import Max
from django.urls import reverse
from pages_letters import build_letter_world, nik_for
from pdfs import page_count

from voters.letters import polling
from voters.letters import services as service
from voters.letters.services import LetterError
from voters.models import LetterDelivery, ListEntry, PollingCheckIn, StaffMember, VoterList
from voters.reconciliation.services import reconcile
from voters.rules import nik as nik_rules

pytestmark = pytest.mark.django_db

WIB = dt.timezone(dt.timedelta(hours=7))
H_MINUS_5 = dt.datetime(2024, 11, 22, 9, 0, tzinfo=WIB)
POLLING_MORNING = dt.datetime(2024, 11, 27, 9, 5, tzinfo=WIB)


def officer(facility, name, birth, *, sex="L", serial, position="", nik=None):
    nik = nik or nik_for(birth, sex, serial)
    return StaffMember.objects.create(
        facility=facility, nik=nik, nik_valid=nik_rules.is_full(nik), name=name,
        birth_date=birth, sex=sex, position=position,
    )


def append(tps, kind, member, *, alamat="ASRAMA PETUGAS RUTAN"):
    """Add ``member`` at the end of the TPS's ``kind`` list, as the KPU lists them."""
    voter_list = VoterList.objects.get(tps=tps, kind=kind)
    position = (voter_list.entries.aggregate(n=Max("position"))["n"] or 0) + 1
    return ListEntry.objects.create(
        voter_list=voter_list, position=position, row_number=position + 1, nik=member.nik,
        nik_format=str(nik_rules.check(member.nik).status), nama=member.name.upper(),
        tanggal_lahir=member.birth_date, jenis_kelamin=member.sex, alamat=alamat,
        rt="001", rw="004", kelurahan="TEMPELAN", kecamatan="BLORA",
    )


@dataclass
class OfficerWorld:
    letters: object  # the LetterWorld of pages_letters
    andi: StaffMember  # on the DPT and the DPTb
    rini: StaffMember  # on the DPT only
    andi_dpt: ListEntry
    andi_dptb: ListEntry
    rini_dpt: ListEntry
    stranger: ListEntry  # an officer of another facility: no letter here


@pytest.fixture
def world(tps901, rembang):
    letters = build_letter_world(tps901)  # DPT 1-4 and DPTb 1-2: four inmates get letters
    facility = tps901.facility
    andi = officer(facility, "Andi Kurniawan", dt.date(1986, 4, 4), serial=901,
                   position="Regu Pengamanan")
    rini = officer(facility, "Rini Astuti", dt.date(1991, 8, 19), sex="P", serial=902,
                   position="Petugas Registrasi")
    officer(facility, "Heru Santoso", dt.date(1979, 2, 2), serial=903)  # on no list
    elsewhere = officer(rembang, "Yusuf Hidayat", dt.date(1983, 6, 6), serial=904)
    andi_dpt = append(tps901, "DPT", andi)
    rini_dpt = append(tps901, "DPT", rini)
    stranger = append(tps901, "DPT", elsewhere)
    andi_dptb = append(tps901, "DPTB", andi)
    return OfficerWorld(letters, andi, rini, andi_dpt, andi_dptb, rini_dpt, stranger)


def test_officers_on_the_lists_get_one_letter_each_in_list_order(world, tps901):
    voters = service.recipients(tps901)
    assert [(v.list_kind, v.number) for v in voters] == [
        ("DPT", 1), ("DPT", 2), ("DPT", 4), ("DPT", 5), ("DPT", 6), ("DPTB", 1)]
    officers = [v for v in voters if v.staff is not None]
    assert [(v.entry, v.staff.nama, v.inmate) for v in officers] == [
        (world.andi_dpt, "Andi Kurniawan", None), (world.rini_dpt, "Rini Astuti", None)]
    assert [v.inmate for v in voters if v.staff is None] == world.letters.inside


def test_an_officers_letter_prints_the_list_entrys_own_data(world, tps901):
    context = service.letters_context(tps=tps901, voters=service.recipients(tps901))
    andi = next(letter for letter in context["letters"] if letter["nama"] == "ANDI KURNIAWAN")
    assert andi["nik"] == world.andi.nik  # the voter's own letter: the full NIK
    assert andi["alamat"].startswith("ASRAMA PETUGAS RUTAN, RT 001/RW 004, Kel./Desa TEMPELAN")
    assert (andi["list_label"], andi["number"]) == ("DPT", 5)
    assert (andi["blok"], andi["no_registrasi"]) == ("", "")
    assert andi["window"]


def test_officers_have_no_cell_block_so_a_block_leaves_them_out(world, tps901):
    assert [v.inmate.nama for v in service.recipients(tps901, block="B")] == [
        "SITI AMINAH", "AGUS PRASETYO"]
    assert service.blocks_of(service.recipients(tps901)) == ["A", "B"]


def test_render_notices_has_one_page_per_voter_officers_included(world, tps901, tmp_path):
    target = tmp_path / "surat.pdf"
    out = StringIO()
    call_command("render_notices", "--election", "PILKADA2024", "--tps", "901", "-o",
                 str(target), stdout=out)
    assert page_count(target.read_bytes()) == 6  # four inmates and two officers
    assert "6 surat" in out.getvalue()
    target = tmp_path / "blok-a.pdf"
    call_command("render_notices", "--election", "PILKADA2024", "--tps", "901", "-o",
                 str(target), "--block", "A", stdout=StringIO())
    assert page_count(target.read_bytes()) == 2


def test_an_entry_an_inmate_holds_is_the_inmates_even_if_an_officer_shares_its_nik(
    world, tps901
):
    # The released inmate's NIK also on the staff roster: DPT 3 stays his (no letter).
    officer(tps901.facility, "Joko Wibowo", dt.date(1979, 1, 20), serial=905,
            nik=world.letters.released.nik)
    voters = service.recipients(tps901)
    assert ("DPT", 3) not in [(v.list_kind, v.number) for v in voters]
    row = next(v for v in polling.register_voters(tps901) if (v.list_kind, v.number) == ("DPT", 3))
    assert (row.inmate, row.staff) == (world.letters.released, None)


def test_the_reconciliation_names_petugas_exactly_the_entries_with_an_officers_letter(
    world, tps901
):
    run = reconcile(election=tps901.election, facility=tps901.facility,
                    today=dt.date(2024, 11, 2))
    petugas = {int(e) for item in run.items.filter(category="PETUGAS") for e in item.entry_ids}
    assert petugas == {world.andi_dpt.pk, world.andi_dptb.pk, world.rini_dpt.pk}
    register = polling.register_voters(tps901)
    assert {v.entry.pk for v in register if v.staff is not None} == petugas
    stranger = next(i for i in run.items.all() if str(world.stranger.pk) in map(str, i.entry_ids))
    assert stranger.category == "TIDAK_DIKENAL"


def test_a_kpps_officer_records_the_delivery_of_an_officers_letter(world, tps901, kpps,
                                                                   client_for):
    andi = next(v for v in service.recipients(tps901) if v.entry == world.andi_dpt)
    url = reverse("deliveries", args=[tps901.pk])
    with time_machine.travel(H_MINUS_5, tick=False):
        page = client_for(kpps).get(url).content.decode()
        assert "ANDI KURNIAWAN" in page and "RINI ASTUTI" in page and "petugas UPT" in page
        assert "YUSUF HIDAYAT" not in page
        response = client_for(kpps).post(
            reverse("delivery_mark", args=[tps901.pk]),
            {"key": andi.key, "status": "delivered", "next": url},
        )
        register = service.delivery_register(tps901)
    assert response.status_code == 302
    delivery = LetterDelivery.objects.get()
    assert (delivery.list_kind, delivery.list_number, delivery.inmate, delivery.nama) == (
        "DPT", 5, None, "ANDI KURNIAWAN")
    assert register.counts["total"] == 6 and register.counts["delivered"] == 1
    assert next(v for v in register.voters if v.key == andi.key).delivery == delivery


def test_an_officer_checks_in_once_on_polling_day_whichever_list_row(world, tps901, kpps,
                                                                     client_for):
    rows = [v for v in polling.register_voters(tps901)
            if v.staff is not None and v.staff.nama == world.andi.name]
    assert [(v.list_kind, v.number) for v in rows] == [("DPT", 5), ("DPTB", 3)]
    assert rows[0].key == rows[1].key
    with time_machine.travel(POLLING_MORNING, tick=False):
        page = client_for(kpps).get(reverse("polling", args=[tps901.pk]), {"q": "andi"})
        assert "petugas UPT" in page.content.decode()
        client_for(kpps).post(reverse("polling_check_in", args=[tps901.pk]),
                              {"key": rows[0].key})
        with pytest.raises(LetterError, match="sudah tercatat memilih"):
            polling.check_in(tps=tps901, key=rows[1].key, user=kpps)
        after = {(v.list_kind, v.number): v for v in polling.register_voters(tps901)}
    checkin = PollingCheckIn.objects.get()
    assert (checkin.list_kind, checkin.list_number, checkin.inmate) == ("DPT", 5, None)
    assert after["DPT", 5].checkin == checkin
    assert after["DPTB", 3].extra["voted_elsewhere"] == checkin
    counts = polling.polling_counts(list(after.values()))
    assert counts["total"]["voted"] == 1


def test_the_home_pages_letter_counts_follow_the_staff_roster(world, tps901, kpps):
    """The counts are kept under a fingerprint of their inputs (voters/letters/counts.py): an
    officer removed from the staff roster no longer gets a letter, and the counts say so."""
    from types import SimpleNamespace

    from voters.letters.counts import register_summary

    def total():
        return register_summary(SimpleNamespace(user=kpps), tps901).counts["total"]

    assert total() == 6
    world.rini.delete()
    assert total() == 5 == service.delivery_register(tps901).counts["total"]
