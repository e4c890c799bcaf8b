from .audit import AuditEvent
from .core import TPS, Election, Facility, User
from .imports import ImportBatch
from .jobs import Job

__all__ = ["TPS", "AuditEvent", "Election", "Facility", "ImportBatch", "Job", "User"]
