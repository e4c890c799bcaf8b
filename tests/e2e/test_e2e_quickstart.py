"""Journey 0: a newcomer's first minutes. `./quickstart.sh` from a fresh clone serves the app
like production (DEBUG off, the app's own Indonesian error pages, static files through
WhiteNoise) with a real Celery worker on a folder queue, so a KPPS officer printing the demo's
letters watches the progress bar move instead of a browser that waits (issue 18 items 2, 3).

The clone holds exactly the files git would give (tracked, plus new files not yet committed),
and shares the project's virtualenv so that nothing is installed twice."""

import os
import signal
import subprocess
import time
import urllib.request

import pytest
from e2e_browser import Person
from e2e_config import ARTIFACTS, ROOT
from e2e_fixtures import browser, chromium_path, free_port  # noqa: F401
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

DEMO_PASSWORD = "tpskhusus-demo"  # noqa: S105 - the demo's printed password


def fresh_clone(dest):
    files = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT, check=True, capture_output=True,
    ).stdout.split(b"\0")
    for name in filter(None, files):
        source = ROOT / name.decode()
        if not source.is_file():
            continue  # deleted in the working tree, not yet committed
        target = dest / name.decode()
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(source.read_bytes())
        target.chmod(source.stat().st_mode)
    (dest / ".venv").symlink_to(ROOT / ".venv")


@pytest.fixture
def quickstart(tmp_path):
    clone = tmp_path / "tpskhusus"
    fresh_clone(clone)
    port = free_port()
    logs = ARTIFACTS / "quickstart"
    logs.mkdir(parents=True, exist_ok=True)
    log = (logs / "quickstart.log").open("wb")
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("DATABASE_URL", "CELERY_", "DJANGO_", "DEBUG", "PYTEST"))}
    env.update(PORT=str(port), HOST="127.0.0.1")
    process = subprocess.Popen(  # noqa: S603 - our own script
        ["bash", "quickstart.sh"], cwd=clone, env=env, stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 300
    while True:
        if process.poll() is not None:
            pytest.fail(f"quickstart.sh stopped ({process.returncode}): see {logs}")
        try:
            with urllib.request.urlopen(f"{url}/masuk/", timeout=5) as response:  # noqa: S310
                if response.status == 200:
                    break
        except OSError:
            pass
        if time.monotonic() > deadline:
            pytest.fail(f"quickstart.sh did not serve /masuk/ within 300 s: see {logs}")
        time.sleep(2)
    app = type("App", (), {"url": url, "logs": logs, "broker": "filesystem://"})()
    try:
        yield app, clone
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
        log.close()
        worker_log = clone / "var" / "log" / "worker.log"
        if worker_log.exists():
            (logs / "worker.log").write_bytes(worker_log.read_bytes())


def test_quickstart_serves_like_production_and_its_worker_moves_the_progress_bar(
    quickstart, browser
):
    app, clone = quickstart
    # Production-like: the app's own 404 page, no debug page listing the URLs.
    with pytest.raises(urllib.error.HTTPError) as missing:
        urllib.request.urlopen(f"{app.url}/tidak-ada/", timeout=10)  # noqa: S310
    body = missing.value.read().decode()
    assert missing.value.code == 404
    assert "Halaman tidak ditemukan" in body and "URLconf" not in body
    with urllib.request.urlopen(f"{app.url}/static/css/app.css", timeout=10) as css:  # noqa: S310
        assert css.status == 200  # WhiteNoise, from the collected static files

    kpps = Person(browser, app)
    page = kpps.page
    kpps.go("/masuk/")
    page.get_by_label("Nama pengguna").fill("kpps901")
    page.get_by_label("Kata sandi").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    page.wait_for_url(app.url + "/")
    kpps.menu("TPS & KPPS")
    page.get_by_role("link", name="Buka TPS").click()
    page.get_by_role("button", name="Buat PDF surat").click()
    expect(page.locator("h1")).to_contain_text("Surat pemberitahuan TPS 901")

    # The request came straight back; the worker lays the letters out while the page polls.
    bar = page.locator(".job progress")
    seen = set()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if page.get_by_role("link", name="Unduh PDF").count():
            break
        if bar.count():
            value = bar.get_attribute("value")
            if value is not None:
                seen.add(int(float(value)))
        time.sleep(0.2)
    kpps.shot("quickstart-surat-siap", full_page=False)
    expect(page.get_by_role("link", name="Unduh PDF")).to_be_visible()
    moving = sorted(v for v in seen if 0 < v < 100)
    assert moving, f"the progress bar never showed a value between 0 and 100: {sorted(seen)}"
    worker_log = (clone / "var" / "log" / "worker.log").read_text()
    assert "render_notices_task" in worker_log  # laid out by the worker, not the web request
    kpps.assert_no_problems()
    kpps.close()
