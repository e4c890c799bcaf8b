"""The KPU's lists of one TPS: their order and how they are written (DOMAIN.md §2)."""

from collections.abc import Sequence

LIST_ORDER = ("DPT", "DPTB", "DPK")
LIST_LABELS = {"DPT": "DPT", "DPTB": "DPTb", "DPK": "DPK"}
UNKNOWN_RANK = 9


def list_rank(kind: str) -> int:
    """Where a list comes among a TPS's lists (DPT, then DPTb, then DPK; anything else last)."""
    return LIST_ORDER.index(kind) if kind in LIST_ORDER else UNKNOWN_RANK


def over_capacity(capacity: int, voters: int) -> int:
    """How many voters a TPS would hold beyond its capacity (300 Pemilu, 600 Pilkada: DOMAIN.md
    §4); 0 when they fit."""
    return max(0, voters - capacity)


def fill_tps(tps: Sequence[tuple[str, int, int]], proposed: int) -> list[str]:
    """The TPS of each of ``proposed`` voters put forward for a facility's TPSs, in their order:
    ``tps`` is (number, capacity, voters already on its lists) in the order to fill, and each TPS
    takes voters until it is full (``over_capacity``) before the next one does. Shorter than
    ``proposed`` when the TPSs have no room for the rest."""
    numbers: list[str] = []
    for number, capacity, listed in tps:
        left = proposed - len(numbers)
        numbers += [number] * max(0, left - over_capacity(capacity, listed + left))
    return numbers


# The Dukcapil answers that say a person has, or has not, recorded a KTP-el (inmates.NikStatus).
KTP_EL_RECORDED = frozenset({"verified", "recorded", "biometric_match"})
KTP_EL_NOT_RECORDED = frozenset(
    {"not_found", "not_recorded", "recording_scheduled", "biometric_no_match"}
)


def model_a_mark(*, listed: bool, data_agrees: bool, duplicate_code: str = "") -> str:
    """KETERANGAN of Formulir Model A-Daftar Pemilih (DOMAIN.md §2.1, §5.2), in the KPU's own
    marks: a duplicate gets its TMS code ("TMS 2"), a voter already on the TPS's lists "✓" when
    the list's data agrees with the roster and "U" (changed) when not, anyone else "B" (new)."""
    if duplicate_code:
        return f"TMS {duplicate_code}"
    if listed:
        return "✓" if data_agrees else "U"
    return "B"


def ktp_el_status(dukcapil: str) -> str:
    """STATUS KTP-EL: "S" (has one) or "B" (has none) as Dukcapil answered; blank while no answer
    says either (a NIK's format proves nothing about the card)."""
    if dukcapil in KTP_EL_RECORDED:
        return "S"
    if dukcapil in KTP_EL_NOT_RECORDED:
        return "B"
    return ""
