"""Progress polls are not activity (SECURITY.md check 3, issue 19 item 9).

A page left open on a job polls its progress every second; a letter batch that never ends
used to keep the session alive for the whole 12 hours. Every progress endpoint (every URL
whose name says "progress" or whose address says "kemajuan" or "pekerjaan") is marked
@passive: polling it every 5 minutes for 40 minutes ends the session at 30, while a person
opening ordinary pages as often stays in. A poll does not even save the session.
"""

import datetime as dt

import pytest
import security_world
import time_machine
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import URLPattern, get_resolver, reverse

from voters.core.middleware import is_passive

pytestmark = pytest.mark.django_db

PAGES = {page.name: page for page in security_world.load_pages()}
START = dt.datetime(2024, 11, 20, 9, 0, tzinfo=dt.UTC)


def url_patterns(resolver=None, prefix="", namespace=""):
    """(name with namespace, route, callback) of every URL of the app (the admin's aside)."""
    for pattern in (resolver or get_resolver()).url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLPattern):
            if pattern.name:
                yield f"{namespace}{pattern.name}", route, pattern.callback
        elif getattr(pattern, "app_name", None) != "admin":
            space = f"{pattern.namespace}:" if pattern.namespace else namespace
            yield from url_patterns(pattern, route, space)


def is_progress(name, route):
    return "progress" in name or "kemajuan" in route or "pekerjaan" in route


PROGRESS = sorted(name for name, route, _ in url_patterns() if is_progress(name, route))


def test_every_progress_endpoint_is_passive_and_nothing_else_is():
    assert {"job_progress", "letter_batch_progress"} <= set(PROGRESS)
    for name, route, callback in url_patterns():
        assert is_passive(callback) == is_progress(name, route), (name, route)


@pytest.fixture
def world(people, blora, rembang, election, tps901, tps902, tps_rembang):
    return security_world.places(people, blora, rembang, election, tps901, tps902, tps_rembang)


def signed_in(user):
    with time_machine.travel(START, tick=False):
        client = Client()
        client.force_login(user)
    return client


def at(minutes):
    return time_machine.travel(START + dt.timedelta(minutes=minutes), tick=False)


@pytest.mark.parametrize("name", PROGRESS)
def test_polling_progress_for_40_minutes_ends_an_idle_session(name, world):
    page = PAGES[name]  # every progress endpoint has its page in the matrix
    user = world["people"][page.roles[0]]
    url = page.url(world)
    client = signed_in(user)
    polled = []
    for minutes in range(5, 45, 5):
        with at(minutes):
            polled.append(client.get(url).status_code)
    assert polled[:6] == [200] * 6  # 5 … 30 minutes: still signed in
    assert 302 in polled[6:]  # 35 and 40 minutes: idle for longer than 30, signed out
    with at(41):
        response = client.get(reverse("home"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


@pytest.mark.parametrize("name", PROGRESS)
def test_a_poll_does_not_write_the_session(name, world):
    page = PAGES[name]
    client = signed_in(world["people"][page.roles[0]])
    url = page.url(world)
    before = Session.objects.get(session_key=client.session.session_key)
    with at(10):
        assert client.get(url).status_code == 200
    after = Session.objects.get(session_key=client.session.session_key)
    assert (after.session_data, after.expire_date) == (before.session_data, before.expire_date)


def test_a_person_opening_pages_every_5_minutes_stays_signed_in(world):
    client = signed_in(world["people"]["operator"])
    for minutes in range(5, 45, 5):
        with at(minutes):
            assert client.get(reverse("home")).status_code == 200
    with at(44):
        assert client.get(reverse("inmate_list")).status_code == 200


def test_a_page_saves_the_session_at_most_once_a_minute(operator, client_for):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    start = dt.datetime(2024, 11, 1, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        client = client_for(operator)

    def session_writes(at):
        with time_machine.travel(at, tick=False), CaptureQueriesContext(connection) as seen:
            assert client.get(reverse("home")).status_code == 200
        return [q["sql"][:60] for q in seen.captured_queries if "django_session" in q["sql"]
                and q["sql"].lstrip().upper().startswith(("UPDATE", "INSERT"))]

    assert session_writes(start + dt.timedelta(seconds=61)) != []  # the idle timer moves on
    assert session_writes(start + dt.timedelta(seconds=90)) == []  # within the minute
    assert session_writes(start + dt.timedelta(seconds=125)) != []
