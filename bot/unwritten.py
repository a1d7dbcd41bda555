"""What a platform answered that storage could not record yet (disk full, database locked).

The platform's answer is the truth: once it accepted a message, that message is sent, whether or
not the outbox row says so. So when marking a row fails, the outcome is kept here, in memory; the
delivery loop skips the row (it is never sent again), and the write is retried with backoff,
never the send. Only a crash before the write succeeds can repeat a message (at most once, as for
a crash between a send and its mark).

    unwritten = UnwrittenOutcomes()
    unwritten.keep(Outcome(row.id, OutcomeKind.SENT, at=now))    # mark_sent raised
    unwritten.blocks(row, now)                                  # True: don't send this row again
    await unwritten.write(storage, now)                         # retry the writes when due"""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass
from typing import assert_never

from storage.ports import Storage
from storage.records import OutboxEntry

_log = logging.getLogger(__name__)

WRITE_BACKOFF_BASE = 1.0
WRITE_BACKOFF_CAP = 60.0


class OutcomeKind(enum.Enum):
    SENT = "sent"  # the platform accepted the message
    RETRY = "retry"  # send again at `at` (429, 5xx)
    FAILED = "failed"  # the platform refused the message itself (400)


@dataclass(frozen=True, slots=True)
class Outcome:
    outbox_id: int
    kind: OutcomeKind
    at: float  # when it was sent (SENT), when to try again (RETRY), when it failed (FAILED)
    error: str = ""


@dataclass(frozen=True, slots=True)
class Pause:
    platform: str
    chat_id: str
    reason: str


async def write_outcome(storage: Storage, outcome: Outcome) -> None:
    """Record one outcome in the outbox (raises what storage raises)."""
    match outcome.kind:
        case OutcomeKind.SENT:
            await storage.outbox.mark_sent(outcome.outbox_id, outcome.at)
        case OutcomeKind.RETRY:
            await storage.outbox.mark_retry(outcome.outbox_id, error=outcome.error, next_attempt_at=outcome.at)
        case OutcomeKind.FAILED:
            await storage.outbox.mark_failed(outcome.outbox_id, error=outcome.error)
        case _:
            assert_never(outcome.kind)


def write_delay(failures: int) -> float:
    """1 s, 2 s, 4 s … at most a minute between two tries of the same writes."""
    return min(WRITE_BACKOFF_CAP, WRITE_BACKOFF_BASE * 2 ** max(0, failures - 1))


class UnwrittenOutcomes:
    def __init__(self) -> None:
        self._outcomes: dict[int, Outcome] = {}
        self._pauses: dict[tuple[str, str], Pause] = {}
        self._failures = 0
        self.next_write_at = 0.0

    def __len__(self) -> int:
        return len(self._outcomes) + len(self._pauses)

    def keep(self, outcome: Outcome, now: float) -> None:
        self._outcomes[outcome.outbox_id] = outcome
        self._soon(now)

    def discard(self, outbox_id: int) -> None:
        """A later outcome of the row was written: the one kept is outdated."""
        self._outcomes.pop(outbox_id, None)

    def keep_pause(self, pause: Pause, now: float) -> None:
        self._pauses[(pause.platform, pause.chat_id)] = pause
        self._soon(now)

    def _soon(self, now: float) -> None:
        if not self._failures:
            self.next_write_at = max(self.next_write_at, now + WRITE_BACKOFF_BASE)

    def forget_pause(self, platform: str, chat_id: str) -> None:
        """The chat showed a sign of life before its pause could be written: nothing to write."""
        self._pauses.pop((platform, chat_id), None)

    def paused(self, platform: str, chat_id: str) -> bool:
        return (platform, chat_id) in self._pauses

    def outcome(self, outbox_id: int) -> Outcome | None:
        return self._outcomes.get(outbox_id)

    def blocks(self, row: OutboxEntry, now: float) -> bool:
        """True when `row` must not be sent now: its outcome is known (sent or failed), its retry is
        not due yet, or its chat is paused."""
        if self.paused(row.platform, row.chat_id):
            return True
        outcome = self._outcomes.get(row.id)
        if outcome is None:
            return False
        return outcome.kind is not OutcomeKind.RETRY or outcome.at > now

    async def write(self, storage: Storage, now: float, *, force: bool = False) -> bool:
        """Write what is kept, in the order it happened, unless the last try was too recent (`force`
        ignores that). True when nothing is left unwritten."""
        if not self:
            return True
        if not force and now < self.next_write_at:
            return False
        try:
            for key, pause in list(self._pauses.items()):
                await storage.audience.pause_chat(pause.platform, pause.chat_id, pause.reason)
                del self._pauses[key]
            for outbox_id, outcome in list(self._outcomes.items()):
                await write_outcome(storage, outcome)
                del self._outcomes[outbox_id]
        except Exception as exc:
            self._failures += 1
            delay = write_delay(self._failures)
            self.next_write_at = now + delay
            _log.warning("delivery: %d outcome(s) still not recorded (%s: %s); those messages are not sent "
                         "again; next write in %.0fs", len(self), type(exc).__name__, exc, delay)
            return False
        if self._failures:
            _log.info("delivery: the outcomes kept in memory are recorded now")
        self._failures = 0
        self.next_write_at = 0.0
        return True
