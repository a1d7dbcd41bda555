"""Coordination of several workers through PostgreSQL.

- Send slots: one row per key (`send:telegram`) holding the next free instant, advanced by each
  reservation in one statement, on the database's clock (workers' clocks may differ): all workers
  together never send faster than one slot per interval.
- Leadership: a session advisory lock per role, held on a connection of its own. PostgreSQL releases
  it when that session ends, so a worker that dies (or loses the database) loses the role at once and
  another worker's next `try_lead` gets it."""

from __future__ import annotations

import asyncio
import contextlib
import logging

import asyncpg

from storage.postgres.database import PostgresDatabase

_log = logging.getLogger(__name__)

CHECK_TIMEOUT = 5.0
NOW = "extract(epoch from clock_timestamp())"


class PostgresCoordination:
    def __init__(self, db: PostgresDatabase) -> None:
        self._db = db
        self._leaders: dict[str, asyncpg.Connection] = {}

    async def reserve_slot(self, key: str, *, interval: float) -> float:
        async with self._db.reading() as conn:
            delay = await conn.fetchval(
                f"INSERT INTO rate_slots(key, next_at) VALUES ($1, {NOW} + $2) "
                f"ON CONFLICT (key) DO UPDATE SET next_at = GREATEST(rate_slots.next_at, {NOW}) + $2 "
                f"RETURNING next_at - $2 - {NOW}",
                key, interval,
            )
        return max(0.0, float(delay))

    async def try_lead(self, role: str) -> bool:
        if role in self._leaders:
            return await self.still_leading(role)
        conn = await self._db.connect_alone()
        try:
            held = await conn.fetchval("SELECT pg_try_advisory_lock($1)", self._db.lock_id("leader:" + role))
        except BaseException:
            await conn.close()
            raise
        if not held:
            await conn.close()
            return False
        self._leaders[role] = conn
        return True

    async def still_leading(self, role: str) -> bool:
        conn = self._leaders.get(role)
        if conn is None:
            return False
        try:
            await asyncio.wait_for(conn.fetchval("SELECT 1"), CHECK_TIMEOUT)
        except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError, TimeoutError) as exc:
            _log.warning("lost the %s leadership: the database connection behind it failed (%s)", role, exc)
            self._leaders.pop(role, None)
            conn.terminate()
            return False
        return True

    async def release_lead(self, role: str) -> None:
        conn = self._leaders.pop(role, None)
        if conn is not None:
            with contextlib.suppress(Exception):
                await conn.close()  # the session's end releases the lock

    async def close(self) -> None:
        for role in list(self._leaders):
            await self.release_lead(role)
