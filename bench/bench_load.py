"""Load test of the production shape on 127.0.0.1: gunicorn + PostgreSQL + Redis + a Celery
worker, driven by Locust (bench/locustfile_load.py).

    .venv/bin/python bench/load_seed.py                      # once: database tpskhusus_load
    python3 -m venv bench/out/locust-venv                    # once: Locust outside the app's venv
    bench/out/locust-venv/bin/pip install -r bench/requirements-load.txt
    DEBUG=False SECRET_KEY=x… ALLOWED_HOSTS=127.0.0.1 .venv/bin/python manage.py collectstatic
    .venv/bin/python bench/bench_load.py --users 20 100 --wait 1-3 0 --duration 60

For each user count: start gunicorn (production settings: DEBUG off, SECRET_KEY set,
ALLOWED_HOSTS=127.0.0.1, HTTPS=False for plain loopback HTTP, WhiteNoise static) and a Celery
worker on Redis database 13, wait until the machine's 1-minute load is below --max-load (up to
--patience seconds; the figure records it either way), run Locust headless for --duration
seconds after every user has logged in (--reset-stats), then stop everything it started, by
process id. Writes bench/out/load_<users>_<wait>_w<workers>t<threads>.json with each page's
count, median, 95th percentile, requests/s and failures, the load average before and after,
and the CPU seconds used by gunicorn, Locust and PostgreSQL during the run. All traffic goes to
127.0.0.1 only, bounded by --duration.
"""

import argparse
import csv
import json
import os
import platform
import signal
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
VENV = ROOT / ".venv" / "bin"
LOCUST = OUT / "locust-venv" / "bin" / "locust"


def server_env(db):
    env = dict(os.environ)
    env.update(
        DATABASE_URL=f"postgres://postgres@127.0.0.1:5432/{db}",
        CELERY_BROKER_URL="redis://127.0.0.1:6379/13",
        DEBUG="False",
        SECRET_KEY="load-test-only-" + "k" * 50,
        ALLOWED_HOSTS="127.0.0.1",
        HTTPS="False",
        PRIVATE_ROOT=str(OUT / "load-private"),
        LOG_LEVEL="WARNING",
    )
    return env


def wait_for_quiet(max_load, patience):
    """Wait (up to `patience` s) for the 1-minute load average to drop below `max_load`."""
    deadline = time.monotonic() + patience
    while os.getloadavg()[0] >= max_load and time.monotonic() < deadline:
        time.sleep(15)
    return os.getloadavg()


def cpu_seconds(pids):
    """User + system CPU seconds of these processes and their children that were waited for."""
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += sum(int(v) for v in fields[11:15]) / tick  # utime stime cutime cstime
    return total


def tree(pid):
    """pid and its descendants (gunicorn's workers, Celery's pool)."""
    found = [pid]
    for child in Path("/proc").glob("[0-9]*"):
        try:
            ppid = int((child / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if ppid == pid:
            found.extend(tree(int(child.name)))
    return found


def postgres_pids():
    pids = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            if (proc / "comm").read_text().strip() == "postgres":
                pids.append(int(proc.name))
        except OSError:
            continue
    return pids


def stop(process):
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_http(url, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - loopback
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer")


def number(text):
    return 0.0 if text in ("", "N/A") else float(text)


def read_stats(prefix):
    rows = {}
    with open(f"{prefix}_stats.csv", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            rows[row["Name"]] = {
                "method": row["Type"],
                "requests": int(row["Request Count"]),
                "failures": int(row["Failure Count"]),
                "median_ms": number(row["50%"]),
                "p95_ms": number(row["95%"]),
                "p99_ms": number(row["99%"]),
                "max_ms": number(row["Max Response Time"]),
                "rps": round(number(row["Requests/s"]), 2),
            }
    return rows


def run_once(args, users, wait):
    env = server_env(args.db)
    port = str(args.port)
    load_before = wait_for_quiet(args.max_load, args.patience)
    worker = subprocess.Popen(
        [str(VENV / "celery"), "-A", "tpskhusus", "worker", "-Q", "default,imports,letters",
         "--concurrency", "1", "--loglevel", "WARNING", "-n", f"load-{port}@%h"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    gunicorn_cmd = [str(VENV / "gunicorn"), "tpskhusus.wsgi:application",
                    "--bind", f"127.0.0.1:{port}", "--workers", str(args.workers),
                    "--timeout", "120", "--backlog", "2048"]
    if args.threads > 1:
        gunicorn_cmd += ["--worker-class", "gthread", "--threads", str(args.threads)]
    with (OUT / "load-gunicorn.log").open("a") as log:
        web = subprocess.Popen(gunicorn_cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                               stderr=log)
    prefix = OUT / f"load_{users}_{wait.replace('-', 'to')}_w{args.workers}t{args.threads}"
    try:
        wait_http(f"http://127.0.0.1:{port}/sehat/")
        web_pids = tree(web.pid)
        pg_pids = postgres_pids()
        spawn_rate = min(users, args.spawn_rate)
        locust_env = {**os.environ, "LOAD_WAIT": wait}
        cpu_web0, cpu_pg0 = cpu_seconds(web_pids), cpu_seconds(pg_pids)
        started = time.time()
        children = os.times()
        run_for = args.duration + users // spawn_rate
        locust = subprocess.run(
            [str(LOCUST), "-f", str(ROOT / "bench" / "locustfile_load.py"), "--headless",
             "-u", str(users), "-r", str(spawn_rate), "-t", f"{run_for}s",
             "--host", f"http://127.0.0.1:{port}", "--csv", str(prefix), "--reset-stats",
             "--only-summary", "--stop-timeout", "10", "--loglevel", "WARNING"],
            cwd=ROOT, env=locust_env, capture_output=True, text=True, timeout=args.duration + 600,
        )
        elapsed = time.time() - started
        after = os.times()
        cpu_locust = (after.children_user + after.children_system
                      - children.children_user - children.children_system)
        cpu_web = cpu_seconds(web_pids) - cpu_web0
        cpu_pg = cpu_seconds(pg_pids) - cpu_pg0
        load_after = os.getloadavg()
    finally:
        stop(web)
        stop(worker)
    if locust.returncode not in (0, 1) or not Path(f"{prefix}_stats.csv").exists():
        raise RuntimeError(locust.stderr[-2000:])
    pages = read_stats(prefix)
    total = pages.pop("Aggregated")
    logins = {k: pages.pop(k) for k in list(pages) if k.startswith("login")}
    result = {
        "users": users,
        "think_time_s": wait,
        "duration_s": args.duration,
        "gunicorn": {"workers": args.workers, "threads": args.threads},
        "started_utc": datetime.fromtimestamp(started, UTC).isoformat(timespec="seconds"),
        "load_before": [round(x, 2) for x in load_before],
        "load_after": [round(x, 2) for x in load_after],
        "cpu_s": {"gunicorn": round(cpu_web, 1), "postgres": round(cpu_pg, 1),
                  "locust": round(cpu_locust, 1), "wall": round(elapsed, 1)},
        "total": total,
        "pages": pages,
        "logins": logins,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
    }
    (OUT / f"{prefix.name}.json").write_text(json.dumps(result, indent=1))
    return result


def print_result(result):
    total = result["total"]
    print(f"\n{result['users']} users, think {result['think_time_s']} s, gunicorn "
          f"{result['gunicorn']}, load {result['load_before']} -> {result['load_after']}, "
          f"cpu {result['cpu_s']}")
    print(f"{'page':32} {'n':>6} {'fail':>4} {'p50':>6} {'p95':>6} {'max':>6} {'rps':>7}")
    for name, row in sorted(result["pages"].items()):
        print(f"{name:32} {row['requests']:6d} {row['failures']:4d} {row['median_ms']:6.0f} "
              f"{row['p95_ms']:6.0f} {row['max_ms']:6.0f} {row['rps']:7.2f}")
    print(f"{'ALL':32} {total['requests']:6d} {total['failures']:4d} {total['median_ms']:6.0f} "
          f"{total['p95_ms']:6.0f} {total['max_ms']:6.0f} {total['rps']:7.2f}", flush=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="tpskhusus_load")
    parser.add_argument("--users", type=int, nargs="+", default=[20, 100])
    parser.add_argument("--wait", nargs="+", default=["1-3"],
                        help='think time per user: "1-3" seconds, or "0" for a closed loop')
    parser.add_argument("--duration", type=int, default=60, help="seconds measured per run")
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--spawn-rate", type=int, default=4)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--max-load", type=float, default=1.0)
    parser.add_argument("--patience", type=int, default=180)
    args = parser.parse_args(argv)
    OUT.mkdir(exist_ok=True)
    for wait in args.wait:
        for users in args.users:
            print_result(run_once(args, users, wait))
    return 0


if __name__ == "__main__":
    sys.exit(main())
