"""Retention purge (SECURITY.md check 28; UU 27/2022 Art. 42-44): with time frozen after an
election's retention period, `purge_personal_data` leaves no NIK, KK number or birth date of
the purged people in any table, history tables included, nor in private files; it is
recorded, and running it again changes nothing."""

import datetime as dt
import os
import re
from io import StringIO
from pathlib import Path

import pytest
import security_world
import time_machine
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import TestCase

from voters.inmates.dukcapil import request_file
from voters.models import (
    AuditEvent,
    Inmate,
    LetterDelivery,
    ListEntry,
    PollingCheckIn,
    ReconciliationItem,
    ReferenceEntry,
    VoterList,
)

pytestmark = pytest.mark.django_db

NIK16 = re.compile(r"(?<!\d)\d{16}(?!\d)")
BUILT = dt.datetime(2024, 11, 25, 10, 0, tzinfo=dt.UTC)
AFTER_RETENTION = dt.datetime(2025, 7, 1, 9, 0, tzinfo=dt.UTC)  # polling day + 180 days passed
OLD = dt.datetime(2024, 11, 20, tzinfo=dt.UTC).timestamp()


def purge(*args):
    out = StringIO()
    call_command("purge_personal_data", *args, stdout=out)
    return out.getvalue()


def every_row():
    """Every row of every table (history tables and partitions included), as text."""
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            for row in cursor.fetchall():
                yield table, " ".join(str(value) for value in row)


def numbers_in(*querysets):
    found = set()
    for qs in querysets:
        for row in qs:
            found.update(v for v in row if isinstance(v, str) and NIK16.fullmatch(v))
    return found


@pytest.fixture
def world(people, blora, rembang, election, tps901, tps902, tps_rembang, tmp_path,
          private_root):
    with time_machine.travel(BUILT, tick=True):
        world = security_world.places(people, blora, rembang, election, tps901, tps902,
                                      tps_rembang)
        security_world.build(world, tmp_path)
        # SLAMET left after polling day, SUDAH BEBAS before it; EKO leaves next spring.
        Inmate.objects.filter(no_registrasi="S.01").update(tanggal_keluar=dt.date(2024, 11, 30))
        Inmate.objects.filter(no_registrasi="AIII.005/2024").update(
            tanggal_keluar=dt.date(2025, 3, 1))
    os.utime(request_file(world["dukcapil_request"]), (OLD, OLD))
    for folder in ("imports", "exports"):
        (private_root / folder).mkdir(exist_ok=True)
        stale = private_root / folder / f"lama-{folder}.csv"
        stale.write_text("3316011505800101;SLAMET\n")
        os.utime(stale, (OLD, OLD))
    return world


def test_the_purge_removes_every_trace_of_the_people_past_their_period(world, private_root):
    leavers = Inmate.objects.filter(no_registrasi__in=["S.01", "S.03"])
    purged = numbers_in(
        leavers.values_list("nik", "no_kk"),
        ListEntry.objects.values_list("nik", "nkk"),
        ReferenceEntry.objects.values_list("nik", "nkk"),
        PollingCheckIn.objects.values_list("nik"),
        ReconciliationItem.objects.values_list("nik"),
    )
    staying = Inmate.objects.exclude(pk__in=leavers).filter(tanggal_keluar=None)
    kept = numbers_in(staying.values_list("nik", "no_kk"),
                      Inmate.objects.filter(no_registrasi="AIII.005/2024").values_list("nik"))
    purged -= kept
    assert len(purged) >= 6 and len(kept) >= 5
    letter_pdf = Path(world["letter_batch"].file_path)
    assert letter_pdf.is_file()

    with time_machine.travel(AFTER_RETENTION, tick=False):
        dry = purge("--dry-run")
        assert "akan dihapus" in dry and ListEntry.objects.exists() and letter_pdf.exists()
        assert not AuditEvent.objects.filter(action="purge").exists()

        out = purge()
        assert "dihapus" in out and "WBP 2" in out, out

        left_behind = [(table, n) for table, text in every_row() for n in purged if n in text]
        assert left_behind == []
        dates = ("1980-05-15", "15-05-1980")  # SLAMET's birth date, in any table
        assert [t for t, text in every_row() if any(d in text for d in dates)] == []
        texts = " ".join(text for _t, text in every_row())
        assert all(n in texts for n in kept)  # people still inside keep their data

        assert not letter_pdf.exists()
        assert not request_file(world["dukcapil_request"]).exists()
        assert not any(p.is_file() for p in (private_root / "imports").iterdir())
        assert not any(p.is_file() for p in (private_root / "exports").iterdir())
        assert not LetterDelivery.objects.exclude(nama="").exists()
        assert VoterList.objects.filter(tps=world["tps901"]).exists()  # counts stay

        event = AuditEvent.objects.get(action="purge")
        assert event.row_count and event.detail["elections"] == ["PILKADA2024"]
        assert not NIK16.search(str(event.detail) + event.summary)

        again = purge()
        assert again.startswith("Tidak ada data pribadi")
        assert AuditEvent.objects.filter(action="purge").count() == 1


def test_an_election_is_not_purged_before_its_period_ends(world):
    with time_machine.travel(dt.datetime(2025, 1, 10, 9, 0, tzinfo=dt.UTC), tick=False):
        with pytest.raises(CommandError, match="baru berakhir pada 26-05-2025"):
            purge("--election", "PILKADA2024")
        with pytest.raises(CommandError, match="masa depan"):
            purge("--before", "2025-02-01")
        out = purge()  # only the stale transient files go
        assert "berkas 2" in out and "entri" not in out and "WBP" not in out, out
        assert ListEntry.objects.exists()


def test_the_period_is_the_election_s_own_setting(world):
    world["election"].retention_days = 30
    world["election"].save()
    with time_machine.travel(dt.datetime(2025, 1, 10, 9, 0, tzinfo=dt.UTC), tick=False):
        out = purge("--election", "PILKADA2024")
    assert "entri daftar" in out and not ListEntry.objects.exists()
    assert not Inmate.objects.filter(no_registrasi__startswith="DIHAPUS-").exists()


def test_an_unconfirmed_preview_expires_with_its_file_after_an_hour(operator, client_for,
                                                                     private_root):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    from voters.models import ImportBatch
    from voters.tasks import sweep_transient_files_task

    client = client_for(operator)
    upload = SimpleUploadedFile("sdp.csv", security_world.ROSTER.encode("utf-8-sig"))
    with TestCase.captureOnCommitCallbacks(execute=True):  # the preview job
        client.post(reverse("roster_import"), {"file": upload})
    batch = ImportBatch.objects.get()
    assert batch.sha256  # previewed, waiting for confirmation
    stored = Path(batch.stored_path)
    export = private_root / "exports" / "lama.csv"
    export.parent.mkdir(exist_ok=True)
    export.write_text("3316011505800101\n")
    with time_machine.travel(dt.timedelta(minutes=59)):
        assert sweep_transient_files_task() == 0 and stored.is_file()
    with time_machine.travel(dt.timedelta(minutes=61)):
        assert sweep_transient_files_task() == 2
    assert not stored.exists() and not export.exists()
    batch.refresh_from_db()
    assert batch.status == "failed" and "kedaluwarsa" in batch.error
    response = client.post(reverse("roster_import_confirm", args=[batch.pk]))
    assert response.status_code == 302 and not Inmate.objects.exists()


def test_a_confirmed_import_that_is_refused_leaves_no_file(operator, blora, client_for,
                                                           django_capture_on_commit_callbacks):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    from voters.models import ImportBatch

    client = client_for(operator)
    upload = SimpleUploadedFile("sdp.csv", security_world.ROSTER.encode("utf-8-sig"))
    with django_capture_on_commit_callbacks(execute=True):  # the preview job
        client.post(reverse("roster_import"), {"file": upload})
    batch = ImportBatch.objects.get()
    Path(batch.stored_path).write_text("bukan lagi berkas yang dipratinjau\n")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("roster_import_confirm", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.status == "failed" and not Path(batch.stored_path).exists()
