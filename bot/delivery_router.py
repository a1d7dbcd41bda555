"""How one notification goes to its chat, from the chat's subscription: silently (its ping filter, or
quiet hours in the chat's time zone), into a Telegram forum topic or Discord thread, or held for the
subscription's digest. Asked by the delivery loop for each outbox row before it sends it."""

from __future__ import annotations

from dataclasses import dataclass

from bot.delivery_window import in_quiet_hours, next_digest_at
from bot.preferences import Preferences
from storage.ports import AudienceStore
from storage.records import OutboxEntry


@dataclass(frozen=True, slots=True)
class Route:
    silent: bool = False  # no sound, no role mention
    thread_id: str | None = None
    digest_at: float | None = None  # held for the digest due then (None: sent now)


NOW = Route()


class DeliveryRouter:
    def __init__(self, audience: AudienceStore, preferences: Preferences) -> None:
        self._audience = audience
        self._preferences = preferences

    async def route(self, row: OutboxEntry, now: float) -> Route:
        if row.show_id is None:
            return NOW
        options = await self._audience.options_for(row.platform, row.kind, row.chat_id, row.show_id)
        if options is None:
            return NOW
        zone = await self._preferences.timezone(row.platform, row.chat_id)
        silent = not options.pings(row.events) or in_quiet_hours(now, options, zone)
        return Route(silent, options.thread_id, next_digest_at(now, options, zone))
