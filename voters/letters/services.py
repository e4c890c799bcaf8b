"""Notification letters and the delivery register of one TPS; who is who on the TPS lists.

- Letters (DOMAIN.md §5.1): one half-A4 page per voter of the TPS who will be there on polling
  day, inmates and officers (``selectors.notice_recipients``), in list order, rendered by a
  Celery job into a private file (``start_letter_batch`` → ``run_letter_batch``) or by the
  ``render_notices`` command. The page count must equal the voters covered, or the batch fails.
- Delivery register (tanda terima): ``record_delivery`` / ``clear_delivery``; the recap and the
  H-3 deadline come from ``delivery_register``.
- ``Voter`` and ``voter_key``: a person on the TPS lists, shared with polling day
  (``services/polling.py``).

Every write is atomic and leaves an audit event; field history comes from django-pghistory.
"""

from __future__ import annotations

import hashlib
import logging
import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from voters.core import audit, storage
from voters.core.jobs import ThrottledProgress
from voters.letters import parallel
from voters.letters import pdf as letters
from voters.lists.services import dapil_table
from voters.models import (
    TPS,
    AuditEvent,
    LetterBatch,
    LetterDelivery,
    ListEntry,
    NoticeTemplate,
)
from voters.reconciliation import selectors
from voters.rules import nik as nik_rules
from voters.rules.address import compose_address
from voters.rules.classify import entitlement
from voters.rules.eligibility import tms_reasons
from voters.rules.lists import LIST_LABELS, LIST_ORDER, list_rank
from voters.rules.names import normalize_name

if TYPE_CHECKING:
    from django.http import HttpRequest

    from voters.letters.pdf import Rendered
    from voters.models import Election, Facility, User

logger = logging.getLogger(__name__)

# SECURITY.md check 19: a letter batch runs under a soft time limit that grows with its size.
SECONDS_PER_500_LETTERS = 120


class LetterError(Exception):
    """A request that cannot be carried out; the message is for the person."""


# --------------------------------------------------------------------------------------------
# Who is who
# --------------------------------------------------------------------------------------------


def voter_key(
    *,
    inmate_id: int | None = None,
    nik: str = "",
    nama: str = "",
    tanggal_lahir: date | None = None,
) -> str:
    """The identity of a voter across list re-imports: the inmate when known, else the full NIK,
    else NIK text, name and birth date. Hashed, so that no NIK is stored in the key."""
    if inmate_id:
        return f"wbp:{inmate_id}"
    cleaned = nik_rules.clean(nik)
    if nik_rules.check(cleaned).is_valid:
        return "nik:" + hashlib.sha256(cleaned.encode()).hexdigest()[:32]
    raw = f"{cleaned}|{normalize_name(nama)}|{tanggal_lahir or ''}"
    return "entri:" + hashlib.sha256(raw.encode()).hexdigest()[:32]


@dataclass
class Voter:
    """A voter on one of the TPS lists, with the inmate it belongs to when known, or the
    officer of the facility's staff roster it is (``staff``: no inmate, no cell block)."""

    entry: object  # ListEntry, or None for a DPK voter added on polling day
    inmate: object  # Inmate or None
    list_kind: str
    number: int | None
    key: str = ""
    window: str = ""
    delivery: object = None
    checkin: object = None
    extra: dict = field(default_factory=dict)
    staff: object = None  # rules.match.Staff or None

    def __post_init__(self):
        if not self.key:
            entry = self.entry
            self.key = voter_key(
                inmate_id=getattr(self.inmate, "pk", None),
                nik=getattr(entry, "nik", ""),
                nama=getattr(entry, "nama", ""),
                tanggal_lahir=getattr(entry, "tanggal_lahir", None),
            )

    @property
    def nama(self) -> str:
        return self.entry.nama if self.entry is not None else self.inmate.nama

    @property
    def jenis_kelamin(self) -> str:
        return self.entry.jenis_kelamin if self.entry is not None else self.inmate.jenis_kelamin

    @property
    def nik(self) -> str:
        return self.entry.nik if self.entry is not None else ""

    @property
    def blok(self) -> str:
        return self.inmate.blok if self.inmate is not None else ""

    @property
    def no_registrasi(self) -> str:
        return self.inmate.no_registrasi if self.inmate is not None else ""

    @property
    def list_label(self) -> str:
        return LIST_LABELS.get(self.list_kind, self.list_kind)

    @property
    def disabled(self) -> bool:
        return bool(getattr(self.entry, "disabilitas", None))

    @property
    def anchor(self) -> str:
        return "v-" + self.key.replace(":", "-")


def sort_key(voter: Voter) -> tuple[int, int]:
    kind = list_rank(voter.list_kind)
    return (kind, voter.number or 0)


def voter_place(list_kind: str, number: int | None, tps: TPS) -> str:
    """A voter as the audit trail names them, by where they stand: 'DPTb 12 TPS 901'."""
    return f"{LIST_LABELS.get(list_kind, list_kind)} {number} TPS {tps.number}"


def tps_entries(tps: TPS) -> list[ListEntry]:
    """The entries of the TPS's lists, DPK, DPT then DPTb (the kinds' alphabetical order)."""
    entries = list(
        ListEntry.objects.filter(voter_list__tps=tps, voter_list__election=tps.election)
        .select_related("voter_list")
        .order_by("voter_list__kind", "position")
    )
    for entry in entries:
        entry.voter_list.tps = tps
    return entries


def list_voters(tps: TPS, *, today: date | None = None) -> list[Voter]:
    """Every entry of the TPS lists (DPT, DPTb, DPK) in list order, with the inmate or the
    officer the reconciliation names for it (``selectors.paired_people``), whether or not they
    are inside: the polling-day register."""
    entries = tps_entries(tps)
    paired = selectors.paired_people(
        election=tps.election, facility_id=tps.facility_id, entries=entries,
        today=today or timezone.localdate(),
    )
    voters = [
        Voter(entry=e, inmate=paired.inmates.get(e.pk), list_kind=e.voter_list.kind,
              number=e.position, staff=paired.staff.get(e.pk))
        for e in entries
    ]
    voters.sort(key=sort_key)
    return voters


def search_voters(voters: list[Voter], query: str | None) -> list[Voter]:
    """Voters whose registration number, name or list number ('12', 'DPT 12', 'DPTb 3')
    matches ``query``."""
    query = " ".join((query or "").split())
    if not query:
        return voters
    upper = query.upper()
    kind, _sep, rest = upper.partition(" ")
    if kind in LIST_ORDER and rest.isascii() and rest.isdigit():
        return [v for v in voters if v.list_kind == kind and v.number == int(rest)]
    if upper.isascii() and upper.isdigit():
        number = int(upper)
        return [v for v in voters if v.number == number]
    return [
        v
        for v in voters
        if upper in _voter_name(v).upper() or upper in (v.no_registrasi or "").upper()
    ]


def _voter_name(voter):
    return voter.extra.get("nama") or voter.nama



# --------------------------------------------------------------------------------------------
# Letters
# --------------------------------------------------------------------------------------------


def _window_text(start, end, label, zone):
    text = f"{letters.hhmm(start)} – {letters.hhmm(end)} {zone}"
    return f"{text} ({label})" if label else text


def assign_windows(
    voters: list[Voter], *, election: Election, template: NoticeTemplate
) -> list[Voter]:
    """Spread each list's voters over the suggested arrival windows, in list order, in
    contiguous groups. DPTb voters get only windows from the election's DPTb hour (when set),
    DPK voters only windows from the DPK hour."""
    windows = template.windows()
    zone = election.time_zone_label
    earliest = {"DPTB": election.dptb_start, "DPK": election.dpk_start}
    by_kind = defaultdict(list)
    for voter in voters:
        by_kind[voter.list_kind].append(voter)
    for kind, group in by_kind.items():
        start = earliest.get(kind)
        usable = [w for w in windows if start is None or w[0] >= start]
        if not usable:
            usable = [(start or election.voting_start, election.voting_end, "")]
        texts = [_window_text(s, e, label, zone) for s, e, label in usable]
        for i, voter in enumerate(group):
            voter.window = texts[i * len(texts) // len(group)]
    return voters


def recipients(tps: TPS, *, block: str | None = None) -> list[Voter]:
    """The voters of ``tps`` who get a letter (inmates inside on polling day and the facility's
    officers on its lists, ``selectors.notice_recipients``), in list order, with their arrival
    window. Officers have no cell block: a ``block`` leaves them out.

    Windows are spread over the whole TPS before the block is picked, so a voter's suggested
    time does not depend on how the letters were batched."""
    election = tps.election
    template = NoticeTemplate.for_election(election)
    voters = [
        Voter(entry=r.entry, inmate=r.inmate, list_kind=r.list_kind, number=r.number,
              staff=r.staff)
        for r in selectors.notice_recipients(election, tps)
    ]
    assign_windows(voters, election=election, template=template)
    if block:
        voters = [v for v in voters if v.blok == block]
    return voters


def blocks_of(voters: Iterable[Voter]) -> list[str]:
    return sorted({v.blok for v in voters if v.blok})


def _address(entry):
    if entry is None:
        return ""
    parts = [compose_address(entry.alamat, entry.rt, entry.rw, sep=", ")]
    if entry.kelurahan:
        parts.append(f"Kel./Desa {entry.kelurahan}")
    if entry.kecamatan:
        parts.append(f"Kec. {entry.kecamatan}")
    return ", ".join(p for p in parts if p)


def place_name(facility: Facility) -> str:
    name = facility.region_name or ""
    for prefix in ("KABUPATEN ", "KAB. ", "KOTA "):
        if name.upper().startswith(prefix):
            name = name[len(prefix):]
    return name.title() if name.isupper() else name


def voter_ballots(voters: Sequence[Voter], *, election: Election) -> list[tuple[str, ...] | None]:
    """The ballots each voter gets at this TPS, as the reconciliation's surat_suara gives them
    (rules.classify): none for an inmate who is TMS, else ``entitlement`` of the KTP-el
    address, or of the election's region for an officer of the facility (the PETUGAS row).
    None when the inmate's KTP-el region code is unknown: the rule cannot tell then."""
    rules_election = selectors.as_matching_election(election, dapil_table(election))
    rights: dict[str, tuple[str, ...]] = {}

    def ballots_of(region):
        if region not in rights:
            rights[region] = entitlement(region, rules_election).ballots
        return rights[region]

    out: list[tuple[str, ...] | None] = []
    for voter in voters:
        inmate = voter.inmate
        if inmate is None:
            out.append(ballots_of(rules_election.region))
        elif tms_reasons(selectors.as_matching_inmate(inmate), rules_election):
            out.append(())
        elif not (inmate.kode_wilayah or "").strip():
            out.append(None)
        else:
            out.append(ballots_of(inmate.kode_wilayah))
    return out


def letters_context(
    *, tps: TPS, voters: Sequence[Voter], template: NoticeTemplate | None = None
) -> dict:
    election = tps.election
    template = template or NoticeTemplate.for_election(election)
    # One list of instructions per set of ballots, shared by the letters that get it.
    instructions: dict[tuple[str, ...] | None, list[str]] = {}
    ballots = []
    for got in voter_ballots(voters, election=election):
        if got not in instructions:
            instructions[got] = template.ballot_lines(got)
        ballots.append(instructions[got])
    return {
        "template": template,
        "tps": tps,
        "tps_address": tps.address or tps.facility.address or tps.facility.name,
        "polling_day": letters.long_date(election.polling_date),
        "voting_hours": f"{letters.hhmm(election.voting_start)} – "
        f"{letters.hhmm(election.voting_end)} {election.time_zone_label}",
        "notes": template.note_lines(),
        # The official form has no place or date line: printed only when the template sets one.
        "place": template.signature_place,
        "signature": template.signature_lines(),
        "letters": [
            {
                "nama": v.nama,
                "jenis_kelamin": v.jenis_kelamin,
                # The voter's own letter carries the full NIK (SECURITY.md, KPU practice).
                "nik": v.nik,
                "alamat": _address(v.entry),
                "blok": v.blok,
                "no_registrasi": v.no_registrasi,
                "list_label": v.list_label,
                "number": v.number or "",
                "window": v.window,
                "ballots": lines,
            }
            for v, lines in zip(voters, ballots, strict=True)
        ],
    }


def _layout_progress(batch, total):
    """WeasyPrint's pages as the batch's progress: 'Menata surat N dari M' at most every half
    second and at the last page, then 'Menulis berkas PDF'."""
    report = ThrottledProgress(batch)

    def progress(step, page):
        if step == "pdf":
            report(done=total, message="Menulis berkas PDF", force=True)
            return
        shown = min(page, total)
        report(done=shown, message=f"Menata surat {shown} dari {total}", force=page == total)

    return progress


def render_letters(
    *,
    tps: TPS,
    voters: Sequence[Voter],
    target: str | Path,
    progress: Callable[[str, int], object] | None = None,
    template: NoticeTemplate | None = None,
) -> int:
    """Write the letters of ``voters`` to ``target`` (a path); returns the page count, which
    must equal the number of voters. A big batch is laid out in several processes and joined
    (``voters.letters.parallel``, settings LETTER_RENDER_PROCESSES and
    LETTER_PARALLEL_MIN_LETTERS)."""
    context = letters_context(tps=tps, voters=voters, template=template)
    rendered = parallel.render_split(
        "letters/notices.html", context, progress=progress, target=str(target)
    )
    if rendered.pages != len(voters):
        raise LetterError(
            f"Jumlah halaman PDF ({rendered.pages}) tidak sama dengan jumlah pemilih "
            f"({len(voters)}); surat tidak disimpan."
        )
    return rendered.pages


def time_limits(count: int) -> tuple[int, int]:
    """(soft, hard) seconds for a batch of ``count`` letters."""
    soft = max(60, math.ceil(max(count, 1) / 500) * SECONDS_PER_500_LETTERS)
    return soft, soft + 60


def start_letter_batch(*, tps: TPS, user: User, block: str | None = "") -> LetterBatch:
    """Queue the letters of a TPS (optionally one block) as a job; the task runs after commit."""
    from voters.tasks import render_notices_task

    block = (block or "").strip()
    voters = recipients(tps, block=block or None)
    if not voters:
        if block:
            raise LetterError(f"Tidak ada pemilih penerima surat di blok {block} TPS {tps.number}.")
        raise LetterError(
            f"Belum ada pemilih penerima surat di TPS {tps.number}: daftar pemilih belum diimpor "
            "atau belum ada yang cocok dengan WBP yang berada di dalam pada hari pemungutan."
        )
    with transaction.atomic():
        batch = LetterBatch.objects.create(
            election=tps.election,
            tps=tps,
            block=block,
            total=len(voters),
            created_by=user,
            message="Menunggu giliran pekerja",
        )
        soft, hard = time_limits(len(voters))
        transaction.on_commit(
            lambda: render_notices_task.apply_async(
                (batch.pk,), soft_time_limit=soft, time_limit=hard
            )
        )
    return batch


def run_letter_batch(batch_id: int) -> LetterBatch:
    """The job behind a letter batch: render, check the page count, store, audit."""
    from celery.exceptions import SoftTimeLimitExceeded

    batch = LetterBatch.objects.select_related("tps__facility", "tps__election", "created_by").get(
        pk=batch_id
    )
    if not batch.claim():
        return batch
    path = None
    try:
        tps = batch.tps
        voters = recipients(tps, block=batch.block or None)
        if not voters:
            raise LetterError("Tidak ada lagi pemilih penerima surat untuk cetakan ini.")
        batch.report(done=0, total=len(voters), message="Menyusun surat")
        path = storage.new_path("letters", ".pdf")
        pages = render_letters(
            tps=tps, voters=voters, target=path, progress=_layout_progress(batch, len(voters))
        )
        digest = audit.sha256_of_file(path)
        batch.file_path = str(path)
        batch.page_count = pages
        batch.sha256 = digest
        batch.summary = dict(Counter(v.list_kind for v in voters))
        batch.save(update_fields=["file_path", "page_count", "sha256", "summary"])
        audit.record(
            AuditEvent.Action.PRINT,
            user=batch.created_by,
            obj=batch,
            facility=tps.facility,
            summary=_batch_summary(batch, pages),
            detail={"tps": tps.number, "blok": batch.block, "pemilihan": tps.election.code},
            row_count=pages,
            sha256=digest,
        )
        batch.succeed(f"{pages} surat siap diunduh")
    except SoftTimeLimitExceeded:
        _discard(path)
        batch.fail("Waktu pembuatan surat habis; coba cetak per blok.")
    except LetterError as exc:
        _discard(path)
        batch.fail(str(exc))
    except Exception as exc:
        _discard(path)
        logger.exception("letter batch %s failed", batch.pk)
        batch.fail(f"Kesalahan tak terduga ({type(exc).__name__}); hubungi administrator.")
    return batch


def _discard(path):
    if path is not None:
        Path(path).unlink(missing_ok=True)


def _where(tps, block):
    return f"TPS {tps.number}" + (f" blok {block}" if block else "")


def _batch_summary(batch, pages):
    return f"Cetak C.Pemberitahuan {_where(batch.tps, batch.block)}: {pages} surat"


@dataclass
class NoticesWritten:
    """What ``write_notices`` wrote: the voters covered (list order), the page count and where
    ("TPS 901", "TPS 901 blok A")."""

    voters: list
    pages: int
    where: str


def write_notices(*, tps: TPS, output: Path, block: str = "") -> NoticesWritten:
    """The letters of a TPS (optionally one block) written to ``output`` in this process, for
    the render_notices command, and recorded in the audit trail. Written to a temporary file
    next to the target and renamed, so that a failure leaves no half-written file. Raises
    LetterError with a message for the person."""
    import os
    import tempfile

    block = block.strip()
    voters = recipients(tps)
    if block:
        blocks = blocks_of(voters)
        if block not in blocks:
            known = ", ".join(blocks) or "tidak ada"
            raise LetterError(
                f"Blok '{block}' tidak ada di antara penerima surat TPS {tps.number} "
                f"(blok yang ada: {known})."
            )
        voters = [v for v in voters if v.blok == block]
    if not voters:
        raise LetterError(
            f"Tidak ada pemilih penerima surat di TPS {tps.number} ({tps.election.code}): "
            "impor daftar pemilih dan data WBP lebih dulu."
        )
    folder = output.parent if str(output.parent) else Path(".")
    try:
        handle, tmp_name = tempfile.mkstemp(suffix=".pdf", dir=folder)
    except OSError as exc:
        raise LetterError(f"{output}: tidak dapat menulis ({exc.strerror}).") from exc
    os.close(handle)
    tmp = Path(tmp_name)
    try:
        pages = render_letters(tps=tps, voters=voters, target=tmp)
        os.replace(tmp, output)
    except OSError as exc:
        raise LetterError(f"{output}: tidak dapat menulis ({exc.strerror}).") from exc
    finally:
        tmp.unlink(missing_ok=True)
    where = _where(tps, block)
    audit.record(
        AuditEvent.Action.PRINT,
        facility=tps.facility,
        summary=f"Cetak C.Pemberitahuan {where} (perintah): {pages} surat",
        detail={"tps": tps.number, "blok": block, "pemilihan": tps.election.code},
        row_count=pages,
        sha256=audit.sha256_of_file(output),
    )
    return NoticesWritten(voters=voters, pages=pages, where=where)


def batch_file(batch: LetterBatch) -> Path | None:
    """The stored PDF of a finished batch, or None (never a path outside PRIVATE_ROOT)."""
    if batch.status != LetterBatch.Status.DONE or not batch.file_path:
        return None
    if not storage.is_private(batch.file_path):
        return None
    path = Path(batch.file_path)
    return path if path.is_file() else None


def record_download(
    *, batch: LetterBatch, request: HttpRequest, path: str | Path
) -> AuditEvent:
    return audit.record(
        AuditEvent.Action.DOWNLOAD,
        request=request,
        obj=batch,
        facility=batch.tps.facility,
        summary=f"Unduh C.Pemberitahuan {_where(batch.tps, batch.block)}",
        row_count=batch.page_count,
        sha256=audit.sha256_of_file(path),
    )


# --------------------------------------------------------------------------------------------
# Delivery register (tanda terima)
# --------------------------------------------------------------------------------------------


class DeadlineCountdown:
    """Days to the letters' deadline, for anything with ``deadline`` and ``today``."""

    @property
    def days_left(self) -> int:
        return (self.deadline - self.today).days

    @property
    def past_deadline(self) -> bool:
        return self.today > self.deadline


@dataclass
class DeliveryRegister(DeadlineCountdown):
    voters: list
    deadline: object
    today: object
    counts: dict
    reasons: dict
    by_block: list


def delivery_register(tps: TPS, *, today: date | None = None) -> DeliveryRegister:
    """Every letter of the TPS with what happened to it, and the counts for the recap.

    A letter not delivered (or not yet recorded as undeliverable) after the H-3 deadline is
    ``late``; in the two days before the deadline it is ``due``."""
    today = today or timezone.localdate()
    election = tps.election
    deadline = election.letter_deadline
    voters = recipients(tps)
    # prefetch, not select_related: the few officers who record are read once, not per row
    deliveries = {d.voter_key: d for d in LetterDelivery.objects.filter(tps=tps)
                  .prefetch_related("delivered_by")}
    counts = Counter()
    reasons = Counter()
    blocks = defaultdict(Counter)
    for voter in voters:
        voter.delivery = deliveries.get(voter.key)
        status = voter.delivery.status if voter.delivery else "pending"
        voter.extra["late"] = status == "pending" and today > deadline
        voter.extra["due"] = status == "pending" and 0 <= (deadline - today).days <= 2
        counts[status] += 1
        counts["total"] += 1
        blocks[voter.blok or "-"][status] += 1
        blocks[voter.blok or "-"]["total"] += 1
        if voter.delivery and voter.delivery.reason:
            reasons[voter.delivery.reason] += 1
    counts["delivered_all"] = counts["delivered"] + counts["delivered_to_proxy"]
    by_block = [{"blok": b, **dict(c)} for b, c in sorted(blocks.items())]
    return DeliveryRegister(
        voters=voters, deadline=deadline, today=today, counts=dict(counts),
        reasons={LetterDelivery.Reason(k).label: n for k, n in reasons.items()},
        by_block=by_block,
    )


def _recipient(tps, key, among=None):
    for voter in recipients(tps) if among is None else among:
        if voter.key == key:
            return voter
    raise LetterError("Pemilih ini tidak ada di daftar penerima surat TPS ini.")


def record_delivery(
    *,
    tps: TPS,
    key: str,
    status: str,
    user: User,
    delivered_on: date | None = None,
    reason: str = "",
    proxy_name: str = "",
    note: str = "",
    today: date | None = None,
    among: Sequence[Voter] | None = None,
) -> LetterDelivery:
    """Record (or correct) what happened to one voter's letter.

    ``among``: the TPS's ``recipients(tps)`` when the caller already holds them (the demo marks
    hundreds of letters in a row); without it the list is built for this one mark."""
    today = today or timezone.localdate()
    delivered_on = delivered_on or today
    election = tps.election
    if status not in LetterDelivery.Status.values:
        raise LetterError("Status tanda terima tidak dikenal.")
    if delivered_on > today:
        raise LetterError("Tanggal penyerahan tidak boleh di masa depan.")
    if delivered_on > election.polling_date:
        raise LetterError("Tanggal penyerahan tidak boleh sesudah hari pemungutan suara.")
    if status == LetterDelivery.Status.UNDELIVERABLE and reason not in LetterDelivery.Reason.values:
        raise LetterError("Pilih alasan surat tidak dapat disampaikan.")
    if status == LetterDelivery.Status.DELIVERED_TO_PROXY and not proxy_name.strip():
        raise LetterError("Isi nama keluarga/wakil yang menerima surat.")
    voter = _recipient(tps, key, among)
    with transaction.atomic():
        delivery = (
            LetterDelivery.objects.select_for_update().filter(tps=tps, voter_key=key).first()
            or LetterDelivery(election=election, tps=tps, voter_key=key)
        )
        delivery.inmate = voter.inmate
        delivery.list_kind = voter.list_kind
        delivery.list_number = voter.number
        delivery.nama = voter.nama[:200]
        delivery.jenis_kelamin = voter.jenis_kelamin
        delivery.status = status
        delivery.reason = reason if status == LetterDelivery.Status.UNDELIVERABLE else ""
        delivery.proxy_name = (
            proxy_name.strip()[:200] if status == LetterDelivery.Status.DELIVERED_TO_PROXY else ""
        )
        delivery.delivered_on = delivered_on
        delivery.delivered_by = user
        delivery.note = note.strip()[:300]
        delivery.recorded_at = timezone.now()
        delivery.save()
        record_tps_change(
            tps=tps, user=user, obj=delivery,
            summary=f"Tanda terima {voter_place(voter.list_kind, voter.number, tps)}: "
            f"{delivery.get_status_display()}",
        )
    return delivery


def clear_delivery(*, tps: TPS, key: str, user: User) -> bool:
    """Undo a mark made by mistake: the letter is 'not yet delivered' again."""
    with transaction.atomic():
        delivery = LetterDelivery.objects.select_for_update().filter(tps=tps, voter_key=key).first()
        if delivery is None:
            return False
        where = voter_place(delivery.list_kind, delivery.list_number, tps)
        record_tps_change(tps=tps, user=user, obj=delivery,
                          summary=f"Tanda terima {where} dibatalkan")
        delivery.delete()
    return True


def record_tps_change(*, tps: TPS, user: User, obj: object, summary: str,
                      detail: dict | None = None) -> None:
    """A change to one TPS's registers (a letter's delivery, a vote), in the audit trail under
    the TPS's facility."""
    audit.record(
        AuditEvent.Action.CHANGE,
        user=user,
        obj=obj,
        facility=tps.facility,
        summary=summary,
        detail=detail,
    )


def render_recap(*, tps: TPS, user: User, today: date | None = None) -> Rendered:
    """The distribution recap (rekap pembagian) as a PDF; the print is audited."""
    register = delivery_register(tps, today=today)
    rendered = letters.render_template(
        "letters/recap.html",
        {
            "tps": tps,
            "election": tps.election,
            "register": register,
            "reasons": LetterDelivery.Reason.choices,
            "printed_at": timezone.localtime(),
            "printed_by": user,
            "place": place_name(tps.facility),
            "today_long": letters.long_date(register.today, weekday=False),
            "deadline_long": letters.long_date(register.deadline),
        },
    )
    record_tps_print(
        tps=tps, user=user, rendered=rendered,
        summary=f"Cetak rekap pembagian C.Pemberitahuan TPS {tps.number}",
    )
    return rendered


def record_tps_print(*, tps: TPS, user: User, rendered: Rendered, summary: str) -> None:
    """A PDF of one TPS printed (the delivery recap, the polling-day register), in the audit
    trail with its page count and hash."""
    audit.record(
        AuditEvent.Action.PRINT,
        user=user,
        facility=tps.facility,
        summary=summary,
        row_count=rendered.pages,
        sha256=audit.sha256_of_bytes(rendered.pdf),
        detail={"tps": tps.number, "pemilihan": tps.election.code},
    )
