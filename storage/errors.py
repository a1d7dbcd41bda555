"""What can go wrong opening or upgrading storage, as errors that carry one clear line for the operator.

Every backend raises these (never its driver's own exceptions) from `open_storage` and `migrate`, so
the command line can print the message and exit non-zero without a traceback."""

from __future__ import annotations


class StorageError(Exception):
    """Storage cannot be used; the message says why and, where it can, what to do."""


class StorageUnavailable(StorageError):
    """The database cannot be opened or read: a read-only mount, a garbage or truncated file, a server
    that does not answer."""


class NoDatabase(StorageError):
    """A read-only command was pointed at a database that does not exist (and must not create it)."""


class SchemaTooNew(StorageError):
    """The database was written by a newer showbot: this code does not know its schema."""

    def __init__(self, where: str, found: int, known: int) -> None:
        super().__init__(
            f"database {where} has schema version {found}, but this showbot only knows versions up to "
            f"{known}: it was written by a newer showbot; upgrade showbot (nothing was changed)"
        )
        self.found = found
        self.known = known


class StorageLocked(StorageError):
    """Another showbot process is already running on this single-process database."""


class ShowConflict(StorageError, ValueError):
    """The title belongs to another show (one with another TVmaze id)."""
