from .audit import AuditEvent
from .core import TPS, Election, Facility, User
from .imports import ImportBatch
from .inmates import (
    NIK_TRANSITIONS,
    NIK_USABLE,
    CustodyEvent,
    DukcapilRequest,
    Inmate,
    NikStatus,
    NikTransition,
    TMSReason,
)
from .jobs import Job

__all__ = [
    "NIK_TRANSITIONS",
    "NIK_USABLE",
    "TPS",
    "AuditEvent",
    "CustodyEvent",
    "DukcapilRequest",
    "Election",
    "Facility",
    "ImportBatch",
    "Inmate",
    "Job",
    "NikStatus",
    "NikTransition",
    "TMSReason",
    "User",
]
