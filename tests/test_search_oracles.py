"""A masked role cannot undo the mask by searching (SECURITY.md check 30, issue 19 items 1, 11).

Observers and KPPS officers see a NIK as its first 6 digits and a birth date as its year. Every
search they can reach must give the same answer to two queries that differ only in what they
cannot see: a hidden NIK digit, or the day of a birth date. And a search term that can hold a
NIK never travels in a URL.
"""

import datetime as dt
import re

import pytest
from django.test import RequestFactory
from django.urls import reverse
from pages_letters import make_list, nik_for

from voters.lists.services import import_reference_dpt
from voters.models import AuditEvent

pytestmark = pytest.mark.django_db

BIRTH = dt.date(1985, 6, 14)
NIK = nik_for(BIRTH, "L", 7)  # 3316011406850007
OTHER_BIRTH = dt.date(1962, 1, 3)
OTHER_NIK = nik_for(OTHER_BIRTH, "P", 9)

REFERENCE = (
    "nik;nkk;nama;tempat_lahir;tanggal_lahir;jenis_kelamin;status_kawin;alamat;rt;rw;"
    "kelurahan;kecamatan;tps\n"
    f"{NIK};3316010101850001;BAMBANG SUTRISNO;BLORA;14-06-1985;L;K;DUSUN KRAJAN;001;002;"
    "TAMBAHREJO;BLORA;005\n"
    f"{OTHER_NIK};3316010101620001;SITI AMINAH;BLORA;03-01-1962;P;K;DUSUN KRAJAN;001;002;"
    "TAMBAHREJO;BLORA;005\n"
)


@pytest.fixture
def voter_list(tps901):
    return make_list(
        tps901,
        "DPT",
        [("BAMBANG SUTRISNO", NIK, BIRTH, "L"), ("SITI AMINAH", OTHER_NIK, OTHER_BIRTH, "P")],
    )


@pytest.fixture
def reference(election, tmp_path, kpu):
    path = tmp_path / "ref.csv"
    path.write_text(REFERENCE, encoding="utf-8")
    import_reference_dpt(path=path, election=election, user=kpu)


def list_search(client, voter_list, q):
    response = client.post(reverse("voter_list_detail", args=[voter_list.pk]), {"q": q})
    assert response.status_code == 200
    return [row["entry"].pk for row in response.context["rows"]], response


def answer_text(response):
    """The page as a person reads it, without the per-request CSRF token and the echo."""
    html = response.content.decode()
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)
    return re.sub(r'name="q"[^>]*>', "", html)


@pytest.mark.parametrize("role", ["observer", "kpps"])
def test_two_nik_prefixes_differing_in_a_hidden_digit_give_a_masked_role_the_same_answer(
    role, people, client_for, voter_list
):
    client = client_for(people[role])
    for length in range(7, 17):
        right = NIK[:length]
        wrong = right[:-1] + str((int(right[-1]) + 1) % 10)
        found_right, response_right = list_search(client, voter_list, right)
        found_wrong, response_wrong = list_search(client, voter_list, wrong)
        assert found_right == found_wrong == [], length
        assert answer_text(response_right) == answer_text(response_wrong), length


@pytest.mark.parametrize("role", ["observer", "kpps"])
def test_a_masked_role_still_searches_by_the_digits_it_sees(role, people, client_for, voter_list):
    found, _response = list_search(client_for(people[role]), voter_list, NIK[:6])
    assert len(found) == 2  # both share the region code 331601, which the mask shows


def test_the_operator_still_finds_a_voter_by_a_nik_prefix(people, client_for, voter_list):
    found, _response = list_search(client_for(people["operator"]), voter_list, NIK[:10])
    assert found == [voter_list.entries.get(nik=NIK).pk]


def reference_search(client, data):
    response = client.post(reverse("reference_dpt"), data)
    assert response.status_code == 200
    return [row["entry"].nik for row in response.context["results"] or []], response


@pytest.mark.parametrize("role", ["observer"])  # KPPS officers have no reference page
def test_the_reference_search_is_no_oracle_on_a_full_nik_or_birth_date(
    role, people, client_for, reference
):
    client = client_for(people[role])
    wrong_nik = NIK[:-1] + str((int(NIK[-1]) + 1) % 10)
    by_nik_right, right = reference_search(client, {"nik": NIK})
    by_nik_wrong, wrong = reference_search(client, {"nik": wrong_nik})
    assert by_nik_right == by_nik_wrong
    assert answer_text(right) == answer_text(wrong)
    day_after = BIRTH + dt.timedelta(days=1)
    for data in ({}, {"nama": "BAMBANG"}):
        on_day, response_day = reference_search(client, {**data, "tanggal_lahir": BIRTH})
        after, response_after = reference_search(client, {**data, "tanggal_lahir": day_after})
        assert on_day == after
        assert answer_text(response_day) == answer_text(response_after)


@pytest.mark.parametrize("role", ["observer"])
def test_a_masked_role_finds_people_in_the_reference_by_name_and_birth_year(
    role, people, client_for, reference
):
    client = client_for(people[role])
    found, response = reference_search(client, {"nama": "bambang sutrisno", "tahun_lahir": 1985})
    assert found == [NIK]
    assert NIK not in response.content.decode()
    assert "14-06-1985" not in response.content.decode()
    assert reference_search(client, {"nama": "bambang sutrisno", "tahun_lahir": 1986})[0] == []


def test_the_kpu_liaison_still_searches_the_reference_by_nik_and_birth_date(
    people, client_for, reference
):
    client = client_for(people["kpu"])
    assert reference_search(client, {"nik": NIK})[0] == [NIK]
    assert reference_search(client, {"tanggal_lahir": "1985-06-14"})[0] == [NIK]


def test_a_roster_search_is_posted_and_its_term_never_reaches_a_url(
    people, client_for, blora
):
    from pages_letters import make_inmate

    make_inmate(blora, "A.1/2024", "BAMBANG SUTRISNO", birth=BIRTH, serial=7)
    make_inmate(blora, "B.2/2024", "SITI AMINAH", birth=OTHER_BIRTH, sex="P", serial=9)
    client = client_for(people["operator"])
    response = client.post(reverse("inmate_list"), {"q": NIK, "custody": ""})
    assert response.status_code == 302
    location = response["Location"]
    assert NIK not in location and NIK[:8] not in location
    assert "cari=" in location
    page = client.get(location)
    assert [i.nama for i in page.context["page"].object_list] == ["BAMBANG SUTRISNO"]
    # Paging links carry the token, not the term.
    assert NIK not in page.context["query"]


def test_a_search_term_put_straight_into_the_roster_url_is_not_used(people, client_for, blora):
    from pages_letters import make_inmate

    make_inmate(blora, "A.1/2024", "BAMBANG SUTRISNO", birth=BIRTH, serial=7)
    make_inmate(blora, "B.2/2024", "SITI AMINAH", birth=OTHER_BIRTH, sex="P", serial=9)
    client = client_for(people["operator"])
    page = client.get(reverse("inmate_list"), {"q": "BAMBANG"})
    assert page.context["counts"]["shown"] == 2
    # Another session's token names nothing here.
    other = client_for(people["kpu"])
    location = other.post(reverse("inmate_list"), {"q": "BAMBANG"})["Location"]
    assert client.get(location).context["counts"]["shown"] == 2


@pytest.mark.parametrize("role", ["observer", "kpps"])
def test_a_nik_typed_into_the_address_is_not_echoed_to_a_masked_role(role, people, client_for):
    client = client_for(people[role])
    for path in (f"/wbp/{NIK}/", f"/tidak-ada/{NIK}/", f"/wbp/impor/{NIK}/"):
        response = client.get(path)
        assert response.status_code in (403, 404)
        assert NIK not in response.content.decode(), path
    assert not AuditEvent.objects.filter(summary__contains=NIK).exists()


def test_a_refused_path_is_stored_masked_in_the_audit_trail(people):
    from voters.core.views import forbidden

    request = RequestFactory().get(f"/rahasia/{NIK}/")
    request.user = people["operator"]
    request.session = {}
    forbidden(request)
    event = AuditEvent.objects.get(action=AuditEvent.Action.FORBIDDEN)
    assert NIK not in event.summary
    assert NIK[:6] in event.summary
