"""The one list: every capability with its routers, its due work and its share of a person's data.

The app (`bot/app.py`) takes its routers from here and nothing else; the background runner (`bot/background.py`)
runs the due work of the modules named here; privacy erases and exports through the hooks installed here; the
task engine describes and finishes each kind of task through the hooks installed here; command menus, /help and
🧰 Staff tools list the commands and tools named here.
Adding a capability means its package(s), its routers, its models and migration, and one entry below.

Order matters for routers: the plumbing routers around the list (`PLUMBING_FIRST`, `PLUMBING_LAST`) take group
chats first and commands before any conversation step, and the fallback last; within the list, a capability's
routers are tried in the order given.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import ModuleType

import bot.cases.workflow
import bot.glance.workflow
import bot.monitoring.workflow
import bot.notices.workflow
import bot.rumours.workflow
import bot.supplies.workflow
import bot.support.workflow
import bot.surveys.workflow
import bot.tasks.workflow
import bot.vulnerable.workflow
from bot.access import messages as access_messages
from bot.cases import kinds as case_kinds
from bot.cases import messages as case_messages
from bot.cases import rules as cases_rules
from bot.cases.kinds import CaseKind
from bot.contacts import messages as contact_messages
from bot.feedback import messages as feedback_messages
from bot.feedback import rules as feedback
from bot.glance import messages as glance_messages
from bot.hazards import messages as hazard_messages
from bot.hazards import rules as hazards
from bot.health import messages as health_messages
from bot.health import rules as health
from bot.kernel import errors, personal_data
from bot.kernel import glance as glance_hooks
from bot.kernel.glance import Glance
from bot.kernel.personal_data import PersonalData
from bot.ledger import messages as ledger_messages
from bot.monitoring import messages as monitoring_messages
from bot.monitoring import rules as monitoring
from bot.notices import messages as notices_messages
from bot.notices import rules as notices
from bot.registration import messages as registration_messages
from bot.rumours import messages as rumour_messages
from bot.rumours import rules as rumours_rules
from bot.supplies import messages as supplies_messages
from bot.supplies import rules as supplies
from bot.support import messages as support_messages
from bot.support import rules as support_rules
from bot.surveys import messages as survey_messages
from bot.surveys import rules as surveys_rules
from bot.tasks import kinds
from bot.tasks import messages as tasks_messages
from bot.tasks import rules as dispatch
from bot.tasks.kinds import KindHooks
from bot.telegram import commands
from bot.telegram.commands import CommandEntry, StaffTool
from bot.telegram.routing import RouterTemplate
from bot.volunteering import messages as volunteering_messages
from bot.volunteering import rules as volunteering_rules
from bot.vulnerable import messages as vuln_messages
from bot.vulnerable import rules as vulnerable_rules
from handlers import auditlog as auditlog_router
from handlers import cases as cases_router
from handlers import (
    common,
    fallback,
    groups,
    household,
    invitations,
    menu,
    privacy,
    registration,
    roles,
    structure,
    taskqueue,
    volunteers,
)
from handlers import contacts as contacts_router
from handlers import feedback as feedback_router
from handlers import glance as glance_router
from handlers import hazards as hazards_router
from handlers import health as health_router
from handlers import ledger as ledger_router
from handlers import monitoring as monitoring_router
from handlers import notices as notices_router
from handlers import rumours as rumours_router
from handlers import supplies as supplies_router
from handlers import support as support_router
from handlers import surveys as surveys_router
from handlers import volunteering as volunteering_router
from handlers import vulnerable as vulnerable_router


@dataclass(frozen=True)
class Feature:
    name: str
    routers: tuple[RouterTemplate, ...] = ()
    due: tuple[ModuleType, ...] = ()  # modules whose @due_handler functions do its work later
    personal_data: tuple[PersonalData, ...] = ()  # its share of /mydata and /deleteme
    # The task kinds it hands to volunteers or staff (models/tasks.py): how each is described, and what else
    # happens when one is delivered or closed with an outcome.
    task_kinds: dict[str, KindHooks] = field(default_factory=dict)
    commands: tuple[CommandEntry, ...] = ()  # in the command menu of those whose roles allow them
    staff_tools: tuple[StaffTool, ...] = ()  # buttons under 🧰 Staff tools
    refusals: tuple[dict[str, str], ...] = ()  # the words for its refusal codes (code -> msgid)
    case_kinds: dict[str, CaseKind] = field(default_factory=dict)  # the kinds of case it opens (bot/cases)
    glance: tuple[Glance, ...] = ()  # its figures, lists, daily series and ledgers for staff (bot/glance)


FEATURES: tuple[Feature, ...] = (
    # Words of crisis are answered before any conversation's step: the crisis router comes first.
    Feature("support", routers=(support_router.crisis, support_router.counsellors, support_router.admins,
                                support_router.editors, support_router.refusals, support_router.router),
            due=(bot.support.workflow,), personal_data=(support_rules.PERSONAL_DATA,),
            commands=support_router.COMMANDS, refusals=(support_messages.REFUSALS,),
            glance=(support_messages.GLANCE,)),
    Feature("privacy", routers=(privacy.router,), commands=privacy.COMMANDS),
    Feature("registration",
            routers=(registration.router, invitations.router, invitations.refusals, structure.router,
                     structure.refusals, household.router),
            commands=invitations.COMMANDS + structure.COMMANDS,
            staff_tools=invitations.TOOLS + structure.TOOLS,
            refusals=(registration_messages.REFUSALS, access_messages.REFUSALS)),
    Feature("health", routers=(health_router.router,), personal_data=(health.PERSONAL_DATA,),
            task_kinds={"followup": KindHooks(health_messages.describe_followup)},
            refusals=(health_messages.REFUSALS,),
            glance=(health_messages.GLANCE,)),
    Feature("monitoring", routers=(monitoring_router.router, monitoring_router.refusals),
            due=(bot.monitoring.workflow,), personal_data=(monitoring.PERSONAL_DATA,),
            task_kinds={"checkin": KindHooks(monitoring_messages.describe_checkin,
                                             outcome=monitoring_messages.checkin_outcome)},
            commands=monitoring_router.COMMANDS, refusals=(monitoring_messages.REFUSALS,),
            glance=(monitoring_messages.GLANCE,)),
    Feature("notices", routers=(notices_router.staff_router, notices_router.router, notices_router.group_router),
            due=(bot.notices.workflow,),
            personal_data=(notices.PERSONAL_DATA,),
            task_kinds={"doorknock": KindHooks(notices_messages.describe_doorknock,
                                               outcome=notices_messages.doorknock_outcome)},
            commands=notices_router.COMMANDS, staff_tools=notices_router.TOOLS,
            refusals=(notices_messages.REFUSALS,),
            glance=(notices_messages.GLANCE,)),
    Feature("supplies", routers=(supplies_router.router,), personal_data=(supplies.PERSONAL_DATA,),
            task_kinds={"supply": KindHooks(supplies_messages.describe_supply,
                                            delivered=bot.supplies.workflow.delivered)},
            commands=supplies_router.COMMANDS, refusals=(supplies_messages.REFUSALS,),
            glance=(supplies_messages.GLANCE,)),
    Feature("tasks", routers=(taskqueue.router, taskqueue.refusals, volunteers.router), due=(bot.tasks.workflow,),
            personal_data=(dispatch.PERSONAL_DATA,), commands=taskqueue.COMMANDS + volunteers.COMMANDS,
            refusals=(tasks_messages.REFUSALS,)),
    Feature("roles", routers=(roles.router, roles.refusals), commands=roles.COMMANDS, staff_tools=roles.TOOLS),
    Feature("hazards", routers=(hazards_router.router, cases_router.router, cases_router.refusals),
            due=(bot.cases.workflow,), personal_data=(cases_rules.PERSONAL_DATA,), commands=cases_router.COMMANDS,
            refusals=(hazard_messages.REFUSALS, case_messages.REFUSALS),
            task_kinds={"casework": KindHooks(case_messages.describe_casework,
                                              resolved=bot.cases.workflow.resolved_by_volunteer)},
            case_kinds={hazards.KIND: CaseKind(hazard_messages.category_label, hazards.resolve_within, "⚠️")},
            glance=(hazard_messages.GLANCE,)),
    Feature("rumours", routers=(rumours_router.staff_router, rumours_router.refusals, rumours_router.router,
                                rumours_router.group_router),
            due=(bot.rumours.workflow,), personal_data=(rumours_rules.PERSONAL_DATA,),
            commands=rumours_router.COMMANDS, refusals=(rumour_messages.REFUSALS,)),
    Feature("glance", routers=(glance_router.router, glance_router.refusals), due=(bot.glance.workflow,),
            commands=glance_router.COMMANDS, refusals=(glance_messages.REFUSALS,)),
    Feature("auditlog", routers=(auditlog_router.router, auditlog_router.refusals),
            commands=auditlog_router.COMMANDS),
    Feature("contacts", routers=(contacts_router.router,), commands=contacts_router.COMMANDS,
            refusals=(contact_messages.REFUSALS,)),
    Feature("volunteering", routers=(volunteering_router.staff, volunteering_router.refusals,
                                     volunteering_router.router),
            personal_data=(volunteering_rules.PERSONAL_DATA,), commands=volunteering_router.COMMANDS,
            refusals=(volunteering_messages.REFUSALS,),
            glance=(volunteering_messages.GLANCE,)),
    Feature("vulnerable", routers=(vulnerable_router.router, vulnerable_router.refusals),
            due=(bot.vulnerable.workflow,), personal_data=(vulnerable_rules.PERSONAL_DATA,),
            commands=vulnerable_router.COMMANDS,
            task_kinds={"visit": KindHooks(vuln_messages.describe_visit, outcome=vuln_messages.visit_outcome)},
            refusals=(vuln_messages.REFUSALS,),
            glance=(vuln_messages.GLANCE,)),
    Feature("ledger", routers=(ledger_router.router, ledger_router.refusals), commands=ledger_router.COMMANDS,
            refusals=(ledger_messages.REFUSALS,),
            glance=(ledger_messages.GLANCE,)),
    Feature("surveys", routers=(surveys_router.staff, surveys_router.refusals, surveys_router.router),
            due=(bot.surveys.workflow,), personal_data=(surveys_rules.PERSONAL_DATA,),
            task_kinds={"survey": KindHooks(survey_messages.describe_followup,
                                            outcome=survey_messages.followup_outcome)},
            commands=surveys_router.COMMANDS, refusals=(survey_messages.REFUSALS,)),
    # Answered by staff with the case engine's buttons and /inbox (the "hazards" feature's routers).
    Feature("feedback", routers=(feedback_router.router,), commands=feedback_router.COMMANDS,
            refusals=(feedback_messages.REFUSALS,),
            case_kinds={feedback.KIND: CaseKind(feedback_messages.category_label, feedback.resolve_within, "✉️",
                                                joins=False, field_work=False, shows_place=False,
                                                handles=feedback.handles, routes=feedback.routes,
                                                words=feedback_messages.CASE_WORDS)}),
)

PLUMBING_FIRST: tuple[RouterTemplate, ...] = (groups.router, common.router)  # group chats; commands
# "coming soon"; group chatter nobody took; not understood
PLUMBING_LAST: tuple[RouterTemplate, ...] = (menu.router, groups.chatter, fallback.router)


def router_templates() -> list[RouterTemplate]:
    return [*PLUMBING_FIRST, *(r for f in FEATURES for r in f.routers), *PLUMBING_LAST]


personal_data.install([h for f in FEATURES for h in f.personal_data])
glance_hooks.install([g for f in FEATURES for g in f.glance])
kinds.install({kind: hooks for f in FEATURES for kind, hooks in f.task_kinds.items()})
case_kinds.install({kind: k for f in FEATURES for kind, k in f.case_kinds.items()})
errors.install_refusals(t for f in FEATURES for t in f.refusals)
commands.install([*common.COMMANDS, *(c for f in FEATURES for c in f.commands)],
                 [t for f in FEATURES for t in f.staff_tools])
