"""The facility's staff roster (CONTRACT.md "Staff roster", ``import_staff``).

Officers are often on the facility's TPS lists: they vote where they are on duty. The roster lets
the reconciliation tell them from people nobody knows (category PETUGAS). A file replaces the
facility's roster whole, all or nothing; the same file twice changes nothing the second time.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from voters.core import audit
from voters.models import AuditEvent, Facility, ImportBatch, StaffMember, User
from voters.readers import tables as importers
from voters.readers.tables import Column, FileRejected, RowError, format_errors
from voters.rules import nik as nik_rules

STAFF_COLUMNS = [
    Column("nik", ("no nik", "nomor nik", "nomor induk kependudukan"), True, importers.keep_raw),
    Column("nama", ("nama pegawai", "nama lengkap", "nama petugas"), True, importers.parse_text),
    Column("tanggal_lahir", ("tgl lahir", "tanggal lahir", "tgl lhr"), True, importers.parse_date),
    Column("jenis_kelamin", ("jk", "l/p", "lp", "sex", "kelamin"), True, importers.parse_sex),
    Column("nip", ("no nip", "nomor induk pegawai"), False, importers.parse_text),
    Column("jabatan", ("jabatan pegawai", "posisi"), False, importers.parse_text),
]
MAX_TEXT = {"nama": 200, "nip": 40, "jabatan": 200}


class StaffRejected(Exception):
    """A staff file that cannot be imported; nothing was written. ``str()`` is the message."""

    def __init__(self, file_name: str, reason: str, *, errors: list[RowError] | None = None):
        self.file_name, self.reason, self.errors = file_name, reason, list(errors or [])
        text = f'Berkas "{file_name}" ditolak: {reason}'
        if self.errors:
            text += "\n" + format_errors(self.errors)
        super().__init__(text)


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
    """The file's rows as StaffMember field values, or StaffRejected listing every bad row."""
    if not os.path.isfile(path):
        raise StaffRejected(file_name, "berkas tidak ditemukan")
    try:
        rows, errors = importers.collect(path, STAFF_COLUMNS)
    except FileRejected as error:
        raise StaffRejected(file_name, error.reason) from None
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
        raise StaffRejected(file_name, f"{count} baris bermasalah; tidak ada yang disimpan",
                            errors=errors)
    if not people:
        raise StaffRejected(file_name, "berkas tidak berisi baris petugas")
    return people


COMPARED = ("nik_valid", "name", "birth_date", "sex", "nip", "position")


def import_staff(
    *,
    path: str | os.PathLike[str],
    facility: Facility,
    user: User | None = None,
    file_name: str | None = None,
    batch: ImportBatch | None = None,
) -> StaffOutcome:
    """Replace the facility's staff roster with the file's, in one transaction, and record it in
    the audit trail. A file equal to the roster in force writes nothing."""
    file_name = file_name or os.path.basename(os.fspath(path))
    people = read_staff(path, file_name=file_name)
    current = {
        (m.nik, m.name, m.birth_date): m for m in StaffMember.objects.filter(facility=facility)
    }
    by_nik = {}
    for m in current.values():
        by_nik.setdefault(m.nik, m)
    new = changed = unchanged = 0
    kept = set()
    for person in people:
        old = by_nik.get(person["nik"])
        if old is None or old.pk in kept:
            new += 1
            continue
        kept.add(old.pk)
        if all(getattr(old, name) == person[name] for name in COMPARED):
            unchanged += 1
        else:
            changed += 1
    outcome = StaffOutcome(
        facility=facility,
        file_name=file_name,
        rows=len(people),
        new=new,
        left=len(current) - len(kept),
        unchanged=unchanged,
        changed=changed,
        nik_invalid=sum(1 for p in people if not p["nik_valid"]),
    )
    outcome.summary = {
        "file_name": file_name,
        "sha256": audit.sha256_of_file(path),
        "rows": outcome.rows,
        "new": new,
        "changed": changed,
        "unchanged": unchanged,
        "left": outcome.left,
        "nik_invalid": outcome.nik_invalid,
    }
    if not (new or changed or outcome.left):
        return outcome
    now = timezone.now()
    with transaction.atomic():
        StaffMember.objects.filter(facility=facility).delete()
        StaffMember.objects.bulk_create(
            StaffMember(facility=facility, imported_at=now, **person) for person in people
        )
        audit.record(
            AuditEvent.Action.IMPORT,
            user=user,
            obj=batch,
            facility=facility,
            summary=outcome.message,
            detail={k: v for k, v in outcome.summary.items() if k not in ("file_name", "sha256")},
            row_count=outcome.rows,
            sha256=outcome.summary["sha256"],
        )
    return outcome
