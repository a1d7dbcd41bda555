"""Sends the digests: when a digest is due, everything its chat gathered goes as one message (a
platform that has no digest message gets the stories one by one). A digest that fails is tried again
a little later; nothing gathered is lost.

    sender = DigestSender(storage, delivery, clock=time.time)
    await sender.send_due()        # once (tests drive it with a fake clock)
    await sender.run(stop)         # supervised by ShowBot.run"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from itertools import groupby

from bot.delivery import Delivery
from bot.notifications import Notification, Recipient
from storage.ports import Storage
from storage.records import DigestEntry

_log = logging.getLogger(__name__)

RETRY_AFTER = 600.0
IDLE = 300.0


class DigestSender:
    def __init__(self, storage: Storage, delivery: Delivery, *, clock: Callable[[], float] = time.time) -> None:
        self._storage = storage
        self._delivery = delivery
        self._clock = clock

    async def send_due(self) -> int:
        """Send every digest due now. Returns the digests sent."""
        now = self._clock()
        due = await self._storage.digests.due(now=now, platforms=self._delivery.platforms)
        sent = 0
        for _key, grouped in groupby(due, key=lambda e: (e.platform, e.kind, e.chat_id, e.thread_id)):
            if await self._send(list(grouped), now):
                sent += 1
        return sent

    async def _send(self, entries: list[DigestEntry], now: float) -> bool:
        first = entries[0]
        messenger = self._delivery.messenger(first.platform)
        if messenger is None:
            return False
        recipient = Recipient(first.platform, first.kind, first.chat_id, first.role_id,
                              silent=all(e.silent for e in entries), thread_id=first.thread_id)
        stories = [Notification.from_outbox(e.entry) for e in entries]
        ids = [e.outbox_id for e in entries]
        try:
            send_digest = getattr(messenger, "send_digest", None)
            if send_digest is not None:
                await send_digest(recipient, stories)
            else:
                for story in stories:
                    await messenger.send(recipient, story)
        except Exception as exc:  # a platform's trouble: this digest waits, the others go on
            _log.warning("%s digest for %s failed (%s: %s); trying again in %.0fs", first.platform, first.chat_id,
                         type(exc).__name__, exc, RETRY_AFTER)
            await self._storage.digests.retry(ids, due_at=now + RETRY_AFTER)
            return False
        await self._storage.digests.sent(ids, self._clock())
        _log.info("%s: digest of %d stories sent to %s", first.platform, len(stories), first.chat_id)
        return True

    async def run(self, stop: asyncio.Event) -> None:
        """Send digests as they come due, until `stop`."""
        while not stop.is_set():
            await self.send_due()
            next_due = await self._storage.digests.next_due_at(self._delivery.platforms)
            timeout = IDLE if next_due is None else min(IDLE, max(0.5, next_due - self._clock()))
            changed = self._delivery.digests_changed
            changed.clear()
            waiters = [asyncio.ensure_future(changed.wait()), asyncio.ensure_future(stop.wait())]
            _done, pending = await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
            for task in pending:
                task.cancel()
