"""The app's models, for Django (it loads ``voters.models``): each lives in its subject's folder."""

from voters.core.models import TPS, AuditEvent, Election, Facility, ImportBatch, Job, User
from voters.inmates.models import (
    NIK_TRANSITIONS,
    CustodyEvent,
    DukcapilRequest,
    Inmate,
    NikStatus,
    NikTransition,
    StaffMember,
    TMSReason,
)
from voters.letters.models import (
    KskVisit,
    KskVoter,
    LetterBatch,
    LetterDelivery,
    NoticeTemplate,
    PollingCheckIn,
)
from voters.lists.models import (
    DapilEntry,
    ListEntry,
    ListKind,
    NikFormat,
    ReferenceDPT,
    ReferenceEntry,
    VoterList,
)
from voters.reconciliation.models import (
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
    "StaffMember",
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
    "KskVisit",
    "KskVoter",
]
