"""The figures a facility presents at a meeting, declared in one place with their providers.

Each figure has a key, a label, a provider ``func(facility, election, on_date) -> int | None``
computed from the real data, and a position in the table. ``FIGURES`` below is the whole list:
no other module registers anything, so every meeting shows the same rows, in the same order,
from the start. A provider that fails is logged and gives None (shown as "—"): a broken figure
must never stop a meeting from being recorded.

``snapshot(facility, election, on_date)`` computes every figure for a day; the meeting keeps
that snapshot (MeetingFigure rows) so it can be shown beside today's numbers later.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)

Provider = Callable[..., int | None]


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    func: Provider | None
    position: int


@dataclass(frozen=True)
class FigureValue:
    key: str
    label: str
    value: int | None
    position: int


def value_of(figure: Figure, facility, election, on_date) -> int | None:
    if figure.func is None:
        return None
    try:
        # A savepoint: on PostgreSQL a failed query would otherwise abort the whole
        # transaction of the meeting being recorded.
        with transaction.atomic():
            value = figure.func(facility, election, on_date)
    except Exception:
        logger.exception("figure provider %s failed", figure.key)
        return None
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        logger.warning("figure provider %s returned %r, not an int", figure.key, type(value))
        return None
    return value


def snapshot(facility, election, on_date=None) -> list[FigureValue]:
    """Every registered figure for the facility and election on a day (default: today)."""
    on_date = on_date or timezone.localdate()
    return [
        FigureValue(
            key=f.key,
            label=str(f.label),
            value=value_of(f, facility, election, on_date),
            position=f.position,
        )
        for f in declared()
    ]


def compare(kept, today) -> list[dict]:
    """Rows of the figures kept with a meeting beside today's, matched by key.

    ``kept`` are MeetingFigure rows (or FigureValues), ``today`` FigureValues. A key present on
    only one side still gets a row, with None on the other.
    """
    today_by_key = {f.key: f for f in today}
    rows = []
    seen = set()
    for f in kept:
        now = today_by_key.get(f.key)
        rows.append(_row(f.key, f.label, f.value, now.value if now else None, f.position))
        seen.add(f.key)
    for f in today:
        if f.key not in seen:
            rows.append(_row(f.key, f.label, None, f.value, f.position))
    return sorted(rows, key=lambda r: r["position"])


def _row(key, label, then, now, position):
    change = now - then if then is not None and now is not None else None
    return {
        "key": key,
        "label": label,
        "then": then,
        "now": now,
        "change": change,
        "position": position,
    }


# -- providers: each reads the facility's own rows only -----------------------------------


def _inmates(facility):
    from voters.models import Inmate

    return Inmate.objects.filter(facility=facility)


def inmates_inside(facility, election, on_date):
    return _inmates(facility).inside_on(on_date).count()


def inmates_expected_polling_day(facility, election, on_date):
    """As the dashboard and the roster count them: inside, and not expected to leave before
    polling day (voters.inmates.models.InmateQuerySet.expected_inside_on)."""
    return _inmates(facility).expected_inside_on(election.polling_date).count()


def eligible(facility, election, on_date):
    """Expected inside on polling day and judged eligible by the one rule
    (voters.reconciliation.selectors.ineligibility)."""
    from voters.reconciliation.selectors import UNUSED_INMATE_FIELDS, ineligibility, tms_table

    table = tms_table()
    expected = (
        _inmates(facility)
        .expected_inside_on(election.polling_date)
        .defer(*UNUSED_INMATE_FIELDS)
    )
    return sum(1 for inmate in expected.iterator() if not ineligibility(inmate, election, table))


def nik_valid(facility, election, on_date):
    return _inmates(facility).inside_on(on_date).filter(nik_format="valid").count()


def nik_missing(facility, election, on_date):
    return _inmates(facility).inside_on(on_date).exclude(nik_format="valid").count()


def _on_list(kind):
    def count(facility, election, on_date):
        from voters.models import ListEntry

        return ListEntry.objects.filter(
            voter_list__election=election, voter_list__tps__facility=facility,
            voter_list__kind=kind,
        ).count()

    count.__name__ = f"on_{kind.lower()}"
    return count


def reconciliation_open(facility, election, on_date):
    """Rows of the latest finished reconciliation run (on or before the day) that ask someone
    to act: the dashboard's "perlu tindakan" categories (voters.dashboard.ACTION_CATEGORIES)."""
    from voters.dashboard import ACTION_CATEGORIES
    from voters.models import ReconciliationRun

    run = (
        ReconciliationRun.objects.filter(
            election=election, facility=facility, status=ReconciliationRun.Status.DONE,
            today__lte=on_date,
        )
        .order_by("-today", "-finished_at")
        .first()
    )
    if run is None:
        return None
    return run.items.filter(category__in=ACTION_CATEGORIES).count()


def tps_count(facility, election, on_date):
    from voters.models import TPS

    return TPS.objects.filter(facility=facility, election=election).count()


def tps_capacity(facility, election, on_date):
    from voters.models import TPS

    qs = TPS.objects.filter(facility=facility, election=election)
    return qs.aggregate(total=Sum("capacity"))["total"] or 0


def open_action_items(facility, election, on_date):
    from coordination.models import ActionItem

    qs = ActionItem.objects.filter(meeting__facility=facility, meeting__election=election)
    return qs.open_on(on_date).count()


FIGURES: tuple[Figure, ...] = (
    Figure("inmates_inside", _("WBP di dalam rutan/lapas"), inmates_inside, 10),
    Figure(
        "inmates_expected_polling_day",
        _("WBP diperkirakan masih di dalam pada hari pemungutan"),
        inmates_expected_polling_day,
        20,
    ),
    Figure("eligible", _("WBP memenuhi syarat memilih"), eligible, 30),
    Figure("nik_valid", _("WBP di dalam dengan NIK sah"), nik_valid, 40),
    Figure("nik_missing", _("WBP di dalam tanpa NIK sah"), nik_missing, 50),
    Figure("on_dpt", _("Terdaftar di DPT"), _on_list("DPT"), 60),
    Figure("on_dptb", _("Terdaftar di DPTb (pindah memilih)"), _on_list("DPTB"), 70),
    Figure("on_dpk", _("Terdaftar di DPK"), _on_list("DPK"), 80),
    Figure(
        "reconciliation_open",
        _("Butir rekonsiliasi yang perlu tindakan"),
        reconciliation_open,
        90,
    ),
    Figure("tps_count", _("Jumlah TPS lokasi khusus"), tps_count, 100),
    Figure("tps_capacity", _("Kapasitas pemilih TPS"), tps_capacity, 110),
    Figure(
        "action_items_open", _("Tindak lanjut rapat yang belum selesai"), open_action_items, 120
    ),
)


def declared() -> list[Figure]:
    return sorted(FIGURES, key=lambda f: (f.position, f.key))
