"""Seed a PostgreSQL database for the pages-under-load test (bench/pages_load.py, issue 19).

    .venv/bin/python bench/pages_seed.py [--db tpsk_bench] [--inmates 5000] \
        [--facilities 50] [--others 200]

Drops and creates the database, migrates, and fills it through the real code paths: the demo
(``manage.py demo --inmates 5000``: Rutan Blora in regency 33.16, the Pilkada with TPS 901,
its DPT and DPTb, a reference DPT, deliveries, a coordination meeting, one account per role),
then ``--facilities - 1`` more facilities in the same regency (33.16), each with ``--others``
inmates (an SDP export through ``import_inmates``), a TPS of the same election, its DPT
(``import_voter_list``), an operator and a KPPS officer (bench/bench_facilities.py's
``build_facility``); then one reconciliation run of every facility. It writes the ids the load
needs (the run of Rutan Blora, its TPS and lists) to bench/out/pages_ids.json. Every person is
invented.
"""

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="tpsk_bench")
    parser.add_argument("--inmates", type=int, default=5000)
    parser.add_argument("--facilities", type=int, default=50)
    parser.add_argument("--others", type=int, default=200)
    args = parser.parse_args(argv)

    sys.path.insert(0, str(ROOT / "bench"))
    from load_seed import recreate_database

    recreate_database(args.db)
    os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{args.db}"
    os.environ.setdefault("DEBUG", "True")
    os.environ.pop("CELERY_BROKER_URL", None)  # seed in-process
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tpskhusus.settings")
    import django

    django.setup()
    from bench_facilities import build_facility
    from django.core.management import call_command
    from django.db import connection

    from voters.models import TPS, Election, Facility, Inmate, ListEntry, VoterList
    from voters.reconciliation.services import reconcile

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command("demo", inmates=args.inmates)
    print(f"demo: {time.perf_counter() - started:.0f} s", flush=True)
    election = Election.objects.get(code="PILKADA-DEMO")
    for index in range(1, args.facilities):
        build_facility(index, election, "33.16", args.others)
    print(f"{args.facilities} facilities: {time.perf_counter() - started:.0f} s", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    runs = {}
    for facility in Facility.objects.order_by("code"):
        run = reconcile(election=election, facility=facility, trigger="command")
        assert run.status == run.Status.DONE, run.error
        runs[facility.code] = run.pk
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    blora = Facility.objects.get(code="RUTAN-BLORA")
    tps = TPS.objects.get(election=election, facility=blora, number="901")
    ids = {
        "run": runs["RUTAN-BLORA"],
        "tps": tps.pk,
        "lists": list(
            VoterList.objects.filter(tps=tps).order_by("pk").values_list("pk", flat=True)
        ),
        "facilities": Facility.objects.count(),
        "inmates_blora": Inmate.objects.filter(facility=blora).count(),
        "inmates_all": Inmate.objects.count(),
        "list_entries": ListEntry.objects.count(),
        "seconds": round(time.perf_counter() - started, 1),
    }
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "pages_ids.json").write_text(json.dumps(ids, indent=1))
    print(json.dumps(ids))
    return 0


if __name__ == "__main__":
    sys.exit(main())
