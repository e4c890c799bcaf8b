"""The figures a facility presents at a meeting, as a registry of providers.

Each figure has a key, a label and a provider ``func(facility, election, on_date) -> int | None``.
Feature modules register theirs at start-up (from their AppConfig.ready()):

    from coordination.figures import register_figure

    register_figure("inmates_inside", _("WBP di dalam"), lambda f, e, day: ...)

Registering a key again replaces its provider and keeps its place in the table. The keys below
are declared without a provider, so that every meeting shows the same rows from the start; a
figure nobody provides (yet) is None, shown as "—". A provider that fails is logged and gives
None too: a broken figure must never stop a meeting from being recorded.

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


_REGISTRY: dict[str, Figure] = {}


def register_figure(key: str, label, func: Provider | None, *, position: int | None = None):
    """Register or replace the provider of one figure; returns func (usable as a decorator)."""
    existing = _REGISTRY.get(key)
    if position is None:
        position = existing.position if existing else 500
    _REGISTRY[key] = Figure(key=key, label=label, func=func, position=position)
    return func


def unregister_figure(key: str) -> None:
    _REGISTRY.pop(key, None)


def registered() -> list[Figure]:
    return sorted(_REGISTRY.values(), key=lambda f: (f.position, f.key))


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
        for f in registered()
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


# Figures other modules provide. Declared here so that the rows and their order are stable.
DECLARED = [
    ("inmates_inside", _("WBP di dalam rutan/lapas"), 10),
    ("inmates_expected_polling_day", _("WBP diperkirakan masih di dalam pada hari pemungutan"), 20),
    ("eligible", _("WBP memenuhi syarat memilih"), 30),
    ("nik_valid", _("WBP dengan NIK sah"), 40),
    ("nik_missing", _("WBP tanpa NIK sah"), 50),
    ("on_dpt", _("Terdaftar di DPT"), 60),
    ("on_dptb", _("Terdaftar di DPTb (pindah memilih)"), 70),
    ("on_dpk", _("Terdaftar di DPK"), 80),
    ("reconciliation_open", _("Butir rekonsiliasi terbuka"), 90),
]

for _key, _label, _position in DECLARED:
    register_figure(_key, _label, None, position=_position)


def tps_count(facility, election, on_date):
    from voters.models import TPS

    return TPS.objects.filter(facility=facility, election=election).count()


def tps_capacity(facility, election, on_date):
    from voters.models import TPS

    qs = TPS.objects.filter(facility=facility, election=election)
    return qs.aggregate(total=Sum("capacity"))["total"] or 0


def open_action_items(facility, election, on_date):
    from .models import ActionItem

    qs = ActionItem.objects.filter(meeting__facility=facility, meeting__election=election)
    return qs.open_on(on_date).count()


register_figure("tps_count", _("Jumlah TPS lokasi khusus"), tps_count, position=100)
register_figure("tps_capacity", _("Kapasitas pemilih TPS"), tps_capacity, position=110)
register_figure(
    "action_items_open",
    _("Tindak lanjut rapat yang belum selesai"),
    open_action_items,
    position=120,
)
