"""Classification of the reconciliation (CONTRACT.md "Reconciliation"): one ``Result`` per
inmate inside on ``today`` and per list entry (a person in both is one Result), with the first
``Category`` that applies, the ballots (``entitlement``), the tindakan (a short reason in Bahasa
Indonesia and, for a DPTb proposal, the deadline) and what changed between two runs.

Pure functions over the plain values of ``rules.eligibility`` and ``rules.match``: the service
layer loads rows, turns them into ``Inmate``, ``ListEntry``, ``Election`` and ``Decision`` values,
gives a ``ReferenceIndex`` over the kabupaten's reference DPT, and stores the ``Result`` list that
``classify`` returns.

Decisions taken where the contract is silent are marked "Choice:" below.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum

from voters.rules import custody, wilayah
from voters.rules import nik as nik_rules
from voters.rules.calendar import Action, Calendar, Stage
from voters.rules.eligibility import (
    Election,
    Inmate,
    dmy,
    is_inside_on,
    keluar_reason,
    order_end_note,
    tms_reasons,
    tms_text,
)
from voters.rules.lists import list_rank
from voters.rules.match import (
    Decision,
    Group,
    ListEntry,
    Match,
    Matcher,
    RefEntry,
    ReferenceIndex,
    Staff,
    officer_of,
    pair_entries,
    staff_by_nik,
)


class Category(StrEnum):
    """The categories of CONTRACT.md in their order of precedence: a row gets the first that
    applies. The model's choices (``reconciliation.models.Category``) are made from this."""

    KELUAR = "KELUAR"
    PETUGAS = "PETUGAS"
    TIDAK_DIKENAL = "TIDAK_DIKENAL"
    TMS = "TMS"
    LUAR_WILAYAH = "LUAR_WILAYAH"
    GANDA = "GANDA"
    PERLU_PERIKSA = "PERLU_PERIKSA"
    TERDAFTAR = "TERDAFTAR"
    PEREKAMAN = "PEREKAMAN"
    USUL_DPTB = "USUL_DPTB"
    BELUM_TERDAFTAR = "BELUM_TERDAFTAR"


CATEGORIES = tuple(Category)
# Categories whose person gets no ballot at this TPS.
NO_BALLOT_CATEGORIES = frozenset(
    {Category.KELUAR, Category.TIDAK_DIKENAL, Category.TMS, Category.LUAR_WILAYAH}
)

PILKADA_BALLOTS = ("GUB", "BUP", "WALKOT")
PEMILU_BALLOTS = ("PPWP", "DPR", "DPD", "DPRD_PROV", "DPRD_KAB")
DAPIL_CONTESTS = ("DPR", "DPRD_PROV", "DPRD_KAB")


@dataclass(frozen=True, slots=True, kw_only=True)
class Result:
    """One row of a run: a person, their list entries, or both."""

    category: Category
    inmate_id: int | None = None
    entry_ids: tuple[int, ...] = ()
    daftar: str = ""  # 'DPT' | 'DPTB' | 'DPK' | ''
    tps: str = ""
    surat_suara: tuple[str, ...] = ()
    alasan: str = ""
    match: Match | None = None  # the least certain pairing of the row (the one to review)
    matches: tuple[Match, ...] = ()  # one per paired entry
    ref_match: Match | None = None
    deadline_note: str = ""
    candidates: tuple[int, ...] = ()  # inmate ids when a probable match is a tie
    tindakan: str = ""  # an Action code (CONTRACT.md "tindakan"); '' when nothing is to do

    @property
    def surat_suara_text(self) -> str:
        return ";".join(self.surat_suara)

    @property
    def keys(self) -> tuple[tuple[str, int], ...]:
        """('inmate', id) and ('entry', id) keys of the people and entries in this row."""
        own = (("inmate", self.inmate_id),) if self.inmate_id is not None else ()
        return own + tuple(("entry", entry_id) for entry_id in self.entry_ids)


@dataclass(frozen=True, slots=True)
class Change:
    """A row whose category changed between two runs (``key``: the inmate or entry shared)."""

    key: tuple[str, int]
    before: Result
    after: Result


@dataclass(frozen=True, slots=True)
class Changes:
    """What ``changes`` found between two runs."""

    arrivals: tuple[Result, ...]
    departures: tuple[Result, ...]
    changed: tuple[Change, ...]


DUKCAPIL_UNRECORDED = {
    "not_found": "Dukcapil menjawab NIK tidak ditemukan",
    "not_recorded": "Dukcapil menjawab belum rekam KTP-el",
}


# Categories whose row must be reported to the KPU when it stands on this TPS's lists.
REPORT_WHEN_LISTED = frozenset(
    {Category.KELUAR, Category.TIDAK_DIKENAL, Category.TMS, Category.LUAR_WILAYAH, Category.GANDA}
)


def next_action(
    category: Category,
    *,
    listed: bool,
    stage: Stage,
    order_ends_by_polling_day: bool = False,
) -> Action:
    """The one thing to do next for a row of ``category`` (CONTRACT.md's tindakan table):
    ``listed`` says the row stands on this TPS's lists, ``order_ends_by_polling_day`` that a
    registered detainee's detention order ends on or before polling day (DOMAIN.md §6.2)."""
    if category in REPORT_WHEN_LISTED:
        return Action.LAPOR_KPU if listed else Action.NONE
    if category is Category.PERLU_PERIKSA:
        return Action.PERIKSA
    if category is Category.PEREKAMAN:
        return Action.REKAM_KTP
    if category is Category.TERDAFTAR:
        return Action.KONFIRMASI_PENAHANAN if order_ends_by_polling_day else Action.NONE
    if category in (Category.BELUM_TERDAFTAR, Category.USUL_DPTB):
        if stage is Stage.UPDATING:
            return Action.USUL_DPT
        if stage is Stage.CLOSED:
            return Action.LEWAT_BATAS
        return Action.USUL_DPTB if category is Category.USUL_DPTB else Action.CARI_DPT
    return Action.NONE


def calendar_of(election: Election) -> Calendar:
    """The dates the tindakan of ``election`` are judged against."""
    return Calendar(
        polling_date=election.polling_date,
        dpt_date=election.dpt_date,
        deadline=election.deadline_detainee,
    )


def _code(raw: object) -> str:
    return wilayah.normalize_code(raw) if raw else ""


def _depth(code: str) -> int:
    return code.count(".") + 1 if code else 0


def kab_race_code(region: str) -> str:
    """'WALKOT' for a kota (Kemendagri 71-99), else 'BUP'."""
    regency = wilayah.regency_of(region)
    return "WALKOT" if regency and int(regency[-2:]) >= 71 else "BUP"


def _race_set(races) -> set[str]:
    """Race codes, upper case; a comma-separated string ("GUB,BUP") is accepted too."""
    if isinstance(races, str):
        races = races.split(",")
    return {str(r).strip().upper() for r in races or () if r and str(r).strip()}


def pilkada_races(election: Election) -> tuple[tuple[str, str], ...]:
    """(ballot code, area code) of each race held, in ballot order: GUB on the province, then
    BUP/WALKOT on the kabupaten/kota. 'BUP' and 'WALKOT' in ``races`` both mean the kab/kota race;
    its code follows the region."""
    region = _code(election.region)
    given = _race_set(election.races)
    if not given:
        given = {"GUB", "BUP"}
    races = []
    province = wilayah.province_of(region)
    regency = wilayah.regency_of(region)
    if province and given & {"GUB", "GUBERNUR"}:
        races.append(("GUB", province))
    if regency and given & {"BUP", "BUPATI", "WALKOT", "WALIKOTA", "KAB", "KABKO"}:
        races.append((kab_race_code(regency), regency))
    return tuple(races)


def dapil_of(code: str, table: Mapping[str, str]) -> str | None:
    """The dapil of a place: that of its most specific listed code (itself or an ancestor)."""
    parts = _code(code).split(".")
    normalized = {_code(k): v for k, v in table.items()}
    for size in range(len(parts), 0, -1):
        found = normalized.get(".".join(parts[:size]))
        if found:
            return found
    return None


@dataclass(frozen=True, slots=True)
class Entitlement:
    """The ballots a KTP-el address gives at this TPS, and what kept others undecided."""

    ballots: tuple[str, ...]
    outside: bool  # Pilkada: the address lies outside every race (LUAR_WILAYAH)
    notes: tuple[str, ...]


def entitlement(address_region: str, election: Election) -> Entitlement:
    """Ballots for a KTP-el address (DOMAIN.md §3.3).

    Choice: with no address code the person is never LUAR_WILAYAH; a Pilkada then gives no
    ballot and a Pemilu only PPWP, and a note asks for the KTP-el address.
    """
    address = _code(address_region)
    if election.kind.strip().lower() == "pemilu":
        return _pemilu_entitlement(address, election)
    return _pilkada_entitlement(address, election)


def _pilkada_entitlement(address: str, election: Election) -> Entitlement:
    races = pilkada_races(election)
    if not address:
        return Entitlement(
            (), False, ("kode wilayah KTP-el kosong: surat suara belum dapat ditentukan",)
        )
    ballots = []
    undecided = []
    for code, area in races:
        if wilayah.contains(area, address):
            ballots.append(code)
        elif _depth(address) < _depth(area) and wilayah.contains(address, area):
            undecided.append(code)  # e.g. only the province is known for a Bupati race
    notes = ()
    if undecided:
        notes = (
            f"kode wilayah KTP-el {address} kurang rinci untuk surat suara {', '.join(undecided)}",
        )
    return Entitlement(tuple(ballots), not ballots and not undecided, notes)


def _pemilu_entitlement(address: str, election: Election) -> Entitlement:
    held = _race_set(election.races) or set(PEMILU_BALLOTS)
    held &= set(PEMILU_BALLOTS)
    tps_region = _code(election.region)
    notes = []
    ballots = {"PPWP"} if "PPWP" in held else set()
    if not address:
        notes.append("kode wilayah KTP-el kosong: hanya PPWP, surat suara lain belum ditentukan")
        return Entitlement(tuple(b for b in PEMILU_BALLOTS if b in ballots), False, tuple(notes))
    if "DPD" in held and wilayah.province_of(address) == wilayah.province_of(tps_region):
        ballots.add("DPD")
    tables = {str(k).strip().upper(): v for k, v in (election.dapil or {}).items()}
    for contest in DAPIL_CONTESTS:
        if contest not in held:
            continue
        table = tables.get(contest)
        if not table:
            notes.append(f"tabel dapil {contest} belum ada: surat suara {contest} tidak diberikan")
            continue
        home = dapil_of(address, table)
        here = dapil_of(tps_region, table)
        if home and here and home == here:
            ballots.add(contest)
        elif not here:
            notes.append(f"wilayah TPS tidak ada di tabel dapil {contest}")
        elif not home:
            notes.append(f"alamat KTP-el {address} tidak ada di tabel dapil {contest}")
    return Entitlement(tuple(b for b in PEMILU_BALLOTS if b in ballots), False, tuple(notes))


def deadline_note(
    election: Election, today: date, *, home: str = "", inmate: Inmate | None = None
) -> str:
    """What is still possible on ``today`` for a person on a DPT elsewhere (``home``). Before
    the DPT is fixed the facility proposes them for its own TPS's DPT; then pindah memilih, up
    to the special H-7 deadline of people in custody (DOMAIN.md §3.2, §3.2a); after it, nothing
    at this TPS (never DPK: DPK is only for people on no list)."""
    who = "tahanan/terpidana"
    if inmate is not None and inmate.register_class:
        who = "tahanan" if custody.is_tahanan(inmate.register_class) else "terpidana"
    calendar = calendar_of(election)
    h7 = calendar.custody_deadline
    h30 = election.deadline_general
    polling = election.polling_date
    where = f" ({home})" if home else ""
    stage = calendar.stage_on(today)
    if today > polling:
        return f"hari pemungutan suara ({dmy(polling)}) sudah lewat"
    if stage is Stage.UPDATING:
        return (
            f"DPT belum ditetapkan (penetapan {dmy(election.dpt_date)}): usulkan masuk DPT TPS ini"
            f" lewat Model A-Daftar Pemilih Lokasi Khusus sebelum tanggal itu; terdaftar di DPT"
            f" asal{where}"
        )
    if stage is Stage.CLOSED:
        return (
            f"batas pindah memilih H-7 ({dmy(h7)}) sudah lewat: tidak dapat lagi dipindahkan ke TPS"
            f" ini; tetap terdaftar di DPT asal{where}. Laporkan ke KPU"
        )
    if today == h7:
        return (
            f"hari ini batas terakhir pindah memilih H-7 ({dmy(h7)}) untuk {who}: ajukan hari ini"
        )
    days = (h7 - today).days
    if today > h30:
        return (
            f"batas umum H-30 ({dmy(h30)}) sudah lewat, tetapi {who} masih dapat pindah memilih"
            f" sampai H-7 ({dmy(h7)}), {days} hari lagi"
        )
    return (
        f"ajukan pindah memilih sebelum H-7 ({dmy(h7)}, {days} hari lagi); batas umum H-30"
        f" ({dmy(h30)}) belum lewat"
    )


def _entry_order(entry: ListEntry):
    kind = entry.kind.strip().upper()
    return (list_rank(kind), entry.tps, entry.id)


def _where(entry: ListEntry) -> str:
    return f"{entry.kind.strip().upper()} TPS {entry.tps}".strip()


def _listed_text(members) -> str:
    return ", ".join(_where(entry) for entry, _ in members)


def _has_confirmed_duplicate(group: Group) -> bool:
    """The same person twice: two entries confirmed to the inmate, or two with one full NIK."""
    confirmed = [e for e, m in group.members if m is not None and m.confirmed]
    if len(confirmed) > 1:
        return True
    seen = set()
    for entry, _ in group.members:
        text = nik_rules.clean(entry.nik)
        if nik_rules.is_full(text):
            if text in seen:
                return True
            seen.add(text)
    return False


def _unconfirmed(group: Group) -> list[Match]:
    return [m for _, m in group.members if m is not None and not m.confirmed]


def _match_text(match: Match) -> str:
    what = {
        "masked_nik": "NIK tersamar, angka yang terlihat sama",
        "probable": "NIK berbeda atau kosong",
    }.get(match.layer, match.layer)
    return f"kecocokan belum pasti: nama ({match.score:.2f}) dan tanggal lahir sama, {what}"


class _Classifier:
    def __init__(
        self,
        election: Election,
        today: date,
        reference: ReferenceIndex | None,
        matcher: Matcher,
        staff: Iterable[Staff] = (),
        others: ReferenceIndex | None = None,
    ) -> None:
        self.election = election
        self.today = today
        self.reference = reference
        self.matcher = matcher
        self.others = others
        self.staff = staff_by_nik(staff)
        self.calendar = calendar_of(election)
        self.stage = self.calendar.stage_on(today)
        self._rights: dict[str, Entitlement] = {}

    def entitlement(self, address: str) -> Entitlement:
        key = _code(address)
        if key not in self._rights:
            self._rights[key] = entitlement(key, self.election)
        return self._rights[key]

    def area_text(self) -> str:
        return ", ".join(f"{code} {area}" for code, area in pilkada_races(self.election))

    def early(self, group: Group) -> Result | None:
        """The result when a category before the reference DPT lookup applies, else None."""
        inmate = group.inmate
        members = sorted(group.members, key=lambda m: _entry_order(m[0]))
        group.members = members
        listed = _listed_text(members)
        doubt = _unconfirmed(group)
        doubt_note = [_match_text(doubt[0])] if doubt else []

        if inmate is None:
            officer = officer_of(group, self.staff)
            if officer is not None:
                what = f", {officer.jabatan}" if officer.jabatan else ""
                rights = self.entitlement(self.election.region)
                return self._result(
                    Category.PETUGAS,
                    group,
                    [f"petugas UPT ({officer.nama}{what}) terdaftar di {listed}: pemilih yang"
                     " bertugas, bukan warga binaan"],
                    rights.ballots,
                )
            if group.candidates:
                registers = ", ".join(
                    self.matcher.inmates[c].no_registrasi or str(c) for c in group.candidates
                )
                return self._result(
                    Category.PERLU_PERIKSA,
                    group,
                    [
                        f"{listed}: mirip lebih dari satu warga binaan ({registers}) menurut nama"
                        " dan tanggal lahir; pilih yang benar"
                    ],
                )
            twice = " (tercatat lebih dari sekali)" if len(members) > 1 else ""
            return self._result(
                Category.TIDAK_DIKENAL,
                group,
                [f"terdaftar di {listed}{twice}, tidak ada warga binaan yang cocok: beri tahu KPU"],
            )

        told = [f"terdaftar di {listed}: beri tahu KPU"] if members else []
        gone = keluar_reason(inmate, self.election)
        if gone:
            return self._result(Category.KELUAR, group, [gone, *told, *doubt_note])
        reasons = tms_reasons(inmate, self.election)
        if reasons:
            return self._result(
                Category.TMS,
                group,
                [f"tidak memenuhi syarat: {tms_text(reasons)}", *told, *doubt_note],
            )
        rights = self.entitlement(inmate.address_region)
        if rights.outside:
            address = _code(inmate.address_region)
            return self._result(
                Category.LUAR_WILAYAH,
                group,
                [
                    f"alamat KTP-el ({address}) di luar wilayah pemilihan ({self.area_text()}):"
                    " tidak mendapat surat suara",
                    *told,
                    *doubt_note,
                ],
            )
        notes = list(rights.notes)
        if _has_confirmed_duplicate(group):
            return self._result(
                Category.GANDA,
                group,
                [f"tercatat {len(members)} kali: {listed}; minta KPU mencoret yang lebih", *notes],
                rights.ballots,
            )
        if doubt:
            return self._result(
                Category.PERLU_PERIKSA,
                group,
                [f"{listed}: {_match_text(doubt[0])}; perlu keputusan petugas", *notes],
                rights.ballots,
            )
        if members:
            how = "NIK" if all(m.layer == "nik" for _, m in members) else "keputusan petugas"
            extra = []
            if any("nama" not in m.fields for _, m in members):
                extra.append("nama pada daftar berbeda: periksa")
            if any("tanggal_lahir" not in m.fields for _, m in members):
                extra.append("tanggal lahir pada daftar berbeda: periksa")
            return self._result(
                Category.TERDAFTAR,
                group,
                [f"terdaftar di {listed} (cocok {how})", *extra, *notes],
                rights.ballots,
            )
        if inmate.nik_status != "valid":
            word = {"blank": "kosong", "masked": "tersamar"}.get(inmate.nik_status, "tidak valid")
            return self._result(
                Category.PEREKAMAN,
                group,
                [f"NIK {word}: perlu perekaman/verifikasi KTP-el oleh Dukcapil", *notes],
                rights.ballots,
            )
        if inmate.dukcapil in DUKCAPIL_UNRECORDED:
            return self._result(
                Category.PEREKAMAN,
                group,
                [f"{DUKCAPIL_UNRECORDED[inmate.dukcapil]}: perlu perekaman KTP-el", *notes],
                rights.ballots,
            )
        return None

    def late(self, group: Group) -> Result:
        """USUL_DPTB or BELUM_TERDAFTAR, from the reference DPT."""
        inmate = group.inmate
        verdict = self.matcher.verdicts.get((inmate.id, None))
        # Another TPS list of the election first (the freshest record: a Polres detainee's DPTb
        # at the police cells' TPS), by full NIK or visible digits with name and birth date.
        found = self.matcher.reference_match(inmate, self.others, None)
        if found is not None and found.layer not in ("nik", "masked_nik"):
            found = None  # a namesake on another list is no evidence: only the reference DPT's
        if found is None:
            found = self.matcher.reference_match(inmate, self.reference, verdict)
        address = inmate.address_region
        derived = []
        if not _code(address) and found is not None and _code(found.ref.region):
            address = found.ref.region
            derived = ["kode wilayah diambil dari DPT rujukan"]
        rights = self.entitlement(address)
        if rights.outside:
            return self._result(
                Category.LUAR_WILAYAH,
                group,
                [
                    f"alamat menurut DPT rujukan ({_code(address)}) di luar wilayah pemilihan"
                    f" ({self.area_text()})"
                ],
                ref_match=found,
            )
        notes = derived + list(rights.notes)
        if found is not None and (found.layer != "probable" or verdict == "accept"):
            if found.layer == "probable":
                found = replace(found, layer="decision")
            home = _home_text(found.ref)
            how = {"nik": "NIK", "masked_nik": "NIK tersamar, nama dan tanggal lahir"}.get(
                found.layer, "keputusan petugas"
            )
            what = home if found.ref.where else f"DPT {home}"
            todo = ("usulkan masuk DPT TPS ini" if self.stage is Stage.UPDATING
                    else "usulkan pindah memilih ke TPS ini")
            return self._result(
                Category.USUL_DPTB,
                group,
                [f"terdaftar di {what} (cocok {how}): {todo}"] + notes,
                rights.ballots,
                ref_match=found,
                deadline=deadline_note(self.election, self.today, home=home, inmate=inmate),
            )
        base = self.unregistered_text()
        hint = []
        if found is not None:
            hint = [
                f"mungkin terdaftar dengan NIK lain di DPT {_home_text(found.ref)} (nama"
                f" {found.score:.2f}, tanggal lahir sama): periksa"
            ]
        elif self.reference is None or _empty(self.reference):
            hint = ["DPT rujukan belum dimuat"]
        return self._result(
            Category.BELUM_TERDAFTAR,
            group,
            [base, *hint, *notes],
            rights.ballots,
            ref_match=found,
        )

    def unregistered_text(self) -> str:
        """What can still be done, at this stage, for someone on no list we know of."""
        calendar = self.calendar
        where = "tidak ditemukan di DPT rujukan maupun daftar TPS lain pemilihan ini"
        if self.stage is Stage.UPDATING:
            return (f"{where}: usulkan masuk DPT TPS ini sebelum penetapan DPT"
                    f" ({dmy(calendar.dpt_date)})")
        if self.stage is Stage.FIXED:
            return (f"{where}: minta KPU mencarinya di data pemilih nasional sebelum batas H-7"
                    f" ({dmy(calendar.custody_deadline)})")
        return (f"{where}; batas H-7 ({dmy(calendar.custody_deadline)}) sudah lewat: TPS ini tidak"
                " dapat lagi menerimanya; laporkan ke KPU")

    def _result(
        self,
        category: Category,
        group: Group,
        reasons: list[str],
        ballots: tuple[str, ...] = (),
        *,
        ref_match: Match | None = None,
        deadline: str = "",
    ) -> Result:
        members = group.members
        inmate = group.inmate
        order_ends = (
            inmate is not None
            and category is not Category.KELUAR
            and custody.order_ends_by(
                register=inmate.register_class,
                expected_release=inmate.expected_release,
                day=self.election.polling_date,
            )
        )
        if order_ends:
            reasons = [*reasons, order_end_note(inmate, self.election)]
        tindakan = next_action(
            category, listed=bool(members), stage=self.stage, order_ends_by_polling_day=order_ends
        )
        matches = tuple(m for _, m in members if m is not None)
        doubt = [m for m in matches if not m.confirmed]
        first = members[0][0] if members else None
        return Result(
            category=category,
            inmate_id=group.inmate.id if group.inmate else None,
            entry_ids=tuple(entry.id for entry, _ in members),
            daftar=first.kind.strip().upper() if first else "",
            tps=first.tps if first else "",
            surat_suara=() if category in NO_BALLOT_CATEGORIES else tuple(ballots),
            alasan="; ".join(r for r in reasons if r),
            match=(doubt[0] if doubt else matches[0]) if matches else None,
            matches=matches,
            ref_match=ref_match,
            deadline_note=deadline,
            candidates=group.candidates,
            tindakan=str(tindakan),
        )


def _home_text(ref: RefEntry) -> str:
    if ref.where:
        return ref.where
    parts = [f"TPS {ref.tps}" if ref.tps else ""]
    if ref.kelurahan:
        parts.append(f"Kel. {ref.kelurahan}")
    if ref.kecamatan:
        parts.append(f"Kec. {ref.kecamatan}")
    return " ".join(p for p in parts if p) or "lain"


def _empty(reference) -> bool:
    try:
        return len(reference) == 0
    except TypeError:
        return False


def classify(
    *,
    inmates: Iterable[Inmate],
    entries: Iterable[ListEntry],
    reference: ReferenceIndex | None,
    election: Election,
    today: date,
    decisions: Iterable[Decision] = (),
    staff: Iterable[Staff] = (),
    others: ReferenceIndex | None = None,
) -> list[Result]:
    """One Result per inmate inside on ``today`` and per list entry; a person in both is one
    Result. ``inmates`` may include people who already left: they only appear when an entry
    matches them (then KELUAR). Results come in roster order, then entries with no inmate.

    Choices where the contract is silent:
    - Only equal full NIK or an accepted Decision confirms a pair; a rejected Decision removes a
      probable pair but never an equal-NIK one (the NIK is the identity).
    - An entry with several equally good probable inmates is one PERLU_PERIKSA row with no
      inmate and ``candidates``; those inmates keep their own rows.
    - KELUAR, TMS and LUAR_WILAYAH apply through a probable pair too (both readings lead to
      telling the KPU); GANDA needs a confirmed duplicate, otherwise the row is PERLU_PERIKSA.
    - GANDA counts the facility's lists passed in, across its TPSs.
    """
    inmates = list(inmates)
    pairing = pair_entries(inmates=inmates, entries=entries, today=today, decisions=decisions)

    ordered: list[Group] = []
    seen: set[int] = set()
    for inmate in inmates:
        if inmate.id in seen:
            continue
        seen.add(inmate.id)
        group = pairing.by_inmate.get(inmate.id)
        if group is None and is_inside_on(inmate, today):
            group = Group(inmate)
        if group is not None:
            ordered.append(group)
    ordered.extend(pairing.unmatched)

    classifier = _Classifier(election, today, reference, pairing.matcher, staff, others)
    results: list[Result | None] = [classifier.early(group) for group in ordered]
    pending = [i for i, result in enumerate(results) if result is None]
    prefetch = getattr(reference, "prefetch", None)
    if pending and callable(prefetch):
        prefetch(
            niks=sorted({nik_rules.clean(ordered[i].inmate.nik) for i in pending}),
            birth_dates=sorted({ordered[i].inmate.birth_date for i in pending}),
        )
    for i in pending:
        results[i] = classifier.late(ordered[i])
    return [result for result in results if result is not None]


def count_by_category(results: Iterable[Result]) -> dict[str, int]:
    """{category: count} for every category, in the order of precedence."""
    counts = dict.fromkeys(CATEGORIES, 0)
    for result in results:
        counts[result.category] = counts.get(result.category, 0) + 1
    return counts


def changes(previous: Iterable[Result], current: Iterable[Result]) -> Changes:
    """What changed between two runs, keyed by inmate id and entry id.

    An arrival is a current row none of whose people or entries was in the previous run; a
    departure the reverse; a change is a pair of rows sharing an inmate or an entry whose
    category differs (a merge or a split gives one change per row involved).
    """
    previous = list(previous)
    current = list(current)
    before = {key: result for result in previous for key in result.keys}
    after = {key: result for result in current for key in result.keys}
    arrivals = tuple(r for r in current if not any(k in before for k in r.keys))
    departures = tuple(r for r in previous if not any(k in after for k in r.keys))
    changed = []
    seen = set()
    for result in current:
        for key in result.keys:
            old = before.get(key)
            if old is None or old.category == result.category:
                continue
            pair = (id(old), id(result))
            if pair in seen:
                continue
            seen.add(pair)
            changed.append(Change(key, old, result))
    return Changes(arrivals, departures, tuple(changed))
