"""The Dukcapil round trip: a verification request (XLSX) out, Dukcapil's answer file in.

The request lists the selected inmates with the data Dukcapil needs to look them up. Dukcapil
fills in a result per row (and a corrected NIK where they found one); importing that answer moves
every NIK along its lifecycle, all or nothing.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from voters.core import audit, storage
from voters.core import spreadsheets as exports
from voters.core.jobs import discard_upload, fail_crashed, fail_refused
from voters.core.uploads import ImportRejected, xlsx_limits
from voters.inmates.services import (
    TransitionRefused,
    change_nik_status,
    inmates_by_registration,
)
from voters.models import (
    NIK_TRANSITIONS,
    AuditEvent,
    DukcapilRequest,
    ImportBatch,
    Inmate,
    NikStatus,
)
from voters.readers import tables
from voters.readers.cells import CellError, FileRejected, is_blank, keep_raw, parse_date, parse_text
from voters.readers.tables import Column, RowError
from voters.rules import nik as nik_rules

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile
    from django.http import HttpRequest

    from voters.models import Facility, User

logger = logging.getLogger(__name__)

REQUEST_HEADER = [
    "NO",
    "NO_REGISTRASI",
    "NIK",
    "NO_KK",
    "NAMA",
    "TEMPAT_LAHIR",
    "TANGGAL_LAHIR",
    "JENIS_KELAMIN",
    "ALAMAT",
    "KODE_WILAYAH",
    "HASIL_VERIFIKASI",
    "NIK_HASIL",
    "TANGGAL",
    "KETERANGAN",
]

# Dukcapil's words for its findings, normalised (lower case, single spaces) → lifecycle status.
RESULT_WORDS = {
    "sesuai": NikStatus.VERIFIED,
    "valid": NikStatus.VERIFIED,
    "ditemukan": NikStatus.VERIFIED,
    "terverifikasi": NikStatus.VERIFIED,
    "padan": NikStatus.VERIFIED,
    "tidak ditemukan": NikStatus.NOT_FOUND,
    "tidak padan": NikStatus.NOT_FOUND,
    "tidak sesuai": NikStatus.NOT_FOUND,
    "belum rekam": NikStatus.NOT_RECORDED,
    "belum perekaman": NikStatus.NOT_RECORDED,
    "belum rekam ktp el": NikStatus.NOT_RECORDED,
    "perekaman dijadwalkan": NikStatus.RECORDING_SCHEDULED,
    "dijadwalkan": NikStatus.RECORDING_SCHEDULED,
    "sudah rekam": NikStatus.RECORDED,
    "sudah perekaman": NikStatus.RECORDED,
    "direkam": NikStatus.RECORDED,
    "biometrik ditemukan": NikStatus.BIOMETRIC_MATCH,
    "biometrik padan": NikStatus.BIOMETRIC_MATCH,
    "biometrik tidak ditemukan": NikStatus.BIOMETRIC_NO_MATCH,
    "biometrik tidak padan": NikStatus.BIOMETRIC_NO_MATCH,
}


def parse_result(raw: object) -> NikStatus:
    text = re.sub(r"[\s\-_/.]+", " ", parse_text(raw).lower()).strip()
    if not text:
        raise CellError("hasil verifikasi kosong")
    if text in RESULT_WORDS:
        return RESULT_WORDS[text]
    try:
        return NikStatus(text.replace(" ", "_"))
    except ValueError:
        known = ", ".join(sorted(RESULT_WORDS))
        raise CellError(f'hasil "{parse_text(raw)[:40]}" tidak dikenal (pilih: {known})') from None


ANSWER_COLUMNS = [
    Column("no_registrasi", ("no reg", "nomor registrasi", "no registrasi"), True, parse_text),
    Column(
        "hasil",
        ("hasil verifikasi", "hasil_verifikasi", "status", "hasil padan"),
        True,
        parse_result,
    ),
    Column("nik_hasil", ("nik benar", "nik dukcapil", "nik hasil"), False, keep_raw),
    Column("tanggal", ("tanggal perekaman", "tanggal jadwal", "tgl"), False, parse_date),
    Column("keterangan", ("catatan", "ket"), False, parse_text),
]


def request_file(request: DukcapilRequest) -> Path:
    """Where the request workbook of a DukcapilRequest is kept (private storage)."""
    return storage.private_dir("dukcapil") / f"permintaan-{request.pk}.xlsx"


def hand_out_request_file(
    *, dukcapil_request: DukcapilRequest, request: HttpRequest
) -> Path | None:
    """The request workbook for a download, recorded in the audit trail (it carries full NIKs:
    SECURITY.md check 25); None when the file is gone. ``request``: the HTTP request, for the
    person and their address."""
    path = request_file(dukcapil_request)
    if not path.exists():
        return None
    audit.record(
        AuditEvent.Action.DOWNLOAD,
        request=request,
        obj=dukcapil_request,
        summary=f"Unduh permintaan Dukcapil #{dukcapil_request.pk}",
        row_count=dukcapil_request.inmates.count(),
        sha256=audit.sha256_of_file(path),
    )
    return path


@transaction.atomic
def create_request(
    *, facility: Facility, inmate_ids: Iterable[int], user: User, reference: str = ""
) -> DukcapilRequest:
    """Write the request workbook and mark every valid NIK as sent."""
    inmates = list(
        Inmate.objects.filter(facility=facility, pk__in=inmate_ids).order_by(
            "nama", "no_registrasi"
        )
    )
    if not inmates:
        raise ImportRejected("", "Pilih paling sedikit satu WBP.")
    request = DukcapilRequest.objects.create(
        facility=facility, created_by=user, reference=reference
    )
    request.inmates.set(inmates)
    rows = [
        [
            n,
            i.no_registrasi,
            i.nik,
            i.no_kk,
            i.nama,
            i.tempat_lahir,
            i.tanggal_lahir,
            i.jenis_kelamin,
            i.alamat,
            i.kode_wilayah,
            "",
            "",
            "",
            "",
        ]
        for n, i in enumerate(inmates, start=1)
    ]
    path = request_file(request)
    exports.write_xlsx(
        path,
        REQUEST_HEADER,
        rows,
        sheet_title="Verifikasi NIK",
        text_columns=["NIK", "NO_KK", "NO_REGISTRASI", "KODE_WILAYAH"],
    )
    now = timezone.now()
    for inmate in inmates:
        if inmate.nik_format == "valid" and NikStatus.SENT in NIK_TRANSITIONS.get(
            NikStatus(inmate.nik_status), set()
        ):
            change_nik_status(
                inmate=inmate,
                to_status=NikStatus.SENT,
                user=user,
                now=now,
                evidence=f"permintaan verifikasi Dukcapil #{request.pk}",
            )
    audit.record(
        AuditEvent.Action.EXPORT,
        user=user,
        facility=facility,
        obj=request,
        summary=f"Permintaan verifikasi Dukcapil #{request.pk}",
        detail={"inmates": len(inmates)},
        row_count=len(inmates),
        sha256=audit.sha256_of_file(path),
    )
    return request


def import_answer(
    *, path: str | Path, facility: Facility, user: User | None, file_name: str | None = None
) -> dict[str, int]:
    """Apply Dukcapil's answer file. All or nothing; returns counts per new status."""
    file_name = file_name or str(path).rsplit("/", 1)[-1]
    try:
        rows, errors = tables.collect(path, ANSWER_COLUMNS, limits=xlsx_limits())
    except FileRejected as exc:
        raise ImportRejected(file_name, f'Berkas "{file_name}" ditolak: {exc.reason}') from exc
    inmates = inmates_by_registration(facility, rows)
    plans = []
    for row in rows:
        if row.errors:
            continue
        values = row.values
        inmate = inmates.get(values["no_registrasi"])
        if inmate is None:
            errors.append(
                RowError(
                    row.row_number,
                    "no_registrasi",
                    f'"{values["no_registrasi"]}" tidak ada di roster {facility.code}',
                )
            )
            continue
        new_nik = None
        if not is_blank(values.get("nik_hasil")):
            checked = nik_rules.check(
                values["nik_hasil"],
                kind="nik",
                birth_date=inmate.tanggal_lahir,
                sex=inmate.jenis_kelamin,
            )
            if checked.status != nik_rules.NikFormat.VALID:
                errors.append(
                    RowError(
                        row.row_number, "nik_hasil", "NIK hasil Dukcapil bukan 16 digit yang sah"
                    )
                )
                continue
            new_nik = checked
        target = values["hasil"]
        if target != inmate.nik_status and target not in _reachable(inmate):
            errors.append(
                RowError(
                    row.row_number,
                    "hasil",
                    f'status "{NikStatus(inmate.nik_status).label}" tidak dapat menjadi '
                    f'"{target.label}"',
                )
            )
            continue
        plans.append((row, inmate, target, new_nik))
    if errors:
        raise ImportRejected(
            file_name,
            f'Berkas "{file_name}" ditolak; tidak ada yang disimpan.\n'
            + tables.format_errors(errors),
            errors,
        )
    counts = {}
    now = timezone.now()
    with transaction.atomic():
        for row, inmate, target, new_nik in plans:
            evidence = f"jawaban Dukcapil {file_name}"
            if row.values.get("tanggal"):
                evidence += f" ({row.values['tanggal']:%d-%m-%Y})"
            if row.values.get("keterangan"):
                evidence += f": {row.values['keterangan']}"
            if new_nik is not None and new_nik.text != inmate.nik:
                Inmate.objects.filter(pk=inmate.pk).update(
                    nik=new_nik.text,
                    nik_format="valid",
                    nik_issues=sorted({i.code for i in new_nik.warnings}),
                    # A new version even when the status stays: what is kept under the
                    # roster's versions (eligibility.roster_versions) must see the new NIK.
                    version=F("version") + 1,
                    updated_at=now,
                )
                inmate.refresh_from_db()
                evidence += " — NIK diperbarui dari Dukcapil"
            try:
                for step in _path(NikStatus(inmate.nik_status), target):
                    change_nik_status(
                        inmate=inmate, to_status=step, user=user, now=now, evidence=evidence
                    )
            except TransitionRefused as exc:
                raise ImportRejected(
                    file_name,
                    f'Berkas "{file_name}" ditolak; tidak ada yang '
                    f"disimpan.\nbaris {row.row_number}: {exc}",
                ) from exc
            label = str(target.label)
            counts[label] = counts.get(label, 0) + 1
        DukcapilRequest.objects.filter(facility=facility, answered_at__isnull=True).filter(
            inmates__in=[p[1] for p in plans]
        ).update(answered_at=now)
        audit.record(
            AuditEvent.Action.IMPORT,
            user=user,
            facility=facility,
            summary=f"Jawaban Dukcapil {file_name}",
            detail=counts,
            row_count=len(plans),
            sha256=audit.sha256_of_file(path),
        )
    return counts


def start_answer_import(
    *, uploaded: UploadedFile, facility: Facility, user: User
) -> ImportBatch:
    """Store an uploaded answer file and queue the job that reads and applies it (never read in
    the request: SECURITY.md check 31). Returns the ImportBatch."""
    from voters import tasks
    from voters.core.jobs import start_upload_job

    return start_upload_job(
        uploaded=uploaded,
        task=tasks.import_dukcapil_answer_task,
        kind=ImportBatch.Kind.DUKCAPIL,
        facility=facility,
        created_by=user,
    )


def run_answer_batch(batch_id: int) -> ImportBatch | None:
    """The job behind an uploaded answer: apply it (all or nothing), record the counts or the
    reasons on the batch, and delete the file whatever happened."""
    batch = (
        ImportBatch.objects.select_related("facility", "created_by")
        .filter(pk=batch_id, kind=ImportBatch.Kind.DUKCAPIL)
        .first()
    )
    if batch is None:
        return None
    if not batch.claim():
        if batch.is_finished:
            discard_upload(batch)
        return batch
    try:
        batch.report(message="Membaca jawaban Dukcapil")
        counts = import_answer(
            path=batch.stored_path,
            facility=batch.facility,
            user=batch.created_by,
            file_name=batch.file_name,
        )
    except ImportRejected as exc:
        fail_refused(batch, exc)
    except Exception as exc:  # never leave the row running
        logger.exception("Dukcapil answer batch %s failed", batch.pk)
        fail_crashed(batch, exc)
    else:
        batch.summary = {"counts": counts, "rows": sum(counts.values())}
        batch.save(update_fields=["summary"])
        text = ", ".join(f"{label}: {n}" for label, n in counts.items())
        batch.succeed(f"Jawaban Dukcapil diterapkan. {text}".strip())
    finally:
        discard_upload(batch)
    return batch


def _reachable(inmate):
    current = NikStatus(inmate.nik_status)
    return {s for s in NikStatus if _path(current, s)}


def _path(start, target):
    """The shortest chain of allowed steps from start to target (empty if none or same)."""
    if start == target:
        return []
    frontier, seen = [(start, [])], {start}
    while frontier:
        node, steps = frontier.pop(0)
        for nxt in NIK_TRANSITIONS.get(node, ()):
            if nxt in seen:
                continue
            if nxt == target:
                return [*steps, nxt]
            seen.add(nxt)
            frontier.append((nxt, [*steps, nxt]))
    return []
