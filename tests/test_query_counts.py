"""No list page's number of SQL queries grows with the rows it lists (issue 9).

Each test requests a page with 10 rows, adds 190 more, and requests it again: the two counts
must be equal. A difference is an N+1 (a query per row); the failure message lists the
queries of the larger page.
"""

import datetime as dt
import hashlib

import pytest
from django.db import connection, reset_queries
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from coordination.models import Meeting
from voters.models import TPS, Facility, Inmate, LetterDelivery, ListEntry, VoterList
from voters.reconciliation.services import reconcile
from voters.rules import nik as nik_rules

pytestmark = pytest.mark.django_db

FEW, MANY = 10, 200
POLLING_DAY = dt.date(2024, 11, 27)


def count_queries(client, url):
    client.get(url)  # warm: session, language and the like are read once per client
    reset_queries()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries), [q["sql"][:160] for q in queries.captured_queries]


def assert_same_queries(client, url, grow):
    few, _sql = count_queries(client, url)
    grow()
    many, sql = count_queries(client, url)
    assert many == few, f"{url}: {few} queries with {FEW} rows, {many} with {MANY}:\n" + "\n".join(
        sql
    )


def nik_of(n):
    birth = dt.date(1970, 1, 1) + dt.timedelta(days=n * 37)
    return birth, f"331601{birth.day:02d}{birth:%m%y}{n % 10000:04d}"


def add_inmates(facility, start, stop):
    rows = []
    for n in range(start, stop):
        birth, nik = nik_of(n)
        rows.append(Inmate(
            facility=facility, no_registrasi=f"BI.{n:04d}/2024", nama=f"WARGA BINAAN {n}",
            nik=nik, nik_format="valid", tanggal_lahir=birth, jenis_kelamin="L",
            blok="AB"[n % 2], tanggal_masuk=dt.date(2024, 1, 10), kode_wilayah="33.16.01",
            tanggal_bebas=POLLING_DAY + dt.timedelta(days=30) if n % 3 else None,
        ))
    return Inmate.objects.bulk_create(rows)


def dpt_of(tps):
    voter_list, _created = VoterList.objects.get_or_create(
        tps=tps, kind="DPT",
        defaults={"election": tps.election, "file_name": "dpt.csv",
                  "sha256": hashlib.sha256(b"dpt").hexdigest()},
    )
    return voter_list


def add_entries(voter_list, inmates):
    start = voter_list.entries.count()
    ListEntry.objects.bulk_create([
        ListEntry(voter_list=voter_list, position=start + i, row_number=start + i + 1,
                  nik=inmate.nik, nik_format=str(nik_rules.check(inmate.nik).status),
                  nama=inmate.nama, tanggal_lahir=inmate.tanggal_lahir, jenis_kelamin="L",
                  alamat="DUSUN KRAJAN", kelurahan="TAMBAHREJO", kecamatan="BLORA")
        for i, inmate in enumerate(inmates, start=1)
    ])
    VoterList.objects.filter(pk=voter_list.pk).update(row_count=start + len(inmates))


def test_the_roster_makes_as_many_queries_for_200_inmates_as_for_10(
    blora, tps901, operator, client_for
):
    add_inmates(blora, 0, FEW)
    client = client_for(operator)
    assert_same_queries(client, reverse("inmate_list"), lambda: add_inmates(blora, FEW, MANY))
    assert_same_queries(client, reverse("inmate_list") + "?eligibility=yes&hal=2",
                        lambda: add_inmates(blora, MANY, MANY + 50))
    # the verdicts are cached per roster version (voters/inmates/eligibility.py): a filtered page
    # is a
    # query on their ids, however many inmates there are (from n = 450 on, born after 2015:
    # under voting age, so the list is not empty)
    add_inmates(blora, 450, 450 + FEW)
    assert_same_queries(client, reverse("inmate_list") + "?eligibility=no",
                        lambda: add_inmates(blora, 450 + FEW, 450 + MANY))


def test_the_nik_worklist_makes_as_many_queries_for_200_inmates_as_for_10(
    blora, tps901, operator, client_for
):
    def blank(start, stop):
        for inmate in add_inmates(blora, start, stop):
            Inmate.objects.filter(pk=inmate.pk).update(nik="", nik_format="blank")

    blank(0, FEW)
    assert_same_queries(client_for(operator), reverse("nik_worklist"),
                        lambda: blank(FEW, MANY))


def test_a_voter_list_makes_as_many_queries_for_200_entries_as_for_10(
    blora, tps901, kpu, client_for
):
    voter_list = dpt_of(tps901)
    add_entries(voter_list, add_inmates(blora, 0, FEW))
    assert_same_queries(
        client_for(kpu), reverse("voter_list_detail", args=[voter_list.pk]),
        lambda: add_entries(voter_list, add_inmates(blora, FEW, MANY)),
    )


def test_the_list_index_makes_as_many_queries_for_200_tps_as_for_10(
    blora, election, kpu, client_for
):
    def add_tps(start, stop):
        for n in range(start, stop):
            tps = TPS.objects.create(election=election, facility=blora, number=str(900 + n),
                                     capacity=600)
            dpt_of(tps)

    add_tps(0, FEW)
    assert_same_queries(client_for(kpu), reverse("voter_lists"), lambda: add_tps(FEW, MANY))


def test_a_reconciliation_run_makes_as_many_queries_for_200_items_as_for_10(
    blora, election, tps901, kpu, client_for
):
    voter_list = dpt_of(tps901)
    add_entries(voter_list, add_inmates(blora, 0, FEW))
    small = reconcile(election=election, facility=blora, today=dt.date(2024, 11, 1))
    few, _sql = count_queries(client_for(kpu), reverse("reconciliation_run", args=[small.pk]))
    add_entries(voter_list, add_inmates(blora, FEW, MANY))
    large = reconcile(election=election, facility=blora, today=dt.date(2024, 11, 1))
    assert large.items.count() >= MANY > small.items.count()
    many, sql = count_queries(client_for(kpu), reverse("reconciliation_run", args=[large.pk]))
    assert many == few, "\n".join(sql)


def test_the_delivery_register_makes_as_many_queries_for_200_voters_as_for_10(
    blora, election, tps901, kpps, client_for
):
    voter_list = dpt_of(tps901)

    def grow(start, stop):
        inmates = add_inmates(blora, start, stop)
        add_entries(voter_list, inmates)
        LetterDelivery.objects.bulk_create([
            LetterDelivery(election=election, tps=tps901, voter_key=f"wbp:{inmate.pk}",
                           inmate=inmate, list_kind="DPT", nama=inmate.nama, jenis_kelamin="L",
                           status="delivered", delivered_on=dt.date(2024, 11, 20),
                           delivered_by=kpps)
            for inmate in inmates[::2]
        ])

    grow(0, FEW)
    url = reverse("deliveries", args=[tps901.pk])
    client = client_for(kpps)
    assert_same_queries(client, url + "?status=semua", lambda: grow(FEW, MANY))
    assert_same_queries(client, reverse("kpps_home"), lambda: grow(MANY, MANY + 20))


def test_the_meeting_list_makes_as_many_queries_for_200_meetings_as_for_10(
    blora, election, tps901, observer, client_for
):
    def add_meetings(start, stop):
        Meeting.objects.bulk_create([
            Meeting(facility=blora, election=election, title=f"Rapat koordinasi {n}",
                    date=dt.date(2024, 10, 1) + dt.timedelta(days=n % 50), venue="Aula KPU")
            for n in range(start, stop)
        ])

    add_meetings(0, FEW)
    assert_same_queries(client_for(observer), reverse("coordination:meeting_list"),
                        lambda: add_meetings(FEW, MANY))


@pytest.mark.skipif(connection.vendor != "postgresql", reason="INCLUDE indexes: PostgreSQL only")
def test_the_roster_fingerprint_is_read_from_an_index_alone(blora):
    """eligibility.roster_versions runs on every roster, home, NIK and regency page: its
    aggregate must be answerable from the covering index "inmate_facility_versions" (migration
    0017) without reading the rows; a field added to the fingerprint needs adding there too."""
    from voters.inmates.eligibility import roster_versions

    add_inmates(blora, 0, 10)
    with CaptureQueriesContext(connection) as queries:
        roster_versions(Inmate.objects.filter(facility=blora))
    (query,) = queries.captured_queries
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + query["sql"])
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Index Only Scan using inmate_facility_versions" in plan, plan


def test_a_scopes_roster_versions_are_read_over_a_list_of_facility_ids(
        blora, rembang, election, client_for):
    """The versions' aggregate names the facilities by id, not through a subquery over the
    facilities: over the subquery PostgreSQL scanned and hashed every inmate of a regency
    (14,813: 4.3 against 1.7 ms a page, bench/README.md), for the regency's KPU liaison on every
    roster, home, NIK and regency page; a facility user's scope needs no query for its ids."""
    from conftest import make_user
    from django.test import RequestFactory

    from voters.inmates.eligibility import facility_ids, request_versions

    add_inmates(blora, 0, 3)
    regional = make_user("kpukab", "kpu", None, region_code="33.16")
    Facility.objects.create(code="POLRES-BLORA", name="Polres Blora", region_code="33.16.01")
    request = RequestFactory().get("/")
    request.user = regional
    with CaptureQueriesContext(connection) as queries:
        versions = request_versions(request)
    assert len(versions) == 1  # only Blora has inmates
    aggregate = next(q["sql"] for q in queries.captured_queries if "SUM(" in q["sql"])
    assert "voters_facility" not in aggregate, aggregate
    assert sorted(facility_ids(regional)) == sorted(
        Facility.objects.in_region("33.16").values_list("pk", flat=True))
    operator = make_user("op", "operator", blora)
    with CaptureQueriesContext(connection) as queries:
        assert facility_ids(operator) == [blora.pk]
    assert not queries.captured_queries


def test_a_facility_users_facility_comes_with_the_user(blora, election, tps901, client_for):
    """The top bar names the user's facility on every page: the session's user is read with it
    (voters/core/backends.py), not by one more query per page."""
    from conftest import make_user

    client = client_for(make_user("op", "operator", blora))
    client.get(reverse("voter_lists"))
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("voter_lists"))
    assert blora.name in response.content.decode()
    users = [q["sql"] for q in queries.captured_queries if 'FROM "voters_user"' in q["sql"]]
    assert len(users) == 1 and "voters_facility" in users[0]
    assert not [q["sql"] for q in queries.captured_queries
                if q["sql"].startswith('SELECT "voters_facility"')]
