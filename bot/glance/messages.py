"""The words of staff at a glance: /stats in one message readable on a phone, the evening summary and the
labels of its chart, in the reader's language (the caller sets it: `use_locale`); its refusals."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from bot.glance import rules as glance
from bot.kernel.glance import Figure, Glance
from bot.platform.charts import panels_chart
from bot.platform.i18n import N_, _, duration, get_i18n

# Panels of the 14-day chart: (section, title msgid, whether its values are shares).
PANELS = (("health", N_("Health reports"), False), ("supplies", N_("Supply requests"), False),
          ("hazards", N_("Hazard reports"), False), ("notices", N_("Alerts acknowledged"), True))


def value_words(f: Figure) -> str:
    v = f.value
    if v is None:
        text = "—"
    elif isinstance(v, timedelta):
        text = duration(get_i18n().current_locale, v)
    elif isinstance(v, float):
        text = f"{v:.0%}"
    else:
        text = str(v)
    return f"{text} ({f.label})" if f.label and not f.key.startswith("open:") else text


def label(g: Glance, f: Figure) -> str:
    if f.key in g.labels:
        return _(g.labels[f.key])
    return g.label_for(get_i18n().current_locale, f.key) if g.label_for else f.key


def section_lines(s: glance.Section) -> list[str]:
    lines = [_(s.glance.title)]
    for f in s.figures:
        lines.append(f"• {label(s.glance, f)}: {value_words(f)}")
    return lines


def stats_text(area_name: str, sections: list[glance.Section], now_local: datetime) -> str:
    head = _("📊 {area} · {time}").format(area=area_name, time=now_local.strftime("%m-%d %H:%M"))
    blocks = ["\n".join(section_lines(s)) for s in sections]
    return "\n\n".join([head, *blocks]) if blocks else head + "\n\n" + _("Nothing to show yet.")


def list_buttons(sections: list[glance.Section], area_health: bool) -> list[tuple[str, str, str]]:
    """(words, section, list key) for each figure that opens a list and has something in it."""
    if not area_health:
        return []
    return [(f"{label(s.glance, f)} ({f.value})", s.glance.section, f.opens) for s in sections for f in s.figures
            if f.opens and isinstance(f.value, int) and f.value > 0 and s.glance.lists is not None]


def list_text(g: Glance, key: str, lines: list, area_name: str) -> str:
    head = f"{_(g.list_titles.get(key, key))} · {area_name}"
    return "\n".join([head, *(f"• {x.text}" for x in lines)]) if lines else head + "\n" + _("Nobody.")


def summary_text(area_name: str, day: date, sections: list[glance.Section], open_lines: list) -> str:
    parts = [_("🗓 The day in {area}, {day}").format(area=area_name, day=day.strftime("%m-%d"))]
    parts += ["\n".join(section_lines(s)) for s in sections]
    if open_lines:
        block = [_("Still open, oldest first, and not heard from:")]
        for g, key, lines in open_lines:
            block.append(_(g.list_titles.get(key, key)) + ":")
            block += [f"  • {x.text}" for x in lines]
        parts.append("\n".join(block))
    return "\n\n".join(parts)


def chart(area_name: str, days: list[date], series: dict[str, dict]) -> bytes:
    installed = {g.section: g for g in glance.hooks.installed()}
    panels = []
    for section, title, percent in PANELS:
        if section in series and section in installed:
            names = installed[section].series
            panels.append((_(title), {_(names.get(k, k)): v for k, v in series[section].items()}, percent))
    return panels_chart(_("{area}: the last 14 days").format(area=area_name), [d.strftime("%m-%d") for d in days],
                        panels)


# What a user is told when this capability refuses (code -> msgid); installed by bot/features.py.
REFUSALS: dict[str, str] = {
    "glance_area": N_("That is outside your area, or no longer there. Please start again with /stats or /export."),
}
