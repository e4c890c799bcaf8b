"""The pages of contract 2: the reconciliation page groups rows by tindakan with the deadline
each races, and the list page, the reconciliation page and the dashboard say when a TPS's lists
(or its proposals) would exceed its capacity, and by how many."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from pages_letters import build_letter_world, make_inmate

from voters.reconciliation.services import reconcile

pytestmark = pytest.mark.django_db

BEFORE_H7 = time_machine.travel(dt.datetime(2024, 11, 15, 9, tzinfo=dt.UTC), tick=False)


@pytest.fixture
def run(tps901, election):
    world = build_letter_world(tps901)
    # Two voters off every list: proposals (CARI_DPT is no proposal; they are BELUM_TERDAFTAR).
    for n in range(2):
        make_inmate(tps901.facility, f"BI.1{n}/2024", f"ORANG {n}", serial=40 + n)
    with BEFORE_H7:
        done = reconcile(election=election, facility=tps901.facility,
                         today=dt.date(2024, 11, 15))
    done.world = world
    return done


def test_the_run_page_groups_rows_by_tindakan_with_their_deadlines(run, operator, client_for):
    with BEFORE_H7:
        page = client_for(operator).get(reverse("reconciliation_run", args=[run.pk]))
    html = page.content.decode()
    assert "Yang harus dikerjakan" in html
    assert "Minta KPU mencari di data nasional" in html and "?tindakan=CARI_DPT" in html
    assert "20-11-2024" in html and "5 hari lagi" in html  # H-7, five days from the run's date
    assert run.actions["CARI_DPT"] == 2
    with BEFORE_H7:
        only = client_for(operator).get(
            reverse("reconciliation_run", args=[run.pk]), {"tindakan": "CARI_DPT"})
    assert only.content.decode().count('class="badge cat-BELUM_TERDAFTAR"') == 2


def test_lists_over_the_tps_capacity_are_flagged_on_every_page_by_how_many(
    run, tps901, operator, client_for
):
    tps901.capacity = 3  # the world's lists hold 6 entries
    tps901.save()
    client = client_for(operator)
    with BEFORE_H7:
        lists = client.get(reverse("voter_lists")).content.decode()
        run_page = client.get(reverse("reconciliation_run", args=[run.pk])).content.decode()
        home = client.get(reverse("home")).content.decode()
    assert "3 melebihi kapasitas 3" in lists
    assert "Kapasitas TPS UPT ini 3 pemilih: daftar memuat 6" in run_page
    assert "melebihi kapasitas TPS (3)" in home


def test_lists_within_capacity_raise_no_warning(run, operator, client_for):
    client = client_for(operator)
    with BEFORE_H7:
        lists = client.get(reverse("voter_lists")).content.decode()
        run_page = client.get(reverse("reconciliation_run", args=[run.pk])).content.decode()
    assert "melebihi kapasitas" not in lists and "Kapasitas TPS UPT ini" not in run_page
