"""A voter's address as printed: the street part and one RT/RW, never two (issue 17).

Pure Python, no Django. A KPU list row carries ALAMAT and separate RT and RW columns, but ALAMAT
often already holds its own RT/RW ("DUSUN 8 RT 006/RW 005"). Printing ALAMAT and then the
columns' RT/RW gave "DUSUN 8 RT 006/RW 005, RT 006/RW 004" on the letter, the list page and
the Model A PDF. Every place that prints an address goes through :func:`split_address` (for
separate RT and RW cells) or :func:`compose_address` (for one line).

When the address's own RT or RW and the column disagree, the address's own value wins: the
street and its RT/RW were written down together, as one address the voter recognises, while
the RT/RW columns are filled separately (often defaulted or copied from another row), so the
combined text is the more likely to be right. A column only fills a part the address lacks.
"""

from __future__ import annotations

import re
from typing import NamedTuple

# "RT 006", "RT.006", "Rt 6", "RT: 6" ; RW the same, optionally after a "/" or ",".
_RT = re.compile(r"\bRT\s*[.:]?\s*(\d{1,3})\b", re.IGNORECASE)
_RW = re.compile(r"\s*[/,]?\s*\bRW\s*[.:]?\s*(\d{1,3})\b", re.IGNORECASE)
_TRIM = " ,/-"


class Address(NamedTuple):
    street: str
    rt: str
    rw: str


def _clean(value: object) -> str:
    return "" if value is None else str(value).strip()


def split_address(alamat: object, rt: object = "", rw: object = "") -> Address:
    """The street part of ``alamat`` and one RT and one RW.

    RT/RW written in the address are taken out of the street part and win over the ``rt``
    and ``rw`` columns (see the module docstring for why); a column fills in only what the
    address lacks. Values are kept as written (``"006"`` stays ``"006"``, ``"6"`` stays ``"6"``).
    """
    street = _clean(alamat)
    own_rt = own_rw = ""
    match = _RT.search(street)
    if match:
        own_rt = match.group(1)
        street = street[: match.start()] + " " + street[match.end():]
    match = _RW.search(street)
    if match:
        own_rw = match.group(1)
        street = street[: match.start()] + " " + street[match.end():]
    street = re.sub(r"\s+", " ", street)
    street = re.sub(r"\s*,(\s*,)+", ",", re.sub(r"\s+,", ",", street)).strip(_TRIM)
    return Address(street, own_rt or _clean(rt), own_rw or _clean(rw))


def compose_address(
    alamat: object, rt: object = "", rw: object = "", *, sep: str = " ", missing: str = "-"
) -> str:
    """One line: the street part and a single "RT x/RW y".

    ``sep`` goes between the street and the RT/RW and ``missing`` stands for a half that is
    known nowhere, so the letter (", " and "-") and the list pages (" " and "—") keep their look.
    """
    street, rt_, rw_ = split_address(alamat, rt, rw)
    if not (rt_ or rw_):
        return street
    rtrw = f"RT {rt_ or missing}/RW {rw_ or missing}"
    return f"{street}{sep}{rtrw}" if street else rtrw
