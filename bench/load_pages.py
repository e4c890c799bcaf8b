"""Server time and SQL queries of each page of the load test, in-process (no HTTP, no gunicorn).

    .venv/bin/python bench/load_pages.py [--db tpskhusus_load] [--repeat 20]

Runs against the database seeded by bench/load_seed.py, with the production settings (DEBUG
off), through Django's test client logged in as each role. For every page: the number of SQL
queries of one request (the same on every repeat), the median and slowest time and the median
Python CPU time of ``--repeat`` requests after one warm-up, and the CPU time of the PostgreSQL
backend that served them, per request (both steadier than wall time on a shared machine).
This is what the load test's latencies are made of before any queueing; bench/bench_load.py
measures the same pages over HTTP under load.
"""

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"


def pages(ids):
    """(name, role, method, url, data) of every page the load scenarios request."""
    tps, run = ids["tps"], ids["run"]
    inmate = ids["inmates"][len(ids["inmates"]) // 2]
    name = ids["names"][0]
    first_list = ids["lists"][0]
    return [
        ("dashboard (operator)", "operator", "get", "/", None),
        ("dashboard (kpps)", "kpps901", "get", "/", None),
        ("dashboard (kpu)", "kpu", "get", "/", None),
        ("roster page 1", "operator", "get", "/wbp/", None),
        ("roster page 20", "operator", "get", "/wbp/?hal=20", None),
        ("roster search", "operator", "get", f"/wbp/?q={name}", None),
        ("roster eligible, inside", "operator", "get",
         "/wbp/?custody=inside&eligibility=yes", None),
        ("inmate detail", "operator", "get", f"/wbp/{inmate}/", None),
        ("NIK worklist", "operator", "get", "/nik/", None),
        ("reconciliation overview", "kpu", "get", "/rekonsiliasi/", None),
        ("reconciliation run", "kpu", "get", f"/rekonsiliasi/{run}/", None),
        ("voter lists", "kpu", "get", "/daftar/", None),
        ("voter list detail", "kpu", "get", f"/daftar/{first_list}/", None),
        ("KPPS home", "kpps901", "get", "/kpps/", None),
        ("deliveries (pending)", "kpps901", "get", f"/kpps/tps/{tps}/tanda-terima/", None),
        ("deliveries (all)", "kpps901", "get", f"/kpps/tps/{tps}/tanda-terima/?status=semua",
         None),
        ("deliveries search", "kpps901", "get",
         f"/kpps/tps/{tps}/tanda-terima/?status=semua&q={name}", None),
        ("mark delivery (POST)", "kpps901", "post", f"/kpps/tps/{tps}/tanda-terima/catat/",
         {"key": ids["voter_keys"][0], "status": "delivered",
          "next": f"/kpps/tps/{tps}/tanda-terima/"}),
        ("coordination meetings", "bawaslu", "get", "/rapat/", None),
    ]


def backend_cpu_ms(connection):
    """CPU milliseconds used so far by the PostgreSQL backend serving this connection (the
    server runs on this machine)."""
    connection.ensure_connection()
    pid = connection.connection.info.backend_pid
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="tpskhusus_load")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--only", default="", help="substring of the page names to run")
    args = parser.parse_args(argv)
    os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{args.db}"
    os.environ.setdefault("DEBUG", "False")
    os.environ.setdefault("SECRET_KEY", "load-test-secret-key-" + "x" * 40)
    os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,testserver")
    os.environ.setdefault("HTTPS", "False")
    os.environ.pop("CELERY_BROKER_URL", None)
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tpskhusus.settings")
    import django

    django.setup()
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from voters.models import User

    ids = json.loads((OUT / "load_ids.json").read_text())
    clients = {}
    results = []
    for name, role, method, url, data in pages(ids):
        if args.only and args.only not in name:
            continue
        if role not in clients:
            clients[role] = Client()
            clients[role].force_login(User.objects.get(username=role))
        client = clients[role]
        call = getattr(client, method)
        response = call(url, data) if data else call(url)
        assert response.status_code in (200, 302), (name, response.status_code)
        reset_queries()  # the log is cleared at each request start: count from zero
        with CaptureQueriesContext(connection) as queries:
            call(url, data) if data else call(url)
        count = len(queries)  # read now: the next request clears the connection's log
        times, cpu = [], []
        backend = backend_cpu_ms(connection)
        for _ in range(args.repeat):
            t0, c0 = time.perf_counter(), time.process_time()
            call(url, data) if data else call(url)
            times.append((time.perf_counter() - t0) * 1000)
            cpu.append((time.process_time() - c0) * 1000)
        backend = (backend_cpu_ms(connection) - backend) / args.repeat
        row = {"page": name, "url": url, "queries": count,
               "median_ms": round(statistics.median(times), 1), "max_ms": round(max(times), 1),
               "median_cpu_ms": round(statistics.median(cpu), 1),
               "postgres_cpu_ms": round(backend, 1)}
        results.append(row)
        print(f"{name:32} {row['queries']:4d} queries  median {row['median_ms']:6.1f} ms  "
              f"max {row['max_ms']:6.1f} ms  CPU: Python {row['median_cpu_ms']:5.1f} ms, "
              f"PostgreSQL {row['postgres_cpu_ms']:5.1f} ms", flush=True)
    (OUT / "load_pages.json").write_text(json.dumps({
        "load_average": os.getloadavg(), "repeat": args.repeat, "pages": results}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
