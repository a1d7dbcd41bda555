"""The PostgreSQL database behind every aggregate: a connection pool and the unit of work.

- A task's unit of work is one pooled connection inside one transaction; nested use by the same task
  joins it, and reads by that task go to that connection (they see its own writes). Other tasks read
  on other pool connections, in autocommit, so they see committed data only.
- Unlike SQLite, several tasks (and processes) write at once; PostgreSQL's row locks and unique indexes
  keep them apart, and the few places that must not race (two feeds storing the same new story) take
  transaction-level advisory locks.
- Migrations run under a session advisory lock, so workers starting together migrate once.
- Tables live in the first schema of `search_path` (a `?search_path=…` in the URL picks another)."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from collections.abc import AsyncIterator, Iterable, Sequence
from typing import Any

import asyncpg

from storage.errors import SchemaTooNew, StorageError, StorageUnavailable
from storage.postgres.migrations import MIGRATIONS

_log = logging.getLogger(__name__)

POOL_SIZE = 10
CONNECT_TIMEOUT = 10.0


def key_lock(key: str) -> int:
    """A signed 64-bit advisory lock id for `key`."""
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big", signed=True)


class PostgresDatabase:
    def __init__(self, pool: asyncpg.Pool, location: str, url: str = "", namespace: str = "") -> None:
        self._pool = pool
        self._url = url
        self.location = location
        # advisory locks are server-wide: every lock id is made from the database and schema too, so two
        # showbots in different schemas (or test runs side by side) never take each other's locks
        self.namespace = namespace
        self._owned: dict[asyncio.Task[Any], asyncpg.Connection] = {}

    # -- the unit of work ---------------------------------------------------------------------
    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[asyncpg.Connection]:
        task = asyncio.current_task()
        if task is not None and task in self._owned:
            yield self._owned[task]
            return
        async with self._pool.acquire() as conn, conn.transaction():
            if task is not None:
                self._owned[task] = conn
            try:
                yield conn
            finally:
                if task is not None:
                    self._owned.pop(task, None)

    @contextlib.asynccontextmanager
    async def reading(self) -> AsyncIterator[asyncpg.Connection]:
        task = asyncio.current_task()
        if task is not None and task in self._owned:
            yield self._owned[task]
            return
        async with self._pool.acquire() as conn:
            yield conn

    async def fetch(self, sql: str, *args: Any) -> list[asyncpg.Record]:
        async with self.reading() as conn:
            return list(await conn.fetch(sql, *args))

    async def fetchrow(self, sql: str, *args: Any) -> asyncpg.Record | None:
        async with self.reading() as conn:
            return await conn.fetchrow(sql, *args)

    async def scalar(self, sql: str, *args: Any) -> int:
        async with self.reading() as conn:
            value = await conn.fetchval(sql, *args)
        return 0 if value is None else int(value)

    def lock_id(self, key: str) -> int:
        """The advisory lock id of `key` in this database and schema."""
        return key_lock(f"{self.namespace}/{key}")

    def lock_ids(self, keys: Iterable[str]) -> list[int]:
        """Lock ids for `keys`, sorted: taken in this order by everyone, so never deadlocked."""
        return sorted({self.lock_id(key) for key in keys})

    # -- schema --------------------------------------------------------------------------------
    async def schema_version(self) -> int:
        async with self.reading() as conn:
            return await _version(conn)

    async def migrate(self, migrations: Sequence[str] | None = None) -> int:
        migrations = MIGRATIONS if migrations is None else migrations
        async with self._pool.acquire() as conn:
            await conn.execute("SELECT pg_advisory_lock($1)", self.lock_id("migrate"))
            try:
                await conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
                version = await _version(conn)
                if version > len(migrations):
                    raise SchemaTooNew(self.location, version, len(migrations))
                for number, script in enumerate(migrations[version:], start=version + 1):
                    _log.info("migrating database %s to schema version %d", self.location, number)
                    async with conn.transaction():
                        await conn.execute(script)
                        await conn.execute("DELETE FROM schema_version")
                        await conn.execute("INSERT INTO schema_version(version) VALUES ($1)", number)
            finally:
                await conn.execute("SELECT pg_advisory_unlock($1)", self.lock_id("migrate"))
        return len(migrations)

    # -- lifecycle -----------------------------------------------------------------------------
    async def connect_alone(self) -> asyncpg.Connection:
        """A connection outside the pool, for a session-long lock."""
        return await asyncpg.connect(self._url, timeout=CONNECT_TIMEOUT)

    async def close(self) -> None:
        await self._pool.close()


async def _version(conn: asyncpg.Connection) -> int:
    exists = await conn.fetchval("SELECT to_regclass('schema_version') IS NOT NULL")
    if not exists:
        return 0
    value = await conn.fetchval("SELECT MAX(version) FROM schema_version")
    return 0 if value is None else int(value)


async def open_database(url: str, location: str, *, read_only: bool = False,
                        pool_size: int = POOL_SIZE) -> PostgresDatabase:
    """Connect, migrate (unless `read_only`, which only checks the version). Raises StorageError
    subclasses with one clear line; nothing is left open on failure. Any number of processes may run
    the bot on one PostgreSQL database: they share the work (feed leases, chat claims, send slots)."""
    try:
        pool = await asyncpg.create_pool(url, min_size=1, max_size=pool_size, timeout=CONNECT_TIMEOUT,
                                         command_timeout=None)
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError, ValueError) as exc:
        raise StorageUnavailable(f"cannot open database {location}: {_reason(exc)}") from exc
    try:
        async with pool.acquire() as conn:
            names = await conn.fetchrow("SELECT current_database(), current_schema()")
    except BaseException:
        await pool.close()
        raise
    database = PostgresDatabase(pool, location, url, namespace=f"{names[0]}.{names[1]}" if names else "")
    try:
        if read_only:
            version = await database.schema_version()
            if version > len(MIGRATIONS):
                raise SchemaTooNew(location, version, len(MIGRATIONS))
        else:
            await database.migrate()
        return database
    except BaseException as exc:
        await database.close()
        if isinstance(exc, StorageError):
            raise
        if isinstance(exc, asyncpg.PostgresError | OSError):
            raise StorageUnavailable(f"cannot open database {location}: {_reason(exc)}") from exc
        raise


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def status_count(status: str) -> int:
    """Rows a command touched, from asyncpg's status string ('INSERT 0 5', 'UPDATE 3', 'DELETE 1')."""
    tail = status.rsplit(" ", 1)[-1]
    return int(tail) if tail.isdigit() else 0
