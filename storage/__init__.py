"""Storage: the ports the core depends on (`storage.ports`), the records it exchanges with them
(`storage.records`, and the shared ones in `feeds.model`), and the backends that implement them.

Only the composition root opens storage, and only through `open_storage`, which picks the backend
from the target: a file path (or `sqlite:///path`) is SQLite, the embedded default; a
`postgresql://user@host/db` URL is PostgreSQL.

    async with open_storage(settings.db, exclusive=True) as storage:
        await storage.catalog.shows()"""

from __future__ import annotations

import os
from types import TracebackType
from typing import TYPE_CHECKING

from storage.errors import NoDatabase, SchemaTooNew, StorageError, StorageLocked, StorageUnavailable

if TYPE_CHECKING:
    from collections.abc import Generator

    from storage.ports import Storage

__all__ = [
    "NoDatabase", "SchemaTooNew", "StorageError", "StorageLocked", "StorageUnavailable", "open_storage",
]


def open_storage(target: str | os.PathLike[str], *, exclusive: bool = False, read_only: bool = False) -> StorageOpener:
    """Open (and migrate) the storage at `target`; `async with` closes it, `await` leaves that to you.

    exclusive: this process runs the bot; a single-process backend (SQLite) refuses a second one.
    read_only: for commands that only look: nothing is created, migrated or written; a database that
    does not exist raises NoDatabase."""
    return StorageOpener(os.fspath(target), exclusive=exclusive, read_only=read_only)


def describe_target(target: str) -> str:
    """The target without a password, for messages."""
    scheme, sep, rest = target.partition("://")
    if sep and "@" in rest:
        credentials, _, host = rest.rpartition("@")
        return f"{scheme}://{credentials.split(':', 1)[0]}@{host}"
    return target


class StorageOpener:
    def __init__(self, target: str, *, exclusive: bool, read_only: bool) -> None:
        self._target = target
        self._exclusive = exclusive
        self._read_only = read_only
        self._storage: Storage | None = None

    async def _open(self) -> Storage:
        target = self._target
        scheme = target.partition("://")[0].lower() if "://" in target else ""
        if scheme in ("", "sqlite"):
            from storage.sqlite import open_sqlite

            if scheme and not target.lower().startswith("sqlite:///"):
                raise StorageError("a SQLite URL looks like sqlite:///relative/file.db or sqlite:////absolute/file.db")
            path = target[len("sqlite:///"):] if scheme else target
            return await open_sqlite(path, exclusive=self._exclusive, read_only=self._read_only)
        if scheme in ("postgresql", "postgres"):
            try:
                from storage.postgres import open_postgres
            except ImportError as exc:  # asyncpg missing from this installation
                raise StorageUnavailable(f"PostgreSQL needs the asyncpg package: {exc}") from exc

            return await open_postgres(target, describe_target(target), read_only=self._read_only)
        raise StorageError(f"unsupported database {describe_target(target)}: use a file path (SQLite) "
                           "or a postgresql:// URL")

    def __await__(self) -> Generator[object, None, Storage]:
        return self._open().__await__()

    async def __aenter__(self) -> Storage:
        self._storage = await self._open()
        return self._storage

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._storage is not None:
            storage, self._storage = self._storage, None
            await storage.close()

    def __repr__(self) -> str:
        return f"open_storage({describe_target(self._target)!r})"
