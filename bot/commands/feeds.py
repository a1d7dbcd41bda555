"""The feeds the bot polls (moderators): add (fetched and parsed once first), remove, list."""

from __future__ import annotations

import time

from bot.commands.context import Context
from bot.commands.model import Reply, refuse
from bot.commands.registry import Arg, ArgKind, Group, Permission
from bot.feed_health import describe_feed
from bot.i18n import N_, _, ngettext
from feeds.discover import announced_feeds, looks_like_html
from feeds.parse import parse_feed_async
from feeds.urls import UnsafeURLError, check_url_syntax, check_url_target, normalise_url

group = Group("feeds")
group.describe("feed", N_("The news feeds I poll (moderators)"))


@group.command("feed add", N_("Poll a new news feed (RSS or Atom)"),
               args=(Arg("url", ArgKind.URL, N_("The feed's address (https://…)")),),
               permission=Permission.MODERATOR, restricted=True,
               examples=("/feed add https://deadline.com/v/tv/feed/",))
async def feed_add(ctx: Context, url: str) -> Reply:
    try:
        url = check_url_syntax(url)
        await check_url_target(url, allow_private=ctx.settings.allow_private_feeds)
    except UnsafeURLError as exc:
        return refuse(_("I can't add that feed: {reason}.").format(reason=exc))
    if await ctx.storage.feeds.feed_by_url(url) is not None:
        return refuse(_("That feed is already polled."))
    problem = await check_feed(ctx, url)
    if problem is not None:
        return problem
    if not await ctx.storage.feeds.add_feed(url, added_by=ctx.caller.who):
        return refuse(_("That feed is already polled."))
    ctx.showbot.poll_soon()
    return Reply(_("Added {url}. I'll poll it shortly; /feed list shows its health.").format(url=url))


async def check_feed(ctx: Context, url: str) -> Reply | None:
    """Fetch and parse `url` once: None when it is a feed, else a refusal that says what it is instead."""
    fetched = await ctx.showbot.fetcher.fetch(url)
    if not fetched.ok:
        if fetched.http_status in (404, 410):
            return refuse(_("I can't add that feed: the server says it doesn't exist (HTTP {status}).")
                          .format(status=fetched.http_status))
        return refuse(_("I can't add that feed: fetching it failed ({reason}).").format(reason=fetched.error))
    parsed = await parse_feed_async(fetched.body, fetched.headers)
    if parsed.items or parsed.problem is None:
        return None
    if looks_like_html(fetched.body, fetched.headers.get("content-type")):
        found = announced_feeds(fetched.body, url)
        if found:
            return refuse(_("That address is a web page, not a feed. The page names its feed: {feeds} — "
                            "add that instead.").format(feeds=", ".join(found)))
        return refuse(_("That address is a web page, not an RSS or Atom feed."))
    return refuse(_("That address is not an RSS or Atom feed ({reason}).").format(reason=parsed.problem))


@group.command("feed remove", N_("Stop polling a feed"),
               args=(Arg("url", ArgKind.URL, N_("The feed's address, as /feed list shows it")),),
               permission=Permission.MODERATOR, restricted=True,
               examples=("/feed remove https://deadline.com/v/tv/feed/",))
async def feed_remove(ctx: Context, url: str) -> Reply:
    url = normalise_url(url)
    if not url:
        return refuse(_("Which feed? /feed remove <url> (see /feed list)."))
    if await ctx.storage.feeds.remove_feed(url, removed_by=ctx.caller.who):
        return Reply(_("Removed {url}.").format(url=url))
    return refuse(_("No such feed; /feed list shows the feeds I poll."))


@group.command("feed list", N_("The feeds I poll, and their health"), permission=Permission.MODERATOR,
               restricted=True, examples=("/feed list",))
async def feed_list(ctx: Context) -> Reply:
    feeds = await ctx.storage.feeds.all()
    if not feeds:
        return Reply(_("No feeds yet: /feed add <url>"))
    now = time.time()
    head = ngettext("{n} feed:", "{n} feeds:", len(feeds)).format(n=len(feeds))
    return Reply("\n".join([head, *(describe_feed(f, now=now) for f in feeds)]))
