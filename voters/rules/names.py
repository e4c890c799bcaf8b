"""Indonesian names: normalisation, name forms and similarity (DOMAIN.md §1).

``normalize_name``, ``name_tokens`` and ``name_forms`` read a name as the lists do and as the
roster does (titles, degrees, bin/binti, Muhammad variants, old spellings, word order, mononyms,
"alias" parts); ``name_similarity`` and ``token_similarity`` say how alike two names are. Word
distances come from rapidfuzz (optimal string alignment), which gives the results of the
hand-written algorithm it replaced (tests/voters/test_names.py, bench/bench_names.py).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache

from rapidfuzz.distance import OSA

# Two words count as the same from this similarity on (1 - edit distance / longer length; below
# it they score 0): one typo in a word of 5+ letters passes, "SUDIRTA" ~ "SUDARMA" does not.
TOKEN_THRESHOLD = 0.8
# A single letter against a word with that initial ("B" ~ "BUDI").
INITIAL_SCORE = 0.8
# Weight of very common given-name words (Muhammad, Siti, Balinese birth-order names ...) and of
# initials in the coverage: sharing only "MUHAMMAD" says little.
COMMON_TOKEN_WEIGHT = 0.5

# The token tuples of a name: the main name first, then its aliases (``name_forms``).
NameForms = tuple[tuple[str, ...], ...]
# Extra spelling variants for ``name_tokens``: a mapping or (variant, canonical) pairs.
SpellingVariants = Mapping[str, str] | Iterable[tuple[str, str]]


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


def _variant_table(aliases: SpellingVariants) -> dict[str, str]:
    if not aliases:
        return {}
    items = aliases.items() if isinstance(aliases, Mapping) else aliases
    return {_ascii_upper(k).strip(): _ascii_upper(v).strip() for k, v in items}


@lru_cache(maxsize=200_000)
def _name_forms_cached(name: str, variants: tuple[tuple[str, str], ...]) -> NameForms:
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


def name_forms(name: str, aliases: Iterable[str] = ()) -> NameForms:
    """Token tuples of the main name, of the parts after "alias"/"als."/"@" or in parentheses,
    and of each extra alias name (``Inmate.aliases``). The first is always the main name."""
    forms = list(_name_forms_cached(str(name or ""), ()))
    for alias in aliases:
        for form in _name_forms_cached(str(alias or ""), ()):
            if form and form not in forms:
                forms.append(form)
    return tuple(forms)


def name_tokens(name: str, aliases: SpellingVariants = ()) -> tuple[str, ...]:
    """The canonical words of the main name: uppercase ASCII, no punctuation, titles and degrees
    dropped, "bin/binti ..." and "alias ..." cut, Muhammad variants as MUHAMMAD, old spellings
    modernised, doubled letters collapsed. ``aliases``: extra spelling variants, a mapping or
    (variant, canonical) pairs, added to ``WORD_VARIANTS``."""
    variants = tuple(sorted(_variant_table(aliases).items()))
    return _name_forms_cached(str(name or ""), variants)[0]


def normalize_name(name: str, aliases: SpellingVariants = ()) -> str:
    """``name_tokens`` joined by single spaces: 'H. ABDUL ROCHIM, S.H.' -> 'ABDUL ROKHIM'."""
    return " ".join(name_tokens(name, aliases))


def edit_distance(a: str, b: str) -> int:
    """Optimal-string-alignment distance: insertions, deletions, substitutions and swaps of two
    neighbouring letters each cost 1."""
    return OSA.distance(a, b)


def word_similarity(a: str, b: str) -> float:
    """1 - edit distance / length of the longer word (1.0 for two empty words)."""
    return OSA.normalized_similarity(a, b)


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


def forms_similarity(forms_a: NameForms, forms_b: NameForms) -> float:
    """The best ``token_similarity`` between any form of one name and any form of the other
    (``name_forms``: the main name and its aliases)."""
    return max(
        (token_similarity(x, y) for x in forms_a for y in forms_b if x and y),
        default=0.0,
    )
