"""The words of "Is it true?": verdicts, and an entry as the one who asked reads it (in their language)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.platform.delivery.outbox import Recipient, enqueue
from bot.platform.i18n import N_, translate, translate_n
from models import Person
from models.delivery import ROUTINE
from models.rumours import RumourEntry, RumourQuestion

VERDICT_LABELS = {
    "false": N_("❌ False"),
    "misleading": N_("⚠️ Misleading"),
    "true": N_("✅ True"),
    "unverified": N_("❔ Not confirmed"),
}
_FALLBACK = {"zh_Hant": ("zh_Hant", "zh_Hans", "en"), "zh_Hans": ("zh_Hans", "zh_Hant", "en"),
             "en": ("en", "zh_Hans", "zh_Hant")}


def verdict_words(locale: str, verdict: str) -> str:
    return translate(locale, VERDICT_LABELS[verdict]) if verdict in VERDICT_LABELS else verdict


def _in(locale: str, values: dict) -> object:
    for loc in _FALLBACK.get(locale, ("en", "zh_Hans", "zh_Hant")):
        if values.get(loc):
            return values[loc]
    return next(iter(values.values()), None)


def entry_text(locale: str, entry: RumourEntry) -> str:
    """The verdict, the claim as the reader would say it, the correction in plain words, and its source."""
    claims = _in(locale, entry.claims) or ["—"]
    source = entry.source_name + (f" — {entry.source_url}" if entry.source_url else "")
    return "\n".join([
        f"{verdict_words(locale, entry.verdict)}: «{claims[0]}»",
        str(_in(locale, entry.correction) or "—"),
        translate(locale, "Source: {source}", source=source),
    ])


async def tell_askers(session: AsyncSession, questions: list[RumourQuestion], entry: RumourEntry,
                     now: datetime) -> int:
    """Everyone who asked the question (or one like it) hears the answer, in their own language."""
    told = 0
    for q in questions:
        person = await session.get(Person, q.person_id) if q.person_id else None
        if person is None or person.tg_user_id is None or person.deleted_at is not None:
            continue
        loc = person.locale
        text = translate(loc, "The community staff have answered what you asked about: «{question}»",
                         question=q.text[:300]) + "\n\n" + entry_text(loc, entry)
        enqueue(session, [Recipient(chat_id=person.tg_user_id, person_id=person.id)], text[:4000], now=now,
                cause=f"rumour:{entry.id}", priority=ROUTINE)
        told += 1
    return told


def digest(session: AsyncSession, entries: list[tuple[RumourEntry, int]], people: list[Person],
           groups: list, now: datetime) -> None:
    """"This week's rumours, checked": each reader in their language (a group in its own)."""
    def text(loc: str) -> str:
        parts = [translate(loc, "🔎 This week's rumours, checked:")]
        for entry, asked in entries:
            part = entry_text(loc, entry)
            if asked:
                part += "\n" + translate_n(loc, "(asked once this week)", "(asked {n} times this week)", asked)
            parts.append(part)
        parts.append(translate(loc, "Heard something else? Ask under ❓ Is it true?"))
        return "\n\n".join(parts)[:4000]

    for p in people:
        enqueue(session, [Recipient(chat_id=p.tg_user_id, person_id=p.id)], text(p.locale), now=now,
                cause="rumour-digest", priority=ROUTINE)
    for g in groups:
        enqueue(session, [Recipient(chat_id=g.chat_id)], text(g.locale or "zh_Hans"), now=now, cause="rumour-digest",
                priority=ROUTINE)


# What a user is told when "Is it true?" refuses (code -> msgid); installed by bot/features.py.
REFUSALS: dict[str, str] = {
    "question_empty": N_("Please send the words you want checked, or forward the message here."),
    "correction_empty": N_("Please write the correction in a few plain words."),
    "phrasing_empty": N_("Please type how people say it."),
    "phrasing_too_long": N_("Please keep a phrasing under {max} characters."),
    "correction_too_long": N_("Please keep the correction under {max} characters."),
    "source_empty": N_("Please name the source: the authority, and a link if there is one."),
    "source_too_long": N_("Please keep the source under {max} characters."),
    "source_invalid": N_("Please name the source in words, not a command."),
}
