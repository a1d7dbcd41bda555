"""Stories as commands: a show's timeline, and the release calendar of the shows followed here
(`/latest <show>`, which lists a show's latest stories, lives with the catalog)."""

from __future__ import annotations

import datetime as dt

from bot.calendar_feed import new_token as new_calendar_token
from bot.commands.context import Context
from bot.commands.model import Action, Attachment, Reply, refuse
from bot.commands.registry import Arg, ArgKind, Group
from bot.commands.subscriptions import SHOW_ARG
from bot.i18n import N_, _
from bot.story_views import calendar_lines, chat_calendar, timeline_lines
from storage.records import Audience

TIMELINE_STORIES = 20
ICS_MEDIA_TYPE = "text/calendar"

group = Group("stories")


@group.command("timeline", N_("A show's news over time: each story once, with the outlets that reported it"),
               args=(SHOW_ARG,), examples=("/timeline Squid Game",))
async def timeline(ctx: Context, show: str) -> Reply:
    found = await ctx.resolve(show, Action.LATEST, example="/timeline Squid Game")
    if isinstance(found, Reply):
        return found
    stories = await ctx.storage.stories.for_show(found.id, limit=TIMELINE_STORIES)
    lines = timeline_lines(found.title, list(reversed(stories)))  # oldest first: a timeline reads forward
    if len(stories) == TIMELINE_STORIES:
        lines.insert(1, _("(the latest {n} stories)").format(n=TIMELINE_STORIES))
    return Reply("\n".join(lines))


@group.command("calendar",
               N_("Upcoming release dates here and their calendar feed ('ics': a file, 'reset': a new address)"),
               args=(Arg("option", ArgKind.WORD, N_("'ics' for a calendar file; 'reset' for a new feed address "
                                                    "(the old one stops working)"),
                         required=False, choices=("ics", "reset")),),
               examples=("/calendar", "/calendar ics", "/calendar reset"))
async def calendar(ctx: Context, option: str = "") -> Reply:
    """The caller's own shows in a private chat, the channel's or group's in a group."""
    caller = ctx.caller
    if caller.in_group:
        kind, chat = Audience.CHANNEL, caller.chat_id
    else:
        kind, chat = Audience.USER, caller.user_id
    option = option.strip().lower()
    if option == "reset" and caller.in_group and not ctx.is_moderator:
        return refuse(_("Only moderators can make a new calendar address for this channel."))
    today = dt.datetime.fromtimestamp(ctx.showbot.now(), dt.UTC).date()
    found = await chat_calendar(ctx.storage, caller.platform, kind, chat)
    if found.entries or await ctx.storage.audience.count_subscriptions(caller.platform, kind, chat):
        lines = calendar_lines(found.upcoming(today), today=today)
    elif kind is Audience.CHANNEL:
        lines = [_("This channel follows no show yet, so its calendar is empty. "
                   "A moderator can use /channel subscribe <show>.")]
    else:
        lines = [_("You don't follow any show yet, so your calendar is empty. Try /subscribe Squid Game")]
    feed = await _feed_lines(ctx, kind, chat, renew=option == "reset")
    if option == "reset" and not feed:
        return refuse(_("The calendar feed is not available on this bot (its web server is off)."))
    text = "\n".join([*lines, *feed])
    if option != "ics":
        return Reply(text)
    return Reply(text, attachment=Attachment("showbot-calendar.ics", found.ics(name=_("showbot release dates")),
                                             ICS_MEDIA_TYPE))


async def _feed_lines(ctx: Context, kind: str, chat: str, *, renew: bool) -> list[str]:
    """The address of the chat's calendar feed (an .ics to subscribe to in any calendar app), made
    on first use; `renew` makes a new one (the old one stops working). None without the web server."""
    base = ctx.showbot.web_url
    if base is None:
        return []
    platform = ctx.caller.platform
    token = None if renew else await ctx.storage.panel.calendar_token(platform, kind, chat)
    if token is None:
        token = await ctx.storage.panel.calendar_token(platform, kind, chat, new=new_calendar_token())
    if renew:
        lead = _("New calendar address (the old one no longer works):")
    elif ctx.caller.in_group:
        lead = _("Release dates of this channel's shows, as a calendar to subscribe to (add it by URL in any "
                 "calendar app):")
    else:
        lead = _("Release dates of the shows you follow, as a calendar to subscribe to (add it by URL in any "
                 "calendar app):")
    return ["", lead, f"{base}/calendar/{token}.ics", _("/calendar reset makes a new address.")]
