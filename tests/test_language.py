"""English is available through the language cookie; Accept-Language alone is ignored."""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


def choose_english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def test_login_page_in_english_with_cookie():
    response = choose_english(Client()).get(reverse("login"))
    body = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="en">' in body
    assert "Log in to TPS Khusus" in body
    assert "Username" in body
    assert "Password" in body
    assert "Masuk ke TPS Khusus" not in body
    assert response.headers["Content-Language"] == "en"


def test_operator_home_in_english_with_cookie(operator, client_for):
    response = choose_english(client_for(operator)).get(reverse("home"))
    body = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="en">' in body
    assert "Welcome, Alice" in body
    assert "Log out" in body
    assert "Selamat datang" not in body


def test_login_page_stays_indonesian_despite_accept_language():
    response = Client().get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en")
    body = response.content.decode()
    assert '<html lang="id">' in body
    assert "Masuk ke TPS Khusus" in body
    assert "Log in to TPS Khusus" not in body


def test_operator_home_stays_indonesian_despite_accept_language(operator, client_for):
    response = client_for(operator).get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en")
    body = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="id">' in body
    assert "Selamat datang, Alice" in body
    assert "Welcome" not in body


def test_unknown_language_cookie_falls_back_to_indonesian():
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    body = client.get(reverse("login")).content.decode()
    assert '<html lang="id">' in body
    assert "Masuk ke TPS Khusus" in body


def test_the_dashboard_nik_chart_is_labelled_in_the_chosen_language(
    operator, client_for, blora, election, tps901
):
    from pages_letters import make_inmate

    make_inmate(blora, "A.1/2024", "BUDI SANTOSO")
    body = choose_english(client_for(operator)).get(reverse("home")).content.decode()
    assert "Verified by Dukcapil" in body
    assert "NIK empty or invalid" in body
    assert "Terverifikasi Dukcapil" not in body
    indonesian = client_for(operator).get(reverse("home")).content.decode()
    assert "Terverifikasi Dukcapil" in indonesian
