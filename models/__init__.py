"""SQLModel tables, one module per aggregate. Importing this package registers every table."""

from models.audit import AuditEntry
from models.base import UTCDateTime, utcnow
from models.community import Building, Community, Grid
from models.people import Household, Person
from models.roles import Invitation, InvitationUse, RoleGrant
from models.system import FsmRecord, ProcessedUpdate

__all__ = [
    "AuditEntry",
    "Building",
    "Community",
    "FsmRecord",
    "Grid",
    "Household",
    "Invitation",
    "InvitationUse",
    "Person",
    "ProcessedUpdate",
    "RoleGrant",
    "UTCDateTime",
    "utcnow",
]
