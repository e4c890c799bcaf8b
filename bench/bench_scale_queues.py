"""Celery queues and workers: does a long import delay letters or a reconciliation, and what
happens when one of two workers dies?

    .venv/bin/python bench/load_seed.py            # once: database tpskhusus_load
    .venv/bin/python bench/bench_scale_queues.py [--rows 1500000]

Real Celery workers on one Redis broker (127.0.0.1:6379, database 14, flushed first) and the
load test's database (Rutan Blora, 2,000 inmates, TPS 901 with its lists). The same burst is
sent to two layouts with the same number of execution slots (2):

- **one worker** on every queue (``-Q default,imports,letters -c 2``, today's compose file);
- **two workers**: ``worker-imports`` (``-Q imports -c 1``) and ``worker-jobs``
  (``-Q default,letters -c 1``).

The burst, in this order within a second: two reference-DPT imports of ``--rows`` rows (two
elections, so that they do not wait on each other's lock), a reconciliation of the rutan and a
letter batch of cell block A. For each job: the queue wait (enqueued → the job row's
``started_at``) and the run time.

Then the death drill on the two-worker layout: a letter batch of the whole TPS runs on
``worker-jobs``, a reconciliation is queued behind it and an import starts on
``worker-imports``; ``worker-jobs`` (its whole process group) is killed with SIGKILL and
started again 20 s later.
Recorded: the import goes on; the queued reconciliation stays in Redis and runs once the worker
is back (its wait after the restart); the batch that was running stays unacknowledged (the
visibility timeout, 2 × the task time limit, and the job sweeper, JOB_STALE_AFTER, decide what
happens to it; tests/test_fault_drills.py drills that end). Output: bench/out/queues.json.
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
BROKER = "redis://127.0.0.1:6379/14"
ENV = {
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/tpskhusus_load",
    "CELERY_BROKER_URL": BROKER,
    "DEBUG": "False",
    "SECRET_KEY": "queues-bench-only-" + "q" * 40,
    "ALLOWED_HOSTS": "127.0.0.1",
    "HTTPS": "False",
    "PRIVATE_ROOT": str(OUT / "queues-private"),
    "LOG_LEVEL": "WARNING",
}
DOWN_SECONDS = 20  # how long worker-jobs stays dead in the drill
LAYOUTS = {
    "one worker (all queues, -c 2)": [("all", "default,imports,letters", 2)],
    "two workers (imports -c 1; default,letters -c 1)": [
        ("imports", "imports", 1), ("jobs", "default,letters", 1)],
}


def setup_django():
    os.environ.update(ENV)
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tpskhusus.settings")
    import django

    django.setup()


def start_worker(name, queues, concurrency):
    log = (OUT / f"queues-{name}.log").open("a")
    return subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "celery"), "-A", "tpskhusus", "worker", "-Q", queues,
         "-c", str(concurrency), "-n", f"bench-{name}@%h", "--without-gossip", "--without-mingle",
         "--loglevel", "INFO"],
        cwd=ROOT, env={**os.environ, **ENV}, stdout=log, stderr=log, start_new_session=True,
    )


def kill_group(process, sig=signal.SIGKILL):
    """Kill a worker we started and its pool (its own process group), then reap it."""
    if process.poll() is None:
        os.killpg(process.pid, sig)
        process.wait(timeout=60)


def stop_worker(process):
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=120)
        except subprocess.TimeoutExpired:
            kill_group(process)


def wait_ready(name, timeout=60):
    from tpskhusus.celery import app

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        replies = app.control.ping(timeout=1) or []
        if any(f"bench-{name}@" in key for reply in replies for key in reply):
            return
    raise RuntimeError(f"worker {name} did not start")


def world():
    from django.utils import timezone

    from voters.core.setup import upsert_election
    from voters.models import TPS, Election, Facility, User

    facility = Facility.objects.get(code="RUTAN-BLORA")
    election = Election.objects.get(code="PILKADA-DEMO")
    extra = [
        upsert_election(code=f"UJI-ANTREAN-{n}", name=f"Uji antrean {n}", kind="pilkada",
                        region="33.16", polling_date=timezone.localdate() + timedelta(days=21)
                        ).obj
        for n in (1, 2)
    ]
    tps = TPS.objects.select_related("election", "facility").get(election=election,
                                                                 number="901")
    return {"facility": facility, "election": election, "extra": extra, "tps": tps,
            "operator": User.objects.get(username="operator"),
            "kpps": User.objects.get(username="kpps901"),
            "kpu": User.objects.get(username="kpu")}


def enqueue_import(w, election, source):
    from voters import tasks
    from voters.core import storage
    from voters.lists.services import active_reference, discard_reference
    from voters.models import ImportBatch

    current = active_reference(election)
    if current is not None:  # else the same file is "unchanged" and nothing is loaded
        discard_reference(current)

    target = storage.private_dir("imports") / f"bench-{election.code}-{time.time_ns()}.csv"
    os.link(source, target)  # the job deletes its upload; the source file stays
    batch = ImportBatch.objects.create(
        kind=ImportBatch.Kind.REFERENCE_DPT, election=election, facility=w["facility"],
        file_name=source.name, stored_path=str(target), created_by=w["kpu"],
    )
    sent = time.time()
    tasks.import_reference_dpt_task.delay(batch.pk)
    return ("import " + election.code, batch, sent)


def enqueue_reconciliation(w):
    from voters.reconciliation.services import create_run
    from voters.tasks import reconcile_task

    run = create_run(election=w["election"], facility=w["facility"], user=w["operator"],
                     trigger="manual")
    sent = time.time()
    reconcile_task.delay(run.pk)
    return ("reconciliation", run, sent)


def enqueue_letters(w, block):
    from voters.letters.services import start_letter_batch

    sent = time.time()
    batch = start_letter_batch(tps=w["tps"], user=w["kpps"], block=block)
    return (f"letters block {block or 'all'} ({batch.total})", batch, sent)


def job_times(job, sent):
    job.refresh_from_db()
    start = job.started_at.timestamp() if job.started_at else None
    end = job.finished_at.timestamp() if job.finished_at else None
    return {
        "status": job.status,
        "queue_wait_s": round(start - sent, 2) if start else None,
        "run_s": round(end - start, 2) if start and end else None,
        "attempts": job.attempts,
    }


def wait_all(jobs, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for _name, job, _sent in jobs:
            job.refresh_from_db()
        if all(job.is_finished for _name, job, _sent in jobs):
            return True
        time.sleep(0.5)
    return False


def burst(layout, w, source):
    from tpskhusus.celery import app

    workers = [start_worker(name, queues, c) for name, queues, c in LAYOUTS[layout]]
    try:
        for name, _q, _c in LAYOUTS[layout]:
            wait_ready(name)
        app.control.purge()
        load = [round(x, 2) for x in os.getloadavg()]
        jobs = [enqueue_import(w, w["extra"][0], source), enqueue_import(w, w["extra"][1], source),
                enqueue_reconciliation(w), enqueue_letters(w, "A")]
        finished = wait_all(jobs, 900)
        return {"load_before": load, "all_finished": finished,
                "jobs": {name: job_times(job, sent) for name, job, sent in jobs},
                "load_after": [round(x, 2) for x in os.getloadavg()]}
    finally:
        for worker in workers:
            stop_worker(worker)


def death_drill(w, source):
    import redis

    from tpskhusus.celery import app

    client = redis.Redis.from_url(BROKER)
    imports = start_worker("imports", "imports", 1)
    jobs_worker = start_worker("jobs", "default,letters", 1)
    result = {"load_before": [round(x, 2) for x in os.getloadavg()]}
    try:
        wait_ready("imports")
        wait_ready("jobs")
        app.control.purge()
        letters = enqueue_letters(w, "")
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            letters[1].refresh_from_db()
            if letters[1].done >= 50:
                break
            time.sleep(0.2)
        recon = enqueue_reconciliation(w)
        imp = enqueue_import(w, w["extra"][0], source)
        time.sleep(2)
        result["letters_done_at_kill"] = letters[1].done
        result["import_at_kill"] = job_times(imp[1], imp[2])
        killed = time.time()
        kill_group(jobs_worker)
        time.sleep(1)
        result["after_kill"] = {
            "redis_unacked": client.hlen("unacked"),
            "redis_default_queue": client.llen("default"),
            "letters": job_times(letters[1], letters[2]),
            "reconciliation": job_times(recon[1], recon[2]),
            "import": job_times(imp[1], imp[2]),
        }
        time.sleep(DOWN_SECONDS - 1)
        restarted = time.time()
        jobs_worker = start_worker("jobs", "default,letters", 1)
        wait_ready("jobs")
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            recon[1].refresh_from_db()
            imp[1].refresh_from_db()
            if recon[1].is_finished and imp[1].is_finished:
                break
            time.sleep(0.5)
        recon_times = job_times(recon[1], recon[2])
        result["after_restart"] = {
            "killed_utc": datetime.fromtimestamp(killed, UTC).isoformat(timespec="seconds"),
            "worker_down_s": round(restarted - killed, 1),
            "reconciliation": recon_times,
            "reconciliation_started_after_restart_s": round(
                recon[1].started_at.timestamp() - restarted, 2) if recon[1].started_at else None,
            "import": job_times(imp[1], imp[2]),
            "import_finished_while_jobs_worker_down": bool(
                imp[1].finished_at and killed < imp[1].finished_at.timestamp() < restarted),
            "letters": job_times(letters[1], letters[2]),
            "redis_unacked": client.hlen("unacked"),
        }
        result["load_after"] = [round(x, 2) for x in os.getloadavg()]
        return result
    finally:
        stop_worker(imports)
        stop_worker(jobs_worker)
        # The killed batch's message is still unacknowledged: drop it with the bench's broker db.
        client.flushdb()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_500_000)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args(argv)
    OUT.mkdir(exist_ok=True)
    (OUT / "queues-private").mkdir(exist_ok=True)
    source = OUT / f"queues_dpt_blora_{args.rows}.csv"
    if not source.exists():
        subprocess.run([sys.executable, str(ROOT / "bench" / "gen_reference_dpt.py"), "--rows",
                        str(args.rows), "-o", str(source)], check=True)
    setup_django()
    import redis

    redis.Redis.from_url(BROKER).flushdb()
    w = world()
    result = {"rows": args.rows, "layouts": {}}
    for layout in LAYOUTS:
        result["layouts"][layout] = burst(layout, w, source)
        print(layout, json.dumps(result["layouts"][layout], indent=1), flush=True)
    result["death_drill"] = death_drill(w, source)
    print("death drill", json.dumps(result["death_drill"], indent=1), flush=True)
    (OUT / "queues.json").write_text(json.dumps(result, indent=1))
    if not args.keep:
        source.unlink()
    return 0


if __name__ == "__main__":
    sys.exit(main())
