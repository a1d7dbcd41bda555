"""Signing in to the moderator panel without a password: a one-time link asked for in chat.

    link = await auth.issue_link(grant)          # /panel in chat: a token valid for ten minutes, once
    session = await auth.redeem(token)            # the browser opens the link: a session begins
    session = await auth.session(session_token)   # every later request, by its cookie
    await auth.end(session_token)                 # logout

A grant is what the caller was in the chat where they asked (platform, user, chat, server or
group, whether the platform said they administer it). The panel rebuilds that caller from it, so
every panel action meets the same permission checks as the same command typed in that chat, and
a link asked for in server A can never reach server B.

Tokens are random (256 bits) and only their SHA-256 is stored: a copy of the database holds no
usable link or session. A link is spent by the first request that redeems it (atomically, in
storage), so a replayed or forwarded link is refused."""

from __future__ import annotations

import hashlib
import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

_log = logging.getLogger(__name__)

LINK_TTL = 600.0  # ten minutes
SESSION_TTL = 12 * 3600.0
TOKEN_BYTES = 32


@dataclass(frozen=True, slots=True)
class PanelGrant:
    """Who asked for a panel link, and where: enough to act in the panel as they would in that chat.
    `chat_admin` is what the platform said when they asked (Telegram group admin, Discord Manage
    Server or moderator role); bot owners are recognised from the settings, not from here."""

    platform: str
    user_id: str
    chat_id: str
    group: bool  # asked in a server channel or a group (else in a private chat)
    guild_id: str | None = None  # the Discord server; for a Telegram group, the group's chat id
    chat_admin: bool = False
    name: str = ""
    chat_title: str = ""

    @property
    def scope_id(self) -> str:
        """The server, group or private chat the panel manages."""
        return (self.guild_id or self.chat_id) if self.group else self.user_id

    @property
    def scope_label(self) -> str:
        if not self.group:
            return f"{self.platform} private chat {self.user_id}"
        kind = "server" if self.platform == "discord" else "group"
        return f"{self.platform} {kind} {self.chat_title or self.scope_id}"


class PanelAuthStore(Protocol):
    """The storage port for links and sessions (only hashes of the tokens are kept)."""

    async def save_login_link(self, token_hash: str, grant: PanelGrant, *, expires_at: float, now: float) -> None: ...

    async def redeem_login_link(self, token_hash: str, *, now: float) -> PanelGrant | None:
        """The link's grant, spending the link: None when it is unknown, spent or expired."""
        ...

    async def save_panel_session(self, session_hash: str, grant: PanelGrant, *, expires_at: float,
                                 now: float) -> None: ...

    async def panel_session(self, session_hash: str, *, now: float) -> PanelSession | None:
        """The live session (not ended, not expired), or None."""
        ...

    async def end_panel_session(self, session_hash: str, *, now: float) -> bool: ...

    async def prune_panel_auth(self, *, now: float) -> int:
        """Forget expired links and sessions. Returns how many went."""
        ...


@dataclass(frozen=True, slots=True)
class PanelSession:
    grant: PanelGrant
    created_at: float
    expires_at: float


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class PanelAuth:
    def __init__(self, store: PanelAuthStore, *, clock: Callable[[], float] = time.time,
                 link_ttl: float = LINK_TTL, session_ttl: float = SESSION_TTL) -> None:
        self._store = store
        self._clock = clock
        self.link_ttl = link_ttl
        self.session_ttl = session_ttl

    async def issue_link(self, grant: PanelGrant) -> str:
        """A new one-time login token for `grant`."""
        token = secrets.token_urlsafe(TOKEN_BYTES)
        now = self._clock()
        await self._store.save_login_link(token_hash(token), grant, expires_at=now + self.link_ttl, now=now)
        _log.info("panel link issued to %s:%s for %s", grant.platform, grant.user_id, grant.scope_label)
        return token

    async def redeem(self, token: str) -> tuple[str, PanelSession] | None:
        """Spend a login token: (session token, session), or None when it is unknown, used or expired."""
        if not _plausible(token):
            return None
        now = self._clock()
        grant = await self._store.redeem_login_link(token_hash(token), now=now)
        if grant is None:
            return None
        session_token = secrets.token_urlsafe(TOKEN_BYTES)
        session = PanelSession(grant, now, now + self.session_ttl)
        await self._store.save_panel_session(token_hash(session_token), grant, expires_at=session.expires_at, now=now)
        _log.info("panel session begun for %s:%s (%s)", grant.platform, grant.user_id, grant.scope_label)
        return session_token, session

    async def session(self, session_token: str) -> PanelSession | None:
        if not _plausible(session_token):
            return None
        return await self._store.panel_session(token_hash(session_token), now=self._clock())

    async def end(self, session_token: str) -> bool:
        if not _plausible(session_token):
            return False
        return await self._store.end_panel_session(token_hash(session_token), now=self._clock())

    async def prune(self) -> int:
        return await self._store.prune_panel_auth(now=self._clock())


def _plausible(token: str) -> bool:
    return 20 <= len(token) <= 100 and all(c.isalnum() or c in "-_" for c in token)
