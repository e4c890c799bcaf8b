"""rules.transfers (issue 16): one person in two facilities of a regency, by the one matcher.
Plain values, no database."""

import datetime as dt

from voters.rules import transfers
from voters.rules.calendar import Action
from voters.rules.transfers import Stay

POLRES, RUTAN, LAPAS = "POLRES", "RUTAN", "LAPAS"
NIK_AGUS = "3316031505900001"
BORN = dt.date(1990, 5, 15)


def stay(id, facility, *, nama="AGUS SETIAWAN", nik=NIK_AGUS, born=BORN, admitted, left_on=None,
         left_kind=""):
    return Stay(id=id, facility=facility, nama=nama, nik=nik, birth_date=born,
                admitted=admitted, left_on=left_on, left_kind=left_kind)


def day(d, m=11):
    return dt.date(2024, m, d)


def test_a_mutasi_exit_and_an_entry_with_the_same_nik_are_one_move():
    out = stay(1, POLRES, admitted=day(28, 10), left_on=day(5), left_kind="mutasi")
    into = stay(2, RUTAN, admitted=day(5))
    [link] = transfers.find_transfers(exits=[out], entries=[out, into])
    assert (link.exit, link.entry, link.kind) == (out, into, "nik")
    assert not link.needs_review and link.gap_days == 0


def test_name_and_birth_date_without_the_nik_is_a_probable_move_to_review():
    out = stay(1, POLRES, nik="", nama="BUDI SANTOSO", admitted=day(1), left_on=day(6),
               left_kind="mutasi")
    into = stay(2, RUTAN, nik="3316032408718025", nama="Budi Santoso", admitted=day(7))
    [link] = transfers.find_transfers(exits=[out], entries=[into])
    assert link.kind == "probable" and link.needs_review


def test_no_move_without_mutasi_outside_the_window_in_the_same_facility_or_for_a_namesake():
    released = stay(1, POLRES, admitted=day(1), left_on=day(5), left_kind="bebas")
    late = stay(2, POLRES, admitted=day(1), left_on=day(5), left_kind="mutasi")
    assert transfers.find_transfers(
        exits=[released], entries=[stay(3, RUTAN, admitted=day(5))]) == []
    assert transfers.find_transfers(
        exits=[late], entries=[stay(3, RUTAN, admitted=day(20))], window_days=14) == []
    assert len(transfers.find_transfers(
        exits=[late], entries=[stay(3, RUTAN, admitted=day(20))], window_days=15)) == 1
    assert transfers.find_transfers(
        exits=[late], entries=[stay(3, RUTAN, admitted=day(4))]) == []  # entered before leaving
    assert transfers.find_transfers(
        exits=[late], entries=[stay(4, POLRES, admitted=day(6))]) == []  # re-admitted, same place
    namesake = stay(5, RUTAN, nik="", nama="BAMBANG WIBOWO", admitted=day(6))
    assert transfers.find_transfers(exits=[late], entries=[namesake]) == []


def test_a_nik_move_wins_over_probable_ones_and_the_earliest_entry_is_taken():
    out = stay(1, POLRES, admitted=day(1), left_on=day(5), left_kind="mutasi")
    probable = stay(2, LAPAS, nik="", admitted=day(5))
    later = stay(3, LAPAS, admitted=day(9))
    first = stay(4, RUTAN, admitted=day(6))
    [link] = transfers.find_transfers(exits=[out], entries=[probable, later, first])
    assert link.entry == first and link.kind == "nik"


def test_custody_in_two_facilities_that_shares_a_day_is_an_overlap():
    polres = stay(1, POLRES, admitted=day(1))
    rutan = stay(2, RUTAN, admitted=day(10))
    [found] = transfers.find_overlaps([polres, rutan])
    assert (found.start, found.end, found.kind) == (day(10), None, "nik")
    assert found.other(1) == rutan and found.other(2) == polres
    lapas = stay(3, LAPAS, admitted=day(11))
    assert len(transfers.find_overlaps([polres, rutan, lapas])) == 3
    assert [(o.first.id, o.second.id) for o in
            transfers.find_overlaps([polres, rutan, lapas], involving={3})] == [(3, 1), (3, 2)]
    closed = stay(1, POLRES, admitted=day(1), left_on=day(12))
    [found] = transfers.find_overlaps([closed, rutan])
    assert (found.start, found.end) == (day(10), day(12))


def test_leaving_on_the_day_the_other_admits_is_no_overlap_nor_are_two_stays_in_one_place():
    polres = stay(1, POLRES, admitted=day(1), left_on=day(5), left_kind="mutasi")
    assert transfers.find_overlaps([polres, stay(2, RUTAN, admitted=day(5))]) == []
    assert transfers.find_overlaps([stay(1, RUTAN, admitted=day(1)),
                                    stay(2, RUTAN, admitted=day(2))]) == []
    probable = transfers.find_overlaps([stay(1, POLRES, admitted=day(1)),
                                        stay(2, RUTAN, nik="", admitted=day(4))])
    assert [o.kind for o in probable] == ["probable"] and probable[0].needs_review
    other = stay(3, RUTAN, nik="3316031505900002", nama="RINA MARLINA", admitted=day(4))
    assert transfers.find_overlaps([stay(1, POLRES, admitted=day(1)), other]) == []


def test_the_move_and_the_overlap_in_words():
    proposal = transfers.proposal_text(category="USUL_DPTB", action=Action.USUL_DPTB, tps="901",
                                       deadline=day(20))
    assert transfers.move_text(arrived=True, other="Polres Blora", day=day(5),
                               listed=transfers.list_place("DPTB", "005"), proposal=proposal,
                               needs_review=False) == (
        "Pindahan dari Polres Blora pada 5 Nov 2024; terdaftar di DPTb TPS 005; usulkan pindah"
        " memilih ke TPS 901 paling lambat 20 Nov 2024")
    text = transfers.move_text(arrived=False, other="Rutan Blora", day=day(5), listed="",
                               proposal="tidak perlu tindakan", needs_review=True)
    assert text.startswith("Dipindahkan ke Rutan Blora pada 5 Nov 2024; belum ditemukan")
    assert "perlu diperiksa" in text
    assert transfers.move_text(arrived=True, other="Polres Blora", day=day(5), listed=None,
                               proposal="", needs_review=False) == (
        "Pindahan dari Polres Blora pada 5 Nov 2024")  # no election: no list looked up
    assert transfers.proposal_text(category="TERDAFTAR", action="", tps="901", deadline=None) == (
        "sudah terdaftar di TPS 901: tidak perlu pindah memilih")
    assert "sudah lewat" in transfers.proposal_text(category="USUL_DPTB",
                                                    action=Action.LEWAT_BATAS, tps="901",
                                                    deadline=None)
    warning = transfers.overlap_text(other="Polres Blora", start=day(10), end=day(12),
                                     needs_review=False)
    assert "Polres Blora sejak 10 Nov 2024 sampai 11 Nov 2024" in warning
    assert transfers.short_date(dt.date(2024, 8, 17)) == "17 Agu 2024"
