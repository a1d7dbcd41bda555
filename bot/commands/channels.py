"""A server channel's (or group's) own subscriptions, and the shows a server mutes. Moderators only,
in a server channel or group (the console is its own server)."""

from __future__ import annotations

from dataclasses import replace

from bot.commands.context import Context
from bot.commands.model import Action, Reply, refuse
from bot.commands.registry import Arg, ArgKind, Group, Permission, Place
from bot.commands.subscriptions import EVENTS_ARG, SHOW_ARG, from_tvmaze, show_and_events
from bot.commands.wording import ALL_EVENTS, describe, events_text
from bot.i18n import N_, _
from feeds.model import Event
from storage.records import Audience, DeliveryOptions, SubscriptionRecord

group = Group("channels")
group.describe("channel", N_("News posted in this channel or group (moderators)"))

ROLE_ARG = Arg("role", ArgKind.ROLE, N_("A role to mention with each post"), required=False,
               platforms=frozenset({"discord"}))
WHERE_ARG = Arg("where", ArgKind.CHANNEL, N_("Another channel to post in (a forum: a post per story, tagged by show)"),
                required=False, platforms=frozenset({"discord"}))


@group.command("channel subscribe", N_("Post a show's news in this channel or group"),
               args=(SHOW_ARG, EVENTS_ARG, ROLE_ARG, WHERE_ARG), permission=Permission.MODERATOR, place=Place.GROUP,
               examples=("/channel subscribe Squid Game", "/channel subscribe The Bear renewal cancellation"))
async def channel_subscribe(ctx: Context, show: str, events: str = "", role: str = "", where: str = "") -> Reply:
    if role and not role.isdigit():
        return refuse(_("That role is not valid."))
    if where and not where.isdigit():
        return refuse(_("That channel is not valid."))
    found = await show_and_events(ctx, show, events, Action.CHANNEL_SUBSCRIBE,
                                  tvmaze_action=Action.TVMAZE_CHANNEL_SUBSCRIBE)
    if isinstance(found, Reply):
        return found
    return await channel_subscribe_show(ctx, found[0].id, found[1], role or None, where or None)


async def channel_subscribe_tvmaze(ctx: Context, tvmaze_id: int, events: Event) -> Reply:
    show = await from_tvmaze(ctx, tvmaze_id)
    if isinstance(show, Reply):
        return show
    reply = await channel_subscribe_show(ctx, show.id, events)
    return replace(reply, text=_("{show} joined my catalog.").format(show=show.title) + " " + reply.text)


async def channel_subscribe_show(ctx: Context, show_id: int, events: Event, role_id: str | None = None,
                                 where: str | None = None) -> Reply:
    """This channel (or `where`, another channel of the server) posts the show's news; asked in a Telegram
    forum topic, they are posted in that topic."""
    show = await ctx.show(show_id)
    if isinstance(show, Reply):
        return show
    caller = ctx.caller
    chat = where or caller.chat_id
    events = events or ALL_EVENTS
    await ctx.touch()
    audience = ctx.storage.audience
    new = await audience.subscribe(SubscriptionRecord(
        caller.platform, Audience.CHANNEL, chat, show.id, events, guild_id=caller.guild,
        user_id=caller.user_id, role_id=role_id, options=DeliveryOptions(thread_id=caller.thread_id)))
    if not new and caller.thread_id:  # subscribed again from a topic: its posts move there
        current = await audience.options_for(caller.platform, Audience.CHANNEL, chat, show.id)
        if current is not None and current.thread_id != caller.thread_id:
            await audience.set_options(caller.platform, Audience.CHANNEL, chat, show.id,
                                       replace(current, thread_id=caller.thread_id))
    values = {"show": show.title, "events": events_text(events)}
    if new:
        text = _("This channel will now post {show} news ({events}).").format(**values)
    else:
        text = _("Updated: this channel will post {show} news ({events}).").format(**values)
    if role_id:
        text += " " + _("Each post mentions that role.")
    if where:
        text += " " + _("They go to channel {channel}.").format(channel=where)
    elif caller.thread_id:
        text += " " + _("They go to this topic.")
    return Reply(text, private=False)


@group.command("channel unsubscribe", N_("Stop posting a show's news here"), args=(SHOW_ARG, WHERE_ARG),
               permission=Permission.MODERATOR, place=Place.GROUP, examples=("/channel unsubscribe Squid Game",))
async def channel_unsubscribe(ctx: Context, show: str, where: str = "") -> Reply:
    if where and not where.isdigit():
        return refuse(_("That channel is not valid."))
    found = await ctx.resolve(show, Action.CHANNEL_UNSUBSCRIBE, example="/channel unsubscribe Squid Game")
    if isinstance(found, Reply):
        return found
    return await channel_unsubscribe_show(ctx, found.id, where or None)


async def channel_unsubscribe_show(ctx: Context, show_id: int, where: str | None = None) -> Reply:
    show = await ctx.show(show_id)
    if isinstance(show, Reply):
        return show
    caller = ctx.caller
    if await ctx.storage.audience.unsubscribe(caller.platform, Audience.CHANNEL, where or caller.chat_id, show.id):
        return Reply(_("This channel no longer posts {show} news.").format(show=show.title), private=False)
    return refuse(_("This channel wasn't subscribed to {show}.").format(show=show.title))


@group.command("channel list", N_("The channel subscriptions in this server or group"),
               permission=Permission.MODERATOR, place=Place.GROUP, examples=("/channel list",))
async def channel_list(ctx: Context) -> Reply:
    caller = ctx.caller
    subs = await ctx.storage.audience.subscriptions_in_guild(caller.platform, caller.guild)
    muted = await ctx.storage.audience.muted_shows(caller.platform, caller.guild)
    if not subs:
        lines = [_("No channel here posts show news yet. A moderator can use /channel subscribe <show>.")]
    else:
        lines = [_("Channel subscriptions here:")]
        for sub in subs:
            where = _("this channel") if sub.chat_id == caller.chat_id else _("channel {id}").format(id=sub.chat_id)
            rule = events_text(sub.events)
            if sub.role_id:
                rule += ", " + _("mentions role {role}").format(role=sub.role_id)
            name = sub.show or _("every show")
            lines.append(f"• {name} → {where} ({rule}){describe(sub.options)}")
    if muted:
        lines.append(_("Muted here: {shows}").format(shows=", ".join(muted)))
    return Reply("\n".join(lines))


@group.command("mute", N_("Silence a show's news in this server or group"), args=(SHOW_ARG,),
               permission=Permission.MODERATOR, place=Place.GROUP, restricted=True, examples=("/mute Squid Game",))
async def mute(ctx: Context, show: str) -> Reply:
    found = await ctx.resolve(show, Action.MUTE, example="/mute Squid Game")
    if isinstance(found, Reply):
        return found
    return await mute_show(ctx, found.id)


@group.command("unmute", N_("Let a muted show's news through again"), args=(SHOW_ARG,),
               permission=Permission.MODERATOR, place=Place.GROUP, restricted=True, examples=("/unmute Squid Game",))
async def unmute(ctx: Context, show: str) -> Reply:
    found = await ctx.resolve(show, Action.UNMUTE, example="/unmute Squid Game")
    if isinstance(found, Reply):
        return found
    return await unmute_show(ctx, found.id)


async def mute_show(ctx: Context, show_id: int) -> Reply:
    show = await ctx.show(show_id)
    if isinstance(show, Reply):
        return show
    if await ctx.storage.audience.mute(ctx.caller.platform, ctx.caller.guild, show.id):
        return Reply(_("{show} is muted here.").format(show=show.title), private=False)
    return Reply(_("{show} was already muted here.").format(show=show.title), private=False)


async def unmute_show(ctx: Context, show_id: int) -> Reply:
    show = await ctx.show(show_id)
    if isinstance(show, Reply):
        return show
    if await ctx.storage.audience.unmute(ctx.caller.platform, ctx.caller.guild, show.id):
        return Reply(_("{show} is no longer muted here.").format(show=show.title), private=False)
    return Reply(_("{show} wasn't muted here.").format(show=show.title), private=False)
