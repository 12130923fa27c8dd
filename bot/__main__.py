"""Command line: python -m bot {run,webhook,db,structure,rumours,households,export} ..."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from pathlib import Path

from pydantic import ValidationError

from bot.config import MissingToken, Settings, describe_validation_error
from bot.platform.logging_setup import setup_logging

log = logging.getLogger("bot")


def load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as e:
        print(describe_validation_error(e), file=sys.stderr)
        raise SystemExit(2) from None


def migrate(settings: Settings) -> None:
    from bot.platform.migrations import upgrade_head

    upgrade_head(settings.database_url)


async def _startup(app) -> None:
    from bot.platform.i18n import get_i18n
    from bot.platform.runtime import tune_gc
    from bot.telegram.commands import set_default_commands

    get_i18n()
    me = await app.bot.me()
    log.info("bot @%s (id %s) starting", me.username, me.id)
    await set_default_commands(app.bot, app.settings.default_locale)
    tune_gc()  # everything loaded so far lives as long as the process


def _stop_on_signals() -> asyncio.Event:
    """An event that SIGINT or SIGTERM sets."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    return stop


async def run_polling(settings: Settings) -> None:
    from bot.app import build_app
    from bot.background import Background
    from bot.telegram.polling import poll

    stop = _stop_on_signals()  # installed first: SIGTERM during start-up also stops cleanly
    app = build_app(settings)
    try:
        await _startup(app)
        # A webhook left behind would make getUpdates fail; pending updates are kept (never dropped).
        await app.bot.delete_webhook(drop_pending_updates=False)
        background = Background(app)
        await background.start()
        try:
            await poll(app.dispatcher, app.bot, stop, timeout=settings.polling_timeout)
        finally:
            await background.stop()  # the sender finishes the requests under way
    finally:
        await app.close()


async def run_webhook(settings: Settings, host: str, port: int) -> None:
    from aiohttp import web

    from bot.app import build_app
    from bot.background import Background
    from bot.telegram.webhook import make_web_app

    if settings.webhook_secret is None:
        print("Configuration error: WEBHOOK_SECRET: required in webhook mode (Telegram sends it back in "
              "X-Telegram-Bot-Api-Secret-Token)", file=sys.stderr)
        raise SystemExit(2)
    stop = _stop_on_signals()  # installed first: SIGTERM during start-up also stops cleanly
    app = build_app(settings)
    await _startup(app)
    secret = settings.webhook_secret.get_secret_value()
    if settings.webhook_url:
        await app.bot.set_webhook(settings.webhook_url.rstrip("/") + settings.webhook_path, secret_token=secret,
                                  drop_pending_updates=False, max_connections=settings.webhook_max_connections)
    background = Background(app)
    await background.start()
    web_app = make_web_app(app, secret)
    runner = web.AppRunner(web_app, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    log.info("webhook listening on %s:%s%s", host, port, settings.webhook_path)
    await stop.wait()
    log.info("shutting down: finishing updates in hand")
    await background.stop()  # pushes still queued stay in the outbox for the next runner
    await runner.cleanup()  # stops accepting, waits for the updates in hand
    await app.close()


async def structure_import(settings: Settings, path: Path) -> int:
    from bot.kernel.structure import StructureFileError, import_structure_file
    from bot.platform.db import make_engine, make_sessionmaker

    engine = make_engine(settings.database_url)
    try:
        async with make_sessionmaker(engine)() as session:
            try:
                report = await import_structure_file(session, path)
            except StructureFileError as e:
                print(f"{path}: {e}", file=sys.stderr)
                return 1
        print(f"imported {path}: {report.summary()}")
        return 0
    finally:
        await engine.dispose()


async def rumours_import(settings: Settings, path: Path) -> int:
    from bot.platform.clock import Clock
    from bot.platform.db import make_engine, make_sessionmaker
    from bot.rumours.rules import LibraryFileError, import_library_file

    engine = make_engine(settings.database_url)
    try:
        async with make_sessionmaker(engine)() as session:
            try:
                report = await import_library_file(session, path, Clock().now())
            except LibraryFileError as e:
                print(f"{path}: {e}", file=sys.stderr)
                return 1
        print(f"imported {path}: {report.summary()}")
        return 0
    finally:
        await engine.dispose()


async def rumours_match(settings: Settings, text: str, community: str | None, as_json: bool) -> int:
    """Staff test an entry: the ranked entries with their scores, and what the bot would do."""
    import json

    from sqlmodel import select

    from bot.platform.db import make_engine, make_sessionmaker
    from bot.rumours import rules as rumours
    from models import Community

    engine = make_engine(settings.database_url)
    try:
        async with make_sessionmaker(engine)() as session:
            community_id = None
            if community:
                c = (await session.exec(select(Community).where(Community.code == community))).first()
                if c is None:
                    print(f"no community with the code {community!r}", file=sys.stderr)
                    return 1
                community_id = c.id
            index, entries = await rumours.index_for(session, community_id)
            hits = index.match(text, limit=5)
    finally:
        await engine.dispose()
    best = hits[0].score if hits else 0.0
    decision = "answer" if best >= rumours.ANSWER_AT else ("show, and ask staff" if best >= rumours.SHOW_AT
                                                            else "below threshold: ask staff")
    group = any(h.score >= rumours.GROUP_AT and entries[h.entry_id].verdict in ("false", "misleading")
                for h in hits[:1])
    if as_json:
        print(json.dumps({"decision": decision, "group_reply": group, "thresholds": {
            "show": rumours.SHOW_AT, "answer": rumours.ANSWER_AT, "group": rumours.GROUP_AT},
            "entries": [{"id": h.entry_id, "key": entries[h.entry_id].key, "verdict": entries[h.entry_id].verdict,
                         "score": h.score, "closest_phrasing": h.phrasing} for h in hits]}, ensure_ascii=False))
        return 0
    for h in hits:
        e = entries[h.entry_id]
        print(f"{h.score:.3f}  #{e.id} {e.key or ''} [{e.verdict}]  {h.phrasing}")
    print(f"decision: {decision}; a group's watch would {'reply' if group else 'stay silent'}")
    return 0


async def households_import(settings: Settings, path: Path, data: bytes, community: str, dry_run: bool) -> int:
    """The ledger from the command line, as the bot's administrator: the same plan and import as in the chat."""
    from bot.kernel.errors import DomainError, refusal_msgid
    from bot.kernel.permissions import Actor
    from bot.ledger import rules as ledger
    from bot.platform.clock import Clock
    from bot.platform.db import make_engine, make_sessionmaker

    engine = make_engine(settings.database_url)
    actor = Actor(person_id=None, superadmin=True)
    try:
        async with make_sessionmaker(engine)() as session:
            try:
                rows = ledger.read_table(data, path.name)
                target = await ledger.importer_community(session, actor, community)
                plan = await ledger.plan(session, actor, target, rows, region=settings.phone_region,
                                         now=Clock().now())
            except DomainError as e:
                print(f"{path}: {(refusal_msgid(e.code) or e.code).format(**e.params)}", file=sys.stderr)
                return 1
            print(f"{path}: {len(plan.households)} households; new {len(plan.created)}, changed "
                  f"{len(plan.changed)}, unchanged {plan.unchanged}; refused rows {len(plan.refused)}")
            for r in plan.refused:
                print(f"  row {r.row}: {(refusal_msgid(r.code) or r.code).format(**r.params)}")
            if dry_run:
                return 0
            done = await ledger.apply(session, actor, plan, Clock().now(), file_name=path.name)
            await session.commit()
            print(f"imported: {done.created} new households, {done.changed} changed, {done.members} new members")
        return 0
    finally:
        await engine.dispose()


async def export(settings: Settings, args: argparse.Namespace) -> int:
    """Ledgers from the command line, as the bot's administrator: the same tables as /export, audited."""
    from datetime import date, timedelta

    from bot.glance import rules as glance
    from bot.kernel.errors import DomainError
    from bot.platform.clock import Clock
    from bot.platform.db import make_engine, make_sessionmaker

    engine = make_engine(settings.database_url)
    now = Clock().now()
    try:
        until = date.fromisoformat(args.to) if args.to else now.astimezone(settings.tz).date()
        since = date.fromisoformat(args.since) if args.since else until - timedelta(days=args.days - 1)
    except ValueError as e:
        print(f"dates: {e}", file=sys.stderr)
        return 2
    try:
        async with make_sessionmaker(engine)() as session:
            try:
                job = await glance.admin_job(session, settings.timezone, community=args.community, grid=args.grid,
                                             building=args.building, since=since, until=until, fmt=args.format,
                                             tables=[t for t in (args.tables or "").split(",") if t] or None,
                                             locale=args.locale, now=now)
            except DomainError:
                print("no such community, grid, building or table, or the dates are the wrong way round",
                      file=sys.stderr)
                return 1
            session.add(job)
            await session.flush()
            built = await glance.build(session, job, f"{args.community}-{since:%Y%m%d}-{until:%Y%m%d}", now)
            await session.commit()
        out = args.out or Path(built.name)
        out.write_bytes(built.data)
        print(f"{out}: " + ", ".join(f"{s.table.key} {len(s.rows)} rows" for s in built.sheets))
        return 0
    finally:
        await engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot", description="Community emergency service bot")
    sub = parser.add_subparsers(dest="cmd", required=True)
    p_run = sub.add_parser("run", help="apply migrations, then run the bot with long polling")
    p_run.add_argument("--no-migrate", action="store_true", help="do not apply database migrations first")
    p_wh = sub.add_parser("webhook", help="apply migrations, then serve Telegram's webhook (aiohttp)")
    p_wh.add_argument("--host", default="0.0.0.0")
    p_wh.add_argument("--port", type=int, default=8080)
    p_wh.add_argument("--no-migrate", action="store_true")
    p_db = sub.add_parser("db", help="database maintenance")
    p_db.add_argument("action", choices=["upgrade"], help="upgrade: apply all migrations")
    p_st = sub.add_parser("structure", help="community structure")
    st_sub = p_st.add_subparsers(dest="action", required=True)
    p_imp = st_sub.add_parser("import", help="create or update communities, grids and buildings from YAML")
    p_imp.add_argument("file", type=Path)
    p_ru = sub.add_parser("rumours", help="the corrections library")
    ru_sub = p_ru.add_subparsers(dest="action", required=True)
    p_rimp = ru_sub.add_parser("import", help="create or update library entries from YAML (by key; idempotent)")
    p_rimp.add_argument("file", type=Path)
    p_rm = ru_sub.add_parser("match", help="rank the library's entries for a text, with scores and the decision")
    p_rm.add_argument("text")
    p_rm.add_argument("--community", help="a community's code: its own entries too")
    p_rm.add_argument("--json", action="store_true")
    p_hh = sub.add_parser("households", help="the community's household ledger")
    hh_sub = p_hh.add_subparsers(dest="action", required=True)
    p_himp = hh_sub.add_parser("import", help="create or complete households from an XLSX or CSV ledger "
                                              "(by building + unit; never deletes)")
    p_himp.add_argument("file", type=Path)
    p_himp.add_argument("--community", required=True, help="the community's code")
    p_himp.add_argument("--dry-run", action="store_true", help="show what it would do, change nothing")
    p_ex = sub.add_parser("export", help="ledgers as XLSX or CSV (households, residents, health reports, supply "
                                         "requests, hazard reports, notices, volunteers' hours)")
    p_ex.add_argument("--community", required=True, help="the community's code")
    p_ex.add_argument("--grid", help="a grid's code: only that grid")
    p_ex.add_argument("--building", help="a building's code: only that building")
    p_ex.add_argument("--days", type=int, default=7, help="the last N days (default 7), up to --to")
    p_ex.add_argument("--from", dest="since", help="first day, YYYY-MM-DD (instead of --days)")
    p_ex.add_argument("--to", help="last day, YYYY-MM-DD (default today)")
    p_ex.add_argument("--format", choices=["xlsx", "csv"], default="xlsx")
    p_ex.add_argument("--tables", help="comma-separated: households,residents,health,supplies,hazards,notices,"
                                       "volunteers (default all)")
    p_ex.add_argument("--locale", choices=["zh_Hans", "zh_Hant", "en"], default="zh_Hans")
    p_ex.add_argument("--out", type=Path, help="the file to write (default: a name with the community and dates)")
    args = parser.parse_args(argv)

    settings = load_settings()
    setup_logging(settings)
    if args.cmd in ("run", "webhook"):
        try:
            settings.require_token()
        except MissingToken as e:
            print(e, file=sys.stderr)
            return 2
        if not args.no_migrate:
            migrate(settings)
        if args.cmd == "run":
            asyncio.run(run_polling(settings))
        else:
            asyncio.run(run_webhook(settings, args.host, args.port))
        return 0
    if args.cmd == "db":
        migrate(settings)
        print("database is up to date")
        return 0
    if args.cmd == "structure":
        migrate(settings)
        return asyncio.run(structure_import(settings, args.file))
    if args.cmd == "rumours":
        migrate(settings)
        if args.action == "import":
            return asyncio.run(rumours_import(settings, args.file))
        return asyncio.run(rumours_match(settings, args.text, args.community, args.json))
    if args.cmd == "households":
        migrate(settings)
        try:
            data = args.file.read_bytes()
        except OSError as e:
            print(f"{args.file}: {e}", file=sys.stderr)
            return 1
        return asyncio.run(households_import(settings, args.file, data, args.community, args.dry_run))
    if args.cmd == "export":
        migrate(settings)
        return asyncio.run(export(settings, args))
    return 1


if __name__ == "__main__":
    raise SystemExit(main())
