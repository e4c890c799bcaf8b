"""Seed a PostgreSQL database of its own for the load test (bench/bench_load.py).

    .venv/bin/python bench/load_seed.py [--db tpskhusus_load] [--inmates 2000]

Drops and creates the database, migrates, and fills it through the real code paths: the demo
(``manage.py demo --inmates 2000``: Rutan Blora, TPS 901 with its DPT and DPTb, a reference DPT,
deliveries, a coordination meeting, one account per role), then one reconciliation run. It
writes the ids the load scenarios need (inmates, the TPS, voter keys, lists, the run) to
bench/out/load_ids.json. Every person is invented.
"""

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"


def recreate_database(name):
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as db:
        db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        db.execute(f'CREATE DATABASE "{name}"')


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="tpskhusus_load")
    parser.add_argument("--inmates", type=int, default=2000)
    args = parser.parse_args(argv)

    recreate_database(args.db)
    os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{args.db}"
    os.environ.setdefault("DEBUG", "True")
    os.environ.pop("CELERY_BROKER_URL", None)  # seed in-process
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tpskhusus.settings")
    import django

    django.setup()
    from django.core.management import call_command

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command("demo", inmates=args.inmates)

    from voters.letters import services as letters
    from voters.models import TPS, Election, Facility, Inmate, VoterList
    from voters.reconciliation.services import reconcile

    facility = Facility.objects.get(code="RUTAN-BLORA")
    election = Election.objects.get(code="PILKADA-DEMO")
    run = reconcile(election=election, facility=facility, trigger="command")
    tps = TPS.objects.get(election=election, facility=facility, number="901")
    voters = letters.recipients(tps)
    inmates = list(Inmate.objects.filter(facility=facility).order_by("pk")
                   .values_list("pk", "nama"))
    ids = {
        "inmates": [pk for pk, _nama in inmates],
        "names": sorted({nama.split()[0] for _pk, nama in inmates}),
        "tps": tps.pk,
        "voter_keys": [v.key for v in voters],
        "lists": list(VoterList.objects.filter(tps=tps).values_list("pk", flat=True)),
        "run": run.pk,
        "run_items": run.items.count(),
        "seconds": round(time.perf_counter() - started, 1),
    }
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "load_ids.json").write_text(json.dumps(ids))
    print(f"{args.db}: {len(inmates)} WBP, {len(voters)} penerima surat TPS 901, "
          f"{ids['run_items']} baris rekonsiliasi, {ids['seconds']} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
