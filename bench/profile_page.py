"""Where one page's server time goes: Django's test client against the load test's database.

    .venv/bin/python bench/profile_page.py --user operator --path / [--requests 50] [--profile]

Runs in this process, on the database seeded by bench/pages_seed.py (``--db``, tpsk_bench),
with the production settings the load test uses (DEBUG off). It logs in as ``--user`` (a demo
account), requests ``--path`` a few times to warm the caches, then ``--requests`` times on the
clock and prints the median and best wall time, the CPU time of this process per request, and
the queries of one request with their time. With ``--profile`` it prints the functions that took
the most cumulative time (cProfile) over the timed requests. Loopback and read-only: only GET
requests (the login writes a session row).
"""

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "tpskhusus-demo"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="tpsk_bench")
    parser.add_argument("--user", default="operator")
    parser.add_argument("--path", default="/")
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--sort", default="cumulative", help="cumulative or tottime")
    args = parser.parse_args(argv)

    os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{args.db}"
    os.environ["DEBUG"] = "False"
    os.environ.setdefault("SECRET_KEY", "bench-profile-" + "x" * 40)
    os.environ["ALLOWED_HOSTS"] = "testserver"
    os.environ["HTTPS"] = "False"
    os.environ.pop("CELERY_BROKER_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "tpskhusus.settings"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import connection
    from django.test import Client

    client = Client()
    response = client.post("/masuk/", {"username": args.user, "password": PASSWORD})
    if response.status_code not in (200, 302):
        raise SystemExit(f"login failed: {response.status_code}")
    for _ in range(5):
        response = client.get(args.path)
        if response.status_code != 200:
            raise SystemExit(f"{args.path}: {response.status_code}")
    captured = []

    def record(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            captured.append({"sql": sql, "time": time.perf_counter() - started})

    with connection.execute_wrapper(record):
        client.get(args.path)
    walls, cpus = [], []
    profiler = cProfile.Profile() if args.profile else None
    for _ in range(args.requests):
        wall, cpu = time.perf_counter(), time.process_time()
        if profiler:
            profiler.enable()
        client.get(args.path)
        if profiler:
            profiler.disable()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    print(
        f"{args.user} {args.path}: median {statistics.median(walls) * 1000:.1f} ms, "
        f"best {min(walls) * 1000:.1f} ms, CPU {statistics.median(cpus) * 1000:.1f} ms, "
        f"{len(response.content) // 1024} KiB, {len(captured)} queries "
        f"({sum(q['time'] for q in captured) * 1000:.1f} ms)"
    )
    for query in captured:
        print(f"  {query['time'] * 1000:6.2f} ms  {query['sql'][:150]}")
    if profiler:
        pstats.Stats(profiler).sort_stats(args.sort).print_stats(args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
