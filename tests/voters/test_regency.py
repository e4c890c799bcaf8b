"""The regency page (issue 16): every facility of one election in the user's region together."""

import csv
import datetime as dt
import io
import itertools

import pytest
from conftest import make_user
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from voters.models import TPS, AuditEvent, Facility, Inmate, ReconciliationRun, VoterList
from voters.reconciliation.services import reconcile

pytestmark = pytest.mark.django_db

TODAY = dt.date(2024, 11, 1)
SERIAL = itertools.count(1)


def add_facility(election, code, name, region, tps_number, *, kind="rutan", ksk=False,
                 capacity=600, people=3, listed=None):
    facility = Facility.objects.create(code=code, name=name, region_code=region, kind=kind)
    tps = TPS.objects.create(election=election, facility=facility, number=tps_number,
                             capacity=capacity, ksk=ksk)
    inmates = []
    for n in range(people):
        birth = dt.date(1980, 1 + n, 10 + n)
        inmates.append(Inmate.objects.create(
            facility=facility, no_registrasi=f"{code}.{n}", nama=f"WARGA {code} {n}",
            nik=f"331601{birth:%d%m%y}{next(SERIAL):04d}", nik_format="valid",
            tanggal_lahir=birth.replace(year=1960 + int(tps_number) % 40), jenis_kelamin="L",
            tanggal_masuk=dt.date(2024, 1, 10),
            kode_wilayah="33.16.01"))
    listed = people if listed is None else listed
    voter_list = VoterList.objects.create(election=election, tps=tps, kind="DPT",
                                          file_name="dpt.csv", sha256=code, row_count=listed)
    for position, inmate in enumerate(inmates[:listed], start=1):
        voter_list.entries.create(position=position, row_number=position + 1, nik=inmate.nik,
                                  nik_format="valid", nama=inmate.nama,
                                  tanggal_lahir=inmate.tanggal_lahir, jenis_kelamin="L")
    run = reconcile(election=election, facility=facility, today=TODAY)
    return {"facility": facility, "tps": tps, "inmates": inmates, "run": run}


@pytest.fixture
def regency(election):
    return {
        "rutan": add_facility(election, "RUTAN-BLORA", "Rutan Kelas IIB Blora", "33.16", "901",
                              people=4, listed=2),
        "polres": add_facility(election, "POLRES-BLORA", "Polres Blora", "33.16.01", "005",
                               kind="polres", ksk=True, capacity=2, people=3),
        "rembang": add_facility(election, "LAPAS-REMBANG", "Lapas Rembang", "33.17", "903"),
    }


@pytest.fixture
def liaison():
    return make_user("sari", "kpu", None, region_code="33.16")


def test_the_kpu_liaison_sees_every_facility_of_the_regency_with_its_tps_and_counts(
        regency, liaison, client_for):
    response = client_for(liaison).get(reverse("regency"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Rutan Kelas IIB Blora" in html and "Polres Blora" in html
    assert "Lapas Rembang" not in html and "WARGA" not in html
    rows = {row.facility.code: row for row in response.context["rows"]}
    assert set(rows) == {"RUTAN-BLORA", "POLRES-BLORA"}
    assert rows["RUTAN-BLORA"].run == regency["rutan"]["run"]
    assert rows["POLRES-BLORA"].tps == [{"pk": regency["polres"]["tps"].pk, "number": "005",
                                         "capacity": 2, "ksk": True, "listed": 3, "lists": 1,
                                         "over": 1}]
    # The Rutan's two unlisted inmates, after the DPT is fixed: the KPU looks them up.
    rutan = rows["RUTAN-BLORA"]
    assert rutan.counts == regency["rutan"]["run"].counts
    assert rutan.actions == {"CARI_DPT": 2} and rutan.open_actions == 2
    assert [(code, n) for code, _label, n in response.context["actions"]] == [("CARI_DPT", 2)]
    categories = {code: n for code, _label, n in response.context["categories"]}
    polres_counts, rutan_counts = regency["polres"]["run"].counts, regency["rutan"]["run"].counts
    for code, n in categories.items():
        assert n == polres_counts.get(code, 0) + rutan_counts.get(code, 0), code
    assert response.context["totals"]["capacity"] == 602
    assert [d["code"] for d in response.context["deadlines"]][-1] == "H"
    assert "KSK" in html and "lebih 1" in html


def test_the_page_asks_the_database_the_same_number_of_times_for_two_or_six_facilities(
        election, liaison, client_for):
    from django.core.cache import cache

    def asked():
        """The page's queries with the moves between facilities found afresh, then with them
        cached for these rosters (voters/inmates/transfers.py): each path on its own."""
        cache.clear()
        with CaptureQueriesContext(connection) as cold:
            assert client.get(reverse("regency")).status_code == 200
        with CaptureQueriesContext(connection) as warm:
            response = client.get(reverse("regency"))
        return cold, warm, response

    client = client_for(liaison)
    add_facility(election, "RUTAN-BLORA", "Rutan Blora", "33.16", "901", people=1)
    add_facility(election, "POLRES-BLORA", "Polres Blora", "33.16", "902", people=1)
    client.get(reverse("regency"))
    two_cold, two, _response = asked()
    for n in range(4):
        add_facility(election, f"POLSEK-{n}", f"Polsek {n}", "33.16", f"91{n}", people=1)
    six_cold, six, response = asked()
    assert len(response.context["rows"]) == 6
    assert len(six) == len(two), "\n".join(q["sql"][:200] for q in six.captured_queries)
    assert len(six_cold) == len(two_cold), "\n".join(q["sql"][:200]
                                                     for q in six_cold.captured_queries)


def test_one_export_of_every_facility_with_the_upt_column_is_audited(regency, liaison,
                                                                     client_for):
    response = client_for(liaison).get(reverse("regency_export", args=["rekonsiliasi", "csv"]))
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert {r["upt"] for r in rows} == {"POLRES-BLORA", "RUTAN-BLORA"}
    assert len(rows) == 7  # 4 + 3 inmates, every one on a list or proposed
    event = AuditEvent.objects.get(action="export")
    assert event.actor == liaison and event.detail["region"] == "33.16"
    assert sorted(event.detail["runs"]) == sorted([regency["rutan"]["run"].pk,
                                                   regency["polres"]["run"].pk])
    xlsx = client_for(liaison).get(reverse("regency_export", args=["rekonsiliasi", "xlsx"]))
    assert xlsx.status_code == 200 and xlsx["Content-Disposition"].endswith('.xlsx"')


def test_the_regency_observer_reads_the_page_without_exports_or_names(regency, client_for):
    observer = make_user("bawaslu", "observer", None, region_code="33.16")
    client = client_for(observer)
    response = client.get(reverse("regency"))
    assert response.status_code == 200
    assert b"Polres Blora" in response.content
    assert reverse("regency_export", args=["rekonsiliasi", "csv"]).encode() not in \
        response.content
    assert client.get(reverse("regency_export", args=["rekonsiliasi", "csv"])).status_code == 403
    assert client.post(reverse("regency_run_all")).status_code == 403


def test_running_all_queues_one_run_per_facility_of_the_regency(regency, liaison, client_for):
    before = ReconciliationRun.objects.count()
    response = client_for(liaison).post(reverse("regency_run_all"),
                                        {"pemilihan": "PILKADA2024"})
    assert response.status_code == 302
    new = ReconciliationRun.objects.filter(pk__gt=0).order_by("-pk")[:2]
    assert ReconciliationRun.objects.count() == before + 2
    assert {r.facility.code for r in new} == {"RUTAN-BLORA", "POLRES-BLORA"}


def test_without_an_election_the_page_says_what_to_do(liaison, client_for):
    response = client_for(liaison).get(reverse("regency"))
    assert response.status_code == 200
    assert "add_election" in response.content.decode()


def move(regency, *, index=0, left=dt.date(2024, 11, 4), arrived=dt.date(2024, 11, 5)):
    """Polres Blora's detainee ``index`` leaves by mutasi and enters the Rutan the next day."""
    person = regency["polres"]["inmates"][index]
    Inmate.objects.filter(pk=person.pk).update(tanggal_keluar=left, jenis_keluar="mutasi")
    return Inmate.objects.create(
        facility=regency["rutan"]["facility"], no_registrasi=f"AI.{index}", nama=person.nama,
        nik=person.nik, nik_format="valid", tanggal_lahir=person.tanggal_lahir,
        jenis_kelamin="L", tanggal_masuk=arrived, kode_wilayah="33.16.01")


def test_a_move_from_the_police_cells_to_the_rutan_is_one_line_with_both_tps(regency, liaison,
                                                                            client_for):
    arrived = move(regency)
    response = client_for(liaison).get(reverse("regency"))
    [row] = response.context["transfers"]
    assert (row.origin.facility.code, row.origin.tps) == ("POLRES-BLORA", "005")
    assert (row.destination.facility.code, row.destination.tps) == ("RUTAN-BLORA", "901")
    assert row.destination.inmate_id == arrived.pk and not row.needs_review
    html = response.content.decode()
    assert arrived.nik in html  # the liaison works with full NIKs
    observer = make_user("bawaslu", "observer", None, region_code="33.16")
    html = client_for(observer).get(reverse("regency")).content.decode()
    assert "Pindahan antar-UPT" in html and arrived.nama in html and arrived.nik not in html


def test_a_facility_user_sees_only_the_moves_of_their_facility(regency, election, client_for):
    move(regency)
    lapas = add_facility(election, "LAPAS-BLORA", "Lapas Blora", "33.16", "907", people=1)
    lapas_kpu = make_user("lapas-kpu", "kpu", lapas["facility"])
    assert client_for(lapas_kpu).get(reverse("regency")).context["transfers"] == []
    rutan_kpu = make_user("rutan-kpu", "kpu", regency["rutan"]["facility"])
    response = client_for(rutan_kpu).get(reverse("regency"))
    assert len(response.context["transfers"]) == 1
    assert [r.facility.code for r in response.context["rows"]] == ["RUTAN-BLORA"]


def test_custody_in_two_facilities_at_once_is_listed_as_a_data_error(regency, liaison,
                                                                     client_for):
    person = regency["polres"]["inmates"][1]
    Inmate.objects.create(
        facility=regency["rutan"]["facility"], no_registrasi="AI.9", nama=person.nama,
        nik=person.nik, nik_format="valid", tanggal_lahir=person.tanggal_lahir,
        jenis_kelamin="L", tanggal_masuk=dt.date(2024, 10, 1), kode_wilayah="33.16.01")
    response = client_for(liaison).get(reverse("regency"))
    [row] = response.context["overlaps"]
    assert {row.first.facility.code, row.second.facility.code} == {"POLRES-BLORA",
                                                                   "RUTAN-BLORA"}
    assert "di dalam dua UPT sekaligus" in response.content.decode()


def test_a_facility_row_shows_the_categories_and_actions_it_has(regency, liaison, client_for):
    """Only the categories and tindakan with people are rendered (the loop over every category
    of 50 facilities was a good part of the page's time, issue 19 item 7), separated by dots
    with none left hanging at the end."""
    import re

    response = client_for(liaison).get(reverse("regency"))
    rows = {row.facility.code: row for row in response.context["rows"]}
    rutan = rows["RUTAN-BLORA"]
    assert rutan.shown_counts == [(c, n) for c, n in rutan.counts.items() if n]
    assert rutan.shown_actions == [("CARI_DPT", 2)]
    html = response.content.decode()
    cells = re.findall(r'<td data-label="Kategori">(.*?)</td>', html)
    assert len(cells) == 2
    for cell in cells:
        shown = re.findall(r'<span class="nowrap">(\w+) <strong>(\d+)</strong></span>', cell)
        assert shown and all(int(n) for _code, n in shown)
        assert not cell.endswith(" · ") and cell.count(" · ") == len(shown) - 1
    assert "CARI_DPT <strong>2</strong>" in html


def test_the_facility_table_kept_in_the_cache_follows_every_change(regency, liaison,
                                                                    client_for):
    """The table's HTML is cached under a digest of what it shows (issue 19 item 7): the same
    data renders the same table, and a changed TPS or a new reconciliation shows at once."""
    import re

    def table(html):
        return re.search(r"<h2>UPT dan TPS.*?</section>", html, re.S).group()

    client = client_for(liaison)
    url = reverse("regency")
    first = client.get(url).content.decode()
    assert table(client.get(url).content.decode()) == table(first)
    assert "TPS 005" in first and ": 3/2" in first and "lebih 1" in first
    tps = regency["polres"]["tps"]
    tps.capacity = 10
    tps.save()
    html = client.get(url).content.decode()
    assert ": 3/10" in html and ": 3/2<" not in html and "lebih 1<" not in html
    run = reconcile(election=regency["polres"]["run"].election,
                    facility=regency["polres"]["facility"], today=TODAY + dt.timedelta(days=1))
    html = client.get(url).content.decode()
    assert reverse("reconciliation_run", args=[run.pk]) in html
    assert reverse("reconciliation_run", args=[regency["polres"]["run"].pk]) not in html


def test_the_moves_are_found_once_and_again_when_anything_they_show_changes(
        regency, liaison, election, client_for, monkeypatch):
    """The moves and overlaps are kept as HTML under a digest of what they show (issue 19 item
    7): a second view does not look for them again, and each thing the rows show, changed,
    shows at once: a name (through the roster's version), a facility's name, its TPS, a new
    run at the destination, and the election's deadlines."""
    from django.db.models import F

    from voters.inmates import transfers

    found = []
    real = transfers.region_cases
    monkeypatch.setattr(transfers, "region_cases",
                        lambda **kwargs: found.append(1) or real(**kwargs))
    arrived = move(regency)
    client = client_for(liaison)

    def page():  # the moves' and overlaps' part (the rest holds a new CSRF token each time)
        html = client.get(reverse("regency")).content.decode()
        return html[html.index("Pindahan antar-UPT"):html.index("Ekspor semua UPT")]

    first = page()
    assert arrived.nama in first and page() == first and len(found) == 1

    Inmate.objects.filter(pk=arrived.pk).update(nama="SUKIRNO BARU", version=F("version") + 1)
    assert "SUKIRNO BARU" in page() and len(found) == 2
    Facility.objects.filter(pk=regency["polres"]["facility"].pk).update(name="Sel Polres Blora")
    assert "Sel Polres Blora" in page() and len(found) == 3
    TPS.objects.filter(pk=regency["rutan"]["tps"].pk).update(number="911")
    assert "TPS 911" in page() and len(found) == 4

    reconcile(election=election, facility=regency["rutan"]["facility"],
              today=dt.date(2024, 11, 6))
    after_run = page()
    assert len(found) == 5
    [row] = client.get(reverse("regency")).context["transfers"]  # read: found again
    assert row.proposal and row.proposal in after_run
    election.dptb_special_days += 2
    election.save()
    moved_deadline = page()
    assert len(found) == 7
    [row_later] = client.get(reverse("regency")).context["transfers"]
    assert row_later.proposal != row.proposal and row_later.proposal in moved_deadline


def test_the_facility_table_and_totals_are_kept_and_follow_every_change(
        regency, liaison, election, client_for, monkeypatch):
    """The facilities' rows (every latest run's counts) are read only when the table is not
    kept under what it shows (issue 19 item 7); a TPS's capacity, a list's size, a new run and a
    facility's name each show at once, in the table and in the totals."""
    from voters.reconciliation import region

    built = []
    real = region._rows
    monkeypatch.setattr(region, "_rows", lambda *args: built.append(1) or real(*args))
    client = client_for(liaison)

    def table():
        html = client.get(reverse("regency")).content.decode()
        return html[html.index("UPT dan TPS"):html.index("Per kategori dan per tindakan")]

    first = table()
    assert table() == first and len(built) == 1
    TPS.objects.filter(pk=regency["rutan"]["tps"].pk).update(capacity=777)
    assert "/777" in table() and len(built) == 2
    VoterList.objects.filter(tps=regency["polres"]["tps"]).update(row_count=42)
    assert "42/2" in table() and len(built) == 3
    Facility.objects.filter(pk=regency["polres"]["facility"].pk).update(name="Sel Polres")
    assert "Sel Polres" in table() and len(built) == 4
    Inmate.objects.create(
        facility=regency["rutan"]["facility"], no_registrasi="BARU.1", nama="ORANG BARU",
        nik="3316011001800999", nik_format="valid", tanggal_lahir=dt.date(1980, 1, 10),
        jenis_kelamin="L", tanggal_masuk=dt.date(2024, 10, 1), kode_wilayah="33.16.01")
    before = client.get(reverse("regency")).context["totals"]
    run = reconcile(election=election, facility=regency["rutan"]["facility"],
                    today=dt.date(2024, 11, 2))
    response = client.get(reverse("regency"))
    assert f"/rekonsiliasi/{run.pk}/" in response.content.decode()
    assert response.context["totals"]["open"] == before["open"] + 1
