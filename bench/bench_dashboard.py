"""Home-page dashboards with the demo data: server time per role, and queries per page.

    .venv/bin/python bench/bench_dashboard.py [--requests 30] [--inmates 300]
    .venv/bin/python bench/bench_dashboard.py --postgres postgres://postgres@127.0.0.1:5432

A database of its own (a temporary SQLite file, or with --postgres a database
``tpskhusus_bench_dashboard`` dropped and created on that server) is migrated and filled by
``manage.py demo``; then, for each demo account, Django's test client requests ``/`` (the home
page with the role's dashboard) a few times to warm up, then ``--requests`` times on the clock.
The test client runs the whole request in this process: middleware, view, every query and the
template, but no network and no browser. Reported per role: median, 90th percentile and best
time, number of queries, and HTML size. Results also go to bench/out/dashboard.json.
"""

import argparse
import json
import os
import platform
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OUT = ROOT / "bench" / "out"
ROLES = [
    ("operator", "operator"),
    ("kpps901", "kpps"),
    ("kpu", "kpu"),
    ("bawaslu", "observer"),
    ("admin", "admin"),
]


def prepare_environment(args, folder):
    os.environ["DJANGO_SETTINGS_MODULE"] = "tpskhusus.settings"
    os.environ["DEBUG"] = "True"  # static files without collectstatic; queries are counted
    os.environ["ALLOWED_HOSTS"] = "testserver"
    os.environ["LOG_LEVEL"] = "ERROR"
    os.environ["PRIVATE_ROOT"] = str(folder / "private")
    os.environ.pop("CELERY_BROKER_URL", None)  # the demo's jobs run in-process
    if args.postgres:
        import psycopg

        server = args.postgres.rstrip("/")
        with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
            conn.execute("DROP DATABASE IF EXISTS tpskhusus_bench_dashboard WITH (FORCE)")
            conn.execute("CREATE DATABASE tpskhusus_bench_dashboard")
        os.environ["DATABASE_URL"] = f"{server}/tpskhusus_bench_dashboard"
    else:
        os.environ["DATABASE_URL"] = f"sqlite:///{folder / 'dashboard.sqlite3'}"


def measure(client, requests):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(3):
        client.get("/")
    times = []
    for _ in range(requests):
        start = time.perf_counter()
        response = client.get("/")
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.status_code
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/")
    times.sort()
    return {
        "median_ms": round(statistics.median(times), 1),
        "p90_ms": round(times[int(len(times) * 0.9) - 1], 1),
        "best_ms": round(times[0], 1),
        "queries": len(queries.captured_queries),
        "html_kib": round(len(response.content) / 1024, 1),
        "cards": re.findall(r'id="judul-([\w-]+)"', response.content.decode()),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--inmates", type=int, default=300)
    parser.add_argument("--postgres", default="", help="server URL without a database name")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        prepare_environment(args, Path(tmp))
        import django

        django.setup()
        from django.core.management import call_command
        from django.test import Client

        from voters.models import User

        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        call_command("demo", "--inmates", str(args.inmates), stdout=open(os.devnull, "w"))  # noqa: SIM115
        setup_s = round(time.perf_counter() - started, 1)
        results = {}
        for username, role in ROLES:
            client = Client()
            client.force_login(User.objects.get(username=username))
            results[role] = measure(client, args.requests)
        from django.db import connection

        report = {
            "date_utc": time.strftime("%Y-%m-%d %H:%M", time.gmtime()),
            "database": connection.vendor,
            "inmates": args.inmates,
            "requests": args.requests,
            "setup_s": setup_s,
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "load_average": [round(x, 2) for x in os.getloadavg()],
            "roles": results,
        }
        if args.postgres:
            connection.close()
    OUT.mkdir(exist_ok=True)
    (OUT / "dashboard.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
    print(
        f"{report['database']}, {args.inmates} demo inmates, {args.requests} requests each, "
        f"load {report['load_average'][0]}"
    )
    print("| role | median ms | p90 ms | best ms | queries | HTML KiB |")
    print("|---|---:|---:|---:|---:|---:|")
    for role, r in results.items():
        print(
            f"| {role} | {r['median_ms']} | {r['p90_ms']} | {r['best_ms']} | {r['queries']} "
            f"| {r['html_kib']} |"
        )


if __name__ == "__main__":
    main()
