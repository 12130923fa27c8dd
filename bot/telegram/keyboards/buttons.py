"""The reply-keyboard buttons of the main menu, by key."""

from __future__ import annotations

from bot.platform.i18n import N_

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
    "contacts": N_("☎️ Contacts"),
    "help": N_("ℹ️ Help"),
    "staff": N_("🧰 Staff tools"),
    "register": N_("📝 Register my address"),
    "skip": N_("Skip"),
    "cancel": N_("✖️ Cancel"),
}
