"""Domain models, split by sub-domain."""

from .audit import AuditChainHead, AuditEvent, AuditResult
from .calendar import CalendarOverride, CalendarYear
from .organisations import Major, MajorOccupation, MajorRelation, Membership, Organisation, OrganisationKind
from .reference import AssessmentPart, District, EnterpriseGrade, Level, Occupation, OccupationLevel, WorkType

__all__ = [
    "AssessmentPart",
    "AuditChainHead",
    "AuditEvent",
    "AuditResult",
    "CalendarOverride",
    "CalendarYear",
    "District",
    "EnterpriseGrade",
    "Level",
    "Major",
    "MajorOccupation",
    "MajorRelation",
    "Membership",
    "Occupation",
    "OccupationLevel",
    "Organisation",
    "OrganisationKind",
    "WorkType",
]
