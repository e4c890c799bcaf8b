"""Matching and classification rules for the reconciliation (CONTRACT.md "Reconciliation").

Pure functions over plain frozen dataclasses: no Django, no database. The service layer loads
rows, turns them into ``Inmate``, ``ListEntry``, ``Election`` and ``Decision`` values, gives a
``ReferenceIndex`` over the kabupaten's reference DPT, and stores the ``Result`` list that
``classify`` returns.

Three parts:

1. Indonesian names: ``normalize_name``, ``name_tokens`` and ``name_similarity`` (titles, bin/binti,
   Muhammad variants, old spellings, word order, mononyms).
2. Matching list entries to inmates in layers: an accepted ``Decision``, then equal full NIK (the
   only automatic confirmation), then "probable" (same birth date and a similar name; the NIK
   differs, is missing or is masked), which always goes to a person as PERLU_PERIKSA.
3. ``classify``: one ``Result`` per inmate inside on ``today`` and per list entry (a person in
   both is one Result), with the first category of ``CATEGORIES`` that applies, the ballots and a
   short reason in Bahasa Indonesia.

Decisions taken where the contract is silent are marked "Choice:" below.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from functools import lru_cache
from typing import Protocol

from voters.rules import custody, wilayah
from voters.rules import nik as nik_rules
from voters.rules.lists import list_rank

# --------------------------------------------------------------------------------------------
# Codes and thresholds
# --------------------------------------------------------------------------------------------

KELUAR = "KELUAR"
TIDAK_DIKENAL = "TIDAK_DIKENAL"
TMS = "TMS"
LUAR_WILAYAH = "LUAR_WILAYAH"
GANDA = "GANDA"
PERLU_PERIKSA = "PERLU_PERIKSA"
TERDAFTAR = "TERDAFTAR"
PEREKAMAN = "PEREKAMAN"
USUL_DPTB = "USUL_DPTB"
BELUM_TERDAFTAR = "BELUM_TERDAFTAR"

# The order of precedence of CONTRACT.md: a row gets the first that applies.
CATEGORIES = (
    KELUAR,
    TIDAK_DIKENAL,
    TMS,
    LUAR_WILAYAH,
    GANDA,
    PERLU_PERIKSA,
    TERDAFTAR,
    PEREKAMAN,
    USUL_DPTB,
    BELUM_TERDAFTAR,
)
# Categories whose person gets no ballot at this TPS.
NO_BALLOT_CATEGORIES = frozenset({KELUAR, TIDAK_DIKENAL, TMS, LUAR_WILAYAH})

PILKADA_BALLOTS = ("GUB", "BUP", "WALKOT")
PEMILU_BALLOTS = ("PPWP", "DPR", "DPD", "DPRD_PROV", "DPRD_KAB")
DAPIL_CONTESTS = ("DPR", "DPRD_PROV", "DPRD_KAB")
VOTING_AGE = 17

# Name similarity (0..1) at or above which two names with the same birth date are a probable
# match between a list entry and an inmate. A person reviews every such pair (PERLU_PERIKSA), so
# it is set to keep "BUDI" ~ "BUDI SANTOSO" (0.75) and "RIDWAN" ~ "MUHAMMAD RIDWAN" (0.83) while
# "BUDI SANTOSO" ~ "BUDI SETIAWAN" (0.5) and "MUHAMMAD" ~ "MUHAMMAD RIDWAN" (0.67) stay out.
PROBABLE_THRESHOLD = 0.75
# Stricter for a masked reference DPT entry: it decides USUL_DPTB with no review step.
REFERENCE_THRESHOLD = 0.8
# Two words count as the same from this similarity on (1 - edit distance / longer length; below
# it they score 0): one typo in a word of 5+ letters passes, "SUDIRTA" ~ "SUDARMA" does not.
TOKEN_THRESHOLD = 0.8
# A single letter against a word with that initial ("B" ~ "BUDI").
INITIAL_SCORE = 0.8
# Weight of very common given-name words (Muhammad, Siti, Balinese birth-order names ...) and of
# initials in the coverage: sharing only "MUHAMMAD" says little.
COMMON_TOKEN_WEIGHT = 0.5

# TMS reasons (DOMAIN.md §2.1). ``code`` is the coklit/SIDALIH code, None where no 2024 source
# confirms one (DOMAIN.md: codes 9+ are unconfirmed).
TMS_REASONS: dict[str, tuple[str | None, str]] = {
    "meninggal": ("1", "meninggal dunia"),
    "di_bawah_umur": (
        "3",
        "di bawah umur (belum 17 tahun pada hari pemungutan suara, belum kawin)",
    ),
    "tni_polri": ("6/7", "anggota TNI/Polri aktif"),
    "hak_pilih_dicabut": (None, "hak pilih dicabut putusan pengadilan"),
    "wna": (None, "bukan WNI (WNA)"),
}

LEFT_KIND_LABELS = {
    "bebas": "bebas",
    "mutasi": "mutasi/pindah ke UPT lain",
    "meninggal": "meninggal dunia",
    "lainnya": "alasan lain",
}

# --------------------------------------------------------------------------------------------
# Plain data
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class Inmate:
    """A person on the facility roster. ``nik_status`` '' means: derive it from ``nik``."""

    id: int
    nama: str
    birth_date: date
    admitted: date
    no_registrasi: str = ""
    aliases: tuple[str, ...] = ()
    nik: str = ""
    nik_status: str = ""  # 'valid' | 'invalid' | 'blank' | 'masked'
    sex: str = ""  # 'L' | 'P'
    marital: str = "B"  # 'B' belum, 'S' sudah, 'P' pernah kawin
    citizenship: str = "WNI"
    tni_polri: bool = False
    vote_revoked: bool = False
    dead: bool = False
    address_region: str = ""  # dotted Kemendagri code of the KTP-el address, or ''
    expected_release: date | None = None
    left_on: date | None = None
    left_kind: str = ""
    register_class: str = ""  # 'A.I'..'A.V' tahanan, 'B.*' narapidana

    def __post_init__(self):
        if not self.nik_status:
            object.__setattr__(self, "nik_status", str(nik_rules.check(self.nik).status))


@dataclass(frozen=True, slots=True, kw_only=True)
class ListEntry:
    """An entry on one of this facility's TPS lists (DPT, DPTB or DPK)."""

    id: int
    kind: str
    nama: str
    birth_date: date
    tps: str = ""
    nik: str = ""  # full, masked with '*', or anything else (treated as missing)
    sex: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class RefEntry:
    """A row of the reference DPT of the kabupaten/kota."""

    nik: str
    nama: str
    birth_date: date
    sex: str = ""
    tps: str = ""
    kelurahan: str = ""
    kecamatan: str = ""
    region: str = ""
    id: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Election:
    kind: str  # 'pilkada' | 'pemilu'
    polling_date: date
    region: str  # pilkada: the kabupaten/kota; pemilu: where the TPS is (down to kecamatan)
    races: tuple[str, ...] = ()  # pilkada: ('GUB', 'BUP'|'WALKOT'); empty = every race
    dptb_deadline_detainee: date | None = None  # H-7 when None
    dptb_deadline_general: date | None = None  # H-30 when None
    # contest ('DPR', 'DPRD_PROV', 'DPRD_KAB') -> {region code: dapil name}
    dapil: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    @property
    def deadline_detainee(self) -> date:
        return self.dptb_deadline_detainee or self.polling_date - timedelta(days=7)

    @property
    def deadline_general(self) -> date:
        return self.dptb_deadline_general or self.polling_date - timedelta(days=30)


@dataclass(frozen=True, slots=True, kw_only=True)
class Decision:
    """A person's verdict on a probable match. ``entry_id`` None: on the inmate's reference DPT
    candidate (accept a name-and-birth-date candidate, or reject a masked/probable one)."""

    inmate_id: int
    entry_id: int | None
    verdict: str  # 'accept' | 'reject'


@dataclass(frozen=True, slots=True, kw_only=True)
class Match:
    """How a pair was matched. ``fields`` are the agreeing fields: 'nik' (equal), 'nik_terlihat'
    (the visible digits of a masked NIK agree), 'nama', 'tanggal_lahir', 'jenis_kelamin'."""

    layer: str  # 'nik' | 'masked_nik' | 'probable' | 'decision'
    score: float
    fields: tuple[str, ...] = ()
    inmate_id: int | None = None
    entry_id: int | None = None
    ref: RefEntry | None = None  # for a reference DPT match: where the person is registered

    @property
    def confirmed(self) -> bool:
        return self.layer in ("nik", "decision")


@dataclass(frozen=True, slots=True, kw_only=True)
class Result:
    category: str
    inmate_id: int | None = None
    entry_ids: tuple[int, ...] = ()
    daftar: str = ""  # 'DPT' | 'DPTB' | 'DPK' | ''
    tps: str = ""
    surat_suara: tuple[str, ...] = ()
    alasan: str = ""
    match: Match | None = None  # the least certain pairing of the row (the one to review)
    matches: tuple[Match, ...] = ()  # one per paired entry
    ref_match: Match | None = None
    deadline_note: str = ""
    candidates: tuple[int, ...] = ()  # inmate ids when a probable match is a tie

    @property
    def surat_suara_text(self) -> str:
        return ";".join(self.surat_suara)

    @property
    def keys(self) -> tuple[tuple[str, int], ...]:
        """('inmate', id) and ('entry', id) keys of the people and entries in this row."""
        own = (("inmate", self.inmate_id),) if self.inmate_id is not None else ()
        return own + tuple(("entry", entry_id) for entry_id in self.entry_ids)


@dataclass(frozen=True, slots=True)
class Change:
    key: tuple[str, int]
    before: Result
    after: Result


@dataclass(frozen=True, slots=True)
class Changes:
    arrivals: tuple[Result, ...]
    departures: tuple[Result, ...]
    changed: tuple[Change, ...]


# --------------------------------------------------------------------------------------------
# Names
# --------------------------------------------------------------------------------------------


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Honorific, religious and academic prefixes, compared on the letters only ("K.H." -> "KH").
NAME_TITLES = _words(
    """
    H HJ HJH HAJI HAJAH HAJJAH DR DRS DRA DRG IR KH KYAI KIAI USTADZ USTAZ USTADZAH USTAZAH UST
    R RADEN RR RA RAJ RM RAY PROF TGK NY NYONYA TN TUAN SDR SDRI SDRA BPK BAPAK IBU
    ALM ALMH ALMARHUM ALMARHUMAH
    """
)
# Degrees written after the name ("S.H.", "S.Pd.I", "M.M."), compared on the letters only.
NAME_DEGREES = _words(
    """
    SH SE SPD SPDI SPDSD SKOM SSOS SAG SHI SIP SIKOM ST SP SPT SPI SS SSI SKM SKEP SKED SFARM
    SPSI SSTP STP SHUT SGZ SKEB SST SAK SIAN SSN SKG SSY SM STR STH STHI SFIL SLING SDS SHUM
    MM MH MSI MPD MAG MKN MKES MKOM MT MSC MA MBA MHUM MKEP MIKOM MPDI MHI MSOS MAP MSI MTI
    AMD AMK AMKEB AMDKEP AMDKEB AMDKES AMDFARM AMDGZ AMA APT NS PHD LLM BSC BA AK CPA
    """
)
# Patronymic markers: the marker and everything after it are cut.
NAME_PATRONYMICS = frozenset({"BIN", "BINTI", "BINTY", "BINTE", "BT", "BN"})
MUHAMMAD = "MUHAMMAD"
# Short forms of Muhammad (before spelling rules). A lone "M" counts only before another word.
MUHAMMAD_SHORT = _words("M MUH MOH MOCH MOKH MOC MCH MHD MHMD MUHD MOHD MD MUCH MUKH MOHAMD MUHAMD")
_MUHAMMAD_RE = re.compile(r"M[UO](?:KH|H)?AM+[AE]D+")
# Old spellings (Van Ophuijsen/Soewandi) in one left-to-right pass, so that "DJ" -> "J" is not
# then read as an old "J". A lone "J" is an old "Y" only in a word that shows another old
# spelling ("SOEJONO" -> "SUYONO", "WIDJAJA" -> "WIJAYA").
OLD_SPELLINGS = {"OE": "U", "DJ": "J", "TJ": "C", "SJ": "SY", "NJ": "NY", "CH": "KH"}
_OLD_MARKERS = ("OE", "DJ", "TJ", "SJ")
_OLD_RE = re.compile("OE|DJ|TJ|SJ|NJ|CH|J")
# Common spelling variants, after the old spellings.
SPELLING_VARIANTS = {
    "TH": "T",
    "DH": "D",
    "DZ": "Z",
    "PH": "F",
    "Q": "K",
    "IE": "I",
    "AE": "AI",
    "V": "F",
}
_VARIANT_RE = re.compile("|".join(SPELLING_VARIANTS))
# Whole-word variants, after the spelling rules and doubled letters ("NOOR" -> "NOR" -> "NUR").
WORD_VARIANTS = {
    "ABD": "ABDUL",
    "NOR": "NUR",
    "AHMED": "AHMAD",
    "AHMAT": "AHMAD",
    "JUSUF": "YUSUF",
    "JAHJA": "YAHYA",
    "SELAMET": "SLAMET",
}
COMMON_TOKENS = _words(
    """
    MUHAMMAD ABDUL AHMAD SITI NUR SRI DEWI PUTRI PUTRA DWI TRI EKA NI I MADE WAYAN KETUT NYOMAN
    GEDE PUTU KADEK KOMANG GUSTI AYU IDA BAGUS NGURAH LA WA ANDI
    """
)

_QUOTES_RE = re.compile("['`\u2018\u2019\"\u201c\u201d]")
_PARENS_RE = re.compile(r"\(([^)]*)\)?")
_ALIAS_SPLIT_RE = re.compile(r"\b(?:ALIAS|ALS)\b\.?|@|/")
_DOTTED_ABBREV_RE = re.compile(r"[A-Z]{1,4}(?:\.[A-Z]{1,4})+\.?|[A-Z]{1,4}\.")


def _letters(chunk: str) -> str:
    return re.sub(r"[^A-Z]", "", chunk)


def _ascii_upper(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", str(text or ""))
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _QUOTES_RE.sub("", plain.upper())


def _is_degree_tail(chunks: list[str]) -> bool:
    """True when every chunk after the first comma is a degree or a short dotted abbreviation."""
    return bool(chunks) and all(
        _letters(c) in NAME_DEGREES or _DOTTED_ABBREV_RE.fullmatch(c) for c in chunks
    )


def _drop_trailing_degrees(chunks: list[str]) -> list[str]:
    chunks = list(chunks)
    while len(chunks) > 1:
        if _letters(chunks[-1]) in NAME_DEGREES:
            chunks.pop()
            continue
        # "S. H." written with a space: two or three dotted letters that together form a degree.
        for size in (3, 2):
            tail = chunks[-size:]
            if (
                len(chunks) > size
                and all(re.fullmatch(r"[A-Z]{1,3}\.", c) for c in tail)
                and "".join(_letters(c) for c in tail) in NAME_DEGREES
            ):
                del chunks[-size:]
                break
        else:
            break
    return chunks


def _spell(token: str) -> str:
    old = any(marker in token for marker in _OLD_MARKERS)

    def old_spelling(found: re.Match) -> str:
        text = found.group()
        if text == "J":
            return "Y" if old else "J"
        return OLD_SPELLINGS[text]

    token = _OLD_RE.sub(old_spelling, token)
    token = _VARIANT_RE.sub(lambda found: SPELLING_VARIANTS[found.group()], token)
    token = re.sub(r"KH(?=[^AEIOU])", "H", token)  # AKHMAD/ACHMAD -> AHMAD, FAKHRUL -> FAHRUL
    token = re.sub(r"(?<=[^AEIOU])Y$", "I", token)  # RUDY -> RUDI, HENDRY -> HENDRI
    return re.sub(r"(.)\1+", r"\1", token)  # ABDULLAH -> ABDULAH, NOOR -> NOR


def _canonical_token(token: str, *, position: int, count: int, extra: Mapping[str, str]) -> str:
    if token in MUHAMMAD_SHORT and (token != "M" or position < count - 1 or count == 1):
        return MUHAMMAD
    if token == "ST" and position == 0 and count > 1:
        return "SITI"
    spelled = _spell(token)
    if _MUHAMMAD_RE.fullmatch(spelled):
        return MUHAMMAD
    spelled = WORD_VARIANTS.get(spelled, spelled)
    return extra.get(spelled, extra.get(token, spelled))


def _tokens_of(part: str, extra: Mapping[str, str]) -> tuple[str, ...]:
    head, comma, tail = part.partition(",")
    if comma:
        tail_chunks = tail.replace(",", " ").split()
        part = head if _is_degree_tail(tail_chunks) else f"{head} {' '.join(tail_chunks)}"
    chunks = _drop_trailing_degrees(part.split())
    while len(chunks) > 1 and _letters(chunks[0]) in NAME_TITLES:
        chunks.pop(0)
    tokens = re.findall(r"[A-Z]+", " ".join(chunks))
    while len(tokens) > 1 and tokens[0] in NAME_TITLES:
        tokens.pop(0)
    for index, token in enumerate(tokens):
        if index >= 1 and token in NAME_PATRONYMICS:
            tokens = tokens[:index]
            break
    count = len(tokens)
    return tuple(
        _canonical_token(t, position=i, count=count, extra=extra) for i, t in enumerate(tokens)
    )


def _variant_table(aliases) -> dict[str, str]:
    if not aliases:
        return {}
    items = aliases.items() if isinstance(aliases, Mapping) else aliases
    return {_ascii_upper(k).strip(): _ascii_upper(v).strip() for k, v in items}


@lru_cache(maxsize=200_000)
def _name_forms_cached(name: str, variants: tuple[tuple[str, str], ...]) -> tuple[tuple, ...]:
    extra = dict(variants)
    text = _ascii_upper(name)
    inner = _PARENS_RE.findall(text)
    text = _PARENS_RE.sub(" ", text)
    parts = _ALIAS_SPLIT_RE.split(text) + inner
    forms = []
    for index, part in enumerate(parts):
        tokens = _tokens_of(part, extra)
        if index == 0 or (tokens and tokens not in forms):
            forms.append(tokens)
    return tuple(forms)


def name_forms(name: str, aliases: Iterable[str] = ()) -> tuple[tuple[str, ...], ...]:
    """Token tuples of the main name, of the parts after "alias"/"als."/"@" or in parentheses,
    and of each extra alias name (``Inmate.aliases``). The first is always the main name."""
    forms = list(_name_forms_cached(str(name or ""), ()))
    for alias in aliases:
        for form in _name_forms_cached(str(alias or ""), ()):
            if form and form not in forms:
                forms.append(form)
    return tuple(forms)


def name_tokens(name: str, aliases=()) -> tuple[str, ...]:
    """The canonical words of the main name: uppercase ASCII, no punctuation, titles and degrees
    dropped, "bin/binti ..." and "alias ..." cut, Muhammad variants as MUHAMMAD, old spellings
    modernised, doubled letters collapsed. ``aliases``: extra spelling variants, a mapping or
    (variant, canonical) pairs, added to ``WORD_VARIANTS``."""
    variants = tuple(sorted(_variant_table(aliases).items()))
    return _name_forms_cached(str(name or ""), variants)[0]


def normalize_name(name: str, aliases=()) -> str:
    """``name_tokens`` joined by single spaces: 'H. ABDUL ROCHIM, S.H.' -> 'ABDUL ROKHIM'."""
    return " ".join(name_tokens(name, aliases))


def edit_distance(a: str, b: str) -> int:
    """Optimal-string-alignment distance: insertions, deletions, substitutions and swaps of two
    neighbouring letters each cost 1."""
    if a == b:
        return 0
    if not a or not b:
        return len(a) + len(b)
    before: list[int] | None = None
    previous = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, y in enumerate(b, 1):
            cost = 0 if x == y else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if before is not None and i > 1 and j > 1 and x == b[j - 2] and a[i - 2] == y:
                current[j] = min(current[j], before[j - 2] + 1)
        before, previous = previous, current
    return previous[-1]


def word_similarity(a: str, b: str) -> float:
    """1 - edit distance / length of the longer word."""
    longest = max(len(a), len(b))
    return 1.0 - edit_distance(a, b) / longest if longest else 1.0


def _token_weight(token: str) -> float:
    return COMMON_TOKEN_WEIGHT if len(token) == 1 or token in COMMON_TOKENS else 1.0


@lru_cache(maxsize=1 << 18)
def _token_score(a: str, b: str) -> float:
    if a == b:
        return 1.0
    if len(a) == 1 or len(b) == 1:
        return INITIAL_SCORE if a[0] == b[0] else 0.0
    longest = max(len(a), len(b))
    if 1.0 - abs(len(a) - len(b)) / longest < TOKEN_THRESHOLD - 1e-9:
        return 0.0  # the distance is at least the difference in length
    score = word_similarity(a, b)
    return score if score >= TOKEN_THRESHOLD else 0.0


def _compound_pairs(one: Sequence[str], many: Sequence[str]):
    """(score, i, (j1, j2)) where one word equals two words written together ("NURHAYATI" ~
    "NUR HAYATI"), in either order, so that word order never matters."""
    for i, word in enumerate(one):
        if len(word) < 4:
            continue
        for j1, first in enumerate(many):
            if first[0] != word[0] or len(first) == 1:
                continue
            for j2, second in enumerate(many):
                if j2 == j1 or len(second) == 1:
                    continue
                joined = first + second
                if abs(len(joined) - len(word)) > 2:
                    continue
                score = word_similarity(word, joined)
                if score >= TOKEN_THRESHOLD:
                    yield score, i, (j1, j2)


def token_similarity(a: Sequence[str], b: Sequence[str]) -> float:
    """Similarity of two token tuples: the mean of how much of each name (by weight) is covered
    by the best one-to-one pairing of words. Order-independent and symmetric."""
    if not a or not b:
        return 0.0
    if sorted(a) == sorted(b):
        return 1.0
    candidates = []
    for i, x in enumerate(a):
        for j, y in enumerate(b):
            score = _token_score(x, y)
            if score:
                candidates.append((score, (i,), (j,)))
    if len(a) != len(b):
        for score, i, js in _compound_pairs(a, b):
            candidates.append((score, (i,), js))
        for score, j, is_ in _compound_pairs(b, a):
            candidates.append((score, is_, (j,)))

    def rank(candidate):
        # Ties are broken on the words themselves, never on positions, so that word order and
        # the side a name is given on do not change the result.
        score, is_, js = candidate
        words_a = tuple(a[i] for i in is_)
        words_b = tuple(b[j] for j in js)
        weight = sum(map(_token_weight, words_a)) + sum(map(_token_weight, words_b))
        return (-score, -len(is_) - len(js), -weight, min(words_a, words_b), max(words_a, words_b))

    candidates.sort(key=rank)
    used_a: set[int] = set()
    used_b: set[int] = set()
    covered_a = covered_b = 0.0
    for score, is_, js in candidates:
        if used_a.intersection(is_) or used_b.intersection(js):
            continue
        used_a.update(is_)
        used_b.update(js)
        covered_a += score * sum(_token_weight(a[i]) for i in is_)
        covered_b += score * sum(_token_weight(b[j]) for j in js)
    total_a = sum(_token_weight(t) for t in a)
    total_b = sum(_token_weight(t) for t in b)
    return min(1.0, (covered_a / total_a + covered_b / total_b) / 2)


def name_similarity(a: str, b: str) -> float:
    """How alike two Indonesian names are, 0..1, after ``normalize_name``; word order does not
    matter, and a mononym against a longer name scores lower (more so for a common word)."""
    return token_similarity(name_tokens(a), name_tokens(b))


def _forms_similarity(forms_a, forms_b) -> float:
    return max(
        (token_similarity(x, y) for x in forms_a for y in forms_b if x and y),
        default=0.0,
    )


# --------------------------------------------------------------------------------------------
# Reference DPT
# --------------------------------------------------------------------------------------------


class ReferenceIndex(Protocol):
    """Lookups on the reference DPT of the kabupaten/kota, one per access path, so that a
    PostgreSQL implementation uses an index for each:

    - ``by_nik``: entries whose NIK is exactly this full NIK (index on nik).
    - ``by_visible``: masked entries born on ``birth_date`` whose visible digits may agree with
      the full ``nik`` (index on birth_date, or on (birth_date, left(nik, 6)) for the usual
      '331601**********' masking). Over-returning is fine: ``classify`` checks the digits again.
    - ``by_birth_date``: every entry born on that date (index on birth_date), for the name search.

    An implementation may also offer ``prefetch(*, niks, birth_dates)``; ``classify`` calls it once
    with everything it will look up, so that it can load them in two queries.
    """

    def by_nik(self, nik: str) -> Sequence[RefEntry]: ...

    def by_visible(self, nik: str, birth_date: date) -> Sequence[RefEntry]: ...

    def by_birth_date(self, birth_date: date) -> Sequence[RefEntry]: ...


class MemoryReferenceIndex:
    """A ``ReferenceIndex`` over a list in memory (tests, small data)."""

    def __init__(self, entries: Iterable[RefEntry] = ()):
        self._by_nik: dict[str, list[RefEntry]] = defaultdict(list)
        self._masked_by_date: dict[date, list[RefEntry]] = defaultdict(list)
        self._by_date: dict[date, list[RefEntry]] = defaultdict(list)
        self._count = 0
        for entry in entries:
            self._count += 1
            text = _clean_nik(entry.nik)
            if nik_rules.is_full(text):
                self._by_nik[text].append(entry)
            elif nik_rules.is_masked(text):
                self._masked_by_date[entry.birth_date].append(entry)
            self._by_date[entry.birth_date].append(entry)

    def __len__(self) -> int:
        return self._count

    def by_nik(self, nik: str) -> list[RefEntry]:
        return list(self._by_nik.get(_clean_nik(nik), ()))

    def by_visible(self, nik: str, birth_date: date) -> list[RefEntry]:
        return [
            entry
            for entry in self._masked_by_date.get(birth_date, ())
            if nik_rules.masked_matches(entry.nik, nik)
        ]

    def by_birth_date(self, birth_date: date) -> list[RefEntry]:
        return list(self._by_date.get(birth_date, ()))


# --------------------------------------------------------------------------------------------
# Single-person rules
# --------------------------------------------------------------------------------------------


def _clean_nik(text: object) -> str:
    return nik_rules.clean(text)


def _dmy(day: date) -> str:
    return day.strftime("%d-%m-%Y")


def age_on(birth_date: date, day: date) -> int:
    """Completed years on ``day``. Someone born on 29 February turns a year older on 1 March in
    a common year."""
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def is_inside_on(inmate: Inmate, day: date) -> bool:
    """Inside on ``day`` (rules.custody.inside_on)."""
    return custody.inside_on(admitted=inmate.admitted, left_on=inmate.left_on, day=day)


def keluar_reason(inmate: Inmate, election: Election) -> str:
    """Why the inmate is not inside on polling day ('' when they are)."""
    polling = election.polling_date
    if inmate.left_on is not None:
        kind = LEFT_KIND_LABELS.get(inmate.left_kind.strip().lower(), inmate.left_kind.strip())
        return f"keluar {_dmy(inmate.left_on)}" + (f" ({kind})" if kind else "")
    if inmate.expected_release is not None and inmate.expected_release <= polling:
        when = "pada" if inmate.expected_release == polling else "sebelum"
        return (
            f"dijadwalkan bebas {_dmy(inmate.expected_release)}, {when} hari pemungutan suara"
            f" {_dmy(polling)}"
        )
    if inmate.admitted > polling:
        return f"masuk {_dmy(inmate.admitted)}, setelah hari pemungutan suara {_dmy(polling)}"
    return ""


def tms_reasons(inmate: Inmate, election: Election) -> tuple[str, ...]:
    """Keys of ``TMS_REASONS`` that apply, in table order."""
    found = set()
    if inmate.dead or inmate.left_kind.strip().lower() == "meninggal":
        found.add("meninggal")
    married = inmate.marital.strip().upper()[:1] in ("S", "P")
    if age_on(inmate.birth_date, election.polling_date) < VOTING_AGE and not married:
        found.add("di_bawah_umur")
    if inmate.tni_polri:
        found.add("tni_polri")
    if inmate.vote_revoked:
        found.add("hak_pilih_dicabut")
    if inmate.citizenship.strip().upper() == "WNA":
        found.add("wna")
    return tuple(key for key in TMS_REASONS if key in found)


def _tms_text(keys: Sequence[str]) -> str:
    parts = []
    for key in keys:
        code, label = TMS_REASONS[key]
        parts.append(f"{label} (kode {code})" if code else label)
    return "; ".join(parts)


def _code(raw: object) -> str:
    return wilayah.normalize_code(raw) if raw else ""


def _depth(code: str) -> int:
    return code.count(".") + 1 if code else 0


def kab_race_code(region: str) -> str:
    """'WALKOT' for a kota (Kemendagri 71-99), else 'BUP'."""
    regency = wilayah.regency_of(region)
    return "WALKOT" if regency and int(regency[-2:]) >= 71 else "BUP"


def _race_set(races) -> set[str]:
    """Race codes, upper case; a comma-separated string ("GUB,BUP") is accepted too."""
    if isinstance(races, str):
        races = races.split(",")
    return {str(r).strip().upper() for r in races or () if r and str(r).strip()}


def pilkada_races(election: Election) -> tuple[tuple[str, str], ...]:
    """(ballot code, area code) of each race held, in ballot order: GUB on the province, then
    BUP/WALKOT on the kabupaten/kota. 'BUP' and 'WALKOT' in ``races`` both mean the kab/kota race;
    its code follows the region."""
    region = _code(election.region)
    given = _race_set(election.races)
    if not given:
        given = {"GUB", "BUP"}
    races = []
    province = wilayah.province_of(region)
    regency = wilayah.regency_of(region)
    if province and given & {"GUB", "GUBERNUR"}:
        races.append(("GUB", province))
    if regency and given & {"BUP", "BUPATI", "WALKOT", "WALIKOTA", "KAB", "KABKO"}:
        races.append((kab_race_code(regency), regency))
    return tuple(races)


def dapil_of(code: str, table: Mapping[str, str]) -> str | None:
    """The dapil of a place: that of its most specific listed code (itself or an ancestor)."""
    parts = _code(code).split(".")
    normalized = {_code(k): v for k, v in table.items()}
    for size in range(len(parts), 0, -1):
        found = normalized.get(".".join(parts[:size]))
        if found:
            return found
    return None


@dataclass(frozen=True, slots=True)
class Entitlement:
    ballots: tuple[str, ...]
    outside: bool  # Pilkada: the address lies outside every race (LUAR_WILAYAH)
    notes: tuple[str, ...]


def entitlement(address_region: str, election: Election) -> Entitlement:
    """Ballots for a KTP-el address (DOMAIN.md §3.3).

    Choice: with no address code the person is never LUAR_WILAYAH; a Pilkada then gives no
    ballot and a Pemilu only PPWP, and a note asks for the KTP-el address.
    """
    address = _code(address_region)
    if election.kind.strip().lower() == "pemilu":
        return _pemilu_entitlement(address, election)
    return _pilkada_entitlement(address, election)


def _pilkada_entitlement(address: str, election: Election) -> Entitlement:
    races = pilkada_races(election)
    if not address:
        return Entitlement(
            (), False, ("kode wilayah KTP-el kosong: surat suara belum dapat ditentukan",)
        )
    ballots = []
    undecided = []
    for code, area in races:
        if wilayah.contains(area, address):
            ballots.append(code)
        elif _depth(address) < _depth(area) and wilayah.contains(address, area):
            undecided.append(code)  # e.g. only the province is known for a Bupati race
    notes = ()
    if undecided:
        notes = (
            f"kode wilayah KTP-el {address} kurang rinci untuk surat suara {', '.join(undecided)}",
        )
    return Entitlement(tuple(ballots), not ballots and not undecided, notes)


def _pemilu_entitlement(address: str, election: Election) -> Entitlement:
    held = _race_set(election.races) or set(PEMILU_BALLOTS)
    held &= set(PEMILU_BALLOTS)
    tps_region = _code(election.region)
    notes = []
    ballots = {"PPWP"} if "PPWP" in held else set()
    if not address:
        notes.append("kode wilayah KTP-el kosong: hanya PPWP, surat suara lain belum ditentukan")
        return Entitlement(tuple(b for b in PEMILU_BALLOTS if b in ballots), False, tuple(notes))
    if "DPD" in held and wilayah.province_of(address) == wilayah.province_of(tps_region):
        ballots.add("DPD")
    tables = {str(k).strip().upper(): v for k, v in (election.dapil or {}).items()}
    for contest in DAPIL_CONTESTS:
        if contest not in held:
            continue
        table = tables.get(contest)
        if not table:
            notes.append(f"tabel dapil {contest} belum ada: surat suara {contest} tidak diberikan")
            continue
        home = dapil_of(address, table)
        here = dapil_of(tps_region, table)
        if home and here and home == here:
            ballots.add(contest)
        elif not here:
            notes.append(f"wilayah TPS tidak ada di tabel dapil {contest}")
        elif not home:
            notes.append(f"alamat KTP-el {address} tidak ada di tabel dapil {contest}")
    return Entitlement(tuple(b for b in PEMILU_BALLOTS if b in ballots), False, tuple(notes))


def deadline_note(election: Election, today: date, *, home: str = "", inmate=None) -> str:
    """What is still possible for a pindah memilih (DPTb) proposal on ``today``. Tahanan and
    narapidana use the special H-7 deadline (DOMAIN.md §3.2); H-30 is the general one."""
    who = "tahanan/terpidana"
    if inmate is not None and inmate.register_class:
        who = "tahanan" if custody.is_tahanan(inmate.register_class) else "terpidana"
    h7 = election.deadline_detainee
    h30 = election.deadline_general
    polling = election.polling_date
    where = f" ({home})" if home else ""
    if today > polling:
        return f"hari pemungutan suara ({_dmy(polling)}) sudah lewat"
    if today > h7:
        return (
            f"batas pindah memilih H-7 ({_dmy(h7)}) sudah lewat: ajukan sebagai DPK bila KTP-el "
            f"beralamat di wilayah TPS ini, atau laporkan ke KPU; terdaftar di DPT asal{where}"
        )
    if today == h7:
        return (
            f"hari ini batas terakhir pindah memilih H-7 ({_dmy(h7)}) untuk {who}: ajukan hari ini"
        )
    days = (h7 - today).days
    if today > h30:
        return (
            f"batas umum H-30 ({_dmy(h30)}) sudah lewat, tetapi {who} masih dapat pindah memilih"
            f" sampai H-7 ({_dmy(h7)}), {days} hari lagi"
        )
    return (
        f"ajukan pindah memilih sebelum H-7 ({_dmy(h7)}, {days} hari lagi); batas umum H-30"
        f" ({_dmy(h30)}) belum lewat"
    )


# --------------------------------------------------------------------------------------------
# Pairing list entries with inmates
# --------------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Pair:
    inmate_id: int | None = None
    match: Match | None = None
    candidates: tuple[int, ...] = ()  # tie between several probable inmates


def _agreeing(inmate: Inmate, other, *, nik_relation: str, score: float, threshold: float):
    fields = []
    if nik_relation == "equal":
        fields.append("nik")
    elif nik_relation == "visible":
        fields.append("nik_terlihat")
    if score >= threshold:
        fields.append("nama")
    if inmate.birth_date == other.birth_date:
        fields.append("tanggal_lahir")
    if inmate.sex and other.sex and inmate.sex.strip().upper() == other.sex.strip().upper():
        fields.append("jenis_kelamin")
    return tuple(fields)


def _nik_relation(inmate: Inmate, other_nik: str) -> str:
    """'equal', 'visible' (a masked side agrees on its visible digits) or ''."""
    own = _clean_nik(inmate.nik)
    if inmate.nik_status == "valid" and nik_rules.is_full(other_nik) and own == other_nik:
        return "equal"
    if nik_rules.is_full(own) and nik_rules.is_masked(other_nik):
        return "visible" if nik_rules.masked_matches(other_nik, own) else ""
    if nik_rules.is_full(other_nik) and nik_rules.is_masked(own):
        return "visible" if nik_rules.masked_matches(own, other_nik) else ""
    return ""


def _preferred(inmates: Sequence[Inmate], today: date) -> Inmate:
    """Of several records of one NIK (re-admissions), the one inside today, else the latest."""
    return max(inmates, key=lambda i: (is_inside_on(i, today), i.admitted, i.id))


class _Matcher:
    def __init__(self, inmates: Sequence[Inmate], decisions: Sequence[Decision], today: date):
        self.today = today
        self.inmates = {inmate.id: inmate for inmate in inmates}
        self.forms = {i.id: name_forms(i.nama, i.aliases) for i in inmates}
        self.by_nik: dict[str, list[Inmate]] = defaultdict(list)
        self.by_date: dict[date, list[Inmate]] = defaultdict(list)
        for inmate in inmates:
            text = _clean_nik(inmate.nik)
            if inmate.nik_status == "valid" and nik_rules.is_full(text):
                self.by_nik[text].append(inmate)
            self.by_date[inmate.birth_date].append(inmate)
        # The last verdict on a pair wins; an entry's accepted inmate is its latest accept.
        self.verdicts: dict[tuple[int, int | None], str] = {}
        latest_accept: dict[int, int] = {}
        for decision in decisions:
            verdict = decision.verdict.strip().lower()
            verdict = {"terima": "accept", "tolak": "reject"}.get(verdict, verdict)
            self.verdicts[(decision.inmate_id, decision.entry_id)] = verdict
            if verdict == "accept" and decision.entry_id is not None:
                latest_accept[decision.entry_id] = decision.inmate_id
        self.accepted = {
            entry_id: inmate_id
            for entry_id, inmate_id in latest_accept.items()
            if self.verdicts.get((inmate_id, entry_id)) == "accept" and inmate_id in self.inmates
        }

    def pair(self, entry: ListEntry) -> _Pair:
        text = _clean_nik(entry.nik)
        entry_forms = name_forms(entry.nama)
        accepted = self.accepted.get(entry.id)
        if accepted is not None:
            inmate = self.inmates[accepted]
            return _Pair(accepted, self._match(inmate, entry, "decision", text, entry_forms))
        if nik_rules.is_full(text) and text in self.by_nik:
            inmate = _preferred(self.by_nik[text], self.today)
            return _Pair(inmate.id, self._match(inmate, entry, "nik", text, entry_forms))
        found = []
        for inmate in self.by_date.get(entry.birth_date, ()):
            if self.verdicts.get((inmate.id, entry.id)) == "reject":
                continue
            score = _forms_similarity(self.forms[inmate.id], entry_forms)
            if score < PROBABLE_THRESHOLD:
                continue
            relation = _nik_relation(inmate, text)
            found.append(((relation == "visible", round(score, 6)), inmate, relation, score))
        if not found:
            return _Pair()
        found.sort(key=lambda f: f[0], reverse=True)
        if len(found) > 1 and found[0][0] == found[1][0]:
            tied = tuple(f[1].id for f in found if f[0] == found[0][0])
            best = found[0]
            match = Match(
                layer="probable",
                score=best[3],
                fields=("nama", "tanggal_lahir"),
                entry_id=entry.id,
            )
            return _Pair(None, match, tied)
        _, inmate, relation, score = found[0]
        layer = "masked_nik" if relation == "visible" else "probable"
        fields = _agreeing(
            inmate, entry, nik_relation=relation, score=score, threshold=PROBABLE_THRESHOLD
        )
        return _Pair(
            inmate.id,
            Match(layer=layer, score=score, fields=fields, inmate_id=inmate.id, entry_id=entry.id),
        )

    def _match(self, inmate, entry, layer, text, entry_forms) -> Match:
        score = _forms_similarity(self.forms[inmate.id], entry_forms)
        relation = _nik_relation(inmate, text)
        fields = _agreeing(
            inmate, entry, nik_relation=relation, score=score, threshold=PROBABLE_THRESHOLD
        )
        return Match(
            layer=layer,
            score=1.0 if layer == "nik" else score,
            fields=fields,
            inmate_id=inmate.id,
            entry_id=entry.id,
        )


# --------------------------------------------------------------------------------------------
# Classification
# --------------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Group:
    inmate: Inmate | None
    members: list[tuple[ListEntry, Match | None]] = field(default_factory=list)
    candidates: tuple[int, ...] = ()


def _entry_order(entry: ListEntry):
    kind = entry.kind.strip().upper()
    return (list_rank(kind), entry.tps, entry.id)


def _where(entry: ListEntry) -> str:
    return f"{entry.kind.strip().upper()} TPS {entry.tps}".strip()


def _listed_text(members) -> str:
    return ", ".join(_where(entry) for entry, _ in members)


def _has_confirmed_duplicate(group: _Group) -> bool:
    """The same person twice: two entries confirmed to the inmate, or two with one full NIK."""
    confirmed = [e for e, m in group.members if m is not None and m.confirmed]
    if len(confirmed) > 1:
        return True
    seen = set()
    for entry, _ in group.members:
        text = _clean_nik(entry.nik)
        if nik_rules.is_full(text):
            if text in seen:
                return True
            seen.add(text)
    return False


def _unconfirmed(group: _Group) -> list[Match]:
    return [m for _, m in group.members if m is not None and not m.confirmed]


def _match_text(match: Match) -> str:
    what = {
        "masked_nik": "NIK tersamar, angka yang terlihat sama",
        "probable": "NIK berbeda atau kosong",
    }.get(match.layer, match.layer)
    return f"kecocokan belum pasti: nama ({match.score:.2f}) dan tanggal lahir sama, {what}"


class _Classifier:
    def __init__(self, election: Election, today: date, reference, matcher: _Matcher):
        self.election = election
        self.today = today
        self.reference = reference
        self.matcher = matcher
        self._rights: dict[str, Entitlement] = {}

    def entitlement(self, address: str) -> Entitlement:
        key = _code(address)
        if key not in self._rights:
            self._rights[key] = entitlement(key, self.election)
        return self._rights[key]

    def area_text(self) -> str:
        return ", ".join(f"{code} {area}" for code, area in pilkada_races(self.election))

    def early(self, group: _Group) -> Result | None:
        """The result when a category before the reference DPT lookup applies, else None."""
        inmate = group.inmate
        members = sorted(group.members, key=lambda m: _entry_order(m[0]))
        group.members = members
        listed = _listed_text(members)
        doubt = _unconfirmed(group)
        doubt_note = [_match_text(doubt[0])] if doubt else []

        if inmate is None:
            if group.candidates:
                registers = ", ".join(
                    self.matcher.inmates[c].no_registrasi or str(c) for c in group.candidates
                )
                return self._result(
                    PERLU_PERIKSA,
                    group,
                    [
                        f"{listed}: mirip lebih dari satu warga binaan ({registers}) menurut nama"
                        " dan tanggal lahir; pilih yang benar"
                    ],
                )
            twice = " (tercatat lebih dari sekali)" if len(members) > 1 else ""
            return self._result(
                TIDAK_DIKENAL,
                group,
                [f"terdaftar di {listed}{twice}, tidak ada warga binaan yang cocok: beri tahu KPU"],
            )

        told = [f"terdaftar di {listed}: beri tahu KPU"] if members else []
        gone = keluar_reason(inmate, self.election)
        if gone:
            return self._result(KELUAR, group, [gone, *told, *doubt_note])
        reasons = tms_reasons(inmate, self.election)
        if reasons:
            return self._result(
                TMS, group, [f"tidak memenuhi syarat: {_tms_text(reasons)}", *told, *doubt_note]
            )
        rights = self.entitlement(inmate.address_region)
        if rights.outside:
            address = _code(inmate.address_region)
            return self._result(
                LUAR_WILAYAH,
                group,
                [
                    f"alamat KTP-el ({address}) di luar wilayah pemilihan ({self.area_text()}):"
                    " tidak mendapat surat suara",
                    *told,
                    *doubt_note,
                ],
            )
        notes = list(rights.notes)
        if _has_confirmed_duplicate(group):
            return self._result(
                GANDA,
                group,
                [f"tercatat {len(members)} kali: {listed}; minta KPU mencoret yang lebih", *notes],
                rights.ballots,
            )
        if doubt:
            return self._result(
                PERLU_PERIKSA,
                group,
                [f"{listed}: {_match_text(doubt[0])}; perlu keputusan petugas", *notes],
                rights.ballots,
            )
        if members:
            how = "NIK" if all(m.layer == "nik" for _, m in members) else "keputusan petugas"
            extra = []
            if any("nama" not in m.fields for _, m in members):
                extra.append("nama pada daftar berbeda: periksa")
            if any("tanggal_lahir" not in m.fields for _, m in members):
                extra.append("tanggal lahir pada daftar berbeda: periksa")
            return self._result(
                TERDAFTAR,
                group,
                [f"terdaftar di {listed} (cocok {how})", *extra, *notes],
                rights.ballots,
            )
        if inmate.nik_status != "valid":
            word = {"blank": "kosong", "masked": "tersamar"}.get(inmate.nik_status, "tidak valid")
            return self._result(
                PEREKAMAN,
                group,
                [f"NIK {word}: perlu perekaman/verifikasi KTP-el oleh Dukcapil", *notes],
                rights.ballots,
            )
        return None

    def late(self, group: _Group) -> Result:
        """USUL_DPTB or BELUM_TERDAFTAR, from the reference DPT."""
        inmate = group.inmate
        verdict = self.matcher.verdicts.get((inmate.id, None))
        found = self._reference_match(inmate, verdict)
        address = inmate.address_region
        derived = []
        if not _code(address) and found is not None and _code(found.ref.region):
            address = found.ref.region
            derived = ["kode wilayah diambil dari DPT rujukan"]
        rights = self.entitlement(address)
        if rights.outside:
            return self._result(
                LUAR_WILAYAH,
                group,
                [
                    f"alamat menurut DPT rujukan ({_code(address)}) di luar wilayah pemilihan"
                    f" ({self.area_text()})"
                ],
                ref_match=found,
            )
        notes = derived + list(rights.notes)
        if found is not None and (found.layer != "probable" or verdict == "accept"):
            if found.layer == "probable":
                found = replace(found, layer="decision")
            home = _home_text(found.ref)
            how = {"nik": "NIK", "masked_nik": "NIK tersamar, nama dan tanggal lahir"}.get(
                found.layer, "keputusan petugas"
            )
            return self._result(
                USUL_DPTB,
                group,
                [f"terdaftar di DPT {home} (cocok {how}): usulkan pindah memilih ke TPS ini"]
                + notes,
                rights.ballots,
                ref_match=found,
                deadline=deadline_note(self.election, self.today, home=home, inmate=inmate),
            )
        base = (
            "tidak ditemukan di DPT rujukan: hanya dapat memilih sebagai DPK di TPS alamat KTP-el"
        )
        hint = []
        if found is not None:
            hint = [
                f"mungkin terdaftar dengan NIK lain di DPT {_home_text(found.ref)} (nama"
                f" {found.score:.2f}, tanggal lahir sama): periksa"
            ]
        elif self.reference is None or _empty(self.reference):
            hint = ["DPT rujukan belum dimuat"]
        return self._result(
            BELUM_TERDAFTAR,
            group,
            [f"{base}; koordinasikan dengan KPU", *hint, *notes],
            rights.ballots,
            ref_match=found,
        )

    def _reference_match(self, inmate: Inmate, verdict: str | None) -> Match | None:
        if self.reference is None:
            return None
        text = _clean_nik(inmate.nik)
        for ref in self.reference.by_nik(text):
            if _clean_nik(ref.nik) == text:
                score = _forms_similarity(self.matcher.forms[inmate.id], name_forms(ref.nama))
                fields = _agreeing(
                    inmate, ref, nik_relation="equal", score=score, threshold=REFERENCE_THRESHOLD
                )
                return Match(layer="nik", score=1.0, fields=fields, inmate_id=inmate.id, ref=ref)
        if verdict == "reject":
            return None
        forms = self.matcher.forms[inmate.id]
        best = None
        for ref in self.reference.by_visible(text, inmate.birth_date):
            ref_nik = _clean_nik(ref.nik)
            if ref.birth_date != inmate.birth_date or not nik_rules.masked_matches(ref_nik, text):
                continue
            if _sex_conflict(inmate.sex, ref.sex):
                continue
            score = _forms_similarity(forms, name_forms(ref.nama))
            if score >= REFERENCE_THRESHOLD and (best is None or score > best[0]):
                best = (score, ref, "visible")
        if best is None:
            for ref in self.reference.by_birth_date(inmate.birth_date):
                if ref.birth_date != inmate.birth_date or _sex_conflict(inmate.sex, ref.sex):
                    continue
                score = _forms_similarity(forms, name_forms(ref.nama))
                if score >= REFERENCE_THRESHOLD and (best is None or score > best[0]):
                    best = (score, ref, "")
        if best is None:
            return None
        score, ref, relation = best
        fields = _agreeing(
            inmate, ref, nik_relation=relation, score=score, threshold=REFERENCE_THRESHOLD
        )
        layer = "masked_nik" if relation == "visible" else "probable"
        return Match(layer=layer, score=score, fields=fields, inmate_id=inmate.id, ref=ref)

    def _result(
        self,
        category: str,
        group: _Group,
        reasons: list[str],
        ballots: tuple[str, ...] = (),
        *,
        ref_match: Match | None = None,
        deadline: str = "",
    ) -> Result:
        members = group.members
        matches = tuple(m for _, m in members if m is not None)
        doubt = [m for m in matches if not m.confirmed]
        first = members[0][0] if members else None
        return Result(
            category=category,
            inmate_id=group.inmate.id if group.inmate else None,
            entry_ids=tuple(entry.id for entry, _ in members),
            daftar=first.kind.strip().upper() if first else "",
            tps=first.tps if first else "",
            surat_suara=() if category in NO_BALLOT_CATEGORIES else tuple(ballots),
            alasan="; ".join(r for r in reasons if r),
            match=(doubt[0] if doubt else matches[0]) if matches else None,
            matches=matches,
            ref_match=ref_match,
            deadline_note=deadline,
            candidates=group.candidates,
        )


def _home_text(ref: RefEntry) -> str:
    parts = [f"TPS {ref.tps}" if ref.tps else ""]
    if ref.kelurahan:
        parts.append(f"Kel. {ref.kelurahan}")
    if ref.kecamatan:
        parts.append(f"Kec. {ref.kecamatan}")
    return " ".join(p for p in parts if p) or "lain"


def _sex_conflict(a: str, b: str) -> bool:
    a, b = (a or "").strip().upper()[:1], (b or "").strip().upper()[:1]
    return bool(a and b and a != b)


def _empty(reference) -> bool:
    try:
        return len(reference) == 0
    except TypeError:
        return False


def classify(
    *,
    inmates: Iterable[Inmate],
    entries: Iterable[ListEntry],
    reference: ReferenceIndex | None,
    election: Election,
    today: date,
    decisions: Iterable[Decision] = (),
) -> list[Result]:
    """One Result per inmate inside on ``today`` and per list entry; a person in both is one
    Result. ``inmates`` may include people who already left: they only appear when an entry
    matches them (then KELUAR). Results come in roster order, then entries with no inmate.

    Choices where the contract is silent:
    - Only equal full NIK or an accepted Decision confirms a pair; a rejected Decision removes a
      probable pair but never an equal-NIK one (the NIK is the identity).
    - An entry with several equally good probable inmates is one PERLU_PERIKSA row with no
      inmate and ``candidates``; those inmates keep their own rows.
    - KELUAR, TMS and LUAR_WILAYAH apply through a probable pair too (both readings lead to
      telling the KPU); GANDA needs a confirmed duplicate, otherwise the row is PERLU_PERIKSA.
    - GANDA counts the facility's lists passed in, across its TPSs.
    """
    inmates = list(inmates)
    entries = list(entries)
    matcher = _Matcher(inmates, list(decisions), today)

    groups: dict[tuple, _Group] = {}
    paired_niks: dict[str, tuple] = {}
    unpaired: list[tuple[ListEntry, _Pair]] = []
    for entry in entries:
        pair = matcher.pair(entry)
        if pair.inmate_id is None:
            unpaired.append((entry, pair))
            continue
        key = ("inmate", pair.inmate_id)
        group = groups.setdefault(key, _Group(matcher.inmates[pair.inmate_id]))
        group.members.append((entry, pair.match))
        text = _clean_nik(entry.nik)
        if nik_rules.is_full(text):
            paired_niks.setdefault(text, key)
    entry_groups: dict[tuple, _Group] = {}
    for entry, pair in unpaired:
        text = _clean_nik(entry.nik)
        if nik_rules.is_full(text) and text in paired_niks:
            # Same NIK as an entry paired with an inmate: the same person, matched as that one.
            group = groups[paired_niks[text]]
            sibling = next(m for e, m in group.members if _clean_nik(e.nik) == text)
            group.members.append((entry, replace(sibling, entry_id=entry.id)))
            continue
        key = ("nik", text) if nik_rules.is_full(text) else ("entry", entry.id)
        group = entry_groups.setdefault(key, _Group(None))
        group.members.append((entry, pair.match if pair.candidates else None))
        if pair.candidates:
            group.candidates = tuple(dict.fromkeys(group.candidates + pair.candidates))

    ordered: list[_Group] = []
    seen: set[int] = set()
    for inmate in inmates:
        if inmate.id in seen:
            continue
        seen.add(inmate.id)
        group = groups.get(("inmate", inmate.id))
        if group is None and is_inside_on(inmate, today):
            group = _Group(inmate)
        if group is not None:
            ordered.append(group)
    ordered.extend(entry_groups.values())

    classifier = _Classifier(election, today, reference, matcher)
    results: list[Result | None] = [classifier.early(group) for group in ordered]
    pending = [i for i, result in enumerate(results) if result is None]
    prefetch = getattr(reference, "prefetch", None)
    if pending and callable(prefetch):
        prefetch(
            niks=sorted({_clean_nik(ordered[i].inmate.nik) for i in pending}),
            birth_dates=sorted({ordered[i].inmate.birth_date for i in pending}),
        )
    for i in pending:
        results[i] = classifier.late(ordered[i])
    return [result for result in results if result is not None]


def count_by_category(results: Iterable[Result]) -> dict[str, int]:
    """{category: count} for every category, in the order of precedence."""
    counts = dict.fromkeys(CATEGORIES, 0)
    for result in results:
        counts[result.category] = counts.get(result.category, 0) + 1
    return counts


def changes(previous: Iterable[Result], current: Iterable[Result]) -> Changes:
    """What changed between two runs, keyed by inmate id and entry id.

    An arrival is a current row none of whose people or entries was in the previous run; a
    departure the reverse; a change is a pair of rows sharing an inmate or an entry whose
    category differs (a merge or a split gives one change per row involved).
    """
    previous = list(previous)
    current = list(current)
    before = {key: result for result in previous for key in result.keys}
    after = {key: result for result in current for key in result.keys}
    arrivals = tuple(r for r in current if not any(k in before for k in r.keys))
    departures = tuple(r for r in previous if not any(k in after for k in r.keys))
    changed = []
    seen = set()
    for result in current:
        for key in result.keys:
            old = before.get(key)
            if old is None or old.category == result.category:
                continue
            pair = (id(old), id(result))
            if pair in seen:
                continue
            seen.add(pair)
            changed.append(Change(key, old, result))
    return Changes(arrivals, departures, tuple(changed))
