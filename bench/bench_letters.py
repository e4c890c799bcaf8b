"""Notification letters: our render path against plain WeasyPrint on the same document.

    DEBUG=True .venv/bin/python bench/bench_letters.py [--letters 600] [--rounds 2]

Two measurements, each in its own child process (so that each peak RSS is its own), alternated
``--rounds`` times, in one run on one machine:

- ``ours``: what a letter batch does after reading the voters: build the letter context, render
  the Django template, lay out and write the PDF through ``voters.letters.pdf`` (the static-only URL
  fetcher, the vendored fonts, page-by-page progress reporting), check the page count, and hash
  the file. Reading the recipients from the database is not included; importing WeasyPrint is
  done before the clock starts, on both sides (a worker imports it once).
- ``floor``: the same combined HTML document (rendered once by the parent, font URLs pointed at
  the same files with file://), laid out and written with plain
  ``weasyprint.HTML(string=...).write_pdf()`` and its default URL fetcher.

Reported: seconds (best of the rounds), pages per second, peak RSS of the child, and the ratio
ours / floor (target: at most 1.3). The letters are synthetic: 600 invented voters with
realistic names, NIKs and addresses. Results also go to bench/out/letters.json.
"""

import argparse
import datetime as dt
import hashlib
import json
import os
import platform
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tpskhusus.settings")
os.environ.setdefault("DEBUG", "True")

MEN = (
    "AGUS",
    "BUDI",
    "SLAMET",
    "JOKO",
    "EKO",
    "BAMBANG",
    "HERU",
    "ARIF",
    "TEGUH",
    "SUGENG",
    "WAHYU",
    "RUDI",
    "MUHAMMAD",
)
WOMEN = ("SRI", "SITI", "DEWI", "RINA", "KARTINI", "ENDANG", "WULAN", "YULI", "LESTARI")
FAMILY = (
    "SANTOSO",
    "PRASETYO",
    "WIBOWO",
    "SETIAWAN",
    "HIDAYAT",
    "NUGROHO",
    "UTOMO",
    "KURNIAWAN",
    "SUSANTO",
)


def setup_django():
    import django

    django.setup()


def synthetic(count, seed=600):
    """(tps, voters, template) for ``count`` invented voters, built without a database."""
    from voters.letters import services as service
    from voters.models import TPS, Election, Facility, Inmate, ListEntry, NoticeTemplate

    rng = random.Random(seed)
    # Nothing here is in a database: the election has no dapil table to read.
    service.dapil_table = lambda election: {}
    election = Election(
        code="PILKADA2024",
        name="Pemilihan Serentak 2024",
        kind="pilkada",
        polling_date=dt.date(2024, 11, 27),
        region_code="33.16",
    )
    facility = Facility(
        code="RUTAN-BLORA",
        name="Rutan Kelas IIB Blora",
        region_code="33.16",
        address="Jl. Pemuda No. 1, Blora",
    )
    tps = TPS(
        election=election,
        facility=facility,
        number="901",
        capacity=600,
        address="Aula Rutan Kelas IIB Blora",
    )
    template = NoticeTemplate(election=election, **NoticeTemplate.defaults_for(election))
    voters = []
    for n in range(1, count + 1):
        sex = "P" if rng.random() < 0.08 else "L"
        nama = f"{rng.choice(WOMEN if sex == 'P' else MEN)} {rng.choice(FAMILY)}"
        birth = dt.date(1960, 1, 1) + dt.timedelta(days=rng.randint(0, 15000))
        day = birth.day + (40 if sex == "P" else 0)
        nik = f"3316{rng.randint(1, 16):02d}{day:02d}{birth:%m%y}{rng.randint(1, 9999):04d}"
        kind = "DPT" if n <= count * 0.8 else "DPTB"
        entry = ListEntry(
            nama=nama,
            nik=nik,
            jenis_kelamin=sex,
            tanggal_lahir=birth,
            alamat=f"DUSUN {rng.choice(FAMILY)}",
            rt=f"{rng.randint(1, 9):03d}",
            rw=f"{rng.randint(1, 5):03d}",
            kelurahan="TAMBAHREJO",
            kecamatan="BLORA",
        )
        # The inmate's own birth date, NIK, sex and KTP-el region: the letter explains the
        # ballots this voter gets (issue 17).
        inmate = Inmate(
            nama=nama,
            no_registrasi=f"BI.{n:04d}/2024",
            blok=rng.choice("ABCDE"),
            tanggal_lahir=birth,
            nik=nik,
            jenis_kelamin=sex,
            kode_wilayah="33.16.01.2001",
        )
        voters.append(
            service.Voter(
                entry=entry,
                inmate=inmate,
                list_kind=kind,
                number=n if kind == "DPT" else n - int(count * 0.8),
                key=f"bench:{n}",
            )
        )
    service.assign_windows(voters, election=election, template=template)
    return tps, voters, template


def child_ours(count, out):
    setup_django()
    from voters.letters import services as service

    tps, voters, template = synthetic(count)
    reports = []
    # A worker imports WeasyPrint once, at its first batch; the floor imports it untimed too.
    import weasyprint  # noqa: F401

    def progress(step, page):  # what the job does: a throttled progress write
        reports.append((step, page))

    start = time.perf_counter()
    pages = service.render_letters(
        tps=tps, voters=voters, target=out, progress=progress, template=template
    )
    digest = hashlib.sha256(Path(out).read_bytes()).hexdigest()
    seconds = time.perf_counter() - start
    return {
        "seconds": seconds,
        "pages": pages,
        "sha256": digest[:16],
        "progress_events": len(reports),
    }


def child_floor(html_path, out):
    import weasyprint

    html = Path(html_path).read_text(encoding="utf-8")
    start = time.perf_counter()
    document = weasyprint.HTML(string=html, base_url=ROOT.as_uri() + "/").render()
    document.write_pdf(out)
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "pages": len(document.pages)}


def combined_html(count):
    """The document both sides lay out, with font URLs as files for plain WeasyPrint."""
    setup_django()
    from django.template.loader import render_to_string

    from voters.letters import services as service

    tps, voters, template = synthetic(count)
    html = render_to_string(
        "letters/notices.html", service.letters_context(tps=tps, voters=voters, template=template)
    )
    static = (ROOT / "static").as_uri()
    return html.replace('url("/static/', f'url("{static}/')


def run_child(kind, arg, count):
    with tempfile.TemporaryDirectory() as tmp:
        out = str(Path(tmp) / "letters.pdf")
        result = subprocess.run(
            [
                sys.executable,
                __file__,
                "--child",
                kind,
                "--arg",
                arg,
                "--letters",
                str(count),
                "--out",
                out,
            ],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
        )
        data = json.loads(result.stdout.strip().splitlines()[-1])
        data["pdf_bytes"] = Path(out).stat().st_size
        return data


def machine():
    cpu = ""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem_kb = int(
        next(
            line.split()[1]
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        )
    )
    import weasyprint

    return {
        "date": dt.datetime.now().astimezone().isoformat(timespec="minutes"),
        "nproc": os.cpu_count(),
        "ram_gib": round(mem_kb / 1024 / 1024, 1),
        "cpu": cpu,
        "python": platform.python_version(),
        "weasyprint": weasyprint.__version__,
        "load_avg_at_start": os.getloadavg()[0],
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--letters", type=int, default=600)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--child", choices=["ours", "floor"])
    parser.add_argument("--arg", default="")
    parser.add_argument("--out", default="")
    args = parser.parse_args()

    if args.child:
        if args.child == "ours":
            data = child_ours(args.letters, args.out)
        else:
            data = child_floor(args.arg, args.out)
        data["peak_rss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
        print(json.dumps(data))
        return

    info = machine()
    html = combined_html(args.letters)
    runs = {"ours": [], "floor": []}
    with tempfile.NamedTemporaryFile("w", suffix=".html", delete=False, encoding="utf-8") as f:
        f.write(html)
        html_path = f.name
    try:
        for _round in range(args.rounds):
            runs["floor"].append(run_child("floor", html_path, args.letters))
            runs["ours"].append(run_child("ours", "", args.letters))
    finally:
        os.unlink(html_path)

    summary = {}
    for kind, results in runs.items():
        best = min(results, key=lambda r: r["seconds"])
        summary[kind] = {
            "seconds": round(best["seconds"], 2),
            "all_seconds": [round(r["seconds"], 2) for r in results],
            "pages": best["pages"],
            "pages_per_second": round(best["pages"] / best["seconds"], 1),
            "peak_rss_mib": max(r["peak_rss_mib"] for r in results),
            "pdf_kib": round(best["pdf_bytes"] / 1024),
        }
    ratio = summary["ours"]["seconds"] / summary["floor"]["seconds"]
    report = {
        "machine": info,
        "letters": args.letters,
        "rounds": args.rounds,
        "results": summary,
        "ratio": round(ratio, 3),
        "target": 1.3,
    }
    out_dir = ROOT / "bench" / "out"
    out_dir.mkdir(exist_ok=True)
    (out_dir / "letters.json").write_text(json.dumps(report, indent=2))

    print(
        f"{args.letters} letters, best of {args.rounds}; {info['cpu']}, {info['nproc']} CPU, "
        f"{info['ram_gib']} GiB, WeasyPrint {info['weasyprint']}, {info['date']}"
    )
    print(f"{'':8} {'seconds':>8} {'pages':>6} {'pages/s':>8} {'peak RSS MiB':>13} {'PDF KiB':>8}")
    for kind in ("floor", "ours"):
        r = summary[kind]
        print(
            f"{kind:8} {r['seconds']:>8} {r['pages']:>6} {r['pages_per_second']:>8} "
            f"{r['peak_rss_mib']:>13} {r['pdf_kib']:>8}"
        )
    verdict = "ok" if ratio <= 1.3 else "ABOVE TARGET"
    print(f"ratio ours/floor = {ratio:.3f} (target <= 1.3: {verdict})")
    if summary["ours"]["pages"] != args.letters:
        sys.exit("page count differs from the number of letters")


if __name__ == "__main__":
    main()
