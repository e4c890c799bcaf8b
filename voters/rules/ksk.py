"""The mobile ballot box (Kotak Suara Keliling, KSK) of a TPS that serves a facility from outside
(DOMAIN.md §4, "Police cells"): its visit comes near the end of voting, inside polling hours."""

from __future__ import annotations

import datetime as dt

VISIT_HOURS = 1


def default_window(opens: dt.time, closes: dt.time) -> tuple[dt.time, dt.time]:
    """The last hour of voting (12:00–13:00 for 07:00–13:00), never before the opening."""
    day = dt.date(2000, 1, 1)
    start = dt.datetime.combine(day, closes) - dt.timedelta(hours=VISIT_HOURS)
    start = max(start, dt.datetime.combine(day, opens))
    return start.time(), closes


def window_errors(start: dt.time | None, end: dt.time | None, *, opens: dt.time,
                  closes: dt.time) -> list[str]:
    """What is wrong with a visit from ``start`` to ``end`` in polling hours ``opens``–``closes``,
    in words for the KPPS; empty when it is right."""
    if start is None or end is None:
        return ["Isi jam mulai dan jam selesai kunjungan."]
    errors = []
    if end <= start:
        errors.append("Jam selesai kunjungan harus sesudah jam mulai.")
    if start < opens or end > closes:
        errors.append(
            f"Kunjungan harus di dalam jam pemungutan suara, {hhmm(opens)}–{hhmm(closes)}."
        )
    return errors


def within(moment: dt.time, start: dt.time, end: dt.time) -> bool:
    """Whether ``moment`` falls in the visit (its end minute included)."""
    return start <= moment <= end


def hhmm(value: dt.time) -> str:
    return f"{value:%H.%M}"
