"""Reconciliation: the roster against the KPU lists, as a job row with its items.

The rules live in voters/rules/ (pure: match.py pairs, classify.py classifies); this module
loads the inputs, runs the rules, writes the result in one transaction and records what
changed since the previous run.

Idempotence: the inputs (roster, lists, reference DPT, decisions, dapil table, date) are
hashed; a run whose inputs equal the last finished run's copies that run's outcome. A run
killed midway leaves its row "running" with a stale heartbeat; the retry takes it over and
writes the items afresh, so the end state is that of one clean run.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import time
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone

from voters.core import audit
from voters.inmates.transfers import overlap_notes
from voters.lists.services import active_reference, dapil_table, nik_number
from voters.models import AuditEvent, Election, Facility, Inmate, User
from voters.reconciliation.exports import inmate_snapshot
from voters.reconciliation.models import ReconciliationItem, ReconciliationRun, ReviewDecision
from voters.reconciliation.selectors import (
    as_matching_election,
    as_matching_entry,
    as_matching_inmate,
    decisions_in_force,
    entry_fingerprint,
    facility_entries,
    inmate_fingerprint,
    staff_roster,
)
from voters.rules import classify as classify_rules
from voters.rules import match
from voters.rules.classify import classify, count_by_category

if TYPE_CHECKING:
    from voters.models import ReferenceDPT

logger = logging.getLogger(__name__)


class ReconciliationBusy(Exception):
    """Another run of the same election and facility is in progress."""


# -- inputs ---------------------------------------------------------------------------------


def _other_entries(election, facility):
    """The entries of the election's TPS lists of other facilities, as reference rows that name
    where they stand: a person found there is proposed for pindah memilih (CONTRACT.md
    USUL_DPTB), e.g. a detainee moved from the Polres cells with a DPTb at their TPS."""
    from voters.models import ListEntry

    rows = (
        ListEntry.objects.filter(voter_list__election=election)
        .exclude(voter_list__tps__facility=facility)
        .select_related("voter_list__tps__facility")
        .order_by("voter_list__tps__number", "voter_list__kind", "position")
    )
    return [
        match.RefEntry(
            id=entry.pk, nik=entry.nik, nama=entry.nama, birth_date=entry.tanggal_lahir,
            sex=entry.jenis_kelamin or "", tps=entry.voter_list.tps.number,
            where=(f"{entry.voter_list.kind} TPS {entry.voter_list.tps.number}"
                   f" ({entry.voter_list.tps.facility.name})"),
        )
        for entry in rows
    ]


class DatabaseReferenceIndex:
    """rules.match.ReferenceIndex over the active reference DPT, loaded in two queries."""

    def __init__(self, reference: ReferenceDPT | None) -> None:
        self.reference = reference
        self._memory = match.MemoryReferenceIndex()
        self.loaded = 0

    def prefetch(self, *, niks: Iterable[str], birth_dates: Iterable[dt.date]) -> None:
        from django.db.models import Q

        from voters.models import ReferenceEntry

        if self.reference is None:
            return
        niks, birth_dates = list(set(niks)), list(set(birth_dates))
        rows = []
        qs = ReferenceEntry.objects.filter(reference=self.reference)
        fields = ("position", "nik", "nama", "tanggal_lahir", "jenis_kelamin", "tps", "kelurahan",
                  "kecamatan", "kode_wilayah")
        for chunk_start in range(0, max(len(niks), len(birth_dates)), 2000):
            niks_chunk = niks[chunk_start:chunk_start + 2000]
            dates_chunk = birth_dates[chunk_start:chunk_start + 2000]
            numbers = [number for n in niks_chunk if (number := nik_number(n)) is not None]
            condition = Q(nik_angka__in=numbers) | Q(tanggal_lahir__in=dates_chunk)
            rows.extend(qs.filter(condition).values_list(*fields))
        seen = set()
        entries = []
        for pk, nik, nama, born, sex, tps, kel, kec, region in rows:
            if pk in seen:
                continue
            seen.add(pk)
            entries.append(match.RefEntry(id=pk, nik=nik, nama=nama, birth_date=born,
                                          sex=sex or "", tps=tps or "", kelurahan=kel or "",
                                          kecamatan=kec or "", region=region or ""))
        self._memory = match.MemoryReferenceIndex(entries)
        self.loaded = len(entries)

    def by_nik(self, nik: str) -> list[match.RefEntry]:
        return self._memory.by_nik(nik)

    def by_visible(self, nik: str, birth_date: dt.date) -> list[match.RefEntry]:
        return self._memory.by_visible(nik, birth_date)

    def by_birth_date(self, birth_date: dt.date) -> list[match.RefEntry]:
        return self._memory.by_birth_date(birth_date)


def _digest(*, election, facility, today, inmates, entries, reference, decisions, dapil,
            staff=(), others=(), notes=None):
    h = hashlib.sha256()
    h.update(f"{election.pk}|{election.polling_date}|{election.region_code}|{election.races}|"
             f"{election.dptb_special_days}|{election.dptb_general_days}|{election.dpt_date}|"
             f"{facility.pk}|{today}".encode())
    for inmate in inmates:
        h.update(f"i{inmate.pk}:{inmate.version}:{inmate.row_hash}:{inmate.nik}:"
                 f"{inmate.tanggal_keluar}:{inmate.tanggal_bebas}:{inmate.hak_pilih_dicabut}:"
                 f"{inmate.nik_status}:{json.dumps(inmate_snapshot(inmate), sort_keys=True)}"
                 .encode())
    for member in staff:
        h.update(f"s{member.nik}:{member.nama}:{member.jabatan}".encode())
    for other in others:
        h.update(f"o{other.id}:{other.nik}:{other.nama}:{other.birth_date}:{other.where}".encode())
    for entry in entries:
        h.update(f"e{entry.pk}:{entry_fingerprint(entry)}".encode())
    h.update(f"r{reference.pk if reference else 0}".encode())
    for d in decisions:
        h.update(f"d{d.inmate_id}:{d.entry_id}:{d.verdict}".encode())
    h.update(json.dumps(dapil, sort_keys=True).encode())
    if notes:
        h.update(json.dumps(notes, sort_keys=True).encode())
    return h.hexdigest()


# -- running --------------------------------------------------------------------------------


class RunInProgress(Exception):
    """A run of the same election and facility is queued or running (``run``: that one)."""

    def __init__(self, run: ReconciliationRun):
        super().__init__(str(run))
        self.run = run


def create_run(*, election: Election, facility: Facility, today: dt.date | None = None,
               user: User | None = None, trigger: str = "manual") -> ReconciliationRun:
    """A queued run row and nothing else: for ``reconcile`` (which runs it in this process) and
    for callers that send its task themselves (the fault drills)."""
    return ReconciliationRun.objects.create(
        election=election, facility=facility, today=today or timezone.localdate(),
        trigger=trigger, created_by=user)


def start_run(*, election: Election, facility: Facility, today: dt.date | None = None,
              user: User | None = None, trigger: str = "manual") -> ReconciliationRun:
    """A queued run whose task is sent once the row is committed (a task never sees a
    rolled-back row)."""
    from voters.tasks import reconcile_task

    run = create_run(election=election, facility=facility, today=today, user=user,
                     trigger=trigger)
    transaction.on_commit(lambda pk=run.pk: reconcile_task.delay(pk))
    return run


def start_manual_run(*, election: Election, facility: Facility, user: User) -> ReconciliationRun:
    """The run a person asks for from the overview page; raises RunInProgress when one of the
    same election and facility is already queued or running (a stale one is replaced)."""
    running = ReconciliationRun.objects.filter(
        election=election, facility=facility, status__in=["queued", "running"]).first()
    if running and not running.is_stale:
        raise RunInProgress(running)
    return start_run(election=election, facility=facility, user=user, trigger="manual")


def execute_run(run_id: int) -> ReconciliationRun:
    """The job: classify and store. Safe to call twice for the same run."""
    run = ReconciliationRun.objects.select_related("election", "facility", "created_by").get(
        pk=run_id)
    # A stale run of the same pair would block the claim (one running run per pair), and this
    # newer run replaces it; this run itself, when stale, is the one a redelivered task takes
    # over. Stale runs of other pairs are left to the sweep, which sends them again once.
    ReconciliationRun.sweep_stale(
        exclude=run.pk, election_id=run.election_id, facility_id=run.facility_id
    )
    try:
        with transaction.atomic():
            claimed = run.claim()
    except IntegrityError:
        run.fail("Rekonsiliasi lain untuk pemilihan dan UPT ini sedang berjalan.")
        raise ReconciliationBusy(str(run)) from None
    if not claimed:
        return run
    try:
        _execute(run)
    except Exception as exc:
        logger.exception("reconciliation %s failed", run.pk)
        run.fail(f"{type(exc).__name__}: {exc}")
        raise
    return run


def _execute(run):
    started = time.perf_counter()
    timings = {}
    election, facility, today = run.election, run.facility, run.today
    run.report(done=0, total=4, message="Memuat data WBP dan daftar")
    inmates = list(Inmate.objects.filter(facility=facility).order_by("nama", "no_registrasi"))
    inmates_by_id = {i.pk: i for i in inmates}
    entries = facility_entries(election, facility)
    reference = active_reference(election)
    dapil = dapil_table(election)
    decisions = decisions_in_force(election=election, facility_id=facility.pk,
                                   inmates_by_id=inmates_by_id, entries=entries)
    staff = staff_roster(facility.pk)
    others = _other_entries(election, facility)
    # Custody overlapping another facility's of the regency: a data error told in alasan.
    notes = overlap_notes(facility, inmates)
    timings["load_s"] = round(time.perf_counter() - started, 3)

    digest = _digest(election=election, facility=facility, today=today, inmates=inmates,
                     entries=entries, reference=reference, decisions=decisions, dapil=dapil,
                     staff=staff, others=others, notes=notes)
    previous = (ReconciliationRun.objects.filter(election=election, facility=facility,
                                                 status=ReconciliationRun.Status.DONE)
                .exclude(pk=run.pk).order_by("-finished_at").first())
    if previous is not None and previous.input_digest == digest:
        _copy_outcome(run, previous, digest, timings, started)
        return

    run.report(done=1, message="Mencocokkan dengan DPT rujukan")
    index = DatabaseReferenceIndex(reference)
    t0 = time.perf_counter()
    results = classify(
        inmates=[as_matching_inmate(i) for i in inmates],
        entries=[as_matching_entry(e) for e in entries],
        reference=index,
        election=as_matching_election(election, dapil),
        today=today,
        decisions=decisions,
        staff=staff,
        others=match.MemoryReferenceIndex(others),
    )
    if notes:
        results = [_with_note(r, notes.get(r.inmate_id)) for r in results]
    timings["classify_s"] = round(time.perf_counter() - t0, 3)
    timings["reference_rows_loaded"] = index.loaded

    run.report(done=2, message="Menyimpan hasil")
    entries_by_id = {e.pk: e for e in entries}
    t0 = time.perf_counter()
    items = [_item(run, n, r, inmates_by_id, entries_by_id) for n, r in enumerate(results, 1)]
    counts = count_by_category(results)
    actions = dict(Counter(r.tindakan for r in results if r.tindakan))
    list_counts = counts_by_list((r.daftar, r.category, 1) for r in results)
    change_summary = {"rows": _diff(previous, items)}
    with transaction.atomic():
        ReconciliationItem.objects.filter(run=run).delete()
        ReconciliationItem.objects.bulk_create(items, batch_size=1000)
        run.counts = counts
        run.actions = actions
        run.list_counts = list_counts
        run.input_digest = digest
        run.inputs = {
            "inmates": len(inmates), "entries": len(entries),
            "reference": reference.pk if reference else None,
            "reference_rows": getattr(reference, "row_count", None),
            "decisions": len(decisions), "dapil_contests": sorted(dapil),
        }
        run.changes = change_summary
        timings["write_s"] = round(time.perf_counter() - t0, 3)
        timings["total_s"] = round(time.perf_counter() - started, 3)
        run.timings = timings
        run.save(update_fields=["counts", "actions", "list_counts", "input_digest", "inputs",
                                "changes", "timings"])
        audit.record(AuditEvent.Action.RECONCILE, user=run.created_by, facility=facility,
                     obj=run, summary=f"Rekonsiliasi {election.code}", detail=counts,
                     row_count=len(items))
    run.report(done=4)
    run.succeed(_summary_text(counts))


def _with_note(result, note):
    """A result with a data error of the roster (``overlap_notes``) added to its alasan."""
    if not note:
        return result
    from dataclasses import replace

    return replace(result, alasan="; ".join(p for p in (result.alasan, note) if p))


def _copy_outcome(run, previous, digest, timings, started):
    """Same inputs as the last run: the outcome is the same; copy it instead of recomputing."""
    items = []
    for item in previous.items.all():
        item.pk = None
        item.run = run
        items.append(item)
    with transaction.atomic():
        ReconciliationItem.objects.filter(run=run).delete()
        ReconciliationItem.objects.bulk_create(items, batch_size=1000)
        run.counts, run.inputs, run.actions = previous.counts, previous.inputs, previous.actions
        run.list_counts = list_counts_of(previous)
        run.input_digest, run.reused_from = digest, previous
        run.changes = {"rows": []}
        timings["total_s"] = round(time.perf_counter() - started, 3)
        run.timings = {**timings, "reused": True}
        run.save(update_fields=["counts", "inputs", "actions", "list_counts", "input_digest",
                                "reused_from", "changes", "timings"])
    run.succeed(_summary_text(run.counts) + " (masukan sama dengan run sebelumnya)")


def counts_by_list(rows: Iterable[tuple[str, str, int]]) -> dict:
    """{list kind: {category: rows}} from (daftar, category, rows) triples; rows from no list
    left out."""
    by_list = {}
    for daftar, category, n in rows:
        if daftar:
            by_list.setdefault(daftar, Counter())[category] += n
    return {kind: dict(counts) for kind, counts in by_list.items()}


def list_counts_of(run: ReconciliationRun) -> dict:
    """The run's rows per list and category: kept on the run since it was made, or counted from
    its items for a run made before that."""
    if run.list_counts is not None:
        return run.list_counts
    return counts_by_list(
        run.items.exclude(daftar="").order_by().values_list("daftar", "category")
        .annotate(n=Count("pk"))
    )


def _summary_text(counts):
    return ", ".join(f"{k} {v}" for k, v in counts.items() if v)


def _item(run, position, result, inmates_by_id, entries_by_id):
    inmate = inmates_by_id.get(result.inmate_id)
    entry = entries_by_id.get(result.entry_ids[0]) if result.entry_ids else None
    person = inmate or entry
    match = result.match
    ref = {}
    if result.ref_match is not None and result.ref_match.ref is not None:
        r = result.ref_match.ref
        ref = {"tps": r.tps, "kelurahan": r.kelurahan, "kecamatan": r.kecamatan,
               "region": r.region, "where": r.where,
               "nama": r.nama, "layer": result.ref_match.layer,
               "score": round(result.ref_match.score, 3), "fields": list(result.ref_match.fields),
               "id": r.id}
    key = f"inmate:{inmate.pk}" if inmate else f"entry:{entry.pk if entry else 0}"
    return ReconciliationItem(
        run=run, position=position, category=result.category, key=key, inmate=inmate,
        entry_ids=list(result.entry_ids), daftar=result.daftar, tps=result.tps,
        surat_suara=result.surat_suara_text, alasan=result.alasan,
        deadline_note=result.deadline_note,
        tindakan=result.tindakan,
        match_layer=match.layer if match else "",
        match_score=round(match.score, 3) if match else None,
        match_fields=list(match.fields) if match else [],
        ref=ref, candidates=list(result.candidates),
        nik=person.nik if person else "", nama=person.nama if person else "",
        no_registrasi=inmate.no_registrasi if inmate else "",
        tanggal_lahir=person.tanggal_lahir if person else None,
        jenis_kelamin=person.jenis_kelamin if person else "",
        inmate_snapshot=inmate_snapshot(inmate) if inmate else {},
    )


PROPOSALS = ("USUL_DPT", "USUL_DPTB")


def tps_load(run: ReconciliationRun) -> list[tuple[str, int, int]]:
    """(number, capacity, voters on its lists) of each TPS of the run's facility and election,
    in number order (901 before 1001): what ``capacity_check`` adds up and the Model A export
    fills with the voters it proposes."""
    from django.db.models import Sum

    from voters.models import TPS

    rows = (TPS.objects.filter(election_id=run.election_id, facility_id=run.facility_id)
            .annotate(listed=Sum("voter_lists__row_count"))
            .values_list("number", "capacity", "listed"))
    return sorted(((number, capacity, listed or 0) for number, capacity, listed in rows),
                  key=lambda row: (len(row[0]), row[0]))


def capacity_check(run: ReconciliationRun) -> dict[str, int] | None:
    """The facility's TPS lists against their capacity, with the run's proposals (USUL_DPT and
    USUL_DPTB rows) added: {capacity, listed, proposed, over_listed, over}. None without TPS."""
    from voters.rules.lists import over_capacity

    load = tps_load(run)
    capacity = sum(row[1] for row in load)
    if not capacity:
        return None
    listed = sum(row[2] for row in load)
    proposed = sum((run.actions or {}).get(code, 0) for code in PROPOSALS)
    return {"capacity": capacity, "listed": listed, "proposed": proposed,
            "over_listed": over_capacity(capacity, listed),
            "over": over_capacity(capacity, listed + proposed)}


def to_do(run: ReconciliationRun) -> list[dict]:
    """The run's rows grouped by tindakan, in the order of the contract's table: for each, the
    label, how many rows and the deadline it races (with the days left from the run's date)."""
    from voters.reconciliation.models import Tindakan
    from voters.rules.calendar import Action

    calendar = classify_rules.calendar_of(as_matching_election(run.election))
    counts = run.actions or {}
    groups = []
    for action in Action:
        if action is Action.NONE or not counts.get(action.value):
            continue
        deadline = calendar.deadline_of(action)
        groups.append({
            "code": action.value, "label": Tindakan(action.value).label,
            "count": counts[action.value], "deadline": deadline,
            "days_left": (deadline - run.today).days if deadline else None,
        })
    return groups


def _row_key(item):
    """A row as the export keys it: the inmate, or (a list entry nobody inside matched) the
    person on the list, which outlives the entry ids a list re-import renews."""
    if item["inmate_id"]:
        return ("inmate", item["inmate_id"])
    return ("entry", item["nik"], item["nama"], str(item["tanggal_lahir"]))


CHANGE_FIELDS = ("inmate_id", "no_registrasi", "nik", "nama", "tanggal_lahir", "category",
                 "tindakan", "alasan")


def previous_run(run: ReconciliationRun) -> ReconciliationRun | None:
    """The finished run of the same election and facility before ``run``, or None."""
    return (
        ReconciliationRun.objects.filter(
            election_id=run.election_id, facility_id=run.facility_id,
            status=ReconciliationRun.Status.DONE, pk__lt=run.pk,
        ).order_by("-pk").first()
    )


def change_rows(run: ReconciliationRun) -> list[dict]:
    """The churn since the previous finished run (CONTRACT.md ``changes``, export kind
    ``perubahan``): one dict per row whose category differs, that appeared (``from`` None) or
    that left the export (``to`` None), in the order of this run then the rows that left.
    Worked out once when the run is made (its snapshot), from the items for older runs."""
    stored = (run.changes or {}).get("rows")
    if stored is not None:
        return stored
    previous = previous_run(run)
    return _diff(previous, list(run.items.order_by("position"))) if previous else []


def _diff(previous, items):
    if previous is None:
        return []
    before = {_row_key(i): i for i in previous.items.order_by("position").values(*CHANGE_FIELDS)}
    after = {}
    for item in items:
        values = {name: getattr(item, name) for name in CHANGE_FIELDS}
        after[_row_key(values)] = values
    rows = []
    for key, item in after.items():
        old = before.get(key)
        if old is None or old["category"] != item["category"]:
            rows.append(_change_row(item, old["category"] if old else None, item["category"]))
    rows += [_change_row(item, item["category"], None)
             for key, item in before.items() if key not in after]
    return rows


def _change_row(item, was, now):
    return {"no_registrasi": item["no_registrasi"], "nik": item["nik"], "nama": item["nama"],
            "from": str(was) if was else None, "to": str(now) if now else None,
            "tindakan": item["tindakan"] if now else "", "alasan": item["alasan"] if now else ""}


def schedule_runs(*, election: Election | None = None, facility: Facility | None = None,
                  user: User | None = None, trigger: str = "import") -> list[ReconciliationRun]:
    """Queue a run for each (election, facility) whose polling day is ahead: those touched by
    an import, or all of them (the nightly runs)."""
    from voters.models import TPS

    pairs = TPS.objects.filter(election__polling_date__gte=timezone.localdate())
    if election is not None:
        pairs = pairs.filter(election=election)
    if facility is not None:
        pairs = pairs.filter(facility=facility)
    runs = []
    for tps in pairs.select_related("election", "facility").order_by("election", "facility"):
        if any(r.election_id == tps.election_id and r.facility_id == tps.facility_id
               for r in runs):
            continue
        runs.append(start_run(election=tps.election, facility=tps.facility, user=user,
                              trigger=trigger))
    return runs


def reconcile(
    *,
    election: Election,
    facility: Facility,
    today: dt.date | None = None,
    user: User | None = None,
    trigger: str = "command",
) -> ReconciliationRun:
    """Run a reconciliation now, in this process, and return the finished run."""
    run = create_run(election=election, facility=facility, today=today, user=user,
                     trigger=trigger)
    return execute_run(run.pk)


class ReconciliationFailed(Exception):
    """A run that did not finish (``run.error`` says why)."""

    def __init__(self, run: ReconciliationRun):
        super().__init__(run.error)
        self.run = run


def export_to_file(*, election: Election, facility: Facility, kind: str, fmt: str, output: Path,
                   today: dt.date | None = None) -> int:
    """The export_reconciliation command's job: reconcile now (a copy of the last run when the
    inputs are the same), then write one export of the run to ``output`` with full NIKs (the
    command runs as the system), through a temporary file renamed at the end so that a
    failure leaves no half-written file. Returns the rows written; raises ReconciliationBusy
    or ReconciliationFailed."""
    from voters.reconciliation.exports import write_export

    run = reconcile(election=election, facility=facility, today=today)
    if run.status != run.Status.DONE:
        raise ReconciliationFailed(run)
    tmp = output.with_name(f".{output.name}.tmp")
    try:
        count = write_export(run=run, kind=kind, fmt=fmt, path=tmp)
        tmp.replace(output)
    finally:
        tmp.unlink(missing_ok=True)
    return count


def facilities_in_region(election: Election, region: str) -> list[Facility]:
    """The facilities with a TPS of ``election`` whose region lies in ``region`` (a province,
    kabupaten/kota or finer, dotted or not), by code."""
    return list(Facility.objects.in_region(region).filter(tps_set__election=election)
                .distinct().order_by("code"))


def export_region_to_file(*, election: Election, region: str, kind: str, fmt: str,
                          output: Path, today: dt.date | None = None) -> tuple[int, int]:
    """``export_reconciliation --region``: reconcile every facility of the election in the
    region (each a copy of its last run when its inputs are the same), then write all their
    rows to one file with a ``upt`` column. Returns (rows, facilities); raises
    ReconciliationBusy or ReconciliationFailed, and leaves no file when anything fails."""
    from voters.reconciliation.exports import write_region_export

    runs = []
    for facility in facilities_in_region(election, region):
        run = reconcile(election=election, facility=facility, today=today)
        if run.status != run.Status.DONE:
            raise ReconciliationFailed(run)
        runs.append(run)
    tmp = output.with_name(f".{output.name}.tmp")
    try:
        count = write_region_export(runs=runs, region=region, kind=kind, fmt=fmt, path=tmp)
        tmp.replace(output)
    finally:
        tmp.unlink(missing_ok=True)
    return count, len(runs)


def latest_run(election: Election, facility: Facility) -> ReconciliationRun | None:
    return (ReconciliationRun.objects.filter(election=election, facility=facility,
                                             status=ReconciliationRun.Status.DONE)
            .order_by("-finished_at").first())


# -- review queue ---------------------------------------------------------------------------


class AlreadyDecided(Exception):
    """Another reviewer decided this pairing first (``decision``: theirs, when known)."""

    def __init__(self, decision: ReviewDecision | None = None) -> None:
        super().__init__("Butir ini sudah diputuskan.")
        self.decision = decision


@transaction.atomic
def decide(
    *,
    item: ReconciliationItem,
    verdict: str,
    user: User,
    note: str = "",
    entry_id: int | None = None,
) -> ReviewDecision:
    """Record a reviewer's verdict on a PERLU_PERIKSA/GANDA item's pairing, and queue a new run
    after commit.

    One decision is in force per pairing (a partial unique constraint). Two reviewers deciding
    at once: the item row is locked, so the second waits and then finds the first's decision;
    one through another run's item for the same pairing hits the constraint. Either way the
    second gets AlreadyDecided and records and queues nothing. The same verdict again, or a
    different one given on an item older than the decision in force, is AlreadyDecided too.
    """
    from voters.models import ListEntry

    item = (
        ReconciliationItem.objects.select_for_update(of=("self",))
        .select_related("run__election", "run__facility")
        .get(pk=item.pk)
    )
    run = item.run
    inmate_id = item.inmate_id or (int(item.candidates[0]) if item.candidates else None)
    if inmate_id is None:
        raise ValueError("Baris ini tidak terkait dengan WBP mana pun.")
    inmate = Inmate.objects.get(pk=inmate_id, facility=run.facility)
    entry_fp, label = "", "DPT rujukan"
    chosen = entry_id or (item.entry_ids[0] if item.entry_ids else None)
    if chosen is not None:
        if int(chosen) not in [int(e) for e in item.entry_ids]:
            raise ValueError("Entri daftar itu bukan bagian dari baris ini.")
        entry = ListEntry.objects.select_related("voter_list", "voter_list__tps").get(pk=chosen)
        entry_fp = entry_fingerprint(entry)
        label = f"{entry.voter_list.kind} TPS {entry.voter_list.tps.number} no. {entry.position}"
    in_force = ReviewDecision.objects.filter(election=run.election, facility=run.facility,
                                             inmate=inmate, entry_fingerprint=entry_fp,
                                             superseded_at__isnull=True)
    current = in_force.select_related("decided_by").first()
    if current is not None and (current.verdict == verdict
                                or current.decided_at >= run.created_at):
        raise AlreadyDecided(current)
    in_force.update(superseded_at=timezone.now())
    try:
        with transaction.atomic():
            decision = ReviewDecision.objects.create(
                election=run.election, facility=run.facility, inmate=inmate,
                entry_fingerprint=entry_fp, entry_label=label,
                inmate_fingerprint=inmate_fingerprint(inmate), verdict=verdict, note=note,
                decided_by=user)
    except IntegrityError as exc:  # decided at the same moment through another run's item
        raise AlreadyDecided() from exc
    audit.record(AuditEvent.Action.CHANGE, user=user, facility=run.facility, obj=decision,
                 summary=f"Keputusan pemeriksaan: {decision.get_verdict_display()}")
    start_run(election=run.election, facility=run.facility, user=user, trigger="manual")
    return decision
