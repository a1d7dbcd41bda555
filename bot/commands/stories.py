"""Stories as commands: a show's timeline (`/latest <show>`, a show's latest stories, lives with the
catalog; `/calendar`, the release dates of the shows followed here and their feed, with the web side)."""

from __future__ import annotations

from bot.commands.context import Context
from bot.commands.model import Action, Reply
from bot.commands.registry import Group
from bot.commands.subscriptions import SHOW_ARG
from bot.i18n import N_, _
from bot.story_views import timeline_lines

TIMELINE_STORIES = 20

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
