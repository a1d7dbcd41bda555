"""Coordination for a single-process database: one SQLite file runs one bot (a second is refused),
so send slots and leadership live in this process's memory. Same contract as PostgreSQL's."""

from __future__ import annotations

import time
from collections.abc import Callable


class LocalCoordination:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._next_slot: dict[str, float] = {}
        self._leading: set[str] = set()

    async def reserve_slot(self, key: str, *, interval: float) -> float:
        now = self._clock()
        at = max(self._next_slot.get(key, now), now)
        self._next_slot[key] = at + interval
        return at - now

    async def try_lead(self, role: str) -> bool:
        self._leading.add(role)  # nobody else can run on this database
        return True

    async def still_leading(self, role: str) -> bool:
        return role in self._leading

    async def release_lead(self, role: str) -> None:
        self._leading.discard(role)
