"""One cell of a table read into a value (CONTRACT.md "Import commands"): text, dates, sex,
marital status, yes/no, citizenship, exit kind, register class, region code, disability, TPS
number, contest; NIK and KK cells; and the errors a reader raises.

Each ``parse_*`` returns the parsed value or raises ``CellError`` with a message for users (in
Bahasa Indonesia, never showing a full NIK). NIK and KK cells are handed on raw (``keep_raw``)
so that ``nik.check`` judges them: a blank or invalid NIK is never a row error.

Pure Python: no Django, no database (tests/test_rules.py checks it).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any

from voters.rules import nik, wilayah

# Errors


class FileRejected(Exception):
    """The whole file is refused (unreadable, not a table, a missing column, a zip bomb).

    Here beside ``CellError`` so that tables.py and xlsx_guard.py raise the one class without
    importing each other."""

    def __init__(self, file_name: str, reason: str):
        self.file_name = file_name
        self.reason = reason
        super().__init__(f'Berkas "{file_name}" ditolak: {reason}')


class CellError(ValueError):
    """One value cannot be read; the message is for users."""

    def __init__(self, message: str):
        self.message = message
        super().__init__(message)


# Showing values in messages


def show(raw: Any, limit: int = 40) -> str:
    """A cell as a message may quote it: shortened to ``limit`` characters, NIK-like numbers
    masked (``nik.mask_numbers``), a whole-number float without its '.0'."""
    if isinstance(raw, float) and math.isfinite(raw) and raw.is_integer():
        text = str(int(raw))
    elif isinstance(raw, dt.date | dt.time):
        text = raw.isoformat()
    else:
        text = str(raw).strip()
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return nik.mask_numbers(text)


# Value parsers: each returns the parsed value, or raises CellError.

_BLANK_MARKS = frozenset({"", "-", "--", "---", "\u2013", "\u2014"})
_BLANK_LEAD = frozenset("-\u2013\u2014\u200b\u200c\u200d\u2060\ufeff")
_INVISIBLE = re.compile(r"[\u200b\u200c\u200d\u2060\ufeff]")
_WHITESPACE = re.compile(r"\s+")


def is_blank(raw: Any) -> bool:
    """None, an empty or whitespace cell, or a lone dash (how exports write 'nothing')."""
    if raw is None:
        return True
    if isinstance(raw, str):
        text = raw.strip()
        if not text:
            return True
        if text[0] not in _BLANK_LEAD:
            return False
        return _WHITESPACE.sub("", _INVISIBLE.sub("", text)) in _BLANK_MARKS
    return isinstance(raw, float) and math.isnan(raw)


def _word_key(raw: Any) -> str:
    """Upper case, no spaces, dots, dashes, underscores or slashes: 'Laki-laki' -> 'LAKILAKI'."""
    return re.sub(r"[\s.\-_/]+", "", _INVISIBLE.sub("", str(raw))).upper()


def _number_text(value: float) -> str:
    if math.isfinite(value) and value.is_integer():
        return str(int(value))
    return repr(value)


def parse_text(raw: Any) -> str:
    """Strip, collapse inner whitespace; number cells lose a trailing '.0' (901.0 -> '901')."""
    if is_blank(raw):
        return ""
    if isinstance(raw, str):
        text = raw.strip()
        if text.isprintable() and "  " not in text:
            return text
        return _WHITESPACE.sub(" ", _INVISIBLE.sub("", text)).strip()
    if isinstance(raw, bool):
        return "TRUE" if raw else "FALSE"
    if isinstance(raw, float):
        return _number_text(raw)
    if isinstance(raw, dt.datetime):
        return raw.isoformat(sep=" ")
    if isinstance(raw, dt.date | dt.time):
        return raw.isoformat()
    return _WHITESPACE.sub(" ", _INVISIBLE.sub("", str(raw))).strip()


def keep_raw(raw: Any) -> Any:
    """NIK/KK cells: handed on as read, for ``nik.check`` (a number cell must stay a number)."""
    return "" if raw is None else raw


_EXCEL_EPOCH = dt.date(1899, 12, 30)
# Serial 61 is 1900-03-01 (the first day after Excel's phantom 1900-02-29); 73415 is 2100-12-31.
_SERIAL_RANGE = (61, 73415)
_YEAR_RANGE = (1900, 2100)
_MONTH_NAMES = {
    "JAN": 1, "JANUARI": 1, "JANUARY": 1,
    "FEB": 2, "PEB": 2, "FEBRUARI": 2, "PEBRUARI": 2, "FEBRUARY": 2,
    "MAR": 3, "MARET": 3, "MARCH": 3,
    "APR": 4, "APRIL": 4,
    "MEI": 5, "MAY": 5,
    "JUN": 6, "JUNI": 6, "JUNE": 6,
    "JUL": 7, "JULI": 7, "JULY": 7,
    "AGU": 8, "AGT": 8, "AGS": 8, "AUG": 8, "AGUSTUS": 8, "AUGUST": 8,
    "SEP": 9, "SEPT": 9, "SEPTEMBER": 9,
    "OKT": 10, "OCT": 10, "OKTOBER": 10, "OCTOBER": 10,
    "NOV": 11, "NOP": 11, "NOVEMBER": 11, "NOPEMBER": 11,
    "DES": 12, "DEC": 12, "DESEMBER": 12, "DECEMBER": 12,
}  # fmt: skip
_DATE_DMY = re.compile(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{2,4})")
_DATE_YMD = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})")
_DATE_WORDS = re.compile(r"(\d{1,2})[\s\-/.]*([A-Za-z]+)[\s\-/.,]*(\d{2,4})")
_TIME_SUFFIX = re.compile(r"[ T]\d{1,2}[:.]\d{2}(?:[:.]\d{2}(?:\.\d+)?)?$")
_ZERO_DATE = re.compile(r"0{1,4}[-/.]0{1,2}[-/.]0{1,4}")


def parse_date(raw: Any) -> dt.date | None:
    """Date cells, Excel serial numbers and DD-MM-YYYY, DD/MM/YYYY, DD.MM.YYYY, YYYY-MM-DD or
    '23 Juni 1974' text. Blank (and a database zero date '0000-00-00') gives None."""
    if is_blank(raw):
        return None
    unreadable = CellError(f'tanggal "{show(raw)}" tidak dapat dibaca')
    if isinstance(raw, bool):
        raise unreadable
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    if isinstance(raw, int | float):
        if not math.isfinite(raw) or not _SERIAL_RANGE[0] <= raw < _SERIAL_RANGE[1] + 1:
            raise unreadable
        return _EXCEL_EPOCH + dt.timedelta(days=int(raw))
    if not isinstance(raw, str):
        raise unreadable
    text = _WHITESPACE.sub(" ", _INVISIBLE.sub("", raw)).strip()
    text = _TIME_SUFFIX.sub("", text)
    text = re.sub(r"\s*([-/.])\s*", r"\1", text)
    if _ZERO_DATE.fullmatch(text):
        return None
    if match := _DATE_YMD.fullmatch(text):
        year_text, month, day = match[1], int(match[2]), int(match[3])
    elif match := _DATE_DMY.fullmatch(text):
        day, month, year_text = int(match[1]), int(match[2]), match[3]
    elif match := _DATE_WORDS.fullmatch(text):
        day, month, year_text = int(match[1]), _MONTH_NAMES.get(match[2].upper(), 0), match[3]
    else:
        raise unreadable
    if len(year_text) != 4:
        raise CellError(f'tanggal "{show(raw)}" tidak dapat dibaca (tahun harus 4 angka)')
    year = int(year_text)
    if not _YEAR_RANGE[0] <= year <= _YEAR_RANGE[1]:
        raise unreadable
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise unreadable from None


_SEX = {
    "L": "L", "LK": "L", "LAKI": "L", "LAKILAKI": "L", "LAKI2": "L", "PRIA": "L", "MALE": "L",
    "P": "P", "PR": "P", "PEREMPUAN": "P", "WANITA": "P", "FEMALE": "P",
}  # fmt: skip


def _coded(
    raw: Any, codes: dict[str, str], *, blank: str | None, what: str, hint: str
) -> str | None:
    """A cell holding one of a few codes, or a word for one (``codes``, keyed by
    ``_word_key``): ``blank`` for an empty cell, a CellError naming ``what`` and the codes to
    write (``hint``) for anything else."""
    if is_blank(raw):
        return blank
    try:
        return codes[_word_key(raw)]
    except KeyError:
        raise CellError(f'{what} "{show(raw)}" tidak dikenali (isi {hint})') from None


def parse_sex(raw: Any) -> str | None:
    """'L' or 'P' (also LK, PR, Laki-laki, Laki Laki, Perempuan, Pria, Wanita); blank -> None."""
    return _coded(raw, _SEX, blank=None, what="jenis kelamin", hint="L atau P")


_MARITAL = {
    "B": "B", "BK": "B", "BELUMKAWIN": "B", "BELUMMENIKAH": "B", "TIDAKKAWIN": "B",
    "S": "S", "K": "S", "SK": "S", "KAWIN": "S", "SUDAHKAWIN": "S", "MENIKAH": "S",
    "SUDAHMENIKAH": "S",
    "P": "P", "PK": "P", "PERNAHKAWIN": "P", "PERNAHMENIKAH": "P", "CERAI": "P", "CH": "P",
    "CM": "P", "CERAIHIDUP": "P", "CERAIMATI": "P", "JANDA": "P", "DUDA": "P",
}  # fmt: skip


def parse_marital(raw: Any) -> str:
    """'B' belum, 'S' sudah, 'P' pernah kawin (also the words); blank -> 'B'."""
    return _coded(raw, _MARITAL, blank="B", what="status perkawinan", hint="B, S atau P")


_YES = frozenset({"Y", "YA", "YES", "TRUE", "BENAR", "1"})
_NO = frozenset({"N", "T", "TIDAK", "TDK", "NO", "FALSE", "SALAH", "0"})


def parse_yes_no(raw: Any) -> bool:
    """Y/Ya/1 -> True; N/Tidak/T/0 and blank -> False."""
    if is_blank(raw):
        return False
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, int | float):
        if raw in (0, 1):
            return bool(raw)
    else:
        key = _word_key(re.sub(r"^([01])\.0+$", r"\1", str(raw).strip()))
        if key in _YES:
            return True
        if key in _NO:
            return False
    raise CellError(f'nilai "{show(raw)}" tidak dikenali (isi Y atau N)')


_CITIZENSHIP = {
    "WNI": "WNI", "INDONESIA": "WNI", "WARGANEGARAINDONESIA": "WNI",
    "WNA": "WNA", "ASING": "WNA", "WARGANEGARAASING": "WNA",
}  # fmt: skip


def parse_citizenship(raw: Any) -> str:
    """'WNI' (the default for blank) or 'WNA'."""
    return _coded(raw, _CITIZENSHIP, blank="WNI", what="kewarganegaraan", hint="WNI atau WNA")


EXIT_KINDS = ("bebas", "mutasi", "meninggal", "lainnya")
_EXIT_WORDS = (
    ("meninggal", ("MENINGGAL", "WAFAT", "MATI", "TEWAS")),
    # A police-cell roster writes the hand-over to the prosecutor (tahap II), after which the
    # detainee is held in the Rutan (DOMAIN.md §4), as "dilimpahkan"/"pelimpahan".
    ("mutasi", ("MUTASI", "PINDAH", "DIPINDAH", "PEMINDAHAN", "LIMPAH", "DILIMPAH", "PELIMPAHAN")),
    # DOMAIN.md §6.2: a suspended or converted detention (penangguhan/pengalihan) is a release.
    ("bebas", ("BEBAS", "PEMBEBASAN", "BERSYARAT", "ASIMILASI", "PB", "CB", "CMB", "CUTI",
               "PENANGGUHAN", "DITANGGUHKAN", "PENGALIHAN")),
)


def parse_exit_kind(raw: Any) -> str:
    """'bebas' (also penangguhan), 'mutasi' (also pindah, dilimpahkan), 'meninggal' or
    'lainnya'; blank -> ''.

    The person has left whatever the reason, so an unknown reason is 'lainnya', never an error.
    """
    if is_blank(raw):
        return ""
    words = re.findall(r"[A-Z]+", str(raw).upper())
    for kind, markers in _EXIT_WORDS:
        if any(word.startswith(marker) for word in words for marker in markers):
            return kind
    return "lainnya"


REGISTER_CLASSES = ("A.I", "A.II", "A.III", "A.IV", "A.V", "B.I", "B.IIa", "B.IIb", "B.III")
_REGISTER_KEYS = {_word_key(name): name for name in REGISTER_CLASSES} | {
    "A1": "A.I", "A2": "A.II", "A3": "A.III", "A4": "A.IV", "A5": "A.V",
    "B1": "B.I", "B2A": "B.IIa", "B2B": "B.IIb", "B3": "B.III",
    # A police-cell roster names the class in words: a detainee of the penyidik is A.I.
    "TAHANANPENYIDIK": "A.I", "TAHANANPOLRI": "A.I", "TAHANANPOLISI": "A.I",
    "TAHANANPOLRES": "A.I", "TAHANANPOLSEK": "A.I",
}  # fmt: skip


def parse_register(raw: Any) -> str:
    """Canonical register class ('BIIa', 'B IIa' -> 'B.IIa'); other classes ('B.IIIs', 'SH',
    'MATI') are kept as written, never an error."""
    text = parse_text(raw)
    return _REGISTER_KEYS.get(_word_key(text), text)


def parse_region(raw: Any) -> str:
    """Kemendagri code in dotted form ('3316092012' -> '33.16.09.2012'); blank -> ''."""
    if is_blank(raw):
        return ""
    code = wilayah.normalize_code(raw.strip() if isinstance(raw, str) else raw)
    if not code:
        raise CellError(f'kode wilayah "{show(raw)}" tidak dikenali')
    return code


_DISABILITY_WORDS = (
    (1, "FISIK"),
    (2, "INTELEKTUAL"),
    (3, "MENTAL"),
    (4, "WICARA"),
    (5, "RUNGU"),
    (6, "NETRA"),
)


def parse_disability(raw: Any) -> int | None:
    """KPU disability code 1-6 (also '1 - Fisik' or the name: Fisik, Intelektual, Mental, Wicara,
    Rungu, Netra); blank or 0 -> None."""
    if is_blank(raw):
        return None
    number = -1
    if isinstance(raw, bool):
        pass
    elif isinstance(raw, int | float):
        if math.isfinite(raw) and float(raw).is_integer():
            number = int(raw)
    else:
        text = parse_text(raw).upper()
        if match := re.fullmatch(r"(\d+)(?:\.0+)?(?:\s*[-.:)]?\s*[^\d\s].*)?", text):
            number = int(match[1])
        else:
            number = next((code for code, word in _DISABILITY_WORDS if word in text), -1)
    if number == 0:
        return None
    if 1 <= number <= 6:
        return number
    raise CellError(f'kode disabilitas "{show(raw)}" tidak dikenali (isi 1-6 atau kosongkan)')


def parse_tps(raw: Any) -> str:
    """TPS number as text without leading zeros: '901', 901.0, 'TPS 901', 'TPS 0901' -> '901'."""
    if is_blank(raw):
        return ""
    text = parse_text(raw)
    match = re.fullmatch(r"(?:TPS)?\s*(?:NO\.?|NOMOR)?\s*[.:#-]?\s*0*(\d+)", text, re.IGNORECASE)
    if not match:
        raise CellError(f'nomor TPS "{show(raw)}" tidak dikenali')
    return match[1]


CONTESTS = ("DPR", "DPRD_PROV", "DPRD_KAB")
_CONTEST_KEYS = {
    "DPR": "DPR", "DPRRI": "DPR",
    "DPRDPROV": "DPRD_PROV", "DPRDPROVINSI": "DPRD_PROV", "DPRDI": "DPRD_PROV",
    "DPRDKAB": "DPRD_KAB", "DPRDKABKOTA": "DPRD_KAB", "DPRDKABUPATEN": "DPRD_KAB",
    "DPRDKABUPATENKOTA": "DPRD_KAB", "DPRDKOTA": "DPRD_KAB", "DPRDKABKO": "DPRD_KAB",
    "DPRDII": "DPRD_KAB",
}  # fmt: skip


def parse_contest(raw: Any) -> str:
    """'DPR', 'DPRD_PROV' or 'DPRD_KAB' (also 'DPRD Provinsi', 'DPRD Kab/Kota')."""
    if is_blank(raw):
        return ""
    try:
        return _CONTEST_KEYS[_word_key(raw)]
    except KeyError:
        raise CellError(
            f'kontestasi "{show(raw)}" tidak dikenali (isi DPR, DPRD_PROV atau DPRD_KAB)'
        ) from None


# NIK cells

# Days per month, February with its 29th (whether the year allows it is decided separately).
_MONTH_DAYS = (0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def nik_date_exists(part: str) -> bool:
    """For a NIK of 16 ASCII digits whose digits 7-12 are ``part`` (DDMMYY, women's DD plus
    40): whether ``nik.parse`` accepts it, i.e. that day exists in 19YY or 20YY.

    For 16 digits ``nik.check``'s verdict depends on nothing else (region and serial problems
    are warnings), so the KPU list readers judge a NIK by this rule, once per date part, without
    building the parsed NIK: lists/rows.py value by value, fast.py as a table of every part
    (tests/voters/test_lists_frames.py compares every part with ``nik.parse``)."""
    day, month, yy = int(part[:2]), int(part[2:4]), int(part[4:])
    if day > nik.WOMEN_DAY_OFFSET:
        day -= nik.WOMEN_DAY_OFFSET
    if not (1 <= day <= 31 and 1 <= month <= 12):
        return False
    if month == 2 and day == 29:
        return yy % 4 == 0  # 2000 was a leap year, 1900 was not
    return day <= _MONTH_DAYS[month]
