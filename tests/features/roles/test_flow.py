"""/roles: administrators list the roles in their scope and revoke one, as they experience it."""

from __future__ import annotations

from sqlmodel import select

from models import AuditEntry, RoleGrant
from tests.flows.helpers import ADMIN_ID, consent, make_invite, register


async def test_admin_lists_and_revokes_a_role(bot, user_factory, session):
    admin = user_factory(user_id=ADMIN_ID)
    await register(admin)
    payload = await make_invite(admin, "volunteer", "Grid 1")
    vol = user_factory(first_name="Wei", last_name="Zhang")
    await consent(vol, payload)

    r = await admin.send("/roles")
    assert "Wei Zhang — volunteer" in r.text
    await admin.press("Revoke #1")
    r = await admin.press("Yes")
    assert "#1 revoked" in r.text
    grant = (await session.exec(select(RoleGrant))).one()
    assert grant.revoked_at is not None
    r = await admin.press_data("rv:grant:1:1")  # pressed again
    assert "already been handled" in r.alert
    actions = [e.action for e in (await session.exec(select(AuditEntry))).all()]
    assert {"invitation_created", "role_granted", "roles_listed", "role_revoked"} <= set(actions)
    # The revoked volunteer's own link does not restore the role.
    assert "already been used" in (await vol.send(f"/start {payload}")).text


async def test_a_long_role_list_stays_within_telegram_limits(bot, user_factory, session, tg):
    from models import Community, Person

    admin = user_factory(user_id=ADMIN_ID)
    await register(admin)
    community = (await session.exec(select(Community))).first()
    for i in range(45):
        p = Person(tg_user_id=70_000 + i, full_name=f"Volunteer number {i} with a rather long name")
        session.add(p)
        await session.flush()
        session.add(RoleGrant(person_id=p.id, role="volunteer", community_id=community.id))
    await session.commit()
    r = await admin.send("/roles")
    assert "… and 15 more." in r.text
    assert all(len(c.text) <= 4096 for c in r.calls)
    assert len(r.inline_buttons()) == 30
