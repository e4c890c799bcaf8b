"""Reads for one person in several facilities of a regency (issue 16): transfers between them
and overlapping custody, for the inmate page and the regency page.

The rules are ``rules.transfers`` (pure, the one matcher); this module loads the stays of the
facilities of one region in a few queries (never one per inmate), and what the latest
reconciliation of each facility says about the people involved: the list they are on and the
tindakan, whose deadline comes from ``rules.calendar``.

For the regency page:

- ``region_transfers(election=, region=, window_days=)`` -> ``list[TransferRow]``: one row per
  moved person, with both facilities, both TPS, the dates and the proposed action.
- ``region_overlaps(election=, region=)`` -> ``list[OverlapRow]``: one row per person inside two
  facilities at once (a data error to fix in one of the rosters).
- ``region_cases(election=, region=)``: both, reading the rosters' version and the rows' names
  once.

Rows carry the NIK as stored: a page prints it through the ``nik_for`` filter (masked roles).

Finding the links (the matcher over every pair that shares a NIK or a birth date) reads every
inmate of the region: about 0.3 s for 15,000 inmates, on every view of the regency page (issue 19
item 7, bench/README.md "Pages under load"). Both region functions therefore keep the links they
found in Django's cache, as inmate ids only (never a name or a NIK), under a version of the
region's rosters: ``eligibility.roster_versions``, one aggregate query (per facility: number of
inmates, highest id, sum of ``version``, latest ``updated_at``, and the generation a save or
delete of an inmate renews), which every write path of the project changes. A hit reads only
the stays the links name, by id; the words, lists and proposals are read fresh either way.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Q

from voters.models import TPS, Election, Facility, Inmate
from voters.reconciliation.models import ReconciliationItem
from voters.reconciliation.selectors import as_matching_election, latest_done_run
from voters.rules import classify, transfers, wilayah
from voters.rules.calendar import Action

#: what a Stay needs of an inmate
STAY_FIELDS = ("pk", "facility_id", "nama", "aliases", "nik", "nik_format", "tanggal_lahir",
               "jenis_kelamin", "tanggal_masuk", "tanggal_keluar", "jenis_keluar")
ITEM_FIELDS = ("run_id", "inmate_id", "category", "tindakan", "daftar", "tps", "ref")
ACTION_CODES = frozenset(action.value for action in Action)


def region_of(facility: Facility) -> str:
    """The regency a facility belongs to (its code's first two groups)."""
    return wilayah.regency_of(facility.region_code) or facility.region_code


def as_stay(row: Sequence) -> transfers.Stay:
    pk, facility_id, nama, aliases, nik, nik_format, born, sex, admitted, left_on, left_kind = row
    return transfers.Stay(
        id=pk, facility=facility_id, nama=nama,
        aliases=tuple(a.strip() for a in (aliases or "").replace(";", ",").split(",")
                      if a.strip()),
        nik=nik or "", nik_status=nik_format or "", birth_date=born, sex=sex or "",
        admitted=admitted, left_on=left_on, left_kind=left_kind or "",
    )


def _stays(qs) -> list[transfers.Stay]:
    return [as_stay(row) for row in qs.order_by("facility_id", "pk").values_list(*STAY_FIELDS)]


#: values per IN list when loading the people who may be the same as others (a roster of
#: thousands stays within every database's limit on query parameters)
CHUNK = 1000


def _sharing(qs, stays: Iterable[transfers.Stay]) -> list[transfers.Stay]:
    """The stays of ``qs`` that may be one of ``stays``: the matcher needs a full NIK or the
    birth date in common. One query per thousand birth dates or NIKs."""
    stays = list(stays)
    dates = sorted({s.birth_date for s in stays})
    niks = sorted({s.nik for s in stays if s.nik})
    found: dict[int, transfers.Stay] = {}
    for start in range(0, max(len(dates), len(niks)), CHUNK):
        condition = Q(tanggal_lahir__in=dates[start:start + CHUNK])
        if niks[start:start + CHUNK]:
            condition |= Q(nik__in=niks[start:start + CHUNK])
        for stay in _stays(qs.filter(condition)):
            found.setdefault(stay.id, stay)
    return sorted(found.values(), key=lambda s: (s.facility, s.id))


# -- rows -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Side:
    """One facility's end of a case: the facility, the inmate there and their dates."""

    facility: Facility
    inmate_id: int
    no_registrasi: str
    admitted: dt.date
    left_on: dt.date | None
    tps: str  # the facility's TPS in the election ('' when it has none)


@dataclass(frozen=True)
class TransferRow:
    """One moved person (for the regency page and both inmate pages)."""

    nama: str
    nik: str
    tanggal_lahir: dt.date
    kind: str  # 'nik' | 'probable'
    needs_review: bool
    origin: Side
    destination: Side
    left_on: dt.date
    admitted: dt.date
    # where the person is on a list: 'DPTb TPS 005' ('' when on none that the reconciliations
    # found; None without an election to look in)
    listed: str | None
    category: str  # the destination's reconciliation category ('' before a run)
    tindakan: str  # its tindakan code
    deadline: dt.date | None  # the date that tindakan races (rules.calendar)
    proposal: str  # the proposed action in words

    def text_for(self, facility_id: int) -> str:
        """The move in words on the page of ``facility_id`` (either end)."""
        arrived = facility_id == self.destination.facility.pk
        other = self.origin if arrived else self.destination
        return transfers.move_text(
            arrived=arrived, other=other.facility.name,
            day=self.admitted if arrived else self.left_on,
            listed=self.listed, proposal=self.proposal, needs_review=self.needs_review)


@dataclass(frozen=True)
class OverlapRow:
    """One person inside two facilities at once: a data error for both."""

    nama: str
    nik: str
    tanggal_lahir: dt.date
    kind: str
    needs_review: bool
    first: Side
    second: Side
    start: dt.date
    end: dt.date | None  # exclusive; None: both still inside

    def text_for(self, facility_id: int) -> str:
        other = self.second if facility_id == self.first.facility.pk else self.first
        return transfers.overlap_text(other=other.facility.name, start=self.start, end=self.end,
                                      needs_review=self.needs_review)


class _Context:
    """What the rows name, loaded once for a set of stays: facilities, inmates, each facility's
    TPS in the election and its latest reconciliation's items about these inmates."""

    def __init__(self, election: Election | None, stays: Iterable[transfers.Stay]):
        stays = list(stays)
        facility_ids = {s.facility for s in stays}
        inmate_ids = {s.id for s in stays}
        self.facilities = Facility.objects.in_bulk(facility_ids)
        self.registrations = dict(Inmate.objects.filter(pk__in=inmate_ids)
                                  .values_list("pk", "no_registrasi"))
        self.tps: dict[int, str] = {}
        self.items: dict[int, dict] = {}
        self.runs: dict[int, int] = {}  # facility id -> its latest finished run
        self.calendar = None
        if election is None:
            return
        self.calendar = classify.calendar_of(as_matching_election(election))
        for facility_id, number in (TPS.objects.filter(election=election,
                                                       facility_id__in=facility_ids)
                                    .order_by("number").values_list("facility_id", "number")):
            self.tps.setdefault(facility_id, number)
        self.runs = {facility_id: run for facility_id, run in
                     Facility.objects.filter(pk__in=facility_ids)
                     .annotate(run=latest_done_run(election)).values_list("pk", "run") if run}
        for item in (ReconciliationItem.objects.filter(run_id__in=self.runs.values(),
                                                       inmate_id__in=inmate_ids)
                     .order_by("position").values(*ITEM_FIELDS)):
            self.items.setdefault(item["inmate_id"], item)

    def side(self, stay: transfers.Stay) -> Side:
        return Side(facility=self.facilities[stay.facility], inmate_id=stay.id,
                    no_registrasi=self.registrations.get(stay.id, ""), admitted=stay.admitted,
                    left_on=stay.left_on, tps=self.tps.get(stay.facility, ""))

    def transfer_row(self, link: transfers.Transfer) -> TransferRow:
        origin, destination = self.side(link.exit), self.side(link.entry)
        there = self.items.get(link.entry.id)
        before = self.items.get(link.exit.id)
        listed = _listed(there, before) if self.calendar is not None else None
        category = there["category"] if there else ""
        tindakan = there["tindakan"] if there else ""
        deadline = None
        if there is not None and self.calendar is not None and tindakan in ACTION_CODES:
            deadline = self.calendar.deadline_of(Action(tindakan))
        if there is None:
            # No run yet: one is needed for the proposal. A run without this person: they
            # are no longer inside the destination either (its own page says where they went).
            proposal = (f"jalankan rekonsiliasi {destination.facility.name} untuk usulannya"
                        if self.calendar is not None and link.entry.facility not in self.runs
                        else "")
        else:
            proposal = transfers.proposal_text(category=category, action=tindakan,
                                               tps=there["tps"] or destination.tps,
                                               deadline=deadline)
        return TransferRow(
            nama=link.entry.nama, nik=link.entry.nik or link.exit.nik,
            tanggal_lahir=link.entry.birth_date, kind=link.kind,
            needs_review=link.needs_review, origin=origin, destination=destination,
            left_on=link.exit.left_on, admitted=link.entry.admitted, listed=listed,
            category=category, tindakan=tindakan, deadline=deadline, proposal=proposal)

    def overlap_row(self, found: transfers.Overlap) -> OverlapRow:
        return OverlapRow(
            nama=found.first.nama, nik=found.first.nik or found.second.nik,
            tanggal_lahir=found.first.birth_date, kind=found.kind,
            needs_review=found.needs_review, first=self.side(found.first),
            second=self.side(found.second), start=found.start, end=found.end)


def _listed(there: dict | None, before: dict | None) -> str:
    """Where the person stands on a list, as the reconciliations found: on the destination's
    own list, else on the origin's list, else where the destination's run found them (another
    TPS list of the election or the reference DPT)."""
    if there and there["daftar"]:
        return transfers.list_place(there["daftar"], there["tps"])
    if before and before["daftar"]:
        return transfers.list_place(before["daftar"], before["tps"])
    ref = (there or {}).get("ref") or {}
    if ref.get("where"):
        kind, _, rest = ref["where"].partition(" ")
        return f"{transfers.list_place(kind, '')} {rest}".strip()
    if ref.get("tps"):
        place = " ".join(p for p in (f"Kel. {ref['kelurahan']}" if ref.get("kelurahan") else "",
                                     f"Kec. {ref['kecamatan']}" if ref.get("kecamatan") else "")
                         if p)
        return f"DPT TPS {ref['tps']}" + (f" ({place})" if place else "")
    return ""


# -- the regency page -----------------------------------------------------------------------


#: the cache of the links the region functions found (ids only), per version of the rosters
LINKS_PREFIX = "region-links:v1"
LINKS_TTL = 3600


def _rosters_version(inmates) -> str:
    """Every roster version of the region in one string (one aggregate query,
    ``eligibility.roster_versions``): a changed roster makes a new one."""
    from voters.inmates.eligibility import roster_versions, versions_digest

    return versions_digest(roster_versions(inmates))


def region_version(facility_ids: Iterable[int]) -> str:
    """The version of every roster of a region (its facilities' ids, a list: see
    ``eligibility.facility_ids``) that the cases above are found in."""
    return _rosters_version(Inmate.objects.filter(facility_id__in=list(facility_ids)))


def _links_key(kind: str, region: str, version: str, *parts) -> str:
    area = wilayah.normalize_code(region) or region
    return ":".join(str(p) for p in (LINKS_PREFIX, kind, area, *parts, version))


def _cached_stays(inmates, ids: Iterable[int]) -> dict[int, transfers.Stay] | None:
    """The stays of ``ids`` read again by id, or None when one of them is gone (a row removed
    after the version was read: the caller finds the links afresh)."""
    ids = set(ids)
    stays = {stay.id: stay for stay in _stays(inmates.filter(pk__in=ids))} if ids else {}
    return stays if len(stays) == len(ids) else None


def _transfer_links(inmates, region: str, window_days: int,
                    version: str) -> list[transfers.Transfer]:
    key = _links_key("transfers", region, version, window_days)
    cached = cache.get(key)
    if cached is not None:
        stays = _cached_stays(inmates, (i for row in cached for i in row[:2]))
        if stays is not None:
            return [transfers.Transfer(stays[exit_id], stays[entry_id], kind, score)
                    for exit_id, entry_id, kind, score in cached]
    exits = _stays(inmates.filter(jenis_keluar=Inmate.ExitKind.MUTASI,
                                  tanggal_keluar__isnull=False))
    entries = _sharing(inmates, exits)
    links = transfers.find_transfers(exits=exits, entries=entries, window_days=window_days)
    cache.set(key, [(t.exit.id, t.entry.id, t.kind, t.score) for t in links], LINKS_TTL)
    return links


def _overlap_links(inmates, region: str, version: str) -> list[transfers.Overlap]:
    key = _links_key("overlaps", region, version)
    cached = cache.get(key)
    if cached is not None:
        stays = _cached_stays(inmates, (i for row in cached for i in row[:2]))
        if stays is not None:
            return [transfers.Overlap(stays[first], stays[second], kind, score, start, end)
                    for first, second, kind, score, start, end in cached]
    found = transfers.find_overlaps(_stays(inmates))
    cache.set(key, [(o.first.id, o.second.id, o.kind, o.score, o.start, o.end) for o in found],
              LINKS_TTL)
    return found


def region_transfers(*, election: Election | None, region: str,
                     window_days: int = transfers.TRANSFER_WINDOW_DAYS) -> list[TransferRow]:
    """One row per person who left a facility of ``region`` by mutasi and entered another one
    of it within ``window_days``: both facilities, both TPS, the dates, where the person is
    listed and the proposed action (from the destination's latest reconciliation of
    ``election``). Probable links (name and birth date) say they need review. Eight queries
    whatever the number of people (one more per thousand people who left by mutasi); with the
    links cached for these rosters, the people who left by mutasi are not read at all."""
    inmates = Inmate.objects.filter(facility__in=Facility.objects.in_region(region))
    links = _transfer_links(inmates, region, window_days, _rosters_version(inmates))
    context = _Context(election, [s for link in links for s in (link.exit, link.entry)])
    return [context.transfer_row(link) for link in links]


def region_overlaps(*, election: Election | None, region: str) -> list[OverlapRow]:
    """One row per person inside two facilities of ``region`` at once (custody intervals that
    share at least one day, a blank tanggal_keluar being still inside): a data error for both
    facilities. One query for the stays of the region (with the links cached for these rosters:
    for the stays they name), then the rows' names."""
    inmates = Inmate.objects.filter(facility__in=Facility.objects.in_region(region))
    found = _overlap_links(inmates, region, _rosters_version(inmates))
    context = _Context(election, [s for o in found for s in (o.first, o.second)])
    return [context.overlap_row(o) for o in found]


def region_cases(*, election: Election | None, region: str,
                 window_days: int = transfers.TRANSFER_WINDOW_DAYS, version: str | None = None,
                 ) -> tuple[list[TransferRow], list[OverlapRow]]:
    """``region_transfers`` and ``region_overlaps`` together, as the regency page shows them:
    the rosters' version read once (``version``, when the caller has just read it with
    ``region_version``) and the rows' names loaded once for both."""
    inmates = Inmate.objects.filter(facility__in=Facility.objects.in_region(region))
    version = version or _rosters_version(inmates)
    links = _transfer_links(inmates, region, window_days, version)
    found = _overlap_links(inmates, region, version)
    context = _Context(election, [s for link in links for s in (link.exit, link.entry)]
                       + [s for o in found for s in (o.first, o.second)])
    return ([context.transfer_row(link) for link in links],
            [context.overlap_row(o) for o in found])


# -- one inmate's page ----------------------------------------------------------------------


@dataclass(frozen=True)
class InmateCases:
    """The moves and overlaps one inmate is part of, in words for their facility's page."""

    moves: list[tuple[TransferRow, str]]
    overlaps: list[tuple[OverlapRow, str]]


def inmate_cases(inmate: Inmate, election: Election | None, *,
                 window_days: int = transfers.TRANSFER_WINDOW_DAYS) -> InmateCases:
    """The transfers and overlapping custody of ``inmate`` with the other facilities of its
    facility's regency: only the people who share its full NIK or birth date are loaded."""
    region = region_of(inmate.facility)
    others = Inmate.objects.filter(facility__in=Facility.objects.in_region(region))
    condition = Q(tanggal_lahir=inmate.tanggal_lahir) | Q(pk=inmate.pk)
    if inmate.nik:
        condition |= Q(nik=inmate.nik)
    stays = _stays(others.filter(condition))
    links = [link for link in transfers.find_transfers(exits=stays, entries=stays,
                                                       window_days=window_days)
             if inmate.pk in (link.exit.id, link.entry.id)]
    found = transfers.find_overlaps(stays, involving={inmate.pk})
    if not links and not found:
        return InmateCases([], [])
    context = _Context(election, [s for link in links for s in (link.exit, link.entry)]
                       + [s for o in found for s in (o.first, o.second)])
    facility_id = inmate.facility_id
    moves = [(row, row.text_for(facility_id)) for row in map(context.transfer_row, links)]
    overlaps = [(row, row.text_for(facility_id)) for row in map(context.overlap_row, found)]
    return InmateCases(moves, overlaps)


# -- the reconciliation ---------------------------------------------------------------------


def overlap_notes(facility: Facility, inmates: Iterable[Inmate]) -> dict[int, str]:
    """{inmate id: the data error in words} for those of ``inmates`` (the facility's roster, as
    a reconciliation loaded it) still inside ``facility`` whose custody overlaps a stay in
    another facility of its regency: both facilities would count the person inside, and may
    both propose them to the KPU. Loads only the other facilities' people who share a full
    NIK or a birth date with someone inside here."""
    own = [as_stay([getattr(i, f) if f != "pk" else i.pk for f in STAY_FIELDS])
           for i in inmates if i.tanggal_keluar is None]
    regency = Facility.objects.in_region(region_of(facility))
    others = _sharing(Inmate.objects.filter(facility__in=regency).exclude(facility=facility), own)
    found = transfers.find_overlaps([*own, *others], involving={s.id for s in own})
    if not found:
        return {}
    names = dict(Facility.objects.filter(pk__in={s.facility for o in found
                                                  for s in (o.first, o.second)})
                 .values_list("pk", "name"))
    notes: dict[int, list[str]] = {}
    for o in found:
        mine, other = (o.first, o.second) if o.first.facility == facility.pk else (o.second,
                                                                                   o.first)
        notes.setdefault(mine.id, []).append(transfers.overlap_text(
            other=names.get(other.facility, ""), start=o.start, end=o.end,
            needs_review=o.needs_review))
    return {inmate_id: "; ".join(texts) for inmate_id, texts in notes.items()}
