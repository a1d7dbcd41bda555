"""Help (generated from the registry), who you are to the bot, and statistics."""

from __future__ import annotations

from bot.commands.context import Context
from bot.commands.model import Action, ChatType, Choice, Reply, Status, refuse
from bot.commands.registry import Arg, ArgKind, Command, Group, Permission, Place
from bot.feed_health import ago
from bot.i18n import N_, _, ngettext
from bot.notifications import explain

group = Group("info")

INTRO = N_("I tell you the moment a TV show you follow is renewed, cancelled, gets a release date, a trailer, "
           "casting or filming news.")


def visible(ctx: Context, command: Command) -> bool:
    """Whether /help shows `command` to this caller: what they could run here."""
    if not command.in_menu:
        return False
    match command.permission:
        case Permission.ANYONE:
            allowed = True
        case Permission.MODERATOR:
            allowed = ctx.is_moderator or (command.place is Place.GROUP and ctx.caller.in_group)
        case Permission.OWNER:
            allowed = ctx.is_owner
    return allowed


def line(ctx: Context, command: Command) -> str:
    return f"{command.usage(ctx.caller.platform)} — {_(command.description)}"


@group.command("help", N_("What I can do, or how to use one command"),
               args=(Arg("command", ArgKind.TEXT, N_("A command to explain, e.g. subscribe"), required=False,
                         max_length=40),),
               aliases=("start",), examples=("/help", "/help subscribe"))
async def help_(ctx: Context, command: str = "") -> Reply:
    registry = ctx.registry
    name = " ".join(command.strip().lstrip("/").lower().split())
    if name:
        found = registry.get(name) or registry.get(name.split(" ", 1)[0])
        if found is None and registry.subcommands(name):
            return Reply("\n".join(line(ctx, c) for c in registry.subcommands(name)))
        if found is None:
            return refuse(_("I don't know /{name}. /help lists what I can do.").format(name=name))
        lines = [line(ctx, found)]
        for arg in found.args_on(ctx.caller.platform):
            lines.append(f"  {arg.placeholder()}: {_(arg.description)}")
        if found.examples:
            lines.append(_("Examples: {examples}").format(examples=" · ".join(found.examples)))
        return Reply("\n".join(lines))
    everyone = [c for c in registry if c.permission is Permission.ANYONE and visible(ctx, c)]
    channel = [c for c in registry if c.permission is not Permission.ANYONE and c.place is Place.GROUP
               and visible(ctx, c)]
    moderators = [c for c in registry if c.permission is not Permission.ANYONE and c.place is Place.ANYWHERE
                  and visible(ctx, c)]
    lines = [_(INTRO), "", *(line(ctx, c) for c in everyone)]
    if channel:
        lines += ["", _("Channels and groups (moderators):"), *(line(ctx, c) for c in channel)]
    if moderators:
        lines += ["", _("Moderators:"), *(line(ctx, c) for c in moderators)]
    lines += ["", _("/help <command> explains one command.")]
    return Reply("\n".join(lines))


@group.command("whoami", N_("Your id on this platform (for SHOWBOT_OWNERS) and this chat's"),
               examples=("/whoami",))
async def whoami(ctx: Context) -> Reply:
    caller = ctx.caller
    lines = [_("You are {who}{name}.").format(who=caller.who, name=f" ({caller.name})" if caller.name else "")]
    if caller.chat_type is ChatType.GROUP:
        lines.append(_("This chat: {platform}:{chat} in server/group {guild}.")
                     .format(platform=caller.platform, chat=caller.chat_id, guild=caller.guild))
    if ctx.is_owner:
        lines.append(_("You are a bot owner: you moderate everywhere."))
    elif ctx.is_moderator:
        lines.append(_("You moderate this server or group."))
    lines.append(_("To make someone a bot owner, add their id to SHOWBOT_OWNERS, e.g. SHOWBOT_OWNERS={who}")
                 .format(who=caller.who))
    return Reply("\n".join(lines))


@group.command("stats", N_("Catalog, feeds, subscriptions and delivery counts"), permission=Permission.MODERATOR,
               restricted=True, examples=("/stats",))
async def stats(ctx: Context) -> Reply:
    s = await ctx.storage.stats()
    lines = [
        _("Catalog: {shows} shows · Feeds: {feeds} ({failing} failing)")
        .format(shows=s.shows, feeds=s.feeds, failing=s.failing_feeds),
        _("Items: {items} seen, {matched} with show news").format(items=s.items, matched=s.matched_items),
        _("Subscriptions: {subscriptions} from {subscribers} chats")
        .format(subscriptions=s.subscriptions, subscribers=s.subscribers),
        _("Notifications: {sent} sent, {pending} pending, {held} held, {failed} failed")
        .format(sent=s.sent, pending=s.pending, held=s.held, failed=s.failed),
    ]
    paused = await ctx.storage.audience.paused_chats(ctx.caller.platform)
    if paused:
        lines.append(ngettext("Paused chat ({n}), the platform refused it:",
                              "Paused chats ({n}), the platform refused them:", len(paused)).format(n=len(paused)))
        lines += [f"• {chat} — {reason} ({ago(at)})" for _p, chat, reason, at in paused[:10]]
    return Reply("\n".join(lines))


WHY_LABEL = N_("Why?")


def why_choice(item_id: int, show: str) -> Choice:
    """The button under a notification that says why it was sent."""
    return Choice(_(WHY_LABEL), Action.WHY, item_id, text=show)


async def why(ctx: Context, item_id: int, show: str) -> Reply:
    """Why a notification about `show` was sent for item `item_id`: the matcher's stored reason."""
    reason = await ctx.storage.items.match_reason(item_id, show)
    if reason is None:
        return Reply(_("I no longer know why that was sent."), Status.REFUSED, alert=True)
    return Reply(_("Why you got this — {show}: {reason}").format(show=show, reason=explain(reason)), alert=True)
