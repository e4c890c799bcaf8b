"""How long does a reconciliation take against a reference DPT of 100k, 700k and 2M rows?

    DEBUG=True .venv/bin/python bench/bench_reconcile.py [--sizes 100000,700000,2000000]
        [--rounds 3] [--inmates 2000]

On a PostgreSQL database of its own (``--database-url``, dropped and created, dropped again at
the end unless ``--keep``), through the project's own commands:

1. a synthetic Rutan Blora: ``--inmates`` inmates (``import_inmates``), about 70% with a valid
   NIK of Blora (+40 on the day for women), the others masked, invalid (15 digits, ``3.3160E+15``)
   or blank; releases and admissions around polling day, people who already left, a few minors,
   WNA, TNI/Polri and revoked rights; addresses in Blora, elsewhere in Central Java, in East Java
   or blank; names with titles, bin/binti, Muhammad/M./Moch. and old spellings;
2. TPS 901's lists (``import_voter_list``): a DPT, DPTb and DPK of about 600 entries in all,
   mostly inmates by full NIK, some with a spelling variant of the name, some masked
   (``331601**********``) or with another NIK (probable matches), released inmates, strangers and
   people on both the DPT and the DPTb;
3. for each size, a reference DPT (``import_reference_dpt``): ``bench/gen_reference_dpt.py``'s
   invented Blora voters with some inmates spliced in, by full NIK, by masked NIK with a name
   variant, or with another NIK (so USUL_DPTB and probable matches occur);
4. ``--rounds`` times each: the service (``voters.reconciliation.services.reconcile`` timed in a
   child process after Django's start-up) and the command (``manage.py reconcile --json`` end to
   end in a child). Every run has its own ``--today`` (1, 2, 3 … November 2024), so none reuses
   the previous run's outcome (the input digest differs) and every run but the first compares
   with a previous one, as the nightly run does. Then once the reuse path (same inputs).

Peak RSS per child from ``os.wait4``. The phase timings (load_s, classify_s, write_s,
reference_rows_loaded) are those the run row records. Results go to bench/out/reconcile.json
and a Markdown table.
"""

import argparse
import csv
import datetime as dt
import json
import os
import random
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import gen_reference_dpt as gen  # noqa: E402
from bench_reference_import import child, machine  # noqa: E402

ELECTION = "PILKADA2024"
FACILITY = "RUTAN-BLORA"
POLLING = dt.date(2024, 11, 27)
SEED = 2024

# -- the synthetic world ----------------------------------------------------------------------

MEN = gen.MEN + [
    "SOEPARMAN",
    "DJOKO",
    "TJIPTO",
    "SOEKARNO",
    "SOEHARTO",
    "WIDJAJA",
    "SJAMSUL",
    "MUCHLIS",
    "ACHMAD",
    "ABDULLAH",
    "RIDWAN",
    "SAMSUDIN",
    "KHOIRUL",
    "NURHADI",
]
WOMEN = gen.WOMEN + ["SOEMIATI", "DJUMINAH", "TJITJIK", "SITI ROCHMAH"]
FAMILY = [f for f in gen.FAMILY if f not in ("BIN", "BINTI")] + ["SOEDARSONO", "DJAJADI"]
FATHERS = ("SUPARNO", "KASMIN", "SLAMET", "PARNO", "ABDUL KADIR", "SUKIMAN")
OLD_TO_NEW = (("OE", "U"), ("DJ", "J"), ("TJ", "C"), ("SJ", "SY"), ("CH", "KH"))
SDP_HEADER = [
    "No Registrasi", "Nama Lengkap", "NIK", "No KK", "Tempat Lahir", "Tanggal Lahir",
    "Jenis Kelamin", "Status Perkawinan", "Kewarganegaraan", "Alamat KTP", "Kode Wilayah",
    "Register", "Tanggal Masuk", "Tanggal Bebas", "Tanggal Keluar", "Jenis Keluar",
    "Hak Pilih Dicabut", "TNI Polri", "Blok",
]  # fmt: skip
REGISTERS = ("A.I", "A.II", "A.III", "A.IV", "B.I", "B.I", "B.I", "B.IIa", "B.IIb", "B.III")


def dmy(day):
    return f"{day:%d-%m-%Y}" if day else ""


def make_nik(rng, kec, birth, woman):
    day = birth.day + (40 if woman else 0)
    return f"3316{kec}{day:02d}{birth.month:02d}{birth.year % 100:02d}{rng.randint(1, 9999):04d}"


def name_for(rng, woman):
    first = rng.choice(WOMEN if woman else MEN)
    roll = rng.random()
    if roll < 0.10 and not woman:
        first = f"MUHAMMAD {rng.choice(gen.MEN[:20])}"
    name = f"{first} {rng.choice(FAMILY)}" if rng.random() < 0.8 else first
    roll = rng.random()
    if roll < 0.05:
        name += f" {'BINTI' if woman else 'BIN'} {rng.choice(FATHERS)}"
    elif roll < 0.08:
        name = f"{'HJ.' if woman else 'H.'} {name}"
    elif roll < 0.10:
        name += f" ALIAS {rng.choice(('GENDUT', 'KRIBO', 'BOLANG', 'CEMPLUK'))}"
    return name


def variant(rng, name):
    """The same person's name as another office would write it."""
    words = name.split()
    roll = rng.random()
    if "MUHAMMAD" in words:
        return name.replace("MUHAMMAD", rng.choice(("M.", "MOCH.", "MUH.", "MOHAMAD")), 1)
    if any(old in name for old, _new in OLD_TO_NEW) and roll < 0.7:
        for old, new in OLD_TO_NEW:
            name = name.replace(old, new)
        return name
    if "BIN" in words or "BINTI" in words:
        cut = words.index("BIN") if "BIN" in words else words.index("BINTI")
        return " ".join(words[:cut])
    if roll < 0.3:
        return f"{name}, S.H." if rng.random() < 0.5 else f"DRS. {name}"
    if roll < 0.6 and len(words) > 1:
        return f"{name} BIN {rng.choice(FATHERS)}"
    return name


def build_world(count, seed=SEED):
    """Inmates, the TPS 901 lists and the inmate rows to splice into the reference DPT."""
    rng = random.Random(seed)
    regions = gen.blora_regions()
    inmates = []
    for number in range(1, count + 1):
        woman = rng.random() < 0.07
        district_code, district, villages = regions[rng.randrange(len(regions))]
        village_code, village = villages[rng.randrange(len(villages))]
        kec = district_code[6:8]
        minor = rng.random() < 0.01
        year = rng.randint(2008, 2008) if minor else rng.randint(1955, 2005)
        birth = dt.date(year, rng.randint(1, 12), rng.randint(1, 28))
        nik = make_nik(rng, kec, birth, woman)
        roll = rng.random()
        nik_kind = "valid"
        if roll < 0.02:
            nik, nik_kind = nik[:6] + "*" * 10, "masked"
        elif roll < 0.05:
            nik, nik_kind = nik[:15], "invalid"
        elif roll < 0.08:
            nik, nik_kind = f"{float(nik):.4E}", "invalid"
        elif roll < 0.10:
            nik, nik_kind = nik[:6] + "32" + nik[8:], "invalid"  # day 32: no such date
        elif roll < 0.30:
            nik, nik_kind = "", "blank"
        roll = rng.random()
        if roll < 0.85:
            region = village_code
        elif roll < 0.90:
            region = "33.17"  # Rembang: Central Java, governor's race only
        elif roll < 0.93:
            region = "35.22"  # Bojonegoro, East Java: outside every race
        else:
            region = ""
        admitted = POLLING - dt.timedelta(days=rng.randint(10, 900))
        released = left = None
        left_kind = ""
        roll = rng.random()
        if roll < 0.10:
            released = POLLING + dt.timedelta(days=rng.randint(-20, 20))
        elif roll < 0.60:
            released = POLLING + dt.timedelta(days=rng.randint(21, 2000))
        roll = rng.random()
        if roll < 0.04:
            left = POLLING - dt.timedelta(days=rng.randint(30, 120))
            left_kind = rng.choice(("bebas", "mutasi"))
            admitted = left - dt.timedelta(days=rng.randint(30, 400))
        elif roll < 0.06:
            admitted = POLLING - dt.timedelta(days=rng.randint(1, 20))  # admitted close to polling
        inmates.append({
            "no": f"{rng.choice(REGISTERS).replace('.', '')}.{number:04d}/2024",
            "nama": name_for(rng, woman), "nik": nik, "nik_kind": nik_kind,
            "kk": f"3316{kec}{rng.randint(1, 28):02d}{rng.randint(1, 12):02d}"
                  f"{rng.randint(5, 23):02d}{rng.randint(1, 9999):04d}",
            "tempat": rng.choice(gen.BIRTHPLACES), "birth": birth, "woman": woman,
            "kawin": "B" if minor else rng.choice(gen.MARITAL),
            "wn": "WNA" if rng.random() < 0.003 else "WNI",
            "alamat": f"{rng.choice(gen.STREETS)} {rng.choice(FAMILY)}", "region": region,
            "village": village, "district": district, "register": rng.choice(REGISTERS),
            "admitted": admitted, "released": released, "left": left, "left_kind": left_kind,
            "revoked": rng.random() < 0.003, "tni": rng.random() < 0.005,
            "blok": rng.choice("ABCDEF"),
        })  # fmt: skip

    def inside(i):
        return i["left"] is None and (i["released"] is None or i["released"] > POLLING)

    listed = set()
    lists = {"DPT": [], "DPTB": [], "DPK": []}

    def entry(i, *, nik=None, nama=None):
        return {"nik": i["nik"] if nik is None else nik, "nama": nama or i["nama"],
                "birth": i["birth"], "woman": i["woman"], "village": i["village"],
                "district": i["district"], "region": i["region"]}  # fmt: skip

    valid_inside = [i for i in inmates if i["nik_kind"] == "valid" and inside(i)]
    rng.shuffle(valid_inside)
    pick = iter(valid_inside)
    for _ in range(420):  # by full NIK, a quarter of them with another spelling of the name
        i = next(pick)
        listed.add(i["no"])
        nama = variant(rng, i["nama"]) if rng.random() < 0.25 else None
        lists["DPT"].append(entry(i, nama=nama))
    for _ in range(25):  # masked NIK, name variant: probable (masked_nik)
        i = next(pick)
        listed.add(i["no"])
        lists["DPT"].append(entry(i, nik=i["nik"][:6] + "*" * 10, nama=variant(rng, i["nama"])))
    for _ in range(15):  # another NIK (a typo in the serial), same name and birth date: probable
        i = next(pick)
        listed.add(i["no"])
        other = i["nik"][:12] + f"{(int(i['nik'][12:]) + 7) % 10000:04d}"
        lists["DPT"].append(entry(i, nik=other))
    gone = [i for i in inmates if not inside(i) and i["nik_kind"] == "valid"]
    for i in gone[:25]:  # released or left before polling day: KELUAR
        listed.add(i["no"])
        lists["DPT"].append(entry(i))
    for n in range(15):  # strangers: TIDAK_DIKENAL
        birth = dt.date(1970 + n, 1 + n % 12, 1 + n)
        lists["DPT"].append({"nik": make_nik(rng, "01", birth, False), "nama": f"ORANG LUAR {n}",
                             "birth": birth, "woman": False, "village": "JEPON",
                             "district": "JEPON", "region": ""})  # fmt: skip
    for _ in range(60):
        i = next(pick)
        listed.add(i["no"])
        lists["DPTB"].append(entry(i))
    for e in lists["DPT"][:10]:  # on the DPT and the DPTb: GANDA
        lists["DPTB"].append(dict(e))
    for _ in range(30):
        i = next(pick)
        listed.add(i["no"])
        lists["DPK"].append(entry(i))

    # Inmates on no list of TPS 901 but on the kabupaten's DPT at another TPS.
    spliced = []
    for i in pick:
        roll = rng.random()
        if roll < 0.30:
            spliced.append(entry(i))  # full NIK: USUL_DPTB
        elif roll < 0.40:
            spliced.append(entry(i, nik=i["nik"][:6] + "*" * 10, nama=variant(rng, i["nama"])))
        elif roll < 0.45:
            other = i["nik"][:12] + f"{(int(i['nik'][12:]) + 13) % 10000:04d}"
            spliced.append(entry(i, nik=other))  # another NIK: a probable hint only
    for i in inmates:  # invalid or blank NIK, found by name and birth date
        if i["nik_kind"] in ("blank", "invalid") and inside(i) and rng.random() < 0.3:
            spliced.append(entry(i, nik=make_nik(rng, "01", i["birth"], i["woman"])))
    return inmates, lists, spliced


def write_inmates(path, inmates):
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, delimiter=";", lineterminator="\r\n")
        writer.writerow(SDP_HEADER)
        for i in inmates:
            writer.writerow([
                i["no"], i["nama"], i["nik"], i["kk"], i["tempat"], dmy(i["birth"]),
                "P" if i["woman"] else "L", i["kawin"], i["wn"], i["alamat"], i["region"],
                i["register"], dmy(i["admitted"]), dmy(i["released"]), dmy(i["left"]),
                i["left_kind"], "Y" if i["revoked"] else "N", "Y" if i["tni"] else "N", i["blok"],
            ])  # fmt: skip


def kpu_row(number, e, tps, rng):
    birth = e["birth"]
    return [
        str(number), "", e["nik"], e["nama"], "BLORA", dmy(birth), str(2024 - birth.year),
        "S", "P" if e["woman"] else "L", f"DUKUH {rng.choice(FAMILY)}",
        f"{rng.randint(1, 12):03d}", f"{rng.randint(1, 6):03d}", "", "", e["village"],
        e["district"], e["region"] if e["region"].count(".") == 3 else "", tps,
    ]  # fmt: skip


def write_list(path, entries, seed):
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, delimiter=";", lineterminator="\r\n")
        writer.writerow(gen.HEADER)
        for number, e in enumerate(entries, 1):
            writer.writerow(kpu_row(number, e, "901", rng))


def write_reference(path, size, spliced, seed=3316):
    """The generator's voters with ``spliced`` spread evenly among them."""
    rng = random.Random(seed + 1)
    every = max(1, size // (len(spliced) + 1))
    extra = iter(spliced)
    number = 0
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, delimiter=";", lineterminator="\r\n")
        writer.writerow(gen.HEADER)
        for row in gen.rows(size - len(spliced), seed):
            number += 1
            if number % every == 0:
                e = next(extra, None)
                if e is not None:
                    writer.writerow(kpu_row(number, e, f"{rng.randint(1, 25):03d}", rng))
                    number += 1
            row[0] = str(number)
            writer.writerow(row)
        for e in extra:
            number += 1
            writer.writerow(kpu_row(number, e, f"{rng.randint(1, 25):03d}", rng))
    return number


# -- child modes ----------------------------------------------------------------------------------


def child_service(today):
    started = time.perf_counter()
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tpskhusus.settings")
    django.setup()
    from voters.models import Election, Facility
    from voters.reconciliation.services import reconcile

    setup = time.perf_counter() - started
    election = Election.objects.get(code=ELECTION)
    facility = Facility.objects.get(code=FACILITY)
    clock = time.perf_counter()
    run = reconcile(election=election, facility=facility, today=dt.date.fromisoformat(today))
    seconds = time.perf_counter() - clock
    print(json.dumps({"seconds": seconds, "django_setup": setup, **describe(run)}))


def describe(run):
    layers = Counter()
    for category, match_layer, ref in run.items.values_list("category", "match_layer", "ref"):
        if match_layer:
            layers[f"{category}/list:{match_layer}"] += 1
        if ref:
            layers[f"{category}/ref:{ref.get('layer')}"] += 1
    return {
        "run": run.pk,
        "status": run.status,
        "error": run.error,
        "timings": run.timings,
        "counts": run.counts,
        "inputs": run.inputs,
        "layers": dict(sorted(layers.items())),
    }


def child_describe(run_id):
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tpskhusus.settings")
    django.setup()
    from voters.models import ReconciliationRun

    print(json.dumps(describe(ReconciliationRun.objects.get(pk=run_id))))


def me(*args):
    return [sys.executable, str(Path(__file__).resolve()), *map(str, args)]


# -- the run --------------------------------------------------------------------------------------


def manage(env, *args):
    return child([sys.executable, "manage.py", *map(str, args)], env)


def reconcile_command(env, today):
    """``manage.py reconcile`` of the bench facility on ``today``, with its JSON summary."""
    return manage(env, "reconcile", "--election", ELECTION, "--facility", FACILITY,
                  "--today", today, "--json")  # fmt: skip


def prepare(url, env, inmates, lists):
    import psycopg
    from psycopg import sql

    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    with psycopg.connect(url) as conn:
        version = conn.execute("SHOW server_version").fetchone()[0]
    manage(env, "migrate", "-v", "0")
    manage(env, "add_facility", FACILITY, "--name", "Rutan Kelas IIB Blora", "--region", "33.16")
    manage(
        env,
        "add_election",
        ELECTION,
        "--name",
        "Pemilihan Serentak 2024",
        "--type",
        "pilkada",
        "--polling-date",
        POLLING.isoformat(),
        "--region",
        "33.16",
    )
    manage(env, "add_tps", ELECTION, FACILITY, "901", "--capacity", "600")
    work = OUT / "reconcile"
    work.mkdir(parents=True, exist_ok=True)
    path = work / "sdp_rutan_blora.csv"
    write_inmates(path, inmates)
    print(manage(env, "import_inmates", path, "--facility", FACILITY)[2].strip())
    for seed, (kind, entries) in enumerate(lists.items()):
        path = work / f"tps901_{kind.lower()}.csv"
        write_list(path, entries, seed)
        print(
            manage(
                env,
                "import_voter_list",
                path,
                "--election",
                ELECTION,
                "--tps",
                "901",
                "--kind",
                kind,
            )[2].strip()
        )
    return version


def best(runs):
    return min(runs, key=lambda run: run["seconds"])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,700000,2000000")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--inmates", type=int, default=2000)
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/tpskhusus_bench_rec"
    )
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        mode, *rest = args.child
        if mode == "service":
            child_service(rest[0])
        else:
            child_describe(int(rest[0]))
        return 0

    url = args.database_url
    env = {"DATABASE_URL": url, "DEBUG": "True"}
    sizes = [int(s) for s in args.sizes.split(",")]
    inmates, lists, spliced = build_world(args.inmates)
    results = {"machine": machine(), "inmates": len(inmates),
               "entries": {k: len(v) for k, v in lists.items()}, "spliced": len(spliced),
               "sizes": {}}  # fmt: skip
    results["postgresql"] = prepare(url, env, inmates, lists)
    day = 0
    try:
        for size in sizes:
            path = OUT / "reconcile" / f"reference_{size}.csv"
            if not path.exists():
                write_reference(path, size, spliced)
            load_s, load_rss, out = manage(
                env, "import_reference_dpt", path, "--election", ELECTION
            )
            print(out.strip())
            runs = {"service": [], "command": []}
            for _round in range(args.rounds):
                day += 1
                today = dt.date(2024, 11, 1) + dt.timedelta(days=day % 18)
                seconds, rss, out = child(me("--child", "service", today), env)
                runs["service"].append({**json.loads(out), "rss_mib": rss, "wall": seconds,
                                        "load": os.getloadavg()[0]})  # fmt: skip
                day += 1
                today = dt.date(2024, 11, 1) + dt.timedelta(days=day % 18)
                seconds, rss, out = reconcile_command(env, today)
                run_id = json.loads(out)["run"]
                described = json.loads(child(me("--child", "describe", run_id), env)[2])
                runs["command"].append({"seconds": seconds, "rss_mib": rss, **described,
                                        "load": os.getloadavg()[0]})  # fmt: skip
                print(
                    size,
                    {k: round(v[-1]["seconds"], 2) for k, v in runs.items()},
                    runs["service"][-1]["timings"],
                    f"load {os.getloadavg()[0]:.2f}",
                )
            # The same inputs again: the outcome of the previous run is copied.
            seconds, rss, out = reconcile_command(env, today)
            results["sizes"][size] = {
                "reference_load_s": load_s, "reference_load_rss_mib": load_rss,
                "runs": runs, "reuse": {"seconds": seconds, "rss_mib": rss},
            }  # fmt: skip
    finally:
        if not args.keep:
            import psycopg
            from psycopg import sql

            base, name = url.rsplit("/", 1)
            with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
                conn.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
                )
    results["machine_after"] = {"load_average": os.getloadavg()}
    OUT.mkdir(exist_ok=True)
    (OUT / "reconcile.json").write_text(json.dumps(results, indent=2, default=str))
    report(results, args.rounds)
    return 0


def report(results, rounds):
    print()
    print(
        f"| reference rows | service s (best of {rounds}) | load_s | classify_s | write_s | "
        "rows loaded | command s | peak RSS service / command | load avg |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for size, data in results["sizes"].items():
        service, command = best(data["runs"]["service"]), best(data["runs"]["command"])
        t = service["timings"]
        rss_s = max(r["rss_mib"] for r in data["runs"]["service"])
        rss_c = max(r["rss_mib"] for r in data["runs"]["command"])
        print(
            f"| {int(size):,} | {service['seconds']:.2f} | {t['load_s']:.2f} | "
            f"{t['classify_s']:.2f} | {t['write_s']:.2f} | {t['reference_rows_loaded']:,} | "
            f"{command['seconds']:.2f} | {rss_s:.0f} / {rss_c:.0f} MiB | {service['load']:.2f} |"
        )
    last = list(results["sizes"].values())[-1]
    print()
    print("categories:", json.dumps(best(last["runs"]["service"])["counts"]))
    print("layers:", json.dumps(best(last["runs"]["service"])["layers"]))
    print(json.dumps(results["machine"]))


if __name__ == "__main__":
    sys.exit(main())
