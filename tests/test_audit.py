"""The audit trail (SECURITY.md checks 24-26): append-only, every export, print and download
recorded with who, what, how many rows and a hash, and a catalogue that matches the code."""

import hashlib
import re
from pathlib import Path

import pytest
import security_world
from django.db import DatabaseError, connection, transaction
from security_world import body, load_pages

from voters.core import audit
from voters.models import AuditEvent

pytestmark = pytest.mark.django_db
PAGES = load_pages()



@pytest.fixture
def world(people, blora, rembang, election, tps901, tps902, tps_rembang):
    return security_world.places(people, blora, rembang, election, tps901, tps902, tps_rembang)


@pytest.fixture
def letter_worlds(monkeypatch):
    return security_world.letter_world_once(monkeypatch)


CATALOGUE = Path(__file__).resolve().parent.parent / "docs" / "audit-events.md"
HANDED_OUT = ("export", "print", "download")
FILE_TYPES = ("application/pdf", "text/csv", "application/vnd.openxmlformats",
              "application/octet-stream", "image/")


def test_the_event_catalogue_lists_exactly_the_actions_in_the_code():
    rows = re.findall(r"^\| `([a-z_]+)` \| ([^|]+) \|", CATALOGUE.read_text(), re.M)
    documented = {code: label.strip() for code, label in rows}
    assert set(documented) == set(AuditEvent.Action.values)
    for action in AuditEvent.Action:
        assert documented[action.value] == str(action.label), action


def test_the_application_cannot_change_or_delete_an_audit_event(operator):
    event = audit.record(AuditEvent.Action.LOGIN, user=operator)
    event.summary = "diubah"
    for attempt in (event.save, event.delete,
                    lambda: AuditEvent.objects.filter(pk=event.pk).update(summary="x"),
                    lambda: AuditEvent.objects.filter(pk=event.pk).delete()):
        with pytest.raises(RuntimeError, match="append-only"):
            attempt()
    assert AuditEvent.objects.get(pk=event.pk).summary == ""


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
@pytest.mark.parametrize("statement", [
    "UPDATE voters_auditevent SET summary = 'dihapus jejak'",
    "DELETE FROM voters_auditevent",
])
def test_the_database_refuses_a_raw_update_or_delete_of_the_audit_table(statement, operator):
    audit.record(AuditEvent.Action.EXPORT, user=operator, row_count=3, sha256="0" * 64)
    with pytest.raises(DatabaseError, match="Cannot update or delete"), transaction.atomic(), \
            connection.cursor() as cursor:
        cursor.execute(statement)
    assert AuditEvent.objects.get().summary == ""


def is_file(response):
    kind = response.get("Content-Type", "")
    return response.has_header("Content-Disposition") or kind.startswith(FILE_TYPES)


def test_every_export_print_and_download_is_recorded_with_rows_and_a_hash(
        world, letter_worlds, tmp_path, client_for, django_capture_on_commit_callbacks):
    security_world.build(world, tmp_path)
    letter_worlds.update(world["letter_worlds"])
    admin = world["people"]["admin"]  # every page of the facility is open to an admin
    client = client_for(admin)
    problems, files = [], []
    for page in PAGES:
        url = page.url(world)
        before = set(AuditEvent.objects.values_list("pk", flat=True))
        with django_capture_on_commit_callbacks(execute=True):
            response = getattr(client, page.method)(url)
        new = list(AuditEvent.objects.exclude(pk__in=before).filter(action__in=HANDED_OUT))
        for event in new:
            if event.row_count is None or not re.fullmatch(r"[0-9a-f]{64}", event.sha256) \
                    or event.actor != admin or not event.summary:
                problems.append((page.name, event.action, event.row_count, event.sha256))
        if response.status_code == 200 and is_file(response):
            files.append(page.name)
            digest = hashlib.sha256(body(response)).hexdigest()
            if [e.sha256 for e in new] != [digest]:
                problems.append((page.name, "file not recorded once with its hash", len(new)))
    assert problems == []
    # The walk reached every kind of file the pages hand out.
    assert {"voter_list_pdf", "letter_batch_download", "delivery_recap_pdf",
            "polling_report_pdf", "dukcapil_request_download", "roster_import_errors",
            "coord_minutes_pdf", "coord_attendance_pdf", "coord_attachment_download",
            "reconciliation_export_rekonsiliasi_csv"} <= set(files)


def test_every_reconciliation_export_records_its_filter(world, tmp_path, client_for):
    security_world.build(world, tmp_path)
    client = client_for(world["people"]["kpu"])
    run = world["run"]
    from django.urls import reverse

    from voters.reconciliation.exports import EXPORTS

    for kind in EXPORTS:
        for fmt in ("csv", "xlsx"):
            response = client.get(reverse("reconciliation_export", args=[run.pk, kind, fmt]))
            event = AuditEvent.objects.filter(action="export").latest("pk")
            assert event.sha256 == hashlib.sha256(body(response)).hexdigest()
            assert event.actor == world["people"]["kpu"] and event.row_count is not None
            assert event.detail | {"kind": kind, "format": fmt, "run": run.pk,
                                   "election": "PILKADA2024"} == event.detail


def test_a_letter_batch_print_is_recorded_by_its_job(world, tmp_path):
    security_world.build(world, tmp_path)
    batch = world["letter_batch"]
    event = AuditEvent.objects.get(action="print", object_id=str(batch.pk))
    assert event.actor == world["people"]["kpps"]
    assert event.row_count == batch.page_count and event.sha256 == batch.sha256



def test_a_person_taking_more_rows_a_day_than_the_threshold_raises_one_alert(
        operator, kpu, settings, caplog):
    import logging

    settings.EXPORT_ALERT_ROWS = 100
    with caplog.at_level(logging.WARNING, logger="voters.alerts"):
        for rows in (60, 30, 20, 50):  # the threshold is crossed by the third
            audit.record(AuditEvent.Action.EXPORT, user=operator, row_count=rows,
                         sha256="0" * 64, summary="Ekspor rekonsiliasi")
        audit.record(AuditEvent.Action.EXPORT, user=kpu, row_count=90, sha256="0" * 64)
    alerts = [r.getMessage() for r in caplog.records if r.name == "voters.alerts"]
    assert len(alerts) == 1 and "alice took 110 rows" in alerts[0]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="pghistory's are PostgreSQL triggers")
def test_field_history_catches_bulk_updates_and_raw_sql_with_the_acting_user(operator, blora):
    """SECURITY.md check 23: QuerySet.update() and raw SQL leave history rows too."""
    from pages_letters import make_inmate

    from voters.core import history
    from voters.models import Inmate
    from voters.retention import event_models

    inmate = make_inmate(blora, "H.1", "BUDI")
    [event_model] = event_models(Inmate)
    with history.context(user=operator.pk):
        Inmate.objects.filter(pk=inmate.pk).update(blok="Z")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE voters_inmate SET blok = 'Y' WHERE id = %s", [inmate.pk])
    events = list(event_model.objects.filter(pgh_obj_id=inmate.pk).order_by("pgh_id"))
    assert [e.blok for e in events if e.pgh_label == "update"] == ["Z", "Y"]
    by_update = next(e for e in events if e.blok == "Z")
    assert by_update.pgh_context.metadata["user"] == operator.pk
