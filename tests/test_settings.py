"""Production settings pass `check --deploy` with only SECRET_KEY and ALLOWED_HOSTS set."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def manage(*args, env):
    # Production's environment: none of the test suite's settings (pyproject.toml's pytest env).
    test_only = ("DEBUG", "HTTPS", "DJANGO_SETTINGS_MODULE", "SECRET_KEY", "ALLOWED_HOSTS")
    clean = {k: v for k, v in os.environ.items() if k not in test_only}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**clean, **env},
        check=False,
    )


def test_check_deploy_passes_with_only_secret_key_and_allowed_hosts(tmp_path):
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env={
            "SECRET_KEY": "x" * 30 + "-production-placeholder-secret-key-0123456789",
            "ALLOWED_HOSTS": "tps.example.id",
            "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3",
        },
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    result = manage("check", env={"DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3"})
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_a_boolean_setting_that_is_not_true_or_false_is_an_error(tmp_path):
    result = manage("check", env={"DEBUG": "ja", "DATABASE_URL": f"sqlite:///{tmp_path}/d.db"})
    assert result.returncode != 0
    assert "DEBUG must be True or False" in result.stderr


@pytest.mark.django_db
def test_every_page_sends_a_strict_content_security_policy(operator, client_for):
    response = client_for(operator).get("/")
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "object-src 'none'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy


def test_full_niks_are_redacted_in_log_lines(caplog):
    import logging

    from voters.core.logging import RedactNikFilter

    logger = logging.getLogger("voters.test")
    logger.addFilter(RedactNikFilter())
    with caplog.at_level(logging.INFO, logger="voters.test"):
        logger.info("memeriksa %s", "3316012506614204")
    logger.filters.clear()
    assert "3316012506614204" not in caplog.text
    assert "331601**********" in caplog.text


@pytest.mark.django_db
def test_an_oversized_upload_is_refused_before_its_body_is_read(operator, client_for, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    from voters.models import ImportBatch

    settings.MAX_UPLOAD_BYTES = 10 * 1024 * 1024
    big = SimpleUploadedFile("sdp.csv", b"x" * (10 * 1024 * 1024 + 100 * 1024))
    response = client_for(operator).post(reverse("roster_import"), {"file": big})
    assert response.status_code == 413
    assert ImportBatch.objects.count() == 0


@pytest.mark.django_db
def test_the_reference_upload_may_declare_more_than_the_other_uploads(kpu, client_for, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    settings.MAX_UPLOAD_BYTES = 1024
    body = {"file": SimpleUploadedFile("dpt.csv", b"x" * (200 * 1024))}
    client = client_for(kpu)
    assert client.post(reverse("voter_list_upload"), body).status_code == 413
    body["file"].seek(0)
    response = client.post(reverse("reference_upload"), body)
    assert response.status_code == 200  # the form's answer: no election chosen
