"""The regency view (issue 16): every facility of one election that a user sees, side by side.

The KPU Kabupaten liaison (``add_user --region``) follows the Rutan, the Lapas and the Polres
cells of the regency together (seed 002). The page reads each facility's latest finished
reconciliation, its TPS with their lists and capacity, and adds them up; a constant number of
queries whatever the number of facilities (tests/test_regency.py counts them).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from django.core.cache import cache
from django.db.models import Count, OuterRef, Subquery, Sum
from django.utils import timezone
from django.utils.functional import SimpleLazyObject, cached_property

from voters.inmates.eligibility import digest, facility_ids, field_values
from voters.models import TPS, Facility, ReconciliationRun
from voters.reconciliation.models import REVIEW, Category, Tindakan
from voters.reconciliation.selectors import latest_done_run
from voters.reconciliation.services import PROPOSALS
from voters.rules.lists import over_capacity

if TYPE_CHECKING:
    from voters.models import Election, User

@dataclass
class FacilityRow:
    facility: Facility
    tps: list[dict] = field(default_factory=list)
    run: ReconciliationRun | None = None
    capacity: int = 0
    listed: int = 0

    @property
    def counts(self) -> dict[str, int]:
        return (self.run.counts or {}) if self.run else {}

    @property
    def actions(self) -> dict[str, int]:
        return (self.run.actions or {}) if self.run else {}

    @property
    def shown_counts(self) -> list[tuple[str, int]]:
        """The categories with people, for the page (looping over every category in the
        template for 50 facilities was a good part of the page's time)."""
        return [(code, n) for code, n in self.counts.items() if n]

    @property
    def shown_actions(self) -> list[tuple[str, int]]:
        return [(code, n) for code, n in self.actions.items() if code and n]

    @property
    def proposed(self) -> int:
        return sum(self.actions.get(code, 0) for code in PROPOSALS)

    @property
    def over(self) -> int:
        return over_capacity(self.capacity, self.listed + self.proposed) if self.capacity else 0

    @property
    def open_actions(self) -> int:
        return sum(n for code, n in self.actions.items() if code)

    @property
    def review(self) -> int:
        return sum(self.counts.get(category.value, 0) for category in REVIEW)


def facilities_of(user: User, election: Election):
    """The facilities of ``election`` (those with a TPS in it) that ``user`` may see."""
    return (user.facilities().filter(tps_set__election=election).distinct()
            .order_by("kind", "name"))


def overview(user: User, election: Election, today: dt.date | None = None) -> dict:
    """Rows per facility, totals per category and per tindakan, and the election's deadlines.

    What the rows show is named by two light queries (the facilities with their latest
    finished run, and their TPS with the lists' sizes): a finished run does not change, so its
    id stands for its counts. The rows themselves (every run's counts and tindakan) are read
    only when the page's table is not kept under that ``rows_signature``, and the totals are
    kept under it too (issue 19 item 7)."""
    facilities = list(facilities_of(user, election)
                      .annotate(latest_run=latest_done_run(election)))
    tps_set = list(TPS.objects.filter(election=election, facility__in=[f.pk for f in facilities])
                   .annotate(listed=Sum("voter_lists__row_count"), lists=Count("voter_lists"))
                   .order_by("number")
                   .values_list("pk", "facility_id", "number", "capacity", "ksk", "listed",
                                "lists"))
    shown = ([(f.pk, f.code, f.name, f.kind, f.latest_run) for f in facilities], tps_set)
    signature = digest(shown)
    rows = SimpleLazyObject(lambda: _rows(facilities, tps_set))
    categories, actions, totals = cache.get_or_set(
        f"{OVERVIEW_PREFIX}:{signature}", lambda: _totals(rows), OVERVIEW_TTL)
    return {
        "rows": rows,
        "rows_signature": signature,
        "categories": [(c.value, c.label, categories.get(c.value, 0)) for c in Category],
        "actions": [(t.value, t.label, actions.get(t.value, 0))
                    for t in Tindakan if t.value and actions.get(t.value)],
        "totals": totals,
        "deadlines": [{"code": code, "label": label, "date": day,
                       "days": (day - (today or timezone.localdate())).days}
                      for code, label, day in election.deadlines()],
    }


OVERVIEW_PREFIX = "regency-overview:v1"
OVERVIEW_TTL = 3600


def _rows(facilities: list[Facility], tps_set: list[tuple]) -> list[FacilityRow]:
    runs = ReconciliationRun.objects.only(
        "pk", "facility_id", "today", "finished_at", "counts", "actions", "election_id"
    ).in_bulk([f.latest_run for f in facilities if f.latest_run])
    rows = {f.pk: FacilityRow(facility=f, run=runs.get(f.latest_run)) for f in facilities}
    for pk, facility_id, number, capacity, ksk, listed, lists in tps_set:
        row = rows[facility_id]
        row.tps.append({"pk": pk, "number": number, "capacity": capacity, "ksk": ksk,
                        "listed": listed or 0, "lists": lists,
                        "over": over_capacity(capacity, listed or 0)})
        row.capacity += capacity
        row.listed += listed or 0
    return list(rows.values())


def _totals(rows: list[FacilityRow]) -> tuple[dict, dict, dict]:
    categories, actions = Counter(), Counter()
    for row in rows:
        categories.update(row.counts)
        actions.update({code: n for code, n in row.actions.items() if code})
    return dict(categories), dict(actions), {
        "facilities": len(rows),
        "capacity": sum(r.capacity for r in rows),
        "listed": sum(r.listed for r in rows),
        "proposed": sum(r.proposed for r in rows),
        "open": sum(r.open_actions for r in rows),
        "review": sum(r.review for r in rows),
        "without_run": sum(1 for r in rows if r.run is None)}


def cases(user: User, election: Election) -> dict:
    """The people who moved between facilities of the region (one line each, both TPS) and
    the people inside two facilities at once, limited to those touching a facility the user
    sees (a Rutan's KPU user sees the moves in and out of the Rutan, not the rest).

    ``transfers`` and ``overlaps`` are found only when they are read: the page keeps their
    HTML under ``cases_signature``, a digest of everything they show (finding and drawing them
    was about half the page's time, issue 19 item 7)."""
    found = RegionCases(user, election)
    return {"transfers": SimpleLazyObject(lambda: found.rows[0]),
            "overlaps": SimpleLazyObject(lambda: found.rows[1]),
            "cases_signature": found.signature}


class RegionCases:
    """The region's moves and overlaps as ``user`` sees them, and the digest they are kept
    under: the region's roster versions (every field of every stay), each facility's name,
    first TPS and latest finished run in the election (a run's items do not change once it
    has finished), the election's fields, the facilities the user sees and whether the user
    sees full NIKs."""

    def __init__(self, user: User, election: Election):
        from voters.inmates.transfers import region_version
        from voters.rules.transfers import TRANSFER_WINDOW_DAYS

        self.user, self.election = user, election
        self.region = user.region_code or election.region_code
        self.allowed = set(facility_ids(user))
        first_tps = (TPS.objects.filter(election=election, facility=OuterRef("pk"))
                     .order_by("number").values("number")[:1])
        places = list(Facility.objects.in_region(self.region)
                      .annotate(run=latest_done_run(election), tps=Subquery(first_tps))
                      .order_by("pk").values_list("pk", "name", "run", "tps"))
        self.version = region_version(pk for pk, *_ in places)
        self.signature = digest((self.version, places, sorted(self.allowed),
                                 TRANSFER_WINDOW_DAYS, field_values(election),
                                 bool(user.sees_full_nik)))

    @cached_property
    def rows(self) -> tuple[list, list]:
        from voters.inmates.transfers import region_cases

        moved, overlaps = region_cases(election=self.election, region=self.region,
                                       version=self.version)
        allowed = self.allowed
        moved = [row for row in moved
                 if row.origin.facility.pk in allowed or row.destination.facility.pk in allowed]
        overlaps = [row for row in overlaps
                    if row.first.facility.pk in allowed or row.second.facility.pk in allowed]
        return moved, overlaps


def latest_runs(user: User, election: Election) -> list[ReconciliationRun]:
    """The latest finished run of each facility of the election the user sees, by code."""
    ids = [run for run in facilities_of(user, election).order_by("code")
           .annotate(run=latest_done_run(election)).values_list("run", flat=True) if run]
    runs = ReconciliationRun.objects.select_related("election", "facility").in_bulk(ids)
    return [runs[pk] for pk in ids]


def export_latest(*, user: User, election: Election, kind: str, fmt: str, path: Path) -> int:
    """One file of every facility's latest run, with the ``upt`` column (the page's version of
    ``export_reconciliation --region``, which reconciles first). Audited with the runs read."""
    from voters.reconciliation.exports import write_region_export

    return write_region_export(runs=latest_runs(user, election),
                               region=user.region_code or "semua UPT", kind=kind, fmt=fmt,
                               path=path, user=user)


def schedule_all(*, user: User, election: Election) -> int:
    """Queue a reconciliation for every facility of the election the user sees."""
    from voters.reconciliation.services import RunInProgress, start_manual_run

    started = 0
    for facility in facilities_of(user, election):
        try:
            start_manual_run(election=election, facility=facility, user=user)
        except RunInProgress:
            continue
        started += 1
    return started
