"""Worker processes that parse feeds and match their new items, so that neither runs on the event loop.

feedparser and the matcher are pure Python (~1 ms and ~0.2 ms an item): done on the loop, a feed of
a few dozen items would hold every other feed, chat and web request up for tens of milliseconds.
Each worker gets its own copy of the matcher once, when it starts (a Matcher pickles as its catalog
and is rebuilt in the worker, off the loop); a new catalog means a new pool, while the old one
finishes what it was given.

    workers = FeedWorkers(matcher, processes=2)
    parsed = await workers.parse(body, headers)
    outcomes = await workers.match([(item.title, item.summary) for item in new])
    workers.close()

`match_items` is the same work for the caller's own thread (no pool, or a pool that died)."""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import pickle
import traceback
from collections.abc import Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

from feeds.model import ShowMatch
from feeds.parse import ParsedFeed, parse_feed
from feeds.understand.matcher import Matcher

_log = logging.getLogger(__name__)

_MATCHER: Matcher | None = None  # a worker's copy, set by its initializer


@dataclass(frozen=True, slots=True)
class Matched:
    """What the matcher found in one item, or why it failed on it (a traceback, logged by the caller)."""

    matches: list[ShowMatch]
    error: str | None = None


def match_items(matcher: Matcher, items: Sequence[tuple[str, str]]) -> list[Matched]:
    """(title, summary) pairs -> one outcome each, in order; one headline the matcher chokes on fails alone."""
    out: list[Matched] = []
    for title, summary in items:
        try:
            out.append(Matched(matcher.match(title, summary)))
        except Exception:
            out.append(Matched([], traceback.format_exc()))
    return out


WORKER_NICENESS = 10  # workers yield the CPU to the event loop's process: its pauses are what users feel


def _install(pickled_matcher: bytes) -> None:
    global _MATCHER
    try:
        os.nice(WORKER_NICENESS)
    except (AttributeError, OSError):  # no nice() on this platform: same priority, still off the loop
        pass
    _MATCHER = pickle.loads(pickled_matcher)  # rebuilds its index: a worker's first second goes here


def _ready() -> bool:
    return _MATCHER is not None


def _match_in_worker(items: Sequence[tuple[str, str]]) -> list[Matched]:
    if _MATCHER is None:
        raise RuntimeError("this worker has no matcher")
    return match_items(_MATCHER, items)


class FeedWorkers:
    """A process pool whose workers parse feed bodies and match items with a copy of `matcher`."""

    def __init__(self, matcher: Matcher, *, processes: int) -> None:
        """Cheap enough for the loop with a small catalog; with a large one, call it in a thread (the
        catalog is pickled here, once)."""
        self.matcher = matcher
        # forkserver, not fork: this process runs threads (the database's, the loop's executors)
        self._pool = ProcessPoolExecutor(max_workers=processes, mp_context=multiprocessing.get_context("forkserver"),
                                         initializer=_install, initargs=(pickle.dumps(matcher),))
        for _ in range(processes):  # start every worker now, from the caller's thread, not on the first feeds
            self._pool.submit(_ready)

    async def parse(self, body: bytes, headers: Mapping[str, str] | None = None) -> ParsedFeed:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, parse_feed, body, dict(headers or {}))

    async def match(self, items: Sequence[tuple[str, str]]) -> list[Matched]:
        """Outcomes for (title, summary) pairs, in order, found by a worker's copy of the matcher."""
        if not items:
            return []
        return await asyncio.get_running_loop().run_in_executor(self._pool, _match_in_worker, list(items))

    def close(self, *, finish: bool = False) -> None:
        """Stop taking work, without waiting. `finish`: what was already given is still done (its
        callers are waiting for it); otherwise what no worker has started yet is cancelled."""
        self._pool.shutdown(wait=False, cancel_futures=not finish)
