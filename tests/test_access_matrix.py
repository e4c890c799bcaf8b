"""Every page x every role x own and foreign objects (see matrix.py)."""

import importlib
import pkgutil
import re
from pathlib import Path

import pytest
import security_world
from matrix import PAGES, ROLES

# Import every pages_*.py module so that each registers its pages.
for info in pkgutil.iter_modules([str(Path(__file__).parent)]):
    if info.name.startswith("pages_"):
        importlib.import_module(info.name)

pytestmark = pytest.mark.django_db

NIK16 = re.compile(rb"(?<!\d)\d{16}(?!\d)")


@pytest.fixture
def world(people, blora, rembang, election, tps901, tps902, tps_rembang):
    return security_world.places(people, blora, rembang, election, tps901, tps902, tps_rembang)


def refused(response):
    if response.status_code in (403, 404):
        return True
    return response.status_code == 302 and ("login" in response.url or "masuk" in response.url)


def fetch(client, page, url):
    return getattr(client, page.method)(url)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
@pytest.mark.parametrize("role", ROLES)
def test_each_role_reaches_only_its_pages(page, role, world, client_for):
    url = page.url(world)
    response = fetch(client_for(world["people"][role]), page, url)
    if role in page.roles:
        assert response.status_code in page.ok_status, (role, url, response.status_code)
        if response.get("Content-Type", "").startswith("text/html"):
            policy = response.get("Content-Security-Policy", "")
            assert "default-src 'self'" in policy and "unsafe-inline" not in policy, url
    else:
        assert refused(response), (role, url, response.status_code)


@pytest.mark.parametrize("page", [p for p in PAGES if p.foreign_url], ids=lambda p: p.name)
@pytest.mark.parametrize("role", ROLES)
def test_no_role_sees_objects_outside_its_scope(page, role, world, client_for):
    url = page.foreign_url(world)
    response = fetch(client_for(world["people"][role]), page, url)
    if role in page.foreign_roles:
        return
    assert refused(response), (role, url, response.status_code)
    assert world["rembang"].name.encode() not in response.content


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_anonymous_visitors_are_sent_to_login(page, world, client):
    response = fetch(client, page, page.url(world))
    assert response.status_code == 302
    assert "/masuk/" in response.url or "/admin/login/" in response.url


@pytest.mark.parametrize("page", [p for p in PAGES if p.foreign_url], ids=lambda p: p.name)
def test_an_outsider_is_refused_every_object_of_blora(page, world, client_for):
    response = fetch(client_for(world["people"]["outsider"]), page, page.url(world))
    if page.foreign_url and response.status_code == 200:
        assert world["blora"].name.encode() not in response.content
    else:
        assert refused(response)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
@pytest.mark.parametrize("role", ["observer", "kpps"])
def test_masked_roles_never_receive_a_full_nik(page, role, world, client_for):
    response = fetch(client_for(world["people"][role]), page, page.url(world))
    if response.status_code == 200 and not response.streaming:
        assert not NIK16.search(response.content), (role, page.name)


# Users scoped to a regency (CONTRACT.md ``add_user --region``): the same pages as their role,
# the same objects as a user of each facility of the regency, and nothing of another regency.


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
@pytest.mark.parametrize("role", ["kpu", "observer"])
def test_a_regency_user_reaches_the_pages_of_their_role(page, role, world, regency_people,
                                                        client_for):
    response = fetch(client_for(regency_people[role]), page, page.url(world))
    if role in page.roles:
        assert response.status_code in page.ok_status, (role, page.name, response.status_code)
    else:
        assert refused(response), (role, page.name, response.status_code)


@pytest.mark.parametrize("page", [p for p in PAGES if p.foreign_url], ids=lambda p: p.name)
@pytest.mark.parametrize("role", ["kpu", "observer"])
def test_a_regency_user_sees_nothing_of_another_regency(page, role, world, regency_people,
                                                        client_for):
    if role in page.foreign_roles:
        return
    response = fetch(client_for(regency_people[role]), page, page.foreign_url(world))
    assert refused(response), (role, page.name, response.status_code)
    assert world["rembang"].name.encode() not in response.content


@pytest.mark.parametrize("page", [p for p in PAGES if p.foreign_url], ids=lambda p: p.name)
def test_another_regencys_liaison_is_refused_every_object_of_blora(page, world, regency_people,
                                                                   client_for):
    response = fetch(client_for(regency_people["outsider"]), page, page.url(world))
    if response.status_code == 200:
        assert world["blora"].name.encode() not in response.content, page.name
    else:
        assert refused(response), (page.name, response.status_code)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_a_regency_observer_never_receives_a_full_nik(page, world, regency_people, client_for):
    response = fetch(client_for(regency_people["observer"]), page, page.url(world))
    if response.status_code == 200 and not response.streaming:
        assert not NIK16.search(response.content), page.name
