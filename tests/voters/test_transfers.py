"""One person in two facilities of a regency (issue 16): the Polres Blora cells and the Rutan.
A transfer is one case on both inmate pages and one row for the regency page; custody in both at
once is a data error on both pages."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.conftest import make_user
from voters.inmates.transfers import (
    inmate_cases,
    region_cases,
    region_overlaps,
    region_transfers,
)
from voters.models import TPS, Facility, Inmate
from voters.reconciliation.services import reconcile

pytestmark = pytest.mark.django_db

TODAY = dt.date(2024, 11, 15)
NIK_AGUS = "3316031505900001"
NIK_CITRA = "3316045006950006"
NIK_BUDI = "3316032408718025"
MOVE_IN = ("Pindahan dari Polres Blora pada 5 Nov 2024; terdaftar di DPTb TPS 005; usulkan"
           " pindah memilih ke TPS 901 paling lambat 20 Nov 2024")
MOVE_OUT = ("Dipindahkan ke Rutan Kelas IIB Blora pada 5 Nov 2024; terdaftar di DPTb TPS 005;"
            " usulkan pindah memilih ke TPS 901 paling lambat 20 Nov 2024")


NAMES = ("ANDI", "BAYU", "CAHYO", "DARSONO", "EDI", "FAJAR", "GUNAWAN", "HADI", "IWAN",
         "JOKO")


def day(d, m=11):
    return dt.date(2024, m, d)


def inmate(facility, number, nama, *, nik="", born=dt.date(1990, 5, 15), admitted, left_on=None,
           left_kind="", sex="L"):
    return Inmate.objects.create(
        facility=facility, no_registrasi=number, nama=nama, nik=nik,
        nik_format="valid" if nik else "blank", tanggal_lahir=born, jenis_kelamin=sex,
        tanggal_masuk=admitted, tanggal_keluar=left_on, jenis_keluar=left_kind,
        register="A.I", kode_wilayah="33.16.03")


@pytest.fixture
def polres(db):
    return Facility.objects.create(code="POLRES-BLORA", name="Polres Blora",
                                   region_code="33.16.03", kind="polres")


@pytest.fixture
def tps005(polres, election):
    return TPS.objects.create(election=election, facility=polres, number="005", capacity=600,
                              ksk=True)


@pytest.fixture
def world(blora, polres, election, tps901, tps005, rembang, tmp_path):
    """Agus moved from the cells to the Rutan on 5 Nov (on the DPTb of the Polres's KSK TPS),
    Budi likely too (no NIK in the cells), Citra is in both at once since 10 Nov; Lapas
    Rembang (another regency) holds a man with Agus's NIK."""
    people = {
        "agus_polres": inmate(polres, "T/012/10/2024/Reskrim", "AGUS SETIAWAN", nik=NIK_AGUS,
                              admitted=day(28, 10), left_on=day(5), left_kind="mutasi"),
        "agus_rutan": inmate(blora, "AII.0178/2024", "AGUS SETIAWAN", nik=NIK_AGUS,
                             admitted=day(5)),
        "budi_polres": inmate(polres, "T/013/11/2024/Reskrim", "BUDI SANTOSO",
                              born=dt.date(1971, 8, 24), admitted=day(1), left_on=day(6),
                              left_kind="mutasi"),
        "budi_rutan": inmate(blora, "AII.0180/2024", "Budi Santoso", nik=NIK_BUDI,
                             born=dt.date(1971, 8, 24), admitted=day(7)),
        "citra_polres": inmate(polres, "T/014/11/2024/Narkoba", "CITRA LESTARI", nik=NIK_CITRA,
                               born=dt.date(1995, 6, 10), sex="P", admitted=day(1)),
        "citra_rutan": inmate(blora, "AII.0181/2024", "CITRA LESTARI", nik=NIK_CITRA,
                              born=dt.date(1995, 6, 10), sex="P", admitted=day(10)),
        "rembang": inmate(rembang, "AI.0001/2024", "AGUS SETIAWAN", nik=NIK_AGUS,
                          admitted=day(1)),
        "stays": inmate(blora, "BI.0001/2024", "SUKARNO", nik="3316010101800001",
                        born=dt.date(1980, 1, 1), admitted=day(1, 3)),
    }
    dptb = tmp_path / "dptb005.csv"
    dptb.write_text("nik;nama;tanggal_lahir;jenis_kelamin\n"
                    f"{NIK_AGUS};AGUS SETIAWAN;15-05-1990;L\n", encoding="utf-8")
    call_command("import_voter_list", str(dptb), "--election", "PILKADA2024", "--tps", "005",
                 "--kind", "DPTB", stdout=StringIO())
    reconcile(election=election, facility=polres, today=TODAY)
    reconcile(election=election, facility=blora, today=TODAY)
    return people


def test_the_regency_gets_one_row_per_moved_person_with_both_facilities_and_tps(
    world, election, blora, polres
):
    rows = region_transfers(election=election, region="33.16")
    assert [(r.nama, r.kind) for r in rows] == [("AGUS SETIAWAN", "nik"),
                                               ("Budi Santoso", "probable")]
    agus, budi = rows
    assert agus.origin.facility == polres and agus.destination.facility == blora
    assert agus.origin.inmate_id == world["agus_polres"].pk
    assert agus.destination.no_registrasi == "AII.0178/2024"
    assert (agus.origin.tps, agus.destination.tps) == ("005", "901")
    assert (agus.left_on, agus.admitted) == (day(5), day(5))
    assert agus.listed == "DPTb TPS 005"
    assert (agus.category, agus.tindakan, agus.deadline) == ("USUL_DPTB", "USUL_DPTB", day(20))
    assert agus.proposal == "usulkan pindah memilih ke TPS 901 paling lambat 20 Nov 2024"
    assert not agus.needs_review and agus.nik == NIK_AGUS
    assert agus.text_for(blora.pk) == MOVE_IN and agus.text_for(polres.pk) == MOVE_OUT
    assert budi.needs_review and "perlu diperiksa" in budi.text_for(blora.pk)
    # Lapas Rembang lies in another regency: never part of Blora's cases.
    assert region_transfers(election=election, region="33.17") == []


def test_custody_in_two_facilities_at_once_is_listed_for_the_regency(world, election, polres):
    [row] = region_overlaps(election=election, region="33.16")
    assert row.nama == "CITRA LESTARI" and row.kind == "nik" and not row.needs_review
    assert {row.first.facility.code, row.second.facility.code} == {"POLRES-BLORA", "RUTAN-BLORA"}
    assert (row.start, row.end) == (day(10), None)
    text = row.text_for(polres.pk)
    assert "Rutan Kelas IIB Blora sejak 10 Nov 2024 sampai sekarang" in text


def test_the_regency_reads_take_the_same_queries_for_more_people(world, election, blora, polres):
    from django.core.cache import cache

    def queries():
        """Queries of both reads with the links found afresh, and with them cached for these
        rosters: each path on its own."""
        counts = []
        cache.clear()
        for _path in ("found", "cached"):
            with CaptureQueriesContext(connection) as captured:
                assert region_transfers(election=election, region="33.16")
                assert region_overlaps(election=election, region="33.16")
            counts.append(len(captured))
        return counts

    before = queries()
    for n in range(10):
        born = dt.date(1960 + n, 2, 3)
        moved = f"3316030302{60 + n}{n:04d}"
        twice = f"3316040302{60 + n}{n + 5000:04d}"
        inmate(polres, f"T/1{n:02d}/11/2024", f"PINDAH {NAMES[n]}", nik=moved, born=born,
               admitted=day(1), left_on=day(8), left_kind="mutasi")
        inmate(blora, f"AII.1{n:02d}/2024", f"PINDAH {NAMES[n]}", nik=moved, born=born,
               admitted=day(9))
        inmate(blora, f"AII.2{n:02d}/2024", f"GANDA {NAMES[n]}", nik=twice, born=born,
               admitted=day(1))
        inmate(polres, f"T/2{n:02d}/11/2024", f"GANDA {NAMES[n]}", nik=twice, born=born,
               admitted=day(2))
    assert len(region_transfers(election=election, region="33.16")) == 12
    assert len(region_overlaps(election=election, region="33.16")) == 11
    assert queries() == before


def test_both_inmate_pages_show_the_move(world, blora, polres, operator, client_for):
    page = client_for(operator).get(reverse("inmate_detail", args=[world["agus_rutan"].pk]))
    assert page.status_code == 200
    assert MOVE_IN in page.content.decode()
    polisi = make_user("polisi", "operator", polres)
    page = client_for(polisi).get(reverse("inmate_detail", args=[world["agus_polres"].pk]))
    assert page.status_code == 200
    assert MOVE_OUT in page.content.decode()
    page = client_for(operator).get(reverse("inmate_detail", args=[world["budi_rutan"].pk]))
    html = page.content.decode()
    assert "Pindahan dari Polres Blora pada 7 Nov 2024" in html and "perlu diperiksa" in html
    # Someone who never moved has no such section.
    page = client_for(operator).get(reverse("inmate_detail", args=[world["stays"].pk]))
    assert "Perpindahan antar-UPT" not in page.content.decode()


def test_both_inmate_pages_warn_of_custody_in_two_facilities(world, polres, operator,
                                                               client_for):
    html = client_for(operator).get(
        reverse("inmate_detail", args=[world["citra_rutan"].pk])).content.decode()
    assert "data ganda antar-UPT" in html
    assert "juga tercatat di dalam Polres Blora sejak 10 Nov 2024 sampai sekarang" in html
    polisi = make_user("polisi", "operator", polres)
    html = client_for(polisi).get(
        reverse("inmate_detail", args=[world["citra_polres"].pk])).content.decode()
    assert "data ganda antar-UPT" in html
    assert "juga tercatat di dalam Rutan Kelas IIB Blora sejak 10 Nov 2024" in html
    html = client_for(operator).get(
        reverse("inmate_detail", args=[world["agus_rutan"].pk])).content.decode()
    assert "data ganda antar-UPT" not in html  # a move on one day is no overlap


def test_masked_roles_see_the_cases_but_no_nik(world, observer, client_for):
    bawaslu = make_user("bawaslu-blora", "observer", None)
    bawaslu.region_code = "33.16"
    bawaslu.save()
    for user, person in ((observer, "agus_rutan"), (observer, "citra_rutan"),
                         (bawaslu, "agus_polres"), (bawaslu, "citra_polres")):
        html = client_for(user).get(
            reverse("inmate_detail", args=[world[person].pk])).content.decode()
        assert "Polres Blora" in html or "Rutan Kelas IIB Blora" in html
        assert "Perpindahan antar-UPT" in html or "data ganda antar-UPT" in html
        assert NIK_AGUS not in html and NIK_CITRA not in html


def test_inmate_cases_reads_only_the_people_who_may_be_the_same(world, election, blora,
                                                                 django_assert_max_num_queries):
    agus = Inmate.objects.select_related("facility").get(pk=world["agus_rutan"].pk)
    with django_assert_max_num_queries(8):
        cases = inmate_cases(agus, election)
    assert [text for _row, text in cases.moves] == [MOVE_IN]
    assert cases.overlaps == []


def test_the_reconciliation_of_both_facilities_tells_of_the_overlap_in_alasan(
    world, election, blora, polres
):
    """Both would count Citra inside (and might both propose her to the KPU): each run's row
    says so; once one roster is corrected, the next run no longer does (not a copy)."""
    from voters.reconciliation.services import latest_run

    rutan = latest_run(election, blora).items.get(inmate=world["citra_rutan"])
    assert "juga tercatat di dalam Polres Blora sejak 10 Nov 2024" in rutan.alasan
    cells = latest_run(election, polres).items.get(inmate=world["citra_polres"])
    assert "juga tercatat di dalam Rutan Kelas IIB Blora sejak 10 Nov 2024" in cells.alasan
    agus = latest_run(election, blora).items.get(inmate=world["agus_rutan"])
    assert "Kesalahan data" not in agus.alasan
    Inmate.objects.filter(pk=world["citra_polres"].pk).update(tanggal_keluar=day(10),
                                                              jenis_keluar="mutasi")
    again = reconcile(election=election, facility=blora, today=TODAY)
    assert again.reused_from is None
    assert "Kesalahan data" not in again.items.get(inmate=world["citra_rutan"]).alasan


def test_without_an_election_the_move_is_told_without_lists_and_in_chunks(world, blora,
                                                                           monkeypatch):
    from voters.inmates import transfers as selectors

    monkeypatch.setattr(selectors, "CHUNK", 1)
    rows = region_transfers(election=None, region="33.16")
    assert [r.nama for r in rows] == ["AGUS SETIAWAN", "Budi Santoso"]
    assert rows[0].listed is None and rows[0].destination.tps == ""
    assert rows[0].text_for(blora.pk) == "Pindahan dari Polres Blora pada 5 Nov 2024"


def test_the_proposal_waits_for_the_destinations_reconciliation(world, election, blora):
    from voters.models import ReconciliationRun

    ReconciliationRun.objects.filter(facility=blora).delete()
    agus = region_transfers(election=election, region="33.16")[0]
    assert agus.listed == "DPTb TPS 005" and agus.tindakan == ""
    assert agus.proposal == "jalankan rekonsiliasi Rutan Kelas IIB Blora untuk usulannya"
    # Gone from the Rutan too: its run has no row for him and nothing is proposed there.
    Inmate.objects.filter(pk=world["agus_rutan"].pk).update(tanggal_keluar=day(12),
                                                            jenis_keluar="bebas")
    reconcile(election=election, facility=blora, today=TODAY)
    agus = region_transfers(election=election, region="33.16")[0]
    assert agus.proposal == "" and agus.text_for(blora.pk) == (
        "Pindahan dari Polres Blora pada 5 Nov 2024; terdaftar di DPTb TPS 005")


def test_the_regency_reads_keep_their_links_until_a_roster_changes(world, election, blora,
                                                                    polres):
    """The links are cached per version of the region's rosters (issue 19 item 7): a second
    read does not go through every inmate of the region again, and after each write path
    (a save, an update that bumps the version, a new inmate, a removed one) the cached answer
    is the one found afresh."""
    from django.core.cache import cache
    from django.db.models import F

    def both():
        return (region_transfers(election=election, region="33.16"),
                region_overlaps(election=election, region="33.16"))

    def fresh():
        cache.clear()
        return both()

    cache.clear()
    with CaptureQueriesContext(connection) as cold:
        first = both()
    with CaptureQueriesContext(connection) as warm:
        assert both() == first
    assert len(warm) < len(cold)
    # The warm read names the stays it needs by id: it reads neither the people who left by
    # mutasi nor the whole region.
    reads = [q["sql"] for q in warm.captured_queries
             if "tanggal_keluar" in q["sql"] and "GROUP BY" not in q["sql"]]
    assert reads and all('"voters_inmate"."id" IN (' in sql for sql in reads)
    assert [r.nama for r in first[0]] == ["AGUS SETIAWAN", "Budi Santoso"]
    assert [r.nama for r in first[1]] == ["CITRA LESTARI"]
    assert region_cases(election=election, region="33.16") == first  # the regency page's read

    citra = Inmate.objects.get(pk=world["citra_polres"].pk)
    citra.tanggal_keluar, citra.jenis_keluar = day(10), "mutasi"
    citra.save()  # no longer inside both: a move on the day she entered the Rutan
    changed = both()
    assert changed == fresh() and changed[1] == []
    assert [r.nama for r in changed[0]] == ["AGUS SETIAWAN", "Budi Santoso", "CITRA LESTARI"]

    both()  # cached again
    inmate(blora, "AII.0300/2024", "CITRA LESTARI", nik=NIK_CITRA, born=dt.date(1995, 6, 10),
           sex="P", admitted=day(1))
    changed = both()
    assert changed == fresh() and [r.nama for r in changed[1]] == ["CITRA LESTARI"]

    both()
    Inmate.objects.filter(pk=world["budi_rutan"].pk).update(
        tanggal_masuk=day(25), version=F("version") + 1)
    changed = both()
    assert changed == fresh()
    assert "Budi Santoso" not in [r.nama for r in changed[0]]

    both()
    Inmate.objects.filter(pk=world["agus_rutan"].pk).delete()
    changed = both()
    assert changed == fresh()
    assert "AGUS SETIAWAN" not in [r.nama for r in changed[0]]
