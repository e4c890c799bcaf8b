"""A reference DPT uploaded in the browser, loaded by a real Celery worker (CI: PostgreSQL and
Redis), with the progress the page polls and the uploaded file gone afterwards."""

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from kpu_files import kpu_rows, write_csv
from test_worker import wait_for, worker  # noqa: F401 - the real-worker fixture

from voters.lists.services import active_reference, discard_reference
from voters.models import ImportBatch, ReferenceEntry

pytestmark = [
    pytest.mark.skipif(
        not settings.CELERY_BROKER_URL or not settings.IS_POSTGRES,
        reason="needs CELERY_BROKER_URL (Redis) and PostgreSQL",
    ),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def shared_private_root(monkeypatch, private_root):
    """The worker must find the upload where the web process stored it."""
    monkeypatch.setenv("PRIVATE_ROOT", str(private_root))
    return private_root


def test_a_worker_loads_an_uploaded_reference_dpt(
    shared_private_root,
    worker,  # noqa: F811 - the fixture imported from test_worker
    client_for,
    kpu,
    election,
    tps901,
    tmp_path,
):
    rows = kpu_rows(tps="005") * 40
    for number, row in enumerate(rows, 1):
        row[0] = str(number)
    path = write_csv(tmp_path / "dpt_blora.csv", rows)
    client = client_for(kpu)
    response = client.post(
        reverse("reference_upload"),
        {"election": election.pk, "file": SimpleUploadedFile("dpt_blora.csv", path.read_bytes())},
    )
    batch = ImportBatch.objects.get()
    assert response.url == reverse("list_import_result", args=[batch.pk])
    finished = wait_for(lambda: ImportBatch.objects.get(pk=batch.pk).is_finished, timeout=90)
    assert finished, worker.stdout.read() if worker.poll() is not None else "worker did not run it"
    batch.refresh_from_db()
    assert batch.status == "done", batch.error
    assert ReferenceEntry.objects.count() == 200
    progress = client.get(reverse("job_progress", args=["impor", batch.pk])).json()
    assert (progress["status"], progress["percent"]) == ("done", 100)
    assert not list((shared_private_root / "imports").iterdir())
    discard_reference(active_reference(election))  # committed: drop its partition ourselves
