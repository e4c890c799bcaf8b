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


def release_expected_by(*, register: str, expected_release: date | None, day: date) -> bool:
    """A convict's (narapidana) expected release falls on or before ``day``. Only a convict's
    ``tanggal_bebas`` is an expected release (CONTRACT.md, second version; DOMAIN.md §6.2)."""
    return is_narapidana(register) and expected_release is not None and expected_release <= day


def order_ends_by(*, register: str, expected_release: date | None, day: date) -> bool:
    """A detainee's (tahanan: register A or blank) current detention order ends on or before
    ``day``. The order is usually extended at the next stage of the case, so the detainee still
    counts as inside; the date must be confirmed."""
    return not is_narapidana(register) and expected_release is not None and expected_release <= day


def expected_inside_on(
    *,
    admitted: date,
    left_on: date | None,
    expected_release: date | None,
    dead: bool,
    day: date,
    register: str,
) -> bool:
    """Inside on ``day`` as far as is known today (CONTRACT.md): admitted on or before it, not
    left, not dead, and no convict's release expected on or before it."""
    return (
        admitted <= day
        and left_on is None
        and not dead
        and not release_expected_by(register=register, expected_release=expected_release, day=day)
    )
