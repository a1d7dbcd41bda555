"""The show catalog: searching it, recent news of a show, and (moderators) growing it."""

from __future__ import annotations

from bot.commands.context import MAX_SHOW_QUERY, Context
from bot.commands.model import Action, Choice, Reply, refuse
from bot.commands.registry import Arg, ArgKind, Group, Permission, Separator
from bot.commands.subscriptions import SHOW_ARG
from bot.commands.wording import ALL_EVENTS
from bot.i18n import N_, _, ngettext
from bot.story_views import timeline_lines
from feeds.understand.text import fold

MAX_TITLE = 150
LATEST_STORIES = 5
MAX_ALIAS = 100
MAX_ALIASES = 10
LISTED = 50

group = Group("catalog")
group.describe("catalog", N_("The show catalog (moderators)"))
group.describe("alias", N_("Other names a show is known by (moderators)"))


@group.command("shows", N_("Search the show catalog"),
               args=(Arg("query", ArgKind.TEXT, N_("Part of a title or another name; empty lists the catalog"),
                         required=False, max_length=MAX_SHOW_QUERY),),
               aliases=("search",), examples=("/shows squid", "/shows 오징어"))
async def shows(ctx: Context, query: str = "") -> Reply:
    query = " ".join(query.split())
    if len(query) > MAX_SHOW_QUERY:
        return refuse(_("That search is too long (at most {limit} characters).").format(limit=MAX_SHOW_QUERY))
    await ctx.showbot.refresh_matcher()
    catalog = ctx.showbot.matcher.index.shows
    if not query:
        ordered = sorted(catalog, key=lambda s: fold(s.title))
        head = ngettext("{n} show in the catalog (search with /shows <name>):",
                        "{n} shows in the catalog (search with /shows <name>):", len(ordered)).format(n=len(ordered))
        lines = [head, *(f"• {s.title}" for s in ordered[:LISTED])]
        return Reply("\n".join(lines) + ("\n…" if len(ordered) > LISTED else ""))
    key = fold(query)
    direct = [s for s in catalog if key in fold(s.title) or any(key in fold(a) for a in s.aliases)]
    found = list(dict.fromkeys(direct + ctx.shows.suggest(query, limit=10)))[:10]
    if not found:
        return refuse(_("No show in the catalog looks like “{query}”.").format(query=query))
    lines = [_("Shows matching “{query}”:").format(query=query)]
    for show in found:
        also = " " + _("(also: {names})").format(names=", ".join(show.aliases[:3])) if show.aliases else ""
        lines.append(f"• {show.title}{also}")
    choices = tuple(Choice(_("Follow {show}").format(show=s.title), Action.SUBSCRIBE, s.id, ALL_EVENTS)
                    for s in found[:5])
    return Reply("\n".join(lines), choices=choices)


@group.command("latest", N_("A show's latest news: each story once, with the outlets that reported it"),
               args=(SHOW_ARG,), examples=("/latest Squid Game",))
async def latest(ctx: Context, show: str) -> Reply:
    found = await ctx.resolve(show, Action.LATEST, example="/latest Squid Game")
    if isinstance(found, Reply):
        return found
    return await latest_show(ctx, found.id)


async def latest_show(ctx: Context, show_id: int) -> Reply:
    found = await ctx.show(show_id)
    if isinstance(found, Reply):
        return found
    stories = await ctx.storage.stories.for_show(found.id, limit=LATEST_STORIES)
    return Reply("\n".join(timeline_lines(found.title, stories, links=True)))


@group.command("catalog add", N_("Add a show to the catalog (or add other names to it)"),
               args=(Arg("title", ArgKind.TEXT, N_("The show's title"), max_length=MAX_TITLE),
                     Arg("aliases", ArgKind.TEXT, N_("Other names, comma-separated"), required=False,
                         separator=Separator.PIPE)),
               permission=Permission.MODERATOR, restricted=True,
               examples=("/catalog add The Glory | 더 글로리, La Gloria",))
async def catalog_add(ctx: Context, title: str, aliases: str = "") -> Reply:
    title = " ".join(title.split())
    if not fold(title):
        return refuse(_("A show needs a title: /catalog add <title> [| alias, alias]"))
    if len(title) > MAX_TITLE:
        return refuse(_("That title is too long (at most {limit} characters).").format(limit=MAX_TITLE))
    names = [a.strip() for a in aliases.replace("|", ",").split(",") if a.strip()]
    if len(names) > MAX_ALIASES:
        return refuse(_("At most {limit} other names at a time.").format(limit=MAX_ALIASES))
    if any(len(a) > MAX_ALIAS for a in names):
        return refuse(_("A name is too long (at most {limit} characters).").format(limit=MAX_ALIAS))
    if any(not fold(a) for a in names):
        return refuse(_("A name needs letters or digits."))
    existed = bool(await ctx.storage.catalog.find_shows(title))
    await ctx.storage.catalog.upsert_show(title, names)
    await ctx.showbot.refresh_matcher()
    if names:
        template = _("Updated {show} with the other names {names}.") if existed else _(
            "Added {show} with the other names {names}.")
    else:
        template = _("Updated {show}.") if existed else _("Added {show}.")
    return Reply(template.format(show=title, names=", ".join(names)))


@group.command("alias add", N_("Teach me another name for a show"),
               args=(SHOW_ARG, Arg("alias", ArgKind.TEXT, N_("Another name headlines use for it"),
                                   separator=Separator.PIPE, max_length=MAX_ALIAS)),
               permission=Permission.MODERATOR, restricted=True, examples=("/alias add Squid Game | 오징어 게임",))
async def alias_add(ctx: Context, show: str, alias: str) -> Reply:
    alias = " ".join(alias.split())
    if not fold(alias):
        return refuse(_("Usage: {usage}").format(usage="/alias add <show> | <alias>"))
    if len(alias) > MAX_ALIAS:
        return refuse(_("That name is too long (at most {limit} characters).").format(limit=MAX_ALIAS))
    found = await ctx.resolve(show, Action.ALIAS_ADD, text=alias, example="/alias add Squid Game | 오징어 게임")
    if isinstance(found, Reply):
        return found
    return await alias_add_show(ctx, found.id, alias)


async def alias_add_show(ctx: Context, show_id: int, alias: str) -> Reply:
    found = await ctx.show(show_id)
    if isinstance(found, Reply):
        return found
    alias = " ".join(alias.split())
    if not fold(alias) or len(alias) > MAX_ALIAS:
        return refuse(_("That button has expired."))
    if not await ctx.storage.catalog.add_alias(found.id, alias):
        return refuse(_("{show} already has that name.").format(show=found.title))
    await ctx.showbot.refresh_matcher()
    return Reply(_("{show} is now also matched as “{alias}”.").format(show=found.title, alias=alias))
