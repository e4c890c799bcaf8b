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
from conftest import PASSWORD
from django import forms
from django.contrib import admin
from django.contrib.auth.models import Group
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from pages_coordination import _attachment, _contact, _decision, _institution, _item, _meeting
from pages_letters import make_inmate
from pages_lists import list_of

from coordination.models import Attendee
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
    TMSReason,
    User,
)

pytestmark = pytest.mark.django_db

MARKERS = ("rembang", "charlie")
NON_ADMINS = ("operator", "kpps", "kpu", "observer", "outsider")
# Global by nature: no facility, no personal data. Everything else must be scoped.
GLOBAL_MODELS = {"auth.Group", "voters.TMSReason"}


def own_election(world, key):
    if key == "blora":
        return world["election"]
    election, _ = Election.objects.get_or_create(
        code="PILBUP-REMBANG",
        defaults={
            "name": "Pilkada Rembang",
            "kind": "pilkada",
            "polling_date": dt.date(2024, 11, 27),
            "region_code": "33.17",
        },
    )
    TPS.objects.get_or_create(
        election=election, number="905", defaults={"facility": world["rembang"], "capacity": 600}
    )
    return election


def make_objects(world, key):
    """One object of every registered model, belonging to the facility `key`."""
    facility = world[key]
    user = world["people"]["operator" if key == "blora" else "outsider"]
    tps = world["tps901" if key == "blora" else "tps_rembang"]
    election = own_election(world, key)
    label = facility.name
    voter_list = list_of(tps)
    login = {
        "username": user.username,
        "ip_address": "10.0.0.9",
        "user_agent": f"HP {label}",
        "path_info": "/masuk/",
    }
    return {
        "voters.Facility": facility,
        "voters.Election": election,
        "voters.TPS": tps,
        "voters.User": user,
        "voters.ImportBatch": ImportBatch.objects.create(
            kind="inmates", facility=facility, file_name=f"sdp {label}.csv"
        ),
        "voters.AuditEvent": AuditEvent.objects.create(
            action="export", facility=facility, summary=f"Ekspor {label}", actor_name=user.username
        ),
        "voters.NoticeTemplate": NoticeTemplate.for_election(election),
        "voters.TMSReason": TMSReason.objects.get_or_create(
            key="uji-global", defaults={"code": "99", "label": "Alasan uji"}
        )[0],
        "voters.LetterBatch": LetterBatch.objects.create(election=tps.election, tps=tps),
        "voters.LetterDelivery": LetterDelivery.objects.create(
            election=tps.election,
            tps=tps,
            voter_key=f"x:{key}",
            list_kind="DPT",
            list_number=1,
            nama=f"PEMILIH {label}",
            status="delivered",
            delivered_on=dt.date(2024, 11, 24),
        ),
        "voters.PollingCheckIn": PollingCheckIn.objects.create(
            election=tps.election,
            tps=tps,
            voter_key=f"x:{key}",
            list_kind="DPT",
            list_number=1,
            nama=f"PEMILIH {label}",
            voted_at=timezone.now(),
        ),
        "voters.VoterList": voter_list,
        "voters.ListEntry": voter_list.entries.first(),
        "voters.ReferenceDPT": ReferenceDPT.objects.create(
            election=election,
            status="active",
            file_name=f"dpt {label}.csv",
            sha256=hashlib.sha256(key.encode()).hexdigest(),
        ),
        "voters.DapilEntry": DapilEntry.objects.create(
            election=election,
            contest="DPR",
            dapil=f"DAPIL {label}",
            kode_wilayah=facility.region_code,
        ),
        "coordination.Institution": _institution(facility),
        "coordination.Contact": _contact(world, key),
        "coordination.Meeting": _meeting(world, key),
        "coordination.ActionItem": _item(world, key),
        "coordination.Attachment": _attachment(world, key, False),
        "axes.AccessAttempt": AccessAttempt.objects.create(
            **login, get_data="", post_data="", http_accept="*/*", failures_since_start=1
        ),
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
            # The app's own refusal (tpskhusus/admin_site.py), never an admin page.
            if response.status_code != 403:
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
        label
        for label in registered()
        if label not in GLOBAL_MODELS
        and label != "voters.ListEntry"
        and not shows_rembang(client.get(admin_url(world["foreign"][label], "change")))
    ]
    assert missing == []


def test_an_administrator_cannot_leave_the_facility_or_become_a_superuser(world, client_for):
    admin_user = world["people"]["admin"]
    alice = world["people"]["operator"]
    client = client_for(admin_user)
    form = client.get(admin_url(alice, "change")).content.decode()
    assert 'name="is_superuser"' not in form and "Lapas Kelas IIB Rembang" not in form
    response = client.post(
        admin_url(alice, "change"),
        {
            "username": "alice",
            "first_name": "Alice",
            "last_name": "",
            "email": "",
            "is_active": "on",
            "is_superuser": "on",
            "is_staff": "on",
            "role": "admin",
            "facility": world["rembang"].pk,
            "tps_number": "",
            "institution": "",
            "date_joined_0": "2024-01-01",
            "date_joined_1": "00:00:00",
        },
    )
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


# -- every row an admin form points at is within the administrator's scope (check 32) -------

# Rows of no facility that anyone may pick: nothing of another facility among them.
UNSCOPED_TARGETS = {"contenttypes.ContentType", "auth.Group", "auth.Permission"}


def foreign_rows(world):
    """A row of Rembang for every model an admin form may point at."""
    rows = dict(world["foreign"])
    rows["coordination.Decision"] = _decision(world, "rembang")
    rows["coordination.Attendee"] = Attendee.objects.create(
        meeting=_meeting(world, "rembang"), name="Peserta Rembang"
    )
    rows["voters.Inmate"] = make_inmate(world["rembang"], "R.9/2024", "RINA REMBANG")
    return rows


def request_as(user):
    request = RequestFactory().get("/admin/")
    request.user = user
    return request


def admin_forms(request, own):
    """(where, form class) of every add and change form of the admin, inlines included."""
    for model, model_admin in admin.site._registry.items():
        label = model._meta.label
        obj = own[label]
        if model_admin.has_add_permission(request):
            yield f"{label} add", model_admin.get_form(request, None)
            for inline in model_admin.get_inline_instances(request, None):
                yield f"{label} add {type(inline).__name__}", inline.get_formset(request).form
        if model_admin.has_change_permission(request, obj):
            yield f"{label} change", model_admin.get_form(request, obj)
            for inline in model_admin.get_inline_instances(request, obj):
                yield (
                    f"{label} change {type(inline).__name__}",
                    inline.get_formset(request, obj).form,
                )


def choice_fields(form_class):
    for name, field in form_class.base_fields.items():
        if isinstance(field, forms.ModelChoiceField):
            yield name, field


def test_every_admin_form_field_offers_and_accepts_only_the_facility_own_rows(world):
    """Walks every form of admin.site._registry (inlines included) and every field that points
    at another row: another facility's row is neither offered nor accepted."""
    foreign = foreign_rows(world)
    request = request_as(world["people"]["admin"])
    checked, problems = set(), []
    for where, form_class in admin_forms(request, world["own"]):
        for name, field in choice_fields(form_class):
            target = field.queryset.model._meta.label
            if target in UNSCOPED_TARGETS:
                continue
            if target not in foreign:
                problems.append((where, name, f"no row of Rembang to try for {target}"))
                continue
            checked.add((where.split()[0], name))
            row = foreign[target]
            if field.queryset.filter(pk=row.pk).exists():
                problems.append((where, name, "offers", target))
            try:
                field.clean(
                    [row.pk] if isinstance(field, forms.ModelMultipleChoiceField) else row.pk
                )
                problems.append((where, name, "accepts", target))
            except ValidationError:
                pass
    assert problems == []
    # The reported ones are among the fields walked (the add form of a user included).
    assert {
        ("coordination.ActionItem", "decision"),
        ("coordination.ActionItem", "meeting"),
        ("coordination.Meeting", "institution"),
        ("coordination.Meeting", "organiser"),
        ("voters.User", "facility"),
        ("voters.TPS", "election"),
        ("otp_totp.TOTPDevice", "user"),
    } <= checked


def test_a_global_administrator_is_offered_every_facility_rows(world):
    """The walk above is not empty-handed: without a facility the same fields offer Rembang's."""
    foreign = foreign_rows(world)
    root = User.objects.create(username="root", role="admin")
    offered = {
        (where.split()[0], name)
        for where, form_class in admin_forms(request_as(root), world["own"])
        for name, field in choice_fields(form_class)
        if field.queryset.model._meta.label in foreign
        and field.queryset.filter(pk=foreign[field.queryset.model._meta.label].pk).exists()
    }
    assert {
        ("coordination.ActionItem", "decision"),
        ("coordination.Meeting", "institution"),
        ("voters.User", "facility"),
        ("voters.TPS", "election"),
    } <= offered


def test_generic_links_of_admin_forms_are_the_ones_tested_here(world):
    """Action item links are the only generic links in the admin; their test is below."""
    request = request_as(world["people"]["admin"])
    linked = {
        form_class._meta.model._meta.label
        for _where, form_class in admin_forms(request, world["own"])
        for field in form_class._meta.model._meta.private_fields
        if isinstance(field, GenericForeignKey)
    }
    assert linked == {"coordination.ActionItemLink"}


def change_form_data(response):
    """The POST data of an admin change form as shown (inline management forms included)."""
    data = {}

    def add(form):
        for bound in form:
            value = bound.value()
            if value is None or value is False:
                continue
            if value is True:
                value = "on"
            data[bound.html_name] = value if isinstance(value, list) else str(value)

    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        add(inline.formset.management_form)
        for form in inline.formset.forms:
            add(form)
    return data


def add_inline_row(data, prefix, **fields):
    number = int(data[f"{prefix}-TOTAL_FORMS"])
    data[f"{prefix}-TOTAL_FORMS"] = str(number + 1)
    for name, value in fields.items():
        data[f"{prefix}-{number}-{name}"] = str(value)
    return data


def test_an_action_item_takes_no_decision_of_another_facility_meeting(world, client_for):
    item = world["own"]["coordination.ActionItem"]
    own_decision = _decision(world, "blora")
    client = client_for(world["people"]["admin"])
    url = admin_url(item, "change")
    data = change_form_data(client.get(url))
    data["decision"] = str(_decision(world, "rembang").pk)
    assert client.post(url, data).status_code == 200  # the form again, with its error
    item.refresh_from_db()
    assert item.decision_id is None
    data["decision"] = str(own_decision.pk)
    assert client.post(url, data).status_code == 302
    item.refresh_from_db()
    assert item.decision_id == own_decision.pk


def test_a_global_administrator_takes_no_decision_of_another_meeting(world, client_for):
    item = world["own"]["coordination.ActionItem"]
    client = client_for(User.objects.create(username="root", role="admin"))
    url = admin_url(item, "change")
    data = change_form_data(client.get(url))
    data["decision"] = str(_decision(world, "rembang").pk)
    assert client.post(url, data).status_code == 200
    item.refresh_from_db()
    assert item.decision_id is None


@pytest.mark.parametrize("kind", ["inmate", "listentry"])
@pytest.mark.parametrize("who", ["admin", "root"])
def test_an_action_item_links_no_row_of_another_facility(kind, who, world, client_for):
    item = world["own"]["coordination.ActionItem"]
    own = {
        "inmate": make_inmate(world["blora"], "B.9/2024", "BUDI BLORA"),
        "listentry": world["own"]["voters.ListEntry"],
    }[kind]
    foreign = {
        "inmate": foreign_rows(world)["voters.Inmate"],
        "listentry": world["foreign"]["voters.ListEntry"],
    }[kind]
    content_type = ContentType.objects.get_for_model(foreign)
    user = (
        world["people"]["admin"]
        if who == "admin"
        else User.objects.create(username="root", role="admin")
    )
    client = client_for(user)
    url = admin_url(item, "change")
    shown = change_form_data(client.get(url))
    before = set(item.links.values_list("pk", flat=True))
    for object_id in (foreign.pk, 999999, "x"):
        data = add_inline_row(
            dict(shown), "links", content_type=content_type.pk, object_id=object_id, label=""
        )
        assert client.post(url, data).status_code == 200, object_id
        assert set(item.links.values_list("pk", flat=True)) == before
    data = add_inline_row(
        dict(shown), "links", content_type=content_type.pk, object_id=own.pk, label=""
    )
    assert client.post(url, data).status_code == 302
    assert item.links.filter(content_type=content_type, object_id=str(own.pk)).exists()


def test_a_link_names_no_row_outside_any_facility(world, client_for):
    item = world["own"]["coordination.ActionItem"]
    client = client_for(User.objects.create(username="root", role="admin"))
    url = admin_url(item, "change")
    data = add_inline_row(
        change_form_data(client.get(url)),
        "links",
        content_type=ContentType.objects.get_for_model(Election).pk,
        object_id=world["election"].pk,
        label="",
    )
    assert client.post(url, data).status_code == 200
    assert not item.links.filter(content_type__model="election").exists()


def test_a_meeting_attendee_takes_no_institution_of_another_facility(world, client_for):
    meeting = world["own"]["coordination.Meeting"]
    client = client_for(world["people"]["admin"])
    url = admin_url(meeting, "change")
    shown = change_form_data(client.get(url))
    data = add_inline_row(
        dict(shown),
        "attendees",
        name="Tamu",
        institution=world["foreign"]["coordination.Institution"].pk,
        position="",
        role="peserta",
    )
    assert client.post(url, data).status_code == 200
    assert not meeting.attendees.filter(name="Tamu").exists()
    data = add_inline_row(
        dict(shown),
        "attendees",
        name="Tamu",
        institution=world["own"]["coordination.Institution"].pk,
        position="",
        role="peserta",
    )
    assert client.post(url, data).status_code == 302
    assert meeting.attendees.filter(name="Tamu").exists()


# -- shared rows: elections and their notice templates (issue 19, item 4) --------------------


def election_data(client, election, **changes):
    response = client.get(admin_url(election, "change"))
    data = {
        "code": election.code,
        "name": election.name,
        "kind": election.kind,
        "polling_date": election.polling_date.isoformat(),
        "region_code": election.region_code,
        "races": election.races,
        "dptb_general_days": election.dptb_general_days,
        "dptb_special_days": election.dptb_special_days,
        "letter_days": election.letter_days,
        "letter_request_days": election.letter_request_days,
        "voting_start": "07:00",
        "voting_end": "13:00",
        "dptb_start": "",
        "dpk_start": "12:00",
        "time_zone_label": election.time_zone_label,
        "retention_days": election.retention_days,
    }
    data.update(changes)
    return response, data


def test_a_facility_administrator_reads_the_shared_election_but_cannot_change_it(world, client_for):
    election = world["election"]  # Blora's and Rembang's TPS both belong to it
    client = client_for(world["people"]["admin"])
    response, data = election_data(client, election, polling_date="2024-01-01", retention_days=1)
    assert response.status_code == 200
    assert 'name="polling_date"' not in response.content.decode()  # read-only
    assert client.post(admin_url(election, "change"), data).status_code == 403
    assert client.post(admin_url(election, "delete"), {"post": "yes"}).status_code == 403
    election.refresh_from_db()
    assert (election.polling_date, election.retention_days) == (dt.date(2024, 11, 27), 180)
    assert client.get(admin_url(election, "add")).status_code == 403
    # ... so the purge counts nothing of Rembang's: its election's period has not begun.
    from voters import retention

    assert retention.closing_day(election) > dt.date(2025, 5, 1)


def test_a_facility_administrator_cannot_change_the_shared_notice_template(world, client_for):
    template = NoticeTemplate.for_election(world["election"])
    opening = template.opening
    client = client_for(world["people"]["admin"])
    assert client.get(admin_url(template, "change")).status_code == 200
    response = client.post(
        admin_url(template, "change"),
        {
            "election": world["election"].pk,
            "form_name": "X",
            "title": "SURAT PALSU",
            "opening": "Teks lain",
            "arrival_windows": "[]",
        },
    )
    assert response.status_code == 403
    template.refresh_from_db()
    assert template.opening == opening and template.title != "SURAT PALSU"


def test_a_global_administrator_changes_the_election(world, client_for):
    election = world["election"]
    client = client_for(User.objects.create(username="root", role="admin"))
    response, data = election_data(client, election, retention_days=365)
    assert 'name="polling_date"' in response.content.decode()
    assert client.post(admin_url(election, "change"), data).status_code == 302
    election.refresh_from_db()
    assert election.retention_days == 365


# -- adding users (issue 19, item 12) -------------------------------------------------------


def new_user(username, **fields):
    return {
        "username": username,
        "usable_password": "true",
        "password1": PASSWORD,
        "password2": PASSWORD,
        "role": "operator",
        "tps_number": "",
        "institution": "",
        **fields,
    }


def test_a_facility_administrator_adds_users_of_its_own_facility_only(world, client_for):
    blora, rembang = world["blora"], world["rembang"]
    client = client_for(world["people"]["admin"])
    url = reverse("admin:voters_user_add")
    assert client.get(url).status_code == 200
    response = client.post(url, new_user("budi", facility=blora.pk))
    assert response.status_code == 302, response.content.decode()[:2000]
    assert User.objects.get(username="budi").facility == blora
    assert client.post(url, new_user("rudi", facility=rembang.pk)).status_code == 200
    assert client.post(url, new_user("sysadm", role="admin", facility="")).status_code == 200
    assert not User.objects.filter(username__in=["rudi", "sysadm"]).exists()


def test_a_global_administrator_adds_any_user(world, client_for):
    client = client_for(User.objects.create(username="root", role="admin"))
    url = reverse("admin:voters_user_add")
    assert client.post(url, new_user("rudi", facility=world["rembang"].pk)).status_code == 302
    assert client.post(url, new_user("sysadm", role="admin", facility="")).status_code == 302
    assert User.objects.get(username="rudi").facility == world["rembang"]
    assert User.objects.get(username="sysadm").facility is None
    # Without a facility, a role other than administrator is an error on the form, not a 500.
    assert client.post(url, new_user("lepas", facility="")).status_code == 200


def test_only_a_global_administrator_makes_a_regency_user(world, client_for):
    """CONTRACT.md ``add_user --region``: a facility's admin must not make a user who sees
    every facility of the regency; the system admin may."""
    url = reverse("admin:voters_user_add")
    local = client_for(world["people"]["admin"])
    response = local.post(url, new_user("sari", role="kpu", facility=world["blora"].pk,
                                        region_code="33.16"))
    assert response.status_code == 302
    sari = User.objects.get(username="sari")
    assert sari.region_code == "" and list(sari.facilities()) == [world["blora"]]
    root = client_for(User.objects.create(username="root", role="admin"))
    response = root.post(url, new_user("dewi", role="kpu", facility="", region_code="33.16"))
    assert response.status_code == 302, response.content.decode()[:3000]
    assert User.objects.get(username="dewi").region_code == "33.16"
    # A region is for the KPU liaison and observers only, never beside a facility.
    assert root.post(url, new_user("x", role="operator", facility="",
                                   region_code="33.16")).status_code == 200
    assert root.post(url, new_user("y", role="kpu", facility=world["blora"].pk,
                                   region_code="33.16")).status_code == 200
    assert not User.objects.filter(username__in=["x", "y"]).exists()
