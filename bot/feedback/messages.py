"""The words of feedback and complaints: the kinds, as residents and staff read them, the case engine's words
where an answer to a message differs from a repaired hazard, and the refusals."""

from __future__ import annotations

from bot.platform.i18n import N_, translate

CATEGORY_LABELS = {
    "suggestion": N_("💡 A suggestion"),
    "question": N_("❓ A question"),
    "complaint": N_("😟 A complaint about a service"),
    "about_staff": N_("👤 A complaint about a community worker"),
    "about_volunteer": N_("🙋 A complaint about a volunteer"),
}


def category_label(locale: str, code: str) -> str:
    return translate(locale, CATEGORY_LABELS[code]) if code in CATEGORY_LABELS else code


# The case engine's words for a case of this kind (bot/cases/messages.WORDS has the keys).
CASE_WORDS: dict[str, str] = {
    "new_head": N_("🆕 New feedback from a resident"),
    "acknowledged": N_("{ref}: a community worker has taken your message and will answer it."),
    "ask_fixed": N_("The answer to {ref}: {note}\nDid this answer help?"),
    "yes": N_("👍 Yes, it helped"),
    "no": N_("👎 No, it did not"),
    "what_wrong": N_("What would still help? One line for the staff."),
    "reopened_ok": N_("Thank you. {ref} is open again, and the staff have been told what would still help."),
    "reopened_assignee": N_("❗ {ref} was reopened: the resident says the answer did not help: {note}"),
    "closed": N_("{ref} is closed. Thank you for telling us!"),
    "resolve_prompt": N_("Your answer to {ref}: one message the resident will read. You can send a photo with it "
                         "as its caption."),
    "reject_prompt": N_("Why will {ref} not be taken further? One line that the resident will read."),
    "resolved_done": N_("{ref} is answered. The resident is asked whether it helped; it closes when they say so or "
                        "after {hours} hours without an answer."),
    "rejected_done": N_("{ref} is closed; the resident has been told why."),
    "list_head": N_("Feedback and complaints open in your area: {n}."),
    "resolve_button": N_("✉️ Answer"),
}

# What a user is told when feedback is refused (code -> msgid); installed by bot/features.py.
REFUSALS: dict[str, str] = {
    "subject_empty": N_("Please type who it is about, or press Skip."),
    "subject_too_long": N_("Please say who it is about in at most {max} characters."),
    "subject_invalid": N_("Please type who it is about in words, not a command."),
    "feedback_empty": N_("Please write a few words (or send a photo) first, then press ➡️ Send."),
}
