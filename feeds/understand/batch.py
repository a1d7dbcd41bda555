"""Matching a file of items on every core: `showbot match`'s engine.

Lines go out in chunks to worker processes forked after the matcher is built (so each worker shares
the parent's index instead of building its own) and the answers come back in input order. Small
inputs, or a machine with one core, are matched in this process. Each line gives one output line
(`{"id", "matches"}`) or one error message naming its line number; nothing is dropped."""

from __future__ import annotations

import gc
import json
import logging
import multiprocessing
import os
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from itertools import islice

from feeds.understand.matcher import Matcher

_log = logging.getLogger(__name__)

CHUNK = 500  # lines per task: large enough that pickling is cheap next to matching
PARALLEL_FROM = 2 * CHUNK  # fewer lines than this are matched in this process

_MATCHER: Matcher | None = None  # the forked workers' matcher (set in the parent before forking)


@dataclass(frozen=True, slots=True)
class Answer:
    """One input line's outcome: an output line, or an error message."""

    number: int
    output: str | None
    error: str | None = None


def answer(matcher: Matcher, number: int, line: str) -> Answer | None:
    """The answer for one line of the items file (None for a blank line)."""
    if not line.strip():
        return None
    try:
        item = json.loads(line)
        title = str(item.get("title") or "")
        summary = str(item.get("summary") or "")
    except (json.JSONDecodeError, AttributeError) as exc:
        return Answer(number, None, f"line {number}: not a JSON object ({exc})")
    matches = [m.to_json() for m in matcher.match(title, summary)]
    return Answer(number, json.dumps({"id": item.get("id", number), "matches": matches}, ensure_ascii=False))


def _answer_chunk(chunk: list[tuple[int, str]]) -> list[Answer]:
    assert _MATCHER is not None
    return [a for number, line in chunk if (a := answer(_MATCHER, number, line)) is not None]


def _chunks(lines: Iterable[str], size: int) -> Iterator[list[tuple[int, str]]]:
    numbered = enumerate(lines, 1)
    while chunk := list(islice(numbered, size)):
        yield chunk


def match_lines(matcher: Matcher, lines: Iterable[str], *, workers: int | None = None) -> Iterator[Answer]:
    """Answers for every non-blank line, in order; on `workers` processes (default: one per core)."""
    global _MATCHER
    workers = workers or os.cpu_count() or 1
    chunks = _chunks(lines, CHUNK)
    first = list(islice(chunks, PARALLEL_FROM // CHUNK))
    if workers < 2 or len(first) < PARALLEL_FROM // CHUNK or "fork" not in multiprocessing.get_all_start_methods():
        for chunk in [*first, *chunks]:
            yield from (a for number, line in chunk if (a := answer(matcher, number, line)) is not None)
        return
    _MATCHER = matcher  # inherited by the forked workers
    thawed = gc.get_freeze_count() == 0
    gc.freeze()  # the workers' collections then leave the inherited index alone (no copy-on-write of its pages)
    try:
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
            for answers in pool.map(_answer_chunk, _all(first, chunks)):
                yield from answers
    finally:
        if thawed:  # (a caller that froze objects itself keeps them frozen)
            gc.unfreeze()
        _MATCHER = None


def _all(first: list[list[tuple[int, str]]], rest: Iterator[list[tuple[int, str]]]) -> Iterator[list[tuple[int, str]]]:
    yield from first
    yield from rest
