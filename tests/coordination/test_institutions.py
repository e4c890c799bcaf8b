"""Institutions (seeded catalogue, a copy per facility) and the facility's contacts."""

import pytest
from django.urls import reverse

from coordination import services
from coordination.models import Contact, Institution

pytestmark = pytest.mark.django_db


def test_the_usual_institutions_are_seeded_as_a_catalogue():
    names = set(Institution.objects.catalogue().values_list("short_name", flat=True))
    assert {
        "KPU",
        "Bawaslu",
        "Disdukcapil",
        "Polres",
        "Kejari",
        "Kesbangpol",
        "PN",
        "Dinkes",
        "PPK",
        "PPS",
        "KPPS",
    } <= names
    assert Institution.objects.catalogue().filter(kind="pemasyarakatan").exists()


def test_each_facility_gets_its_own_copies_with_the_place_filled_in(blora, rembang):
    assert services.ensure_institutions(blora) == Institution.objects.catalogue().count()
    assert services.ensure_institutions(blora) == 0  # idempotent
    names = set(blora.institutions.values_list("name", flat=True))
    assert {
        "KPU Kabupaten Blora",
        "Bawaslu Kabupaten Blora",
        "Kepolisian Resor Blora",
        "Kejaksaan Negeri Blora",
        "Rutan Kelas IIB Blora",
        "KPU Provinsi Jawa Tengah",
    } <= names
    services.ensure_institutions(rembang)
    assert rembang.institutions.filter(name="KPU Kabupaten Rembang").exists()


def test_renaming_or_hiding_a_copy_touches_no_other_facility(blora, rembang, operator, client_for):
    services.ensure_institutions(blora)
    services.ensure_institutions(rembang)
    kpu = blora.institutions.get(short_name="KPU")
    response = client_for(operator).post(
        reverse("coordination:institution_edit", args=[kpu.pk]),
        {
            "version": kpu.version,
            "name": "KPU Kab. Blora",
            "short_name": "KPU",
            "kind": "penyelenggara",
            "position": 10,
        },  # is_active unticked: hidden from the pickers
    )
    assert response.status_code == 302
    kpu.refresh_from_db()
    assert (kpu.name, kpu.is_active) == ("KPU Kab. Blora", False)
    assert services.ensure_institutions(blora) == 0  # a hidden copy is not made again
    assert rembang.institutions.get(short_name="KPU").name == "KPU Kabupaten Rembang"
    assert Institution.objects.catalogue().get(short_name="KPU").name == "KPU {wilayah}"


def test_an_operator_adds_a_local_institution_once(blora, operator, client_for):
    url = reverse("coordination:institution_create")
    data = {"name": "Kantor Imigrasi Blora", "kind": "lainnya", "position": 200, "is_active": "on"}
    assert client_for(operator).post(url, data).status_code == 302
    assert blora.institutions.filter(name="Kantor Imigrasi Blora").exists()
    response = client_for(operator).post(url, {**data, "name": "kantor  imigrasi blora"})
    assert response.status_code == 200
    assert "name" in response.context["form"].errors


def test_an_outsider_cannot_edit_blora_institutions_or_contacts(blora, outsider, client_for):
    services.ensure_institutions(blora)
    kpu = blora.institutions.get(short_name="KPU")
    contact = Contact.objects.create(facility=blora, institution=kpu, name="Heni")
    c = client_for(outsider)
    assert c.get(reverse("coordination:institution_edit", args=[kpu.pk])).status_code == 404
    assert c.get(reverse("coordination:contact_edit", args=[contact.pk])).status_code == 404
    assert "Heni" not in c.get(reverse("coordination:institution_list")).content.decode()


def test_contact_numbers_are_for_staff_only(blora, operator, observer, kpps, client_for):
    services.ensure_institutions(blora)
    Contact.objects.create(
        facility=blora,
        institution=blora.institutions.get(short_name="Disdukcapil"),
        name="Cahyanto",
        position="Kabid",
        phone="0812-3456-7890",
        email="c@example.org",
    )
    url = reverse("coordination:institution_list")
    staff_page = client_for(operator).get(url).content.decode()
    assert "0812-3456-7890" in staff_page and "c@example.org" in staff_page
    observer_page = client_for(observer).get(url).content.decode()
    assert "Cahyanto" in observer_page
    assert "0812-3456-7890" not in observer_page and "c@example.org" not in observer_page
    assert client_for(kpps).get(url).status_code == 403


def test_a_contact_is_added_for_an_institution_of_the_facility(
    blora, rembang, operator, client_for
):
    services.ensure_institutions(rembang)
    foreign = rembang.institutions.get(short_name="KPU")
    url = reverse("coordination:contact_create")
    response = client_for(operator).post(url, {"institution": foreign.pk, "name": "X"})
    assert response.status_code == 200
    assert "institution" in response.context["form"].errors
    own = blora.institutions.get(short_name="KPU")
    response = client_for(operator).post(
        url,
        {
            "institution": own.pk,
            "name": "Heni Rina Minarti",
            "position": "Kadiv Rendatin",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    assert Contact.objects.get().facility == blora


def test_a_facility_administrator_sees_only_the_facilitys_institutions_in_the_admin(
    blora, rembang, admin_user, client_for
):
    services.ensure_institutions(blora)
    services.ensure_institutions(rembang)
    response = client_for(admin_user).get(reverse("admin:coordination_institution_changelist"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "KPU Kabupaten Blora" in html
    assert "KPU Kabupaten Rembang" not in html
    assert "KPU {wilayah}" not in html  # the catalogue is for a global administrator
