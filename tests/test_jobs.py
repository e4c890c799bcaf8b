"""Job rows: claiming, progress, stale detection."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from voters.models import ImportBatch
from voters.tasks import sweep_stale_jobs_task

pytestmark = pytest.mark.django_db


@pytest.fixture
def job(blora):
    return ImportBatch.objects.create(kind="inmates", facility=blora, file_name="roster.xlsx")


def test_only_one_worker_can_claim_a_job(job):
    first = ImportBatch.objects.get(pk=job.pk)
    second = ImportBatch.objects.get(pk=job.pk)
    assert first.claim() is True
    assert second.claim() is False
    assert first.status == "running" and first.attempts == 1


def test_progress_is_reported_and_shown_as_json(job, operator, client_for):
    job.claim()
    job.report(done=40, total=160, message="Membaca baris")
    response = client_for(operator).get(reverse("job_progress", args=["impor", job.pk]))
    data = response.json()
    assert (data["percent"], data["done"], data["total"]) == (25, 40, 160)
    assert data["message"] == "Membaca baris"
    assert data["finished"] is False


def test_a_job_whose_worker_died_again_is_swept_as_failed(job):
    start = dt.datetime(2024, 11, 1, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        job.claim()
        ImportBatch.objects.filter(pk=job.pk).update(attempts=2)  # its second run
    with time_machine.travel(start + dt.timedelta(minutes=5), tick=False):
        assert sweep_stale_jobs_task() == 0
    with time_machine.travel(start + dt.timedelta(minutes=11), tick=False):
        assert ImportBatch.objects.get(pk=job.pk).is_stale
        assert sweep_stale_jobs_task() == 1
        job.refresh_from_db()
        assert job.status == "failed" and "terhenti dua kali" in job.error


def test_a_stale_running_job_can_be_taken_over(job):
    start = dt.datetime(2024, 11, 1, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        job.claim()
    with time_machine.travel(start + dt.timedelta(minutes=30), tick=False):
        other = ImportBatch.objects.get(pk=job.pk)
        assert other.claim() is True
        assert other.attempts == 2


def test_succeed_and_fail_finish_the_job(job):
    job.claim()
    job.report(done=3, total=10)
    job.succeed("Selesai")
    job.refresh_from_db()
    assert (job.status, job.percent, job.done) == ("done", 100, 10)
    assert job.finished_at is not None


def test_a_kpps_officer_sees_only_the_jobs_of_their_own_tps(kpps, tps901, tps902, client_for):
    from voters.models import LetterBatch

    own = LetterBatch.objects.create(election=tps901.election, tps=tps901)
    other = LetterBatch.objects.create(election=tps902.election, tps=tps902)
    client = client_for(kpps)
    assert client.get(reverse("job_progress", args=["surat", own.pk])).status_code == 200
    assert client.get(reverse("job_progress", args=["surat", other.pk])).status_code == 404


def test_only_the_most_specific_navigation_entry_is_active(operator, client_for):
    response = client_for(operator).get(reverse("reconciliation_review"))
    active = [i for i in response.context["nav_items"] if i["active"]]
    assert [i["url"] for i in active] == [reverse("reconciliation_review")]


# -- jobs lost with their worker: sent again once, then failed (voters/core/jobs.py) --------

START = dt.datetime(2024, 11, 1, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def sent(monkeypatch):
    """The task signatures the sweep sends, instead of a broker."""
    from voters.core import jobs

    found = []
    monkeypatch.setattr(jobs, "send", found.append)
    return found


def lose(job, minutes):
    """The job's worker claims it ``minutes`` after START and dies at once."""
    with time_machine.travel(START + dt.timedelta(minutes=minutes), tick=False):
        assert type(job).objects.get(pk=job.pk).claim()


def sweep_at(minutes, capture):
    moment = START + dt.timedelta(minutes=minutes)
    with time_machine.travel(moment, tick=False), capture(execute=True):
        return sweep_stale_jobs_task()


@pytest.fixture
def confirmed(blora):
    return ImportBatch.objects.create(
        kind="inmates", facility=blora, file_name="roster.xlsx", confirmed_at=START
    )


def test_a_job_lost_once_is_queued_again_and_its_task_sent(
    confirmed, sent, django_capture_on_commit_callbacks
):
    lose(confirmed, 0)
    assert sweep_at(5, django_capture_on_commit_callbacks) == 0 and sent == []
    assert sweep_at(11, django_capture_on_commit_callbacks) == 1
    confirmed.refresh_from_db()
    assert (confirmed.status, confirmed.attempts, confirmed.error) == ("queued", 1, "")
    assert "Diulang otomatis" in confirmed.message
    assert [(s.task, s.args) for s in sent] == [
        ("voters.tasks.import_inmates_task", (confirmed.pk,))
    ]
    assert sweep_at(12, django_capture_on_commit_callbacks) == 0  # queued: nothing to sweep
    assert len(sent) == 1


def test_a_job_lost_twice_is_failed_with_a_reason_a_person_understands(
    confirmed, sent, django_capture_on_commit_callbacks
):
    lose(confirmed, 0)
    assert sweep_at(11, django_capture_on_commit_callbacks) == 1
    lose(confirmed, 12)  # the re-sent task takes it, and its worker dies too
    assert sweep_at(23, django_capture_on_commit_callbacks) == 1
    confirmed.refresh_from_db()
    assert (confirmed.status, confirmed.attempts) == ("failed", 2)
    assert confirmed.error == (
        "Pekerjaan terhenti dua kali karena proses pekerja mati; tidak diulang lagi. "
        "Periksa berkasnya atau hubungi admin."
    )
    assert confirmed.finished_at is not None
    assert len(sent) == 1  # sent again once, never twice


def test_a_confirmed_roster_import_is_sent_again_once_its_preview_job_does_not_count(
    confirmed, sent, django_capture_on_commit_callbacks
):
    ImportBatch.objects.filter(pk=confirmed.pk).update(sha256="a" * 64, attempts=1)  # previewed
    lose(confirmed, 0)  # the import's first run: attempts 2
    assert sweep_at(11, django_capture_on_commit_callbacks) == 1
    assert ImportBatch.objects.get(pk=confirmed.pk).status == "queued" and len(sent) == 1
    lose(confirmed, 12)
    assert sweep_at(23, django_capture_on_commit_callbacks) == 1
    confirmed.refresh_from_db()
    assert (confirmed.status, confirmed.attempts) == ("failed", 3)
    assert "terhenti dua kali" in confirmed.error and len(sent) == 1


def test_every_job_is_sent_again_to_its_own_task(
    blora, election, tps901, sent, django_capture_on_commit_callbacks
):
    from voters.letters.services import time_limits
    from voters.models import LetterBatch, ReconciliationRun

    jobs = [
        ImportBatch.objects.create(kind="voter_list", tps=tps901, file_name="dpt.csv"),
        ImportBatch.objects.create(kind="reference_dpt", election=election, file_name="d.csv"),
        ImportBatch.objects.create(kind="dapil", election=election, file_name="dapil.csv"),
        ReconciliationRun.objects.create(election=election, facility=blora, today=START.date()),
        LetterBatch.objects.create(election=election, tps=tps901, total=1200),
    ]
    for job in jobs:
        lose(job, 0)
    assert sweep_at(11, django_capture_on_commit_callbacks) == len(jobs)
    assert [(s.task.rsplit(".", 1)[1], s.args) for s in sent] == [
        ("import_voter_list_task", (jobs[0].pk,)),
        ("import_reference_dpt_task", (jobs[1].pk,)),
        ("import_dapil_task", (jobs[2].pk,)),
        ("reconcile_task", (jobs[3].pk,)),
        ("render_notices_task", (jobs[4].pk,)),
    ]
    soft, hard = time_limits(1200)
    assert (sent[-1].options["soft_time_limit"], sent[-1].options["time_limit"]) == (soft, hard)
    for job in jobs:
        job.refresh_from_db()
        assert job.status == "queued"


def test_a_job_without_a_task_to_send_again_is_failed(
    election, sent, monkeypatch, django_capture_on_commit_callbacks
):
    from voters.core import jobs

    monkeypatch.delitem(jobs.RETRY, (ImportBatch, "dapil"))
    batch = ImportBatch.objects.create(kind="dapil", election=election, file_name="dapil.csv")
    lose(batch, 0)
    assert sweep_at(11, django_capture_on_commit_callbacks) == 1
    assert sent == []
    batch.refresh_from_db()
    assert batch.status == "failed" and "jalankan ulang" in batch.error


def test_an_unconfirmed_roster_upload_is_never_imported_by_the_sweep(
    job, sent, django_capture_on_commit_callbacks
):
    """Only a confirmed roster is imported; a running unconfirmed one is its preview job."""
    lose(job, 0)
    sweep_at(11, django_capture_on_commit_callbacks)
    assert "voters.tasks.import_inmates_task" not in [s.task for s in sent]


def test_reading_a_stale_job_sweeps_it_at_most_every_30_seconds(
    confirmed, operator, client_for, sent, django_capture_on_commit_callbacks
):
    """The embedded default has no beat: the progress page is where a lost job is seen."""
    from django.core.cache import cache

    cache.clear()
    other = ImportBatch.objects.create(
        kind="inmates", facility=confirmed.facility, file_name="b.xlsx", confirmed_at=START
    )
    lose(confirmed, 0)
    lose(other, 1)
    client = client_for(operator)

    def read(job, minutes, seconds=0):
        moment = START + dt.timedelta(minutes=minutes, seconds=seconds)
        url = reverse("job_progress", args=["impor", job.pk])
        with (
            time_machine.travel(moment, tick=False),
            django_capture_on_commit_callbacks(execute=True),
        ):
            return client.get(url).json()

    assert read(confirmed, 5)["status"] == "running" and sent == []  # not stale: no sweep
    data = read(confirmed, 11)
    assert (data["status"], data["stale"]) == ("queued", False)
    assert [s.args for s in sent] == [(confirmed.pk,)]
    data = read(other, 11, 20)  # stale now, but the last sweep was 20 s ago
    assert (data["status"], data["stale"]) == ("running", True)
    data = read(other, 11, 31)
    assert data["status"] == "queued" and len(sent) == 2
    cache.clear()


def test_without_a_broker_a_lost_run_is_run_again_when_its_progress_is_read(
    blora, election, tps901, operator, client_for, monkeypatch, django_capture_on_commit_callbacks
):
    """The embedded default (tasks in-process): the re-sent run runs in the page's request."""
    from django.core.cache import cache

    from tpskhusus.celery import app
    from voters.models import ReconciliationRun

    monkeypatch.setitem(app.conf, "task_always_eager", True)
    cache.clear()
    run = ReconciliationRun.objects.create(
        election=election, facility=blora, today=START.date(), trigger="manual"
    )
    lose(run, 0)
    url = reverse("job_progress", args=["rekonsiliasi", run.pk])
    moment = START + dt.timedelta(minutes=11)
    with time_machine.travel(moment, tick=True), django_capture_on_commit_callbacks(execute=True):
        assert client_for(operator).get(url).json()["stale"] is False
    run.refresh_from_db()
    assert (run.status, run.attempts, run.error) == ("done", 2, "")
    cache.clear()


def test_a_worker_sweeps_as_it_starts(confirmed, sent, django_capture_on_commit_callbacks):
    from tpskhusus.celery import sweep_jobs_lost_before_start

    lose(confirmed, 0)
    moment = START + dt.timedelta(minutes=11)
    with time_machine.travel(moment, tick=False), django_capture_on_commit_callbacks(execute=True):
        sweep_jobs_lost_before_start()
    confirmed.refresh_from_db()
    assert confirmed.status == "queued" and len(sent) == 1


def test_the_beat_sweeps_every_minute(settings):
    schedule = settings.CELERY_BEAT_SCHEDULE["sweep-stale-jobs"]
    assert schedule["task"] == "voters.tasks.sweep_stale_jobs_task"
    assert schedule["schedule"].minute == set(range(60))
