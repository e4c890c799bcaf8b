"""Write what every CONTRACT.md command and the demo's pages produce, to compare two versions.

    .venv/bin/python tests/contract_outputs.py OUT_DIR
    diff -r before/ after/

It builds a fresh SQLite database in a temporary folder, with the clock frozen, runs the contract
commands on the sample files of ../shared/data/samples and on the demo, and writes each command's
summary line, each export (CSV as text, XLSX as rows), each PDF's page count and text, and the HTML
of the demo's pages for every role (tokens and nonces blanked). Used for the redesign of issue 14:
a move of code must leave every file here unchanged. Not a test: it takes about a minute.
"""

import io
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT.parent / "shared" / "data" / "samples"
NOW = "2026-11-02 09:00:00+07:00"


def main(out):
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="tpsk-contract-"))
    os.environ.update(
        DJANGO_SETTINGS_MODULE="tpskhusus.settings",
        DATABASE_URL=f"sqlite:///{tmp / 'db.sqlite3'}",
        PRIVATE_ROOT=str(tmp / "private"),
        DEBUG="True",
        CELERY_BROKER_URL="",
        LOG_LEVEL="ERROR",
        ALLOWED_HOSTS="testserver,localhost",
    )
    sys.path.insert(0, str(ROOT))
    import time_machine

    with time_machine.travel(NOW, tick=False):
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        run = Runner(out, tmp)
        run.contract_on_samples()
        run.demo()
        run.pages()
    print(f"written to {out}")


class Runner:
    def __init__(self, out, tmp):
        self.out, self.tmp = out, tmp
        self.log = []

    def cmd(self, command, *args, **kwargs):
        from django.core.management import call_command
        from django.core.management.base import CommandError

        stdout, stderr = io.StringIO(), io.StringIO()
        try:
            call_command(command, *args, stdout=stdout, stderr=stderr, **kwargs)
            status = "ok"
        except CommandError as exc:
            status = f"error: {exc}"
        text = stdout.getvalue() + stderr.getvalue()
        line = f"$ {command} {' '.join(map(str, args))} {kwargs}\n{status}\n{text}"
        self.log.append(line.replace(str(self.tmp), "TMP"))
        (self.out / "commands.log").write_text("\n".join(self.log))
        return text

    def keep(self, path, label):
        path = Path(path)
        if not path.exists():
            (self.out / f"{label}.missing").write_text("")
            return
        if path.suffix == ".csv":
            (self.out / f"{label}.csv").write_bytes(path.read_bytes())
        elif path.suffix == ".xlsx":
            from python_calamine import CalamineWorkbook

            book = CalamineWorkbook.from_path(str(path))
            rows = []
            for name in book.sheet_names:
                rows.append(f"## {name}")
                rows += ["\t".join(map(str, r)) for r in book.get_sheet_by_name(name).to_python()]
            (self.out / f"{label}.xlsx.txt").write_text("\n".join(rows))
        elif path.suffix == ".pdf":
            from pypdf import PdfReader

            reader = PdfReader(str(path))
            text = subprocess.run(
                ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True
            ).stdout if _has("pdftotext") else "\n".join(p.extract_text() for p in reader.pages)
            (self.out / f"{label}.pdf.txt").write_text(f"pages: {len(reader.pages)}\n{text}")

    def contract_on_samples(self):
        pw = self.tmp / "pw"
        pw.write_text("rahasia-yang-panjang-sekali-2024\n")
        self.cmd("add_facility", "RUTAN-BLORA", name="Rutan Kelas IIB Blora", region="33.16")
        self.cmd("add_facility", "LAPAS-X", name="Lapas Contoh", region="33.16", kind="lapas")
        self.cmd("add_election", "PILKADA2024", name="Pemilihan Serentak 2024", type="pilkada",
                 polling_date="2026-11-27", region="33.16")
        self.cmd("add_tps", "PILKADA2024", "RUTAN-BLORA", "901", capacity=600)
        self.cmd("add_tps", "PILKADA2024", "LAPAS-X", "902")
        self.cmd("add_user", "budi", role="operator", facility="RUTAN-BLORA",
                 password_file=str(pw))
        self.cmd("add_user", "sari", role="kpu", facility="RUTAN-BLORA", password_file=str(pw))
        self.cmd("import_inmates", str(SAMPLES / "sdp_contoh.xlsx"), facility="RUTAN-BLORA")
        self.cmd("import_inmates", str(SAMPLES / "sdp_contoh.xlsx"), facility="RUTAN-BLORA")
        self.cmd("import_voter_list", str(SAMPLES / "dpt_tps901_contoh.csv"),
                 election="PILKADA2024", tps="901", kind="DPT")
        self.cmd("import_voter_list", str(SAMPLES / "dptb_tps901_contoh.xlsx"),
                 election="PILKADA2024", tps="901", kind="DPTB")
        self.cmd("import_reference_dpt", str(SAMPLES / "dpt_kabupaten_contoh.csv"),
                 election="PILKADA2024")
        self.cmd("add_election", "PEMILU2029", name="Pemilu 2029", type="pemilu",
                 polling_date="2029-02-14", region="33.16")
        self.cmd("import_dapil", str(SAMPLES / "dapil_contoh.csv"), election="PEMILU2029")
        for today in ("2026-09-01", "2026-11-02", "2026-11-25"):
            text = self.cmd("reconcile", election="PILKADA2024", facility="RUTAN-BLORA",
                            today=today, json=True)
            (self.out / f"reconcile-{today}.json").write_text(_without_ids(text))
        from voters.reconciliation.exports import EXPORTS

        for kind in sorted(EXPORTS):
            for fmt in ("csv", "xlsx"):
                path = self.tmp / f"{kind}.{fmt}"
                self.cmd("export_reconciliation", election="PILKADA2024", facility="RUTAN-BLORA",
                         format=fmt, output=str(path), kind=kind)
                self.keep(path, f"export-{kind}.{fmt}")
        path = self.tmp / "notices.pdf"
        self.cmd("render_notices", election="PILKADA2024", tps="901", output=str(path))
        self.keep(path, "notices-samples")

    def demo(self):
        self.cmd("demo")
        self.cmd("demo")
        from voters.models import Election

        election = Election.objects.get(code="PILKADA-DEMO")
        text = self.cmd("reconcile", election=election.code, facility="RUTAN-BLORA", json=True)
        (self.out / "reconcile-demo.json").write_text(_without_ids(text))
        path = self.tmp / "demo.csv"
        self.cmd("export_reconciliation", election=election.code, facility="RUTAN-BLORA",
                 format="csv", output=str(path))
        self.keep(path, "export-demo.csv")
        path = self.tmp / "demo.pdf"
        self.cmd("render_notices", election=election.code, tps="901", output=str(path))
        self.keep(path, "notices-demo")

    def pages(self):
        from django.test import Client

        from voters.models import ReconciliationRun, User, VoterList

        runs = ReconciliationRun.objects.filter(election__code="PILKADA-DEMO")
        run = runs.order_by("-pk").first()
        vlist = VoterList.objects.filter(tps__election__code="PILKADA-DEMO").order_by("pk").first()
        urls = ["/", "/wbp/", "/wbp/?eligibility=yes", "/nik/", "/rekonsiliasi/", "/daftar/",
                "/kpps/", "/rapat/", "/istilah/", "/wbp/impor/", "/dpt-rujukan/",
                "/rekonsiliasi/periksa/", "/dukcapil/permintaan/"]
        from voters.models import TPS

        for tps in TPS.objects.filter(election__code="PILKADA-DEMO"):
            urls += [f"/kpps/tps/{tps.pk}/", f"/kpps/tps/{tps.pk}/tanda-terima/",
                     f"/kpps/tps/{tps.pk}/pemungutan/"]
        if run:
            urls.append(f"/rekonsiliasi/{run.pk}/")
        if vlist:
            urls.append(f"/daftar/{vlist.pk}/")
        from voters.models import Inmate

        for inmate in Inmate.objects.order_by("pk")[:3]:
            urls.append(f"/wbp/{inmate.pk}/")
        for username in ("operator", "kpps901", "kpu", "bawaslu", "admin"):
            client = Client()
            client.force_login(User.objects.get(username=username))
            for url in dict.fromkeys(urls):
                response = client.get(url)
                ok = response.status_code == 200
                body = response.content.decode("utf-8", "replace") if ok else ""
                label = re.sub(r"[^a-z0-9]+", "_", url.lower()).strip("_") or "home"
                (self.out / f"page-{username}-{label}.html").write_text(
                    f"status {response.status_code}\n{_normalise(body)}"
                )


def _normalise(html):
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', 'name="csrfmiddlewaretoken"', html)
    html = re.sub(r'nonce="[^"]+"', 'nonce=""', html)
    html = re.sub(r'data-search-token="[^"]+"', 'data-search-token=""', html)
    html = re.sub(r'name="search_token" value="[^"]+"', 'name="search_token"', html)
    return html


def _without_ids(text):
    return re.sub(r'"run(_id)?": \d+', '"run": 0', text)


def _has(program):
    from shutil import which

    return which(program) is not None


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "contract-outputs")
