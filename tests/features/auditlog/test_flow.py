"""/audit through the fake Bot API: an admin sees the staff actions of their community, filtered and paged;
the reads themselves are audited; nobody else may look."""

from __future__ import annotations

from sqlmodel import select

from models import AuditEntry
from tests.features.hazards.test_flow import staff_world
from tests.features.ledger.test_flow import SMALL


async def test_an_admin_sees_who_read_what_filtered_and_paged(bot, user_factory, tg, session):
    from tests.flows.helpers import ADMIN_ID

    boss, lin, _lin2, _ming = await staff_world(bot, user_factory)
    root = user_factory(user_id=ADMIN_ID)
    await root.send_document(SMALL, "small.csv")
    await root.press("Import")
    await lin.send("/reach")
    await lin.press("Unreached in Building 1")
    for _ in range(16):  # more than a page
        await lin.send("/cases")
    r = await boss.send("/audit")
    assert "Staff actions, last 7 days — All, page 1" in r.text
    assert "Lin Li · read_cases" in r.text
    r = await boss.press("Older")
    assert "page 2" in r.text and "read_unreached" in r.text
    r = await boss.press("Reads")
    assert "Reads, page 1" in r.text and "role_granted" not in r.text
    r = await boss.press("Roles")
    assert "role_granted" in r.text and "read_cases" not in r.text
    r = await boss.press("30 d")
    assert "last 30 days" in r.text
    r = await boss.press("All")
    r = await boss.press("👤 Lin Li")
    assert "Lin Li" in r.text and "Boss Li ·" not in r.text
    r = await boss.press("Everyone")
    assert "👤" in " ".join(boss.buttons_on_screen())
    r = await boss.press_data("au:zap:7:0:0")  # a forged filter
    assert "no longer active" in r.alert
    r = await lin.send("/audit")
    assert "permission" in r.text
    session.expire_all()
    assert (await session.exec(select(AuditEntry).where(AuditEntry.action == "read_audit"))).all()
