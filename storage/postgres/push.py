"""The bot's WebSub subscriptions (one per feed) in PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence

from storage.postgres.database import PostgresDatabase
from storage.records import PushState, PushSubscription

COLUMNS = ("feed_id, feed_url, hub, topic, callback_id, secret, state, requested_at, lease_seconds, expires_at, "
           "renew_at, last_error, last_push_at")


def _record(row: Sequence[object]) -> PushSubscription:
    values = list(row)
    values[6] = PushState(values[6])
    return PushSubscription(*values)  # type: ignore[arg-type]


class PostgresPush:
    def __init__(self, db: PostgresDatabase) -> None:
        self._db = db

    async def push_subscriptions(self) -> list[PushSubscription]:
        return [_record(r) for r in await self._db.fetch(f"SELECT {COLUMNS} FROM push_subscriptions ORDER BY feed_id")]

    async def push_subscription(self, callback_id: str) -> PushSubscription | None:
        row = await self._db.fetchrow(f"SELECT {COLUMNS} FROM push_subscriptions WHERE callback_id = $1", callback_id)
        return None if row is None else _record(row)

    async def save_push_subscription(self, sub: PushSubscription) -> None:
        async with self._db.transaction() as conn:
            await conn.execute(
                f"INSERT INTO push_subscriptions({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, "
                "$13) ON CONFLICT (feed_id) DO UPDATE SET feed_url = EXCLUDED.feed_url, hub = EXCLUDED.hub, "
                "topic = EXCLUDED.topic, callback_id = EXCLUDED.callback_id, secret = EXCLUDED.secret, "
                "state = EXCLUDED.state, requested_at = EXCLUDED.requested_at, "
                "lease_seconds = EXCLUDED.lease_seconds, expires_at = EXCLUDED.expires_at, "
                "renew_at = EXCLUDED.renew_at, last_error = EXCLUDED.last_error, last_push_at = EXCLUDED.last_push_at",
                sub.feed_id, sub.feed_url, sub.hub, sub.topic, sub.callback_id, sub.secret, sub.state.value,
                sub.requested_at, sub.lease_seconds, sub.expires_at, sub.renew_at,
                None if sub.last_error is None else sub.last_error.replace("\x00", ""), sub.last_push_at,
            )

    async def delete_push_subscription(self, feed_id: int) -> None:
        async with self._db.transaction() as conn:
            await conn.execute("DELETE FROM push_subscriptions WHERE feed_id = $1", feed_id)
