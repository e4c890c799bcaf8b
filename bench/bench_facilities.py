"""Many facilities in one PostgreSQL database: 50 UPT of one province with their TPS.

    .venv/bin/python bench/bench_facilities.py [--facilities 50] [--inmates 500]

On a database of its own (tpskhusus_facilities, dropped and created) it builds, through the
real import paths, a Pemilu across a province (Jawa Tengah, 33) and ``--facilities`` UPT
spread over its kabupaten/kota, each with one TPS, ``--inmates`` inmates (an SDP export
imported with ``import_inmates``), the TPS's DPT (``import_voter_list``) and one operator and
one KPPS officer. It measures:

- how long each facility takes to set up, and the whole;
- the nightly reconciliation of every facility (``reconcile``, one after another, as one
  Celery worker would run ``reconcile_all_task``'s runs);
- the roster, the delivery register and the dashboard of the first facility, in-process, when
  it is alone in the database and again when all the facilities are there (same rows of its
  own, many rows of others): wall time, and the CPU time of Django and of its PostgreSQL backend
  per request, which a shared machine disturbs less; the facility filter must keep them equal;
- the query plan of the roster's page query, to show it reads the facility's index.

The full output goes to bench/out/facilities.json. 500 inmates per UPT is the national
average (about 270,000 inmates in about 530 UPT).
"""

import argparse
import csv
import json
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
DB = "tpskhusus_facilities"
PASSWORD = "kata-sandi-bench-123"


def recreate_database(name):
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as db:
        db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        db.execute(f'CREATE DATABASE "{name}"')


def regencies():
    from voters.rules.wilayah import _current_names

    return sorted(code for code in _current_names() if code.startswith("33.")
                  and code.count(".") == 1)


def build_facility(index, election, regency, count):
    from voters.core.setup import upsert_facility, upsert_tps, upsert_user
    from voters.demo import lists as demo_lists
    from voters.demo import roster as demo_roster
    from voters.inmates.services import import_inmates
    from voters.lists.services import import_voter_list
    from voters.models import TPS, Inmate

    code = f"UPT-{index:03d}"
    facility = upsert_facility(code=code, name=f"Rutan Uji {index:03d}", region=regency).obj
    number = str(901 + index)
    upsert_tps(election_code=election.code, facility_code=code, number=number)
    tps = TPS.objects.get(election=election, number=number)
    upsert_user(username=f"op{index:03d}", role="operator", facility_code=code,
                password=PASSWORD, full_name="Operator", institution=code)
    upsert_user(username=f"kpps{index:03d}", role="kpps", facility_code=code,
                tps_number=number, password=PASSWORD, full_name="KPPS", institution=code)
    today = election.polling_date - timedelta(days=21)
    rows = list(demo_roster.rows(count, today, election.polling_date, seed=index))
    for row in rows:  # registration numbers are per facility; make them distinct anyway
        row["No. Registrasi"] = f"{code}/{row['No. Registrasi']}"
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "sdp.csv"
        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]), delimiter=";")
            writer.writeheader()
            writer.writerows(rows)
        import_inmates(path=path, facility=facility)
        rng = random.Random(index)
        dpt = []
        for inmate in Inmate.objects.filter(facility=facility).order_by("no_registrasi"):
            if len(inmate.nik) == 16 and rng.random() < 0.6:
                person = {"nik": inmate.nik, "nama": inmate.nama, "born": inmate.tanggal_lahir,
                          "sex": inmate.jenis_kelamin}
                dpt.append(demo_lists._row(len(dpt) + 1, person, number, rng,
                                           masked=rng.random() < 0.1))
        import_voter_list(path=demo_lists.write_csv(folder, "dpt.csv", dpt), election=election,
                          tps=tps, kind="DPT")
    return facility, tps


def page_times(facility, tps, repeat):
    sys.path.insert(0, str(ROOT / "bench"))
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from load_pages import backend_cpu_ms

    from voters.models import User

    results = {}
    for name, username, url in (
        ("roster page 1", "op000", "/wbp/"),
        ("roster search", "op000", "/wbp/?q=BUDI"),
        ("deliveries", "kpps000", f"/kpps/tps/{tps.pk}/tanda-terima/?status=semua"),
        ("dashboard (operator)", "op000", "/"),
    ):
        client = Client()
        client.force_login(User.objects.get(username=username))
        assert client.get(url).status_code == 200, url
        reset_queries()
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        count = len(queries)
        times, cpu = [], []
        backend = backend_cpu_ms(connection)
        for _ in range(repeat):
            started, cpu0 = time.perf_counter(), time.process_time()
            client.get(url)
            times.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - cpu0) * 1000)
        results[name] = {"median_ms": round(statistics.median(times), 1), "queries": count,
                         "python_cpu_ms": round(statistics.median(cpu), 1),
                         "postgres_cpu_ms": round((backend_cpu_ms(connection) - backend)
                                                  / repeat, 1)}
    return results


def roster_plan(facility):
    from django.db import connection

    from voters.models import Inmate

    qs = (Inmate.objects.filter(facility=facility).order_by("nama", "no_registrasi", "pk")
          [:50])
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS OFF, TIMING OFF, SUMMARY ON) {sql}", params)
        return [row[0] for row in cursor.fetchall()]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--facilities", type=int, default=50)
    parser.add_argument("--inmates", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args(argv)

    recreate_database(DB)
    os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{DB}"
    os.environ.update(DEBUG="False", SECRET_KEY="bench-facilities-" + "k" * 40, HTTPS="False",
                      ALLOWED_HOSTS="testserver", LOG_LEVEL="WARNING")
    os.environ.pop("CELERY_BROKER_URL", None)
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tpskhusus.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from voters.core.setup import upsert_election
    from voters.models import Inmate, ListEntry
    from voters.reconciliation.services import reconcile

    call_command("migrate", verbosity=0)
    election = upsert_election(code="PEMILU-JATENG", name="Pemilu di Jawa Tengah",
                               kind="pemilu", region="33",
                               polling_date=timezone.localdate() + timedelta(days=21)).obj
    codes = regencies()
    result = {"facilities": args.facilities, "inmates_per_facility": args.inmates,
              "load_before": [round(x, 2) for x in os.getloadavg()]}

    setup_times = []
    started = time.perf_counter()
    first = build_facility(0, election, codes[0], args.inmates)
    setup_times.append(time.perf_counter() - started)
    with django.db.connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    reconcile(election=election, facility=first[0])
    result["alone"] = page_times(*first, args.repeat)
    print("alone", result["alone"], flush=True)

    for index in range(1, args.facilities):
        t0 = time.perf_counter()
        build_facility(index, election, codes[index % len(codes)], args.inmates)
        setup_times.append(time.perf_counter() - t0)
    result["setup_s"] = {"total": round(time.perf_counter() - started, 1),
                         "median_per_facility": round(statistics.median(setup_times), 2)}
    print("setup", result["setup_s"], flush=True)
    with django.db.connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    from voters.models import Facility

    reconcile_times = []
    t0 = time.perf_counter()
    for facility in Facility.objects.order_by("code"):
        t1 = time.perf_counter()
        run = reconcile(election=election, facility=facility, trigger="nightly")
        assert run.status == run.Status.DONE, run.error
        reconcile_times.append(time.perf_counter() - t1)
    result["reconcile_all_s"] = {
        "total": round(time.perf_counter() - t0, 1),
        "median_per_facility": round(statistics.median(reconcile_times), 2),
        "max_per_facility": round(max(reconcile_times), 2),
    }
    print("reconcile", result["reconcile_all_s"], flush=True)
    result["rows"] = {"inmates": Inmate.objects.count(), "list_entries": ListEntry.objects.count()}
    result["with_all"] = page_times(*first, args.repeat)
    print("with all", result["with_all"], flush=True)
    result["roster_plan"] = roster_plan(first[0])
    result["load_after"] = [round(x, 2) for x in os.getloadavg()]
    (OUT / "facilities.json").write_text(json.dumps(result, indent=1))
    print(json.dumps({k: v for k, v in result.items() if k != "roster_plan"}, indent=1))
    print("\n".join(result["roster_plan"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
