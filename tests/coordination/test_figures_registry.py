"""The registry of figures a facility presents: declared keys, providers, failures."""
# ruff: noqa: F811 - fixtures imported from coord_factories

import datetime as dt
import logging

import pytest
from coord_factories import figure_registry  # noqa: F401

from coordination import figures

pytestmark = pytest.mark.django_db

DAY = dt.date(2024, 11, 25)


def values(blora, election):
    return {f.key: f.value for f in figures.snapshot(blora, election, DAY)}


def test_every_figure_of_a_meeting_is_computed_from_the_real_data(
    blora, rembang, election, tps901, tps_rembang, operator
):
    from pages_letters import make_inmate, make_list, nik_for

    from voters.models import ReconciliationItem, ReconciliationRun

    inside = [
        make_inmate(blora, f"B.{n}/2024", f"WARGA {n}", serial=n, masuk=dt.date(2024, 3, 1))
        for n in range(1, 5)
    ]
    make_inmate(blora, "B.9/2024", "TANPA NIK", nik="", masuk=dt.date(2024, 3, 1))
    make_inmate(blora, "A.7/2024", "ANAK", birth=dt.date(2010, 1, 1), serial=7,
                masuk=dt.date(2024, 3, 1))  # under 17 on polling day: not eligible
    make_inmate(blora, "B.8/2024", "BEBAS", serial=8, masuk=dt.date(2024, 3, 1),
                bebas=dt.date(2024, 11, 1))  # expected out before polling day
    make_inmate(blora, "B.10/2024", "SUDAH KELUAR", serial=10, masuk=dt.date(2024, 3, 1),
                keluar=dt.date(2024, 6, 1))
    make_inmate(blora, "B.11/2024", "BELUM MASUK", serial=11, masuk=dt.date(2024, 12, 1))
    make_inmate(rembang, "R.1/2024", "ORANG REMBANG", serial=1, masuk=dt.date(2024, 3, 1))
    people = [(i.nama, i.nik, i.tanggal_lahir, "L") for i in inside]
    make_list(tps901, "DPT", people[:3])
    make_list(tps901, "DPTB", people[3:])
    born = dt.date(1990, 5, 17)
    make_list(tps_rembang, "DPT", [("ORANG REMBANG", nik_for(born), born, "L")])
    run = ReconciliationRun.objects.create(
        election=election, facility=blora, today=DAY, status=ReconciliationRun.Status.DONE
    )
    categories = ["TERDAFTAR", "TERDAFTAR", "PEREKAMAN", "PERLU_PERIKSA", "KELUAR"]
    for position, category in enumerate(categories):
        ReconciliationItem.objects.create(
            run=run, position=position, category=category, key=f"inmate:{position}"
        )
    assert values(blora, election) == {
        "inmates_inside": 7,  # the four, TANPA NIK, ANAK and BEBAS (still inside on DAY)
        "inmates_expected_polling_day": 6,  # BEBAS is expected out before polling day
        "eligible": 5,  # ANAK is under 17; no NIK is a Dukcapil matter, not TMS
        "nik_valid": 6,
        "nik_missing": 1,
        "on_dpt": 3,
        "on_dptb": 1,
        "on_dpk": 0,
        "reconciliation_open": 2,  # PEREKAMAN and PERLU_PERIKSA ask someone to act
        "tps_count": 1,
        "tps_capacity": 600,
        "action_items_open": 0,
    }


def test_a_figure_with_nothing_to_count_yet_is_a_dash_or_zero(blora, election):
    snapshot = values(blora, election)
    assert snapshot["reconciliation_open"] is None  # no run yet: unknown, not zero
    assert snapshot["inmates_inside"] == 0
    assert snapshot["tps_count"] == 0
    assert len(snapshot) == 12


def test_a_provider_replaces_a_declared_figure_in_its_place(blora, election, figure_registry):
    seen = []

    def inside(facility, election, on_date):
        seen.append((facility, election, on_date))
        return 126

    figure_registry.register_figure("inmates_inside", "WBP di dalam", inside)
    snapshot = figures.snapshot(blora, election, DAY)
    assert snapshot[0].key == "inmates_inside"
    assert snapshot[0].value == 126
    assert seen == [(blora, election, DAY)]


def test_a_new_figure_without_a_position_comes_after_the_declared_ones(
    blora, election, figure_registry
):
    figure_registry.register_figure(
        "letters_delivered", "Surat pemberitahuan diterima", lambda f, e, d: 175
    )
    keys = [f.key for f in figures.snapshot(blora, election, DAY)]
    assert keys[-1] == "letters_delivered"


@pytest.mark.parametrize("result", ["126", 12.5, True, [1]])
def test_a_provider_that_returns_something_else_than_an_int_gives_a_dash(
    blora, election, figure_registry, result, caplog
):
    figure_registry.register_figure("eligible", "Memenuhi syarat", lambda f, e, d: result)
    with caplog.at_level(logging.WARNING, logger="coordination.figures"):
        assert values(blora, election)["eligible"] is None
    assert "eligible" in caplog.text


def test_a_failing_provider_never_stops_a_snapshot(blora, election, figure_registry, caplog):
    def broken(facility, election, on_date):
        raise RuntimeError("database moved")

    figure_registry.register_figure("on_dpt", "Terdaftar di DPT", broken)
    with caplog.at_level(logging.ERROR, logger="coordination.figures"):
        snapshot = values(blora, election)
    assert snapshot["on_dpt"] is None
    assert snapshot["tps_count"] == 0
    assert "on_dpt" in caplog.text


def test_compare_puts_kept_and_todays_figures_side_by_side():
    kept = [figures.FigureValue("a", "A", 10, 1), figures.FigureValue("gone", "Lama", 3, 2)]
    today = [figures.FigureValue("a", "A", 12, 1), figures.FigureValue("new", "Baru", 7, 3)]
    rows = {r["key"]: r for r in figures.compare(kept, today)}
    assert (rows["a"]["then"], rows["a"]["now"], rows["a"]["change"]) == (10, 12, 2)
    assert (rows["gone"]["then"], rows["gone"]["now"], rows["gone"]["change"]) == (3, None, None)
    assert (rows["new"]["then"], rows["new"]["now"]) == (None, 7)
    assert [r["key"] for r in figures.compare(kept, today)] == ["a", "gone", "new"]


def test_a_provider_whose_query_fails_leaves_the_meeting_recordable(
    blora, election, tps901, operator, figure_registry
):
    from coord_factories import make_meeting

    from voters.models import Facility

    def bad_query(facility, election, on_date):
        return Facility.objects.raw("SELECT * FROM no_such_table")[0]

    figure_registry.register_figure("eligible", "Memenuhi syarat", bad_query)
    meeting = make_meeting(blora, election, operator)
    kept = {f.key: f.value for f in meeting.figures.all()}
    assert kept["eligible"] is None
    assert kept["tps_count"] == 1
