"""Fixtures of the end-to-end journeys (each test module imports them by name: a second
conftest.py would shadow tests/conftest.py for modules that import from it).

The real application (gunicorn, and a real Celery worker when a broker is
configured) on its own database, driven by Debian's headless Chromium through Playwright.

- The database is migrated and set up once per session with the CONTRACT commands
  (add_facility, add_election, add_tps, add_user), then copied for each journey, so journeys
  never see each other's data: a file copy on SQLite, CREATE DATABASE … TEMPLATE on PostgreSQL.
- Each journey seeds what it starts from with the import commands, run in-process (no broker),
  so that the seed is complete before the browser opens.
- With CELERY_BROKER_URL set (CI), the web server queues jobs and a `celery worker` runs them,
  so progress bars really move; without it, jobs run inside the request (the embedded set-up).
  Each journey's Redis keys carry a prefix of its own (tests/e2e/e2e_settings.py), so no other
  worker on the same Redis takes its jobs.
- Screenshots and server logs go to var/e2e-artifacts/<journey>/ (ignored by git); the path is
  printed at the end of the run.

Chromium comes from Debian (`apt-get install chromium chromium-driver`); the journeys are
skipped, with the reason, where /usr/bin/chromium is missing. Nothing is ever downloaded.
"""

import itertools
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from e2e_config import ARTIFACTS, ELECTION, FACILITY, PASSWORD, ROOT, local_today

HERE = Path(__file__).resolve().parent

CHROMIUM = os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
USERS = [  # username, role, tps, full name (invented), institution
    ("rina", "operator", "", "Rina Kusumawati", "Rutan Kelas IIB Blora"),
    ("annisa", "kpps", "901", "Annisa Rahmawati", "KPPS TPS 901"),
    ("dwi", "kpu", "", "Dwi Astuti", "KPU Kabupaten Blora"),
    ("slamet", "observer", "", "Slamet Riyadi", "Bawaslu Kabupaten Blora"),
]
QUEUES = ("default", "imports", "letters")
COPIES = itertools.count(1)
USED_NAMES = set()


# -- databases ----------------------------------------------------------------------------------


class SqliteDatabases:
    def __init__(self, folder):
        self.folder = folder

    def url(self, name):
        return f"sqlite:///{self.folder / (name + '.sqlite3')}"

    def create_template(self):
        return self.url("template")

    def clone(self, name):
        shutil.copyfile(self.folder / "template.sqlite3", self.folder / f"{name}.sqlite3")
        return self.url(name)

    def drop(self, name):
        (self.folder / f"{name}.sqlite3").unlink(missing_ok=True)

    def drop_template(self):
        self.drop("template")


class PostgresDatabases:
    """Databases next to the test database, named after it."""

    def __init__(self, url):
        self.parts = urlsplit(url)
        # The process id keeps two test runs against one server apart.
        name = re.sub(r"\W", "_", self.parts.path.lstrip("/") or "tpskhusus")[:30]
        self.prefix = f"{name}_e2e{os.getpid()}"

    def url(self, name):
        return urlunsplit(self.parts._replace(path=f"/{self.prefix}_{name}"))

    def _admin(self, sql):
        import psycopg

        maintenance = urlunsplit(self.parts._replace(path="/postgres"))
        with psycopg.connect(maintenance, autocommit=True) as conn:
            conn.execute(sql)

    def create_template(self):
        self.drop("template")
        self._admin(f'CREATE DATABASE "{self.prefix}_template"')
        return self.url("template")

    def clone(self, name):
        self.drop(name)
        self._admin(f'CREATE DATABASE "{self.prefix}_{name}" TEMPLATE "{self.prefix}_template"')
        return self.url(name)

    def drop(self, name):
        self._admin(f'DROP DATABASE IF EXISTS "{self.prefix}_{name}" WITH (FORCE)')

    def drop_template(self):
        self.drop("template")


def databases(tmp_folder):
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        return PostgresDatabases(url)
    return SqliteDatabases(tmp_folder)


# -- processes ----------------------------------------------------------------------------------


def app_env(database_url, private_root, *, broker, key_prefix=""):
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "PRIVATE_ROOT": str(private_root),
        "DEBUG": "True",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
        "CELERY_BROKER_URL": broker,
        # tests/e2e/e2e_settings.py: the project's settings with the journey's Redis key prefix
        "DJANGO_SETTINGS_MODULE": "e2e_settings",
        "E2E_KEY_PREFIX": key_prefix,
        "PYTHONPATH": os.pathsep.join([str(HERE), str(ROOT)]),
    }


def run_python(code, env):
    """Django commands in one process: `code` gets call_command and the environment's set-up."""
    script = (
        "import django\ndjango.setup()\nfrom django.core.management import call_command\n" + code
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        check=False,
    )
    if result.returncode:
        raise RuntimeError(f"set-up failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(url, proc, log, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the web server stopped:\n{log.read_text(errors='replace')}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - localhost
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    raise RuntimeError(f"the web server did not answer {url}:\n{log.read_text(errors='replace')}")


def stop(proc):
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


def forget_keys(broker, prefix):
    """Remove a journey's Redis keys (its queues and anything left unacknowledged)."""
    import redis

    client = redis.Redis.from_url(broker)
    keys = list(client.scan_iter(match=f"{prefix}*"))
    if keys:
        client.delete(*keys)
    client.close()


class App:
    """One journey's running application: its URL, its seed commands and its worker."""

    def __init__(self, name, database_url, folder, broker, key_prefix):
        self.name = name
        self.database_url = database_url
        self.folder = folder
        self.broker = broker
        self.key_prefix = key_prefix
        self.private = folder / "private"
        self.private.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = self.worker = None
        self.logs = ARTIFACTS / name
        shutil.rmtree(self.logs, ignore_errors=True)  # the last run's screenshots
        self.logs.mkdir(parents=True)

    def env(self, *, broker=None):
        return app_env(
            self.database_url,
            self.private,
            broker=self.broker if broker is None else broker,
            key_prefix=self.key_prefix,
        )

    def seed(self, code):
        """Commands run in-process (no broker), so the seed is complete when they return."""
        return run_python(code, self.env(broker=""))

    def file(self, name, data):
        path = self.folder / name
        path.write_bytes(data)
        return path

    def start(self):
        log = self.logs / "server.log"
        self.server = subprocess.Popen(  # noqa: S603
            [
                sys.executable,
                "-m",
                "gunicorn",
                "tpskhusus.wsgi:application",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                "1",
                "--threads",
                "4",
                "--timeout",
                "120",
                "--error-logfile",
                "-",
            ],
            cwd=ROOT,
            env=self.env(),
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
        )
        wait_until_up(f"{self.url}/sehat/", self.server, log)
        if self.broker:
            self.start_worker()

    def start_worker(self):
        log = self.logs / "worker.log"
        self.worker = subprocess.Popen(  # noqa: S603
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "tpskhusus",
                "worker",
                "--pool=solo",
                "--concurrency=1",
                "-Q",
                ",".join(QUEUES),
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-n",
                f"e2e-{self.name}-{os.getpid()}@%h",
                "--loglevel=WARNING",
            ],
            cwd=ROOT,
            env=self.env(),
            stdout=log.open("a"),
            stderr=subprocess.STDOUT,
        )

    def pause_worker(self):
        """Stop the worker (jobs wait in the queue); False when jobs run in-process."""
        if not self.broker:
            return False
        stop(self.worker)
        self.worker = None
        return True

    def resume_worker(self):
        if self.broker and self.worker is None:
            self.start_worker()

    def close(self):
        stop(self.worker)
        stop(self.server)
        if self.broker:
            forget_keys(self.broker, self.key_prefix)


@pytest.fixture(scope="session")
def chromium_path():
    if not Path(CHROMIUM).exists():
        if os.environ.get("E2E_REQUIRED"):  # CI installs it: missing there is a failure
            pytest.fail(f"{CHROMIUM} is missing")
        pytest.skip(
            f"{CHROMIUM} is missing: install Debian's chromium (apt-get install "
            "chromium chromium-driver) to run the end-to-end journeys"
        )
    pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    return CHROMIUM


# Every journey module imports these fixtures, so pytest sees one definition per module; the
# browser and the set-up database are made once per run and shared through this module.
SHARED = {}


@pytest.fixture(scope="session")
def polling_day():
    return SHARED.setdefault("polling_day", local_today() + timedelta(days=21))


@pytest.fixture(scope="session")
def e2e_databases(request, chromium_path, tmp_path_factory, polling_day):
    """A migrated database with the rutan, the election, TPS 901 and one user per role."""
    if "databases" in SHARED:
        return SHARED["databases"]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    folder = tmp_path_factory.mktemp("e2e")
    dbs = databases(folder)
    env = app_env(dbs.create_template(), folder / "private", broker="")
    password_file = folder / "password.txt"
    password_file.write_text(PASSWORD)
    users = "\n".join(
        f"call_command('add_user', {u!r}, role={r!r}, facility={FACILITY!r}, tps={t!r}, "
        f"password_file={str(password_file)!r}, name={n!r}, institution={i!r})"
        for u, r, t, n, i in USERS
    )
    run_python(
        "call_command('migrate', verbosity=0)\n"
        f"call_command('add_facility', {FACILITY!r}, name='Rutan Kelas IIB Blora', "
        "region='33.16', address='Jl. Pemuda No. 1, Blora', head='Kepala Rutan')\n"
        f"call_command('add_election', {ELECTION!r}, name='Pemilihan Bupati dan Wakil Bupati "
        f"Blora 2024', type='pilkada', polling_date={polling_day.isoformat()!r}, "
        "region='33.16')\n"
        f"call_command('add_tps', {ELECTION!r}, {FACILITY!r}, '901', "
        "address='Aula Rutan Kelas IIB Blora')\n" + users,
        env,
    )
    SHARED["databases"] = dbs, folder

    request.addfinalizer(dbs.drop_template)
    return SHARED["databases"]


@pytest.fixture
def app(request, e2e_databases):
    """The application for one journey, on a fresh copy of the set-up database."""
    dbs, folder = e2e_databases
    module = request.node.module.__name__.removeprefix("test_e2e_")
    name = module if module not in USED_NAMES else f"{module}-{request.node.name[5:45]}"
    USED_NAMES.add(name)
    copy = f"j{next(COPIES)}"
    database_url = dbs.clone(copy)
    broker = os.environ.get("CELERY_BROKER_URL", "")
    running = App(name, database_url, folder / name, broker, f"e2e-{os.getpid()}-{copy}:")
    try:
        yield running
    finally:
        running.close()
        dbs.drop(copy)
        say(request, f"e2e {name}: screenshots, downloads and logs in {running.logs}")


def say(request, line):
    """A line on the terminal even while output is captured (pytest -q)."""
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if capture is None:
        print(line)
        return
    with capture.global_and_fixture_disabled():
        print(f"\n{line}")


@pytest.fixture(scope="session")
def browser(request, chromium_path):
    """One headless Chromium for the whole run (Playwright's sync API allows one at a time)."""
    if "browser" in SHARED:
        return SHARED["browser"]
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    SHARED["browser"] = playwright.chromium.launch(
        executable_path=chromium_path, args=CHROMIUM_ARGS
    )

    def finish():
        SHARED.pop("browser").close()
        playwright.stop()

    request.addfinalizer(finish)
    return SHARED["browser"]
