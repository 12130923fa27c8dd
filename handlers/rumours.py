"""“❓ Is it true?” and /check: a resident sends or forwards a text and gets the library's closest entries, each
with its verdict, correction and source, in their language; a question the library cannot answer waits for
the community staff.

```mermaid
stateDiagram-v2
    [*] --> asking: "❓ Is it true?" or /check
    [*] --> answered: /check TEXT
    asking --> answered: a text or a forwarded message
    answered --> [*]: entries shown (or: passed to the staff)
```
"""

from __future__ import annotations

from aiogram.filters import Command, CommandObject, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import Message
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.kernel.errors import DomainError
from bot.platform.clock import Clock
from bot.platform.i18n import N_, _, get_i18n
from bot.rumours import messages as rumour_messages
from bot.rumours import rules as rumours
from bot.telegram.commands import CommandEntry
from bot.telegram.filters import ButtonText, NotCommand, Private
from bot.telegram.routing import RouterTemplate
from bot.telegram.ui import refusal, send_long
from models import Person

router = RouterTemplate("rumours")
router.message.filter(Private())

COMMANDS = (CommandEntry("check", N_("Is it true? Check what you heard")),)


class Rm(StatesGroup):
    asking = State()


@router.message(ButtonText("rumour"))
async def start_check(message: Message, state: FSMContext) -> None:
    await state.set_state(Rm.asking)
    await message.answer(_("Send me what you heard or read, in your own words, or forward the message here. "
                           "I will tell you what the authorities say about it."))


@router.message(Command("check"))
async def check_now(message: Message, command: CommandObject, state: FSMContext, session: AsyncSession,
                    person: Person | None, clock: Clock) -> None:
    """`/check TEXT` answers at once; `/check` alone asks for the text."""
    if not (command.args or "").strip():
        await start_check(message, state)
        return
    await _answer(message, state, session, person, clock, command.args)


@router.message(StateFilter(Rm.asking), NotCommand())
async def on_question(message: Message, state: FSMContext, session: AsyncSession, person: Person | None,
                      clock: Clock) -> None:
    await _answer(message, state, session, person, clock, message.text or message.caption)


async def _answer(message: Message, state: FSMContext, session: AsyncSession, person: Person | None, clock: Clock,
                  text: str | None) -> None:
    try:
        answer = await rumours.ask(session, person, text, clock.now())
    except DomainError as e:
        await message.answer(refusal(e.code, **e.params))
        return
    await session.commit()
    await state.clear()
    loc = get_i18n().current_locale
    parts = [rumour_messages.entry_text(loc, entry) for _hit, entry in answer.hits]
    if answer.answered:
        head = _("Here is what the authorities say:")
    elif parts:
        head = _("I am not sure these are about the same thing. Your question is noted for the community staff.")
    else:
        head = _("I do not know this one yet, and your question is noted for the community staff. Until they "
                 "answer, trust only official notices.")
    await send_long(message.bot, message.chat.id, "\n\n".join([head, *parts]))
