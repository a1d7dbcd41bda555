"""What the web handlers may use, built by the composition root and kept on the application."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiohttp import web

from bot.config import Settings
from bot.health import Health
from bot.metrics import Metrics, StoredCounts


@dataclass(frozen=True, slots=True)
class WebContext:
    settings: Settings
    health: Health
    metrics: Metrics
    stored_counts: Callable[[], Awaitable[StoredCounts]]


CONTEXT = web.AppKey("showbot", WebContext)
