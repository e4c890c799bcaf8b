"""The demo command records the seed-001 meeting once, with its follow-ups."""

from io import StringIO

import pytest
from django.core.management import call_command

from coordination.models import ActionItem, Meeting

pytestmark = pytest.mark.django_db


def test_the_demo_records_the_seed_001_meeting_once():
    out = StringIO()
    call_command("demo", "--inmates", "5", stdout=out)
    call_command("demo", "--inmates", "5", stdout=out)
    meeting = Meeting.objects.get()
    assert meeting.title == "Rapat Koordinasi Pemungutan dan Penghitungan Suara"
    assert meeting.attendees.filter(name="Budi Hardiono", role="pemapar").exists()
    assert meeting.decisions.count() == 4
    assert meeting.figures.get(key="tps_count").value == 1
    assert ActionItem.objects.count() == 4
    assert ActionItem.objects.overdue().count() == 1
    assert ActionItem.objects.filter(status="done").count() == 1
    assert "rapat koordinasi contoh sudah ada" in out.getvalue()
