"""How fast is import_reference_dpt against a plain COPY of the same file, and which XLSX reader?

    DEBUG=True .venv/bin/python bench/bench_reference_import.py [--rows 700000] [--rounds 3] \
        [--idle 0.9] [--no-xlsx]

In one run, on one PostgreSQL database made for it (``--database-url``, dropped and created):

- **copy (text)**: ``COPY ... FROM STDIN (FORMAT csv, HEADER, DELIMITER ';')`` of the CSV, streamed
  in 1 MB blocks through psycopg into an unindexed table of text columns, committed. Nothing can
  load the file faster.
- **copy (typed)**: the same into a table with the natural types (integers, a date under
  DateStyle DMY, smallint).
- **ours (command)**: ``manage.py import_reference_dpt FILE --election ...`` end to end in a new
  process: Django start-up, reading and checking every row (the CONTRACT.md rules), COPY into a
  new partition, the two indexes, attaching it and activating it.
- **ours (service)**: the same work timed inside the process (without Django's start-up), with
  its phases.

Each measurement is a child process, so its peak RSS is its own (``os.wait4``). The kinds
take turns for ``--rounds`` rounds; the best time of each counts.
Each measurement follows a CHECKPOINT; ``--idle 0.9`` also waits until other jobs leave 90 % of
the CPUs idle (the machine is shared); the idle share and the load average are recorded. Then,
unless ``--no-xlsx``, the XLSX readers: a full read of every row of a ``--xlsx-rows`` workbook
with python-calamine and with openpyxl in read-only mode, each in a child. Results go to
bench/out/reference_import.json and a Markdown table.
"""

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))


def child(argv, env=None):
    """Run a child; return (wall seconds, peak RSS MiB, stdout)."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        argv, cwd=ROOT, env={**os.environ, **(env or {})}, stdout=subprocess.PIPE, text=True
    )
    out = proc.stdout.read()
    _pid, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    proc.stdout.close()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"child failed: {' '.join(map(str, argv))}\n{out}")
    return seconds, usage.ru_maxrss / 1024, out


def cpu_idle(seconds=1.0):
    """Share of CPU time idle over ``seconds`` (all CPUs), from /proc/stat."""

    def sample():
        values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
        return sum(values), values[3] + values[4]

    total, idle = sample()
    time.sleep(seconds)
    total2, idle2 = sample()
    return (idle2 - idle) / max(total2 - total, 1)


def wait_quiet(wanted, url, limit=300.0):
    """CHECKPOINT (the previous run's dirty pages and WAL are not written during this one),
    then wait (at most ``limit`` seconds) until other jobs leave ``wanted`` of the CPUs idle;
    returns (idle share, 1-minute load average) just before the measurement."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CHECKPOINT")
    started = time.monotonic()
    idle = cpu_idle()
    while wanted and idle < wanted and time.monotonic() - started < limit:
        idle = cpu_idle()
    return round(idle, 2), os.getloadavg()[0]


def me(*args):
    return [sys.executable, str(Path(__file__).resolve()), *map(str, args)]


# -- child modes -------------------------------------------------------------------------------


def child_copy(url, path, typed):
    import psycopg

    with open(path, encoding="utf-8-sig") as handle:
        header = handle.readline().rstrip("\r\n").split(";")
    types = {"NO": "integer", "USIA": "integer", "TANGGAL LAHIR": "date", "DISABILITAS": "smallint"}
    columns = ", ".join(
        f'"c{i}" {types.get(name, "text") if typed else "text"}' for i, name in enumerate(header)
    )
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_plain")
        conn.execute(f"CREATE TABLE bench_plain ({columns})")
        started = time.perf_counter()
        with conn.transaction():
            if typed:
                conn.execute("SET LOCAL datestyle = 'ISO, DMY'")
            sql = "COPY bench_plain FROM STDIN (FORMAT csv, HEADER true, DELIMITER ';')"
            with conn.cursor() as cursor, cursor.copy(sql) as copy, open(path, "rb") as handle:
                while block := handle.read(1 << 20):
                    copy.write(block)
        seconds = time.perf_counter() - started
        rows = conn.execute("SELECT count(*) FROM bench_plain").fetchone()[0]
        conn.execute("DROP TABLE bench_plain")
    print(json.dumps({"seconds": seconds, "rows": rows}))


def child_service(path, election_code):
    started = time.perf_counter()
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tpskhusus.settings")
    django.setup()
    from voters.lists.services import import_reference_dpt
    from voters.models import Election

    setup = time.perf_counter() - started
    phases = []
    clock = time.perf_counter()

    def progress(done=None, total=None, message=None, force=False):
        if message:
            phases.append((message, time.perf_counter() - clock))

    outcome = import_reference_dpt(
        path=path, election=Election.objects.get(code=election_code), progress=progress
    )
    seconds = time.perf_counter() - clock
    marks = [name for name, _ in phases] + ["selesai"]
    times = [at for _, at in phases] + [seconds]
    spans = {marks[i]: times[i + 1] - times[i] for i in range(len(phases))}
    spans["membuka berkas (sha256, kepala kolom)"] = times[0]
    print(
        json.dumps(
            {
                "seconds": seconds,
                "django_setup": setup,
                "rows": outcome.obj.row_count,
                "phases": spans,
            }
        )
    )


def child_xlsx(reader, path):
    started = time.perf_counter()
    rows = 0
    if reader == "calamine":
        from python_calamine import CalamineWorkbook

        workbook = CalamineWorkbook.from_path(str(path))
        for _row in workbook.get_sheet_by_index(0).iter_rows():
            rows += 1
    elif reader == "openpyxl":
        import openpyxl

        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
        for _row in workbook.worksheets[0].iter_rows(values_only=True):
            rows += 1
        workbook.close()
    else:  # our general path: calamine plus every row parsed and checked, no database
        import django

        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tpskhusus.settings")
        django.setup()
        from voters.lists.rows import ListFile

        started = time.perf_counter()
        with ListFile(path, max_unpacked=1 << 30) as table:
            for batch in table.batches():
                rows += len(batch)
    print(json.dumps({"seconds": time.perf_counter() - started, "rows": rows}))


# -- the run ------------------------------------------------------------------------------------


def machine():
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    mem_kb = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    return {
        "date": dt.datetime.now().astimezone().isoformat(timespec="minutes"),
        "nproc": os.cpu_count(),
        "cpu": model,
        "ram_gib": round(mem_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
        "load_average": os.getloadavg(),
    }


def prepare_database(url):
    import psycopg
    from psycopg import sql

    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    with psycopg.connect(url) as conn:
        version = conn.execute("SHOW server_version").fetchone()[0]
    env = {"DATABASE_URL": url, "DEBUG": "True"}
    manage = [sys.executable, "manage.py"]
    child([*manage, "migrate", "-v", "0"], env)
    child([*manage, "add_facility", "RUTAN-BLORA", "--name", "Rutan Blora", "--region", "33.16"],
          env)  # fmt: skip
    return version


def add_election(url, code):
    child(
        [sys.executable, "manage.py", "add_election", code, "--name", code, "--type", "pilkada",
         "--polling-date", "2024-11-27", "--region", "33.16"],
        {"DATABASE_URL": url, "DEBUG": "True"},
    )  # fmt: skip


def best(runs):
    return min(runs, key=lambda run: run["seconds"])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=700_000)
    parser.add_argument("--xlsx-rows", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/tpskhusus_bench"
    )
    parser.add_argument("--no-xlsx", action="store_true", help="skip the XLSX readers")
    parser.add_argument(
        "--idle",
        type=float,
        default=0.0,
        help="before each measurement wait (up to 5 min) until this share of the CPUs is idle",
    )
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        mode, *rest = args.child
        if mode == "copy":
            child_copy(rest[0], rest[1], rest[2] == "typed")
        elif mode == "service":
            child_service(rest[0], rest[1])
        else:
            child_xlsx(rest[0], rest[1])
        return 0

    csv_path = OUT / f"dpt_blora_{args.rows}.csv"
    xlsx_path = OUT / f"dpt_blora_{args.xlsx_rows}.xlsx"
    for path, options in ((csv_path, []), (xlsx_path, ["--format", "xlsx"])):
        if not path.exists() and not (args.no_xlsx and path == xlsx_path):
            rows = args.rows if path == csv_path else args.xlsx_rows
            child([sys.executable, "bench/gen_reference_dpt.py", "--rows", str(rows), *options])
    url = args.database_url
    env = {"DATABASE_URL": url, "DEBUG": "True"}
    results = {"machine": machine(), "rows": args.rows, "file_mb": csv_path.stat().st_size / 2**20}
    results["postgresql"] = prepare_database(url)
    runs = {"copy_text": [], "copy_typed": [], "command": [], "service": []}
    for round_number in range(1, args.rounds + 1):
        for kind in ("text", "typed"):
            idle, load = wait_quiet(args.idle, url)
            seconds, rss, out = child(me("--child", "copy", url, csv_path, kind))
            runs[f"copy_{kind}"].append(
                {**json.loads(out), "rss_mib": rss, "wall": seconds, "load": load, "idle": idle}
            )
        code = f"BENCH-C{round_number}"
        add_election(url, code)
        idle, load = wait_quiet(args.idle, url)
        seconds, rss, out = child(
            [
                sys.executable,
                "manage.py",
                "import_reference_dpt",
                str(csv_path),
                "--election",
                code,
            ],
            env,
        )
        runs["command"].append(
            {"seconds": seconds, "rss_mib": rss, "message": out.strip(), "load": load, "idle": idle}
        )
        code = f"BENCH-S{round_number}"
        add_election(url, code)
        idle, load = wait_quiet(args.idle, url)
        seconds, rss, out = child(me("--child", "service", csv_path, code), env)
        runs["service"].append(
            {**json.loads(out), "rss_mib": rss, "wall": seconds, "load": load, "idle": idle}
        )
        print(f"round {round_number}:", {k: round(v[-1]["seconds"], 2) for k, v in runs.items()})
    results["runs"] = runs
    xlsx = {"calamine": [], "openpyxl": [], "ours_general_path": []}
    for _round in range(0 if args.no_xlsx else max(2, args.rounds - 1)):
        for reader in xlsx:
            seconds, rss, out = child(me("--child", "xlsx", reader, xlsx_path), env)
            xlsx[reader].append({**json.loads(out), "rss_mib": rss, "wall": seconds})
    if not args.no_xlsx:
        results["xlsx"] = {
            "rows": args.xlsx_rows,
            "file_mb": xlsx_path.stat().st_size / 2**20,
            **xlsx,
        }
    OUT.mkdir(exist_ok=True)
    (OUT / "reference_import.json").write_text(json.dumps(results, indent=2))

    copy_text, copy_typed = best(runs["copy_text"]), best(runs["copy_typed"])
    command, service = best(runs["command"]), best(runs["service"])
    rows = args.rows
    print()
    print(f"| path | seconds (best of {args.rounds}) | rows/s | peak RSS | ratio to COPY (text) |")
    print("|---|---:|---:|---:|---:|")
    for label, run in (
        ("plain COPY, text columns", copy_text),
        ("plain COPY, typed columns", copy_typed),
        ("ours: `import_reference_dpt` command", command),
        ("ours: service only (no Django start-up)", service),
    ):
        print(
            f"| {label} | {run['seconds']:.2f} | {rows / run['seconds']:,.0f} | "
            f"{run['rss_mib']:.0f} MiB | {run['seconds'] / copy_text['seconds']:.2f} |"
        )
    print()
    print("phases of the best service run:", {k: round(v, 2) for k, v in service["phases"].items()})
    print(f"command / COPY (typed): {command['seconds'] / copy_typed['seconds']:.2f}")
    print(
        "(idle share, load average) before each best run:",
        {k: (best(v)["idle"], best(v)["load"]) for k, v in runs.items()},
    )
    print()
    if args.no_xlsx:
        print(json.dumps(results["machine"]))
        return 0
    print(f"| XLSX reader, {args.xlsx_rows} rows | seconds (best) | rows/s | peak RSS |")
    print("|---|---:|---:|---:|")
    for reader, measured in xlsx.items():
        run = best(measured)
        print(
            f"| {reader} | {run['seconds']:.2f} | {run['rows'] / run['seconds']:,.0f} | "
            f"{max(r['rss_mib'] for r in measured):.0f} MiB |"
        )
    print(json.dumps(results["machine"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
