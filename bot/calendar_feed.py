"""A chat's release calendar as a subscribable .ics feed: /calendar/<token>.ics (the web adapter
serves it; `/calendar` in chat gives the address). The calendar is the chat's stories that
announced a date (bot/story_views.py), written by bot/calendar_ics.py: one event per release,
moved (same UID, higher SEQUENCE) when a later story changes the date."""

from __future__ import annotations

import secrets

from bot.story_views import chat_calendar as stories_calendar
from storage.ports import Storage

TOKEN_BYTES = 24


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


async def chat_calendar(storage: Storage, platform: str, kind: str, chat_id: str) -> bytes:
    """The chat's calendar file: every release announced, past ones too (a calendar keeps its history)."""
    found = await stories_calendar(storage, platform, kind, chat_id)
    return found.ics(name="showbot release dates")
