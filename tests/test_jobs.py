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


def test_a_job_whose_worker_died_is_swept_as_failed_and_can_be_claimed_again(job):
    start = dt.datetime(2024, 11, 1, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        job.claim()
    with time_machine.travel(start + dt.timedelta(minutes=5), tick=False):
        assert sweep_stale_jobs_task() == 0
    with time_machine.travel(start + dt.timedelta(minutes=11), tick=False):
        assert ImportBatch.objects.get(pk=job.pk).is_stale
        assert sweep_stale_jobs_task() == 1
        job.refresh_from_db()
        assert job.status == "failed" and "jalankan ulang" in job.error


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
