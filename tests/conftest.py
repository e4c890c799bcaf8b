"""People and places as fixtures (STYLE.md): a rutan with TPS 901 and 902, and an outsider."""

import datetime as dt

import pytest
from django.test import Client

from voters.models import TPS, Election, Facility, User

PASSWORD = "kata-sandi-uji-123"  # noqa: S105


def pytest_configure(config):
    """The test suite's changes to tpskhusus/settings.py, which is read before this runs (its
    SECRET_KEY, ALLOWED_HOSTS and HTTPS defaults come from pyproject.toml's pytest env)."""
    from django.conf import settings
    from django.test.utils import override_settings

    # One connection: a second one ("jobs", for job progress) would not see the rows a test
    # writes inside its transaction.
    settings.DATABASES.pop("jobs", None)
    override_settings(
        # Fast hashing for the test suite only; production keeps Django's PBKDF2 default.
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        # Static files straight from static/: no collectstatic before a test run.
        STORAGES={
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
        # Job progress in the database only (the file cache is the embedded worker's).
        CACHES={name: cache for name, cache in settings.CACHES.items() if name != "progress"},
    ).enable()


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path):
    settings.PRIVATE_ROOT = tmp_path / "private"
    settings.MEDIA_ROOT = settings.PRIVATE_ROOT
    settings.PRIVATE_ROOT.mkdir()
    return settings.PRIVATE_ROOT


@pytest.fixture(autouse=True)
def fresh_cache():
    """Each test starts with an empty cache: pages keep HTML and figures under the ids of what
    they show, and a database rolled back after a test gives the next one the same ids."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def tasks_run_in_process(settings):
    """Tasks run eagerly in tests; test_worker.py switches this off to use a real worker."""
    from tpskhusus.celery import app

    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = settings.CELERY_TASK_ALWAYS_EAGER


@pytest.fixture
def blora(db):
    return Facility.objects.create(
        code="RUTAN-BLORA", name="Rutan Kelas IIB Blora", region_code="33.16"
    )


@pytest.fixture
def rembang(db):
    return Facility.objects.create(
        code="LAPAS-REMBANG", name="Lapas Kelas IIB Rembang", region_code="33.17"
    )


@pytest.fixture
def election(db):
    return Election.objects.create(
        code="PILKADA2024",
        name="Pemilihan Serentak 2024",
        kind="pilkada",
        polling_date=dt.date(2024, 11, 27),
        region_code="33.16",
    )


@pytest.fixture
def tps901(blora, election):
    return TPS.objects.create(election=election, facility=blora, number="901", capacity=600)


@pytest.fixture
def tps902(blora, election):
    return TPS.objects.create(election=election, facility=blora, number="902", capacity=600)


@pytest.fixture
def tps_rembang(rembang, election):
    return TPS.objects.create(election=election, facility=rembang, number="903", capacity=600)


def make_user(username, role, facility, tps_number="", region_code=""):
    user = User(
        username=username,
        role=role,
        facility=facility,
        tps_number=tps_number,
        region_code=region_code,
        first_name=username.title(),
    )
    user.set_password(PASSWORD)
    user.save()
    return user


@pytest.fixture
def operator(blora):
    return make_user("alice", "operator", blora)


@pytest.fixture
def kpps(blora, tps901):
    return make_user("kartini", "kpps", blora, "901")


@pytest.fixture
def kpu(blora):
    return make_user("kurnia", "kpu", blora)


@pytest.fixture
def observer(blora):
    return make_user("bambang", "observer", blora)


@pytest.fixture
def admin_user(blora):
    return make_user("adi", "admin", blora)


@pytest.fixture
def outsider(rembang, tps_rembang):
    return make_user("charlie", "operator", rembang)


@pytest.fixture
def people(operator, kpps, kpu, observer, admin_user, outsider, tps902):
    return {
        "operator": operator,
        "kpps": kpps,
        "kpu": kpu,
        "observer": observer,
        "admin": admin_user,
        "outsider": outsider,
    }


@pytest.fixture
def regency_people(blora, rembang, tps_rembang):
    """CONTRACT.md ``add_user --region``: KPU Kabupaten Blora's liaison and Bawaslu Kabupaten
    Blora's observer (every facility of 33.16), and KPU Kabupaten Rembang's (33.17)."""
    return {
        "kpu": make_user("sari", "kpu", None, region_code="33.16"),
        "observer": make_user("bawaslu", "observer", None, region_code="33.16"),
        "outsider": make_user("rembang-kpu", "kpu", None, region_code="33.17"),
    }


def login(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def client_for():
    return login
