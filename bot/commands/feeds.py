"""The feeds the bot polls (moderators): add (fetched and parsed once first), remove, list."""

from __future__ import annotations

import time

from bot.commands.context import Context
from bot.commands.model import Attachment, Reply, Status, refuse
from bot.commands.registry import Arg, ArgKind, Group, Permission
from bot.feed_health import describe_feed
from bot.feed_lists import add_listed_feeds, export_feeds
from bot.i18n import N_, _, ngettext
from feeds.discover import announced_feeds, looks_like_html
from feeds.opml import MAX_OPML_BYTES, OpmlFeed, read_opml
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


OPML_MEDIA_TYPE = "text/x-opml"
OPML_FILENAME = "showbot-feeds.opml"
MAX_REFUSALS_SHOWN = 5


@group.command("feed import", N_("Add every feed of an OPML list (a file, or its address)"),
               args=(Arg("file", ArgKind.FILE, N_("An OPML file exported from a feed reader"), required=False,
                         max_length=MAX_OPML_BYTES),
                     Arg("url", ArgKind.URL, N_("Or the address of an OPML list"), required=False)),
               permission=Permission.MODERATOR, restricted=True,
               examples=("/feed import https://example.org/tv-feeds.opml",))
async def feed_import(ctx: Context, file: str = "", url: str = "") -> Reply:
    if file:
        data = file.encode("utf-8")
    elif url:
        fetched = await _fetch_list(ctx, url)
        if isinstance(fetched, Reply):
            return fetched
        data = fetched
    else:
        return refuse(_("Attach an OPML file to /feed import, or give its address: /feed import <url>"))
    listing = read_opml(data)
    if not listing.feeds:
        return refuse(_("I can't read feeds from that list: {reason}.").format(reason=listing.problem))
    return await import_feeds(ctx, listing.feeds, note=listing.problem)


async def _fetch_list(ctx: Context, url: str) -> bytes | Reply:
    try:
        url = check_url_syntax(url)
        await check_url_target(url, allow_private=ctx.settings.allow_private_feeds)
    except UnsafeURLError as exc:
        return refuse(_("I can't fetch that list: {reason}.").format(reason=exc))
    fetched = await ctx.showbot.fetcher.fetch(url)
    if not fetched.ok:
        return refuse(_("I can't fetch that list: {reason}.").format(reason=fetched.error))
    return fetched.body


async def import_feeds(ctx: Context, feeds: list[OpmlFeed], *, note: str | None = None) -> Reply:
    report = await add_listed_feeds(ctx.storage.feeds, feeds, added_by=ctx.caller.who,
                                    allow_private=ctx.settings.allow_private_feeds)
    if report.added:
        ctx.showbot.poll_soon()
    added, known = len(report.added), len(report.known)
    lines = [ngettext("Added {n} feed", "Added {n} feeds", added).format(n=added) + "; "
             + ngettext("{n} was already polled", "{n} were already polled", known).format(n=known) + "."]
    if report.refused:
        lines.append(ngettext("Refused {n}:", "Refused {n}:", len(report.refused)).format(n=len(report.refused)))
        lines += [f"• {url} ({why})" for url, why in report.refused[:MAX_REFUSALS_SHOWN]]
        if len(report.refused) > MAX_REFUSALS_SHOWN:
            lines.append("…")
    if note:
        lines.append(_("Note: {note}.").format(note=note))
    return Reply("\n".join(lines), status=Status.OK if added or known else Status.REFUSED)


@group.command("feed export", N_("The feeds I poll, as an OPML file for any feed reader"),
               permission=Permission.MODERATOR, restricted=True, examples=("/feed export",))
async def feed_export(ctx: Context) -> Reply:
    data, count = await export_feeds(ctx.storage.feeds)
    text = ngettext("{n} feed, as OPML.", "{n} feeds, as OPML.", count).format(n=count)
    return Reply(text, attachment=Attachment(OPML_FILENAME, data, OPML_MEDIA_TYPE))
