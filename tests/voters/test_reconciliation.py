"""Reconciliation end to end through the contract commands, on realistic, messy data."""

import csv
import json
import re
from io import StringIO

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from voters.models import (
    AuditEvent,
    Inmate,
    ReconciliationItem,
    ReconciliationRun,
    ReviewDecision,
)
from voters.reconciliation.services import change_rows, decide, reconcile
from voters.rules import wilayah

pytestmark = pytest.mark.django_db

TODAY = "2024-11-15"

INMATES = (
    "no_registrasi;nama;nik;tanggal_lahir;jenis_kelamin;status_perkawinan;kode_wilayah;"
    "register;tanggal_masuk;tanggal_bebas;tanggal_keluar;jenis_keluar;blok\n"
) + """A.01;BUDI SANTOSO;3316011505800001;15-05-1980;L;S;33.16.01;A.II;01-09-2024;;;;A
A.02;SITI AMINAH BINTI SALIM;3316014206850002;02-06-1985;P;S;33.16.01;A.II;01-09-2024;;;;B
A.03;SUDAH BEBAS;3316010101700003;01-01-1970;L;S;33.16.01;B.I;01-01-2024;;10-11-2024;bebas;A
A.04;BEBAS MINGGU DEPAN;3316010202750004;02-02-1975;L;S;33.16.01;B.I;01-01-2024;20-11-2024;;;A
A.05;ANAK MUDA;3316010303100005;03-03-2010;L;B;33.16.01;A.II;01-10-2024;;;;C
A.06;ORANG JAKARTA;3171010404800006;04-04-1980;L;S;31.71.01;A.II;01-10-2024;;;;C
A.07;DOBEL TERDAFTAR;3316010505800007;05-05-1980;L;S;33.16.01;B.I;01-01-2024;;;;A
A.08;TANPA NIK;;06-06-1990;L;S;33.16.01;A.I;01-11-2024;;;;D
A.09;PINDAHAN BARU;3316010707900009;07-07-1990;L;S;33.16.02;A.I;05-11-2024;;;;D
A.10;BELUM ADA DI DPT;3316010808900010;08-08-1990;L;S;33.16.03;A.I;05-11-2024;;;;D
A.12;ORANG REMBANG;3317011212800012;12-12-1980;L;S;33.17.01;B.I;01-01-2024;;;;E
"""

DPT = """NO;NIK;NAMA;TEMPAT LAHIR;TANGGAL LAHIR;JENIS KELAMIN;STATUS PERKAWINAN;TPS
1;3316011505800001;BUDI SANTOSO;BLORA;15-05-1980;L;S;901
2;331601**********;SITI AMINAH;BLORA;02-06-1985;P;S;901
3;3316010101700003;SUDAH BEBAS;BLORA;01-01-1970;L;S;901
4;3316010505800007;DOBEL TERDAFTAR;BLORA;05-05-1980;L;S;901
5;3399990909990099;ORANG ASING;BLORA;09-09-1999;L;B;901
6;3317011212800012;ORANG REMBANG;REMBANG;12-12-1980;L;S;901
"""

DPTB = """NIK,NAMA,TGL LAHIR,L/P,TPS
3316010505800007,DOBEL TERDAFTAR,05/05/1980,L,901
"""

REFERENCE = """NIK;NAMA;TANGGAL LAHIR;JENIS KELAMIN;KELURAHAN;KECAMATAN;TPS
3316010707900009;PINDAHAN BARU;07-07-1990;L;JEPON;JEPON;005
3316019999990001;ORANG LAIN;01-01-1999;L;BLORA;BLORA;001
"""


def write(tmp_path, name, text, encoding="utf-8-sig"):
    path = tmp_path / name
    path.write_text(text, encoding=encoding)
    return str(path)


def quiet(*args):
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.fixture
def loaded(tmp_path, db):
    quiet("add_facility", "RUTAN-BLORA", "--name", "Rutan Kelas IIB Blora", "--region", "33.16")
    quiet("add_election", "PILKADA2024", "--name", "Pemilihan Serentak 2024", "--type",
          "pilkada", "--polling-date", "2024-11-27", "--region", "33.16")
    quiet("add_tps", "PILKADA2024", "RUTAN-BLORA", "901")
    quiet("import_inmates", write(tmp_path, "sdp.csv", INMATES), "--facility", "RUTAN-BLORA")
    quiet("import_voter_list", write(tmp_path, "dpt.csv", DPT), "--election", "PILKADA2024",
          "--tps", "901", "--kind", "DPT")
    quiet("import_voter_list", write(tmp_path, "dptb.csv", DPTB), "--election", "PILKADA2024",
          "--tps", "901", "--kind", "DPTB")
    quiet("import_reference_dpt", write(tmp_path, "ref.csv", REFERENCE), "--election",
          "PILKADA2024")
    return tmp_path


def by_name(rows):
    return {row["nama"]: row for row in rows}


def export_csv(tmp_path):
    out = tmp_path / "hasil.csv"
    quiet("export_reconciliation", "--election", "PILKADA2024", "--facility", "RUTAN-BLORA",
          "--format", "csv", "-o", str(out), "--today", TODAY)
    with out.open(encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle))


def test_every_person_gets_exactly_one_category_in_contract_order(loaded):
    rows = by_name(export_csv(loaded))
    expect = {
        "BUDI SANTOSO": ("TERDAFTAR", "GUB;BUP", "DPT"),
        "SITI AMINAH BINTI SALIM": ("PERLU_PERIKSA", None, None),
        "SUDAH BEBAS": ("KELUAR", "", "DPT"),
        "BEBAS MINGGU DEPAN": ("KELUAR", "", ""),
        "ANAK MUDA": ("TMS", "", ""),
        "ORANG JAKARTA": ("LUAR_WILAYAH", "", ""),
        "DOBEL TERDAFTAR": ("GANDA", None, None),
        "TANPA NIK": ("PEREKAMAN", "GUB;BUP", ""),
        "PINDAHAN BARU": ("USUL_DPTB", "GUB;BUP", ""),
        "BELUM ADA DI DPT": ("BELUM_TERDAFTAR", "GUB;BUP", ""),
        "ORANG ASING": ("TIDAK_DIKENAL", "", "DPT"),
        "ORANG REMBANG": ("TERDAFTAR", "GUB", "DPT"),
    }
    for name, (category, ballots, daftar) in expect.items():
        row = rows[name]
        assert row["kategori"] == category, (name, row)
        if ballots is not None:
            assert row["surat_suara"] == ballots, (name, row)
        if daftar is not None:
            assert row["daftar"] == daftar, (name, row)
        assert row["alasan"], name
    assert len(rows) == len(expect)
    assert rows["BUDI SANTOSO"]["nik"] == "3316011505800001"  # the system writes it in full
    assert list(export_csv(loaded)[0]) == [
        "kategori", "no_registrasi", "nik", "nama", "tanggal_lahir", "jenis_kelamin", "daftar",
        "tps", "surat_suara", "alasan", "tindakan"]


def test_reconcile_prints_counts_as_json(loaded):
    data = json.loads(quiet("reconcile", "--election", "PILKADA2024", "--facility",
                            "RUTAN-BLORA", "--today", TODAY, "--json"))
    categories = data["categories"]
    assert categories["TERDAFTAR"] == 2 and categories["KELUAR"] == 2
    assert sum(categories.values()) == 12


def test_the_dptb_proposal_is_judged_against_h7(loaded):
    run = reconcile(election=_election(), facility=_facility(), today=_date("2024-11-15"))
    item = run.items.get(category="USUL_DPTB")
    assert item.ref["tps"] in ("005", "5")
    assert "20-11-2024" in item.deadline_note
    late = reconcile(election=_election(), facility=_facility(), today=_date("2024-11-22"))
    note = late.items.get(nama="PINDAHAN BARU").deadline_note
    assert "lewat" in note


def test_running_twice_on_the_same_inputs_gives_the_same_state(loaded):
    first = reconcile(election=_election(), facility=_facility(), today=_date(TODAY))
    second = reconcile(election=_election(), facility=_facility(), today=_date(TODAY))
    assert second.reused_from_id == first.pk
    assert second.counts == first.counts
    assert _snapshot(second) == _snapshot(first)


def test_two_runs_of_the_same_election_and_facility_never_overlap(loaded):
    a = ReconciliationRun.objects.create(election=_election(), facility=_facility(),
                                         today=_date(TODAY), status="running")
    with pytest.raises(IntegrityError), transaction.atomic():
        ReconciliationRun.objects.create(election=_election(), facility=_facility(),
                                         today=_date(TODAY), status="running")
    with pytest.raises(CommandError, match="sedang berjalan"):
        quiet("reconcile", "--election", "PILKADA2024", "--facility", "RUTAN-BLORA")
    assert a.status == "running"


def test_an_accepted_match_holds_across_runs_until_its_inputs_change(loaded, operator_blora):
    run = reconcile(election=_election(), facility=_facility(), today=_date(TODAY))
    item = run.items.get(category="PERLU_PERIKSA")
    decide(item=item, verdict="accept", user=operator_blora, note="cek KTP")
    after = reconcile(election=_election(), facility=_facility(), today=_date(TODAY))
    assert after.items.get(nama__startswith="SITI").category == "TERDAFTAR"
    # the KPU re-sends the same list: new rows, same content, the decision still holds
    quiet("import_voter_list", write(loaded, "dpt2.csv", DPT), "--election", "PILKADA2024",
          "--tps", "901", "--kind", "DPT")
    again = reconcile(election=_election(), facility=_facility(), today=_date(TODAY))
    assert again.items.get(nama__startswith="SITI").category == "TERDAFTAR"
    # the inmate's birth date is corrected: the decision no longer applies
    Inmate.objects.filter(nama__startswith="SITI").update(tanggal_lahir="1985-06-03")
    changed = reconcile(election=_election(), facility=_facility(), today=_date(TODAY))
    categories = set(changed.items.filter(nama__contains="SITI").values_list("category",
                                                                            flat=True))
    assert "TERDAFTAR" not in categories


def test_a_rejected_match_makes_the_entry_unknown(loaded, operator_blora):
    run = reconcile(election=_election(), facility=_facility(), today=_date(TODAY))
    decide(item=run.items.get(category="PERLU_PERIKSA"), verdict="reject", user=operator_blora)
    after = reconcile(election=_election(), facility=_facility(), today=_date(TODAY))
    categories = set(after.items.filter(nama__contains="SITI").values_list("category",
                                                                          flat=True))
    assert "PERLU_PERIKSA" not in categories and "TIDAK_DIKENAL" in categories


def test_changes_since_the_last_run_name_who_arrived_and_who_changed(loaded, tmp_path):
    reconcile(election=_election(), facility=_facility(), today=_date(TODAY))
    newcomer = INMATES.splitlines()[0] + "\n" + \
        "A.20;BARU DATANG;3316011010900020;10-10-1990;L;S;33.16.01;A.I;14-11-2024;;;;D\n"
    quiet("import_inmates", write(tmp_path, "sdp2.csv", newcomer), "--facility", "RUTAN-BLORA")
    run = reconcile(election=_election(), facility=_facility(), today=_date(TODAY))
    arrivals = [c for c in change_rows(run) if c["from"] is None]
    assert [a["nama"] for a in arrivals] == ["BARU DATANG"]


def test_the_xlsx_export_has_the_same_rows_and_escapes_formulas(loaded, tmp_path):
    Inmate.objects.filter(nama="BUDI SANTOSO").update(nama="=HYPERLINK(\"http://x\")")
    out = tmp_path / "hasil.xlsx"
    quiet("export_reconciliation", "--election", "PILKADA2024", "--facility", "RUTAN-BLORA",
          "--format", "xlsx", "-o", str(out), "--today", TODAY)
    sheet = openpyxl.load_workbook(out).active
    header = [c.value for c in sheet[1]]
    assert header[:3] == ["kategori", "no_registrasi", "nik"]
    values = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    assert len(values) == 12
    names = [row[3] for row in values]
    assert "'=HYPERLINK(\"http://x\")" in names
    niks = [row[2] for row in values if row[2]]
    assert all(isinstance(n, str) for n in niks)
    assert AuditEvent.objects.filter(action="export").count() >= 1


def test_the_kpu_exports_keep_their_layouts(loaded, tmp_path):
    for kind in ("a-daftar-pemilih-loksus", "pindah-memilih", "keluar"):
        out = tmp_path / f"{kind}.csv"
        quiet("export_reconciliation", "--election", "PILKADA2024", "--facility", "RUTAN-BLORA",
              "--format", "csv", "-o", str(out), "--today", TODAY, "--kind", kind)
        rows = list(csv.DictReader(out.open(encoding="utf-8-sig")))
        if kind == "pindah-memilih":
            assert [r["NAMA"] for r in rows] == ["PINDAHAN BARU"]
            assert rows[0]["TPS TUJUAN"] == "901"
            # What Formulir Model A-Surat Pindah Memilih needs (issue 17): the origin down to
            # the TPS, a column for the Tanda Bukti Terdaftar, the deadline as a date.
            assert rows[0]["PROVINSI ASAL"] == "JAWA TENGAH"
            assert rows[0]["KABUPATEN/KOTA ASAL"] == "KABUPATEN BLORA"
            assert (rows[0]["KECAMATAN ASAL"], rows[0]["TPS ASAL"]) == ("JEPON", "5")
            # The KPU's forms write dates dd-mm-yyyy in their CSV too (issue 17).
            assert rows[0]["BATAS WAKTU"] == "20-11-2024"
            assert "NO. MODEL A-TANDA BUKTI TERDAFTAR" in rows[0]
        if kind == "keluar":
            assert [r["NAMA"] for r in rows] == ["SUDAH BEBAS"]
        if kind == "a-daftar-pemilih-loksus":
            names = {r["NAMA"] for r in rows}
            assert "BUDI SANTOSO" in names and "SUDAH BEBAS" not in names
            assert "ANAK MUDA" not in names
            # The KPU's own marks only (issue 17): nothing internal such as "B (USUL_DPTB)".
            marks = {r["NAMA"]: r["KETERANGAN"] for r in rows}
            assert set(marks.values()) <= {"✓", "U", "B", "TMS 2"}, marks
            assert marks["BUDI SANTOSO"] == "✓" and marks["PINDAHAN BARU"] == "B"
            born = [r["TANGGAL LAHIR"] for r in rows if r["TANGGAL LAHIR"]]
            assert born and all(re.fullmatch(r"\d\d-\d\d-\d{4}", b) for b in born), born
            assert {r["STATUS KTP-EL"] for r in rows} <= {"S", "B", ""}


def test_the_pages_show_the_run_the_queue_and_mask_for_observers(
        loaded, operator_blora, observer_blora, client_for, django_capture_on_commit_callbacks):
    client = client_for(operator_blora)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("reconciliation_start"), {"pemilihan": "PILKADA2024"})
    run = ReconciliationRun.objects.latest("pk")
    assert run.status == "done"
    assert response.url == reverse("reconciliation_run", args=[run.pk])
    page = client.get(response.url).content.decode()
    assert "TERDAFTAR" in page and "BUDI SANTOSO" in page
    queue = client.get(reverse("reconciliation_review")).content.decode()
    assert "SITI AMINAH" in queue and "Orang yang sama" in queue
    item = run.items.get(category="PERLU_PERIKSA")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("reconciliation_decide", args=[item.pk]),
                    {"verdict": "accept", "note": "sama"})
    assert ReviewDecision.objects.get().decided_by == operator_blora
    observer_page = client_for(observer_blora).get(response.url).content.decode()
    assert "3316011505800001" not in observer_page and "331601**********" in observer_page
    export = client.get(reverse("reconciliation_export", args=[run.pk, "rekonsiliasi", "csv"]))
    assert export.status_code == 200
    assert client_for(observer_blora).get(
        reverse("reconciliation_export", args=[run.pk, "rekonsiliasi", "csv"])).status_code == 403


def _snapshot(run):
    return list(ReconciliationItem.objects.filter(run=run).order_by("position").values_list(
        "category", "nama", "daftar", "surat_suara", "alasan"))


def _election():
    from voters.models import Election

    return Election.objects.get(code="PILKADA2024")


def _facility():
    from voters.models import Facility

    return Facility.objects.get(code="RUTAN-BLORA")


def _date(text):
    import datetime as dt

    return dt.date.fromisoformat(text)


@pytest.fixture
def operator_blora(loaded):
    from conftest import make_user

    return make_user("olga", "operator", _facility())


@pytest.fixture
def observer_blora(loaded):
    from conftest import make_user

    return make_user("obi", "observer", _facility())


def test_an_import_from_the_browser_queues_a_reconciliation(
        db, operator, tps901, client_for, django_capture_on_commit_callbacks, settings):
    import datetime as dt

    from django.core.files.uploadedfile import SimpleUploadedFile

    from voters.models import Election, ImportBatch

    Election.objects.filter(pk=tps901.election_id).update(
        polling_date=dt.date.today() + dt.timedelta(days=30))
    client = client_for(operator)
    with django_capture_on_commit_callbacks(execute=True):  # the preview job
        client.post(reverse("roster_import"), {"file": SimpleUploadedFile(
            "sdp.csv", INMATES.encode())})
    batch = ImportBatch.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("roster_import_confirm", args=[batch.pk]))
    run = ReconciliationRun.objects.get()
    assert run.trigger == "import" and run.status == "done"


def test_a_redelivered_run_takes_over_its_own_stale_row(loaded):
    """A worker died mid-run; its message comes back once the row's heartbeat is stale. The
    run must take itself over (not sweep itself as dead) and end as one clean run."""
    import datetime as dt

    import time_machine
    from django.utils import timezone

    from voters.reconciliation.services import create_run, execute_run

    clean = reconcile(election=_election(), facility=_facility(), today=_date(TODAY))
    expected = (clean.counts, _snapshot(clean))
    clean.delete()  # so that the run below computes afresh instead of copying it
    run = create_run(election=_election(), facility=_facility(), today=_date(TODAY))
    assert run.claim()  # the worker that dies
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=30), tick=False):
        execute_run(run.pk)
    run.refresh_from_db()
    assert (run.status, run.attempts, run.reused_from_id) == ("done", 2, None), run.error
    assert (run.counts, _snapshot(run)) == expected


# -- one decision in force per pairing (issue 19, item 13) ----------------------------------


def _decision(**changes):
    item = ReviewDecision.objects.latest("pk")
    values = {f: getattr(item, f) for f in (
        "election_id", "facility_id", "inmate_id", "entry_fingerprint", "inmate_fingerprint")}
    return ReviewDecision(**{**values, "verdict": "accept", **changes})


def test_the_database_refuses_two_decisions_in_force_for_one_pairing(loaded, operator_blora):
    run = reconcile(election=_election(), facility=_facility(), today=_date(TODAY))
    decide(item=run.items.get(category="PERLU_PERIKSA"), verdict="accept", user=operator_blora)
    with pytest.raises(IntegrityError), transaction.atomic():
        _decision().save()
    from django.utils import timezone

    _decision(superseded_at=timezone.now()).save()  # superseded ones may be many


def test_a_second_accept_of_the_same_item_is_already_decided_and_queues_nothing(
        loaded, operator_blora, client_for, django_capture_on_commit_callbacks):
    run = reconcile(election=_election(), facility=_facility(), today=_date(TODAY))
    item = run.items.get(category="PERLU_PERIKSA")
    client = client_for(operator_blora)
    url = reverse("reconciliation_decide", args=[item.pk])
    queued = ReconciliationRun.objects.count()
    with django_capture_on_commit_callbacks() as first:
        client.post(url, {"verdict": "accept"})
    with django_capture_on_commit_callbacks() as second:
        page = client.post(url, {"verdict": "accept"}, follow=True).content.decode()
    assert "sudah diputuskan" in page and "olga" in page
    assert ReviewDecision.objects.filter(superseded_at__isnull=True).count() == 1
    assert ReconciliationRun.objects.count() == queued + 1
    assert (len(first), len(second)) == (1, 0)
    # A different verdict on this (older) item is refused too: the decision came after it.
    client.post(url, {"verdict": "reject"})
    assert ReviewDecision.objects.get().verdict == "accept"


def test_a_verdict_changed_on_a_newer_item_supersedes_the_one_in_force(loaded, operator_blora):
    run = reconcile(election=_election(), facility=_facility(), today=_date(TODAY))
    first = decide(item=run.items.get(category="PERLU_PERIKSA"), verdict="reject",
                   user=operator_blora)
    # the decision makes the pairing unknown; an item of a newer run may still name it
    newer = reconcile(election=_election(), facility=_facility(), today=_date(TODAY))
    item = run.items.get(category="PERLU_PERIKSA")
    item.pk, item.run = None, newer
    item.save()
    second = decide(item=item, verdict="accept", user=operator_blora)
    first.refresh_from_db()
    assert first.superseded_at is not None and second.superseded_at is None


@pytest.mark.django_db(transaction=True)  # the constraint is dropped and put back
def test_the_migration_keeps_the_newest_of_duplicate_decisions_in_force(
        loaded, operator_blora):
    import importlib
    from datetime import timedelta

    from django.apps import apps

    run = reconcile(election=_election(), facility=_facility(), today=_date(TODAY))
    kept = decide(item=run.items.get(category="PERLU_PERIKSA"), verdict="accept",
                  user=operator_blora)
    with connection_without_constraint():
        older = _decision(decided_at=kept.decided_at - timedelta(minutes=1))
        older.save()
        migration = importlib.import_module("voters.migrations.0009_review_one_active_decision")
        migration.supersede_duplicates(apps, None)
    older.refresh_from_db()
    kept.refresh_from_db()
    assert older.superseded_at == kept.decided_at and kept.superseded_at is None


def connection_without_constraint():
    """Drop the constraint for the block (as in a database from before the migration)."""
    import contextlib

    @contextlib.contextmanager
    def block():
        constraint = next(c for c in ReviewDecision._meta.constraints
                          if c.name == "voters_review_one_active_decision")
        with connection.schema_editor() as editor:
            editor.remove_constraint(ReviewDecision, constraint)
        try:
            yield
        finally:
            with connection.schema_editor() as editor:
                editor.add_constraint(ReviewDecision, constraint)

    return block()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent sessions")
@pytest.mark.django_db(transaction=True)
def test_six_concurrent_accepts_leave_one_decision_and_queue_one_run(loaded, operator_blora):
    import threading
    from unittest import mock

    from voters.reconciliation.services import AlreadyDecided
    from voters.tasks import reconcile_task

    assert connection.vendor == "postgresql"
    run = reconcile(election=_election(), facility=_facility(), today=_date(TODAY))
    item = run.items.get(category="PERLU_PERIKSA")
    runs_before = ReconciliationRun.objects.count()
    start, lock = threading.Barrier(6), threading.Lock()
    outcomes, queued = [], []

    def accept():
        from django.db import connection as own

        try:
            start.wait()
            decide(item=item, verdict="accept", user=operator_blora)
            outcome = "decided"
        except AlreadyDecided:
            outcome = "already"
        except Exception as exc:  # noqa: BLE001 - reported below
            outcome = repr(exc)
        finally:
            own.close()
        with lock:
            outcomes.append(outcome)

    def count(run_id):
        with lock:
            queued.append(run_id)

    with mock.patch.object(reconcile_task, "delay", side_effect=count):
        threads = [threading.Thread(target=accept) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    assert sorted(outcomes) == ["already"] * 5 + ["decided"], outcomes
    assert ReviewDecision.objects.filter(superseded_at__isnull=True).count() == 1
    assert ReviewDecision.objects.count() == 1
    assert len(queued) == 1
    assert ReconciliationRun.objects.count() == runs_before + 1


def test_a_runs_exports_do_not_change_when_the_roster_changes_after_it(loaded, tmp_path):
    from voters.reconciliation.exports import EXPORTS, write_export

    run = reconcile(election=_election(), facility=_facility(), today=_date(TODAY))

    def exports():
        files = {}
        for kind in EXPORTS:
            path = tmp_path / f"{kind}.csv"
            write_export(run=run, kind=kind, fmt="csv", path=path)
            files[kind] = path.read_text(encoding="utf-8-sig")
        return files

    before = exports()
    assert "PINDAHAN BARU" in before["pindah-memilih"]
    assert "BUDI SANTOSO" in before["a-daftar-pemilih-loksus"]
    for inmate in Inmate.objects.filter(no_registrasi__in=["A.01", "A.09"]):
        inmate.nama = inmate.nama + " DIUBAH"
        inmate.nik, inmate.nik_format = "", "blank"
        inmate.no_kk, inmate.tempat_lahir, inmate.alamat = "3316010000000099", "DEMAK", "JALAN LAIN"
        inmate.tanggal_lahir = inmate.tanggal_lahir.replace(year=1960)
        inmate.jenis_kelamin, inmate.status_perkawinan = "P", "P"
        inmate.kode_wilayah, inmate.register = "33.21.01", "B.I"
        inmate.save()
    Inmate.objects.get(no_registrasi="A.10").delete()
    assert exports() == before


def test_the_model_a_export_splits_rt_and_rw_out_of_the_address(loaded, tmp_path):
    Inmate.objects.filter(nama="BUDI SANTOSO").update(alamat="DUSUN 2 RT 003/RW 001")
    out = tmp_path / "loksus.csv"
    quiet("export_reconciliation", "--election", "PILKADA2024", "--facility", "RUTAN-BLORA",
          "--format", "csv", "-o", str(out), "--today", TODAY, "--kind",
          "a-daftar-pemilih-loksus")
    row = next(r for r in csv.DictReader(out.open(encoding="utf-8-sig"))
               if r["NAMA"] == "BUDI SANTOSO")
    assert (row["ALAMAT"], row["RT"], row["RW"]) == ("DUSUN 2", "003", "001")
    # The A1.DP-1 sheet's place columns, from the KTP-el address's region code.
    code = Inmate.objects.get(nama="BUDI SANTOSO").kode_wilayah
    assert code.startswith("33.16.")
    assert (row["KECAMATAN"], row["KAB/KOTA"]) == (
        wilayah.name(wilayah.district_of(code)).upper(), "KABUPATEN BLORA")


def test_the_model_a_export_carries_the_kpu_lists_disability_code(loaded, tmp_path):
    """DISABILITAS (code 1-6) comes from the KPU list entry the voter was paired with; the
    roster has none, so an unlisted voter's stays blank (issue 17)."""
    from voters.models import ListEntry

    ListEntry.objects.filter(nama="BUDI SANTOSO").update(disabilitas=2)
    out = tmp_path / "model-a.csv"
    quiet("export_reconciliation", "--election", "PILKADA2024", "--facility", "RUTAN-BLORA",
          "--format", "csv", "-o", str(out), "--today", TODAY, "--kind",
          "a-daftar-pemilih-loksus")
    rows = {r["NAMA"]: r for r in csv.DictReader(out.open(encoding="utf-8-sig"))}
    assert rows["BUDI SANTOSO"]["DISABILITAS"] == "2"
    assert {r["DISABILITAS"] for name, r in rows.items() if name != "BUDI SANTOSO"} == {""}
