"""Many facilities in one database: each facility's people see only their own facility (issue 9).

Four facilities of one kabupaten election, each with its TPS, inmates, a DPT, a reconciliation
run, a letter delivery and a coordination meeting, and one user of every role. Every main page
is requested as every user: it shows the user's own facility's people and none of the others'.
An object of another facility is a 404. The scale itself (50 facilities) is measured in
bench/bench_facilities.py.
"""

import datetime as dt

import pytest
from conftest import make_user
from django.urls import reverse

from coordination.models import Meeting
from voters.models import TPS, Facility, Inmate, LetterDelivery, VoterList
from voters.reconciliation.services import reconcile

pytestmark = pytest.mark.django_db

FACILITIES = 4
INMATES = 3
ROLES = ("operator", "kpps", "kpu", "observer", "admin")


def marker(index):
    return f"UPTUJI{index:02d}"


def build_facility(index, election):
    tag = marker(index)
    facility = Facility.objects.create(code=f"upt-{index:02d}", name=f"Rutan {tag}",
                                       region_code="33.16")
    tps = TPS.objects.create(election=election, facility=facility, number=str(901 + index),
                             capacity=600)
    inmates = []
    for n in range(INMATES):
        birth = dt.date(1980 + index, 1 + n, 10 + n)
        nik = f"3316{index:02d}{birth.day:02d}{birth:%m%y}{n + 1:04d}"
        inmates.append(Inmate.objects.create(
            facility=facility, no_registrasi=f"{tag}.{n}", nama=f"WARGA {tag} {n}", nik=nik,
            nik_format="valid", tanggal_lahir=birth, jenis_kelamin="L", blok="A",
            tanggal_masuk=dt.date(2024, 1, 10), kode_wilayah="33.16.01",
        ))
    voter_list = VoterList.objects.create(election=election, tps=tps, kind="DPT",
                                          file_name="dpt.csv", sha256=tag, row_count=INMATES)
    for position, inmate in enumerate(inmates, start=1):
        voter_list.entries.create(position=position, row_number=position + 1, nik=inmate.nik,
                                  nik_format="valid", nama=inmate.nama,
                                  tanggal_lahir=inmate.tanggal_lahir, jenis_kelamin="L")
    run = reconcile(election=election, facility=facility, today=dt.date(2024, 11, 1))
    users = {role: make_user(f"{role}-{index:02d}", role, facility,
                             str(901 + index) if role == "kpps" else "") for role in ROLES}
    LetterDelivery.objects.create(election=election, tps=tps, voter_key=f"wbp:{inmates[0].pk}",
                                  inmate=inmates[0], list_kind="DPT", list_number=1,
                                  nama=inmates[0].nama, jenis_kelamin="L", status="delivered",
                                  delivered_on=dt.date(2024, 11, 20), delivered_by=users["kpps"])
    meeting = Meeting.objects.create(facility=facility, election=election,
                                     title=f"Rapat koordinasi {tag}", date=dt.date(2024, 11, 1))
    return {"facility": facility, "tps": tps, "inmates": inmates, "list": voter_list,
            "run": run, "users": users, "meeting": meeting}


@pytest.fixture
def facilities(election):
    return [build_facility(index, election) for index in range(FACILITIES)]


def pages_for(role, world):
    """(url, shows people) of the main pages this role may open."""
    tps, run = world["tps"], world["run"]
    kpps_pages = [
        (reverse("home"), False),
        (reverse("kpps_home"), False),
        (reverse("deliveries", args=[tps.pk]) + "?status=semua", True),
        (reverse("voter_lists"), False),
        (reverse("voter_list_detail", args=[world["list"].pk]), True),
    ]
    if role == "kpps":
        return kpps_pages
    readers = [
        (reverse("inmate_list"), True),
        (reverse("reconciliation"), False),
        (reverse("reconciliation_run", args=[run.pk]), True),
        (reverse("coordination:meeting_list"), False),
        (reverse("coordination:meeting_detail", args=[world["meeting"].pk]), False),
    ]
    if role in ("operator", "admin"):
        readers.append((reverse("nik_worklist"), False))
    return kpps_pages + readers


@pytest.mark.parametrize("role", ROLES)
def test_each_facility_sees_only_its_own_people_on_every_main_page(facilities, role, client_for):
    for index, world in enumerate(facilities):
        client = client_for(world["users"][role])
        own = marker(index)
        others = [marker(i) for i in range(FACILITIES) if i != index]
        for url, shows_people in pages_for(role, world):
            response = client.get(url)
            assert response.status_code == 200, (role, url)
            html = response.content.decode()
            if shows_people:
                assert f"WARGA {own}" in html, (role, url)
            leaked = [tag for tag in others if tag in html]
            assert not leaked, f"{role} of {own} sees {leaked} on {url}"


@pytest.mark.parametrize("role", ROLES)
def test_objects_of_another_facility_are_not_found(facilities, role, client_for):
    mine, theirs = facilities[0], facilities[1]
    client = client_for(mine["users"][role])
    urls = [
        reverse("deliveries", args=[theirs["tps"].pk]),
        reverse("voter_list_detail", args=[theirs["list"].pk]),
        reverse("kpps_tps", args=[theirs["tps"].pk]),
    ]
    if role != "kpps":
        urls += [
            reverse("inmate_detail", args=[theirs["inmates"][0].pk]),
            reverse("reconciliation_run", args=[theirs["run"].pk]),
            reverse("coordination:meeting_detail", args=[theirs["meeting"].pk]),
        ]
    for url in urls:
        assert client.get(url).status_code == 404, (role, url)


def test_a_search_finds_nobody_of_another_facility(facilities, client_for):
    operator = facilities[0]["users"]["operator"]
    response = client_for(operator).post(reverse("inmate_list"), {"q": marker(1)}, follow=True)
    assert response.status_code == 200
    assert f"WARGA {marker(1)}" not in response.content.decode()
    assert response.context["counts"]["shown"] == 0


@pytest.mark.parametrize("role", ["kpu", "observer"])
def test_a_regency_user_sees_every_facility_of_the_regency_and_picks_one(facilities, role,
                                                                        client_for):
    """CONTRACT.md ``add_user --region 33.16``: every facility of the regency, and only those."""
    other = Facility.objects.create(code="rutan-rembang", name="Rutan UPTLAIN", region_code="33.17")
    user = make_user(f"{role}-kabupaten", role, None, region_code="33.16")
    client = client_for(user)
    for world in facilities:
        for url in (reverse("inmate_detail", args=[world["inmates"][0].pk]),
                    reverse("reconciliation_run", args=[world["run"].pk]),
                    reverse("voter_list_detail", args=[world["list"].pk]),
                    reverse("coordination:meeting_detail", args=[world["meeting"].pk])):
            assert client.get(url).status_code == 200, url
    roster = client.get(reverse("inmate_list")).content.decode()
    assert all(f"WARGA {marker(i)}" in roster for i in range(FACILITIES))
    assert "UPTLAIN" not in client.get(reverse("home")).content.decode()
    # The pages about one facility follow the top bar's picker, kept in the session.
    assert client.get(reverse("reconciliation")).context["latest"] == facilities[0]["run"]
    response = client.post(reverse("choose_facility"),
                           {"upt": facilities[2]["facility"].code, "next": "/rekonsiliasi/"})
    assert response.status_code == 302 and response.url == "/rekonsiliasi/"
    assert client.get(reverse("reconciliation")).context["latest"] == facilities[2]["run"]
    # A facility outside the regency cannot be picked, and an outside address is not followed.
    assert client.post(reverse("choose_facility"), {"upt": other.code}).status_code == 404
    response = client.post(reverse("choose_facility"), {"upt": facilities[1]["facility"].code,
                                                        "next": "https://evil.example/"})
    assert response.url == reverse("home")


def test_a_user_of_one_facility_has_no_picker(facilities, client_for):
    client = client_for(facilities[0]["users"]["kpu"])
    response = client.post(reverse("choose_facility"), {"upt": facilities[1]["facility"].code})
    assert response.status_code == 404
    assert client.get(reverse("reconciliation")).context["latest"] == facilities[0]["run"]


def test_another_regencys_user_sees_none_of_these_facilities(facilities, client_for):
    client = client_for(make_user("kpu-rembang", "kpu", None, region_code="33.17"))
    assert "WARGA" not in client.get(reverse("inmate_list")).content.decode()
    for world in facilities:
        assert client.get(reverse("inmate_detail", args=[world["inmates"][0].pk])).status_code \
            == 404
