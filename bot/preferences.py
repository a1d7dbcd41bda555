"""Each chat's choices as the core reads them: the language to write to a chat in, the time zone to
show it times in. Read often (every reply, every notification), changed rarely: kept in a small
cache that a change through here refreshes at once (another process's change shows within TTL)."""

from __future__ import annotations

import contextlib
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.i18n import DEFAULT_LANGUAGE, LANGUAGES, use_language
from bot.local_time import use_zone
from storage.ports import PreferenceStore
from storage.records import ChatPreferences

TTL = 60.0
MAX_CACHED = 10_000
UTC = ZoneInfo("UTC")


def zone(name: str | None) -> ZoneInfo:
    """The zone `name` names, UTC when it names none."""
    if not name:
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


class Preferences:
    def __init__(self, store: PreferenceStore, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._store = store
        self._clock = clock
        self._cache: OrderedDict[tuple[str, str], tuple[float, ChatPreferences]] = OrderedDict()

    async def of(self, platform: str, chat_id: str) -> ChatPreferences:
        key = (platform, chat_id)
        cached = self._cache.get(key)
        now = self._clock()
        if cached is not None and now - cached[0] < TTL:
            return cached[1]
        prefs = await self._store.preferences(platform, chat_id)
        self._cache[key] = (now, prefs)
        self._cache.move_to_end(key)
        while len(self._cache) > MAX_CACHED:
            self._cache.popitem(last=False)
        return prefs

    async def language(self, platform: str, chat_id: str) -> str | None:
        """The language the chat chose, if it chose one we speak."""
        chosen = (await self.of(platform, chat_id)).language
        return chosen if chosen in LANGUAGES else None

    async def reading_language(self, platform: str, chat_id: str) -> str:
        """The language to write to the chat in when it isn't talking to us (a notification): the one it
        chose, else the one its platform last said it uses, else English."""
        prefs = await self.of(platform, chat_id)
        for code in (prefs.language, prefs.platform_language):
            if code in LANGUAGES:
                return code
        return DEFAULT_LANGUAGE

    async def note_platform_language(self, platform: str, chat_id: str, language: str | None) -> None:
        """Keep what the platform says the chat's language is, when it changed (one write per change)."""
        if language is None or (await self.of(platform, chat_id)).platform_language == language:
            return
        await self._store.set_platform_language(platform, chat_id, language)
        self._cache.pop((platform, chat_id), None)

    async def timezone(self, platform: str, chat_id: str) -> ZoneInfo:
        return zone((await self.of(platform, chat_id)).timezone)

    @contextlib.asynccontextmanager
    async def reading(self, platform: str, chat_id: str) -> AsyncIterator[str]:
        """Write to the chat (a notification) in its language and time zone inside the block; yields the
        language."""
        language = await self.reading_language(platform, chat_id)
        zone = await self.timezone(platform, chat_id)
        with use_language(language), use_zone(zone):
            yield language

    async def set_language(self, platform: str, chat_id: str, language: str | None) -> None:
        await self._store.set_language(platform, chat_id, language)
        self._cache.pop((platform, chat_id), None)

    async def set_timezone(self, platform: str, chat_id: str, timezone: str | None) -> None:
        await self._store.set_timezone(platform, chat_id, timezone)
        self._cache.pop((platform, chat_id), None)
