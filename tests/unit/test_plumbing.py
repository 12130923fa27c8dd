"""Storage, de-duplication, migrations, configuration and the catalogues."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import polib
import pytest
from aiogram.fsm.storage.base import StorageKey
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from babel.messages.mofile import read_mo
from pydantic import ValidationError
from sqlmodel import SQLModel

from bot.config import Settings, describe_validation_error
from bot.platform.db import make_engine
from bot.platform.migrations import upgrade_head
from bot.telegram.fsm_storage import SQLStorage
from tests.conftest import PG_URL

ROOT = Path(__file__).resolve().parent.parent.parent
LOCALES = ("en", "zh_Hans", "zh_Hant")


async def test_sql_fsm_storage_round_trip(sessionmaker):
    storage = SQLStorage(sessionmaker)
    key = StorageKey(bot_id=1, chat_id=2, user_id=2)
    assert await storage.get_state(key) is None and await storage.get_data(key) == {}
    await storage.set_state(key, "Reg:unit")
    await storage.set_data(key, {"building_id": 3, "care": ["infant"]})
    assert await storage.get_state(key) == "Reg:unit"
    assert await storage.get_data(key) == {"building_id": 3, "care": ["infant"]}
    await storage.set_state(key, None)
    await storage.set_data(key, {})
    assert await storage.get_state(key) is None


def _assert_no_diff(sync_conn) -> None:
    diff = compare_metadata(MigrationContext.configure(sync_conn), SQLModel.metadata)
    assert diff == [], diff


async def test_migrations_build_the_schema_on_an_empty_sqlite(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'm.db'}"
    upgrade_head(url)
    upgrade_head(url)  # idempotent
    engine = make_engine(url)
    async with engine.connect() as conn:
        await conn.run_sync(_assert_no_diff)
    await engine.dispose()


@pytest.mark.skipif(not PG_URL, reason="TEST_DATABASE_URL not set")
async def test_migrations_build_the_schema_on_an_empty_postgres():
    from sqlalchemy import text
    from sqlalchemy.engine.url import make_url

    name = "cbot_migration_check"
    admin = make_engine(PG_URL).execution_options(isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f"DROP DATABASE IF EXISTS {name}"))
        await conn.execute(text(f"CREATE DATABASE {name}"))
    url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    try:
        upgrade_head(url)
        engine = make_engine(url)
        async with engine.connect() as conn:
            await conn.run_sync(_assert_no_diff)
        await engine.dispose()
    finally:
        async with admin.connect() as conn:
            await conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        await admin.dispose()


@pytest.mark.parametrize(("env", "line"), [
    ({"BOT_TOKEN": "nope"}, "Configuration error: BOT_TOKEN: does not look like a bot token"),
    ({"ADMIN_IDS": "12,abc"}, "Configuration error: ADMIN_IDS: 'abc' is not a numeric Telegram user id"),
    ({"TIMEZONE": "Mars/Base"}, "Configuration error: TIMEZONE: unknown time zone"),
    ({"DATABASE_URL": "mysql://x"}, "Configuration error: DATABASE_URL: must start with"),
    ({"DEFAULT_LOCALE": "fr"}, "Configuration error: DEFAULT_LOCALE:"),
])
def test_bad_settings_give_one_clear_line(monkeypatch: pytest.MonkeyPatch, env: dict, line: str) -> None:
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    with pytest.raises(ValidationError) as e:
        Settings(_env_file=None)
    assert describe_validation_error(e.value).startswith(line)


def test_settings_parse_lists_and_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ADMIN_IDS", "1, 2;3")
    monkeypatch.setenv("REDIS_URL", "")
    s = Settings(_env_file=None)
    assert s.admin_ids == [1, 2, 3] and s.redis_url is None
    assert s.database_url == "sqlite+aiosqlite:///data/bot.platform.db" and s.timezone == "Asia/Shanghai"


def _cli(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    base = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "HOME": str(cwd)}
    return subprocess.run([sys.executable, "-m", "bot", *args], env={**base, **env}, cwd=cwd,
                          capture_output=True, text=True, timeout=60)


def test_cli_without_token_explains_botfather(tmp_path: Path) -> None:
    r = _cli(["run"], {}, tmp_path)
    assert r.returncode != 0
    assert "BotFather" in r.stderr and ".env" in r.stderr and "Traceback" not in r.stderr


def test_cli_bad_setting_is_one_line(tmp_path: Path) -> None:
    r = _cli(["run"], {"BOT_TOKEN": "123:abcdefghijklmnopqrstuvwxyz", "DATABASE_URL": "oracle://x"}, tmp_path)
    assert r.returncode == 2
    assert r.stderr.strip().splitlines() == [
        "Configuration error: DATABASE_URL: must start with sqlite+aiosqlite:// or postgresql+asyncpg://"]


def test_cli_help_lists_subcommands(tmp_path: Path) -> None:
    r = _cli(["--help"], {}, tmp_path)
    for sub in ("run", "webhook", "db", "structure"):
        assert sub in r.stdout


def test_cli_structure_import(tmp_path: Path) -> None:
    env = {"DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"}
    r = _cli(["structure", "import", str(ROOT / "examples/community.yaml")], env, tmp_path)
    assert r.returncode == 0, r.stderr
    assert "building: +10 created" in r.stdout
    r = _cli(["structure", "import", str(ROOT / "examples/community.yaml")], env, tmp_path)
    assert "building: +0 created, 0 updated" in r.stdout
    bad = tmp_path / "bad.yaml"
    bad.write_text("communities: [{code: 'no spaces allowed', name: x}]")
    r = _cli(["structure", "import", str(bad)], env, tmp_path)
    assert r.returncode == 1 and "code 'no spaces allowed'" in r.stderr and "Traceback" not in r.stderr


@pytest.mark.parametrize("locale", LOCALES)
def test_catalogue_is_complete_and_compiled(locale: str) -> None:
    po_path = ROOT / "locales" / locale / "LC_MESSAGES" / "messages.po"
    mo_path = po_path.with_suffix(".mo")
    po = polib.pofile(str(po_path))
    pot = polib.pofile(str(ROOT / "locales" / "messages.pot"))
    assert {e.msgid for e in pot} <= {e.msgid for e in po}, "catalogue misses messages: run `make i18n`"
    untranslated = [e.msgid for e in po if not e.obsolete and not (
        all(e.msgstr_plural.values()) if e.msgid_plural else e.msgstr)]
    fuzzy = [e.msgid for e in po if "fuzzy" in e.flags]
    assert untranslated == [] and fuzzy == []
    for e in po:  # placeholders must survive translation (a plural form may use {n} for the number)
        if e.msgid_plural:
            allowed = set(_fields(e.msgid)) | set(_fields(e.msgid_plural)) | {"n"}
            for form in e.msgstr_plural.values():
                assert set(_fields(form)) <= allowed and set(_fields(e.msgid)) - {"n"} <= set(_fields(form)), e.msgid
        else:
            assert sorted(_fields(e.msgid)) == sorted(_fields(e.msgstr)), e.msgid
    assert mo_path.exists(), "run `make i18n-compile`"
    assert mo_path.stat().st_mtime >= po_path.stat().st_mtime, f"{mo_path} is older than its .po"
    with mo_path.open("rb") as f:
        compiled = {tuple(m.id) if isinstance(m.id, list) else m.id:
                    tuple(m.string) if isinstance(m.string, list) else m.string for m in read_mo(f) if m.id}
    expected = {(e.msgid, e.msgid_plural) if e.msgid_plural else e.msgid:
                tuple(e.msgstr_plural[k] for k in sorted(e.msgstr_plural)) if e.msgid_plural else e.msgstr
                for e in po if e.msgid and not e.obsolete}
    assert compiled == expected, "stale .mo"


def _fields(s: str) -> list[str]:
    import string

    return [f for _, f, _, _ in string.Formatter().parse(s) if f]


def test_every_gettext_string_in_the_code_is_in_the_template(tmp_path: Path) -> None:
    """The .pot is extracted from the code: a string added without `make i18n` fails here."""
    out = tmp_path / "fresh.pot"
    subprocess.run([str(Path(sys.executable).parent / "pybabel"), "-q", "extract", "-F", "babel.cfg",
                    "-k", "_", "-k", "__", "-k", "N_", "-k", "translate:2", "-k", "translate_n:2,3", "-k", "_n:1,2",
                    "--no-location",
                    "--sort-output", "-o", str(out), "."], cwd=ROOT, check=True, timeout=60)
    fresh = {e.msgid for e in polib.pofile(str(out))}
    stored = {e.msgid for e in polib.pofile(str(ROOT / "locales/messages.pot"))}
    assert fresh == stored, f"run `make i18n`: new {sorted(fresh - stored)[:5]}, gone {sorted(stored - fresh)[:5]}"
