"""The SQLite file behind every aggregate: one writer connection, reader connections, the unit of work.

- WAL mode, so readers never block the writer and the writer never blocks readers.
- ONE writer connection. Writes are serialised: a task opens a transaction (`BEGIN IMMEDIATE`) and
  holds the writer until it commits; another task's write waits for that commit, so it can neither
  slip into this transaction nor be rolled back with it.
- Reader connections (`query_only`), so a read sees committed data only: delivery can never read,
  and send, an outbox row that is later rolled back. Inside its own transaction a task reads on
  the writer instead, and sees its own uncommitted writes.
- `:memory:` has no second connection to read from: there the writer answers reads too (tests only).
- An exclusive lock file beside the database (`<db>.lock`, `fcntl.flock`) for processes that run the
  bot: a second `showbot run` on the same file is refused instead of delivering everything twice."""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
import sqlite3
from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path
from typing import Any, cast
from urllib.parse import quote

import aiosqlite

from storage.errors import NoDatabase, SchemaTooNew, StorageError, StorageLocked, StorageUnavailable
from storage.sqlite.migrations import MIGRATIONS, Migration

_log = logging.getLogger(__name__)

MEMORY = ":memory:"
READERS = 2
BUSY_TIMEOUT_MS = 5000


class SqliteDatabase:
    """The connections of one database file. Aggregates run their SQL through it."""

    def __init__(self, path: str, writer: aiosqlite.Connection | None, readers: Sequence[aiosqlite.Connection],
                 lock: _LockFile | None) -> None:
        self.path = path
        self._writer = writer
        self._all_readers = list(readers)
        self._readers: asyncio.Queue[aiosqlite.Connection] = asyncio.Queue()
        for conn in readers:
            self._readers.put_nowait(conn)
        self._lock = lock
        self._write_lock = asyncio.Lock()
        self._owner: asyncio.Task[Any] | None = None  # the task whose transaction is open

    # -- the unit of work ---------------------------------------------------------------------
    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """Run the body as one transaction on the writer: committed at the end, rolled back on an error
        (a crash in between leaves nothing half done). Nested use by the same task joins the outer one."""
        writer = self._require_writer()
        task = asyncio.current_task()
        if task is not None and self._owner is task:
            yield writer
            return
        async with self._write_lock:
            await writer.execute("BEGIN IMMEDIATE")
            self._owner = task
            try:
                yield writer
            except BaseException:
                with contextlib.suppress(sqlite3.Error):
                    await asyncio.shield(writer.rollback())
                raise
            else:
                try:
                    await asyncio.shield(writer.commit())
                except BaseException:  # e.g. disk full at commit: never leave the writer inside a transaction
                    with contextlib.suppress(sqlite3.Error):
                        await asyncio.shield(writer.rollback())
                    raise
            finally:
                self._owner = None

    def add_reader(self, conn: aiosqlite.Connection) -> None:
        self._all_readers.append(conn)
        self._readers.put_nowait(conn)

    @property
    def in_transaction(self) -> bool:
        """True when the calling task has a transaction open."""
        return self._owner is not None and self._owner is asyncio.current_task()

    @contextlib.asynccontextmanager
    async def reading(self) -> AsyncIterator[aiosqlite.Connection]:
        """A connection to read on: the writer inside the caller's own transaction, else a reader."""
        if self.in_transaction or not self._all_readers:
            yield self._require_writer()
            return
        conn = await self._readers.get()
        try:
            yield conn
        finally:
            self._readers.put_nowait(conn)

    async def fetchall(self, sql: str, args: Sequence[Any] | dict[str, Any] = ()) -> list[Any]:
        async with self.reading() as conn:
            return list(await conn.execute_fetchall(sql, args))

    async def fetchone(self, sql: str, args: Sequence[Any] | dict[str, Any] = ()) -> Any | None:
        rows = await self.fetchall(sql, args)
        return rows[0] if rows else None

    async def scalar(self, sql: str, args: Sequence[Any] | dict[str, Any] = ()) -> int:
        row = await self.fetchone(sql, args)
        return int(row[0]) if row and row[0] is not None else 0

    def _require_writer(self) -> aiosqlite.Connection:
        if self._writer is None:
            raise StorageError(f"database {self.path} is open read-only")
        return self._writer

    async def set_trace_callback(self, callback: Callable[[str], object] | None) -> None:
        """Every statement the writer runs, as SQLite expands it (benchmarks and debugging)."""
        await self._require_writer().set_trace_callback(cast("Callable[..., Any]", callback))  # None: stop

    # -- schema --------------------------------------------------------------------------------
    async def schema_version(self) -> int:
        async with self.reading() as conn:
            rows = list(await conn.execute_fetchall("PRAGMA user_version"))
        return int(rows[0][0]) if rows else 0

    async def migrate(self, migrations: Sequence[Migration] | None = None) -> int:
        """Apply every migration newer than the file's `user_version`, each in a transaction of its own.
        Refuses (and changes nothing) when the file is newer than this code. Returns the version now."""
        migrations = MIGRATIONS if migrations is None else migrations
        version = await self.schema_version()
        if version > len(migrations):
            raise SchemaTooNew(self.path, version, len(migrations))
        if version == len(migrations):
            return version
        writer = self._require_writer()
        for number, step in enumerate(migrations[version:], start=version + 1):
            _log.info("migrating database %s to schema version %d", self.path, number)
            async with self._write_lock:
                try:
                    if isinstance(step, str):
                        await writer.executescript(
                            f"BEGIN IMMEDIATE;\n{step}\nPRAGMA user_version = {number};\nCOMMIT;")
                        continue
                    await writer.execute("BEGIN IMMEDIATE")
                    await step(writer)
                    await writer.execute(f"PRAGMA user_version = {number}")
                    await writer.commit()
                except BaseException:  # a failed step leaves the file at the previous version
                    with contextlib.suppress(sqlite3.Error):
                        await writer.rollback()
                    raise
        return len(migrations)

    # -- lifecycle -----------------------------------------------------------------------------
    async def close(self) -> None:
        try:
            if self._writer is not None:
                with contextlib.suppress(sqlite3.Error):
                    await self._writer.execute("PRAGMA optimize")
        finally:
            for conn in [*self._all_readers, *([self._writer] if self._writer is not None else [])]:
                with contextlib.suppress(Exception):
                    await conn.close()
            if self._lock is not None:
                self._lock.release()


async def open_database(path: str, *, exclusive: bool = False, read_only: bool = False,
                        readers: int = READERS) -> SqliteDatabase:
    """Open (creating it unless `read_only`) and migrate the database at `path`. Raises StorageError
    subclasses with one clear line, never a driver traceback; nothing is left open on failure."""
    opened: list[aiosqlite.Connection] = []
    lock: _LockFile | None = None
    try:
        if path == MEMORY:
            writer = await _connect(MEMORY, opened)
            await _writer_pragmas(writer)
            database = SqliteDatabase(path, writer, [], None)
            await database.migrate()
            return database
        file, exists = await asyncio.to_thread(_resolve, path)
        if read_only:
            if not exists:
                raise NoDatabase(f"there is no database at {path} yet (`showbot run` creates it)")
            reader = await _connect_existing(file, opened)
            await _reader_pragmas(reader)
            database = SqliteDatabase(path, None, [reader], None)
            version = await database.schema_version()
            if version > len(MIGRATIONS):
                raise SchemaTooNew(path, version, len(MIGRATIONS))
            return database
        await asyncio.to_thread(_ensure_folder, file)
        if exclusive:
            lock = await asyncio.to_thread(_LockFile.acquire, file)
        writer = await _connect(str(file), opened)
        await _writer_pragmas(writer)
        database = SqliteDatabase(path, writer, [], lock)
        await database.migrate()
        for _ in range(readers):
            conn = await _connect(str(file), opened)
            await _reader_pragmas(conn)
            database.add_reader(conn)
        return database
    except BaseException as exc:
        for conn in opened:
            with contextlib.suppress(Exception):
                await conn.close()
        if lock is not None:
            lock.release()
        if isinstance(exc, sqlite3.Error | OSError):
            raise StorageUnavailable(f"cannot open database {path}: {_reason(exc)}") from exc
        raise


async def _connect(target: str, opened: list[aiosqlite.Connection], *, uri: bool = False) -> aiosqlite.Connection:
    # isolation_level=None: no implicit transactions; the writer's are explicit (BEGIN IMMEDIATE)
    conn = aiosqlite.connect(target, uri=uri, isolation_level=None)
    opened.append(conn)  # before awaiting: a failed connect must still stop its thread
    return await conn


async def _connect_existing(file: Path, opened: list[aiosqlite.Connection]) -> aiosqlite.Connection:
    """A connection that never creates the file. Read-write where the file system allows (query_only is
    set on it), so that closing it tidies the WAL files away like any other connection; read-only on a
    read-only mount."""
    try:
        return await _connect(f"file:{quote(str(file))}?mode=rw", opened, uri=True)
    except sqlite3.OperationalError:
        return await _connect(f"file:{quote(str(file))}?mode=ro", opened, uri=True)


async def _writer_pragmas(conn: aiosqlite.Connection) -> None:
    await conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    mode = await conn.execute_fetchall("PRAGMA journal_mode = WAL")
    if str(next(iter(mode))[0]).lower() not in ("wal", "memory"):
        raise StorageUnavailable("the database could not be switched to WAL mode")
    await conn.execute("PRAGMA synchronous = NORMAL")
    await conn.execute("PRAGMA foreign_keys = ON")
    await conn.execute("PRAGMA cache_size = -32768")  # 32 MB: fan-out writes touch many index pages
    await conn.execute_fetchall("SELECT COUNT(*) FROM sqlite_master")  # a garbage file fails here, not later


async def _reader_pragmas(conn: aiosqlite.Connection) -> None:
    await conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    await conn.execute("PRAGMA query_only = ON")
    await conn.execute("PRAGMA cache_size = -16384")
    await conn.execute_fetchall("SELECT COUNT(*) FROM sqlite_master")


def _resolve(path: str) -> tuple[Path, bool]:
    file = Path(path).expanduser().absolute()
    return file, file.is_file()


def _ensure_folder(file: Path) -> None:
    file.parent.mkdir(parents=True, exist_ok=True)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return f"{exc.strerror} ({exc.filename})" if exc.filename else exc.strerror
    return str(exc) or type(exc).__name__


class _LockFile:
    """`<db>.lock`, held with `flock` for as long as the process runs the bot. The kernel releases it
    when the process dies, however it dies, so a stale lock never blocks a restart."""

    def __init__(self, path: Path, fd: int) -> None:
        self.path = path
        self._fd: int | None = fd

    @classmethod
    def acquire(cls, database: Path) -> _LockFile:
        path = database.with_name(database.name + ".lock")
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip()
            os.close(fd)
            who = f" (pid {holder})" if holder.isdigit() else ""
            raise StorageLocked(
                f"another showbot is already running on {database}{who}: one process per SQLite database "
                "(several workers need PostgreSQL, see SHOWBOT_DATABASE_URL)"
            ) from None
        except BaseException:
            os.close(fd)
            raise
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        return cls(path, fd)

    def release(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.ftruncate(self._fd, 0)
            os.close(self._fd)  # closing the descriptor releases the flock
            self._fd = None
