"""Stories as commands: a show's timeline, and the release calendar of the shows followed here
(`/latest <show>`, which lists a show's latest stories, lives with the catalog)."""

from __future__ import annotations

import datetime as dt

from bot.commands.context import Context
from bot.commands.model import Action, Attachment, ChatType, Reply
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


@group.command("calendar", N_("Upcoming release dates of the shows followed here; 'ics' sends them as a calendar file"),
               args=(Arg("format", ArgKind.WORD, N_("'ics' for a calendar file to import"), required=False,
                         choices=("list", "ics")),),
               examples=("/calendar", "/calendar ics"))
async def calendar(ctx: Context, format: str = "") -> Reply:
    caller = ctx.caller
    if caller.chat_type is ChatType.GROUP:  # a channel's calendar is what the channel follows
        kind, chat = Audience.CHANNEL, caller.chat_id
    else:
        kind, chat = Audience.USER, caller.user_id
    today = dt.datetime.fromtimestamp(ctx.showbot.now(), dt.UTC).date()
    found = await chat_calendar(ctx.storage, caller.platform, kind, chat)
    if not found.entries and not await ctx.storage.audience.count_subscriptions(caller.platform, kind, chat):
        if kind is Audience.CHANNEL:
            return Reply(_("This channel follows no show yet, so its calendar is empty. "
                           "A moderator can use /channel subscribe <show>."))
        return Reply(_("You don't follow any show yet, so your calendar is empty. Try /subscribe Squid Game"))
    text = "\n".join(calendar_lines(found.upcoming(today), today=today))
    if format.strip().lower() != "ics":
        return Reply(text)
    name = _("showbot release dates")
    return Reply(text, attachment=Attachment("showbot-calendar.ics", found.ics(name=name), ICS_MEDIA_TYPE))
