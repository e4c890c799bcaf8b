"""Locust scenarios of the load test: operators, KPPS officers and the dashboard's readers.

Run by bench/bench_load.py (which starts gunicorn, a Celery worker and Locust headless); by
hand:

    bench/out/locust-venv/bin/locust -f bench/locustfile_load.py --headless -u 20 -r 5 \
        -t 60s --host http://127.0.0.1:8765

Every user logs in through the real login form (CSRF token, PBKDF2 password check) once, then
requests pages with a think time of LOAD_WAIT seconds ("1-3" by default; "0" for a closed
loop that measures throughput). Ids come from bench/out/load_ids.json (bench/load_seed.py).
Request names are the page names of bench/load_pages.py, so the two tables line up.
"""

import json
import os
import random
import re
from pathlib import Path

from locust import FastHttpUser, between, constant, task

IDS = json.loads((Path(__file__).resolve().parent / "out" / "load_ids.json").read_text())
PASSWORD = "tpskhusus-demo"  # the demo accounts' password (voters/management/commands/demo.py)
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def think_time():
    low, _sep, high = os.environ.get("LOAD_WAIT", "1-3").partition("-")
    return constant(float(low)) if not high else between(float(low), float(high))


class Person(FastHttpUser):
    abstract = True
    wait_time = think_time()
    username = ""

    def on_start(self):
        form = self.client.get("/masuk/", name="login form")
        token = CSRF.search(form.text).group(1)
        with self.client.post(
            "/masuk/",
            data={"username": self.username, "password": PASSWORD,
                  "csrfmiddlewaretoken": token, "next": "/"},
            headers={"Referer": f"{self.host}/masuk/"},
            name="login (POST)",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"login failed: {response.status_code}")

    def page(self, url, name):
        with self.client.get(url, name=name, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code}")
            return response


class Operator(Person):
    """Prison staff browsing and searching the roster of 2,000 inmates."""

    weight = 4
    username = "operator"

    @task(3)
    def roster(self):
        self.page("/wbp/", "roster page 1")

    @task(3)
    def roster_page(self):
        self.page(f"/wbp/?hal={random.randint(2, 40)}", "roster page n")

    @task(2)
    def roster_search(self):
        self.page(f"/wbp/?q={random.choice(IDS['names'])}", "roster search")

    @task(1)
    def roster_eligible(self):
        self.page("/wbp/?custody=inside&eligibility=yes", "roster eligible, inside")

    @task(3)
    def inmate(self):
        self.page(f"/wbp/{random.choice(IDS['inmates'])}/", "inmate detail")

    @task(1)
    def worklist(self):
        self.page("/nik/", "NIK worklist")


class Kpps(Person):
    """KPPS officers of TPS 901 marking letter deliveries in the register."""

    weight = 4
    username = "kpps901"

    @property
    def register(self):
        return f"/kpps/tps/{IDS['tps']}/tanda-terima/"

    @task(3)
    def deliveries(self):
        self.page(self.register, "deliveries (pending)")

    @task(2)
    def search(self):
        self.page(f"{self.register}?status=semua&q={random.choice(IDS['names'])}",
                  "deliveries search")

    @task(3)
    def mark(self):
        page = self.page(f"{self.register}?status=semua", "deliveries (all)")
        match = CSRF.search(page.text or "")
        if match is None:
            return
        with self.client.post(
            f"/kpps/tps/{IDS['tps']}/tanda-terima/catat/",
            data={"csrfmiddlewaretoken": match.group(1),
                  "key": random.choice(IDS["voter_keys"]),
                  "status": "delivered", "next": self.register},
            headers={"Referer": f"{self.host}{self.register}"},
            name="mark delivery (POST)",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"{response.status_code}")

    @task(1)
    def home(self):
        self.page("/kpps/", "KPPS home")


class Dashboard(Person):
    """The KPU liaison reading the dashboard, reconciliation, lists and coordination."""

    weight = 2
    username = "kpu"

    @task(4)
    def dashboard(self):
        self.page("/", "dashboard")

    @task(1)
    def reconciliation(self):
        self.page("/rekonsiliasi/", "reconciliation overview")

    @task(2)
    def reconciliation_run(self):
        self.page(f"/rekonsiliasi/{IDS['run']}/?hal={random.randint(1, 19)}",
                  "reconciliation run")

    @task(1)
    def lists(self):
        self.page("/daftar/", "voter lists")

    @task(1)
    def list_detail(self):
        self.page(f"/daftar/{random.choice(IDS['lists'])}/", "voter list detail")

    @task(1)
    def meetings(self):
        self.page("/rapat/", "coordination meetings")
