"""The import contracts of `make lint` (pyproject.toml, [tool.importlinter]) hold, and catch a violation."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LINT = Path(sys.executable).parent / "lint-imports"


def lint(tree: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(LINT), "--no-cache"], cwd=tree, capture_output=True, text=True, timeout=120,
                          env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"})


def test_the_boundaries_hold_and_a_rule_importing_aiogram_breaks_them(tmp_path: Path) -> None:
    for part in ("bot", "handlers", "models"):
        shutil.copytree(ROOT / part, tmp_path / part, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    ok = lint(tmp_path)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    # A Telegram-free rule reaching for aiogram, even through another module, is refused.
    (tmp_path / "bot" / "kernel" / "shortcut.py").write_text("from bot.telegram import ui  # noqa\n")
    broken = lint(tmp_path)
    assert broken.returncode != 0
    assert "Rules, models and the kernel are Telegram-free BROKEN" in broken.stdout
    assert "bot.kernel.shortcut -> bot.telegram.ui" in broken.stdout


def test_routers_ask_the_rules_and_never_query_the_database_themselves() -> None:
    """Handlers are thin: a query written in a router is a rule in the wrong place (the review found a
    notices list that hid a sender's own notices that way)."""
    offenders = [f"{p.name}:{n}" for p in sorted((ROOT / "handlers").glob("*.py"))
                 for n, line in enumerate(p.read_text().splitlines(), 1)
                 if "session.exec(" in line or "select(" in line or "from sqlmodel import" in line]
    assert offenders == []
