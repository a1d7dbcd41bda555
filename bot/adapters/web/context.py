"""What the web handlers may use, built by the composition root and kept on the application."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiohttp import web

from bot.adapters.web.signing import Signer
from bot.commands import Commands
from bot.config import Settings
from bot.health import Health
from bot.metrics import Metrics, StoredCounts
from bot.panel_auth import PanelAuth
from bot.push_subscriptions import PushSubscriptions
from storage.ports import Storage


@dataclass(frozen=True, slots=True)
class PanelAccess:
    """Sign-in for the moderator panel: the one-time links and sessions, and the cookie signer."""

    auth: PanelAuth
    signer: Signer


@dataclass(frozen=True, slots=True)
class WebContext:
    settings: Settings
    health: Health
    metrics: Metrics
    stored_counts: Callable[[], Awaitable[StoredCounts]]
    panel: PanelAccess | None = None
    push: PushSubscriptions | None = None
    commands: Commands | None = None  # the command layer the panel acts through, as chat does
    storage: Storage | None = None  # the panel's reads, scoped to the signed-in grant


CONTEXT = web.AppKey("showbot", WebContext)
