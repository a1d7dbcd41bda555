"""Stories as a reader sees them, the same on every platform: a show's latest news and timeline, and
a chat's release calendar (the text of `/calendar`, the entries behind its .ics export).

Plain text with feed-supplied strings left as they are: adapters escape what they render."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from bot.calendar_ics import CalendarEntry, PlannedRelease, plan_releases, to_ics, upcoming
from bot.i18n import N_, _
from bot.local_time import local_day
from feeds.model import Event
from feeds.understand.records import Precision, Story, StorySource
from storage.ports import Storage

_log = logging.getLogger(__name__)

__all__ = ["ChatCalendar", "calendar_lines", "chat_calendar", "outlet_name", "story_line", "timeline_lines"]

EVENT_WORDS: dict[Event, str] = {
    Event.RENEWAL: N_("renewed"), Event.CANCELLATION: N_("cancelled / ending"), Event.RELEASE_DATE: N_("release date"),
    Event.TRAILER: N_("trailer"), Event.CASTING: N_("casting"), Event.PRODUCTION: N_("filming"),
}
MAX_OUTLETS_SHOWN = 4
HEADLINE_CHARS = 140


def _day(at: float) -> str:
    return local_day(at)  # in the reader's time zone


def _events(events: Event) -> str:
    return ", ".join(_(word) for event, word in EVENT_WORDS.items() if event in events) or _("news")


def outlet_name(source: StorySource) -> str:
    """An outlet as readers know it: the feed's title, else the site's host ('deadline.com')."""
    name = " ".join(source.source.split())
    if name and "://" not in name:
        return name
    host = urlsplit(name if "://" in name else (source.link or "")).hostname or ""
    return host.removeprefix("www.") or "?"


def _outlets(story: Story) -> str:
    names = list(dict.fromkeys(outlet_name(src) for src in story.outlets()))
    shown = " · ".join(names[:MAX_OUTLETS_SHOWN])
    return shown + (f" +{len(names) - MAX_OUTLETS_SHOWN}" if len(names) > MAX_OUTLETS_SHOWN else "")


def _cut(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def story_line(story: Story, *, with_date: bool = True) -> str:
    """'2027-01-15 · renewed · S3 · Netflix renews Wednesday for season 3 — Deadline · Variety'."""
    parts = [_day(story.first_seen)] if with_date else []
    label = _events(story.events)
    if story.updates is not None:
        label = _("update: {events}").format(events=label)
    parts.append(label)
    if len(story.seasons) == 1:
        parts.append(f"S{story.seasons[0]}")
    elif story.seasons:
        parts.append(f"S{story.seasons[0]}–{story.seasons[-1]}")
    if story.facts.release is not None:
        parts.append(f"📅 {story.facts.release.describe()}")
    line = " · ".join(parts)
    if story.headline:
        line += f" · {_cut(story.headline, HEADLINE_CHARS)}"
    outlets = _outlets(story)
    return f"{line} — {outlets}" if outlets else line


def timeline_lines(show: str, stories: Sequence[Story], *, links: bool = False) -> list[str]:
    """A show's stories, newest first, one line each (and the first outlet's link under it)."""
    if not stories:
        return [_("No news about {show} yet.").format(show=show)]
    lines = [f"{show}:"]
    for story in stories:
        lines.append(f"• {story_line(story)}")
        link = next((s.link for s in story.outlets() if s.link), None)
        if links and link:
            lines.append(f"  {link}")
    return lines


@dataclass(frozen=True, slots=True)
class ChatCalendar:
    """The dated stories of the shows a chat follows."""

    entries: tuple[CalendarEntry, ...]
    every_show: bool  # the chat follows every show

    def releases(self) -> list[PlannedRelease]:
        return plan_releases(self.entries)

    def upcoming(self, today: dt.date) -> list[PlannedRelease]:
        return upcoming(self.entries, today=today)

    def ics(self, *, name: str = "showbot release dates") -> bytes:
        return to_ics(self.entries, name=name)


async def chat_calendar(storage: Storage, platform: str, kind: str, chat_id: str, *,
                        ending_from: dt.date | None = None) -> ChatCalendar:
    """The release dates announced for the shows a chat follows for release-date news (every show,
    if it follows every show for them; a show's own rule wins over the every-show one); a show muted
    in the chat's server is left out."""
    subscriptions = await storage.audience.subscriptions(platform, kind, chat_id)
    own = {sub.show_id: sub.events for sub in subscriptions if sub.show_id is not None}
    every = any(sub.show_id is None and Event.RELEASE_DATE in sub.events for sub in subscriptions)
    wanted = {show for show, events in own.items() if Event.RELEASE_DATE in events}
    if not every and not wanted:
        return ChatCalendar((), every_show=False)
    stories = await storage.stories.dated(None if every else wanted, ending_from=ending_from)
    guilds = {sub.guild_id for sub in subscriptions if sub.guild_id}
    muted = {name.casefold() for guild in guilds for name in await storage.audience.muted_shows(platform, guild)}
    titles: dict[int, str] = {}
    entries: list[CalendarEntry] = []
    for story in stories:
        if story.show_id in own and story.show_id not in wanted:
            continue  # the show's own rule leaves its release dates out
        if story.show_id not in titles:
            show = await storage.catalog.show_by_id(story.show_id)
            titles[story.show_id] = show.title if show else f"show {story.show_id}"
        if titles[story.show_id].casefold() in muted:
            continue
        entry = CalendarEntry.from_story(story, titles[story.show_id])
        if entry is not None:
            entries.append(entry)
    return ChatCalendar(tuple(entries), every_show=every)


def calendar_lines(releases: Sequence[PlannedRelease], *, today: dt.date) -> list[str]:
    """`/calendar`: the upcoming releases, soonest first; a window not yet a date says so."""
    if not releases:
        return [_("No release dates announced yet for the shows followed here.")]
    lines = [_("Upcoming release dates:")]
    for release in releases:
        window = release.entry.window
        when = window.describe()
        if window.precision not in (Precision.DAY, Precision.WEEK):
            when += " " + _("(date to be announced)")
        elif window.start <= today <= window.end:
            when += " " + (_("(today)") if window.precision is Precision.DAY else _("(this week)"))
        line = f"• {when} — {release.title}"
        if release.sequence:
            line += " " + _("(moved from {when})").format(when=release.history[-2].describe())
        lines.append(line)
    return lines
