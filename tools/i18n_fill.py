"""Fill catalogue gaps after `pybabel update`: English is the source language (msgstr = msgid), and
an empty Traditional Chinese entry is drafted from the Simplified one with OpenCC (s2tw: Taiwan-standard characters
only, no regional phrase changes, so 社区 becomes 社區 and not 社群). Fuzzy flags are never added;
review the drafted zh_Hant entries (`git diff locales/`) before committing.

Also reports zh_Hans entries still empty: those need a human translation.
"""

from __future__ import annotations

import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent / "locales"


def traditional_touches(text: str) -> str:
    """Corner-bracket quotes, and 后 -> 後 where OpenCC cannot tell 'after' from 'queen'."""
    text = text.replace("“", "「").replace("”", "」")
    for a, b in (("天后", "天後"), ("稍后", "稍後"), ("之后", "之後"), ("以后", "以後")):
        text = text.replace(a, b)
    return text


def main() -> int:
    en = polib.pofile(str(ROOT / "en/LC_MESSAGES/messages.po"))
    for e in en:
        if e.msgid_plural:  # plural forms: one, other
            if not any(e.msgstr_plural.values()):
                e.msgstr_plural = {0: e.msgid, 1: e.msgid_plural}
        elif not e.msgstr:
            e.msgstr = e.msgid
    en.save()

    hans = polib.pofile(str(ROOT / "zh_Hans/LC_MESSAGES/messages.po"))
    hant = polib.pofile(str(ROOT / "zh_Hant/LC_MESSAGES/messages.po"))
    try:
        import opencc

        conv = opencc.OpenCC("s2tw")
    except ImportError:  # pragma: no cover
        conv = None
    by_id = {e.msgid: e.msgstr for e in hans}
    drafted = 0
    for e in hant:
        if not e.msgstr and by_id.get(e.msgid) and conv is not None:
            e.msgstr = traditional_touches(conv.convert(by_id[e.msgid]))
            drafted += 1
    hant.save()
    missing = [e.msgid for e in hans if not (e.msgstr or any(e.msgstr_plural.values()))]
    print(f"i18n: {drafted} zh_Hant entries drafted from zh_Hans; {len(missing)} zh_Hans entries untranslated")
    for m in missing[:20]:
        print("  untranslated:", m.splitlines()[0][:80])
    return 0


if __name__ == "__main__":
    sys.exit(main())
