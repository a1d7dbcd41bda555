"""What a subscription would have sent: `/preview <show> [events]` lists the last 30 days' stories of
a show that the events filter lets through, one line per notification it would have been."""

from __future__ import annotations

import time

from bot.commands.context import Context
from bot.commands.model import Action, Choice, Reply
from bot.commands.registry import Group
from bot.commands.subscriptions import EVENTS_ARG, SHOW_ARG, show_and_events
from bot.commands.wording import events_text
from bot.i18n import N_, _, ngettext
from bot.local_time import local_day
from feeds.model import Event
from feeds.understand.records import Story

PREVIEW_DAYS = 30
MAX_STORIES = 60
MAX_LINES = 15
HEADLINE = 120
OUTLETS = 3

group = Group("previews")


@group.command("preview", N_("What following a show would have sent you in the last 30 days"),
               args=(SHOW_ARG, EVENTS_ARG), examples=("/preview Squid Game", "/preview The Bear renewal cancellation"))
async def preview(ctx: Context, show: str, events: str = "") -> Reply:
    found = await show_and_events(ctx, show, events, Action.PREVIEW)
    if isinstance(found, Reply):
        return found
    return await preview_show(ctx, found[0].id, found[1])


async def preview_show(ctx: Context, show_id: int, events: Event) -> Reply:
    show = await ctx.show(show_id)
    if isinstance(show, Reply):
        return show
    since = time.time() - PREVIEW_DAYS * 86400
    stories = [s for s in await ctx.storage.stories.for_show(show.id, limit=MAX_STORIES)
               if s.first_seen >= since and s.events & events]
    follow = Choice(_("Follow {show} ({events})").format(show=show.title, events=events_text(events)),
                    Action.SUBSCRIBE, show.id, events)
    values = {"show": show.title, "events": events_text(events), "days": PREVIEW_DAYS}
    if not stories:
        return Reply(_("In the last {days} days, following {show} ({events}) would have sent you nothing.")
                     .format(**values), choices=(follow,))
    lines = [ngettext("In the last {days} days, following {show} ({events}) would have sent you {n} notification:",
                      "In the last {days} days, following {show} ({events}) would have sent you {n} notifications:",
                      len(stories)).format(n=len(stories), **values)]
    lines += [_line(story) for story in stories[:MAX_LINES]]
    if len(stories) > MAX_LINES:
        lines.append("…")
    return Reply("\n".join(lines), choices=(follow,))


def _line(story: Story) -> str:
    day = local_day(story.first_seen)
    label = events_text(story.events)
    if story.updates is not None:
        label = _("update: {events}").format(events=label)
    season = f" · S{story.seasons[0]}" if len(story.seasons) == 1 else (
        f" · S{story.seasons[0]}–{story.seasons[-1]}" if story.seasons else "")
    headline = " ".join(story.headline.split())
    headline = headline if len(headline) <= HEADLINE else headline[:HEADLINE - 1].rstrip() + "…"
    outlets = [src.source for src in story.outlets() if src.source][:OUTLETS]
    tail = f" — {' · '.join(outlets)}" if outlets else ""
    return f"• {day} · {label}{season} · {headline}{tail}"
