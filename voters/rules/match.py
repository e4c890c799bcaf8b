"""THE pairing of list entries with people (CONTRACT.md "Reconciliation"): the one matcher that
the reconciliation, the letters and polling day use, so that they name the same person.

Layers, in order: an accepted ``Decision``, then equal full NIK (the only automatic
confirmation), then "probable" (same birth date and a similar name, ``rules.names``; the NIK
differs, is missing or is masked), which always goes to a person as PERLU_PERIKSA. An inmate's
place on the kabupaten's reference DPT is found the same way (``Matcher.reference_match``). An
entry paired with no inmate is an officer of the facility when its full NIK is on the staff
roster (``officer_of``).

The choices made where the contract is silent are listed in ``rules.classify.classify``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Protocol

from voters.rules import nik as nik_rules
from voters.rules.eligibility import Inmate, is_inside_on
from voters.rules.names import NameForms, forms_similarity, name_forms

# Name similarity (0..1) at or above which two names with the same birth date are a probable
# match between a list entry and an inmate. A person reviews every such pair (PERLU_PERIKSA), so
# it is set to keep "BUDI" ~ "BUDI SANTOSO" (0.75) and "RIDWAN" ~ "MUHAMMAD RIDWAN" (0.83) while
# "BUDI SANTOSO" ~ "BUDI SETIAWAN" (0.5) and "MUHAMMAD" ~ "MUHAMMAD RIDWAN" (0.67) stay out.
PROBABLE_THRESHOLD = 0.75
# Stricter for a masked reference DPT entry: it decides USUL_DPTB with no review step.
REFERENCE_THRESHOLD = 0.8


@dataclass(frozen=True, slots=True, kw_only=True)
class ListEntry:
    """An entry on one of this facility's TPS lists (DPT, DPTB or DPK)."""

    id: int
    kind: str
    nama: str
    birth_date: date
    tps: str = ""
    nik: str = ""  # full, masked with '*', or anything else (treated as missing)
    sex: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class RefEntry:
    """A row of the reference DPT of the kabupaten/kota."""

    nik: str
    nama: str
    birth_date: date
    sex: str = ""
    tps: str = ""
    kelurahan: str = ""
    kecamatan: str = ""
    region: str = ""
    id: int | None = None
    # Set for an entry of another TPS list of the election: where it stands, in words
    # ("DPTB TPS 005, Rutan Polres Blora"), for the alasan of a pindah memilih proposal.
    where: str = ""


@dataclass(frozen=True, slots=True)
class Staff:
    """An officer of the facility (its staff roster): on the TPS lists, a voter on duty."""

    nik: str
    nama: str
    jabatan: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Decision:
    """A person's verdict on a probable match. ``entry_id`` None: on the inmate's reference DPT
    candidate (accept a name-and-birth-date candidate, or reject a masked/probable one)."""

    inmate_id: int
    entry_id: int | None
    verdict: str  # 'accept' | 'reject'


@dataclass(frozen=True, slots=True, kw_only=True)
class Match:
    """How a pair was matched. ``fields`` are the agreeing fields: 'nik' (equal), 'nik_terlihat'
    (the visible digits of a masked NIK agree), 'nama', 'tanggal_lahir', 'jenis_kelamin'."""

    layer: str  # 'nik' | 'masked_nik' | 'probable' | 'decision'
    score: float
    fields: tuple[str, ...] = ()
    inmate_id: int | None = None
    entry_id: int | None = None
    ref: RefEntry | None = None  # for a reference DPT match: where the person is registered

    @property
    def confirmed(self) -> bool:
        return self.layer in ("nik", "decision")


class ReferenceIndex(Protocol):
    """Lookups on the reference DPT of the kabupaten/kota, one per access path, so that a
    PostgreSQL implementation uses an index for each:

    - ``by_nik``: entries whose NIK is exactly this full NIK (index on nik).
    - ``by_visible``: masked entries born on ``birth_date`` whose visible digits may agree with
      the full ``nik`` (index on birth_date, or on (birth_date, left(nik, 6)) for the usual
      '331601**********' masking). Over-returning is fine: ``classify`` checks the digits again.
    - ``by_birth_date``: every entry born on that date (index on birth_date), for the name search.

    An implementation may also offer ``prefetch(*, niks, birth_dates)``; ``classify`` calls it once
    with everything it will look up, so that it can load them in two queries.
    """

    def by_nik(self, nik: str) -> Sequence[RefEntry]: ...

    def by_visible(self, nik: str, birth_date: date) -> Sequence[RefEntry]: ...

    def by_birth_date(self, birth_date: date) -> Sequence[RefEntry]: ...


class MemoryReferenceIndex:
    """A ``ReferenceIndex`` over a list in memory (tests, small data)."""

    def __init__(self, entries: Iterable[RefEntry] = ()) -> None:
        self._by_nik: dict[str, list[RefEntry]] = defaultdict(list)
        self._masked_by_date: dict[date, list[RefEntry]] = defaultdict(list)
        self._by_date: dict[date, list[RefEntry]] = defaultdict(list)
        self._count = 0
        for entry in entries:
            self._count += 1
            text = nik_rules.clean(entry.nik)
            if nik_rules.is_full(text):
                self._by_nik[text].append(entry)
            elif nik_rules.is_masked(text):
                self._masked_by_date[entry.birth_date].append(entry)
            self._by_date[entry.birth_date].append(entry)

    def __len__(self) -> int:
        return self._count

    def by_nik(self, nik: str) -> list[RefEntry]:
        return list(self._by_nik.get(nik_rules.clean(nik), ()))

    def by_visible(self, nik: str, birth_date: date) -> list[RefEntry]:
        return [
            entry
            for entry in self._masked_by_date.get(birth_date, ())
            if nik_rules.masked_matches(entry.nik, nik)
        ]

    def by_birth_date(self, birth_date: date) -> list[RefEntry]:
        return list(self._by_date.get(birth_date, ()))


@dataclass(slots=True)
class Pair:
    """What ``Matcher.pair`` found for one list entry: an inmate and how, a tie, or nothing."""

    inmate_id: int | None = None
    match: Match | None = None
    candidates: tuple[int, ...] = ()  # tie between several probable inmates


def _agreeing(
    inmate: Inmate,
    other: ListEntry | RefEntry,
    *,
    nik_relation: str,
    score: float,
    threshold: float,
) -> tuple[str, ...]:
    fields = []
    if nik_relation == "equal":
        fields.append("nik")
    elif nik_relation == "visible":
        fields.append("nik_terlihat")
    if score >= threshold:
        fields.append("nama")
    if inmate.birth_date == other.birth_date:
        fields.append("tanggal_lahir")
    if inmate.sex and other.sex and inmate.sex.strip().upper() == other.sex.strip().upper():
        fields.append("jenis_kelamin")
    return tuple(fields)


def _nik_relation(inmate: Inmate, other_nik: str) -> str:
    """'equal', 'visible' (a masked side agrees on its visible digits) or ''."""
    own = nik_rules.clean(inmate.nik)
    if inmate.nik_status == "valid" and nik_rules.is_full(other_nik) and own == other_nik:
        return "equal"
    if nik_rules.is_full(own) and nik_rules.is_masked(other_nik):
        return "visible" if nik_rules.masked_matches(other_nik, own) else ""
    if nik_rules.is_full(other_nik) and nik_rules.is_masked(own):
        return "visible" if nik_rules.masked_matches(own, other_nik) else ""
    return ""


def _preferred(inmates: Sequence[Inmate], today: date) -> Inmate:
    """Of several records of one NIK (re-admissions), the one inside today, else the latest."""
    return max(inmates, key=lambda i: (is_inside_on(i, today), i.admitted, i.id))


class Matcher:
    """The roster indexed for pairing (by NIK, by birth date, every inmate's name forms) and the
    reviewers' verdicts, the last on a pair winning."""

    def __init__(
        self, inmates: Sequence[Inmate], decisions: Sequence[Decision], today: date
    ) -> None:
        self.today = today
        self.inmates = {inmate.id: inmate for inmate in inmates}
        self.forms = {i.id: name_forms(i.nama, i.aliases) for i in inmates}
        self.by_nik: dict[str, list[Inmate]] = defaultdict(list)
        self.by_date: dict[date, list[Inmate]] = defaultdict(list)
        for inmate in inmates:
            text = nik_rules.clean(inmate.nik)
            if inmate.nik_status == "valid" and nik_rules.is_full(text):
                self.by_nik[text].append(inmate)
            self.by_date[inmate.birth_date].append(inmate)
        # The last verdict on a pair wins; an entry's accepted inmate is its latest accept.
        self.verdicts: dict[tuple[int, int | None], str] = {}
        latest_accept: dict[int, int] = {}
        for decision in decisions:
            verdict = decision.verdict.strip().lower()
            verdict = {"terima": "accept", "tolak": "reject"}.get(verdict, verdict)
            self.verdicts[(decision.inmate_id, decision.entry_id)] = verdict
            if verdict == "accept" and decision.entry_id is not None:
                latest_accept[decision.entry_id] = decision.inmate_id
        self.accepted = {
            entry_id: inmate_id
            for entry_id, inmate_id in latest_accept.items()
            if self.verdicts.get((inmate_id, entry_id)) == "accept" and inmate_id in self.inmates
        }

    def pair(self, entry: ListEntry) -> Pair:
        """The inmate of one list entry, by the layers of the module docstring."""
        text = nik_rules.clean(entry.nik)
        entry_forms = name_forms(entry.nama)
        accepted = self.accepted.get(entry.id)
        if accepted is not None:
            inmate = self.inmates[accepted]
            return Pair(accepted, self._match(inmate, entry, "decision", text, entry_forms))
        if nik_rules.is_full(text) and text in self.by_nik:
            inmate = _preferred(self.by_nik[text], self.today)
            return Pair(inmate.id, self._match(inmate, entry, "nik", text, entry_forms))
        found = []
        for inmate in self.by_date.get(entry.birth_date, ()):
            if self.verdicts.get((inmate.id, entry.id)) == "reject":
                continue
            score = forms_similarity(self.forms[inmate.id], entry_forms)
            if score < PROBABLE_THRESHOLD:
                continue
            relation = _nik_relation(inmate, text)
            found.append(((relation == "visible", round(score, 6)), inmate, relation, score))
        if not found:
            return Pair()
        found.sort(key=lambda f: f[0], reverse=True)
        if len(found) > 1 and found[0][0] == found[1][0]:
            tied = tuple(f[1].id for f in found if f[0] == found[0][0])
            best = found[0]
            match = Match(
                layer="probable",
                score=best[3],
                fields=("nama", "tanggal_lahir"),
                entry_id=entry.id,
            )
            return Pair(None, match, tied)
        _, inmate, relation, score = found[0]
        layer = "masked_nik" if relation == "visible" else "probable"
        fields = _agreeing(
            inmate, entry, nik_relation=relation, score=score, threshold=PROBABLE_THRESHOLD
        )
        return Pair(
            inmate.id,
            Match(layer=layer, score=score, fields=fields, inmate_id=inmate.id, entry_id=entry.id),
        )

    def _match(
        self, inmate: Inmate, entry: ListEntry, layer: str, text: str, entry_forms: NameForms
    ) -> Match:
        score = forms_similarity(self.forms[inmate.id], entry_forms)
        relation = _nik_relation(inmate, text)
        fields = _agreeing(
            inmate, entry, nik_relation=relation, score=score, threshold=PROBABLE_THRESHOLD
        )
        return Match(
            layer=layer,
            score=1.0 if layer == "nik" else score,
            fields=fields,
            inmate_id=inmate.id,
            entry_id=entry.id,
        )

    def reference_match(
        self, inmate: Inmate, reference: ReferenceIndex | None, verdict: str | None
    ) -> Match | None:
        """Where the inmate is on the reference DPT: equal full NIK, else (unless ``verdict``
        rejected the candidate) a masked NIK whose visible digits agree, else the same birth date,
        with a similar name (``REFERENCE_THRESHOLD``) and no conflicting sex."""
        if reference is None:
            return None
        text = nik_rules.clean(inmate.nik)
        for ref in reference.by_nik(text):
            if nik_rules.clean(ref.nik) == text:
                score = forms_similarity(self.forms[inmate.id], name_forms(ref.nama))
                fields = _agreeing(
                    inmate, ref, nik_relation="equal", score=score, threshold=REFERENCE_THRESHOLD
                )
                return Match(layer="nik", score=1.0, fields=fields, inmate_id=inmate.id, ref=ref)
        if verdict == "reject":
            return None
        forms = self.forms[inmate.id]
        best = None
        for ref in reference.by_visible(text, inmate.birth_date):
            ref_nik = nik_rules.clean(ref.nik)
            if ref.birth_date != inmate.birth_date or not nik_rules.masked_matches(ref_nik, text):
                continue
            if _sex_conflict(inmate.sex, ref.sex):
                continue
            score = forms_similarity(forms, name_forms(ref.nama))
            if score >= REFERENCE_THRESHOLD and (best is None or score > best[0]):
                best = (score, ref, "visible")
        if best is None:
            for ref in reference.by_birth_date(inmate.birth_date):
                if ref.birth_date != inmate.birth_date or _sex_conflict(inmate.sex, ref.sex):
                    continue
                score = forms_similarity(forms, name_forms(ref.nama))
                if score >= REFERENCE_THRESHOLD and (best is None or score > best[0]):
                    best = (score, ref, "")
        if best is None:
            return None
        score, ref, relation = best
        fields = _agreeing(
            inmate, ref, nik_relation=relation, score=score, threshold=REFERENCE_THRESHOLD
        )
        layer = "masked_nik" if relation == "visible" else "probable"
        return Match(layer=layer, score=score, fields=fields, inmate_id=inmate.id, ref=ref)


def _sex_conflict(a: str, b: str) -> bool:
    a, b = (a or "").strip().upper()[:1], (b or "").strip().upper()[:1]
    return bool(a and b and a != b)


@dataclass(slots=True)
class Group:
    """One person's list entries: an inmate (or None: entries no inmate matched, one group per
    full NIK or per entry) with each entry's Match, and the tied inmates of a probable match."""

    inmate: Inmate | None
    members: list[tuple[ListEntry, Match | None]] = field(default_factory=list)
    candidates: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class Pairing:
    """Every list entry placed: ``by_inmate`` (inmate id -> its Group, in the order the entries
    came) and ``unmatched`` (Groups with no inmate, in entry order)."""

    matcher: Matcher
    by_inmate: dict[int, Group]
    unmatched: list[Group]


def pair_entries(
    *,
    inmates: Iterable[Inmate],
    entries: Iterable[ListEntry],
    today: date,
    decisions: Iterable[Decision] = (),
) -> Pairing:
    """Pair each list entry with an inmate (``Matcher.pair``). An entry no inmate matched whose
    full NIK is that of an entry paired with an inmate is the same person, matched as that one;
    the other unmatched entries are grouped by full NIK (or stand alone)."""
    inmates = list(inmates)
    matcher = Matcher(inmates, list(decisions), today)
    groups: dict[int, Group] = {}
    paired_niks: dict[str, int] = {}
    unpaired: list[tuple[ListEntry, Pair]] = []
    for entry in entries:
        pair = matcher.pair(entry)
        if pair.inmate_id is None:
            unpaired.append((entry, pair))
            continue
        group = groups.setdefault(pair.inmate_id, Group(matcher.inmates[pair.inmate_id]))
        group.members.append((entry, pair.match))
        text = nik_rules.clean(entry.nik)
        if nik_rules.is_full(text):
            paired_niks.setdefault(text, pair.inmate_id)
    entry_groups: dict[tuple, Group] = {}
    for entry, pair in unpaired:
        text = nik_rules.clean(entry.nik)
        if nik_rules.is_full(text) and text in paired_niks:
            # Same NIK as an entry paired with an inmate: the same person, matched as that one.
            group = groups[paired_niks[text]]
            sibling = next(m for e, m in group.members if nik_rules.clean(e.nik) == text)
            group.members.append((entry, replace(sibling, entry_id=entry.id)))
            continue
        key = ("nik", text) if nik_rules.is_full(text) else ("entry", entry.id)
        group = entry_groups.setdefault(key, Group(None))
        group.members.append((entry, pair.match if pair.candidates else None))
        if pair.candidates:
            group.candidates = tuple(dict.fromkeys(group.candidates + pair.candidates))
    return Pairing(matcher, groups, list(entry_groups.values()))


def staff_by_nik(staff: Iterable[Staff]) -> dict[str, Staff]:
    """The staff roster by full NIK, the first member of each: an officer is known on a list by
    the full NIK only (a name and birth date are no proof, nor a masked NIK)."""
    roster: dict[str, Staff] = {}
    for member in staff:
        text = nik_rules.clean(member.nik)
        if nik_rules.is_full(text):
            roster.setdefault(text, member)
    return roster


def officer_of(group: Group, roster: Mapping[str, Staff]) -> Staff | None:
    """The officer a group of list entries is (``roster`` from ``staff_by_nik``): the staff
    member whose full NIK one of its entries carries, when the group is paired with no inmate.
    An entry an inmate's NIK or a review decision claims is that inmate's, even if an officer
    shares the NIK. The reconciliation (PETUGAS), the letters and the registers ask this one
    function, so that they name the same officer."""
    if group.inmate is not None:
        return None
    for entry, _match in group.members:
        found = roster.get(nik_rules.clean(entry.nik))
        if found is not None:
            return found
    return None
