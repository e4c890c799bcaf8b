from .audit import AuditEvent
from .core import TPS, Election, Facility, User
from .imports import ImportBatch
from .inmates import (
    NIK_TRANSITIONS,
    CustodyEvent,
    DukcapilRequest,
    Inmate,
    NikStatus,
    NikTransition,
    TMSReason,
)
from .jobs import Job
from .letters import LetterBatch, LetterDelivery, NoticeTemplate, PollingCheckIn
from .lists import (
    DapilEntry,
    ListEntry,
    ListKind,
    NikFormat,
    ReferenceDPT,
    ReferenceEntry,
    VoterList,
)
from .reconciliation import (
    CATEGORY_ACTIONS,
    Category,
    ReconciliationItem,
    ReconciliationRun,
    ReviewDecision,
)

__all__ = [
    "CATEGORY_ACTIONS",
    "Category",
    "ReconciliationItem",
    "ReconciliationRun",
    "ReviewDecision",
    "NIK_TRANSITIONS",
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
    "DapilEntry",
    "ListEntry",
    "ListKind",
    "NikFormat",
    "ReferenceDPT",
    "ReferenceEntry",
    "VoterList",
    "LetterBatch",
    "LetterDelivery",
    "NoticeTemplate",
    "PollingCheckIn",
]
