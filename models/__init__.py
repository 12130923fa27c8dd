"""SQLModel tables, one module per aggregate. Importing this package registers every table."""

from models.audit import AuditEntry
from models.base import UTCDateTime, utcnow
from models.cases import Case, CaseAlert, CaseEvent, CaseFollower
from models.community import Building, Community, Grid
from models.contacts import Contact
from models.delivery import DueWork, OutboxFile, OutboxMessage, RunnerLease
from models.glance import ExportJob, GlanceDay
from models.health import HealthReport, Monitoring
from models.notices import GroupChat, Notice, NoticeDelivery, NoticeSend
from models.people import Household, Person
from models.roles import Invitation, InvitationUse, RoleGrant
from models.rumours import RumourEntry, RumourQuestion, RumourReply, RumourSubscriber, RumourWatch
from models.support import CrisisAlert, HelperCheckOff, Screening, SelfHelpText, SupportRequest
from models.surveys import Survey, SurveyFollowup, SurveyQuestion, SurveyResponse
from models.system import ButtonUse, FsmRecord, ProcessedUpdate
from models.tasks import StockItem, SupplyRequest, Task, TaskOffer, VolunteerProfile
from models.volunteering import BuildingLeader, VolunteerApplication, VolunteerRecord
from models.vulnerable import VulnerableEntry

__all__ = [
    "AuditEntry",
    "Building",
    "BuildingLeader",
    "ButtonUse",
    "Case",
    "CaseAlert",
    "CaseEvent",
    "CaseFollower",
    "Community",
    "Contact",
    "CrisisAlert",
    "DueWork",
    "ExportJob",
    "FsmRecord",
    "GlanceDay",
    "Grid",
    "GroupChat",
    "HealthReport",
    "HelperCheckOff",
    "Household",
    "Invitation",
    "InvitationUse",
    "Monitoring",
    "Notice",
    "NoticeDelivery",
    "NoticeSend",
    "OutboxFile",
    "OutboxMessage",
    "Person",
    "ProcessedUpdate",
    "RoleGrant",
    "RumourEntry",
    "RumourQuestion",
    "RumourReply",
    "RumourSubscriber",
    "RumourWatch",
    "RunnerLease",
    "Screening",
    "SelfHelpText",
    "StockItem",
    "SupplyRequest",
    "SupportRequest",
    "Survey",
    "SurveyFollowup",
    "SurveyQuestion",
    "SurveyResponse",
    "Task",
    "TaskOffer",
    "UTCDateTime",
    "VolunteerApplication",
    "VolunteerProfile",
    "VolunteerRecord",
    "VulnerableEntry",
    "utcnow",
]
