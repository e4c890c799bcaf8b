"""Login, lock-out with a cool-off, idle and absolute session expiry, audit of each."""

import datetime as dt

import pytest
import time_machine
from conftest import PASSWORD
from django.test import Client
from django.urls import reverse

from voters.models import AuditEvent

pytestmark = pytest.mark.django_db


def post_login(client, username, password):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR="10.0.0.5"
    )


def test_it_logs_in_and_records_the_login(operator):
    client = Client()
    response = post_login(client, "alice", PASSWORD)
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 200
    assert AuditEvent.objects.filter(action="login", actor=operator).count() == 1


def test_a_wrong_password_is_refused_and_recorded(operator):
    response = post_login(Client(), "alice", "salah")
    assert response.status_code == 200
    assert "salah" in response.content.decode()
    assert AuditEvent.objects.filter(action="login_failed").count() == 1


def test_five_failures_lock_the_account_then_it_opens_after_the_cool_off(operator):
    with time_machine.travel(dt.datetime(2024, 11, 1, 9, 0, tzinfo=dt.UTC), tick=False):
        for _ in range(5):
            post_login(Client(), "alice", "salah")
        locked = post_login(Client(), "alice", PASSWORD)
        assert locked.status_code == 429
        assert "dikunci" in locked.content.decode()
        assert AuditEvent.objects.filter(action="locked_out").exists()
    with time_machine.travel(dt.datetime(2024, 11, 1, 9, 16, tzinfo=dt.UTC), tick=False):
        assert post_login(Client(), "alice", PASSWORD).status_code == 302


def test_lock_out_of_one_user_does_not_lock_another(operator, kpu):
    for _ in range(5):
        post_login(Client(), "alice", "salah")
    assert post_login(Client(), "kurnia", PASSWORD).status_code == 302


def test_an_idle_session_expires_after_30_minutes(operator):
    start = dt.datetime(2024, 11, 1, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        client = Client()
        post_login(client, "alice", PASSWORD)
        assert client.get(reverse("home")).status_code == 200
    with time_machine.travel(start + dt.timedelta(minutes=29), tick=False):
        assert client.get(reverse("home")).status_code == 200
    with time_machine.travel(start + dt.timedelta(minutes=29 + 31), tick=False):
        response = client.get(reverse("home"))
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))


def test_a_session_ends_after_12_hours_even_when_active(operator):
    start = dt.datetime(2024, 11, 1, 7, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        client = Client()
        post_login(client, "alice", PASSWORD)
    for minutes in range(20, 12 * 60, 20):
        with time_machine.travel(start + dt.timedelta(minutes=minutes), tick=False):
            assert client.get(reverse("home")).status_code == 200
    with time_machine.travel(start + dt.timedelta(hours=12, minutes=1), tick=False):
        assert client.get(reverse("home")).status_code == 302


def test_login_rotates_the_session_key_and_logout_ends_the_session(operator):
    client = Client()
    client.get(reverse("login"))
    before = client.cookies.get("sessionid")
    post_login(client, "alice", PASSWORD)
    assert client.cookies["sessionid"].value != (before.value if before else None)
    old_cookie = client.cookies["sessionid"].value
    client.post(reverse("logout"))
    replay = Client()
    replay.cookies["sessionid"] = old_cookie
    assert replay.get(reverse("home")).status_code == 302


def test_a_deactivated_user_loses_access_at_once(operator):
    client = Client()
    post_login(client, "alice", PASSWORD)
    operator.is_active = False
    operator.save()
    assert client.get(reverse("home")).status_code == 302


def test_a_refused_page_is_recorded(kpps, client_for):
    response = client_for(kpps).get(reverse("admin:voters_user_changelist"))
    assert response.status_code == 302  # non-admins are sent to the admin login
    from django.test import RequestFactory

    from voters.views.core import forbidden

    request = RequestFactory().get("/rahasia/")
    request.user = kpps
    assert forbidden(request).status_code == 403
    assert AuditEvent.objects.filter(action="forbidden", actor=kpps).exists()
