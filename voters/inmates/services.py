"""The roster: importing SDP exports, custody events and the NIK lifecycle.

A roster import is all or nothing and idempotent: rows are read and validated first, then
compared with what is stored (by no_registrasi), and only then written in one transaction.
People not in the file are left alone (an SDP export is often a partial roster).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from voters.core import audit, history
from voters.core.concurrency import StaleEdit, save_versioned
from voters.core.jobs import await_confirmation, fail_crashed, fail_refused, is_previewing
from voters.core.uploads import ImportRejected, xlsx_limits
from voters.models import (
    NIK_TRANSITIONS,
    AuditEvent,
    CustodyEvent,
    ImportBatch,
    Inmate,
    NikStatus,
    NikTransition,
)
from voters.readers import tables
from voters.readers.cells import FileRejected
from voters.rules import custody
from voters.rules import nik as nik_rules

if TYPE_CHECKING:
    from pathlib import Path

    from django.core.files.uploadedfile import UploadedFile
    from django.http import HttpRequest

    from voters.models import Facility, User
    from voters.readers.tables import ParsedRow

# Inmate fields filled from the file, in the order of CONTRACT.md.
FILE_FIELDS = [
    "no_registrasi",
    "nama",
    "nik",
    "no_kk",
    "tempat_lahir",
    "tanggal_lahir",
    "jenis_kelamin",
    "status_perkawinan",
    "kewarganegaraan",
    "alamat",
    "kode_wilayah",
    "register",
    "tanggal_masuk",
    "tanggal_bebas",
    "tanggal_keluar",
    "jenis_keluar",
    "hak_pilih_dicabut",
    "tni_polri",
    "blok",
    "keterangan",
]
DERIVED_FIELDS = ["nik_format", "nik_issues", "kk_format"]
PERSONAL_FIELDS = {"nik", "no_kk", "tanggal_lahir"}

logger = logging.getLogger(__name__)


@dataclass
class RowPlan:
    row_number: int
    action: str  # new | changed | unchanged
    values: dict
    inmate: Inmate | None = None
    changed_fields: list = field(default_factory=list)
    warnings: list = field(default_factory=list)


@dataclass
class RosterPlan:
    file_name: str
    sha256: str
    present: tuple
    rows: list
    fingerprint: str

    def count(self, action: str) -> int:
        return sum(1 for r in self.rows if r.action == action)

    @property
    def summary(self) -> dict[str, int]:
        return {
            "rows": len(self.rows),
            "new": self.count("new"),
            "changed": self.count("changed"),
            "unchanged": self.count("unchanged"),
            "rejected": 0,
            "nik_invalid": sum(1 for r in self.rows if r.values["nik_format"] != "valid"),
            "warnings": sum(1 for r in self.rows if r.warnings),
        }


def _json_default(value):
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(type(value))


def row_hash(values: Mapping[str, Any]) -> str:
    data = {k: values.get(k) for k in FILE_FIELDS + DERIVED_FIELDS}
    return hashlib.sha256(
        json.dumps(data, sort_keys=True, default=_json_default).encode()
    ).hexdigest()


def normalise_row(
    values: Mapping[str, Any], present: Collection[str]
) -> tuple[dict[str, Any], list[str]]:
    """Turn parsed cells into model values; NIK and KK go through the NIK rules."""
    out = {name: values.get(name) for name in FILE_FIELDS}
    for name in (
        "nama",
        "no_registrasi",
        "tempat_lahir",
        "alamat",
        "register",
        "blok",
        "keterangan",
        "kode_wilayah",
        "jenis_keluar",
    ):
        out[name] = out[name] or ""
    out["nama"] = out["nama"].upper()
    checked = nik_rules.check(
        values.get("nik"), kind="nik", birth_date=out["tanggal_lahir"], sex=out["jenis_kelamin"]
    )
    out["nik"] = checked.text
    out["nik_format"] = str(checked.status)
    out["nik_issues"] = sorted({i.code for i in (*checked.errors, *checked.warnings)})
    kk = nik_rules.check(values.get("no_kk"), kind="kk")
    out["no_kk"] = kk.text
    out["kk_format"] = str(kk.status)
    if out["jenis_keluar"] == "meninggal" and not out["tanggal_keluar"]:
        # A death with no exit date still means the person is not inside.
        out["tanggal_keluar"] = out["tanggal_bebas"] or out["tanggal_masuk"]
    warnings = [i.message for i in (*checked.errors, *checked.warnings)]
    if out["tanggal_keluar"] and out["tanggal_keluar"] < out["tanggal_masuk"]:
        warnings.append("tanggal keluar sebelum tanggal masuk")
    return out, warnings


def _fingerprint(facility, numbers):
    """A cheap digest of the stored rows a plan compares with, to detect edits after preview."""
    rows = (
        Inmate.objects.filter(facility=facility, no_registrasi__in=numbers)
        .order_by("no_registrasi")
        .values_list("no_registrasi", "version", "row_hash")
    )
    return hashlib.sha256(repr(list(rows)).encode()).hexdigest()


def inmates_by_registration(facility: Facility, rows: Iterable[ParsedRow]) -> dict[str, Inmate]:
    """The facility's inmates that a file's rows name, by registration number (one query)."""
    return {
        i.no_registrasi: i
        for i in Inmate.objects.filter(
            facility=facility, no_registrasi__in=[r.values["no_registrasi"] for r in rows]
        )
    }


def plan_roster_import(
    *, path: str | Path, facility: Facility, file_name: str | None = None
) -> RosterPlan:
    """Read and validate the file and compare it with the roster. Writes nothing."""
    file_name = file_name or str(path).rsplit("/", 1)[-1]
    try:
        with tables.read_table(path, tables.INMATE_COLUMNS, limits=xlsx_limits()) as table:
            parsed = list(table)
            present = tuple(table.present)
    except FileRejected as exc:
        raise ImportRejected(file_name, f'Berkas "{file_name}" ditolak: {exc.reason}') from exc
    errors = [e for row in parsed for e in row.errors]
    if errors:
        raise ImportRejected(
            file_name,
            f'Berkas "{file_name}" ditolak: {len(errors)} kesalahan pada '
            f"{len({e.row_number for e in errors})} baris; tidak ada yang disimpan.\n"
            + tables.format_errors(errors),
            errors,
        )
    if not parsed:
        raise ImportRejected(file_name, f'Berkas "{file_name}" tidak berisi baris data.')
    existing = inmates_by_registration(facility, parsed)
    plans = []
    for row in parsed:
        values, warnings = normalise_row(row.values, present)
        inmate = existing.get(values["no_registrasi"])
        if inmate is None:
            plans.append(RowPlan(row.row_number, "new", values, None, [], warnings))
            continue
        changed = [
            name
            for name in FILE_FIELDS + DERIVED_FIELDS
            if _in_file(name, present) and getattr(inmate, name) != values[name]
        ]
        plans.append(
            RowPlan(
                row.row_number,
                "changed" if changed else "unchanged",
                values,
                inmate,
                changed,
                warnings,
            )
        )
    return RosterPlan(
        file_name=file_name,
        sha256=audit.sha256_of_file(path),
        present=present,
        rows=plans,
        fingerprint=_fingerprint(facility, list(existing)),
    )


def _in_file(name, present):
    """A field is compared and written only when its column is in the file (roster semantics)."""
    source = {"nik_format": "nik", "nik_issues": "nik", "kk_format": "no_kk"}.get(name, name)
    return source in present or source in (
        "no_registrasi",
        "nama",
        "tanggal_lahir",
        "jenis_kelamin",
        "tanggal_masuk",
    )


def import_inmates(
    *,
    path: str | Path,
    facility: Facility,
    user: User | None = None,
    file_name: str | None = None,
    batch: ImportBatch | None = None,
    expected_sha256: str | None = None,
    expected_fingerprint: str | None = None,
    progress: Callable[[int, int], object] | None = None,
) -> tuple[RosterPlan, dict[str, int]]:
    """Import a roster file. Returns the plan's summary. Raises ImportRejected on bad input."""
    plan = plan_roster_import(path=path, facility=facility, file_name=file_name)
    if expected_sha256 and plan.sha256 != expected_sha256:
        raise ImportRejected(plan.file_name, "Berkas berubah sejak pratinjau; unggah ulang.")
    if expected_fingerprint and plan.fingerprint != expected_fingerprint:
        raise ImportRejected(
            plan.file_name,
            "Data WBP berubah sejak pratinjau (ada yang menyunting); periksa pratinjau lagi.",
        )
    now = timezone.now()
    with (
        transaction.atomic(),
        history.context(user=getattr(user, "pk", None), import_batch=getattr(batch, "pk", None)),
    ):
        for index, row in enumerate(plan.rows, start=1):
            if row.action == "new":
                _create(row, facility=facility, user=user, batch=batch, now=now)
            elif row.action == "changed":
                _update(row, plan.present, user=user, batch=batch, now=now)
            if progress and index % 200 == 0:
                progress(index, len(plan.rows))
        summary = plan.summary
        audit.record(
            AuditEvent.Action.IMPORT,
            user=user,
            facility=facility,
            obj=batch,
            summary=f"Impor WBP {plan.file_name}",
            detail=summary,
            row_count=len(plan.rows),
            sha256=plan.sha256,
        )
    return plan, summary


def _initial_nik_status(values):
    return NikStatus.FORMAT_VALID if values["nik_format"] == "valid" else NikStatus.FORMAT_INVALID


def _create(row, *, facility, user, batch, now):
    values = dict(row.values)
    inmate = Inmate(
        facility=facility,
        row_hash=row_hash(values),
        created_at=now,
        updated_at=now,
        nik_status=_initial_nik_status(values),
        nik_status_at=now,
        **values,
    )
    inmate.save()
    NikTransition.objects.create(
        inmate=inmate,
        from_status=NikStatus.NOT_CHECKED,
        to_status=inmate.nik_status,
        at=now,
        by=user,
        batch=batch,
        evidence="pemeriksaan format saat impor SDP",
    )
    events = [
        _event(inmate, CustodyEvent.Kind.ADMISSION, inmate.tanggal_masuk, batch, user,
               f"register {inmate.register}".strip())
    ]
    events += _exit_events(inmate, None, batch, user)
    if inmate.hak_pilih_dicabut:
        events.append(_event(inmate, CustodyEvent.Kind.VOTE_REVOKED, inmate.tanggal_masuk,
                             batch, user, "tercatat di SDP"))
    CustodyEvent.objects.bulk_create(events)


def _event(inmate, kind, date, batch, user, detail=""):
    """A custody event the roster import found (saved with the others in one bulk insert)."""
    return CustodyEvent(
        inmate=inmate, kind=kind, date=date, batch=batch, created_by=user, detail=detail
    )


def _exit_events(inmate, before, batch, user):
    events = []
    left_before = before.tanggal_keluar if before else None
    if inmate.tanggal_keluar and inmate.tanggal_keluar != left_before:
        kind = {
            "meninggal": CustodyEvent.Kind.DEATH,
            "mutasi": CustodyEvent.Kind.TRANSFER_OUT,
        }.get(inmate.jenis_keluar, CustodyEvent.Kind.RELEASE)
        detail = inmate.get_jenis_keluar_display() if inmate.jenis_keluar else ""
        events.append(_event(inmate, kind, inmate.tanggal_keluar, batch, user, detail))
    if before and left_before and not inmate.tanggal_keluar:
        events.append(
            _event(inmate, CustodyEvent.Kind.RETURNED, inmate.tanggal_masuk, batch, user)
        )
    return events


def _update(row, present, *, user, batch, now):
    inmate = row.inmate
    before = Inmate(**{f: getattr(inmate, f) for f in FILE_FIELDS + ["nik_status"]})
    for name in row.changed_fields:
        setattr(inmate, name, row.values[name])
    inmate.row_hash = row_hash({f: getattr(inmate, f) for f in FILE_FIELDS + DERIVED_FIELDS})
    inmate.updated_at = now
    inmate.version += 1
    fields = [*row.changed_fields, "row_hash", "updated_at", "version"]
    if "nik" in row.changed_fields:
        new_status = _initial_nik_status(row.values)
        NikTransition.objects.create(
            inmate=inmate,
            from_status=inmate.nik_status,
            to_status=new_status,
            at=now,
            by=user,
            batch=batch,
            evidence="NIK berubah di SDP",
        )
        inmate.nik_status, inmate.nik_status_at = new_status, now
        fields += ["nik_status", "nik_status_at"]
    inmate.save(update_fields=fields)
    events = _exit_events(inmate, before, batch, user)
    if custody.is_tahanan(before.register) and custody.is_narapidana(inmate.register):
        events.append(_event(
            inmate, CustodyEvent.Kind.RECLASSIFIED, now.date(), batch, user,
            f"{before.register} → {inmate.register}: periksa putusan (pencabutan hak pilih?)",
        ))
    if before.tanggal_bebas != inmate.tanggal_bebas and inmate.tanggal_bebas:
        events.append(_event(inmate, CustodyEvent.Kind.RELEASE_DATE, now.date(), batch, user,
                             f"perkiraan bebas {inmate.tanggal_bebas:%d-%m-%Y}"))
    if before.hak_pilih_dicabut != inmate.hak_pilih_dicabut:
        kind = (CustodyEvent.Kind.VOTE_REVOKED if inmate.hak_pilih_dicabut
                else CustodyEvent.Kind.VOTE_RESTORED)
        events.append(_event(inmate, kind, now.date(), batch, user, "tercatat di SDP"))
    CustodyEvent.objects.bulk_create(events)


# -- NIK lifecycle ----------------------------------------------------------------------------


class TransitionRefused(Exception):
    pass


def change_nik_status(
    *,
    inmate: Inmate,
    to_status: str,
    user: User | None = None,
    evidence: str = "",
    batch: ImportBatch | None = None,
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> Inmate:
    """Move one inmate's NIK along the lifecycle, recording who, when and the evidence."""
    to_status = NikStatus(to_status)
    current = NikStatus(inmate.nik_status)
    if to_status == current:
        return inmate
    if to_status not in NIK_TRANSITIONS.get(current, set()):
        raise TransitionRefused(
            f'Status NIK tidak dapat berpindah dari "{current.label}" ke "{to_status.label}".'
        )
    if to_status in (NikStatus.VERIFIED, NikStatus.SENT) and inmate.nik_format != "valid":
        raise TransitionRefused("NIK belum 16 digit yang sah; perbaiki NIK lebih dulu.")
    now = now or timezone.now()
    with transaction.atomic():
        try:
            save_versioned(
                inmate,
                expected_version=expected_version,
                nik_status=to_status,
                nik_status_at=now,
                updated_at=now,
            )
        except StaleEdit as exc:
            raise TransitionRefused(str(exc)) from exc
        NikTransition.objects.create(
            inmate=inmate,
            from_status=current,
            to_status=to_status,
            at=now,
            by=user,
            evidence=str(evidence)[:300],
            batch=batch,
        )
    return inmate


def record_custody_event(
    *,
    inmate: Inmate,
    kind: str,
    date: dt.date,
    user: User,
    detail: str = "",
    reference: str = "",
    expected_version: int | None = None,
) -> CustodyEvent:
    """Record a custody change from the inmate page and apply it to the current state."""
    kind = CustodyEvent.Kind(kind)
    changes = {}
    if kind in (CustodyEvent.Kind.RELEASE, CustodyEvent.Kind.TRANSFER_OUT, CustodyEvent.Kind.DEATH):
        changes["tanggal_keluar"] = date
        changes["jenis_keluar"] = {
            CustodyEvent.Kind.RELEASE: "bebas",
            CustodyEvent.Kind.TRANSFER_OUT: "mutasi",
            CustodyEvent.Kind.DEATH: "meninggal",
        }[kind]
    elif kind == CustodyEvent.Kind.VOTE_REVOKED:
        if not reference:
            raise TransitionRefused("Pencabutan hak pilih harus menyebut nomor putusan.")
        changes["hak_pilih_dicabut"] = True
        changes["putusan_pencabutan"] = reference
    elif kind == CustodyEvent.Kind.VOTE_RESTORED:
        changes["hak_pilih_dicabut"] = False
    elif kind == CustodyEvent.Kind.RELEASE_DATE:
        changes["tanggal_bebas"] = date
    elif kind in (CustodyEvent.Kind.RETURNED, CustodyEvent.Kind.TRANSFER_IN):
        changes["tanggal_keluar"] = None
        changes["jenis_keluar"] = ""
    with transaction.atomic(), history.context(user=getattr(user, "pk", None)):
        try:
            save_versioned(
                inmate, expected_version=expected_version, updated_at=timezone.now(), **changes
            )
        except StaleEdit as exc:
            raise TransitionRefused(str(exc)) from exc
        event = CustodyEvent.objects.create(
            inmate=inmate, kind=kind, date=date, detail=detail, reference=reference, created_by=user
        )
    inmate.refresh_from_db()
    return event


def _discard_upload(batch):
    from pathlib import Path

    if batch.stored_path:
        Path(batch.stored_path).unlink(missing_ok=True)


def run_roster_batch(batch_id: int) -> ImportBatch:
    """The job behind a confirmed upload: import the stored file, then clean it up."""
    from pathlib import Path

    batch = ImportBatch.objects.select_related("facility", "created_by").get(pk=batch_id)
    if not batch.claim():
        return batch
    try:
        _plan, summary = import_inmates(
            path=batch.stored_path,
            facility=batch.facility,
            user=batch.created_by,
            file_name=batch.file_name,
            batch=batch,
            expected_sha256=batch.sha256,
            expected_fingerprint=batch.summary.get("fingerprint"),
            progress=lambda done, total: batch.report(
                done=done, total=total, message="Menyimpan data WBP"
            ),
        )
    except ImportRejected as exc:
        batch.fail(str(exc))
        _discard_upload(batch)  # no NIK file outlives its job
        return batch
    except Exception as exc:  # e.g. the database connection lost: never leave the row running
        logger.exception("roster import batch %s failed", batch.pk)
        _discard_upload(batch)
        fail_crashed(batch, exc)
        return batch
    batch.summary = {**batch.summary, **summary}
    batch.confirmed_at = timezone.now()
    batch.save(update_fields=["summary", "confirmed_at"])
    batch.succeed(
        f"{summary['new']} baru, {summary['changed']} berubah, {summary['unchanged']} tetap"
    )
    Path(batch.stored_path).unlink(missing_ok=True)
    from voters.reconciliation.services import schedule_runs

    schedule_runs(facility=batch.facility, user=batch.created_by)
    return batch


# -- the upload in the browser: a preview job, then (after the operator confirms) the import --


def start_roster_preview(
    *, uploaded: UploadedFile, facility: Facility, user: User
) -> ImportBatch:
    """Store an uploaded SDP file and queue the job that reads and checks it (never read in the
    request: SECURITY.md check 31). Returns the ImportBatch, queued without a preview yet."""
    from voters import tasks
    from voters.core.jobs import start_upload_job

    return start_upload_job(
        uploaded=uploaded,
        task=tasks.import_inmates_preview_task,
        kind=ImportBatch.Kind.INMATES,
        facility=facility,
        created_by=user,
    )


class ConfirmRefused(Exception):
    """A preview that cannot be confirmed; the message is for the operator. ``upload_again``:
    its stored file is gone, so only a new upload helps."""

    def __init__(self, message: str, *, upload_again: bool = False):
        super().__init__(message)
        self.upload_again = upload_again


def confirm_roster_import(*, batch: ImportBatch) -> bool:
    """The operator confirmed a preview: mark it confirmed and queue the import job once the
    row is committed. Confirmed now, not when the job ends: until a worker takes the job, the
    page shows its progress bar (not the preview again), and a second click queues nothing
    (returns False). Raises ConfirmRefused when the preview is done with, expired or gone."""
    from pathlib import Path

    from django.utils.translation import gettext as _

    from voters import tasks
    from voters.core import storage

    if batch.status != ImportBatch.Status.QUEUED or batch.confirmed_at or not batch.sha256:
        raise ConfirmRefused(_("Impor ini sudah diproses atau ditolak."))
    if batch.preview_expired:
        raise ConfirmRefused(_("Pratinjau kedaluwarsa (lebih dari 1 jam); unggah ulang."))
    if not storage.is_private(batch.stored_path) or not Path(batch.stored_path).exists():
        raise ConfirmRefused(_("Berkas pratinjau sudah tidak ada; unggah ulang."),
                             upload_again=True)
    confirmed = ImportBatch.objects.filter(
        pk=batch.pk, status=ImportBatch.Status.QUEUED, confirmed_at__isnull=True
    ).update(confirmed_at=timezone.now())
    if confirmed:
        transaction.on_commit(lambda: tasks.import_inmates_task.delay(batch.pk))
    return bool(confirmed)


def export_import_errors(*, batch: ImportBatch, request: HttpRequest) -> bytes:
    """The rejected rows of a roster upload as CSV, recorded in the audit trail like every
    export (SECURITY.md check 25). Through write_csv: a cell of the uploaded file quoted in a
    message cannot run as a formula (check 17). ``request``: for the person and their address."""
    import io

    from voters.core import spreadsheets

    buffer = io.StringIO()
    buffer.write("\ufeff")
    count = spreadsheets.write_csv(
        buffer,
        ["baris", "kolom", "kesalahan"],
        ([error["row"], error["column"], error["message"]] for error in batch.row_errors),
    )
    data = buffer.getvalue().encode("utf-8")
    audit.record(
        AuditEvent.Action.EXPORT,
        request=request,
        obj=batch,
        facility=batch.facility,
        summary=f"Laporan galat impor WBP #{batch.pk}",
        detail={"kind": "import_errors", "batch": batch.pk, "file_name": batch.file_name},
        row_count=count,
        sha256=audit.sha256_of_bytes(data),
    )
    return data


def preview_rows(plan: RosterPlan, limit: int = 500) -> list[dict]:
    """What the preview page shows: no full NIK is stored in the preview."""
    rows = []
    for row in plan.rows:
        if row.action == "unchanged" and not row.warnings:
            continue
        rows.append(
            {
                "row": row.row_number,
                "action": row.action,
                "no_registrasi": row.values["no_registrasi"],
                "nama": row.values["nama"],
                "nik": nik_rules.mask(row.values["nik"]),
                "fields": [f for f in row.changed_fields if f not in ("nik_issues", "row_hash")],
                "warnings": row.warnings[:3],
            }
        )
        if len(rows) >= limit:
            break
    return rows


def run_roster_preview(batch_id: int) -> ImportBatch | None:
    """The preview job: read and check the stored file and compare it with the roster. A file
    refused (bad rows, too large a sheet, a reader out of memory) fails the batch with the
    reason and is deleted; a good one leaves the batch queued with its preview, waiting for the
    operator's confirmation (``run_roster_batch``)."""
    batch = (
        ImportBatch.objects.select_related("facility")
        .filter(pk=batch_id, kind=ImportBatch.Kind.INMATES)
        .first()
    )
    if batch is None or not is_previewing(batch):
        return batch
    if not batch.claim():
        return batch
    batch.report(message="Membaca dan memeriksa berkas")
    try:
        plan = plan_roster_import(
            path=batch.stored_path, facility=batch.facility, file_name=batch.file_name
        )
    except ImportRejected as exc:
        fail_refused(batch, exc)
        _discard_upload(batch)
        return batch
    except Exception as exc:  # never leave the row running, nor the file behind
        logger.exception("roster preview batch %s failed", batch.pk)
        _discard_upload(batch)
        fail_crashed(batch, exc, what="Pratinjau")
        return batch
    await_confirmation(
        batch,
        sha256=plan.sha256,
        summary={**plan.summary, "fingerprint": plan.fingerprint, "preview": preview_rows(plan)},
    )
    return batch
