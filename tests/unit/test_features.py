"""The features list (bot/features.py) is the one place a capability is plugged in: nothing is left out."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import bot
import handlers
from bot import features
from bot.kernel import personal_data
from bot.platform.scheduling.registry import HANDLERS
from bot.telegram.routing import RouterTemplate

ROOT = Path(bot.__file__).resolve().parent


def test_every_router_runs_once_in_the_order_the_list_gives() -> None:
    routers = features.router_templates()
    assert len(routers) == len({id(r) for r in routers})
    modules = [importlib.import_module(f"handlers.{m.name}") for m in pkgutil.iter_modules(handlers.__path__)]
    defined = [v for m in modules for v in vars(m).values() if isinstance(v, RouterTemplate)]
    assert {id(r) for r in defined} == {id(r) for r in routers}  # none defined and left out
    assert routers[0] is features.PLUMBING_FIRST[0] and routers[-1] is features.PLUMBING_LAST[-1]


def test_every_module_with_due_work_is_named_by_a_feature() -> None:
    named = {m.__name__ for f in features.FEATURES for m in f.due}
    registering = {h.__module__ for h in HANDLERS.values()}
    assert registering == named
    sources = [p for p in ROOT.rglob("*.py")  # the decorators in use
               if "\n@due_handler(" in p.read_text() or "\n@recurring(" in p.read_text()]
    assert {".".join(p.relative_to(ROOT.parent).with_suffix("").parts) for p in sources} == named


def test_every_capabilitys_share_of_a_persons_data_is_installed() -> None:
    installed = personal_data.hooks()
    names = [m.name for m in pkgutil.walk_packages(bot.__path__, "bot.")
             if m.name.endswith(".rules")]
    assert "bot.notices.rules" in names
    for name in names:
        module = importlib.import_module(name)
        if hasattr(module, "PERSONAL_DATA"):
            assert module.PERSONAL_DATA in installed, name


def test_every_task_kind_is_described_and_has_its_steps() -> None:
    from bot.tasks import kinds
    from handlers import volunteers
    from models.tasks import TASK_KINDS

    installed = kinds.installed()
    assert set(installed) == set(TASK_KINDS)
    for code, kind in TASK_KINDS.items():
        assert kind.closes_by in volunteers.STEPS, code
        if kind.closes_by == "outcome":  # somebody must hear when a call or visit goes wrong
            assert installed[code].outcome is not None, code


def test_every_command_a_router_answers_and_every_staff_tool_is_in_the_list() -> None:
    from aiogram.filters import Command

    from bot.telegram import commands

    listed, tools = commands.installed()
    names = [c.name for c in listed]
    assert len(names) == len(set(names))
    answered: set[str] = set()
    for template in features.router_templates():
        for _fn, filters, _kw in template.message.handlers:
            for f in filters:
                if isinstance(f, Command):
                    answered |= {c for c in f.commands if isinstance(c, str)}
    # Nothing answered in a private chat but unlisted (/bind, /unbind and /rumourwatch are typed by staff in a
    # group chat), and nothing listed that no router answers.
    assert answered - set(names) == {"bind", "unbind", "rumourwatch"}
    assert set(names) <= answered
    modules = [importlib.import_module(f"handlers.{m.name}") for m in pkgutil.iter_modules(handlers.__path__)]
    defined_tools = {id(t) for m in modules for t in getattr(m, "TOOLS", ())}
    defined_commands = {id(c) for m in modules for c in getattr(m, "COMMANDS", ())}
    assert defined_tools == {id(t) for t in tools}
    assert defined_commands == {id(c) for c in listed}


def test_every_refusal_code_the_code_can_give_has_words() -> None:
    """A code raised (or refused with) anywhere, and the `<code>_empty|_too_long|_invalid` family of every
    clean_line call, is worded by the kernel or by a capability named in the list."""
    import re

    from bot.kernel import errors

    raised: set[str] = set()
    for path in [*ROOT.rglob("*.py"), *Path(handlers.__file__).parent.rglob("*.py")]:
        text = path.read_text()
        raised |= set(re.findall(r'(?:DomainError|PermissionDenied|refusal)\(\s*"([a-z_]+)"', text))
        for code, rest in re.findall(r'clean_line\([^)]*?code="([a-z_]+)"([^)]*)\)', text):
            raised |= {f"{code}_empty", f"{code}_too_long"} | (set() if "allow_slash=True" in rest else
                                                                {f"{code}_invalid"})
    assert {"forbidden", "temp_range", "notice_too_long", "reason_invalid"} <= raised
    assert sorted(c for c in raised if errors.refusal_msgid(c) is None) == []
