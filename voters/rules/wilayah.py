"""Kemendagri region codes (kode wilayah): normalising, lookups and containment.

Pure Python, no Django. The tables are read lazily from ``data/wilayah/`` beside this module:

- ``wilayah_2025.csv``: the current set (Kepmendagri 300.2.2-2138/2025), every level down to
  desa/kelurahan, ``kode,nama``.
- ``kode_historis.csv``: every province, kabupaten/kota and kecamatan code seen in the 2016-2025
  sets, ``kode,pertama,terakhir,nama_terakhir``.

Codes are handled in their dotted form: ``33`` (province), ``33.16`` (kabupaten/kota),
``33.16.01`` (kecamatan), ``33.16.01.2001`` (desa/kelurahan).
"""

from __future__ import annotations

import csv
import functools
import math
import re
from decimal import Decimal
from pathlib import Path
from typing import NamedTuple

DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "wilayah"
CURRENT_FILE = DATA_DIR / "wilayah_2025.csv"
HISTORICAL_FILE = DATA_DIR / "kode_historis.csv"
CURRENT_YEAR = 2025

GROUP_SIZES = (2, 2, 2, 4)
# Length of the undotted code -> number of groups.
_UNDOTTED_LEVELS = {2: 1, 4: 2, 6: 3, 10: 4}
_ASCII_DIGITS = re.compile(r"[0-9]+")


class HistoricalCode(NamedTuple):
    code: str
    first: int
    last: int
    name: str


def normalize_code(raw: object) -> str:
    """Return the dotted form of a region code, or '' when blank or unreadable.

    Accepts ``'33.16'``, ``'3316'``, ``'33.16.01.2001'``, ``'3316012001'``, surrounding spaces and
    numbers. A float such as ``33.1`` comes from an Excel number cell that dropped the trailing
    zero of ``33.10``, so a one-digit second group is padded on the right.
    """
    if raw is None or isinstance(raw, bool):
        return ""
    if isinstance(raw, int):
        text = str(raw)
    elif isinstance(raw, float | Decimal):
        text = _number_to_text(raw)
    else:
        text = str(raw).strip()
    if not text:
        return ""
    if "." in text:
        groups = text.split(".")
        if len(groups) > len(GROUP_SIZES):
            return ""
    else:
        if not _ASCII_DIGITS.fullmatch(text) or len(text) not in _UNDOTTED_LEVELS:
            return ""
        groups = []
        start = 0
        for size in GROUP_SIZES[: _UNDOTTED_LEVELS[len(text)]]:
            groups.append(text[start : start + size])
            start += size
    for group, size in zip(groups, GROUP_SIZES, strict=False):
        if len(group) != size or not _ASCII_DIGITS.fullmatch(group):
            return ""
    return ".".join(groups)


def _number_to_text(value: float | Decimal) -> str:
    finite = value.is_finite() if isinstance(value, Decimal) else math.isfinite(value)
    if not finite:
        return ""
    if value < 0:
        return ""
    if value == int(value):
        return str(int(value))
    text = str(value) if isinstance(value, Decimal) else repr(value)
    if "e" in text.lower():
        return ""
    whole, _, fraction = text.partition(".")
    if len(whole) == 2 and len(fraction) == 1:
        fraction += "0"
    return f"{whole}.{fraction}"


def level(code: str) -> int:
    """1 province, 2 kabupaten/kota, 3 kecamatan, 4 desa/kelurahan, 0 unreadable."""
    normalized = normalize_code(code)
    return normalized.count(".") + 1 if normalized else 0


@functools.cache
def _current_names() -> dict[str, str]:
    with CURRENT_FILE.open(encoding="utf-8-sig", newline="") as handle:
        return {row["kode"]: row["nama"] for row in csv.DictReader(handle)}


@functools.cache
def _historical_codes() -> dict[str, HistoricalCode]:
    with HISTORICAL_FILE.open(encoding="utf-8-sig", newline="") as handle:
        return {
            row["kode"]: HistoricalCode(
                row["kode"], int(row["pertama"]), int(row["terakhir"]), row["nama_terakhir"]
            )
            for row in csv.DictReader(handle)
        }


def name(code: object) -> str | None:
    """Name in the current (2025) set, or None."""
    return _current_names().get(normalize_code(code))


def exists_current(code: object) -> bool:
    return normalize_code(code) in _current_names()


def historical(code: object) -> HistoricalCode | None:
    """First and last set (year) a province/kabupaten/kecamatan code was seen in, with its last
    name. None for desa codes and for codes never seen."""
    return _historical_codes().get(normalize_code(code))


def exists_historical(code: object) -> bool:
    """True if the code appears in any historical set (province to kecamatan); desa codes are
    checked against the current set, the only desa-level set we ship."""
    normalized = normalize_code(code)
    if not normalized:
        return False
    if normalized.count(".") == 3:
        return normalized in _current_names()
    return normalized in _historical_codes()


def _prefix(code: object, groups: int) -> str:
    parts = normalize_code(code).split(".")
    if len(parts) < groups or not parts[0]:
        return ""
    return ".".join(parts[:groups])


def province_of(code: object) -> str:
    """'33' for any code inside Jawa Tengah; '' if unreadable."""
    return _prefix(code, 1)


def regency_of(code: object) -> str:
    """'33.16' for a kabupaten/kota code or anything below it; '' for a province-only code."""
    return _prefix(code, 2)


def district_of(code: object) -> str:
    """'33.16.01' for a kecamatan or desa code; '' above kecamatan level."""
    return _prefix(code, 3)


def contains(area_code: object, code: object) -> bool:
    """True if ``code`` lies inside ``area_code`` (an area contains itself)."""
    area = normalize_code(area_code)
    inner = normalize_code(code)
    if not area or not inner:
        return False
    return inner == area or inner.startswith(area + ".")
