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

from storage.ports import PanelStore
from storage.records import PanelGrant, PanelSession

_log = logging.getLogger(__name__)

LINK_TTL = 600.0  # ten minutes
SESSION_TTL = 12 * 3600.0
TOKEN_BYTES = 32


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class PanelAuth:
    def __init__(self, store: PanelStore, *, clock: Callable[[], float] = time.time,
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
