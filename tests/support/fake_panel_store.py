"""An in-memory PanelAuthStore, for tests of the sign-in flow that need no database."""

from __future__ import annotations

from dataclasses import dataclass

from bot.panel_auth import PanelGrant, PanelSession


@dataclass
class _Row:
    grant: PanelGrant
    created_at: float
    expires_at: float
    used_at: float | None = None


class FakePanelAuthStore:
    def __init__(self) -> None:
        self.links: dict[str, _Row] = {}
        self.sessions: dict[str, _Row] = {}

    async def save_login_link(self, token_hash: str, grant: PanelGrant, *, expires_at: float, now: float) -> None:
        self.links[token_hash] = _Row(grant, now, expires_at)

    async def redeem_login_link(self, token_hash: str, *, now: float) -> PanelGrant | None:
        row = self.links.get(token_hash)
        if row is None or row.used_at is not None or row.expires_at <= now:
            return None
        row.used_at = now
        return row.grant

    async def save_panel_session(self, session_hash: str, grant: PanelGrant, *, expires_at: float,
                                 now: float) -> None:
        self.sessions[session_hash] = _Row(grant, now, expires_at)

    async def panel_session(self, session_hash: str, *, now: float) -> PanelSession | None:
        row = self.sessions.get(session_hash)
        if row is None or row.used_at is not None or row.expires_at <= now:
            return None
        return PanelSession(row.grant, row.created_at, row.expires_at)

    async def end_panel_session(self, session_hash: str, *, now: float) -> bool:
        row = self.sessions.get(session_hash)
        if row is None or row.used_at is not None:
            return False
        row.used_at = now
        return True

    async def prune_panel_auth(self, *, now: float) -> int:
        gone = [k for k, r in self.links.items() if r.expires_at <= now]
        gone_sessions = [k for k, r in self.sessions.items() if r.expires_at <= now or r.used_at is not None]
        for key in gone:
            del self.links[key]
        for key in gone_sessions:
            del self.sessions[key]
        return len(gone) + len(gone_sessions)
