"""The words and buttons of the notices capability's pushes, each in its recipient's language: the notice
itself (level named in their language, their translation if any), the acknowledgement button, the sender's
progress, the reminder."""

from __future__ import annotations

from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.kernel.glance import Area, Column, Glance, Table
from bot.kernel.structure import place_of
from bot.notices import rules
from bot.notices.callbacks import NoticeCB
from bot.platform.delivery.outbox import Recipient, enqueue
from bot.platform.i18n import N_, translate, translate_n, yes_no
from bot.tasks.rules import staff_and_doctors
from bot.telegram.keyboards.builders import push_markup
from models import Person, Task
from models.delivery import URGENT

LEVEL_LABELS = {"info": N_("ℹ️ Information"), "blue": N_("🔵 Level IV alert (blue)"),
                "yellow": N_("🟡 Level III alert (yellow)"), "orange": N_("🟠 Level II alert (orange)"),
                "red": N_("🔴 Level I alert (red)")}


def notice_text(notice, locale: str, *, caption: bool = False) -> str:
    """What a recipient sees: the level in their language, then the text (their translation if any)."""
    body = rules.text_for(notice, locale)
    head = translate(locale, LEVEL_LABELS.get(notice.level, LEVEL_LABELS["info"]))
    text = f"{head}\n\n{body}"
    limit = 1024 if caption else 4096
    return text if len(text) <= limit else text[: limit - 1] + "…"


def ack_markup(send_id: int, locale: str) -> dict:
    return push_markup([(translate(locale, "✅ I have read this"), NoticeCB(action="ack", id=send_id).pack())])


def notice_rows(session: AsyncSession, notice, send, resolved, now: datetime, not_before: datetime) -> list:
    """One outbox row (and one delivery record) per person and group chat, in each person's language."""
    from models.notices import NoticeDelivery

    prio = rules.priority_for(notice.level)
    method = {"photo": "photo", "document": "document"}.get(notice.media_kind or "", "text")
    out = []
    for person, building_id, household_id in resolved.people:
        loc = person.locale
        row = enqueue(session, [Recipient(chat_id=person.tg_user_id, person_id=person.id)],
                      notice_text(notice, loc, caption=method != "text"), now=now, cause=f"notice:{send.id}",
                      priority=prio, method=method, media=notice.media, not_before=not_before,
                      reply_markup=ack_markup(send.id, loc) if notice.ack_required else None)[0]
        d = NoticeDelivery(send_id=send.id, person_id=person.id, building_id=building_id, household_id=household_id)
        out.append((row, d))
    for group in resolved.groups:
        row = enqueue(session, [Recipient(chat_id=group.chat_id)],
                      notice_text(notice, group.locale, caption=method != "text"), now=now, cause=f"notice:{send.id}",
                      priority=prio, method=method, media=notice.media, not_before=not_before)[0]
        out.append((row, NoticeDelivery(send_id=send.id, group_chat_id=group.chat_id, building_id=group.building_id)))
    return out


def audience_words(locale: str, people: int, groups: int) -> str:
    """People and group chats counted apart, never added up: "8 people and 1 group chat", "8 人和 1 个群聊"."""
    who = translate_n(locale, "{n} person", "{n} people", people)
    if not groups:
        return who
    return translate(locale, "{people} and {groups}", people=who,
                     groups=translate_n(locale, "{n} group chat", "{n} group chats", groups))


def progress_text(locale: str, notice_id: int, p, final: bool, waits_until: str | None = None) -> str:
    """The sender's live progress; `waits_until` (local HH:MM) while the notice is held for the quiet hours."""
    audience = audience_words(locale, p.people, p.groups)
    if waits_until is not None and not final and p.sent == 0:
        return translate(locale, "🌙 Notice #{id} waits for the end of the quiet hours: it goes out at {time} "
                                 "(to {audience}).", id=notice_id, time=waits_until, audience=audience)
    if final:
        return translate(locale, "📤 Notice #{id} finished: {sent} delivered, {failed} could not be delivered "
                                 "(to {audience}).", id=notice_id, sent=p.sent, failed=p.failed, audience=audience)
    return translate(locale, "📤 Notice #{id} is going out: {sent} sent, {failed} failed, {pending} waiting "
                             "(to {audience}).", id=notice_id, sent=p.sent, failed=p.failed, pending=p.pending,
                     audience=audience)


def ack_reminder(session: AsyncSession, notice, send_id: int, people: list[Person], now: datetime) -> None:
    for p in people:
        loc = p.locale
        text = translate(loc, "🔔 Reminder: please read this notice and press “I have read this”.") + "\n\n" + \
            notice_text(notice, loc)
        enqueue(session, [Recipient(chat_id=p.tg_user_id, person_id=p.id)], text[:4096], now=now,
                cause=f"notice-remind:{send_id}", priority=rules.priority_for(notice.level),
                reply_markup=ack_markup(send_id, loc))


async def describe_doorknock(session: AsyncSession, task: Task, locale: str) -> str:
    building, unit = await place_of(session, task.household_id, locale)
    return translate(locale, "{ref} · door-knock: nobody at {building}, unit {unit} (a household with care "
                             "needs) has acknowledged the red alert. Please check on them in person.",
                     ref=task.ref, building=building, unit=unit)


async def doorknock_outcome(session: AsyncSession, task: Task, by: Person, now: datetime) -> int:
    """A door-knock that found nobody, or asks for help: the grid's staff and doctors must know. The task
    engine calls this for the "doorknock" kind (bot/features.py)."""
    if task.outcome not in ("unreached", "escalated"):
        return 0
    people = await staff_and_doctors(session, task, but=by.id)
    for p in people:
        loc = p.locale
        building, unit = await place_of(session, task.household_id, loc)
        head = (translate(loc, "⚠️ {ref}: {who} found nobody at {building}, {unit} (a household with care needs "
                               "that did not acknowledge the red alert). Please follow up.", ref=task.ref,
                          who=by.full_name or "—", building=building, unit=unit) if task.outcome == "unreached"
                else translate(loc, "⚠️ {ref}: {who} asks for help for {building}, {unit} (door-knock after the "
                                    "red alert). Please follow up.", ref=task.ref, who=by.full_name or "—",
                               building=building, unit=unit))
        enqueue(session, [Recipient(chat_id=p.tg_user_id, person_id=p.id)], head, now=now, cause=f"task:{task.id}",
                priority=URGENT)
    return len(people)


# What a user is told when this capability refuses (code -> msgid); installed by bot/features.py.
REFUSALS: dict[str, str] = {
    "notice_empty": N_("Please write the text of the notice."),
    "notice_paste_tail": N_("That looks like the end of the long text I could not take, so I did not use it "
                           "as the notice. Please send the whole notice in one message of at most {max} "
                           "characters."),
    "notice_caption_empty": N_("Please send the photo or document again with the notice text as its caption "
                              "(type it in the caption field before sending)."),
    "notice_too_long": N_("That is {length} characters; a notice can have at most {max}. Please shorten it."),
    "audience_empty": N_("Please choose at least one kind of recipient: residents, a role, or group chats."),
    "when_format": N_("Please type a time like 18:30, or a date and time like 11-24 09:00."),
    "when_past": N_("That time has already passed. Please type a time in the future."),
    "when_far": N_("Please choose a time within the next year."),
    "until_format": N_("Please type a day like 12-31 (or 2026-12-31)."),
    "until_before": N_("The last day cannot be before the first send. Please type a later day."),
    "reminded_recently": N_("A reminder was sent less than 30 minutes ago. Please give people a little time."),
    "notice_started": N_("This notice has already gone out once, so its time cannot be changed. Cancel it and "
                        "send a new one."),
    "group_not_bound": N_("This group is not bound to any place."),
}


# ---- the area at a glance ------------------------------------------------------------------------------------

async def _notices(session, area: Area, since, until, locale: str) -> list[list]:
    return [[f.send.sent_at, f"N-{f.notice.id:04d}", translate(locale, LEVEL_LABELS.get(f.notice.level, "")),
             rules.text_for(f.notice, locale), yes_no(f.notice.ack_required), f.people,
             f.delivered, f.acked if f.notice.ack_required else None,
             round(f.acked / f.people, 3) if f.notice.ack_required and f.people else None]
            for f in await rules.ledger_rows(session, area, since, until)]


GLANCE = Glance(
    "notices", N_("📢 Notices"), order=70, figures=rules.glance, labels={"last_alert": N_("last alert acknowledged")},
    daily=rules.daily, series={"ack_rate": N_("Alerts acknowledged")},
    tables=(Table("notices", N_("Notices"), (
        Column(N_("Sent"), 18), Column(N_("Ref"), 8), Column(N_("Level"), 22), Column(N_("Text"), 50),
        Column(N_("Asked to acknowledge"), 12), Column(N_("People"), 8), Column(N_("Delivered"), 10),
        Column(N_("Acknowledged"), 12), Column(N_("Rate"), 8)), _notices),))
