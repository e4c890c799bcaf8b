"""A province's reference DPT: import and reconcile 2,000 inmates at 100k, 1M and 10M rows.

    DEBUG=True .venv/bin/python bench/bench_scale_reference.py [--rows 100000 1000000 10000000]

On a PostgreSQL database of its own (tpskhusus_scale_ref, dropped and created): a Pemilu
across a province (Jawa Tengah, 33), Rutan Blora with 2,000 inmates (the demo's SDP export
through ``import_inmates``) and the DPT and DPTb of its TPS 901 (the demo's lists). For each size:

1. bench/gen_scale_dpt.py writes the province file (every kabupaten/kota), streamed, with 300 of
   the rutan's inmates appended as voters registered at home (so the NIK layer finds some);
2. ``import_reference_dpt`` loads it through the PostgreSQL partition path, in a child process
   (its peak RSS from ``wait4``), with its phases: reading and checking + COPY, the index build,
   attach and activate. The new load replaces the previous size's partition;
3. ``manage.py reconcile`` runs the rutan's reconciliation against it in another child, with the
   run's own timings (loading, classifying, writing) and how many reference rows it read.

Then the partition's size on disk and its indexes. Each figure records the load average. The
CSV files are deleted at the end (``--keep`` keeps them); the output goes to
bench/out/scale_reference.json, where each size keeps its latest measurement.
"""

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
DB = "tpskhusus_scale_ref"
URL = f"postgres://postgres@127.0.0.1:5432/{DB}"
ELECTION = "PEMILU-JATENG"
FACILITY = "RUTAN-BLORA"
ENV = {"DATABASE_URL": URL, "DEBUG": "True", "LOG_LEVEL": "WARNING"}


CPU_SECONDS = []  # user + system CPU seconds of each child, in order


def child(argv, env=None):
    """Run a child; return (wall seconds, peak RSS MiB, stdout). Its CPU time goes to
    CPU_SECONDS (a steadier figure than wall time on a shared machine)."""
    started = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=ROOT, env={**os.environ, **ENV, **(env or {})},
                            stdout=subprocess.PIPE, text=True)
    out = proc.stdout.read()
    _pid, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    proc.stdout.close()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"child failed: {' '.join(map(str, argv))}\n{out}")
    CPU_SECONDS.append(round(usage.ru_utime + usage.ru_stime, 1))
    return seconds, usage.ru_maxrss / 1024, out


def me(*args):
    return [sys.executable, str(Path(__file__).resolve()), *map(str, args)]


def setup_django():
    os.environ.update(ENV)
    os.environ.pop("CELERY_BROKER_URL", None)
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tpskhusus.settings")
    import django

    django.setup()


# -- child modes --------------------------------------------------------------------------------


def child_seed(inmates, extra_path):
    """Create the database's people and lists; write the inmates to append to each file."""
    setup_django()
    from datetime import timedelta

    from django.core.management import call_command
    from django.utils import timezone

    from voters.core.setup import upsert_election, upsert_facility, upsert_tps
    from voters.demo import lists as demo_lists
    from voters.demo import roster as demo_roster
    from voters.models import Inmate

    call_command("migrate", verbosity=0)
    facility = upsert_facility(code=FACILITY, name="Rutan Kelas IIB Blora", region="33.16").obj
    election = upsert_election(code=ELECTION, name="Pemilu di Jawa Tengah",
                               kind="pemilu", region="33",
                               polling_date=timezone.localdate() + timedelta(days=21)).obj
    upsert_tps(election_code=ELECTION, facility_code=FACILITY, number="901")
    demo_roster.populate(facility=facility, election=election, count=inmates)
    demo_lists.populate(facility=facility, election=election, count=inmates)
    extra = []
    for n, inmate in enumerate(Inmate.objects.filter(facility=facility).order_by("pk")):
        if len(inmate.nik) != 16 or n % 6:
            continue
        extra.append(["0", "", inmate.nik, inmate.nama, "BLORA",
                      inmate.tanggal_lahir.strftime("%d-%m-%Y"), "", "S", inmate.jenis_kelamin,
                      "DUKUH KRAJAN", "001", "002", "", "", "JEPON", "JEPON", "33.16.05.2001",
                      f"{n % 40 + 1:03d}"])
    Path(extra_path).write_text(json.dumps(extra[:300]))
    print(json.dumps({"inmates": Inmate.objects.filter(facility=facility).count(),
                      "appended": len(extra[:300])}))


def child_generate(rows, path, extra_path):
    sys.path.insert(0, str(ROOT / "bench"))
    from gen_scale_dpt import write_csv

    write_csv(Path(path), rows, 33, "33", extra=json.loads(Path(extra_path).read_text()))


def child_import(path):
    started = time.perf_counter()
    setup_django()
    from voters.lists.services import import_reference_dpt
    from voters.models import Election

    setup = time.perf_counter() - started
    phases = []
    clock = time.perf_counter()

    def progress(done=None, total=None, message=None, force=False):
        if message:
            phases.append((message, time.perf_counter() - clock))

    outcome = import_reference_dpt(path=path, election=Election.objects.get(code=ELECTION),
                                   progress=progress)
    seconds = time.perf_counter() - clock
    marks = [name for name, _ in phases] + ["done"]
    times = [at for _, at in phases] + [seconds]
    spans = {marks[i]: round(times[i + 1] - times[i], 2) for i in range(len(phases))}
    spans["opening (sha256, header)"] = round(times[0], 2) if times else 0
    print(json.dumps({"seconds": seconds, "django_setup": setup,
                      "rows": outcome.obj.row_count, "partition": outcome.obj.partition_name,
                      "phases": spans}))


# -- parent -------------------------------------------------------------------------------------


def recreate_database():
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as db:
        db.execute(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
        db.execute(f'CREATE DATABASE "{DB}"')


def partition_sizes(partition):
    import psycopg

    with psycopg.connect(URL.replace("postgres://", "postgresql://")) as db:
        table, total = db.execute(
            "SELECT pg_table_size(%s), pg_total_relation_size(%s)", [partition, partition]
        ).fetchone()
    return {"table_mib": round(table / 2**20), "indexes_mib": round((total - table) / 2**20)}


def wait_for_quiet(max_load, patience):
    deadline = time.monotonic() + patience
    while os.getloadavg()[0] >= max_load and time.monotonic() < deadline:
        time.sleep(15)
    return [round(x, 2) for x in os.getloadavg()]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000, 1_000_000, 10_000_000])
    parser.add_argument("--inmates", type=int, default=2000)
    parser.add_argument("--keep", action="store_true", help="keep the generated CSV files")
    parser.add_argument("--max-load", type=float, default=1.0)
    parser.add_argument("--patience", type=int, default=180)
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        mode, *rest = args.child
        {"seed": child_seed, "generate": child_generate, "import": child_import}[mode](
            *[int(x) if x.isdigit() else x for x in rest])
        return 0

    OUT.mkdir(exist_ok=True)
    extra_path = OUT / "scale_extra_inmates.json"
    recreate_database()
    seconds, _rss, out = child(me("--child", "seed", args.inmates, extra_path))
    result = {"seed": {**json.loads(out.strip().splitlines()[-1]), "seconds": round(seconds, 1)},
              "sizes": []}
    print("seed", result["seed"], flush=True)
    for rows in args.rows:
        path = OUT / f"dpt_prov33_{rows}.csv"
        row = {"rows": rows}
        if not path.exists():
            seconds, rss, _out = child(me("--child", "generate", rows, path, extra_path))
            row["generate"] = {"seconds": round(seconds, 1), "peak_rss_mib": round(rss)}
        row["file_mib"] = round(path.stat().st_size / 2**20)
        row["load_before_import"] = wait_for_quiet(args.max_load, args.patience)
        seconds, rss, out = child(me("--child", "import", path))
        imported = json.loads(out.strip().splitlines()[-1])
        row["import"] = {"seconds": round(imported["seconds"], 1), "peak_rss_mib": round(rss),
                         "cpu_s": CPU_SECONDS[-1],
                         "rows_per_s": round(imported["rows"] / imported["seconds"]),
                         "phases": imported["phases"], "rows": imported["rows"],
                         "load_after": [round(x, 2) for x in os.getloadavg()]}
        row["partition"] = partition_sizes(imported["partition"])
        row["load_before_reconcile"] = wait_for_quiet(args.max_load, args.patience)
        seconds, rss, out = child([sys.executable, "manage.py", "reconcile", "--election",
                                   ELECTION, "--facility", FACILITY, "--json"])
        run = json.loads(out.strip().splitlines()[-1])
        timings = run_timings(run["run"])
        row["reconcile"] = {"seconds": round(seconds, 1), "peak_rss_mib": round(rss),
                            "cpu_s": CPU_SECONDS[-1],
                            "categories": run["categories"], "timings": timings,
                            "load_after": [round(x, 2) for x in os.getloadavg()]}
        result["sizes"].append(row)
        print(json.dumps(row), flush=True)
        save(result)
        if not args.keep:
            path.unlink()
    return 0


def save(result):
    """Write the sizes measured now over those of an earlier run (each size keeps its latest)."""
    path = OUT / "scale_reference.json"
    earlier = json.loads(path.read_text()) if path.exists() else {"sizes": []}
    sizes = {row["rows"]: row for row in earlier["sizes"]}
    sizes.update({row["rows"]: row for row in result["sizes"]})
    path.write_text(json.dumps({**result, "sizes": [sizes[k] for k in sorted(sizes)]}, indent=1))


def run_timings(run_id):
    import psycopg

    with psycopg.connect(URL.replace("postgres://", "postgresql://")) as db:
        return db.execute("SELECT timings FROM voters_reconciliationrun WHERE id = %s",
                          [run_id]).fetchone()[0]


if __name__ == "__main__":
    sys.exit(main())
