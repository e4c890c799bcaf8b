"""The home-page dashboards: the charts each role gets, masked aggregates for observers, empty
states, and a number of queries that does not grow with the data."""

import datetime as dt
import re

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pages_letters import build_letter_world, make_inmate, make_list

from coordination import services as coordination
from coordination.models import ActionItem, Institution, Meeting
from voters.letters import services as letters_service
from voters.models import ReconciliationRun
from voters.reconciliation.services import reconcile

pytestmark = pytest.mark.django_db

TODAY = dt.datetime(2024, 11, 15, 3, 0, tzinfo=dt.UTC)  # 10.00 WIB, H-12
STYLE_ATTRIBUTE = re.compile(r"<[^>]+\sstyle=", re.I)
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\ssrc=)[^>]*>", re.I)


@pytest.fixture
def world(tps901, operator, kpps):
    with time_machine.travel(TODAY, tick=False):
        letters = build_letter_world(tps901)
        reconcile(election=tps901.election, facility=tps901.facility)
        voter = letters_service.recipients(tps901)[0]
        letters_service.record_delivery(tps=tps901, key=voter.key, status="delivered", user=kpps)
        meeting = add_meeting(tps901, operator)
        add_action(meeting, due=dt.date(2024, 11, 10))  # overdue
        add_action(meeting, due=dt.date(2024, 11, 18))  # this week
    return letters


def add_meeting(tps, user):
    coordination.ensure_institutions(tps.facility)
    return coordination.create_meeting(
        meeting=Meeting(
            facility=tps.facility,
            election=tps.election,
            title="Rapat koordinasi",
            stage=Meeting.Stage.VOTING,
            date=dt.date(2024, 11, 1),
            venue="KPU",
        ),
        user=user,
    )


def add_action(meeting, *, due, title="Serahkan data WBP baru"):
    owner = Institution.objects.filter(facility=meeting.facility).first()
    return coordination.create_action_item(
        item=ActionItem(meeting=meeting, title=title, owner_institution=owner, due_date=due),
        user=None,
    )


def home(client):
    with time_machine.travel(TODAY, tick=False):
        return client.get(reverse("home"))


def card_keys(response):
    return [card["key"] for card in response.context["dashboard"]["cards"]]


def test_the_operator_sees_inmates_nik_reconciliation_letters_deadlines_and_follow_ups(
    world, operator, client_for
):
    response = home(client_for(operator))
    assert card_keys(response) == [
        "wbp",
        "nik",
        "rekonsiliasi",
        "surat-901",
        "tenggat",
        "tindak-lanjut",
    ]
    html = response.content.decode()
    assert "WBP hari ini dan pada hari pemungutan" in html
    assert 'class="donut"' in html and 'role="img"' in html
    assert reverse("nik_worklist_tab", args=["perekaman"]) in html
    tiles = {t["label"]: t["value"] for t in response.context["dashboard"]["headline"]}
    assert tiles["menuju hari pemungutan"] == 12
    assert tiles["WBP di dalam hari ini"] == 5
    assert tiles["diperkirakan memilih di rutan"] == 4  # Joko is released before polling day


def test_the_kpps_officer_sees_letters_countdown_to_h3_and_polling_counts(world, kpps, client_for):
    response = home(client_for(kpps))
    assert card_keys(response) == ["surat-901", "tenggat", "pemungutan", "tindak-lanjut"]
    letters = response.context["dashboard"]["cards"][0]
    segments = {s["label"]: s["value"] for s in letters["chart"]["segments"]}
    assert segments == {"Sudah diterima": 1, "Tidak dapat disampaikan": 0, "Belum diserahkan": 3}
    countdown = response.context["dashboard"]["cards"][1]["chart"]["rows"]
    assert [r["code"] for r in countdown] == ["H-3", "H-1", "H"]
    assert countdown[0]["text"] == "9 hari lagi"


def test_the_kpu_liaison_sees_list_status_reconciliation_and_exports(world, kpu, client_for):
    response = home(client_for(kpu))
    keys = card_keys(response)
    assert keys[:3] == ["daftar", "rekonsiliasi", "ekspor"]
    lists = response.context["dashboard"]["cards"][0]["chart"]["rows"]
    assert [row["label"] for row in lists] == ["DPT", "DPTb"]
    run = ReconciliationRun.objects.get()
    assert reverse("reconciliation_export", args=[run.pk, "rekonsiliasi", "xlsx"]) in (
        response.content.decode()
    )


def test_the_list_status_card_reads_the_run_s_kept_counts(world, kpu, client_for):
    """A run keeps its rows per list and category (list_counts, migration 0018), equal to its
    items'; a run made before that is counted from its items, with the same card."""
    from voters.reconciliation.services import counts_by_list

    run = ReconciliationRun.objects.get()
    from_items = counts_by_list((i.daftar, i.category, 1) for i in run.items.all())
    assert run.list_counts == from_items and set(from_items) == {"DPT", "DPTB"}
    kept = home(client_for(kpu)).context["dashboard"]["cards"][0]
    with CaptureQueriesContext(connection) as queries:
        home(client_for(kpu))
    assert not [q for q in queries.captured_queries if "reconciliationitem" in q["sql"]]
    ReconciliationRun.objects.filter(pk=run.pk).update(list_counts=None)
    assert home(client_for(kpu)).context["dashboard"]["cards"][0] == kept
    # a run that reuses the last one's outcome keeps the same counts
    with time_machine.travel(TODAY, tick=False):
        again = reconcile(election=run.election, facility=run.facility)
    assert again.reused_from_id == run.pk and again.list_counts == from_items


def test_observers_get_aggregates_without_links_into_staff_pages(world, observer, client_for):
    response = home(client_for(observer))
    html = response.content.decode()
    assert "ekspor" not in card_keys(response)
    assert reverse("nik_worklist") not in html
    assert "/ekspor/" not in html
    for inmate in world.inside:
        assert inmate.nama not in html


@pytest.mark.parametrize("role", ["operator", "kpps", "kpu", "observer", "admin"])
def test_dashboards_use_no_inline_style_or_script(world, people, role, client_for):
    html = home(client_for(people[role])).content.decode()
    assert "<svg" in html
    assert not STYLE_ATTRIBUTE.search(html)
    assert not INLINE_SCRIPT.search(html)


def test_without_an_election_the_home_page_explains_what_to_do(operator, client_for):
    response = client_for(operator).get(reverse("home"))
    assert response.context["dashboard"] == {"headline": [], "cards": []}
    assert "Belum ada pemilihan untuk UPT Anda" in response.content.decode()


def test_empty_cards_say_what_to_do_next(tps901, operator, client_for):
    response = home(client_for(operator))
    cards = {card["key"]: card for card in response.context["dashboard"]["cards"]}
    assert "Impor SDP" in cards["wbp"]["empty"]
    assert "Jalankan rekonsiliasi sekarang" in cards["rekonsiliasi"]["empty"]
    assert "daftar pemilih TPS ini belum dimuat" in cards["surat-901"]["empty"]


def grow(tps, n):
    """n more inmates inside, each on the DPT, half with a delivered letter, and n follow-ups."""
    facility = tps.facility
    people = []
    for i in range(n):
        birth = dt.date(1970, 1, 1) + dt.timedelta(days=97 * i)
        inmate = make_inmate(
            facility,
            f"BII.{100 + i}/2024",
            f"WARGA BINAAN {i}",
            birth=birth,
            blok="C",
            serial=500 + i,
        )
        people.append((inmate.nama, inmate.nik, inmate.tanggal_lahir, "L"))
    tps.voter_lists.filter(kind="DPK").delete()
    make_list(tps, "DPK", people)
    with time_machine.travel(TODAY, tick=False):
        reconcile(election=tps.election, facility=facility)
        for voter in letters_service.recipients(tps)[: n // 2]:
            letters_service.record_delivery(tps=tps, key=voter.key, status="delivered", user=None)
        meeting = Meeting.objects.first()
        for i in range(n):
            add_action(
                meeting,
                due=dt.date(2024, 11, 1) + dt.timedelta(days=i % 30),
                title=f"Tindak lanjut {i}",
            )


@pytest.mark.parametrize("role", ["operator", "kpps", "kpu", "observer"])
def test_the_number_of_queries_does_not_grow_with_the_data(
    world, people, tps901, role, client_for, django_assert_max_num_queries
):
    client = client_for(people[role])
    home(client)  # warm the session and the site caches
    with CaptureQueriesContext(connection) as small:
        home(client)
    warm = len(small.captured_queries)  # read now: the next request clears the log
    cache.clear()  # the letter counts are cached per change of their inputs (letter_counts.py)
    with CaptureQueriesContext(connection) as small:
        home(client)
    cold = len(small.captured_queries)
    grow(tps901, 40)
    home(client)  # the counts of the grown data, computed once
    with django_assert_max_num_queries(warm):
        response = home(client)
    assert response.status_code == 200
    cache.clear()
    with django_assert_max_num_queries(cold):
        home(client)


def test_the_charts_do_not_run_the_context_processors_again(world, operator, client_for,
                                                            monkeypatch):
    """The menu and the facility picker are made once per page, not once more per chart (six
    charts on the operator's home page: issue 19 item 7), and the charts are still drawn."""
    from voters.core import navigation

    made = []
    items_for = navigation.items_for
    monkeypatch.setattr(navigation, "items_for",
                        lambda request: made.append(request.path) or items_for(request))
    with time_machine.travel(TODAY, tick=False):
        response = home(client_for(operator))
    assert response.status_code == 200
    assert made == ["/"]
    charts = re.findall(r'id="grafik-[\w-]+', response.content.decode())
    assert len(charts) >= 4

def test_the_donut_starts_at_twelve_and_its_segments_add_up_to_the_circle():
    template = Template("{% load charts %}{% chart card %}")
    card = {
        "key": "x",
        "title": "Surat",
        "kind": "donut",
        "chart": {
            "total": 3,
            "center": "33%",
            "center_label": "diterima",
            "segments": [
                {"label": "a", "value": 1, "tone": "ok"},
                {"label": "b", "value": 2, "tone": "neutral"},
            ],
        },
    }
    html = template.render(Context({"card": card}))
    dashes = re.findall(r'stroke-dasharray="([\d.]+) ([\d.]+)"', html)
    offsets = re.findall(r'stroke-dashoffset="(-?[\d.]+)"', html)
    assert sum(float(a) for a, _b in dashes) == pytest.approx(100)
    assert offsets == ["25.00", "-8.33"]
    assert "<title" in html and "<desc" in html


def test_bar_widths_are_written_with_a_decimal_point_in_every_language(settings):
    from django.utils import translation

    template = Template("{% load charts %}{% chart card %}")
    card = {
        "key": "y",
        "title": "WBP",
        "kind": "bars",
        "chart": {
            "rows": [
                {"label": "a", "value": 1, "tone": "ok"},
                {"label": "b", "value": 3, "tone": "info"},
            ]
        },
    }
    with translation.override("id"):
        html = template.render(Context({"card": card}))
    assert 'width="33.3"' in html and 'width="100.0"' in html


def test_a_chart_is_drawn_once_per_card_and_again_when_a_figure_or_the_language_changes(
        monkeypatch):
    """The dashboards draw the same charts on every view: the SVG is kept under a digest of
    the card (issue 19 item 7), and a changed figure, title or language is a new drawing."""
    from django.utils import translation

    from voters.templatetags import charts

    drawn = []
    real = charts.render_to_string
    monkeypatch.setattr(charts, "render_to_string",
                        lambda name, context: drawn.append(name) or real(name, context))
    monkeypatch.setattr(charts, "_CHARTS", {})
    template = Template("{% load charts %}{% chart card %}")

    def card(value, title="Status NIK"):
        return {"key": "nik", "title": title, "kind": "bars", "chart": {"total": 10, "rows": [
            {"label": "valid", "value": value, "tone": "ok"},
            {"label": "belum", "value": 10 - value, "tone": "warn"}]}}

    first = template.render(Context({"card": card(3)}))
    assert template.render(Context({"card": card(3)})) == first
    assert len(drawn) == 1
    changed = template.render(Context({"card": card(4)}))
    assert changed != first and len(drawn) == 2
    assert template.render(Context({"card": card(3, "Status NIK WBP")})) != first
    assert len(drawn) == 3
    with translation.override("en"):
        template.render(Context({"card": card(3)}))
    assert len(drawn) == 4
