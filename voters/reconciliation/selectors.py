"""Reads that several pages and services share."""

import datetime as dt
import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from voters.models import (
    TPS,
    Election,
    Facility,
    Inmate,
    ListEntry,
    ReconciliationRun,
    ReviewDecision,
    StaffMember,
    TMSReason,
    User,
    VoterList,
)
from voters.rules import eligibility, match
from voters.rules import nik as nik_rules
from voters.rules.lists import list_rank


def elections_for(user: User) -> QuerySet[Election]:
    return Election.objects.filter(tps_set__in=user.tps_queryset()).distinct()


def latest_done_run(election: Election) -> Subquery:
    """The id of ``election``'s latest finished run of the outer query's facility: annotate a
    Facility queryset with it to have every facility's in one query."""
    return Subquery(ReconciliationRun.objects
                    .filter(election=election, facility=OuterRef("pk"),
                            status=ReconciliationRun.Status.DONE)
                    .order_by("-finished_at", "-pk").values("pk")[:1])


def current_election(user: User, code: str | None = None) -> Election | None:
    """The election a page is about: the one asked for, else the next polling day, else the
    most recent. Kept on the user object, which lives for one request, so that the dashboard
    and the home page's panels ask the database once."""
    memo = user.__dict__.setdefault("_current_elections", {})
    key = (code or "", timezone.localdate())
    if key not in memo:
        memo[key] = _current_election(user, code)
    return memo[key]


def user_elections(user: User) -> list[Election]:
    """``elections_for(user)`` as a list, read once per request (kept on the user object)."""
    if "_elections" not in user.__dict__:
        user.__dict__["_elections"] = list(elections_for(user))
    return user.__dict__["_elections"]


def _current_election(user, code):
    if code:
        return elections_for(user).filter(code=code).first()
    today = timezone.localdate()
    elections = user_elections(user)
    upcoming = [e for e in elections if e.polling_date >= today]
    if upcoming:
        return min(upcoming, key=lambda e: (e.polling_date, e.pk))
    return max(elections, key=lambda e: (e.polling_date, e.pk), default=None)


def as_matching_inmate(inmate: Inmate) -> eligibility.Inmate:
    return eligibility.Inmate(
        id=inmate.pk,
        no_registrasi=inmate.no_registrasi,
        nama=inmate.nama,
        aliases=tuple(inmate.alias_list()),
        nik=inmate.nik,
        nik_status=inmate.nik_format if inmate.nik_format else "",
        birth_date=inmate.tanggal_lahir,
        sex=inmate.jenis_kelamin,
        marital=inmate.status_perkawinan or "B",
        citizenship=inmate.kewarganegaraan or "WNI",
        tni_polri=inmate.tni_polri,
        vote_revoked=inmate.hak_pilih_dicabut,
        dead=inmate.is_dead,
        address_region=inmate.kode_wilayah,
        admitted=inmate.tanggal_masuk,
        expected_release=inmate.tanggal_bebas,
        left_on=inmate.tanggal_keluar,
        left_kind=inmate.jenis_keluar,
        register_class=inmate.register,
        dukcapil=inmate.nik_status,
    )


def as_matching_election(
    election: Election, dapil: Mapping[str, Mapping[str, str]] | None = None
) -> eligibility.Election:
    return eligibility.Election(
        kind=election.kind,
        polling_date=election.polling_date,
        region=election.region_code,
        races=tuple(election.race_list),
        dptb_deadline_detainee=election.dptb_deadline_detainee,
        dptb_deadline_general=election.dptb_deadline_general,
        dpt_date=election.dpt_date,
        dapil=dapil or {},
    )


def tms_table() -> dict[str, tuple[str | None, str]]:
    """TMS reasons as data: key -> (code, label), editable by an admin."""
    rows = {r.key: (r.code, r.label) for r in TMSReason.objects.all()}
    return {key: rows.get(key, default) for key, default in eligibility.TMS_REASONS.items()}


def ineligibility(
    inmate: Inmate, election: Election, table: dict[str, tuple[str | None, str]] | None = None
) -> list[tuple[str | None, str]]:
    """[(code, label)] of each reason this inmate may not vote in this election; [] = eligible."""
    table = table or tms_table()
    keys = eligibility.tms_reasons(as_matching_inmate(inmate), as_matching_election(election))
    return [table[k] for k in keys]


# -- the one pairing of list entries with inmates -----------------------------------------------

#: inmate fields that no list page reads (JSON and timestamps are the costly ones to decode,
#: a few thousand times per page otherwise)
UNUSED_INMATE_FIELDS = ("nik_issues", "nik_status_at", "created_at", "updated_at", "row_hash",
                        "keterangan", "putusan_pencabutan")
#: what the matcher (as_matching_inmate, inmate_fingerprint), the letters and the registers
#: read of an inmate
PAIRED_INMATE_FIELDS = ("facility", "no_registrasi", "nama", "aliases", "nik", "nik_format",
                        "tanggal_lahir", "jenis_kelamin", "status_perkawinan", "kewarganegaraan",
                        "kode_wilayah", "register", "tanggal_masuk", "tanggal_bebas",
                        "tanggal_keluar", "jenis_keluar", "hak_pilih_dicabut", "tni_polri", "blok",
                        "nik_status")
#: list-entry fields that neither the matcher, letters nor registers read
UNUSED_ENTRY_FIELDS = ("nkk", "tempat_lahir", "status_perkawinan", "kode_wilayah", "tps_number",
                       "keterangan", "row_number")
#: the order in which a reconciliation run gives the facility's entries to the matcher
RUN_ORDER = ("voter_list__tps__number", "voter_list__kind", "position")


def _in_run_order(entry: ListEntry) -> tuple:
    """RUN_ORDER in Python, for entries loaded in other orders."""
    return (entry.voter_list.tps.number, entry.voter_list.kind, entry.position)


def facility_entries(election: Election, facility: Facility) -> list[ListEntry]:
    """Every entry of the facility's TPS lists in this election, in RUN_ORDER."""
    return list(
        ListEntry.objects.filter(voter_list__election=election,
                                 voter_list__tps__facility=facility)
        .select_related("voter_list", "voter_list__tps")
        .order_by(*RUN_ORDER)
    )


def entry_fingerprint(entry: ListEntry) -> str:
    """What identifies a list entry across re-imports: its list, TPS and the person's data."""
    data = [entry.voter_list.kind, entry.voter_list.tps.number, entry.nik, entry.nama,
            entry.tanggal_lahir.isoformat()]
    return hashlib.sha256(json.dumps(data).encode()).hexdigest()


def inmate_fingerprint(inmate: Inmate) -> str:
    data = [inmate.nik, inmate.nama, inmate.aliases, inmate.tanggal_lahir.isoformat(),
            inmate.jenis_kelamin]
    return hashlib.sha256(json.dumps(data).encode()).hexdigest()


def as_matching_entry(entry: ListEntry) -> match.ListEntry:
    return match.ListEntry(
        id=entry.pk, kind=entry.voter_list.kind, tps=entry.voter_list.tps.number,
        nik=entry.nik, nama=entry.nama, birth_date=entry.tanggal_lahir,
        sex=entry.jenis_kelamin or "")


def decisions_in_force(*, election: Election, facility_id: int, inmates_by_id: dict[int, Inmate],
                       entries: Iterable[ListEntry]) -> list[match.Decision]:
    """Review decisions still in force, mapped onto these entries' ids: a decision lapses when
    its inmate's data changed, and follows its entry through a re-import (same fingerprint)."""
    active = list(ReviewDecision.objects.filter(election=election, facility_id=facility_id,
                                                superseded_at__isnull=True).order_by("decided_at"))
    if not active:
        return []
    by_fingerprint = defaultdict(list)
    for entry in entries:
        by_fingerprint[entry_fingerprint(entry)].append(entry.pk)
    found = []
    for decision in active:
        inmate = inmates_by_id.get(decision.inmate_id)
        if inmate is None or inmate_fingerprint(inmate) != decision.inmate_fingerprint:
            continue  # the inmate's data changed: the decision no longer holds
        if not decision.entry_fingerprint:
            found.append(match.Decision(inmate_id=inmate.pk, entry_id=None,
                                        verdict=decision.verdict))
            continue
        for entry_id in by_fingerprint.get(decision.entry_fingerprint, ()):
            found.append(match.Decision(inmate_id=inmate.pk, entry_id=entry_id,
                                        verdict=decision.verdict))
    return found


def staff_roster(facility_id: int) -> list[match.Staff]:
    """The facility's staff roster as the matcher takes it, in import order (the first of two
    officers with one NIK is the one named)."""
    return [
        match.Staff(nik=m.nik, nama=m.name, jabatan=m.position)
        for m in StaffMember.objects.filter(facility_id=facility_id).order_by("pk")
    ]


@dataclass(frozen=True)
class Paired:
    """Who the entries of ``paired_people`` are: {entry id: inmate} and, for entries paired
    with no inmate, {entry id: officer of the staff roster} (the reconciliation's PETUGAS)."""

    inmates: dict[int, Inmate]
    staff: dict[int, match.Staff]


def paired_inmates(*, election: Election, facility_id: int, entries: Sequence[ListEntry],
                   today: dt.date) -> dict[int, Inmate]:
    """{entry id: inmate}: ``paired_people`` without the staff roster."""
    return _paired(election=election, facility_id=facility_id, entries=entries, today=today,
                   roster={}).inmates


def paired_people(*, election: Election, facility_id: int, entries: Sequence[ListEntry],
                  today: dt.date) -> Paired:
    """Who the entries of some of the facility's lists in ``election`` (whole lists) are, as a
    reconciliation run on ``today`` names them: the one matcher (rules.match.pair_entries) on
    the same inputs, review decisions included, then rules.match.officer_of with the facility's
    staff roster for the entries paired with no inmate; so that a letter and the polling-day
    register name the person the reconciliation names. Entries that are nobody are left out.

    Only what can decide these entries is loaded, which gives the pairs a run over the whole
    facility gives: the entries of the facility's other lists with one of their full NIKs (an
    entry paired with nobody joins the person an entry with its NIK was paired with), and the
    inmates with one of those full NIKs or birth dates or with a decision in force."""
    return _paired(election=election, facility_id=facility_id, entries=entries, today=today,
                   roster=match.staff_by_nik(staff_roster(facility_id)))


def _paired(*, election, facility_id, entries, today, roster):
    if not entries:
        return Paired({}, {})
    own = {entry.pk for entry in entries}
    niks = {nik_rules.clean(entry.nik) for entry in entries}
    full = sorted(nik for nik in niks if nik_rules.is_full(nik))
    siblings = []
    if full:
        siblings = list(
            ListEntry.objects.filter(voter_list__election=election,
                                     voter_list__tps__facility_id=facility_id, nik__in=full)
            .exclude(voter_list_id__in={entry.voter_list_id for entry in entries})
            .select_related("voter_list", "voter_list__tps").defer(*UNUSED_ENTRY_FIELDS)
        )
    everyone = sorted([*entries, *siblings], key=_in_run_order)
    decided = ReviewDecision.objects.filter(election=election, facility_id=facility_id,
                                            superseded_at__isnull=True)
    condition = Q(tanggal_lahir__in={entry.tanggal_lahir for entry in everyone})
    condition |= Q(pk__in=decided.values("inmate_id"))
    if full:
        condition |= Q(nik__in=full)
    inmates = list(Inmate.objects.filter(facility_id=facility_id).filter(condition)
                   .only(*PAIRED_INMATE_FIELDS))
    by_id = {inmate.pk: inmate for inmate in inmates}
    pairing = match.pair_entries(
        inmates=[as_matching_inmate(inmate) for inmate in inmates],
        entries=[as_matching_entry(entry) for entry in everyone],
        today=today,
        decisions=decisions_in_force(election=election, facility_id=facility_id,
                                     inmates_by_id=by_id, entries=everyone),
    )
    inmates_of = {
        entry.id: by_id[inmate_id]
        for inmate_id, group in pairing.by_inmate.items()
        for entry, _how in group.members
        if entry.id in own
    }
    staff_of = {
        entry.id: officer
        for group in pairing.unmatched
        if (officer := match.officer_of(group, roster)) is not None
        for entry, _how in group.members
        if entry.id in own
    }
    return Paired(inmates_of, staff_of)


# -- notification letters -----------------------------------------------------------------------


@dataclass(frozen=True)
class Recipient:
    """A voter who gets a notification letter: the list entry, the inmate it belongs to (or
    the officer of the staff roster it is, with no inmate), the list and the voter's number on
    it."""

    entry: ListEntry
    inmate: Inmate | None
    list_kind: str
    number: int
    staff: match.Staff | None = None


def notice_recipients(election: Election, tps: TPS, *,
                      today: dt.date | None = None) -> list[Recipient]:
    """The voters of ``tps`` who get a letter (DOMAIN.md §5.1, CONTRACT.md "Letters"), in list
    order (DPT, then DPTb, then DPK, by position): every list entry paired (``paired_people``)
    with an inmate who is expected inside on polling day, and every entry that is an officer of
    the facility's staff roster (on duty there that day). A person listed twice keeps the first
    entry."""
    # The TPS's few lists in one query and attached by hand: a select_related would decode each
    # list's JSON summary once per entry (bench/README.md, "Load test").
    lists = {v.pk: v for v in VoterList.objects.filter(election=election, tps=tps)}
    for voter_list in lists.values():
        voter_list.tps = tps
    entries = list(ListEntry.objects.filter(voter_list_id__in=list(lists)).order_by()
                   .defer(*UNUSED_ENTRY_FIELDS))
    for entry in entries:
        entry.voter_list = lists[entry.voter_list_id]
    entries.sort(key=lambda e: (list_rank(e.voter_list.kind), e.position))
    paired = paired_people(election=election, facility_id=tps.facility_id, entries=entries,
                           today=today or timezone.localdate())
    seen = set()
    recipients = []
    for entry in entries:
        inmate = paired.inmates.get(entry.pk)
        officer = paired.staff.get(entry.pk)
        if inmate is not None:
            if not inmate.is_expected_inside_on(election.polling_date):
                continue
            person = ("inmate", inmate.pk)
        elif officer is not None:
            person = ("staff", nik_rules.clean(entry.nik))  # officer_of: by this full NIK
        else:
            continue
        if person in seen:
            continue
        seen.add(person)
        recipients.append(Recipient(entry, inmate, entry.voter_list.kind, entry.position,
                                    staff=officer))
    return recipients
