"""600 letters as one PDF: one process against the parallel path (issue 17).

    DEBUG=True .venv/bin/python bench/bench_letters_parallel.py [--letters 600] [--rounds 3]
        [--idle 0.0]

Both kinds run ``voters.letters.services.render_letters`` on the same 600 synthetic voters of
``bench_letters.synthetic`` (context, template, layout, PDF, page check), each round in a new
child process so that its figures are its own:

- ``single``: ``LETTER_RENDER_PROCESSES=1``: one process lays out and writes the document (the
  floor of one process: what the batch did before);
- ``parallel``: ``LETTER_RENDER_PROCESSES=2``: the letters cut in two, each half laid out and
  written by its own child process (``voters.letters.parallel``), the halves joined with pypdf.

Reported per run: wall seconds from the letters' context to the joined file on disk, the peak
RSS of every process involved (the coordinating process, and each render child as it reports
its own ``ru_maxrss``; ``RUSAGE_CHILDREN`` gives the same maximum), the CPU seconds of all of
them, the join's seconds (and its tail, after the last child finished: the parts finished
first are read while the last is laid out), the 1-minute load average before and after the
run, and the share of the CPUs that other work took while it ran (all CPUs' busy time less
this run's own, from /proc/stat). With ``--idle X`` each run first waits (at most a minute)
until other work leaves a share X of the CPUs idle.
The kinds alternate; best and median of the rounds are printed. Full output:
bench/out/letters_parallel.json. The machine is shared with other work: read the load column.
"""

import argparse
import datetime as dt
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tpskhusus.settings")
os.environ.setdefault("DEBUG", "True")


def voters_for(count):
    """bench_letters' synthetic TPS (no database)."""
    import bench_letters

    return bench_letters.synthetic(count)


def child(count, out):
    import django

    django.setup()
    import weasyprint  # noqa: F401 - a worker imports it once, before its first batch

    from voters.letters import services as service

    tps, voters, template = voters_for(count)
    parts = []
    real = service.parallel.render_split

    def spy(*args, **kwargs):
        result = real(*args, **kwargs)
        parts.append(result)
        return result

    service.parallel.render_split = spy
    cpu0 = os.times()
    start = time.perf_counter()
    pages = service.render_letters(tps=tps, voters=voters, target=out, template=template)
    seconds = time.perf_counter() - start
    cpu1 = os.times()
    result = parts[0]
    self_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {
        "seconds": round(seconds, 2),
        "pages": pages,
        "processes": getattr(result, "processes", 1),
        "parts": getattr(result, "parts", []),
        "join_seconds": round(getattr(result, "join_seconds", 0.0), 2),
        "join_tail_seconds": round(getattr(result, "join_tail_seconds", 0.0), 2),
        "cpu_seconds_self": round(
            (cpu1.user - cpu0.user) + (cpu1.system - cpu0.system), 2
        ),
        "cpu_seconds_children": round(
            (cpu1.children_user - cpu0.children_user)
            + (cpu1.children_system - cpu0.children_system), 2
        ),
        "peak_rss_mib_self": round(self_peak, 1),
        "peak_rss_mib_children": round(children_peak, 1),
    }


def cpu_sample():
    """(idle, total) jiffies of all CPUs since boot."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    return values[3] + values[4], sum(values)


def idle_share(seconds=1.0):
    sample = cpu_sample
    idle0, total0 = sample()
    time.sleep(seconds)
    idle1, total1 = sample()
    return (idle1 - idle0) / max(total1 - total0, 1)


def wait_idle(wanted, limit=60.0):
    share = idle_share()
    start = time.monotonic()
    while wanted and share < wanted and time.monotonic() - start < limit:
        share = idle_share()
    return round(share, 2)


def run(kind, count, wanted_idle):
    idle = wait_idle(wanted_idle)
    load = os.getloadavg()[0]
    env = dict(os.environ, LETTER_RENDER_PROCESSES="1" if kind == "single" else "2")
    with tempfile.TemporaryDirectory() as tmp:
        out = str(Path(tmp) / "letters.pdf")
        before, idle0, total0 = os.times(), *cpu_sample()
        done = subprocess.run(
            [sys.executable, __file__, "--child", "--letters", str(count), "--out", out],
            capture_output=True, text=True, cwd=ROOT, env=env,
        )
        after, idle1, total1 = os.times(), *cpu_sample()
        if done.returncode != 0:
            sys.exit(f"{kind} run failed:\n{done.stderr[-3000:]}")
        data = json.loads(done.stdout.strip().splitlines()[-1])
        data["pdf_kib"] = round(Path(out).stat().st_size / 1024)
    # How much of the machine other work took while this run ran: all CPUs' busy time less
    # this run's own CPU time (the child and its render children), over all CPUs' time.
    hz = os.sysconf("SC_CLK_TCK")
    busy = ((total1 - total0) - (idle1 - idle0)) / hz
    ours = (after.children_user - before.children_user) + (
        after.children_system - before.children_system
    )
    cpus = (total1 - total0) / hz
    data.update(
        kind=kind, load_1min_before=round(load, 2), idle_share_before=idle,
        load_1min_after=round(os.getloadavg()[0], 2),
        others_cpu_share_during=round(max(busy - ours, 0.0) / cpus, 2) if cpus else None,
    )
    return data


def machine():
    cpu = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
         if line.startswith("model name")), "",
    )
    import weasyprint

    return {
        "date_utc": dt.datetime.now(dt.UTC).isoformat(timespec="minutes"),
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "python": platform.python_version(),
        "weasyprint": weasyprint.__version__,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--letters", type=int, default=600)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--idle", type=float, default=0.0)
    parser.add_argument("--child", action="store_true")
    parser.add_argument("--out", default="")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.letters, args.out)))
        return

    info = machine()
    runs = {"single": [], "parallel": []}
    for n in range(args.rounds):
        for kind in ("parallel", "single") if n % 2 else ("single", "parallel"):
            data = run(kind, args.letters, args.idle)
            runs[kind].append(data)
            parts = " ".join(
                f"[{p['pages']} p {p['seconds']} s {p['peak_rss_mib']} MiB]" for p in data["parts"]
            )
            print(
                f"round {n + 1} {kind:8} {data['seconds']:6.2f} s  pages {data['pages']}  "
                f"rss self {data['peak_rss_mib_self']} MiB children {data['peak_rss_mib_children']}"
                f" MiB  cpu {data['cpu_seconds_self']}+{data['cpu_seconds_children']} s  "
                f"join {data['join_seconds']} s (tail {data.get('join_tail_seconds', 0)} s)  "
                f"load {data['load_1min_before']}"
                f"->{data['load_1min_after']} others {data['others_cpu_share_during']:.0%} "
                f"{parts}",
                flush=True,
            )
    summary = {}
    for kind, results in runs.items():
        times = [r["seconds"] for r in results]
        summary[kind] = {
            "best_seconds": min(times),
            "median_seconds": round(statistics.median(times), 2),
            "all_seconds": times,
            "max_peak_rss_mib_per_process": max(
                max([r["peak_rss_mib_self"]] + [p["peak_rss_mib"] for p in r["parts"]])
                for r in results
            ),
            "max_peak_rss_mib_render_child": max(
                (p["peak_rss_mib"] for r in results for p in r["parts"]), default=None
            ),
            "loads": [r["load_1min_before"] for r in results],
            "others_cpu_share_during": [r["others_cpu_share_during"] for r in results],
        }
    report = {"machine": info, "letters": args.letters, "rounds": args.rounds,
              "summary": summary, "runs": runs,
              "command": "DEBUG=True .venv/bin/python bench/bench_letters_parallel.py "
              + " ".join(sys.argv[1:])}
    out_dir = ROOT / "bench" / "out"
    out_dir.mkdir(exist_ok=True)
    (out_dir / "letters_parallel.json").write_text(json.dumps(report, indent=2))
    print(f"{args.letters} letters, {args.rounds} rounds; {info['cpu']}, nproc {info['nproc']}, "
          f"WeasyPrint {info['weasyprint']}, {info['date_utc']}")
    for kind, s in summary.items():
        print(f"{kind:8} best {s['best_seconds']} s median {s['median_seconds']} s  "
              f"peak RSS per process <= {s['max_peak_rss_mib_per_process']} MiB  "
              f"loads before {s['loads']} others' CPU share during "
              f"{s['others_cpu_share_during']}")


if __name__ == "__main__":
    main()
