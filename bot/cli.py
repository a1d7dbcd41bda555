"""The `showbot` command line."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import sys
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path

from bot.config import ENV_HELP, ConfigError, Settings, load_settings
from storage.errors import StorageError

_log = logging.getLogger("showbot")


def _parser() -> argparse.ArgumentParser:
    env = "\n".join(f"  {name:<28} {text}" for name, text in ENV_HELP)
    parser = argparse.ArgumentParser(
        prog="showbot",
        description="Tells people the moment a TV show they follow is renewed, cancelled, dated, "
                    "trailered, cast or filmed — from real news feeds, on Discord and Telegram.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=f"environment variables (override the --config file):\n{env}\n\n"
               "With no token set, `showbot run` uses the console adapter, the bundled sample feeds and\n"
               "./showbot.db, and prints notifications.",
    )
    parser.add_argument("--version", action="version", version=f"showbot {showbot_version()}")
    # the common options go before the command (`showbot --db x run`) or after it (`showbot run --db x`);
    # after it they are SUPPRESSed by default, so an absent one never hides one given before
    for where, default in ((parser, None), (common := argparse.ArgumentParser(add_help=False), argparse.SUPPRESS)):
        where.add_argument("--db", default=default, help="SQLite database file (env SHOWBOT_DB; default ./showbot.db)")
        where.add_argument("--config", default=default, help="TOML config file (env vars override it)")
        where.add_argument("-v", "--verbose", action="store_true", default=default or False,
                           help="log debug details")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser("run", parents=[common], help="poll feeds and deliver notifications")
    run.add_argument("--once", action="store_true", help="one poll cycle and delivery, then exit")
    run.add_argument("--console", action="store_true", help="also print notifications for the console user")

    chat = sub.add_parser("chat", parents=[common], help="use the bot's commands at this terminal (no token)")
    chat.add_argument("--no-poll", action="store_true", help="do not poll feeds while chatting")

    match = sub.add_parser("match", help="print the matcher's answer for each item of a JSONL file")
    match.add_argument("--catalog", required=True, help='catalog JSON: {"shows": [{"title", "aliases"}]}')
    match.add_argument("items", help='JSONL file, one {"id", "title", "summary"} per line ("-" for stdin)')

    catalog = sub.add_parser("catalog", help="manage the show catalog")
    catalog_sub = catalog.add_subparsers(dest="catalog_command", required=True, metavar="ACTION")
    imp = catalog_sub.add_parser("import", parents=[common], help="import a catalog JSON file into the db")
    imp.add_argument("file")
    catalog_sub.add_parser("list", parents=[common], help="list the shows in the db")
    tvmaze = catalog_sub.add_parser("tvmaze", parents=[common],
                                    help="add a show from TVmaze (its AKAs as aliases): a TVmaze id, or a name to search")
    tvmaze.add_argument("query", metavar="QUERY|ID")

    feeds = sub.add_parser("feeds", parents=[common], help="list feeds and their health; import or export OPML")
    feeds.add_argument("feeds_command", nargs="?", choices=("list", "import", "export"), default="list",
                       metavar="list|import|export")
    feeds.add_argument("path", nargs="?", help="import: an OPML file ('-' for stdin); export: where (default stdout)")
    sub.add_parser("migrate", parents=[common],
                   help="bring the database's schema up to date (SHOWBOT_DATABASE_URL, else the SQLite file)")
    db = sub.add_parser("db", help="move the data between databases")
    db_sub = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    copy = db_sub.add_parser("copy", parents=[common],
                             help="copy the SQLite database (--db / SHOWBOT_DB) into an empty PostgreSQL database")
    copy.add_argument("--to", required=True, metavar="URL", help="postgresql://user:password@host:5432/dbname")
    calendar = sub.add_parser("calendar", help="the release dates of the shows a chat follows")
    calendar_sub = calendar.add_subparsers(dest="calendar_command", required=True, metavar="ACTION")
    export = calendar_sub.add_parser("export", parents=[common], help="write a chat's release calendar as an .ics file")
    export.add_argument("--chat", required=True, metavar="PLATFORM:KIND:CHAT",
                        help="whose calendar: telegram:user:12345, discord:channel:987…, console:user:local "
                             "(KIND is user or channel; PLATFORM:CHAT means a user)")
    export.add_argument("-o", "--output", required=True, metavar="FILE", help="the .ics file to write ('-': stdout)")
    sub.add_parser("health", parents=[common],
                   help="ask the running bot's /healthz (exit 0 when healthy): Docker's HEALTHCHECK")
    return parser


def showbot_version() -> str:
    try:
        return metadata.version("showbot")
    except metadata.PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown (not installed)"


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if getattr(args, "verbose", False) else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr,
    )
    try:
        if args.command == "match":
            return _match(args.catalog, args.items)
        settings = load_settings(args.config, db=args.db, console=getattr(args, "console", False) or None)
        _redact_in_logs(settings.telegram_token, settings.discord_token)
        logging.getLogger().setLevel(logging.DEBUG if args.verbose else settings.log_level.upper())
        for noisy in ("httpx", "httpcore", "telegram", "discord", "aiosqlite"):
            logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLogger().level))
        if args.command == "run":
            from bot.app import run_bot

            return asyncio.run(run_bot(settings, once=args.once))
        if args.command == "chat":
            from bot.app import run_chat

            return asyncio.run(run_chat(settings, poll=not args.no_poll))
        if args.command == "catalog":
            return asyncio.run(_catalog(settings, args))
        if args.command == "feeds":
            if args.feeds_command == "import":
                return asyncio.run(_feeds_import(settings, args.path))
            if args.feeds_command == "export":
                return asyncio.run(_feeds_export(settings, args.path))
            return asyncio.run(_feeds(settings))
        if args.command == "migrate":
            return asyncio.run(_migrate(settings))
        if args.command == "db":
            return asyncio.run(_db_copy(settings, args.to))
        if args.command == "calendar":
            return asyncio.run(_calendar_export(settings, args.chat, args.output))
        if args.command == "health":
            from bot.health import probe_running_bot

            healthy, text = probe_running_bot(settings)
            print(text)
            return 0 if healthy else 1
    except ConfigError as exc:
        print(f"showbot: configuration error: {exc}", file=sys.stderr)
        return 2
    except StorageError as exc:  # the database can't be opened, is newer than this code, or is in use
        print(f"showbot: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    parser.error(f"unknown command {args.command}")
    return 2


class _Redact(logging.Filter):
    """Replaces secrets in every log record (a library's message or traceback may quote a token)."""

    def __init__(self, secrets: Sequence[str]) -> None:
        super().__init__()
        self._secrets = [s for s in secrets if s]

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        clean = message
        for secret in self._secrets:
            clean = clean.replace(secret, "***")
            if record.exc_text:
                record.exc_text = record.exc_text.replace(secret, "***")
        if clean != message:
            record.msg, record.args = clean, None
        return True


def _redact_in_logs(*secrets: str | None) -> None:
    wanted = [s for s in secrets if s]
    if wanted:
        for handler in logging.getLogger().handlers:
            handler.addFilter(_Redact(wanted))


def _match(catalog_path: str, items_path: str) -> int:
    from bot.service import CatalogFormatError, read_catalog
    from feeds.model import CatalogShow
    from feeds.understand.batch import match_lines
    from feeds.understand.matcher import Matcher

    try:
        shows = [CatalogShow(i, t, tuple(a)) for i, (t, a) in enumerate(read_catalog(catalog_path), 1)]
    except CatalogFormatError as exc:
        print(f"showbot: {exc}", file=sys.stderr)
        return 2
    matcher = Matcher(shows)
    try:
        stream = sys.stdin if items_path == "-" else open(items_path, encoding="utf-8")
    except OSError as exc:
        reason = "no such file" if isinstance(exc, FileNotFoundError) else (exc.strerror or str(exc)).lower()
        print(f"showbot: cannot read {items_path}: {reason}", file=sys.stderr)
        return 2
    bad = 0
    with stream:
        for answer in match_lines(matcher, stream):  # on every core for a large file, in input order
            if answer.error is not None:
                print(f"showbot: {answer.error}", file=sys.stderr)
                bad += 1
            else:
                print(answer.output)
    return 1 if bad else 0


async def _catalog_tvmaze(settings: Settings, query: str) -> int:
    from bot.service import ensure_bundled_catalog
    from bot.tvmaze_catalog import NotOnTvmaze, add_show, import_show
    from feeds.tvmaze import TvmazeClient, TvmazeUnavailable
    from storage import open_storage

    async with TvmazeClient(settings.tvmaze_url) as tvmaze:
        try:
            others = []
            if not query.strip().isdigit():  # ask TVmaze first: an unreachable TVmaze creates nothing
                found = await tvmaze.search(query)
                if not found:
                    print(f"showbot: no show on TVmaze looks like {query!r}", file=sys.stderr)
                    return 1
                best, others = found[0], found[1:6]
                detailed = await tvmaze.show(best.id) or best
            async with open_storage(settings.storage_target) as storage:
                await ensure_bundled_catalog(storage)
                if query.strip().isdigit():
                    show = await import_show(storage.catalog, tvmaze, int(query))
                else:
                    show = await add_show(storage.catalog, detailed)
        except TvmazeUnavailable as exc:
            print(f"showbot: {exc}", file=sys.stderr)
            return 1
        except NotOnTvmaze as exc:
            print(f"showbot: {exc}", file=sys.stderr)
            return 1
    aliases = f" with aliases {', '.join(show.aliases)}" if show.aliases else ""
    print(f"{show.title} (TVmaze {show.tvmaze_id}){aliases} is in the catalog")
    for other in others:
        print(f"  also on TVmaze: {other.label} — showbot catalog tvmaze {other.id}")
    return 0


async def _catalog(settings: Settings, args: argparse.Namespace) -> int:
    from bot.service import CatalogFormatError, ensure_bundled_catalog, read_catalog
    from storage import NoDatabase, open_storage

    if args.catalog_command == "tvmaze":
        return await _catalog_tvmaze(settings, args.query)
    if args.catalog_command == "import":
        try:
            shows = read_catalog(args.file)  # read first: a bad file creates nothing
        except CatalogFormatError as exc:
            print(f"showbot: {exc}", file=sys.stderr)
            return 2
        async with open_storage(settings.storage_target) as storage:
            await ensure_bundled_catalog(storage)  # a first import adds to the bundled shows, as `run` would
            count = await storage.catalog.import_catalog(shows)
            print(f"imported {count} shows into {storage.location} ({await storage.catalog.show_count()} in the catalog)")
        return 0
    try:
        async with open_storage(settings.storage_target, read_only=True) as storage:
            for show in await storage.catalog.shows():
                aliases = f"  ({', '.join(show.aliases)})" if show.aliases else ""
                print(f"{show.title}{aliases}")
    except NoDatabase as exc:
        print(f"showbot: {exc}", file=sys.stderr)
    return 0


def _chat_address(text: str) -> tuple[str, str, str] | None:
    """'telegram:user:12345' -> ('telegram', 'user', '12345'); 'telegram:12345' means a user."""
    parts = text.strip().split(":", 2)
    if len(parts) == 2:
        parts = [parts[0], "user", parts[1]]
    if len(parts) != 3 or not all(p.strip() for p in parts) or parts[1] not in ("user", "channel"):
        return None
    return parts[0].strip().lower(), parts[1], parts[2].strip()


async def _calendar_export(settings: Settings, chat: str, output: str) -> int:
    from bot.story_views import chat_calendar
    from storage import NoDatabase, open_storage

    address = _chat_address(chat)
    if address is None:
        print(f"showbot: --chat {chat!r}: write PLATFORM:KIND:CHAT, e.g. telegram:user:12345 or "
              "discord:channel:987654321 (KIND is user or channel)", file=sys.stderr)
        return 2
    try:
        async with open_storage(settings.storage_target, read_only=True) as storage:
            calendar = await chat_calendar(storage, *address)
    except NoDatabase as exc:
        print(f"showbot: {exc}", file=sys.stderr)
        return 1
    data = calendar.ics(name=f"showbot release dates ({':'.join(address)})")
    releases = len(calendar.releases())
    if output == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        try:
            await asyncio.to_thread(_write_atomically, output, data)
        except OSError as exc:
            print(f"showbot: cannot write {output}: {exc.strerror or exc}", file=sys.stderr)
            return 1
    if not calendar.entries and not await _follows_anything(settings, address):
        print(f"showbot: {':'.join(address)} follows no show: the calendar is empty", file=sys.stderr)
    print(f"{releases} release{'s' if releases != 1 else ''} written to {output}", file=sys.stderr)
    return 0


async def _follows_anything(settings: Settings, address: tuple[str, str, str]) -> bool:
    from storage import open_storage

    async with open_storage(settings.storage_target, read_only=True) as storage:
        return await storage.audience.count_subscriptions(*address) > 0


def _write_atomically(path: str, data: bytes) -> None:
    """Write beside the target, then rename over it: a reader never sees half a calendar."""
    import os
    import tempfile

    folder = os.path.dirname(os.path.abspath(path))
    fd, temp = tempfile.mkstemp(prefix=".showbot-", suffix=".ics", dir=folder)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


async def _feeds(settings: Settings) -> int:
    from bot.feed_health import describe_feed
    from storage import NoDatabase, open_storage

    try:
        async with open_storage(settings.storage_target, read_only=True) as storage:
            feeds = await storage.feeds.all()
    except NoDatabase as exc:
        print(f"no feeds yet: {exc}")
        return 0
    if not feeds:
        print("no feeds yet: `showbot run` adds the configured ones")
    for feed in feeds:
        print(describe_feed(feed))
    return 0


async def _feeds_import(settings: Settings, path: str | None) -> int:
    from bot.feed_lists import add_listed_feeds
    from feeds.opml import read_opml
    from storage import open_storage

    if not path:
        print("showbot: feeds import needs an OPML file ('-' for stdin)", file=sys.stderr)
        return 2
    try:
        data = sys.stdin.buffer.read() if path == "-" else await asyncio.to_thread(Path(path).read_bytes)
    except OSError as exc:
        print(f"showbot: cannot read {path}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    listing = read_opml(data)  # read first: a bad file creates nothing
    if not listing.feeds:
        print(f"showbot: {path}: {listing.problem}", file=sys.stderr)
        return 2
    async with open_storage(settings.storage_target) as storage:
        report = await add_listed_feeds(storage.feeds, listing.feeds, added_by="cli",
                                        allow_private=settings.allow_private_feeds)
    print(f"added {len(report.added)} feeds, {len(report.known)} already polled, {len(report.refused)} refused")
    for url, why in report.refused:
        print(f"refused {url}: {why}", file=sys.stderr)
    if listing.problem:
        print(f"note: {listing.problem}", file=sys.stderr)
    return 0 if report.added or report.known else 1


async def _feeds_export(settings: Settings, path: str | None) -> int:
    from bot.feed_lists import export_feeds
    from storage import NoDatabase, open_storage

    try:
        async with open_storage(settings.storage_target, read_only=True) as storage:
            data, count = await export_feeds(storage.feeds)
    except NoDatabase as exc:
        print(f"showbot: {exc}", file=sys.stderr)
        return 1
    if path and path != "-":
        await asyncio.to_thread(Path(path).write_bytes, data)
        print(f"exported {count} feeds to {path}")
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    return 0


async def _migrate(settings: Settings) -> int:
    from storage import open_storage

    async with open_storage(settings.storage_target) as storage:  # opening migrates
        print(f"{storage.location} is at schema version {await storage.schema_version()}")
    return 0


async def _db_copy(settings: Settings, to: str) -> int:
    from storage import describe_target
    from storage.transfer import copy_sqlite_to_postgres

    if not to.lower().startswith(("postgresql://", "postgres://")):
        print("showbot: --to must be a postgresql:// URL", file=sys.stderr)
        return 2
    report = await copy_sqlite_to_postgres(settings.db, to)
    print(f"copied {settings.db} into {describe_target(to)}: {report}")
    print(f"to use it: SHOWBOT_DATABASE_URL={describe_target(to)} showbot run")
    return 0
