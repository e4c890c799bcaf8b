"""The Django admin: only administrators reach it, and an administrator bound to one facility
sees nothing of another (SECURITY.md check 6), for every model in ``admin.site._registry``.

Every object of Lapas Rembang made here carries "Rembang" or belongs to charlie (Rembang's
operator), so a changelist, a change form or a filter that shows one is caught by its text.
"""

import datetime as dt
import hashlib

import pytest
import security_world
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from pages_coordination import _attachment, _contact, _institution, _item, _meeting
from pages_lists import list_of

from voters.models import (
    TPS,
    AuditEvent,
    DapilEntry,
    Election,
    ImportBatch,
    LetterBatch,
    LetterDelivery,
    NoticeTemplate,
    PollingCheckIn,
    ReferenceDPT,
    User,
)

pytestmark = pytest.mark.django_db

MARKERS = ("rembang", "charlie")
NON_ADMINS = ("operator", "kpps", "kpu", "observer", "outsider")
# Global by nature: no facility, no personal data. Everything else must be scoped.
GLOBAL_MODELS = {"auth.Group"}


def own_election(world, key):
    if key == "blora":
        return world["election"]
    election, _ = Election.objects.get_or_create(
        code="PILBUP-REMBANG",
        defaults={"name": "Pilkada Rembang", "kind": "pilkada",
                  "polling_date": dt.date(2024, 11, 27), "region_code": "33.17"},
    )
    TPS.objects.get_or_create(election=election, number="905",
                              defaults={"facility": world["rembang"], "capacity": 600})
    return election


def make_objects(world, key):
    """One object of every registered model, belonging to the facility `key`."""
    facility = world[key]
    user = world["people"]["operator" if key == "blora" else "outsider"]
    tps = world["tps901" if key == "blora" else "tps_rembang"]
    election = own_election(world, key)
    label = facility.name
    voter_list = list_of(tps)
    login = {"username": user.username, "ip_address": "10.0.0.9", "user_agent": f"HP {label}",
             "path_info": "/masuk/"}
    return {
        "voters.Facility": facility,
        "voters.Election": election,
        "voters.TPS": tps,
        "voters.User": user,
        "voters.ImportBatch": ImportBatch.objects.create(
            kind="inmates", facility=facility, file_name=f"sdp {label}.csv"),
        "voters.AuditEvent": AuditEvent.objects.create(
            action="export", facility=facility, summary=f"Ekspor {label}",
            actor_name=user.username),
        "voters.NoticeTemplate": NoticeTemplate.for_election(election),
        "voters.LetterBatch": LetterBatch.objects.create(election=tps.election, tps=tps),
        "voters.LetterDelivery": LetterDelivery.objects.create(
            election=tps.election, tps=tps, voter_key=f"x:{key}", list_kind="DPT",
            list_number=1, nama=f"PEMILIH {label}", status="delivered",
            delivered_on=dt.date(2024, 11, 24)),
        "voters.PollingCheckIn": PollingCheckIn.objects.create(
            election=tps.election, tps=tps, voter_key=f"x:{key}", list_kind="DPT",
            list_number=1, nama=f"PEMILIH {label}", voted_at=timezone.now()),
        "voters.VoterList": voter_list,
        "voters.ListEntry": voter_list.entries.first(),
        "voters.ReferenceDPT": ReferenceDPT.objects.create(
            election=election, status="active", file_name=f"dpt {label}.csv",
            sha256=hashlib.sha256(key.encode()).hexdigest()),
        "voters.DapilEntry": DapilEntry.objects.create(
            election=election, contest="DPR", dapil=f"DAPIL {label}",
            kode_wilayah=facility.region_code),
        "coordination.Institution": _institution(facility),
        "coordination.Contact": _contact(world, key),
        "coordination.Meeting": _meeting(world, key),
        "coordination.ActionItem": _item(world, key),
        "coordination.Attachment": _attachment(world, key, False),
        "axes.AccessAttempt": AccessAttempt.objects.create(
            **login, get_data="", post_data="", http_accept="*/*", failures_since_start=1),
        "axes.AccessLog": AccessLog.objects.create(**login),
        "axes.AccessFailureLog": AccessFailureLog.objects.create(**login, locked_out=False),
        "otp_totp.TOTPDevice": TOTPDevice.objects.create(user=user, name=f"hp {user.username}"),
        "auth.Group": Group.objects.get_or_create(name="petugas")[0],
    }


@pytest.fixture
def world(people, blora, rembang, election, tps901, tps902, tps_rembang):
    world = security_world.places(people, blora, rembang, election, tps901, tps902, tps_rembang)
    world["own"] = make_objects(world, "blora")
    world["foreign"] = make_objects(world, "rembang")
    return world


def admin_url(obj, view):
    meta = obj._meta
    if view in ("changelist", "add"):
        return reverse(f"admin:{meta.app_label}_{meta.model_name}_{view}")
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_{view}", args=[obj.pk])


def registered():
    return sorted(model._meta.label for model in admin.site._registry)


def shows_rembang(response):
    text = response.content.decode().lower()
    return [m for m in MARKERS if m in text]


def test_every_registered_model_is_covered_here(world):
    assert set(registered()) == set(world["own"])


@pytest.mark.parametrize("role", NON_ADMINS)
def test_only_administrators_reach_the_admin_pages(role, world, client_for):
    client = client_for(world["people"][role])
    reached = []
    for label in registered():
        obj = world["own"][label]
        for view in ("changelist", "add", "change", "history", "delete"):
            response = client.get(admin_url(obj, view))
            if not (response.status_code == 302 and "/admin/login/" in response.url):
                reached.append((label, view, response.status_code))
    assert reached == []


def test_an_administrator_of_blora_sees_nothing_of_rembang(world, client_for):
    client = client_for(world["people"]["admin"])
    problems = []
    for label in registered():
        changelist = client.get(admin_url(world["own"][label], "changelist"))
        policy = changelist.get("Content-Security-Policy", "")
        if changelist.status_code != 200 or "default-src 'self'" not in policy:
            problems.append((label, "changelist", changelist.status_code))
        if shows_rembang(changelist):
            problems.append((label, "changelist shows", shows_rembang(changelist)))
        own = client.get(admin_url(world["own"][label], "change"))
        if own.status_code != 200 or shows_rembang(own):
            problems.append((label, "own change form", own.status_code, shows_rembang(own)))
        if label in GLOBAL_MODELS:
            continue
        for view in ("change", "history", "delete"):
            response = client.get(admin_url(world["foreign"][label], view))
            # The admin answers an object outside the queryset with a redirect to its index.
            if response.status_code not in (302, 403, 404) or shows_rembang(response):
                problems.append((label, view, response.status_code))
    assert problems == []


def test_a_global_administrator_sees_both_facilities(world, client_for):
    """The markers are there to be found: the scoping above is what hides them."""
    root = User.objects.create(username="root", role="admin")  # bound to no facility
    client = client_for(root)
    missing = [
        label for label in registered()
        if label not in GLOBAL_MODELS and label != "voters.ListEntry"
        and not shows_rembang(client.get(admin_url(world["foreign"][label], "change")))
    ]
    assert missing == []


def test_an_administrator_cannot_leave_the_facility_or_become_a_superuser(world, client_for):
    admin_user = world["people"]["admin"]
    alice = world["people"]["operator"]
    client = client_for(admin_user)
    form = client.get(admin_url(alice, "change")).content.decode()
    assert 'name="is_superuser"' not in form and "Lapas Kelas IIB Rembang" not in form
    response = client.post(admin_url(alice, "change"), {
        "username": "alice", "first_name": "Alice", "last_name": "", "email": "",
        "is_active": "on", "is_superuser": "on", "is_staff": "on", "role": "admin",
        "facility": world["rembang"].pk, "tps_number": "", "institution": "",
        "date_joined_0": "2024-01-01", "date_joined_1": "00:00:00",
    })
    assert response.status_code in (200, 302)
    alice.refresh_from_db()
    assert not alice.is_superuser and alice.facility_id == world["blora"].pk


def test_second_factor_secrets_are_never_shown_in_the_admin(world, client_for):
    client = client_for(world["people"]["admin"])
    own = world["own"]["otp_totp.TOTPDevice"]
    foreign = world["foreign"]["otp_totp.TOTPDevice"]
    for device in (own, foreign):
        for name in ("config", "qrcode"):
            url = reverse(f"admin:otp_totp_totpdevice_{name}", args=[device.pk])
            assert client.get(url).status_code == 403
    assert own.key not in client.get(admin_url(own, "change")).content.decode()
