"""Retention purge: personal data is removed once its period is over (UU 27/2022 Art. 42-44).

The period is data of each election (``Election.retention_days``, days after polling day, set
by an admin to cover the dispute window). An election is *closed* once polling day plus its
retention period lies before the cut-off (today, or an earlier ``--before`` date). Then:

- its KPU lists lose their entries and its reference DPT loads their rows (the PostgreSQL
  partition is dropped); the list rows keep their counts, file names and hashes;
- its reconciliation runs lose their items (runs keep their counts) and its review decisions go;
- its letter PDFs are deleted; the delivery and polling-day registers keep their counts but lose
  names, NIKs, birth dates and addresses;
- its import jobs lose their stored files and row errors.

An inmate who has left is purged once they left more than the facility's longest retention
period before the cut-off and every election of the facility with a polling day in that period
after their release is closed. The inmate row stays (letters, runs and registers point at it)
with the NIK, KK number, name, aliases, place of birth, address, notes and court reference
removed, the birth date cut to 1 January of its year, and the registration number replaced.
Their custody and NIK-lifecycle notes are cleared, Dukcapil request files that name only purged
people are deleted, and reconciliation items that still point at them are emptied.

On PostgreSQL the field history (django-pghistory's *Event tables) of every purged row is
deleted too: the trigger-kept copies would otherwise keep what was removed. Private files
under PRIVATE_ROOT that are transient (``imports/``, ``exports/``) or no longer referenced
(``letters/``) are deleted once older than an hour; Dukcapil request files once older than the
longest retention period. ``sweep_transient_files`` (Celery beat, every 15 minutes) does the
transient part on its own: a roster preview not confirmed within the hour expires. Meeting
attachments are the coordination record and are not touched.

Running the purge again changes nothing. Every run that removed something writes one
``AuditEvent`` PURGE with the cut-off and the counts (never the data).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pghistory.models
from django.apps import apps
from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone

from voters.core import audit
from voters.models import (
    TPS,
    AuditEvent,
    CustodyEvent,
    DukcapilRequest,
    Election,
    ImportBatch,
    Inmate,
    KskVisit,
    KskVoter,
    LetterBatch,
    LetterDelivery,
    ListEntry,
    NikTransition,
    PollingCheckIn,
    ReconciliationItem,
    ReferenceDPT,
    ReferenceEntry,
    ReviewDecision,
)

if TYPE_CHECKING:
    from voters.models import User

logger = logging.getLogger(__name__)

PURGED_PREFIX = "DIHAPUS-"
# Uploads waiting for a preview's confirmation and exports on their way out live this long.
TRANSIENT_AGE = ImportBatch.PREVIEW_LIFETIME


class PurgeRefused(ValueError):
    """The purge was asked for something it may not do (yet); nothing was changed."""


@dataclass
class PurgeResult:
    cutoff: dt.date
    elections: list = field(default_factory=list)
    counts: Counter = field(default_factory=Counter)
    dry_run: bool = False

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def summary(self) -> str:
        done = "akan dihapus" if self.dry_run else "dihapus"
        if not self.total:
            return f"Tidak ada data pribadi yang lewat masa simpan per {self.cutoff:%d-%m-%Y}."
        parts = ", ".join(f"{kind} {n}" for kind, n in sorted(self.counts.items()) if n)
        return f"Data pribadi per {self.cutoff:%d-%m-%Y} {done}: {parts}."


def closing_day(election: Election) -> dt.date:
    """The first day on which the election's personal data may be purged."""
    return election.polling_date + dt.timedelta(days=election.retention_days + 1)


def closed_elections(cutoff: dt.date) -> list[Election]:
    return [e for e in Election.objects.order_by("polling_date") if closing_day(e) <= cutoff]


def _longest_retention(elections):
    default = Election._meta.get_field("retention_days").default
    return dt.timedelta(days=max([e.retention_days for e in elections] or [default]))


def purgeable_inmates(cutoff: dt.date) -> list[int]:
    """Inmates who left long enough ago that no open election of their facility needs them."""
    chosen = []
    by_facility = {}
    for tps in TPS.objects.select_related("election"):
        by_facility.setdefault(tps.facility_id, set()).add(tps.election)
    left = (Inmate.objects.filter(tanggal_keluar__isnull=False, tanggal_keluar__lt=cutoff)
            .exclude(no_registrasi__startswith=PURGED_PREFIX))
    for inmate in left.only("pk", "facility_id", "tanggal_keluar"):
        elections = by_facility.get(inmate.facility_id, set())
        period = _longest_retention(elections)
        if inmate.tanggal_keluar + period >= cutoff:
            continue
        concerned = [e for e in elections
                     if inmate.tanggal_keluar <= e.polling_date <= inmate.tanggal_keluar + period]
        if all(closing_day(e) <= cutoff for e in concerned):
            chosen.append(inmate.pk)
    return chosen


def purge_personal_data(
    *,
    cutoff: dt.date | None = None,
    election: Election | None = None,
    dry_run: bool = False,
    user: User | None = None,
) -> PurgeResult:
    """Purge what is past its retention period on `cutoff` (default today). With `election`,
    only that election's data (it must be closed). Returns a PurgeResult."""
    today = timezone.localdate()
    cutoff = cutoff or today
    if cutoff > today:
        raise PurgeRefused(
            f"Tanggal batas {cutoff:%d-%m-%Y} masih di masa depan: data hanya dapat dihapus "
            "setelah masa simpannya lewat.")
    if election is not None and closing_day(election) > cutoff:
        raise PurgeRefused(
            f"Masa simpan data {election.code} baru berakhir pada "
            f"{closing_day(election) - dt.timedelta(days=1):%d-%m-%Y} "
            f"({election.retention_days} hari setelah pemungutan); belum dapat dihapus.")
    elections = [election] if election is not None else closed_elections(cutoff)
    result = PurgeResult(cutoff=cutoff, elections=[e.code for e in elections], dry_run=dry_run)
    files = []
    with transaction.atomic():
        for closed in elections:
            _purge_election(closed, result.counts, files)
        if election is None:
            ids = purgeable_inmates(cutoff)
            _purge_inmates(ids, result.counts, files)
            _sweep_files(cutoff, result.counts, files)
        if dry_run:
            transaction.set_rollback(True)
        elif result.total:
            audit.record(
                AuditEvent.Action.PURGE,
                user=user,
                summary=result.summary()[:300],
                detail={"cutoff": cutoff.isoformat(), "elections": result.elections,
                        "counts": dict(result.counts)},
                row_count=result.total,
            )
    if not dry_run:
        _delete_files(files)
    return result


# -- one closed election ---------------------------------------------------------------------


def _purge_election(election, counts, files):
    counts["entri daftar"] += ListEntry.objects.filter(voter_list__election=election).delete()[0]

    for reference in ReferenceDPT.objects.filter(election=election):
        rows = ReferenceEntry.objects.filter(reference=reference)
        n = rows.count()
        if n:
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("DROP TABLE IF EXISTS "
                                   + connection.ops.quote_name(reference.partition_name))
            else:
                rows.delete()
            counts["entri DPT rujukan"] += n

    counts["baris rekonsiliasi"] += ReconciliationItem.objects.filter(
        run__election=election).delete()[0]
    counts["keputusan pemeriksaan"] += ReviewDecision.objects.filter(
        election=election).delete()[0]

    for batch in LetterBatch.objects.filter(election=election).exclude(file_path=""):
        files.append(batch.file_path)
        counts["berkas surat"] += 1
    LetterBatch.objects.filter(election=election).exclude(file_path="").update(file_path="")

    deliveries = LetterDelivery.objects.filter(election=election).exclude(nama="")
    ids = list(deliveries.values_list("pk", flat=True))
    if ids:
        LetterDelivery.objects.filter(pk__in=ids).update(nama="", proxy_name="", note="")
        counts["tanda terima"] += len(ids)
        _forget_history(LetterDelivery, ids)
    checkins = PollingCheckIn.objects.filter(election=election).exclude(
        nama="", nik="", tanggal_lahir=None, alamat="")
    ids = list(checkins.values_list("pk", flat=True))
    if ids:
        PollingCheckIn.objects.filter(pk__in=ids).update(
            nama="", nik="", tanggal_lahir=None, alamat="", undo_reason="")
        counts["daftar hadir"] += len(ids)
        _forget_history(PollingCheckIn, ids)
    ksk = KskVoter.objects.filter(election=election).exclude(nama="", note="")
    ids = list(ksk.values_list("pk", flat=True))
    if ids:
        KskVoter.objects.filter(pk__in=ids).update(nama="", note="")
        counts["kunjungan KSK"] += len(ids)
        _forget_history(KskVoter, ids)
    visits = list(KskVisit.objects.filter(tps__election=election).exclude(note="")
                  .values_list("pk", flat=True))
    if visits:
        KskVisit.objects.filter(pk__in=visits).update(note="")
        _forget_history(KskVisit, visits)

    _forget_imports(ImportBatch.objects.filter(election=election), counts, files)


def _forget_imports(batches, counts, files):
    """Import jobs keep their counts; their stored file, row errors and preview go."""
    for batch in batches:
        if not (batch.stored_path or batch.row_errors or "preview" in (batch.summary or {})):
            continue
        if batch.stored_path:
            files.append(batch.stored_path)
        summary = {k: v for k, v in (batch.summary or {}).items() if k != "preview"}
        ImportBatch.objects.filter(pk=batch.pk).update(
            stored_path="", row_errors=[], summary=summary)
        counts["impor"] += 1


# -- inmates who left ------------------------------------------------------------------------


def _purge_inmates(ids, counts, files):
    if not ids:
        return
    for inmate in Inmate.objects.filter(pk__in=ids).only("pk", "tanggal_lahir"):
        Inmate.objects.filter(pk=inmate.pk).update(
            no_registrasi=f"{PURGED_PREFIX}{inmate.pk}",
            nama=f"(data dihapus #{inmate.pk})",
            aliases="", nik="", nik_format="blank", nik_issues=[], no_kk="", kk_format="blank",
            tempat_lahir="", tanggal_lahir=dt.date(inmate.tanggal_lahir.year, 1, 1),
            alamat="", putusan_pencabutan="", keterangan="", row_hash="",
            updated_at=timezone.now(),
        )
    counts["WBP"] += len(ids)
    CustodyEvent.objects.filter(inmate_id__in=ids).update(detail="", reference="")
    NikTransition.objects.filter(inmate_id__in=ids).update(evidence="")
    ReviewDecision.objects.filter(inmate_id__in=ids).delete()
    touched = ReconciliationItem.objects.filter(
        models.Q(inmate_id__in=ids) | models.Q(key__in=[f"inmate:{pk}" for pk in ids]))
    touched.update(inmate=None, nik="", nama="", no_registrasi="", tanggal_lahir=None,
                   ref={}, candidates=[], match_fields=[])
    LetterDelivery.objects.filter(inmate_id__in=ids).update(nama="", proxy_name="", note="")
    PollingCheckIn.objects.filter(inmate_id__in=ids).update(
        nama="", nik="", tanggal_lahir=None, alamat="")
    KskVoter.objects.filter(inmate_id__in=ids).update(nama="", note="")
    for request in DukcapilRequest.objects.filter(inmates__in=ids).distinct():
        if not request.inmates.exclude(pk__in=ids).exists():
            from voters.inmates.dukcapil import request_file

            files.append(str(request_file(request)))
            counts["berkas"] += 1
    _forget_history(Inmate, ids)


# -- history and files -----------------------------------------------------------------------


def event_models(model: type[models.Model]) -> list[type[models.Model]]:
    """The pghistory event models that keep copies of `model`'s rows."""
    return [m for m in apps.get_models()
            if issubclass(m, pghistory.models.Event)
            and getattr(m, "pgh_tracked_model", None) is model]


def _forget_history(model, ids):
    for event_model in event_models(model):
        event_model.objects.filter(pgh_obj_id__in=ids).delete()


def _private(*parts):
    return Path(settings.PRIVATE_ROOT, *parts)


def _sweep_files(cutoff, counts, files):
    now = timezone.now()
    horizon = min(now, timezone.make_aware(dt.datetime.combine(cutoff, dt.time.min)))
    kept = {str(Path(p)) for p in LetterBatch.objects.exclude(file_path="")
            .values_list("file_path", flat=True)}
    kept |= {str(Path(p)) for p in ImportBatch.objects.exclude(stored_path="")
             .filter(status__in=["queued", "running"]).values_list("stored_path", flat=True)}
    period = _longest_retention(Election.objects.all())
    # Old import jobs of the roster (no election) keep no row errors or previews either.
    _forget_imports(ImportBatch.objects.filter(election__isnull=True,
                                               created_at__lt=horizon - period), counts, files)
    rules = [("imports", TRANSIENT_AGE), ("exports", TRANSIENT_AGE), ("letters", TRANSIENT_AGE),
             ("dukcapil", period)]
    for folder, age in rules:
        root = _private(folder)
        if not root.is_dir():
            continue
        for path in root.iterdir():
            if not path.is_file() or str(path) in kept or str(path) in files:
                continue
            modified = dt.datetime.fromtimestamp(path.stat().st_mtime, tz=dt.UTC)
            if modified < horizon - age:
                files.append(str(path))
                counts["berkas"] += 1


def _delete_files(paths):
    root = _private().resolve()
    for name in paths:
        path = Path(name)
        try:
            if path.resolve().is_relative_to(root):
                path.unlink(missing_ok=True)
        except OSError as exc:
            logger.error("purge: could not delete a private file (%s)", exc.strerror)


def sweep_transient_files(*, now: dt.datetime | None = None) -> int:
    """Uploads and exports are transient (SECURITY.md check 14): a roster preview not confirmed
    within TRANSIENT_AGE expires with its file, and any file under PRIVATE_ROOT/imports,
    /exports or /django-import-export (an admin import previewed and never confirmed) older
    than that which no queued or running job needs is deleted. Returns the number of files
    deleted."""
    now = now or timezone.now()
    limit = now - TRANSIENT_AGE
    files = []
    expired = ImportBatch.objects.filter(
        kind__in=ImportBatch.PREVIEWED, status=ImportBatch.Status.QUEUED, started_at=None,
        confirmed_at=None, created_at__lt=limit).exclude(stored_path="")
    for batch in expired:
        files.append(batch.stored_path)
        ImportBatch.objects.filter(pk=batch.pk).update(stored_path="")
        batch.fail("Pratinjau kedaluwarsa (lebih dari satu jam tanpa konfirmasi); unggah ulang.")
    needed = {str(Path(p)) for p in ImportBatch.objects.exclude(stored_path="")
              .filter(status__in=["queued", "running"]).values_list("stored_path", flat=True)}
    for folder in ("imports", "exports", "django-import-export"):
        root = _private(folder)
        if not root.is_dir():
            continue
        for path in root.iterdir():
            if path.is_file() and str(path) not in needed and str(path) not in files:
                modified = dt.datetime.fromtimestamp(path.stat().st_mtime, tz=dt.UTC)
                if modified < limit:
                    files.append(str(path))
    _delete_files(files)
    return len(files)
