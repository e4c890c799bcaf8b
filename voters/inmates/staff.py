"""The facility's staff roster (CONTRACT.md "Staff roster", ``import_staff``).

Officers are often on the facility's TPS lists: they vote where they are on duty. The roster lets
the reconciliation tell them from people nobody knows (category PETUGAS). A file replaces the
facility's roster whole, all or nothing; the same file twice changes nothing the second time.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from voters.core import audit
from voters.core.uploads import ImportRejected, xlsx_limits
from voters.inmates.services import ConfirmRefused
from voters.models import AuditEvent, Facility, ImportBatch, StaffMember, User
from voters.readers import tables
from voters.readers.cells import FileRejected, keep_raw, parse_date, parse_sex, parse_text
from voters.readers.tables import Column, RowError
from voters.rules import nik as nik_rules

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile

STAFF_COLUMNS = [
    Column("nik", ("no nik", "nomor nik", "nomor induk kependudukan"), True, keep_raw),
    Column("nama", ("nama pegawai", "nama lengkap", "nama petugas"), True, parse_text),
    Column("tanggal_lahir", ("tgl lahir", "tanggal lahir", "tgl lhr"), True, parse_date),
    Column("jenis_kelamin", ("jk", "l/p", "lp", "sex", "kelamin"), True, parse_sex),
    Column("nip", ("no nip", "nomor induk pegawai"), False, parse_text),
    Column("jabatan", ("jabatan pegawai", "posisi"), False, parse_text),
]
MAX_TEXT = {"nama": 200, "nip": 40, "jabatan": 200}

logger = logging.getLogger(__name__)


@dataclass
class StaffOutcome:
    """What an import did: counts by NIK against the roster it replaced, and its summary line."""

    facility: Facility
    file_name: str
    rows: int
    new: int
    left: int
    unchanged: int
    changed: int
    nik_invalid: int
    summary: dict = field(default_factory=dict)

    @property
    def message(self) -> str:
        if not (self.new or self.left or self.changed):
            return (
                f"Daftar petugas {self.facility.code} dari {self.file_name}: {self.rows} petugas, "
                "sama dengan daftar yang berlaku; tidak ada perubahan."
            )
        return (
            f"Daftar petugas {self.facility.code} dari {self.file_name}: {self.rows} petugas "
            f"({self.new} baru, {self.changed} berubah, {self.unchanged} tetap, {self.left} "
            f"tidak lagi tercatat), {self.nik_invalid} NIK tidak sah."
        )


def read_staff(path: str | os.PathLike[str], *, file_name: str) -> list[dict]:
    """The file's rows as StaffMember field values, or ImportRejected listing every bad row."""
    if not os.path.isfile(path):
        raise ImportRejected.refused(file_name, "berkas tidak ditemukan")
    try:
        rows, errors = tables.collect(path, STAFF_COLUMNS, limits=xlsx_limits())
    except FileRejected as error:
        raise ImportRejected.refused(file_name, error.reason) from None
    people, seen = [], {}
    for row in rows:
        if row.errors:
            continue
        values = row.values
        checked = nik_rules.check(values["nik"], birth_date=values["tanggal_lahir"],
                                  sex=values["jenis_kelamin"])
        if not checked.text:
            errors.append(RowError(row.row_number, "nik", "wajib diisi, tetapi kosong"))
            continue
        too_long = [name for name, limit in MAX_TEXT.items() if len(values[name] or "") > limit]
        if too_long or len(checked.text) > StaffMember._meta.get_field("nik").max_length:
            column = (too_long or ["nik"])[0]
            errors.append(RowError(row.row_number, column, "isian terlalu panjang"))
            continue
        if checked.is_valid:
            first = seen.setdefault(checked.text, row.row_number)
            if first != row.row_number:
                errors.append(RowError(row.row_number, "nik",
                                       f"NIK ganda: sama dengan baris {first}"))
                continue
        people.append({
            "nik": checked.text,
            "nik_valid": checked.is_valid,
            "name": values["nama"],
            "birth_date": values["tanggal_lahir"],
            "sex": values["jenis_kelamin"],
            "nip": values["nip"] or "",
            "position": values["jabatan"] or "",
        })
    if errors:
        errors.sort(key=lambda error: error.row_number)
        count = len({error.row_number for error in errors})
        raise ImportRejected.refused(
            file_name, f"{count} baris bermasalah; tidak ada yang disimpan", errors=errors
        )
    if not people:
        raise ImportRejected.refused(file_name, "berkas tidak berisi baris petugas")
    return people


COMPARED = ("nik_valid", "name", "birth_date", "sex", "nip", "position")


@dataclass
class StaffPlan:
    """A staff file read and compared with the roster in force, before anything is written."""

    facility: Facility
    file_name: str
    sha256: str
    people: list[dict]
    outcome: StaffOutcome
    changes: list[dict]  # for the preview: one per person new or changed, and per one leaving


def plan_staff(
    *, path: str | os.PathLike[str], facility: Facility, file_name: str | None = None
) -> StaffPlan:
    """Read the file and compare it with the facility's roster by NIK; writes nothing."""
    file_name = file_name or os.path.basename(os.fspath(path))
    people = read_staff(path, file_name=file_name)
    by_nik: dict[str, StaffMember] = {}
    current = list(StaffMember.objects.filter(facility=facility))
    for member in current:
        by_nik.setdefault(member.nik, member)
    counts = {"new": 0, "changed": 0, "unchanged": 0}
    kept, changes = set(), []
    for person in people:
        old = by_nik.get(person["nik"])
        if old is None or old.pk in kept:
            action = "new"
        else:
            kept.add(old.pk)
            same = all(getattr(old, name) == person[name] for name in COMPARED)
            action = "unchanged" if same else "changed"
        counts[action] += 1
        if action != "unchanged":
            changes.append(_change(action, person["name"], person["nik"], person["position"]))
    changes += [_change("left", m.name, m.nik, m.position) for m in current if m.pk not in kept]
    outcome = StaffOutcome(
        facility=facility,
        file_name=file_name,
        rows=len(people),
        left=len(current) - len(kept),
        nik_invalid=sum(1 for p in people if not p["nik_valid"]),
        **counts,
    )
    sha256 = audit.sha256_of_file(path)
    outcome.summary = {
        "file_name": file_name,
        "sha256": sha256,
        "rows": outcome.rows,
        **counts,
        "left": outcome.left,
        "nik_invalid": outcome.nik_invalid,
    }
    return StaffPlan(facility, file_name, sha256, people, outcome, changes)


def _change(action: str, name: str, nik: str, position: str) -> dict:
    # The preview is stored on the job row: never a full NIK there.
    return {"action": action, "nama": name, "nik": nik_rules.mask(nik), "jabatan": position}


def import_staff(
    *,
    path: str | os.PathLike[str],
    facility: Facility,
    user: User | None = None,
    file_name: str | None = None,
    batch: ImportBatch | None = None,
    expected_sha256: str = "",
) -> StaffOutcome:
    """Replace the facility's staff roster with the file's, in one transaction, and record it in
    the audit trail. A file equal to the roster in force writes nothing. ``expected_sha256``
    (a confirmed preview) refuses a file that changed since it was previewed."""
    plan = plan_staff(path=path, facility=facility, file_name=file_name)
    if expected_sha256 and plan.sha256 != expected_sha256:
        raise ImportRejected.refused(
            plan.file_name, "berkas berubah sejak pratinjau; unggah ulang"
        )
    outcome = plan.outcome
    if not (outcome.new or outcome.changed or outcome.left):
        return outcome
    now = timezone.now()
    with transaction.atomic():
        StaffMember.objects.filter(facility=facility).delete()
        StaffMember.objects.bulk_create(
            StaffMember(facility=facility, imported_at=now, **person) for person in plan.people
        )
        audit.record(
            AuditEvent.Action.IMPORT,
            user=user,
            obj=batch,
            facility=facility,
            summary=outcome.message,
            detail={k: v for k, v in outcome.summary.items() if k not in ("file_name", "sha256")},
            row_count=outcome.rows,
            sha256=plan.sha256,
        )
    return outcome


# -- the upload in the browser: a preview job, then (once confirmed) the import job ---------


def start_staff_preview(
    *, uploaded: UploadedFile, facility: Facility, user: User
) -> ImportBatch:
    """Store an uploaded staff file and queue the job that reads and compares it (a file is never
    read in the request: SECURITY.md check 31)."""
    from voters import tasks
    from voters.core.jobs import start_upload_job

    return start_upload_job(
        uploaded=uploaded,
        task=tasks.staff_preview_task,
        kind=ImportBatch.Kind.STAFF,
        facility=facility,
        created_by=user,
    )


def run_staff_preview(batch_id: int) -> ImportBatch | None:
    """The preview job: a good file leaves the batch queued with its preview, waiting for the
    operator; a refused one fails the batch with every bad row, and its file is deleted."""
    from voters.core.jobs import (
        await_confirmation,
        discard_upload,
        fail_crashed,
        fail_refused,
        is_previewing,
    )

    batch = ImportBatch.objects.filter(pk=batch_id, kind=ImportBatch.Kind.STAFF).first()
    if batch is None or not is_previewing(batch) or not batch.claim():
        return batch
    batch.report(message="Membaca dan memeriksa berkas")
    try:
        plan = plan_staff(path=batch.stored_path, facility=batch.facility,
                          file_name=batch.file_name)
    except ImportRejected as refused:
        fail_refused(batch, refused, count=False)
        discard_upload(batch)
        return batch
    except Exception as exc:  # never leave the row running, nor the file behind
        logger.exception("staff preview batch %s failed", batch.pk)
        discard_upload(batch)
        fail_crashed(batch, exc, what="Pratinjau")
        return batch
    await_confirmation(batch, sha256=plan.sha256,
                       summary={**plan.outcome.summary, "preview": plan.changes[:500]})
    return batch


def confirm_staff_import(*, batch: ImportBatch) -> ImportBatch:
    """The operator confirmed the preview: queue the import of the previewed file."""
    from voters import tasks

    if batch.preview_expired:
        raise ConfirmRefused("Pratinjau kedaluwarsa; unggah ulang berkasnya.")
    if not batch.awaits_confirmation or not batch.stored_path:
        raise ConfirmRefused("Impor ini tidak menunggu konfirmasi.")
    updated = ImportBatch.objects.filter(
        pk=batch.pk, confirmed_at=None, status=ImportBatch.Status.QUEUED
    ).update(confirmed_at=timezone.now(), message="Menunggu giliran")
    if not updated:
        raise ConfirmRefused("Impor ini sudah dikonfirmasi.")
    transaction.on_commit(lambda: tasks.staff_import_task.delay(batch.pk))
    batch.refresh_from_db()
    return batch


def run_staff_import(batch_id: int) -> ImportBatch | None:
    """The import job of a confirmed preview: replace the roster, then delete the file."""
    from voters.core.jobs import discard_upload, fail_crashed

    batch = (ImportBatch.objects.select_related("facility", "created_by")
             .filter(pk=batch_id, kind=ImportBatch.Kind.STAFF).first())
    if batch is None or not batch.confirmed_at or not batch.claim():
        return batch
    try:
        outcome = import_staff(path=batch.stored_path, facility=batch.facility,
                               user=batch.created_by, file_name=batch.file_name, batch=batch,
                               expected_sha256=batch.sha256)
    except ImportRejected as refused:
        discard_upload(batch)
        batch.fail(str(refused))
        return batch
    except Exception as exc:
        logger.exception("staff import batch %s failed", batch.pk)
        discard_upload(batch)
        fail_crashed(batch, exc)
        return batch
    discard_upload(batch)
    batch.summary = {**batch.summary, **outcome.summary}
    batch.save(update_fields=["summary"])
    batch.succeed(outcome.message)
    return batch
