"""The bot's WebSub subscriptions (one per feed) in SQLite."""

from __future__ import annotations

from storage.records import PushState, PushSubscription
from storage.sqlite.database import SqliteDatabase

COLUMNS = ("feed_id, feed_url, hub, topic, callback_id, secret, state, requested_at, lease_seconds, expires_at, "
           "renew_at, last_error, last_push_at")


def _record(row: tuple[object, ...]) -> PushSubscription:
    values = list(row)
    values[6] = PushState(values[6])
    return PushSubscription(*values)  # type: ignore[arg-type]


class SqlitePush:
    def __init__(self, db: SqliteDatabase) -> None:
        self._db = db

    async def push_subscriptions(self) -> list[PushSubscription]:
        return [_record(r) for r in await self._db.fetchall(f"SELECT {COLUMNS} FROM push_subscriptions ORDER BY feed_id")]

    async def push_subscription(self, callback_id: str) -> PushSubscription | None:
        row = await self._db.fetchone(f"SELECT {COLUMNS} FROM push_subscriptions WHERE callback_id = ?", (callback_id,))
        return _record(row) if row else None

    async def save_push_subscription(self, sub: PushSubscription) -> None:
        async with self._db.transaction() as conn:
            await conn.execute(
                f"INSERT INTO push_subscriptions({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT(feed_id) DO UPDATE SET feed_url = excluded.feed_url, hub = excluded.hub, "
                "topic = excluded.topic, callback_id = excluded.callback_id, secret = excluded.secret, "
                "state = excluded.state, requested_at = excluded.requested_at, "
                "lease_seconds = excluded.lease_seconds, expires_at = excluded.expires_at, "
                "renew_at = excluded.renew_at, last_error = excluded.last_error, last_push_at = excluded.last_push_at",
                (sub.feed_id, sub.feed_url, sub.hub, sub.topic, sub.callback_id, sub.secret, sub.state.value,
                 sub.requested_at, sub.lease_seconds, sub.expires_at, sub.renew_at, sub.last_error, sub.last_push_at),
            )

    async def delete_push_subscription(self, feed_id: int) -> None:
        async with self._db.transaction() as conn:
            await conn.execute("DELETE FROM push_subscriptions WHERE feed_id = ?", (feed_id,))
