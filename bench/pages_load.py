"""Pages under load (issue 19 item 7): closed-loop clients without think time, page by page.

    .venv/bin/python bench/pages_seed.py                     # once: database tpsk_bench
    DEBUG=False SECRET_KEY=x… ALLOWED_HOSTS=127.0.0.1 .venv/bin/python manage.py collectstatic
    .venv/bin/python bench/pages_load.py --clients 20 --seconds 20 --label before

Starts gunicorn (3 sync workers, the compose file's setting) on 127.0.0.1 with the production
settings (DEBUG off, SECRET_KEY set, ALLOWED_HOSTS=127.0.0.1, HTTPS=False for plain loopback
HTTP, Redis database 12 as the broker, not used by these pages) on the database seeded by
bench/pages_seed.py. Each of ``--clients`` threads logs in through the real login form (the
operator, the KPU liaison for the KPU pages, or the regency's KPU liaison ``kpukab`` for the
regency page and its view of the roster), then, page by page, every client requests the
same page again as soon as the previous answer arrived (a closed loop, no think time) for
``--seconds`` seconds after ``--warmup`` seconds that are not counted. Per page: requests,
requests/s, p50, p95 and max in ms, non-200 answers, and the server's CPU time (gunicorn and
PostgreSQL) per request, which other work on the machine disturbs less than the latencies.
Loopback only; bounded by ``--seconds`` per page; gunicorn is stopped by its process id at the
end. Output: bench/out/pages_<label>.json.
"""

import argparse
import http.client
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
VENV = ROOT / ".venv" / "bin"
PASSWORD = "tpskhusus-demo"  # the demo accounts' password (voters/management/commands/demo.py)
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')

sys.path.insert(0, str(ROOT / "bench"))
from bench_load import cpu_seconds, postgres_pids, stop, tree, wait_http  # noqa: E402


def pages(ids):
    """(name, user, path) of every page measured."""
    first_list = ids["lists"][0]
    return [
        ("dashboard (operator)", "operator", "/"),
        ("dashboard (kpu)", "kpu", "/"),
        ("roster page 1", "operator", "/wbp/"),
        ("roster eligible", "operator", "/wbp/?eligibility=yes"),
        ("roster not eligible", "operator", "/wbp/?eligibility=no"),
        ("roster eligible, page 40", "operator", "/wbp/?eligibility=yes&hal=40"),
        ("NIK worklist", "operator", "/nik/"),
        ("reconciliation overview", "kpu", "/rekonsiliasi/"),
        ("reconciliation run", "kpu", f"/rekonsiliasi/{ids['run']}/"),
        ("voter lists", "kpu", "/daftar/"),
        ("voter list (DPT)", "kpu", f"/daftar/{first_list}/"),
        # The regency's KPU liaison (demo: kpukab, --region 33.16) sees all 50 facilities.
        ("regency page (kpukab)", "kpukab", "/wilayah/"),
        ("roster page 1 (kpukab)", "kpukab", "/wbp/"),
    ]


class Session:
    """One keep-alive HTTP/1.1 connection with a session cookie."""

    def __init__(self, port):
        self.port = port
        self.cookies = {}
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def request(self, method, path, body=None, headers=None):
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        for attempt in range(2):
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                data = response.read()
                break
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                if attempt:
                    raise
        for value in response.headers.get_all("Set-Cookie") or ():
            name, _sep, rest = value.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response.status, data

    def login(self, username):
        status, form = self.request("GET", "/masuk/")
        token = CSRF.search(form.decode()).group(1)
        body = urllib.parse.urlencode(
            {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token, "next": "/"}
        )
        status, _data = self.request(
            "POST",
            "/masuk/",
            body=body,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Referer": f"http://127.0.0.1:{self.port}/masuk/",
            },
        )
        if status != 302:
            raise RuntimeError(f"login of {username} failed: {status}")


def measure(sessions, path, warmup, seconds):
    """Every session requests `path` in a closed loop; times of requests that started after the
    warm-up and before the end."""
    start = time.monotonic()
    measure_from, stop_at = start + warmup, start + warmup + seconds
    times, bad, answered = [], [], []
    lock = threading.Lock()

    def loop(session):
        mine, wrong, total = [], 0, 0
        while True:
            t0 = time.monotonic()
            if t0 >= stop_at:
                break
            status, _data = session.request("GET", path)
            total += 1
            if t0 >= measure_from:
                mine.append((time.monotonic() - t0) * 1000)
                wrong += status != 200
        with lock:
            times.extend(mine)
            bad.append(wrong)
            answered.append(total)

    threads = [threading.Thread(target=loop, args=(s,)) for s in sessions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return times, sum(bad), sum(answered)


WRK_SCRIPT = """
wrk.headers["Cookie"] = "%s"
done = function(summary, latency, requests)
  local non200 = summary.errors.status + summary.errors.connect + summary.errors.read
    + summary.errors.write + summary.errors.timeout
  io.write(string.format("RESULT %%d %%.3f %%.3f %%.3f %%d\\n", summary.requests,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency.max / 1000, non200))
end
"""


def measure_wrk(session, path, warmup, seconds, clients):
    """The same closed loop driven by wrk (C, a few per cent of one core) instead of Python
    threads, which took a good part of the two cores themselves: ``clients`` keep-alive
    connections on one logged-in session, each sending its next request when the answer came.
    Returns (requests, p50, p95, max, non-200) of the measured part."""
    cookie = "; ".join(f"{k}={v}" for k, v in session.cookies.items())
    script = OUT / "pages-wrk.lua"
    script.write_text(WRK_SCRIPT % cookie)
    url = f"http://127.0.0.1:{session.port}{path}"
    base = ["wrk", "-t2", f"-c{clients}", "--timeout", "30s", "-s", str(script)]
    if warmup:
        subprocess.run([*base, f"-d{max(1, round(warmup))}s", url], capture_output=True,
                       check=True)
    out = subprocess.run([*base, f"-d{round(seconds)}s", url], capture_output=True, text=True,
                         check=True).stdout
    line = next(x for x in out.splitlines() if x.startswith("RESULT "))
    requests, p50, p95, top, bad = line.split()[1:]
    return int(requests), float(p50), float(p95), float(top), int(bad)


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def machine():
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        "?",
    )
    mem = next(
        line.split(":", 1)[1].strip()
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    return {"nproc": os.cpu_count(), "cpu": cpu, "memory": mem, "python": platform.python_version()}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="tpsk_bench")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--warmup", type=float, default=3)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--port", type=int, default=8791)
    parser.add_argument("--label", default="run")
    parser.add_argument("--only", default="", help="substring of the page names to run")
    parser.add_argument("--driver", choices=["python", "wrk"], default="python",
                        help="who sends the requests: Python threads, or wrk (Debian's wrk)")
    args = parser.parse_args(argv)
    if not 1 <= args.clients <= 100 or not 1 <= args.seconds <= 120:
        parser.error("at most 100 clients and 120 s per page")

    ids = json.loads((OUT / "pages_ids.json").read_text())
    env = dict(os.environ)
    env.update(
        DATABASE_URL=f"postgres://postgres@127.0.0.1:5432/{args.db}",
        CELERY_BROKER_URL="redis://127.0.0.1:6379/12",
        DEBUG="False",
        SECRET_KEY="pages-load-test-only-" + "k" * 50,
        ALLOWED_HOSTS="127.0.0.1",
        HTTPS="False",
        PRIVATE_ROOT=str(OUT / "pages-private"),
        LOG_LEVEL="WARNING",
    )
    port = args.port
    with (OUT / "pages-gunicorn.log").open("a") as log:
        web = subprocess.Popen(
            [
                str(VENV / "gunicorn"),
                "tpskhusus.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(args.workers),
                "--timeout",
                "120",
                "--backlog",
                "2048",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
    result = {
        "label": args.label,
        "clients": args.clients,
        "seconds_per_page": args.seconds,
        "warmup_s": args.warmup,
        "gunicorn_workers": args.workers,
        "machine": machine(),
        "data": {k: ids[k] for k in ("facilities", "inmates_blora", "inmates_all", "list_entries")},
        "started_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "load_before": [round(x, 2) for x in os.getloadavg()],
        "pages": [],
    }
    try:
        wait_http(f"http://127.0.0.1:{port}/sehat/")
        web_pids, pg_pids = tree(web.pid), postgres_pids()
        sessions = {}
        wanted = [p for p in pages(ids) if not args.only or args.only in p[0]]
        for user in sorted({page[1] for page in wanted}):
            sessions[user] = []
            for _ in range(args.clients):
                session = Session(port)
                session.login(user)
                sessions[user].append(session)
        for name, user, path in wanted:
            load = os.getloadavg()[0]
            cpu_web0, cpu_pg0 = cpu_seconds(web_pids), cpu_seconds(postgres_pids())
            if args.driver == "wrk":
                measure_wrk(sessions[user][0], path, 0, args.warmup, args.clients)  # warm-up
                cpu_web0, cpu_pg0 = cpu_seconds(web_pids), cpu_seconds(postgres_pids())
                count, p50, p95, top, bad = measure_wrk(
                    sessions[user][0], path, 0, args.seconds, args.clients
                )
                answered = count
            else:
                times, bad, answered = measure(sessions[user], path, args.warmup, args.seconds)
                count, p50 = len(times), statistics.median(times)
                p95, top = percentile(times, 0.95), max(times)
            # CPU over the warm-up and the measured time, divided by every request answered
            cpu_web = cpu_seconds(web_pids) - cpu_web0
            cpu_pg = cpu_seconds(postgres_pids()) - cpu_pg0
            row = {
                "page": name,
                "user": user,
                "path": path,
                "driver": args.driver,
                "requests": count,
                "rps": round(count / args.seconds, 1),
                "p50_ms": round(p50),
                "p95_ms": round(p95),
                "max_ms": round(top),
                "non_200": bad,
                "load_1min_before": round(load, 2),
                "cpu_ms_per_request": {
                    "gunicorn": round(cpu_web * 1000 / answered, 1),
                    "postgres": round(cpu_pg * 1000 / answered, 1),
                },
            }
            result["pages"].append(row)
            print(
                f"{name:28} {row['requests']:5d} req {row['rps']:6.1f}/s  p50 {row['p50_ms']:5d}"
                f"  p95 {row['p95_ms']:5d}  max {row['max_ms']:5d} ms  non-200 {bad}"
                f"  load {load:.1f}  CPU/request: gunicorn "
                f"{row['cpu_ms_per_request']['gunicorn']} ms, PostgreSQL "
                f"{row['cpu_ms_per_request']['postgres']} ms",
                flush=True,
            )
        del pg_pids
    finally:
        stop(web)
    result["load_after"] = [round(x, 2) for x in os.getloadavg()]
    (OUT / f"pages_{args.label}.json").write_text(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
