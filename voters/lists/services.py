"""KPU voter lists: importing a TPS list, the reference DPT and the dapil table; reading them.

Every import is all or nothing (CONTRACT.md): the file is read and checked in full inside one
transaction, and any row error (or a rejected file) raises ``ImportRejected`` / ``FileRejected``
before anything becomes visible; the previous list stays as it was. Importing the same file
again changes nothing (the file's SHA-256 is compared with the list in force).

- ``import_voter_list``: replaces one TPS's DPT, DPTb or DPK, entries deleted and written in the
  same transaction, so a re-import leaves no orphans.
- ``import_reference_dpt``: the DPT of a whole kabupaten/kota. On PostgreSQL the rows are streamed
  with COPY into a new table created in the same transaction (``COPY ... FREEZE``: no hint-bit
  rewrite later; a plain CSV is read and checked by Polars in a thread while the previous
  rows are sent), the two indexes matching needs are built after the load, the table is
  attached as the load's partition of ``voters_referenceentry`` (a CHECK constraint added first
  spares PostgreSQL the validation scan), and the previous load's partition is dropped, all in
  one transaction whose locks on the shared table are taken only in its last milliseconds. A
  crash at any point rolls everything back. On SQLite the rows are bulk-inserted in the same
  single transaction.
- ``import_dapil``: the electoral districts of a Pemilu, replaced whole.

Decisions where CONTRACT.md is silent:
- A TPS list file whose ``tps`` column names another TPS than ``--tps`` is a row error on that
  row (column ``tps``), so the file is refused: such a row belongs to another TPS's list (a
  kelurahan-wide export, the wrong sheet), and importing it would put strangers on this TPS.
  A blank ``tps`` cell is accepted; ``TPS 0901`` and ``901`` are the same TPS.
- The same full NIK twice in one list is imported and reported (``nik_duplicates``): the
  reconciliation classifies it GANDA. There is no uniqueness on NIK: masked and blank NIKs
  repeat by nature, and a KPU list is kept as sent.
- An empty list (a header and no rows) is a list of nobody, e.g. a DPK without voters.
- Importing a file identical (SHA-256) to the list in force writes nothing, so entry ids stay.

Uploads from the browser are stored under PRIVATE_ROOT/imports with a server-made name, run as a
Celery job (``start_import`` + ``run_import_batch``) and deleted afterwards.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import logging
import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import OperationalError, connection, transaction
from django.utils import timezone

from voters.core import audit, history
from voters.core.jobs import ThrottledProgress, discard_upload, fail_crashed, row_errors
from voters.core.uploads import ImportRejected, xlsx_limits
from voters.lists.rows import FIELDS, ListFile
from voters.models import (
    AuditEvent,
    DapilEntry,
    ImportBatch,
    ListEntry,
    ListKind,
    ReferenceDPT,
    ReferenceEntry,
    VoterList,
)
from voters.readers import cells, tables
from voters.readers.cells import FileRejected
from voters.readers.tables import RowError
from voters.rules import nik as nik_rules
from voters.rules import wilayah

if TYPE_CHECKING:
    from pathlib import Path

    from django.core.files.uploadedfile import UploadedFile
    from django.http import HttpRequest

    from voters.models import TPS, Election, User

logger = logging.getLogger(__name__)

# An XLSX of a regency's DPT unpacks to far more than xlsx_guard.MAX_UNPACKED (50 MB); the
# compression-ratio and member checks still apply. python-calamine holds the whole sheet in
# memory, so the limit also bounds the worker's memory (bench/README.md).
REFERENCE_MAX_UNPACKED = 1024 * 1024 * 1024
# Rows per COPY statement: progress is reported between statements.
COPY_ROWS = 65_536
# Advisory-lock namespace: one reference-DPT load per election at a time.
REFERENCE_LOCK = 0x7D5F
# Each load's partition gets the indexes of the shared table (ReferenceEntry.Meta.indexes), so
# that ATTACH PARTITION adopts them instead of building them again.
REFERENCE_INDEXES = (
    ("nik", '("nik_angka") WHERE "nik_angka" IS NOT NULL'),
    ("birth", '("tanggal_lahir")'),
)
LOCK_NOT_AVAILABLE = "55P03"


@dataclass
class ImportOutcome:
    obj: Any
    changed: bool
    message: str
    summary: dict = field(default_factory=dict)


@contextlib.contextmanager
def _gc_paused():
    # Reading creates millions of short-lived lists and tuples and no reference cycles; the
    # cyclic collector would otherwise walk every live object again and again (30% of a load).
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _rejected_rows(reader, summary):
    return ImportRejected.refused(
        reader.file_name,
        f"{reader.error_count} kesalahan pada baris data; tidak ada yang disimpan",
        errors=reader.errors,
        error_count=reader.error_count,
        summary=summary,
    )


def _summary(reader, **extra):
    return {
        "file_name": reader.file_name,
        "sha256": reader.sha256,
        "rows_read": reader.rows_read,
        "rows_rejected": reader.error_count,
        **reader.counts,
        **extra,
    }


def _nik_phrase(counts):
    nik = counts.get("nik", {})
    parts = [
        f"{label} {nik[key]}"
        for key, label in (("masked", "tersamar"), ("invalid", "tidak sah"), ("blank", "kosong"))
        if nik.get(key)
    ]
    return f"; NIK {', '.join(parts)}" if parts else ""


# -- TPS lists -----------------------------------------------------------------------------


def import_voter_list(
    *,
    path: str | Path,
    election: Election,
    tps: TPS,
    kind: str,
    user: User | None = None,
    batch: ImportBatch | None = None,
    file_name: str | None = None,
    progress: ThrottledProgress | None = None,
    max_bytes: int | None = None,
) -> ImportOutcome:
    """Replace the ``kind`` list (DPT, DPTB, DPK) of ``tps`` with the file's rows."""
    kind = ListKind(str(kind).upper())
    if tps.election_id != election.pk:
        raise ValueError(f"TPS {tps.number} bukan TPS pemilihan {election.code}")
    progress = progress or ThrottledProgress(batch)
    expected = cells.parse_tps(tps.number) or tps.number
    with ListFile(
        path,
        file_name=file_name,
        max_bytes=max_bytes,
        limits=xlsx_limits(),
        expected_tps=expected,
    ) as reader:
        current = VoterList.objects.filter(tps=tps, kind=kind).first()
        if current is not None and current.sha256 == reader.sha256:
            message = (
                f"{current.get_kind_display()} TPS {tps.number} ({election.code}): berkas sama "
                f"dengan daftar yang berlaku ({current.row_count} pemilih); tidak ada perubahan."
            )
            summary = {**current.counts, "unchanged": True, "file_name": reader.file_name}
            return ImportOutcome(current, False, message, summary)
        with transaction.atomic(), history.context(import_batch=getattr(batch, "pk", None)):
            voter_list, created = VoterList.objects.select_for_update().get_or_create(
                tps=tps,
                kind=kind,
                defaults={"election": election, "file_name": reader.file_name},
            )
            if not created:
                # Through the ORM, so that rows of other tables that point at entries follow
                # their on_delete rules: the list is replaced whole, never merged.
                voter_list.entries.all().delete()
            position = 0
            first_row: dict[str, int] = {}
            duplicates = []
            with _gc_paused():
                for rows in reader.batches():
                    if reader.error_count:
                        continue  # keep reading to list every bad row; write nothing more
                    entries = []
                    for record in rows.records():
                        position += 1
                        record["tps_number"] = record.pop("tps")
                        if record["nik_format"] == "valid":
                            seen = first_row.setdefault(record["nik"], record["row_number"])
                            if seen != record["row_number"] and len(duplicates) < 100:
                                duplicates.append([record["row_number"], seen])
                        entries.append(
                            ListEntry(voter_list=voter_list, position=position, **record)
                        )
                    ListEntry.objects.bulk_create(entries, batch_size=1000)
                    progress(reader.rows_read, reader.estimated_rows)
            duplicate_count = position - len(first_row) - _not_valid(reader.counts)
            summary = _summary(
                reader,
                kind=kind.value,
                tps=tps.number,
                nik_duplicates=duplicate_count,
                duplicate_rows=duplicates,
            )
            if reader.error_count:
                raise _rejected_rows(reader, summary)
            voter_list.election = election
            voter_list.batch = batch
            voter_list.file_name = reader.file_name
            voter_list.sha256 = reader.sha256
            voter_list.row_count = position
            voter_list.counts = summary
            voter_list.imported_at = timezone.now()
            voter_list.imported_by = user if user is not None and user.pk else None
            voter_list.save()
    sex = summary["sex"]
    message = (
        f"{voter_list.get_kind_display()} TPS {tps.number} ({election.code}): {position} pemilih "
        f'dari "{reader.file_name}" (L {sex["L"]}, P {sex["P"]}{_nik_phrase(summary)})'
        + (f"; {duplicate_count} NIK ganda" if duplicate_count else "")
        + ("; daftar lama diganti." if not created else ".")
    )
    return ImportOutcome(voter_list, True, message, summary)


def _not_valid(counts):
    return sum(value for key, value in counts["nik"].items() if key != "valid")


# -- the reference DPT ---------------------------------------------------------------------


def active_reference(election: Election) -> ReferenceDPT | None:
    return ReferenceDPT.objects.filter(election=election, status=ReferenceDPT.Status.ACTIVE).first()


def import_reference_dpt(
    *,
    path: str | Path,
    election: Election,
    user: User | None = None,
    batch: ImportBatch | None = None,
    file_name: str | None = None,
    progress: ThrottledProgress | None = None,
    max_bytes: int | None = None,
) -> ImportOutcome:
    """Load the file as the election's reference DPT, replacing the one in force."""
    progress = progress or ThrottledProgress(batch)
    with ListFile(
        path,
        file_name=file_name,
        max_bytes=max_bytes,
        max_unpacked=REFERENCE_MAX_UNPACKED,
        limits=xlsx_limits(reference=True),
    ) as reader:
        current = active_reference(election)
        if current is not None and current.sha256 == reader.sha256:
            message = (
                f"DPT rujukan {election.code}: berkas sama dengan DPT rujukan yang berlaku "
                f"({current.row_count} pemilih); tidak ada perubahan."
            )
            summary = {**current.counts, "unchanged": True, "file_name": reader.file_name}
            return ImportOutcome(current, False, message, summary)
        # The file's SHA-256 is recorded when the load ends (_activate, or failed below): the
        # thread computing it runs while the reading starts.
        reference = ReferenceDPT.objects.create(
            election=election,
            batch=batch,
            file_name=reader.file_name,
            imported_by=user if user is not None and user.pk else None,
        )
        try:
            with history.context(import_batch=getattr(batch, "pk", None)):
                if connection.vendor == "postgresql":
                    replaced = _load_partition(reference, reader, progress)
                else:
                    replaced = _load_rows(reference, reader, progress)
        except BaseException:
            digest = ""
            with contextlib.suppress(Exception):  # the file may be what failed
                digest = reader.sha256
            ReferenceDPT.objects.filter(pk=reference.pk).update(
                status=ReferenceDPT.Status.FAILED, sha256=digest
            )
            raise
    summary = reference.counts
    sex = summary["sex"]
    message = (
        f"DPT rujukan {election.code}: {reference.row_count} pemilih dari "
        f'"{reader.file_name}" (L {sex["L"]}, P {sex["P"]}{_nik_phrase(summary)})'
        + ("; DPT rujukan lama diganti." if replaced else ".")
    )
    return ImportOutcome(reference, True, message, summary)


def _activate(reference, reader, count):
    """Mark ``reference`` active and the election's previous one replaced; return those."""
    previous = list(
        ReferenceDPT.objects.select_for_update()
        .filter(election_id=reference.election_id, status=ReferenceDPT.Status.ACTIVE)
        .exclude(pk=reference.pk)
    )
    ReferenceDPT.objects.filter(pk__in=[old.pk for old in previous]).update(
        status=ReferenceDPT.Status.REPLACED
    )
    reference.status = ReferenceDPT.Status.ACTIVE
    reference.row_count = count
    reference.sha256 = reader.sha256
    reference.counts = _summary(reader)
    reference.activated_at = timezone.now()
    reference.save(update_fields=["status", "row_count", "sha256", "counts", "activated_at"])
    return previous


def _forget_dead_loads(reference):
    """Loads of this election still marked as loading belong to a process that died (loads of
    one election are serialised): they never became visible, so mark them failed."""
    ReferenceDPT.objects.filter(
        election_id=reference.election_id, status=ReferenceDPT.Status.LOADING
    ).exclude(pk=reference.pk).update(status=ReferenceDPT.Status.FAILED)


def _load_partition(reference, reader, progress):
    quote = connection.ops.quote_name
    table = reference.partition_name
    check = f"{table}_load"
    pk = int(reference.pk)
    columns = ", ".join(quote(name) for name in ("position", *FIELDS, "nik_angka"))
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s, %s)", [REFERENCE_LOCK, reference.election_id]
        )
        _forget_dead_loads(reference)
        # A table of this name can only be left over from a database whose ids were reset
        # (a test flush): no load owns it, since this load owns its id now.
        cursor.execute(f"DROP TABLE IF EXISTS {quote(table)}")
        cursor.execute(
            f"CREATE TABLE {quote(table)} (LIKE voters_referenceentry "
            "INCLUDING DEFAULTS INCLUDING CONSTRAINTS)"
        )
        cursor.execute(f"ALTER TABLE {quote(table)} ALTER COLUMN reference_id SET DEFAULT {pk}")
        cursor.execute(
            f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(check)} CHECK (reference_id = {pk})"
        )
        progress(0, 0, "Membaca dan memeriksa baris", force=True)
        sql = f"COPY {quote(table)} ({columns}) FROM STDIN WITH (FREEZE)"
        count = 0
        # After the first bad row the reader yields nothing more, but reads on to list every
        # bad row; a thread reads and checks the next rows while these are sent (copy_chunks).
        chunks = reader.copy_chunks(1, nik_number=True)
        finished = False
        with _gc_paused(), contextlib.closing(chunks):
            # One COPY per COPY_ROWS rows, so that progress can be written in between. FREEZE:
            # the table was created in this (sub)transaction, so rows are written frozen and no
            # later scan rewrites the pages to set hint bits.
            while not finished:
                copied = 0
                with cursor.copy(sql) as copy:
                    for text, rows in chunks:
                        copy.write(text)
                        copied += rows
                        if copied >= COPY_ROWS:
                            break
                    else:
                        finished = True
                count += copied
                # Rows sent to PostgreSQL (the reader thread runs up to a few blocks ahead);
                # after a bad row nothing more is sent, and the rows read are shown instead.
                progress(reader.rows_read if reader.error_count else count, reader.estimated_rows)
        if reader.error_count:
            raise _rejected_rows(reader, _summary(reader))
        progress(count, count, "Membangun indeks", force=True)
        memory = getattr(settings, "REFERENCE_INDEX_MEMORY", "256MB")
        cursor.execute("SELECT set_config('maintenance_work_mem', %s, true)", [memory])
        for suffix, definition in REFERENCE_INDEXES:
            name = quote(f"{table}_{suffix}")
            cursor.execute(f"CREATE INDEX {name} ON {quote(table)} {definition}")
        cursor.execute(f"ALTER TABLE {quote(table)} ALTER COLUMN reference_id DROP DEFAULT")
        progress(count, count, "Mengaktifkan DPT rujukan", force=True)
        # The shared table is locked from here to commit: wait a bounded time for readers.
        cursor.execute("SELECT set_config('lock_timeout', '60s', true)")
        try:
            cursor.execute(
                f"ALTER TABLE voters_referenceentry ATTACH PARTITION {quote(table)} "
                f"FOR VALUES IN ({pk})"
            )
            cursor.execute(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(check)}")
            previous = _activate(reference, reader, count)
            for old in previous:
                cursor.execute(f"DROP TABLE IF EXISTS {quote(old.partition_name)}")
        except OperationalError as error:
            if getattr(error.__cause__, "sqlstate", None) != LOCK_NOT_AVAILABLE:
                raise
            raise ImportRejected.refused(
                reader.file_name,
                "DPT rujukan yang berlaku sedang dibaca proses lain lebih dari 60 detik; "
                "tidak ada yang diubah, coba lagi nanti",
                summary=_summary(reader),
            ) from error
    return previous


def _load_rows(reference, reader, progress):
    """The portable path (SQLite): bulk inserts inside one transaction."""
    with transaction.atomic():
        _forget_dead_loads(reference)
        progress(0, 0, "Membaca dan memeriksa baris", force=True)
        position = 0
        with _gc_paused():
            for rows in reader.batches():
                if reader.error_count:
                    continue
                entries = []
                for record in rows.records():
                    position += 1
                    del record["row_number"]
                    record["nik_angka"] = nik_number(record["nik"])
                    entries.append(ReferenceEntry(reference=reference, position=position, **record))
                ReferenceEntry.objects.bulk_create(entries, batch_size=2000)
                progress(reader.rows_read, reader.estimated_rows)
        if reader.error_count:
            raise _rejected_rows(reader, _summary(reader))
        progress(position, position, "Mengaktifkan DPT rujukan", force=True)
        previous = _activate(reference, reader, position)
        ReferenceEntry.objects.filter(reference_id__in=[old.pk for old in previous]).delete()
    return previous


def discard_reference(reference: ReferenceDPT) -> None:
    """Remove a load's rows (its partition on PostgreSQL); the row stays as history."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    f"DROP TABLE IF EXISTS {connection.ops.quote_name(reference.partition_name)}"
                )
        else:
            ReferenceEntry.objects.filter(reference=reference).delete()
        if reference.status == ReferenceDPT.Status.ACTIVE:
            ReferenceDPT.objects.filter(pk=reference.pk).update(status=ReferenceDPT.Status.REPLACED)


def nik_number(nik: str) -> int | None:
    """A NIK of 16 ASCII digits as the number ReferenceEntry.nik_angka holds, else None."""
    return int(nik) if nik_rules.is_full(nik) else None


def search_reference(
    reference: ReferenceDPT | None,
    *,
    nik: str = "",
    nama: str = "",
    tanggal_lahir: dt.date | None = None,
    tahun_lahir: int | None = None,
    limit: int = 50,
) -> list[ReferenceEntry]:
    """Entries of ``reference`` found by full NIK, or by birth date (and name, ranked by
    similarity), or by name within a birth year (the search of the masked roles). The first
    two use an index built at load time."""
    from voters.rules.names import name_similarity

    if reference is None:
        return []
    qs = ReferenceEntry.objects.filter(reference=reference)
    if nik:
        number = nik_number(nik)
        if number is not None:  # the index holds NIKs of 16 digits, as numbers
            qs = qs.filter(nik_angka=number)
        return list(qs.filter(nik=nik).order_by("position")[:limit])
    if tanggal_lahir is not None:
        rows = list(qs.filter(tanggal_lahir=tanggal_lahir).order_by("position")[:5000])
    elif nama:
        # The longest word narrows the scan in the database; similarity ranks what is left.
        word = max(nama.split(), key=len)
        qs = qs.filter(nama__icontains=word)
        if tahun_lahir:
            qs = qs.filter(
                tanggal_lahir__gte=dt.date(tahun_lahir, 1, 1),
                tanggal_lahir__lte=dt.date(tahun_lahir, 12, 31),
            )
        rows = list(qs.order_by("position")[:5000])
    else:
        return []
    if nama:
        scored = [(name_similarity(nama, row.nama), row) for row in rows]
        rows = [row for score, row in sorted(scored, key=lambda item: -item[0]) if score >= 0.5]
    return rows[:limit]


def record_model_a_print(*, voter_list: VoterList, request: HttpRequest, pages: int, pdf: bytes,
                         row_count: int, masked: bool) -> AuditEvent:
    """A Model A-Daftar Pemilih printed from the list page, in the audit trail (SECURITY.md
    check 25). ``request``: for the person and their address."""
    return audit.record(
        AuditEvent.Action.PRINT,
        request=request,
        obj=voter_list,
        facility=voter_list.tps.facility,
        summary=f"Model A-Daftar Pemilih {voter_list.kind} TPS {voter_list.tps.number}",
        detail={"pages": pages, "masked": masked},
        row_count=row_count,
        sha256=audit.sha256_of_bytes(pdf),
    )


# -- dapil ---------------------------------------------------------------------------------


def import_dapil(
    *,
    path: str | Path,
    election: Election,
    user: User | None = None,
    batch: ImportBatch | None = None,
    file_name: str | None = None,
    max_bytes: int | None = None,
) -> ImportOutcome:
    """Replace the election's dapil table with the file's (CONTRACT.md "Electoral districts")."""
    file_name = file_name or os.path.basename(os.fspath(path))
    try:
        rows, errors = tables.collect(
            path, tables.DAPIL_COLUMNS, max_bytes=max_bytes, limits=xlsx_limits()
        )
    except FileRejected as error:
        raise FileRejected(file_name, error.reason) from None
    wanted: dict[tuple[str, str], str] = {}
    for row in rows:
        if row.errors:
            continue
        values = row.values
        code = values["kode_wilayah"]
        if wilayah.level(code) > 3:
            errors.append(
                RowError(
                    row.row_number,
                    "kode_wilayah",
                    f"kode wilayah {code} harus kode provinsi, kabupaten/kota atau kecamatan",
                )
            )
        elif len(values["dapil"]) > DapilEntry._meta.get_field("dapil").max_length:
            errors.append(RowError(row.row_number, "dapil", "nama dapil terlalu panjang"))
        else:
            wanted[(values["kontestasi"], code)] = values["dapil"]
    errors.sort(key=lambda error: error.row_number)
    sha256 = audit.sha256_of_file(path)
    per_contest = dict.fromkeys(DapilEntry.Contest.values, 0)
    for contest, _code in wanted:
        per_contest[contest] += 1
    summary = {
        "file_name": file_name,
        "sha256": sha256,
        "rows_read": len(rows),
        "rows_rejected": len({error.row_number for error in errors}),
        "rows": len(wanted),
        "contests": per_contest,
    }
    if errors:
        raise ImportRejected.refused(
            file_name,
            f"{len(errors)} kesalahan pada baris data; tidak ada yang disimpan",
            errors=errors,
            summary=summary,
        )
    if not wanted:
        raise ImportRejected.refused(file_name, "berkas tidak berisi baris dapil", summary=summary)
    current = {
        (contest, code): dapil
        for contest, code, dapil in DapilEntry.objects.filter(election=election).values_list(
            "contest", "kode_wilayah", "dapil"
        )
    }
    counts = ", ".join(f"{contest} {count}" for contest, count in per_contest.items() if count)
    if current == wanted:
        message = (
            f"Dapil {election.code}: sama dengan tabel yang berlaku ({counts}); "
            "tidak ada perubahan."
        )
        return ImportOutcome(None, False, message, {**summary, "unchanged": True})
    with transaction.atomic():
        DapilEntry.objects.filter(election=election).delete()
        DapilEntry.objects.bulk_create(
            DapilEntry(
                election=election, contest=contest, kode_wilayah=code, dapil=dapil, batch=batch
            )
            for (contest, code), dapil in sorted(wanted.items())
        )
    message = f'Dapil {election.code}: {len(wanted)} kode wilayah dari "{file_name}" ({counts}).'
    return ImportOutcome(None, True, message, summary)


def dapil_table(election: Election) -> dict[str, dict[str, str]]:
    """{contest: {region code: dapil name}} for matching (contests without rows are absent)."""
    table: dict[str, dict[str, str]] = {}
    rows = DapilEntry.objects.filter(election=election).values_list(
        "contest", "kode_wilayah", "dapil"
    )
    for contest, code, dapil in rows:
        table.setdefault(contest, {})[code] = dapil
    return table


# -- jobs: commands and uploads ------------------------------------------------------------


class NotFound(Exception):
    """A command named an election or TPS that does not exist; the message is for people."""


def election_by_code(code: str) -> Election:
    from voters.models import Election

    election = Election.objects.filter(code=code).first()
    if election is None:
        raise NotFound(f"Pemilihan '{code}' tidak ditemukan (buat dengan add_election).")
    return election


def tps_by_number(election: Election, number: str) -> TPS:
    """The election's TPS numbered ``number`` ('901', '0901' and 'TPS 901' are the same)."""
    from voters.models import TPS

    tps = TPS.objects.filter(election=election, number=number).select_related("facility").first()
    if tps is None:
        try:
            wanted = cells.parse_tps(number)
        except cells.CellError:
            wanted = None
        for candidate in TPS.objects.filter(election=election).select_related("facility"):
            if wanted and cells.parse_tps(candidate.number) == wanted:
                return candidate
        raise NotFound(
            f"TPS {number} tidak ada pada pemilihan {election.code} (buat dengan add_tps)."
        )
    return tps


def command_batch(
    *, kind: str, path: str, election: Election, tps: TPS | None = None, list_kind: str = ""
) -> ImportBatch:
    """A job row for an import run from the command line, claimed at once."""
    if not os.path.isfile(path):
        raise NotFound(f'Berkas "{path}" tidak ditemukan.')
    batch = ImportBatch.objects.create(
        kind=kind,
        facility=tps.facility if tps is not None else None,
        election=election,
        tps=tps,
        list_kind=list_kind,
        file_name=os.path.basename(path)[:255],
    )
    batch.claim()
    return batch


def import_from_command(*, kind: str, path: str, election_code: str,
                        tps_number: str | None = None, list_kind: str = "") -> ImportOutcome:
    """An import command's job, run in this process: the election (and TPS) by their codes, a
    job row claimed at once, then the import. Raises NotFound, ImportRejected or
    FileRejected with a message for the person."""
    election = election_by_code(election_code)
    tps = tps_by_number(election, tps_number) if tps_number is not None else None
    batch = command_batch(kind=kind, path=path, election=election, tps=tps, list_kind=list_kind)
    return execute_batch(batch, path)


def execute_batch(batch: ImportBatch, path: str | Path) -> ImportOutcome:
    """Run one import job on ``path`` and record its outcome on the job row and in the audit
    trail. Returns the ImportOutcome; re-raises ImportRejected/FileRejected after recording."""
    user = batch.created_by
    progress = ThrottledProgress(batch)
    kind = ImportBatch.Kind
    try:
        common = {
            "path": path,
            "election": batch.election,
            "user": user,
            "batch": batch,
            "file_name": batch.file_name,
            "max_bytes": _max_bytes(batch),
        }
        if batch.kind == kind.VOTER_LIST:
            outcome = import_voter_list(
                tps=batch.tps, kind=batch.list_kind, progress=progress, **common
            )
        elif batch.kind == kind.REFERENCE_DPT:
            outcome = import_reference_dpt(progress=progress, **common)
        elif batch.kind == kind.DAPIL:
            outcome = import_dapil(**common)
        else:
            raise ValueError(f"import kind {batch.kind} is not a KPU list")
    except (ImportRejected, FileRejected) as error:
        summary = getattr(error, "summary", {}) or {"file_name": batch.file_name}
        errors = getattr(error, "errors", [])
        batch.sha256 = summary.get("sha256", batch.sha256)
        batch.summary = summary
        batch.row_errors = row_errors(errors)
        batch.save(update_fields=["sha256", "summary", "row_errors"])
        batch.fail(str(error))
        audit.record(
            AuditEvent.Action.IMPORT,
            user=user,
            obj=batch,
            facility=_facility(batch),
            summary=f"{batch.get_kind_display()} ditolak: {error.reason}"[:300],
            detail={
                "batch": batch.pk,
                "kind": batch.kind,
                "errors": getattr(error, "error_count", 0),
            },
            row_count=summary.get("rows_read"),
            sha256=batch.sha256,
            result="rejected",
        )
        raise
    except BaseException as error:
        fail_crashed(batch, error)
        raise
    batch.sha256 = outcome.summary.get("sha256", batch.sha256)
    batch.summary = outcome.summary
    batch.row_errors = []
    batch.save(update_fields=["sha256", "summary", "row_errors"])
    batch.succeed(outcome.message)
    audit.record(
        AuditEvent.Action.IMPORT,
        user=user,
        obj=outcome.obj if outcome.obj is not None else batch,
        facility=_facility(batch),
        summary=outcome.message,
        detail={"batch": batch.pk, "kind": batch.kind, "changed": outcome.changed},
        row_count=outcome.summary.get("rows"),
        sha256=batch.sha256,
    )
    return outcome


def _facility(batch):
    if batch.facility_id:
        return batch.facility
    return batch.tps.facility if batch.tps_id else None


def _max_bytes(batch):
    """Uploads were capped before they were stored; the reader checks again (commands: none)."""
    if not batch.stored_path:
        return None
    if batch.kind == ImportBatch.Kind.REFERENCE_DPT:
        return settings.MAX_REFERENCE_UPLOAD_BYTES
    return settings.MAX_UPLOAD_BYTES


def run_import_batch(batch_id: int) -> None:
    """The Celery task body: claim the job, run it, delete the uploaded file."""
    batch = (
        ImportBatch.objects.select_related("election", "tps", "tps__facility", "created_by")
        .filter(pk=batch_id)
        .first()
    )
    if batch is None:
        return
    if not batch.claim():
        if batch.is_finished:
            discard_upload(batch)
        return
    try:
        execute_batch(batch, batch.stored_path)
    except (ImportRejected, FileRejected):
        pass  # recorded on the job row; the result page shows it
    except Exception:
        logger.exception("import batch %s failed", batch.pk)
    else:
        from voters.reconciliation.services import schedule_runs

        schedule_runs(election=batch.election, user=batch.created_by)
    finally:
        discard_upload(batch)


def start_import(
    *,
    uploaded: UploadedFile,
    user: User,
    kind: str,
    election: Election,
    tps: TPS | None = None,
    list_kind: str = "",
) -> ImportBatch:
    """Store an upload, create its job row and queue the task once the row is committed."""
    from voters import tasks
    from voters.core.jobs import start_upload_job

    task = {
        ImportBatch.Kind.VOTER_LIST: tasks.import_voter_list_task,
        ImportBatch.Kind.REFERENCE_DPT: tasks.import_reference_dpt_task,
        ImportBatch.Kind.DAPIL: tasks.import_dapil_task,
    }[kind]
    return start_upload_job(
        uploaded=uploaded,
        task=task,
        keep_hash=True,
        kind=kind,
        facility=tps.facility if tps is not None else user.facility,
        election=election,
        tps=tps,
        list_kind=list_kind,
        created_by=user,
    )
