"""The demo command: data for one rutan, a login for every role, safe to run twice."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from voters.models import TPS, Election, User

pytestmark = pytest.mark.django_db


def test_demo_creates_a_rutan_with_tps_901_and_every_role_can_log_in():
    call_command("demo", "--inmates", "40", stdout=StringIO())
    call_command("demo", "--inmates", "40", stdout=StringIO())
    assert Election.objects.count() == 1
    assert TPS.objects.get(facility__code="RUTAN-BLORA").number == "901"
    users = User.objects.filter(region_code="") | User.objects.filter(role="kpu")
    for user in users.exclude(username="kpps005"):
        role = user.role
        client = Client()
        response = client.post(
            reverse("login"), {"username": user.username, "password": "tpskhusus-demo"}
        )
        assert response.status_code == 302, role
        assert client.get(reverse("home")).status_code == 200


def test_demo_inmates_look_like_real_ones(settings):
    from voters.demo.roster import LAST_L, LAST_P
    from voters.models import Election, Inmate

    call_command("demo", "--inmates", "300", stdout=StringIO())
    inmates = list(Inmate.objects.all())
    women_only = {name for name in LAST_P if name} - set(LAST_L)
    for inmate in inmates:
        surname = inmate.nama.split(" ", 1)[1] if " " in inmate.nama else ""
        if inmate.jenis_kelamin == "L":
            assert surname not in women_only, inmate.nama
    assert {i.jenis_kelamin for i in inmates} == {"L", "P"}
    assert not [i for i in inmates if i.tempat_lahir in ("", "LAINNYA")]
    assert {"BLORA", "SEMARANG"} <= {i.tempat_lahir for i in inmates}
    election = Election.objects.get(code="PILKADA-DEMO")
    assert str(election.polling_date.year) in election.name
    assert "2024" not in election.name or election.polling_date.year == 2024


def test_demo_has_the_police_cells_with_their_ksk_tps_and_moves_to_the_rutan():
    """Issue 16: a newcomer finds the regency page filled (two facilities, moves, one error)."""
    from voters.models import Inmate

    call_command("demo", "--inmates", "40", stdout=StringIO())
    out = StringIO()
    call_command("demo", "--inmates", "40", stdout=out)
    polres = TPS.objects.get(number="005")
    assert polres.ksk and polres.facility.kind == "polres"
    assert Inmate.objects.filter(facility=polres.facility).count() == 9
    assert Inmate.objects.filter(facility=polres.facility, jenis_keluar="mutasi").count() == 3
    liaison = User.objects.get(username="kpukab")
    assert liaison.region_code == "33.16" and liaison.facility is None
    client = Client()
    assert client.post(reverse("login"), {"username": "kpukab",
                                          "password": "tpskhusus-demo"}).status_code == 302
    response = client.get(reverse("regency"))
    assert sorted(row.facility.code for row in response.context["rows"]) == ["POLRES-BLORA",
                                                                             "RUTAN-BLORA"]
    moves = response.context["transfers"]
    assert len(moves) == 3 and all(m.origin.tps == "005" and m.destination.tps == "901"
                                   for m in moves)
    assert [o.nama for o in response.context["overlaps"]] == ["HENDRO SUSILO"]
    kpps = Client()
    kpps.post(reverse("login"), {"username": "kpps005", "password": "tpskhusus-demo"})
    assert kpps.get(reverse("ksk_visit", args=[polres.pk])).status_code == 200


def test_the_demo_builds_the_letter_recipients_once_not_once_per_delivery(monkeypatch):
    """`manage.py demo --inmates 5000` spent most of its time rebuilding TPS 901's recipients
    for every letter it marked delivered; the marks are the same with the list built once."""
    from voters.letters import services as letters
    from voters.models import LetterDelivery

    built = []
    real = letters.recipients

    def counting(tps, **kwargs):
        built.append(tps.number)
        return real(tps, **kwargs)

    monkeypatch.setattr(letters, "recipients", counting)
    call_command("demo", "--inmates", "120", stdout=StringIO())
    assert LetterDelivery.objects.count() > 10
    assert built.count("901") == 1
