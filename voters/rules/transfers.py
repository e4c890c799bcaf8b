"""One person in several facilities of a regency (issue 16; DOMAIN.md §4 "Police cells"): a
transfer (left one facility by mutasi, entered another soon after) and overlapping custody (the
same person inside two facilities at once, a data error).

Who is the same person is decided by THE matcher (``rules.match.Matcher``): equal full NIK, or a
probable match by name and birth date that a person must review. The words for the pages come
from here too; the dates they race come from ``rules.calendar`` (the tindakan of the
destination's reconciliation and its deadline), never recomputed here.

Pure: no Django (tests/test_rules.py).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Container, Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from voters.rules import nik as nik_rules
from voters.rules.calendar import Action
from voters.rules.eligibility import Inmate
from voters.rules.lists import LIST_LABELS
from voters.rules.match import ListEntry, Match, Matcher

# Days between leaving one facility and entering the next that still make one move: a police
# hand-over (tahap II) is usually the same or the next day; a transfer between UPTs by a BA
# serah terima within days.
TRANSFER_WINDOW_DAYS = 14

LINK_NIK = "nik"
LINK_PROBABLE = "probable"
EXIT_MUTASI = "mutasi"

MONTHS = ("Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des")


@dataclass(frozen=True, slots=True, kw_only=True)
class Stay:
    """One custody record: a person on the roster of one facility, from ``admitted`` to
    ``left_on`` (exclusive, as ``rules.custody.inside_on``; None = still inside)."""

    id: int  # the roster row (inmate id)
    facility: int | str
    nama: str
    birth_date: date
    admitted: date
    left_on: date | None = None
    left_kind: str = ""
    nik: str = ""
    nik_status: str = ""  # '' = judged from ``nik``
    aliases: tuple[str, ...] = ()
    sex: str = ""

    def __post_init__(self) -> None:
        # Judged once per stay, not once per pair the matcher is asked about.
        if not self.nik_status:
            object.__setattr__(self, "nik_status", str(nik_rules.check(self.nik).status))

    def as_person(self) -> Inmate:
        return Inmate(
            id=self.id,
            nama=self.nama,
            aliases=self.aliases,
            birth_date=self.birth_date,
            admitted=self.admitted,
            left_on=self.left_on,
            left_kind=self.left_kind,
            nik=self.nik,
            nik_status=self.nik_status,
            sex=self.sex,
        )

    def as_entry(self) -> ListEntry:
        return ListEntry(
            id=self.id, kind="", nama=self.nama, birth_date=self.birth_date, nik=self.nik,
            sex=self.sex,
        )


@dataclass(frozen=True, slots=True)
class Transfer:
    """A move: ``exit`` left its facility by mutasi, ``entry`` entered another one."""

    exit: Stay
    entry: Stay
    kind: str  # LINK_NIK | LINK_PROBABLE
    score: float

    @property
    def needs_review(self) -> bool:
        return self.kind != LINK_NIK

    @property
    def gap_days(self) -> int:
        return (self.entry.admitted - self.exit.left_on).days


@dataclass(frozen=True, slots=True)
class Overlap:
    """Two stays of one person in two facilities that share at least one day: from ``start``
    to ``end`` (exclusive; None: both are still inside)."""

    first: Stay
    second: Stay
    kind: str  # LINK_NIK | LINK_PROBABLE
    score: float
    start: date
    end: date | None

    @property
    def needs_review(self) -> bool:
        return self.kind != LINK_NIK

    def other(self, stay_id: int) -> Stay:
        return self.second if self.first.id == stay_id else self.first


def same_person(a: Stay, b: Stay) -> Match | None:
    """How ``a`` is ``b`` by the one matcher (``a`` as the entry, ``b`` as the person), or
    None: equal full NIK ('nik'), else name and birth date ('probable' or 'masked_nik')."""
    pair = Matcher([b.as_person()], [], a.left_on or a.admitted).pair(a.as_entry())
    return pair.match if pair.inmate_id is not None else None


def _kind(found: Match) -> str:
    return LINK_NIK if found.layer == "nik" else LINK_PROBABLE


def _buckets(stays: Iterable[Stay]) -> tuple[dict[str, list[Stay]], dict[date, list[Stay]]]:
    by_nik: dict[str, list[Stay]] = defaultdict(list)
    by_date: dict[date, list[Stay]] = defaultdict(list)
    for stay in stays:
        text = nik_rules.clean(stay.nik)
        if nik_rules.is_full(text):
            by_nik[text].append(stay)
        by_date[stay.birth_date].append(stay)
    return by_nik, by_date


def _candidates(stay: Stay, by_nik, by_date) -> list[Stay]:
    """The stays that share the full NIK or the birth date of ``stay`` (the matcher's layers
    need one or the other), each once, ``stay`` itself left out."""
    found: dict[int, Stay] = {}
    text = nik_rules.clean(stay.nik)
    for other in (*by_nik.get(text, ()), *by_date.get(stay.birth_date, ())):
        if other.id != stay.id:
            found.setdefault(other.id, other)
    return list(found.values())


def find_transfers(
    *, exits: Iterable[Stay], entries: Iterable[Stay], window_days: int = TRANSFER_WINDOW_DAYS
) -> list[Transfer]:
    """Each stay of ``exits`` that ended by mutasi, linked to the stay of ``entries`` in another
    facility that the same person entered on the day they left or up to ``window_days`` later.
    A NIK link wins over probable ones (then the earliest entry); without one, every probable
    entry is a link that needs review. In the order of ``exits``."""
    by_nik, by_date = _buckets(entries)
    links: list[Transfer] = []
    for stay in exits:
        if stay.left_on is None or stay.left_kind.strip().lower() != EXIT_MUTASI:
            continue
        last = stay.left_on + timedelta(days=window_days)
        found = []
        for other in _candidates(stay, by_nik, by_date):
            if other.facility == stay.facility or not stay.left_on <= other.admitted <= last:
                continue
            match = same_person(stay, other)
            if match is not None:
                found.append(Transfer(stay, other, _kind(match), match.score))
        confirmed = [t for t in found if t.kind == LINK_NIK]
        if confirmed:
            links.append(min(confirmed, key=lambda t: (t.entry.admitted, t.entry.id)))
        else:
            links.extend(sorted(found, key=lambda t: (t.entry.admitted, t.entry.id)))
    return links


def shared_days(a: Stay, b: Stay) -> tuple[date, date | None] | None:
    """The days both stays cover, as (start, end exclusive; None = open), or None."""
    start = max(a.admitted, b.admitted)
    ends = [day for day in (a.left_on, b.left_on) if day is not None]
    end = min(ends) if ends else None
    if end is not None and end <= start:
        return None
    return start, end


def find_overlaps(stays: Iterable[Stay], *, involving: Container[int] | None = None
                  ) -> list[Overlap]:
    """Every pair of stays in two facilities that share at least one day and are one person
    (equal full NIK, or probable by name and birth date), each pair once, in the order of
    ``stays``; with ``involving``, only the pairs of which one stay's id is in it."""
    stays = list(stays)
    by_nik, by_date = _buckets(stays)
    seen: set[tuple[int, int]] = set()
    found: list[Overlap] = []
    for stay in stays:
        if involving is not None and stay.id not in involving:
            continue
        for other in _candidates(stay, by_nik, by_date):
            key = (min(stay.id, other.id), max(stay.id, other.id))
            if other.facility == stay.facility or key in seen:
                continue
            seen.add(key)
            days = shared_days(stay, other)
            if days is None:
                continue
            match = same_person(stay, other)
            if match is not None:
                found.append(Overlap(stay, other, _kind(match), match.score, *days))
    return found


# -- words --------------------------------------------------------------------------------------


def short_date(day: date) -> str:
    """5 Nov 2024."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def list_place(kind: str, tps: str) -> str:
    """'DPTb TPS 005' for a list kind ('DPTB') and a TPS number."""
    kind = (kind or "").strip().upper()
    return " ".join(p for p in (LIST_LABELS.get(kind, kind), f"TPS {tps}" if tps else "") if p)


def proposal_text(*, category: str, action: str, tps: str, deadline: date | None) -> str:
    """What to do for a moved person at the destination, from the tindakan the destination's
    reconciliation gave them (``action``, a ``calendar.Action`` code) and the deadline
    ``calendar.Calendar.deadline_of`` gives it. ``tps`` is the destination's TPS."""
    by = f" paling lambat {short_date(deadline)}" if deadline else ""
    here = f"TPS {tps}" if tps else "TPS UPT tujuan"
    if action == Action.USUL_DPTB:
        return f"usulkan pindah memilih ke {here}{by}"
    if action == Action.USUL_DPT:
        when = f" sebelum penetapan DPT ({short_date(deadline)})" if deadline else ""
        return f"usulkan masuk DPT {here}{when}"
    if action == Action.CARI_DPT:
        return (f"minta KPU mencarinya di data pemilih nasional{by}, lalu usulkan pindah memilih"
                f" ke {here}")
    if action == Action.LEWAT_BATAS:
        return f"batas pindah memilih sudah lewat: {here} tidak dapat lagi menerimanya"
    if action == Action.PERIKSA:
        return "kecocokannya dengan daftar perlu diperiksa di antrean pemeriksaan"
    if action == Action.REKAM_KTP:
        return "ajukan perekaman KTP-el ke Dukcapil"
    if action == Action.KONFIRMASI_PENAHANAN:
        return f"sudah terdaftar di {here}; pastikan perpanjangan penahanannya{by}"
    if action == Action.LAPOR_KPU:
        return "laporkan ke KPU"
    if category == "TERDAFTAR":
        return f"sudah terdaftar di {here}: tidak perlu pindah memilih"
    return "tidak perlu tindakan"


REVIEW_NOTE = "perlu diperiksa: cocok menurut nama dan tanggal lahir, bukan NIK"


def move_text(
    *, arrived: bool, other: str, day: date, listed: str | None, proposal: str,
    needs_review: bool,
) -> str:
    """The move in words for one facility's page: "Pindahan dari Polres Blora pada 5 Nov 2024;
    terdaftar di DPTb TPS 005; usulkan pindah memilih ke TPS 901 paling lambat 20 Nov 2024".
    ``arrived``: this facility is the destination; ``other`` the other facility's name;
    ``listed`` where the person is on a list ('' on none known, None: not looked up)."""
    parts = [
        f"Pindahan dari {other} pada {short_date(day)}" if arrived
        else f"Dipindahkan ke {other} pada {short_date(day)}",
        "" if listed is None
        else f"terdaftar di {listed}" if listed else "belum ditemukan di daftar pemilih",
        proposal,
    ]
    if needs_review:
        parts.append(REVIEW_NOTE)
    return "; ".join(p for p in parts if p)


def overlap_text(*, other: str, start: date, end: date | None, needs_review: bool) -> str:
    """The data error in words for one facility's page."""
    until = f" sampai {short_date(end - timedelta(days=1))}" if end else " sampai sekarang"
    text = (
        f"Kesalahan data: orang yang sama juga tercatat di dalam {other} sejak"
        f" {short_date(start)}{until}; perbaiki tanggal masuk atau keluar di salah satu UPT"
    )
    return f"{text}; {REVIEW_NOTE}" if needs_review else text
