"""The words and buttons of the case engine's pushes, each in its recipient's language: the staff alert for a
new case, what followers are told at every change, "Is it fixed?", escalations and reminders. A kind's
category words come from `bot.cases.kinds`."""

from __future__ import annotations

from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.cases import kinds
from bot.cases import rules as cases
from bot.cases.callbacks import CaseCB, FixedCB
from bot.platform.delivery.outbox import Recipient, enqueue, enqueue_edit
from bot.platform.i18n import N_, duration, translate
from bot.telegram.keyboards.builders import push_markup
from models import Building, OutboxMessage, Person, Task
from models.cases import Case, CaseAlert
from models.delivery import HIGH, URGENT

STATUS_WORDS = {
    "new": N_("reported, waiting for the community staff"),
    "acknowledged": N_("taken by the community staff"),
    "in_progress": N_("work in progress"),
    "resolved": N_("resolved"),
    "closed": N_("closed"),
    "rejected": N_("closed without action"),
}


# The words that depend on a case's kind, as a hazard's people read them; a kind may give its own
# (`CaseKind.words`, the same keys and placeholders).
WORDS: dict[str, str] = {
    "new_head": N_("🆕 New hazard report"),
    "acknowledged": N_("{ref}: the community staff have taken your report and will handle it."),
    "ask_fixed": N_("{ref} is resolved: {note}\nIs it fixed?"),
    "yes": N_("✅ Yes, it is fixed"),
    "no": N_("❌ No, not fixed"),
    "what_wrong": N_("What is still wrong? One line helps the staff."),
    "reopened_ok": N_("Thank you. {ref} is open again, and the staff have been told what is still wrong."),
    "reopened_assignee": N_("❗ {ref} was reopened: a neighbour says it is not fixed: {note}"),
    "closed": N_("{ref} is closed. Thank you for reporting it!"),
    "resolve_prompt": N_("What was done about {ref}? One line that the neighbours will read. You can send a photo "
                         "with the line as its caption."),
    "reject_prompt": N_("Why will {ref} not be handled? One line that the neighbours will read."),
    "resolved_done": N_("{ref} is resolved. {n} neighbours are asked whether it is fixed; it closes when they say "
                        "so or after {hours} hours without an answer."),
    "rejected_done": N_("{ref} is closed without action; the neighbours have been told why."),
    "list_head": N_("Hazard cases open in your area: {n}."),
    "resolve_button": N_("✅ Resolved"),
}


def words(kind: str, key: str, locale: str, **params: object) -> str:
    """The words for a case of this kind, in the reader's language."""
    msgid = kinds.kind(kind).words.get(key) or WORDS[key]
    return translate(locale, msgid, **params)


def status_words(locale: str, status: str) -> str:
    return translate(locale, STATUS_WORDS[status]) if status in STATUS_WORDS else status


def priority(case: Case) -> int:
    return URGENT if case.urgent else HIGH


def map_link(latitude: float, longitude: float) -> str:
    return f"https://www.openstreetmap.org/?mlat={latitude:.5f}&mlon={longitude:.5f}#map=18/{latitude:.5f}/{longitude:.5f}"


async def place_words(session: AsyncSession, case: Case, locale: str) -> str:
    """Where, as the reader can find it: the building, the words as typed, the point on a map."""
    parts = []
    building = await session.get(Building, case.building_id) if case.building_id else None
    if building is not None:
        parts.append(building.label(locale))
    if case.place_text:
        parts.append(case.place_text)
    if case.latitude is not None and case.longitude is not None:
        parts.append(map_link(case.latitude, case.longitude))
    return " · ".join(parts) or "—"


async def summary(session: AsyncSession, case: Case, locale: str) -> str:
    """"⚠️ H-0007 · 🚪 Blocked emergency passage / 📍 Building 1 · north stair / status"."""
    kind = kinds.kind(case.kind)
    head = f"{'🔴 ' if case.urgent else ''}{kind.icon} {case.ref} · {kind.label(locale, case.category)}"
    place = ["📍 " + await place_words(session, case, locale)] if kind.shows_place else []
    return "\n".join([head, *place, translate(locale, "Status: {status}", status=status_words(locale, case.status))])


async def _reporter_words(session: AsyncSession, case: Case, locale: str) -> str:
    """Who reported it, for staff: name and phone, unless they asked to stay anonymous (then nothing of them)."""
    first = next((f for f in await cases.followers(session, case.id) if f.first), None)
    person = await session.get(Person, first.person_id) if first and first.person_id else None
    if first is None or first.anonymous or person is None:
        return translate(locale, "Reported by: a resident who asked to stay anonymous")
    return translate(locale, "Reported by: {name}, {phone}", name=person.full_name or "—", phone=person.phone or "—")


def _staff_buttons(locale: str, case: Case) -> dict | None:
    if case.status == "new":
        return push_markup([(translate(locale, "✋ I'll handle it"), CaseCB(action="ack", id=case.id).pack())])
    return None


def action_rows(locale: str, case: Case) -> list[list[tuple[str, str]]]:
    """The buttons of the one handling a case, for its state."""
    rows = []
    if case.status == "acknowledged":
        rows.append([(translate(locale, "🚧 Work has started"), CaseCB(action="start", id=case.id).pack())])
    if case.status in ("acknowledged", "in_progress"):
        rows.append([(words(case.kind, "resolve_button", locale), CaseCB(action="resolve", id=case.id).pack())])
        passing = (translate(locale, "👥 Pass to a colleague"), CaseCB(action="pass", id=case.id).pack())
        rows.append([(translate(locale, "🙋 Ask a volunteer"), CaseCB(action="volunteer", id=case.id).pack()), passing]
                    if kinds.kind(case.kind).field_work else [passing])
        rows.append([(translate(locale, "✖️ Not for us (with a reason)"), CaseCB(action="reject", id=case.id).pack())])
    if case.status == "new":
        rows.append([(translate(locale, "✋ I'll handle it"), CaseCB(action="ack", id=case.id).pack())])
    return rows


async def staff_text(session: AsyncSession, case: Case, locale: str) -> str:
    """The case as staff see it: what, where, status, who reported it (or not), and everything said so far."""
    lines = [await summary(session, case, locale), await _reporter_words(session, case, locale)]
    n = len(await cases.followers(session, case.id))
    if n > 1:
        lines.append(translate(locale, "Reported by {n} neighbours.", n=n))
    for e in await cases.history(session, case.id):
        if e.note and e.action in ("reported", "joined", "not_fixed"):
            lines.append(("❗ " if e.action == "not_fixed" else "💬 ") + e.note)
    return "\n".join(lines)[:3900]


async def _photos(session: AsyncSession, case: Case) -> list[str]:
    return [p for e in await cases.history(session, case.id) if e.action in ("reported", "joined") for p in e.photos]


async def alert_staff(session: AsyncSession, case: Case, people: list[Person], now: datetime) -> int:
    """Each staff member gets the photos, then the case with "I'll handle it"; the message is kept so that
    the first to take it updates everyone else's."""
    photos = await _photos(session, case)
    for p in people:
        loc = p.locale
        for photo in photos:
            enqueue(session, [Recipient(chat_id=p.tg_user_id, person_id=p.id)], case.ref, now=now,
                    cause=f"case:{case.id}", priority=priority(case), method="photo", media=photo)
        text = words(case.kind, "new_head", loc) + "\n" + await staff_text(session, case, loc)
        row = enqueue(session, [Recipient(chat_id=p.tg_user_id, person_id=p.id)], text, now=now,
                      cause=f"case:{case.id}", priority=priority(case), reply_markup=_staff_buttons(loc, case))[0]
        await session.flush()
        session.add(CaseAlert(case_id=case.id, person_id=p.id, outbox_id=row.id))
    return len(people)


async def taken_by(session: AsyncSession, case: Case, by: Person, now: datetime) -> None:
    """The others' alerts: who is handling it now, without the button."""
    for a in await cases.alerts(session, case.id):
        if a.person_id == by.id or a.person_id is None:
            continue
        target = await session.get(OutboxMessage, a.outbox_id)
        reader = await session.get(Person, a.person_id)
        if target is None or reader is None:
            continue
        text = translate(reader.locale, "{ref} is being handled by {name}.", ref=case.ref, name=by.full_name or "—")
        enqueue_edit(session, target, text + "\n" + await summary(session, case, reader.locale), now=now,
                     cause=f"case:{case.id}", priority=HIGH)


async def _followers_people(session: AsyncSession, case: Case) -> list[Person]:
    out = []
    for f in await cases.followers(session, case.id):
        p = await session.get(Person, f.person_id) if f.person_id else None
        if p is not None and p.tg_user_id is not None and p.deleted_at is None:
            out.append(p)
    return out


async def tell_followers(session: AsyncSession, case: Case, event: str, now: datetime, *,
                         but: int | None = None, note: str | None = None) -> int:
    """Every follower hears of every change, in their own language; after "resolved" each is asked."""
    people = [p for p in await _followers_people(session, case) if p.id != but]
    for p in people:
        loc, markup, method, media = p.locale, None, "text", None
        if event == "acknowledged":
            text = words(case.kind, "acknowledged", loc, ref=case.ref)
        elif event == "in_progress":
            text = translate(loc, "{ref}: work has started.", ref=case.ref)
        elif event == "resolved":
            text = words(case.kind, "ask_fixed", loc, ref=case.ref, note=case.resolution or "—")
            markup = push_markup([(words(case.kind, "yes", loc), FixedCB(id=case.id, yes=True).pack()),
                                  (words(case.kind, "no", loc), FixedCB(id=case.id, yes=False).pack())])
            if case.resolution_photo:
                method, media = "photo", case.resolution_photo
        elif event == "rejected":
            text = translate(loc, "{ref} was closed without action: {reason}", ref=case.ref,
                             reason=case.reject_reason or "—")
        elif event == "reopened":
            text = translate(loc, "{ref} was reopened: a neighbour says it is not fixed. The staff have been told.",
                             ref=case.ref)
        elif event == "closed":
            text = words(case.kind, "closed", loc, ref=case.ref)
        else:
            continue
        enqueue(session, [Recipient(chat_id=p.tg_user_id, person_id=p.id)], text[:1000] if media else text,
                now=now, cause=f"case:{case.id}", priority=priority(case), reply_markup=markup, method=method,
                media=media)
    return len(people)


async def tell_assignee(session: AsyncSession, case: Case, event: str, now: datetime, *, note: str | None = None,
                        followers: int = 0, photos: tuple[str, ...] = ()) -> None:
    """The one handling it: a neighbour joined, a follower says it is not fixed, or it is overdue."""
    person = await session.get(Person, case.assignee_id) if case.assignee_id else None
    if person is None or person.tg_user_id is None:
        return
    loc = person.locale
    if event == "joined":
        text = translate(loc, "➕ Another neighbour reported {ref} ({n} in all).", ref=case.ref, n=followers)
    elif event == "reopened":
        text = words(case.kind, "reopened_assignee", loc, ref=case.ref, note=note or "—")
    elif event == "overdue":
        text = translate(loc, "⏰ {ref} is still not resolved after {duration}.", ref=case.ref,
                         duration=duration(loc, now - case.created_at))
    else:
        return
    for photo in photos:  # a neighbour's photos come with the news that they reported it too
        enqueue(session, [Recipient(chat_id=person.tg_user_id, person_id=person.id)], case.ref, now=now,
                cause=f"case:{case.id}", priority=priority(case), method="photo", media=photo)
    markup = push_markup(*action_rows(loc, case)) if action_rows(loc, case) else None
    if note and event == "joined":
        text += "\n💬 " + note
    enqueue(session, [Recipient(chat_id=person.tg_user_id, person_id=person.id)],
            text + "\n" + await summary(session, case, loc), now=now, cause=f"case:{case.id}",
            priority=priority(case), reply_markup=markup)


async def escalate(session: AsyncSession, case: Case, people: list[Person], now: datetime) -> None:
    """Not acknowledged in time: the community's admins get it, with the button to take it."""
    for p in people:
        loc = p.locale
        text = translate(loc, "⏰ {ref} has not been taken by anyone for {duration}.", ref=case.ref,
                         duration=duration(loc, now - case.created_at))
        row = enqueue(session, [Recipient(chat_id=p.tg_user_id, person_id=p.id)],
                      text + "\n" + await staff_text(session, case, loc), now=now, cause=f"case:{case.id}",
                      priority=URGENT, reply_markup=_staff_buttons(loc, case))[0]
        await session.flush()
        session.add(CaseAlert(case_id=case.id, person_id=p.id, outbox_id=row.id))


async def overdue(session: AsyncSession, case: Case, leaders: list[Person], now: datetime) -> None:
    """Not resolved in time: a reminder to the one handling it, and a flag to the grid's workers."""
    await tell_assignee(session, case, "overdue", now)
    for p in leaders:
        if p.id == case.assignee_id:
            continue
        loc = p.locale
        text = translate(loc, "⏰ {ref} is still not resolved after {duration}.", ref=case.ref,
                         duration=duration(loc, now - case.created_at))
        enqueue(session, [Recipient(chat_id=p.tg_user_id, person_id=p.id)],
                text + "\n" + await summary(session, case, loc), now=now, cause=f"case:{case.id}",
                priority=priority(case))


async def describe_casework(session: AsyncSession, task: Task, locale: str) -> str:
    """A volunteer's field work on a case: what and where, and what neighbours said (never who they are)."""
    case = await cases.case_of_task(session, task.id)
    if case is None:
        return task.ref
    lines = [translate(locale, "🧹 Field work for {ref}", ref=case.ref), await summary(session, case, locale)]
    lines += ["💬 " + e.note for e in await cases.history(session, case.id)
              if e.note and e.action in ("reported", "joined", "not_fixed")]
    return "\n".join(lines)[:3000]


async def passed_to(session: AsyncSession, case: Case, colleague: Person, by: Person | None, now: datetime) -> None:
    loc = colleague.locale
    text = translate(loc, "👥 {name} passed {ref} to you.", name=(by.full_name if by else None) or "—", ref=case.ref)
    enqueue(session, [Recipient(chat_id=colleague.tg_user_id, person_id=colleague.id)],
            text + "\n" + await staff_text(session, case, loc), now=now, cause=f"case:{case.id}",
            priority=priority(case), reply_markup=push_markup(*action_rows(loc, case)))


async def resolved_by_volunteer(session: AsyncSession, case: Case, volunteer: Person, now: datetime) -> None:
    """The one handling the case hears that the volunteer finished (the followers are asked as usual)."""
    person = await session.get(Person, case.assignee_id) if case.assignee_id else None
    if person is None or person.tg_user_id is None:
        return
    loc = person.locale
    enqueue(session, [Recipient(chat_id=person.tg_user_id, person_id=person.id)],
            translate(loc, "✅ {ref} was resolved by {name}, a volunteer: {note}", ref=case.ref,
                      name=volunteer.full_name or "—", note=case.resolution or "—"),
            now=now, cause=f"case:{case.id}", priority=priority(case))


# What a user is told when the case engine refuses (code -> msgid); installed by bot/features.py.
REFUSALS: dict[str, str] = {
    "case_taken": N_("{name} is already handling this case."),
    "case_yours": N_("You are already handling this case; /cases shows it with its buttons."),
    "volunteer_asked": N_("A volunteer has already been asked for this case."),
}
