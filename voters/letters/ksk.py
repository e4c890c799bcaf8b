"""The mobile ballot box (Kotak Suara Keliling, KSK) of a TPS registered with ``add_tps --ksk``
(DOMAIN.md §4, "Police cells"): the TPS stands outside the facility and its KPPS visit the
facility's voters with the box near the end of voting.

- Who to visit: the TPS's list voters that the one matcher pairs with an inmate of the facility
  (``polling.register_voters`` → ``services.list_voters`` → ``selectors.paired_people``, the same
  pairing as the reconciliation and the polling-day register).
- The visit record (``KskVisit``): its time window, by default the last hour of voting and
  always inside polling hours (``rules.ksk``), and who went.
- Each voter met or missed (``KskVoter``): voted, or not and why. A vote goes through the
  polling-day vote recorder (``polling._record_vote``), so it is the TPS's ``PollingCheckIn``
  and the counts at close hold it once, and a person who already voted is refused.

Writes are atomic, audited under the TPS's facility and refused when stale (two KPPS members,
or a KPPS member and an admin, on one record).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction

from voters.core.concurrency import StaleEdit, save_versioned
from voters.letters import polling
from voters.letters.services import (
    LetterError,
    Voter,
    record_tps_change,
    sort_key,
    voter_place,
)
from voters.models import TPS, KskVisit, KskVoter
from voters.rules import ksk as ksk_rules

if TYPE_CHECKING:
    from voters.models import User

Outcome = KskVoter.Outcome
Reason = KskVoter.Reason


@dataclass
class KskRoll:
    """The KSK page's data: the visit (unsaved with the defaults until first edited), the
    facility's voters with their record, and the list entries paired with nobody."""

    visit: KskVisit
    voters: list[Voter]
    unpaired: int

    @property
    def counts(self) -> dict:
        records = [v.extra.get("ksk") for v in self.voters]
        voted_here = sum(1 for r in records if r is not None and _vote_stands(r))
        absent = [r for r in records if r is not None and r.outcome == Outcome.ABSENT]
        return {
            "total": len(self.voters),
            "visited": sum(1 for r in records if r is not None and r.visited),
            "voted": voted_here,
            "absent": len(absent),
            "by_reason": [
                (label, sum(1 for r in absent if r.reason == value))
                for value, label in Reason.choices
            ],
            "voted_before": sum(
                1 for v, r in zip(self.voters, records, strict=True)
                if (v.checkin is not None or v.extra.get("voted_elsewhere")) and
                (r is None or not _vote_stands(r))
            ),
            "pending": sum(
                1 for v, r in zip(self.voters, records, strict=True)
                if r is None and v.checkin is None and not v.extra.get("voted_elsewhere")
            ),
        }


def _vote_stands(record: KskVoter) -> bool:
    checkin = record.checkin
    return (record.outcome == Outcome.VOTED and checkin is not None
            and checkin.undone_at is None)


def visit_of(tps: TPS) -> KskVisit:
    """The TPS's visit, or an unsaved one with the default window (the last hour of voting)."""
    visit = KskVisit.objects.filter(tps=tps).first()
    if visit is not None:
        return visit
    election = tps.election
    start, end = ksk_rules.default_window(election.voting_start, election.voting_end)
    return KskVisit(tps=tps, starts_at=start, ends_at=end, version=0)


def ksk_roll(tps: TPS) -> KskRoll:
    """The facility's voters to visit with the box, in list order, with their KSK record."""
    visit = visit_of(tps)
    if not tps.ksk:
        return KskRoll(visit=visit, voters=[], unpaired=0)
    everyone = [v for v in polling.register_voters(tps) if not v.extra.get("added")]
    # A person on two lists (DPT and DPTb) is visited once: on the row their vote is on, else
    # on the first in list order.
    rows = {}
    for v in everyone:
        if v.inmate is not None and (v.key not in rows or v.checkin is not None):
            rows[v.key] = v
    voters = sorted(rows.values(), key=sort_key)
    unpaired = sum(1 for v in everyone if v.inmate is None)
    records = {}
    if visit.pk:
        records = {r.voter_key: r for r in visit.voters.select_related("checkin", "recorded_by")}
    for voter in voters:
        voter.extra["ksk"] = records.get(voter.key)
        voter.extra["inside"] = voter.inmate.is_expected_inside_on(tps.election.polling_date)
    return KskRoll(visit=visit, voters=voters, unpaired=unpaired)


def _require_ksk(tps):
    if not tps.ksk:
        raise LetterError("TPS ini bukan TPS KSK (kotak suara keliling).")


def save_visit(
    *,
    tps: TPS,
    user: User,
    starts_at: time | None,
    ends_at: time | None,
    officers: str = "",
    note: str = "",
    version: int = 0,
) -> KskVisit:
    """Set the visit's window and who went. ``version`` is the one the form was opened on
    (0: no visit saved yet); StaleEdit when someone saved in between."""
    _require_ksk(tps)
    election = tps.election
    errors = ksk_rules.window_errors(starts_at, ends_at, opens=election.voting_start,
                                     closes=election.voting_end)
    if errors:
        raise LetterError(" ".join(errors))
    values = {"starts_at": starts_at, "ends_at": ends_at, "officers": officers.strip()[:300],
              "note": note.strip()[:500], "updated_by": user}
    with transaction.atomic():
        visit = KskVisit.objects.select_for_update().filter(tps=tps).first()
        if visit is None:
            if version:
                raise StaleEdit()
            visit = KskVisit.objects.create(tps=tps, **values)
        else:
            if not version:
                raise StaleEdit()
            for name, value in values.items():
                setattr(visit, name, value)
            save_versioned(visit, expected_version=version, fields=list(values))
        record_tps_change(
            tps=tps, user=user, obj=visit,
            summary=f"Kunjungan KSK TPS {tps.number}: {ksk_rules.hhmm(starts_at)}–"
                    f"{ksk_rules.hhmm(ends_at)}",
            detail={"petugas": visit.officers, "catatan": visit.note},
        )
    return visit


def record_ksk_voter(
    *,
    tps: TPS,
    user: User,
    key: str,
    outcome: str,
    reason: str = "",
    note: str = "",
    visited: bool = True,
    version: int = 0,
    now: datetime | None = None,
) -> KskVoter:
    """What the visit found for the voter ``key``: voted (recorded as their vote at this TPS,
    during the visit window of polling day) or not, with the reason. ``version`` is the
    record's version the form was opened on (0: none yet). A record that was a vote and becomes
    'not voted' undoes the vote with the reason."""
    _require_ksk(tps)
    election = tps.election
    note = (note or "").strip()[:300]
    if outcome not in Outcome.values:
        raise LetterError("Pilih hasil kunjungan: memilih atau tidak memilih.")
    if outcome == Outcome.ABSENT:
        if reason not in Reason.values:
            raise LetterError("Pilih alasan pemilih tidak memilih.")
        if reason == Reason.LAINNYA and len(note) < 3:
            raise LetterError("Alasan 'lainnya': tuliskan keterangannya di catatan.")
    else:
        reason, visited = "", True
    moment = polling.local_now(now)
    if moment.date() != election.polling_date:
        raise LetterError("Catatan kunjungan KSK hanya dapat diisi pada hari pemungutan suara.")
    voter = next((v for v in ksk_roll(tps).voters if v.key == key), None)
    if voter is None:
        raise LetterError("Pemilih ini tidak ada di daftar kunjungan KSK TPS ini.")
    with transaction.atomic():
        visit = _saved_visit(tps, user)
        # of=self: PostgreSQL cannot lock the nullable side of the check-in join.
        record = (KskVoter.objects.select_for_update(of=("self",)).select_related("checkin")
                  .filter(visit=visit, voter_key=key).first())
        if (record.version if record else 0) != version:
            raise StaleEdit()
        checkin = record.checkin if record else None
        if checkin is not None and checkin.undone_at is not None:
            checkin = None
        if outcome == Outcome.VOTED and checkin is None:
            if not ksk_rules.within(moment.time(), visit.starts_at, visit.ends_at):
                raise LetterError(
                    f"Di luar waktu kunjungan KSK ({ksk_rules.hhmm(visit.starts_at)}–"
                    f"{ksk_rules.hhmm(visit.ends_at)}): ubah dulu waktu kunjungan bila kotak "
                    "suara datang pada jam lain."
                )
            checkin = polling.record_list_vote(tps=tps, voter=voter, user=user, now=now,
                                               what="Memilih lewat KSK")
        elif outcome == Outcome.ABSENT and checkin is not None:
            polling.undo_check_in(
                tps=tps, checkin_id=checkin.pk, user=user, now=now,
                reason=f"Catatan KSK diubah: tidak memilih ({Reason(reason).label})",
            )
            checkin = None
        values = {"outcome": outcome, "reason": reason, "note": note, "visited": bool(visited),
                  "checkin": checkin, "recorded_by": user, "recorded_at": moment}
        if record is None:
            try:
                with transaction.atomic():
                    record = KskVoter.objects.create(
                        election=election, tps=tps, visit=visit, voter_key=key,
                        inmate=voter.inmate, list_kind=voter.list_kind,
                        list_number=voter.number, nama=voter.nama[:200],
                        jenis_kelamin=voter.jenis_kelamin, **values,
                    )
            except IntegrityError as exc:
                raise StaleEdit() from exc
        else:
            for name, value in values.items():
                setattr(record, name, value)
            save_versioned(record, expected_version=version, fields=list(values))
        label = Outcome(outcome).label + (f" ({Reason(reason).label})" if reason else "")
        record_tps_change(
            tps=tps, user=user, obj=record,
            summary=f"KSK: {voter_place(record.list_kind, record.list_number, tps)} — {label}",
            detail={"ditemui": record.visited, "catatan": note},
        )
    return record


def _saved_visit(tps, user):
    """The TPS's visit row, created with the default window by the first voter recorded."""
    visit = KskVisit.objects.filter(tps=tps).first()
    if visit is not None:
        return visit
    default = visit_of(tps)
    try:
        with transaction.atomic():
            return KskVisit.objects.create(tps=tps, starts_at=default.starts_at,
                                           ends_at=default.ends_at, updated_by=user)
    except IntegrityError:
        return KskVisit.objects.get(tps=tps)
