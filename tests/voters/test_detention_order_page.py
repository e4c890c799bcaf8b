"""The inmate page shows a detainee's detention order end as a date to confirm, not a release
(CONTRACT.md, second version; DOMAIN.md §6.2)."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from voters.models import Inmate

pytestmark = pytest.mark.django_db

# Before polling day, so that the page shows the coming election.
BEFORE_POLLING = time_machine.travel(dt.datetime(2024, 11, 1, 9, tzinfo=dt.UTC), tick=False)


def make(facility, register, release):
    return Inmate.objects.create(
        facility=facility, no_registrasi=f"{register}.1", nama="WBP CONTOH", register=register,
        nik="3316032408718025", nik_format="valid", tanggal_lahir=dt.date(1971, 8, 24),
        jenis_kelamin="L", tanggal_masuk=dt.date(2024, 3, 4), tanggal_bebas=release,
    )


@BEFORE_POLLING
def test_a_detainee_whose_order_ends_on_polling_day_is_inside_with_the_date_to_confirm(
    operator, election, tps901, client_for
):
    inmate = make(operator.facility, "A.III", election.polling_date)
    page = client_for(operator).get(reverse("inmate_detail", args=[inmate.pk])).content.decode()
    assert "masih di dalam pada hari pemungutan" in page
    assert "tidak di dalam pada hari pemungutan" not in page
    assert "Masa penahanan berakhir" in page and "pastikan perpanjangannya" in page


@BEFORE_POLLING
def test_a_convict_released_on_polling_day_is_not_inside(operator, election, tps901, client_for):
    inmate = make(operator.facility, "B.I", election.polling_date)
    page = client_for(operator).get(reverse("inmate_detail", args=[inmate.pk])).content.decode()
    assert "tidak di dalam pada hari pemungutan" in page
    assert "<dt>Perkiraan bebas</dt>" in page and "pastikan perpanjangannya" not in page


@BEFORE_POLLING
def test_a_register_neither_a_nor_b_reads_as_the_custody_rule_does(operator, election, tps901,
                                                                   client_for):
    # Only a convict's (B) date is a release: any other register's is a detention order's end,
    # on the page as in the rule (rules.custody.is_narapidana).
    inmate = make(operator.facility, "SH", election.polling_date)
    page = client_for(operator).get(reverse("inmate_detail", args=[inmate.pk])).content.decode()
    assert "masih di dalam pada hari pemungutan" in page
    assert "<dt>Masa penahanan berakhir</dt>" in page and "<dt>Perkiraan bebas</dt>" not in page
