"""NIK and KK number parsing and offline checks (DOMAIN.md §1, CONTRACT.md "Import commands").

Pure Python, no Django and no database. Layout of both numbers: PP KK CC DDMMYY SSSS, i.e.
province, kabupaten/kota, kecamatan, a date (birth date for a NIK, with 40 added to the day for
women; the recording date for a KK, never +40) and a serial.

Hard errors make a value INVALID; the person is still imported, with the NIK recorded as invalid.
Warnings never change the status. No message ever contains the full number.
"""

from __future__ import annotations

import math
import numbers
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from voters.rules import wilayah

NIK_LENGTH = 16
WOMEN_DAY_OFFSET = 40
MASK_CHAR = "*"
# How many leading digits a masked NIK shows (KPU practice: the region code).
MASK_VISIBLE = 6

# Excel's text prefix and the quotes people type or paste around a number.
_QUOTES = "'\"`\u2018\u2019\u201a\u201b\u201c\u201d"
# Whitespace (\s covers NBSP and the other Unicode spaces), zero-width characters, dots, dashes.
_SEPARATORS = re.compile(r"[\s\u200b\u200c\u200d\u2060\ufeff.\-\u2010-\u2015\u2212]")
_DIGITS_16 = re.compile(r"[0-9]{16}")
_MASKED_16 = re.compile(r"[0-9*]{16}")
_LEADING_DIGITS = re.compile(r"[0-9]*")
_SCIENTIFIC = re.compile(r"[0-9]+(?:[.,][0-9]*)?[eE][+-]?[0-9]+")

_MONTHS = (
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
)
_SEX_WORDS = {
    "L": "L",
    "LK": "L",
    "LAKI": "L",
    "LAKILAKI": "L",
    "PRIA": "L",
    "P": "P",
    "PR": "P",
    "PEREMPUAN": "P",
    "WANITA": "P",
    "W": "P",
}


class NikFormat(StrEnum):
    """The form of a NIK as written (a model's ``nik_format``); not ``models.NikStatus``, the
    Dukcapil verification lifecycle. A str and an Enum: f-strings give the value ("valid")."""

    VALID = "valid"
    MASKED = "masked"
    INVALID = "invalid"
    BLANK = "blank"


@dataclass(frozen=True, slots=True)
class ParsedNik:
    province: str  # '33'
    regency: str  # '33.16'
    district: str  # '33.16.01'
    day: int  # 1-31, already minus 40 for women
    month: int
    yy: int
    sex: str | None  # 'L' or 'P'; None for a KK number
    serial: str

    def birth_date_candidates(self) -> list[date]:
        """The dates in 19yy and 20yy that exist (for a KK: the recording date)."""
        return _date_candidates(self.day, self.month, self.yy)


@dataclass(frozen=True, slots=True)
class Issue:
    code: str
    message: str


@dataclass(frozen=True, slots=True)
class NikCheck:
    text: str
    status: NikFormat
    errors: tuple[Issue, ...] = ()
    warnings: tuple[Issue, ...] = ()
    parsed: ParsedNik | None = None

    @property
    def is_valid(self) -> bool:
        return self.status is NikFormat.VALID


def clean(raw: object) -> str:
    """Normalise a NIK/KK cell to the text we store.

    Strips surrounding quotes (Excel's leading apostrophe), every space (NBSP included), dot and
    dash. Other characters are kept, so a stray letter makes the value invalid rather than being
    silently dropped. Numbers are written out in full (``3.316012506614204e15`` ->
    ``'3316012506614204'``); NaN (an empty cell read by pandas) gives ''.
    """
    if raw is None:
        return ""
    text = _SEPARATORS.sub("", _number_to_text(raw) if _is_number(raw) else str(raw))
    return text.strip(_QUOTES)


def check(
    raw: object,
    *,
    kind: str = "nik",
    birth_date: date | None = None,
    sex: str | None = None,
    today: date | None = None,
) -> NikCheck:
    """Check a NIK (``kind='nik'``) or KK number (``kind='kk'``) offline.

    ``birth_date`` and ``sex`` come from the inmate record; they only produce warnings, and are
    ignored for a KK number. ``text`` in the result is what to store: ``clean(raw)``, except for
    scientific notation, which keeps its dot so that a person recognises it.
    """
    _check_kind(kind)
    label = _label(kind)
    text = clean(raw)
    if not text:
        return NikCheck("", NikFormat.BLANK, (Issue("blank", f"{label} kosong"),))

    if _is_number(raw):
        errors = [
            Issue(
                "numeric_cell",
                f"{label} tersimpan sebagai angka di sel Excel (terbaca {len(text)} digit). "
                "Excel hanya menyimpan 15 digit pertama, jadi digit terakhir bisa sudah berubah; "
                "ubah kolom menjadi Teks lalu ketik ulang.",
            )
        ]
        if not _DIGITS_16.fullmatch(text):
            errors.append(_length_issue(text, label))
        return NikCheck(text, NikFormat.INVALID, tuple(errors))

    compact = re.sub(r"\s", "", str(raw)).strip(_QUOTES)
    if _SCIENTIFIC.fullmatch(compact):
        issue = Issue(
            "scientific_notation",
            f"{label} terbaca sebagai notasi ilmiah dari Excel (mis. 3.3160E+15); digitnya sudah "
            "hilang. Ubah kolom menjadi Teks lalu ketik ulang.",
        )
        return NikCheck(compact, NikFormat.INVALID, (issue,))

    masked = MASK_CHAR in text
    if not (_MASKED_16 if masked else _DIGITS_16).fullmatch(text):
        return NikCheck(text, NikFormat.INVALID, (_length_issue(text, label),))

    today = today or date.today()
    errors, warnings = _inspect(text, kind, label, birth_date, sex, today)
    if errors:
        return NikCheck(text, NikFormat.INVALID, tuple(errors), tuple(warnings))
    if masked:
        return NikCheck(text, NikFormat.MASKED, (), tuple(warnings))
    return NikCheck(text, NikFormat.VALID, (), tuple(warnings), parse(text, kind=kind))


def parse(nik: object, *, kind: str = "nik") -> ParsedNik | None:
    """Split a 16-digit NIK/KK number into its parts; None if it has a hard error or is masked."""
    _check_kind(kind)
    text = clean(nik)
    if not _DIGITS_16.fullmatch(text):
        return None
    day, sex = _read_day(text[6:8], kind)
    month = int(text[8:10])
    yy = int(text[10:12])
    if day is None or not 1 <= month <= 12 or not _date_candidates(day, month, yy):
        return None
    return ParsedNik(
        province=text[:2],
        regency=f"{text[:2]}.{text[2:4]}",
        district=f"{text[:2]}.{text[2:4]}.{text[4:6]}",
        day=day,
        month=month,
        yy=yy,
        sex=sex if kind == "nik" else None,
        serial=text[12:],
    )


def is_full(text: str) -> bool:
    """True for 16 ASCII digits: a NIK (or KK) written out whole, whatever ``check`` says."""
    return len(text) == 16 and text.isascii() and text.isdigit()


def is_masked(text: object) -> bool:
    """True for a 16-character value of digits and at least one '*' (KPU-style masking)."""
    cleaned = clean(text)
    return MASK_CHAR in cleaned and bool(_MASKED_16.fullmatch(cleaned))


def masked_matches(masked: object, full: object) -> bool:
    """True if the full 16-digit NIK agrees with every visible digit of the masked one."""
    pattern = clean(masked)
    number = clean(full)
    if not _MASKED_16.fullmatch(pattern) or not _DIGITS_16.fullmatch(number):
        return False
    return all(p in (MASK_CHAR, n) for p, n in zip(pattern, number, strict=True))


def visible_digits(text: object) -> str:
    """The digits before the first '*' or other non-digit: '331601' for '331601**********'."""
    return _LEADING_DIGITS.match(clean(text)).group()


_LONG_NUMBER = re.compile(r"\d(?:[ .\-]?\d){11,}")
# Sixteen digits standing alone, not the digits of a decimal number ("1.4197151234567890 s" is a
# duration): a run right after "<digit>." or right before ".<digit>" is not a NIK.
_SIXTEEN_ALONE = re.compile(r"(?<!\d)(?<!\d\.)\d{16}(?!\d)(?!\.\d)")


def mask_in_text(text: str) -> str:
    """Mask every NIK or KK number (16 digits standing alone) in free text: log lines, minutes,
    labels. ``mask_numbers`` also catches numbers written with separators, for echoes."""
    return _SIXTEEN_ALONE.sub(lambda match: mask(match.group()), text)


def mask_numbers(text: str) -> str:
    """Mask every run of 12+ digits (a NIK, a KK number) in ``text`` to its first 6 digits
    and stars: for messages, echoed search terms and paths."""
    return _LONG_NUMBER.sub(lambda match: mask(match.group()), text)


def mask(nik: object, visible: int = MASK_VISIBLE) -> str:
    """Show at most the first ``visible`` characters: '3316012506614204' -> '331601**********'.

    Blank gives ''. An already masked value keeps its stars, and any digits it shows beyond
    ``visible`` are starred too.
    """
    text = clean(nik)
    visible = max(visible, 0)
    return text[:visible] + MASK_CHAR * max(len(text) - visible, 0)


# Internals


def _check_kind(kind: str) -> None:
    if kind not in ("nik", "kk"):
        raise ValueError(f"kind must be 'nik' or 'kk', not {kind!r}")


def _label(kind: str) -> str:
    return "NIK" if kind == "nik" else "Nomor KK"


def _is_number(raw: object) -> bool:
    return isinstance(raw, numbers.Number) and not isinstance(raw, bool)


def _number_to_text(raw: object) -> str:
    if isinstance(raw, numbers.Integral):
        return str(int(raw))
    if isinstance(raw, Decimal):
        if raw.is_nan():
            return ""
        if raw.is_finite() and raw == raw.to_integral_value():
            return str(int(raw))
        return str(raw)
    if isinstance(raw, numbers.Real):
        value = float(raw)
        if math.isnan(value):
            return ""
        if math.isfinite(value) and value.is_integer():
            return str(int(value))
        return repr(value)
    return str(raw)


def _length_issue(text: str, label: str) -> Issue:
    if MASK_CHAR in text:
        if len(text) == NIK_LENGTH:
            return Issue("not_16_digits", f"{label} bertanda * hanya boleh berisi angka dan *")
        return Issue(
            "not_16_digits",
            f"{label} bertanda * harus 16 karakter (terbaca {len(text)} karakter)",
        )
    digits = sum(char in "0123456789" for char in text)
    others = len(text) - digits
    extra = f" dan {others} karakter bukan angka" if others else ""
    return Issue("not_16_digits", f"{label} harus 16 digit (terbaca {digits} digit{extra})")


def _date_candidates(day: int, month: int, yy: int) -> list[date]:
    candidates = []
    for century in (1900, 2000):
        try:
            candidates.append(date(century + yy, month, day))
        except ValueError:
            continue
    return candidates


def _read_day(dd: str, kind: str) -> tuple[int | None, str | None]:
    """(day, sex) from the DD digits; day None if out of range."""
    value = int(dd)
    if 1 <= value <= 31:
        return value, "L"
    if kind == "nik" and 1 + WOMEN_DAY_OFFSET <= value <= 31 + WOMEN_DAY_OFFSET:
        return value - WOMEN_DAY_OFFSET, "P"
    return None, None


def _visible(part: str) -> bool:
    return MASK_CHAR not in part


def _inspect(
    text: str,
    kind: str,
    label: str,
    birth_date: date | None,
    sex: str | None,
    today: date,
) -> tuple[list[Issue], list[Issue]]:
    """Errors and warnings for a 16-character value; masked positions are skipped."""
    errors: list[Issue] = []
    warnings: list[Issue] = _region_warnings(text, label)

    dd, mm, yy = text[6:8], text[8:10], text[10:12]
    day = month = year2 = nik_sex = None
    if _visible(dd):
        day, nik_sex = _read_day(dd, kind)
        if day is None:
            allowed = "01–31, atau 41–71 untuk perempuan" if kind == "nik" else "01–31"
            message = f"Tanggal pada {label} tidak sah ({dd}); harus {allowed}"
            errors.append(Issue("bad_day", message))
    if _visible(mm):
        month = int(mm)
        if not 1 <= month <= 12:
            month = None
            errors.append(Issue("bad_month", f"Bulan pada {label} tidak sah ({mm}); harus 01–12"))
    if _visible(yy):
        year2 = int(yy)

    if not errors and day and month and year2 is not None:
        candidates = _date_candidates(day, month, year2)
        if not candidates:
            errors.append(
                Issue(
                    "impossible_date",
                    f"Tanggal pada {label} tidak ada di kalender ({day} {_MONTHS[month - 1]}, "
                    "baik tahun 19xx maupun 20xx)",
                )
            )
        elif all(candidate > today for candidate in candidates):
            if kind == "nik":
                warnings.append(Issue("future_birth", "Tanggal lahir pada NIK ada di masa depan"))
            else:
                warnings.append(
                    Issue("future_date", "Tanggal pencatatan pada Nomor KK ada di masa depan")
                )

    if kind == "nik" and not errors:
        warnings.extend(_record_warnings(day, month, year2, nik_sex, birth_date, sex))

    if _visible(text[12:]) and text[12:] == "0000":
        warnings.append(Issue("serial_zero", f"Nomor urut {label} 0000; perlu diperiksa"))
    return errors, warnings


def _region_warnings(text: str, label: str) -> list[Issue]:
    if not _visible(text[:4]):
        return []
    regency = f"{text[:2]}.{text[2:4]}"
    record = wilayah.historical(regency)
    if record is None:
        return [
            Issue(
                "region_unknown",
                f"Kode wilayah {label} ({regency}) tidak ada di kode Kemendagri mana pun "
                "(2016–2025); periksa kembali",
            )
        ]
    if not wilayah.exists_current(regency):
        return [
            Issue(
                "region_not_current",
                f"Kode wilayah {label} {regency} ({record.name}) terakhir dipakai pada kode "
                f"Kemendagri {record.last}; {label} tetap berlaku",
            )
        ]
    if _visible(text[4:6]):
        district = f"{regency}.{text[4:6]}"
        if not wilayah.exists_historical(district):
            return [
                Issue(
                    "district_unknown",
                    f"Kode kecamatan {label} ({district}) tidak ditemukan di kode Kemendagri",
                )
            ]
    return []


def _record_warnings(
    day: int | None,
    month: int | None,
    yy: int | None,
    nik_sex: str | None,
    birth_date: date | None,
    sex: str | None,
) -> list[Issue]:
    warnings = []
    if birth_date is not None:
        differ = [
            part
            for part, ours, theirs in (
                ("tanggal", day, birth_date.day),
                ("bulan", month, birth_date.month),
                ("tahun", yy, birth_date.year % 100),
            )
            if ours is not None and ours != theirs
        ]
        if differ:
            warnings.append(
                Issue(
                    "birth_date_mismatch",
                    "Tanggal lahir pada NIK tidak cocok dengan tanggal lahir pada data "
                    f"({', '.join(differ)} berbeda)",
                )
            )
    record_sex = _normalize_sex(sex)
    if record_sex and nik_sex and record_sex != nik_sex:
        words = {"L": "laki-laki", "P": "perempuan"}
        warnings.append(
            Issue(
                "sex_mismatch",
                f"Jenis kelamin pada data ({words[record_sex]}) tidak cocok dengan NIK "
                f"(kode tanggal menunjukkan {words[nik_sex]})",
            )
        )
    return warnings


def _normalize_sex(sex: str | None) -> str | None:
    if sex is None:
        return None
    return _SEX_WORDS.get(re.sub(r"[^A-Z]", "", str(sex).upper()))
