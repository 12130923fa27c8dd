"""One aiogram Router per capability. `all_routers()` gives them in priority order."""

from __future__ import annotations

from aiogram import Router


def all_routers() -> list[Router]:
    from handlers import (
        common,
        fallback,
        groups,
        health,
        household,
        invitations,
        menu,
        monitoring,
        notices,
        privacy,
        registration,
        roles,
        structure,
        supplies,
        taskqueue,
        volunteers,
    )

    # Groups first (it claims every group-chat update); commands before state handlers; fallback last.
    templates = [groups.router, common.router, privacy.router, registration.router, invitations.router,
                 roles.router, structure.router, household.router, health.router, monitoring.router, notices.router,
                 supplies.router,
                 taskqueue.router, volunteers.router,
                 menu.router, fallback.router]
    return [t.build() for t in templates]
