"""Two-factor login for roles that see full NIKs (REQUIRE_2FA)."""

import pytest
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

pytestmark = pytest.mark.django_db


def token(device):
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def test_without_the_setting_a_password_is_enough(operator, client_for):
    assert client_for(operator).get(reverse("inmate_list")).status_code == 200


def test_roles_seeing_full_niks_must_set_up_and_pass_a_second_factor(
        operator, client_for, settings):
    settings.REQUIRE_2FA = True
    client = client_for(operator)
    response = client.get(reverse("inmate_list"))
    assert response.status_code == 302 and response.url.startswith(reverse("two_factor"))
    page = client.get(response.url)
    assert "autentikator" in page.content.decode()
    device = TOTPDevice.objects.get(user=operator)
    bad = client.post(reverse("two_factor"), {"token": "000000", "next": "/wbp/"})
    assert "Kode salah" in bad.content.decode()
    device.refresh_from_db()
    device.throttle_reset()  # a failure throttles the next try for a moment
    good = client.post(reverse("two_factor"), {"token": token(device), "next": "/wbp/"})
    assert good.status_code == 302 and good.url == "/wbp/"
    assert client.get(reverse("inmate_list")).status_code == 200


def test_a_used_code_cannot_be_replayed(operator, client_for, settings):
    settings.REQUIRE_2FA = True
    device = TOTPDevice.objects.create(user=operator, name="a", confirmed=True)
    code = token(device)
    first = client_for(operator)
    assert first.post(reverse("two_factor"), {"token": code}).status_code == 302
    second = client_for(operator)
    assert "Kode salah" in second.post(reverse("two_factor"), {"token": code}).content.decode()


def test_observers_who_see_masked_data_need_no_second_factor(observer, client_for, settings):
    settings.REQUIRE_2FA = True
    assert client_for(observer).get(reverse("inmate_list")).status_code == 200


def test_an_offsite_next_url_is_ignored(operator, client_for, settings):
    settings.REQUIRE_2FA = True
    device = TOTPDevice.objects.create(user=operator, name="a", confirmed=True)
    response = client_for(operator).post(
        reverse("two_factor"), {"token": token(device), "next": "https://evil.example/"})
    assert response.url == "/"
