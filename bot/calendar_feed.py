"""A chat's release calendar as a subscribable .ics feed: /calendar/<token>.ics.

Until stories are stored, the calendar is read from what is: the items with release-date news
about the shows the chat follows, each item's date read from its headline (and summary) by the
stories work's date reader, and written by bot/calendar_ics.py — one event per release, moved
(same UID, higher SEQUENCE) when a later item changes the date."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import secrets
from collections.abc import Sequence

from bot.calendar_ics import CalendarEntry, to_ics
from feeds.understand.dates import read_release_window
from feeds.understand.stories import StorySource
from storage.ports import PanelStore
from storage.records import CalendarItem

_log = logging.getLogger(__name__)

HISTORY = 400 * 86400.0  # items older than this announced releases long past
TOKEN_BYTES = 24


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def _title_spans(title: str, name: str) -> tuple[tuple[int, int], ...]:
    """Where the show's own name sits in the headline ("Wednesday", "1883" are names, not dates)."""
    spans, start, folded, key = [], 0, title.casefold(), name.casefold()
    while key and (found := folded.find(key, start)) >= 0:
        spans.append((found, found + len(key)))
        start = found + len(key)
    return tuple(spans)


def entries_from(items: Sequence[CalendarItem]) -> list[CalendarEntry]:
    entries = []
    for item in items:
        published = dt.datetime.fromtimestamp(item.published_at, dt.UTC)
        try:
            window = read_release_window(item.title, item.summary, published=published,
                                         exclude=_title_spans(item.title, item.show), mask=(item.show,))
        except Exception:  # one headline the reader chokes on must not take the calendar down
            _log.exception("could not read a release date from %r", item.title)
            continue
        if window is None:
            continue
        entries.append(CalendarEntry(item.show_id, item.show, item.seasons, window, item.item_id, item.published_at,
                                     (StorySource(item.source or "", item.link, item.published_at, item.item_id),)))
    return entries


async def chat_calendar(store: PanelStore, platform: str, kind: str, chat_id: str, *, now: float) -> bytes:
    """The chat's calendar file."""
    items = await store.calendar_items(platform, kind, chat_id, since=now - HISTORY)
    entries = await asyncio.to_thread(entries_from, items)
    return await asyncio.to_thread(to_ics, entries, name="showbot release dates")
