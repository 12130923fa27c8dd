"""What happens after the rumours capability's events that reach beyond the one who acted: a correction
published as a notice, through the notices capability and the outbox."""

from __future__ import annotations

from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import Settings
from bot.kernel.audit import audit
from bot.kernel.permissions import Actor
from bot.notices import workflow as notices_workflow
from bot.rumours import messages as rumour_messages
from bot.rumours import rules as rumours
from models.notices import Notice

LOCALES = ("zh_Hans", "zh_Hant", "en")


async def published(session: AsyncSession, actor: Actor, entry_id: int, settings: Settings, at: datetime,
                    now: datetime) -> Notice:
    """The entry goes to the staff member's whole area as an information notice, each reader getting it in
    their language (now, or at the time given)."""
    entry, community_id = await rumours.usable_for_publishing(session, actor, entry_id)
    texts = {loc: "🔎 " + rumour_messages.entry_text(loc, entry) for loc in LOCALES}
    notice = await notices_workflow.publish(session, actor, community_id, texts[settings.default_locale], texts,
                                            settings, at, now)
    audit(session, actor_id=actor.person_id, action="rumour_entry_published", at=now, entry=entry.id,
          notice=notice.id)
    return notice
