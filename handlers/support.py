"""“💬 Someone to talk to”, and the crisis path.

```mermaid
stateDiagram-v2
    [*] --> support: "💬 Someone to talk to"
    support --> crisis: "🆘 I might hurt myself / I am not safe"
    [*] --> crisis: a message with a clear crisis expression, in any conversation
    crisis --> [*]: the emergency number and the hotline at once; counsellors and duty staff alerted (urgent)
```
The crisis router comes before every capability's (bot/features.py): whatever conversation a resident is in,
words of crisis are answered first, and the conversation stays where it was. The bot never counsels by itself.
"""

from __future__ import annotations

from aiogram.filters import BaseFilter
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import Settings
from bot.platform.clock import Clock
from bot.platform.i18n import _
from bot.support import messages as support_messages
from bot.support import rules as support
from bot.support.callbacks import SupportCB
from bot.telegram.filters import ButtonText, Private
from bot.telegram.routing import RouterTemplate
from models import Person

crisis = RouterTemplate("support-crisis")
crisis.message.filter(Private())
router = RouterTemplate("support")
router.message.filter(Private())


class CrisisWords(BaseFilter):
    """A message (or a photo's caption) with a clear crisis expression, in any of the three languages."""

    async def __call__(self, message: Message, settings: Settings) -> bool:
        return support.is_crisis(message.text or message.caption, settings.support_crisis_file)


async def _crisis(reply, session: AsyncSession, person: Person | None, source: str, clock: Clock,
                  settings: Settings) -> None:
    alert = await support.raise_alert(session, person, source, clock.now(), settings.admin_ids)
    if alert.to:
        await support_messages.crisis_alert(session, person, alert.to, clock.now())
    await session.commit()
    community = alert.community
    emergency = community.emergency_number if community else "120"
    hotline = community.support_hotline if community else "12356"
    text = _("You are not alone, and it matters that you said it.\n"
             "🚨 If you are in danger now, call {emergency}.\n"
             "📞 To talk to someone now, call the psychological assistance hotline {hotline}, any time.").format(
                 emergency=emergency, hotline=hotline)
    if alert.known:
        text += "\n" + _("The community's counsellor and duty staff have been told and will contact you soon.")
    await reply(text)


@crisis.message(CrisisWords())
async def on_crisis_words(message: Message, session: AsyncSession, person: Person | None, clock: Clock,
                          settings: Settings) -> None:
    """Answered before anything else, whatever the conversation; the conversation stays where it was."""
    await _crisis(message.answer, session, person, "words", clock, settings)


def support_kb() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(
        text=_("🆘 I might hurt myself / I am not safe"), callback_data=SupportCB(action="crisis").pack())]])


@router.message(ButtonText("support"))
async def on_support(message: Message, session: AsyncSession, person: Person | None) -> None:
    community, _b, _h = await support.place_of_person(session, person)
    hotline = community.support_hotline if community else "12356"
    await message.answer(_("💬 Someone to talk to\n"
                           "Feeling worried, alone or low is common in times like these.\n"
                           "📞 The psychological assistance hotline: {hotline} (free, any time).\n"
                           "If you are not safe, press the button below.").format(hotline=hotline),
                         reply_markup=support_kb())


@router.callback_query(SupportCB.filter())
async def on_crisis_button(query: CallbackQuery, callback_data: SupportCB, session: AsyncSession,
                           person: Person | None, clock: Clock, settings: Settings) -> None:
    await query.answer()
    await _crisis(lambda text: query.bot.send_message(query.from_user.id, text), session, person, "button", clock,
                  settings)
