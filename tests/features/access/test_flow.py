"""Invitations, roles and scope, as the admin, staff and invitees experience them."""

from __future__ import annotations

from sqlmodel import select

from models import Invitation, RoleGrant
from tests.flows.helpers import ADMIN_ID, consent, make_invite, person_of, register


async def test_admin_invites_a_volunteer_who_joins(bot, user_factory, session):
    admin = user_factory(user_id=ADMIN_ID)
    await register(admin)
    r = await admin.send("🧰 Staff tools")
    assert "Invite a volunteer" in " ".join(admin.buttons_on_screen())
    payload = await make_invite(admin, "volunteer", "Grid 2")
    assert len(payload) <= 64

    vol = user_factory(first_name="Wei")
    r = await consent(vol, payload)
    assert "You are now a volunteer for Yangguang Community · Grid 2 (Bldg 5-8)" in r.text
    assert "Register my address" in r.text
    r = await vol.send("🧰 Staff tools")  # a volunteer's tools: their commands, no invitation buttons
    assert "/duty" in r.text and "/tasks" in r.text and "/queue" not in r.text
    assert not r.inline_buttons()
    grant = (await session.exec(select(RoleGrant))).one()
    assert grant.role == "volunteer" and grant.grid_id is not None
    inv = (await session.exec(select(Invitation))).one()
    assert inv.uses == 1 and payload[4:] not in inv.token_hash  # only the hash is stored

    other = user_factory()
    r = await consent(other, payload)
    assert "already been used" in r.text
    assert len((await session.exec(select(RoleGrant))).all()) == 1


async def test_expired_forged_and_withdrawn_links_are_refused(bot, user_factory, clock, session):
    admin = user_factory(user_id=ADMIN_ID)
    await register(admin)
    expiring = await make_invite(admin, "community worker", "All of Yangguang", days="1 day")
    withdrawn = await make_invite(admin, "volunteer", "Grid 1", uses="Up to 10 people")

    r = await admin.send("/invites")
    assert "#2 volunteer: used 0/10" in r.text
    await admin.press("Withdraw #2")
    r = await admin.press("Yes")
    assert "#2 revoked" in r.text

    clock.advance(days=2)
    a, b, c = user_factory(), user_factory(), user_factory()
    assert "has expired" in (await consent(a, expiring)).text
    assert "withdrawn" in (await consent(b, withdrawn)).text
    assert "not valid" in (await consent(c, "inv_AAAAAAAAAAAAAAAAAAAAAAAA")).text
    assert (await session.exec(select(RoleGrant))).all() == []


async def test_staff_can_only_invite_inside_their_grid(bot, user_factory, session):
    admin = user_factory(user_id=ADMIN_ID)
    await register(admin)
    staff_link = await make_invite(admin, "community worker", "Grid 1")
    lin = user_factory(first_name="Lin")
    await consent(lin, staff_link)

    await lin.send("/invite")
    assert "no longer active" in (await lin.press_data("inv:uses:1")).alert  # a later step's button, too early
    labels = lin.buttons_on_screen()
    assert "volunteer" in labels and "administrator" not in labels and "community doctor" not in labels
    r = await lin.press("volunteer")
    scopes = lin.buttons_on_screen()
    assert any("Grid 1" in s for s in scopes) and not any("Grid 2" in s for s in scopes)
    # A forged scope for another grid is refused by the service, whatever the button said.
    grid2 = "inv:scope:g2"
    r = await lin.press_data(grid2)
    assert "don't have permission" in r.alert
    r = await lin.send("/roles")
    assert "don't have permission" in r.text
    # A worker's own tools (no roles, no buildings), and an admin's buttons forged by a worker, are refused.
    r = await lin.send("🧰 Staff tools")
    assert r.inline_buttons()[0] == "📢 Send a notice or alert"
    assert "👥 Roles" not in r.inline_buttons() and "/roles" not in r.text and "/invite" in r.text
    for forged in ("staff:roles", "staff:addbuilding", "rv:grant:1:1", "agrid:1"):
        assert "permission" in (await lin.press_data(forged)).alert, forged


async def test_residents_cannot_use_staff_commands(bot, user_factory):
    mei = user_factory()
    await register(mei)
    assert "don't have permission" in (await mei.send("/invite")).text
    assert "don't have permission" in (await mei.send("/roles")).text
    assert "don't have permission" in (await mei.send("/addbuilding")).text
    r = await mei.press_data("rv:grant:1:1")
    assert "no longer exists" in r.alert or "permission" in r.alert
    r = await mei.press_data("staff:roles")
    assert "permission" in r.alert
    for forged in ("staff:notice", "staff:invite", "stask:cancel:1", "rv:invite:1:0", "inv:role:staff"):
        assert "permission" in (await mei.press_data(forged)).alert, forged
    for command in ("/queue", "/stock", "/invites", "/health"):
        assert "don't have permission" in (await mei.send(command)).text, command
    assert "🧰 Staff tools" not in (await mei.send("/menu")).reply_buttons()


async def test_admin_adds_a_building_from_the_chat(bot, user_factory, session):
    admin = user_factory(user_id=ADMIN_ID)
    await register(admin)
    await admin.send("/addbuilding")
    await admin.press("Grid 3")
    r = await admin.send("bad code!")
    assert "letters, digits" in r.text
    r = await admin.send("YG-01")
    assert "already used" in r.text
    r = await admin.send("YG-11")
    assert "building's name" in r.text
    r = await admin.send("11号楼")
    assert "start=b_YG-11" in r.text
    mei = user_factory()
    r = await consent(mei, "b_YG-11")
    assert "Your building: 11号楼" in r.text
    assert (await person_of(session, mei)) is not None
