"""Typed commands ("/subscribe Squid Game renewal trailer") -> command-layer calls.

Used by the console and Telegram, where a command arrives as one line of text. Discord passes
typed options straight to the command layer instead."""

from __future__ import annotations

from bot.commands import Caller, Commands, Reply
from feeds.model import EVENT_SLUGS

_EVENT_WORDS = set(EVENT_SLUGS) | {"all", "renewed", "cancelled", "canceled", "release", "premiere", "trailers",
                                   "teaser", "cast", "filming"}


def split_events(text: str) -> tuple[str, str]:
    """'Squid Game renewal, trailer' -> ('Squid Game', 'renewal trailer'): event words at the end."""
    words = text.replace(",", " ").split()
    cut = len(words)
    while cut > 1 and words[cut - 1].lower() in _EVENT_WORDS:
        cut -= 1
    head = text.replace(",", " ").split()[:cut]
    return " ".join(head), " ".join(words[cut:])


def split_pipe(text: str) -> tuple[str, str]:
    left, _, right = text.partition("|")
    return left.strip(), right.strip()


COMMANDS = ("start", "help", "subscribe", "unsubscribe", "subscriptions", "shows", "latest", "channel", "mute",
            "unmute", "feed", "catalog", "alias", "stats", "panel", "calendar")


async def dispatch(commands: Commands, caller: Caller, line: str) -> Reply:
    """Run one typed command line. Unknown commands and bad arguments get a helpful reply."""
    line = line.strip()
    if not line:
        return commands.help(caller)
    if not line.startswith("/"):
        line = "/" + line
    name, _, rest = line[1:].partition(" ")
    name = name.split("@", 1)[0].lower()  # Telegram: /subscribe@showbot in groups
    rest = rest.strip()
    if name in ("start", "help"):
        return commands.help(caller)
    if name == "subscribe":
        show, events = split_events(rest)
        return await commands.subscribe(caller, show, events)
    if name == "unsubscribe":
        return await commands.unsubscribe(caller, rest)
    if name in ("subscriptions", "list"):
        return await commands.subscriptions(caller)
    if name in ("shows", "search"):
        return await commands.shows(caller, rest)
    if name == "latest":
        return await commands.latest(caller, rest)
    if name == "mute":
        return await commands.mute(caller, rest)
    if name == "unmute":
        return await commands.mute(caller, rest, on=False)
    if name == "stats":
        return await commands.stats(caller)
    if name == "panel":
        return await commands.panel(caller)
    if name == "calendar":
        if rest.lower() not in ("", "reset"):
            return Reply("Usage: /calendar, or /calendar reset for a new address", ok=False)
        return await commands.calendar(caller, reset=rest.lower() == "reset")
    action, _, args = rest.partition(" ")
    action = action.lower()
    args = args.strip()
    if name == "channel":
        if action == "subscribe":
            show, events = split_events(args)
            return await commands.channel_subscribe(caller, show, events)
        if action == "unsubscribe":
            return await commands.channel_unsubscribe(caller, args)
        if action == "list":
            return await commands.channel_list(caller)
        return Reply("Usage: /channel subscribe <show> [events] | /channel unsubscribe <show> | /channel list", ok=False)
    if name == "feed":
        if action == "add":
            return await commands.feed_add(caller, args)
        if action == "remove":
            return await commands.feed_remove(caller, args)
        if action == "list":
            return await commands.feed_list(caller)
        return Reply("Usage: /feed add <url> | /feed remove <url> | /feed list", ok=False)
    if name == "catalog" and action == "add":
        title, aliases = split_pipe(args)
        return await commands.catalog_add(caller, title, aliases)
    if name == "alias" and action == "add":
        show, alias = split_pipe(args)
        if not alias:
            return Reply("Usage: /alias add <show> | <alias>", ok=False)
        return await commands.alias_add(caller, show, alias)
    if name in ("catalog", "alias"):
        return Reply(f"Usage: /{name} add …", ok=False)
    return Reply(f"I don't know /{name}. /help lists what I can do.", ok=False)
