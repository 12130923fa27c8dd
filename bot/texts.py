"""Shared user-visible texts: labels for codes, and the translated message for each DomainError code."""

from __future__ import annotations

from bot.platform.i18n import N_, _

LANGUAGE_NAMES = {"zh_Hans": "简体中文", "zh_Hant": "繁體中文", "en": "English"}


def care_need_label(code: str) -> str:
    return {
        "elderly_alone": _("Living alone, aged 70+"),
        "disability": _("Disability"),
        "pregnancy": _("Pregnancy"),
        "infant": _("Infant (under 3)"),
        "chronic": _("Chronic illness"),
    }.get(code, code)


def symptom_label(code: str) -> str:
    return {"fever": _("Fever"), "cough": _("Cough"), "sore_throat": _("Sore throat"), "fatigue": _("Tiredness"),
            "taste_smell": _("Loss of taste or smell"), "breath": _("Shortness of breath"),
            "chest_pain": _("Chest pain"), "diarrhoea": _("Diarrhoea")}.get(code, code)


def test_label(code: str | None) -> str:
    return {"none": _("No recent test"), "antigen_neg": _("Antigen test: negative"),
            "antigen_pos": _("Antigen test: positive"), "pcr_neg": _("PCR test: negative"),
            "pcr_pos": _("PCR test: positive")}.get(code or "none", "—")


def role_label(role: str) -> str:
    return {
        "resident": _("resident"),
        "volunteer": _("volunteer"),
        "staff": _("community worker"),
        "doctor": _("community doctor"),
        "counsellor": _("counsellor"),
        "admin": _("administrator"),
    }.get(role, role)


def error_text(code: str, **params: object) -> str:
    table = {
        "forbidden": _("Sorry, you don't have permission to do that."),
        "not_found": _("Sorry, that no longer exists."),
        "already_done": _("This has already been handled."),
        "unit_empty": _("Please type your unit and room, for example 2-502."),
        "unit_too_long": _("That is too long. Please type just the unit and room, for example 2-502 "
                           "(at most {max} characters)."),
        "unit_invalid": _("I couldn't read that as a unit and room. Please type it like 2-502 "
                          "(unit 2, room 502) or just 502."),
        "size_not_number": _("Please send a whole number, for example 3."),
        "size_range": _("Please send a number from 1 to {max}."),
        "name_empty": _("Please type the person's name."),
        "name_too_long": _("That name is too long (at most {max} characters). Please type a shorter name."),
        "name_invalid": _("Please type a name, not a command."),
        "member_exists": _("A member with this name is already in your household."),
        "household_full": _("A household can have at most {max} members."),
        "not_registered": _("Please register your address first: press /start."),
        "building_gone": _("That building is no longer in the list. Please choose again."),
        "bad_care_need": _("This button is no longer active."),
        "invite_invalid": _("This invitation link is not valid. Please ask the person who sent it for a new one."),
        "invite_used": _("This invitation link has already been used. Please ask for a new one."),
        "invite_expired": _("This invitation link has expired. Please ask for a new one."),
        "invite_revoked": _("This invitation link has been withdrawn. Please ask for a new one."),
        "bad_uses": _("Sorry, that is not a valid choice."),
        "bad_ttl": _("Sorry, that is not a valid choice."),
        "bad_code": _("A building code may only use letters, digits, '-' and '_' (at most 40). Please try again."),
        "bad_name": _("Please type a name of at most 120 characters."),
        "code_taken": _("That building code is already used. Please choose another."),
        "task_taken": _("Sorry, {name} ({role}) has already taken this task."),
        "phone_invalid": _("That does not look like a phone number that can be called. Please share your "
                           "number again with the button below, or press Skip."),
        "not_your_household": _("You can only report for the members of your own household."),
        "task_taken_unknown": _("Sorry, someone else has already taken this task."),
        "task_cancelled": _("This request was cancelled, so there is nothing to take. Thank you all the same!"),
        "claimed_by_you": _("You have already taken this task: its steps are on this message."),
        "at_capacity": _("You already have {max} open tasks. Please finish one before taking another."),
        "too_late_to_cancel": _("A volunteer is already on the way, so it can no longer be cancelled here. "
                                "Please call your neighbourhood committee."),
        "reason_empty": _("Please write a short reason."),
        "reason_too_long": _("Please keep the reason under {max} characters."),
        "qty_not_number": _("Please send a whole number, for example 2."),
        "qty_positive": _("The quantity must be at least 1."),
        "qty_too_large": _("That is more than we can deliver at once (at most {max}). Please send a smaller number."),
        "item_empty": _("Please type what you need."),
        "item_too_long": _("Please describe the item in at most {max} characters."),
        "item_invalid": _("Please type the item, not a command."),
        "note_too_long": _("The note is too long (at most {max} characters). Please shorten it."),
        "no_items": _("Please add at least one item."),
        "too_many_items": _("A request can have at most {max} items. Please send the rest as a new request."),
        "bad_category": _("Sorry, that is not a valid choice."),
        "bad_urgency": _("Sorry, that is not a valid choice."),
        "bad_address": _("That address is not in your community."),
        "temp_not_number": _("I couldn't read that temperature. Please type it like 36.8 (or 37,5 or 98.2F)."),
        "temp_range": _("A body temperature is between {min} and {max} °C. Please check the thermometer and type "
                        "it again, for example 36.8."),
        "bad_health_value": _("This button is no longer active."),
        "days_not_number": _("Please send a whole number of days, for example 14."),
        "days_range": _("Please choose from 1 to {max} days."),
        "already_monitored": _("Already under home monitoring. To change it, end it first in /monitor."),
        "bad_outcome": _("This button is no longer active."),
        "bad_step": _("This button is no longer active."),
        "claim_first": _("Please take the task first (“I'll take it”)."),
        "notice_empty": _("Please write the text of the notice."),
        "notice_paste_tail": _("That looks like the end of the long text I could not take, so I did not use it "
                               "as the notice. Please send the whole notice in one message of at most {max} "
                               "characters."),
        "notice_caption_empty": _("Please send the photo or document again with the notice text as its caption "
                                  "(type it in the caption field before sending)."),
        "notice_too_long": _("That is {length} characters; a notice can have at most {max}. Please shorten it."),
        "audience_empty": _("Please choose at least one kind of recipient: residents, a role, or group chats."),
        "when_format": _("Please type a time like 18:30, or a date and time like 11-24 09:00."),
        "when_past": _("That time has already passed. Please type a time in the future."),
        "when_far": _("Please choose a time within the next year."),
        "until_format": _("Please type a day like 12-31 (or 2026-12-31)."),
        "until_before": _("The last day cannot be before the first send. Please type a later day."),
        "reminded_recently": _("A reminder was sent less than 30 minutes ago. Please give people a little time."),
        "notice_started": _("This notice has already gone out once, so its time cannot be changed. Cancel it and "
                            "send a new one."),
        "group_not_bound": _("This group is not bound to any place."),
        "stock_format": _("Write it as: name quantity [low-stock threshold], for example: masks 500 50"),
        "stock_range": _("Quantities go from 0 to {max}."),
    }
    text = table.get(code) or _("Sorry, something is not right. Please try again.")
    return text.format(**params) if params else text


# Reply-keyboard buttons: key -> msgid. Matched in any locale by bot.telegram.filters.MenuText.
MENU_BUTTONS: dict[str, str] = {
    "well": N_("✅ I'm well today"),
    "health": N_("🌡 Health report"),
    "supplies": N_("🛒 Request supplies"),
    "hazard": N_("⚠️ Report a hazard"),
    "notices": N_("📢 Notices"),
    "rumour": N_("❓ Is it true?"),
    "support": N_("💬 Someone to talk to"),
    "household": N_("🏠 My household"),
    "help": N_("ℹ️ Help"),
    "staff": N_("🧰 Staff tools"),
    "register": N_("📝 Register my address"),
    "skip": N_("Skip"),
    "cancel": N_("✖️ Cancel"),
}
