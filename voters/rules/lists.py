"""The KPU's lists of one TPS: their order and how they are written (DOMAIN.md §2)."""

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
