"""No full NIK where nobody looks (SECURITY.md checks 21 and 24): in log records, in Celery task
arguments, or in the broker's messages.

One flow goes through the pages the way people use them: an SDP upload with a preview and its
confirmation, a rejected upload, TPS list and reference DPT uploads, a reconciliation, every
export, a Dukcapil request and the letters, each running its Celery task.
"""

import base64
import json
import logging
import re
from unittest import mock

import pytest
from celery.app.task import Task
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from security_world import REFERENCE, ROSTER, body

from voters.models import Inmate, LetterBatch, ReconciliationRun
from voters.reconciliation.exports import EXPORTS

pytestmark = pytest.mark.django_db

NIK16 = re.compile(r"(?<!\d)\d{16}(?!\d)")
# Celery logs each task's run time as a float ("succeeded in 0.0368652029999339s"): 16 digits
# that are not a NIK.
TASK_TIME = re.compile(r"succeeded in \d+\.\d+(?:e-?\d+)?s|'runtime': \d+\.\d+(?:e-?\d+)?")
DPT = (
    "NIK;NKK;NAMA;TANGGAL LAHIR;JENIS KELAMIN;TPS\n"
    "3316011505800101;3316010101090001;SLAMET RIYADI;15-05-1980;L;901\n"
    "3316014206850102;3316010101090002;SRI WAHYUNI;02-06-1985;P;901\n"
    "3399990909990099;3399990909990001;ORANG ASING;09-09-1999;L;901\n"
)
BAD_ROSTER = ROSTER + "S.09;DOBEL;3316011505800101;;15-05-1980;X;S;33.16.01;A.I;tanggal;;;;D\n"


def csv_upload(name, text):
    return SimpleUploadedFile(name, text.encode("utf-8-sig"), content_type="text/csv")


def follow(client, response):
    while response.status_code == 302:
        response = client.get(response.url)
    return response


def login(user):
    client = Client()
    client.force_login(user)
    return client


def walk_the_pages(people, tps901, election, capture):
    """The day's work through the pages; every task runs (eagerly, or is queued)."""
    op, liaison, officer = (login(people[r]) for r in ("operator", "kpu", "kpps"))
    with capture(execute=True):  # uploads are read by their preview job
        response = op.post(reverse("roster_import"), {"file": csv_upload("rusak.csv", BAD_ROSTER)})
    follow(op, response)
    with capture(execute=True):
        response = op.post(reverse("roster_import"), {"file": csv_upload("sdp.csv", ROSTER)})
    with capture(execute=True):
        follow(op, op.post(response.url.rstrip("/") + "/konfirmasi/"))
    with capture(execute=True):
        follow(liaison, liaison.post(reverse("voter_list_upload"), {
            "tps": tps901.pk, "kind": "DPT", "file": csv_upload("dpt.csv", DPT)}))
        follow(liaison, liaison.post(reverse("reference_upload"), {
            "election": election.pk, "file": csv_upload("rujukan.csv", REFERENCE)}))
    with capture(execute=True):
        follow(op, op.post(reverse("reconciliation_start")))
    run = ReconciliationRun.objects.filter(status="done").order_by("-pk").first()
    if run is not None:
        for kind in EXPORTS:
            for fmt in ("csv", "xlsx"):
                body(liaison.get(reverse("reconciliation_export", args=[run.pk, kind, fmt])))
    inmates = list(Inmate.objects.values_list("pk", flat=True))
    response = op.post(reverse("dukcapil_request_create"), {"inmates": inmates})
    body(op.get(response.url.rstrip("/") + "/unduh/"))
    with capture(execute=True):
        follow(officer, officer.post(reverse("letter_batch_create", args=[tps901.pk])))
    for batch in LetterBatch.objects.filter(status="done"):
        body(officer.get(reverse("letter_batch_download", args=[batch.pk])))


def test_no_log_record_and_no_task_argument_carries_a_full_nik(
        people, tps901, election, caplog, django_capture_on_commit_callbacks):
    calls = []
    real = Task.apply_async

    def spy(self, args=None, kwargs=None, **options):
        calls.append((self.name, args, kwargs))
        return real(self, args, kwargs, **options)

    caplog.set_level(logging.DEBUG)
    with mock.patch.object(Task, "apply_async", spy):
        walk_the_pages(people, tps901, election, django_capture_on_commit_callbacks)

    # The flow did its work (so the logs and calls below were really exercised).
    assert Inmate.objects.filter(nik="3316011505800101").exists()
    assert ReconciliationRun.objects.filter(status="done").exists()
    assert LetterBatch.objects.filter(status="done").exists()
    assert {name.rsplit(".", 1)[-1] for name, _a, _k in calls} >= {
        "import_inmates_task", "import_voter_list_task", "import_reference_dpt_task",
        "reconcile_task", "render_notices_task"}

    for name, args, kwargs in calls:
        assert all(type(arg) is int for arg in args or ()), (name, args)
        assert not NIK16.search(json.dumps(kwargs or {})), (name, kwargs)
    logged = [
        (record.name, record.getMessage()) for record in caplog.records
        if NIK16.search(TASK_TIME.sub("", record.getMessage() + (record.exc_text or "")
                                      + str(record.args or "")))
    ]
    assert logged == []


def test_every_log_handler_redacts_niks():
    handlers = settings.LOGGING["handlers"]
    assert handlers and all("redact_nik" in h.get("filters", []) for h in handlers.values())


@pytest.mark.skipif(not settings.CELERY_BROKER_URL, reason="needs a broker (CELERY_BROKER_URL)")
def test_the_broker_holds_no_full_nik(people, tps901, election,
                                      django_capture_on_commit_callbacks):
    import redis

    from tpskhusus.celery import app

    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    queues = [b"default", b"imports", b"letters"]
    # First with tasks run in-process, so that there are inmates, lists and letters to queue.
    walk_the_pages(people, tps901, election, django_capture_on_commit_callbacks)
    before = {q: broker.llen(q) for q in queues}
    app.conf.task_always_eager = False  # conftest's fixture puts it back
    try:
        walk_the_pages(people, tps901, election, django_capture_on_commit_callbacks)
        published = {q: broker.llen(q) - before[q] for q in queues}
        assert published[b"imports"] >= 3 and published[b"default"] >= 1, published
        assert published[b"letters"] >= 1, published
        found = []
        for key in broker.scan_iter(count=1000):
            for text in _values(broker, key):
                found += NIK16.findall(text)
        assert found == []
    finally:
        for queue in queues:  # take back what this test queued; a worker must not see it
            extra = broker.llen(queue) - before[queue]
            for _ in range(max(extra, 0)):
                broker.lpop(queue)


def _values(broker, key):
    """Every value under a Redis key as text; message bodies are base64-decoded."""
    kind = broker.type(key).decode()
    raw = {
        "list": lambda: broker.lrange(key, 0, -1),
        "set": lambda: list(broker.smembers(key)),
        "zset": lambda: broker.zrange(key, 0, -1),
        "hash": lambda: [v for pair in broker.hgetall(key).items() for v in pair],
        "string": lambda: [broker.get(key)],
    }.get(kind, list)()
    for value in raw:
        text = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
        yield key.decode("utf-8", "replace") + " " + text
        try:
            message = json.loads(text)
            yield base64.b64decode(message["body"]).decode("utf-8", "replace")
        except (ValueError, KeyError, TypeError):
            continue

