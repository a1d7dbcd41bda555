"""An in-memory PushStore (WebSub subscriptions), for tests that need no database."""

from __future__ import annotations

from bot.push_subscriptions import PushSubscription


class FakePushStore:
    def __init__(self) -> None:
        self.rows: dict[int, PushSubscription] = {}

    async def push_subscriptions(self) -> list[PushSubscription]:
        return list(self.rows.values())

    async def push_subscription(self, callback_id: str) -> PushSubscription | None:
        return next((s for s in self.rows.values() if s.callback_id == callback_id), None)

    async def save_push_subscription(self, sub: PushSubscription) -> None:
        self.rows[sub.feed_id] = sub

    async def delete_push_subscription(self, feed_id: int) -> None:
        self.rows.pop(feed_id, None)
