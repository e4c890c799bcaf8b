"""Custody: who is inside on a day, and who is a tahanan or a narapidana (DOMAIN.md §3.2a)."""

from datetime import date


def is_tahanan(register: str) -> bool:
    """Register A (A.I to A.V): detained pending trial or appeal."""
    return (register or "").strip().upper().startswith("A")


def is_narapidana(register: str) -> bool:
    """Register B (B.I, B.IIa, B.IIb, B.III): serving a sentence."""
    return (register or "").strip().upper().startswith("B")


def inside_on(*, admitted: date, left_on: date | None, day: date) -> bool:
    """Physically inside on ``day``: admitted on or before it, and not left on or before it."""
    return admitted <= day and (left_on is None or left_on > day)


def expected_inside_on(
    *, admitted: date, left_on: date | None, expected_release: date | None, dead: bool, day: date
) -> bool:
    """Inside on ``day`` as far as is known today (CONTRACT.md): admitted on or before it, not
    left, not dead, and no expected release on or before it."""
    return (
        admitted <= day
        and left_on is None
        and not dead
        and (expected_release is None or expected_release > day)
    )
