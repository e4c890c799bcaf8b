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
    assert TPS.objects.get().number == "901"
    for role in User.Role.values:
        user = User.objects.get(role=role)
        client = Client()
        response = client.post(
            reverse("login"), {"username": user.username, "password": "tpskhusus-demo"}
        )
        assert response.status_code == 302, role
        assert client.get(reverse("home")).status_code == 200
