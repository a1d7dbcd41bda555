"""The garbage collector and the event loop: long-lived objects kept out of full collections.

A full (generation 2) collection walks every container object the process holds; with the
modules, the catalog's index, the storage and the chat clients that is tens of thousands of
objects, and each walk stopped the event loop for 25–75 ms several times during a 1,000-feed
poll cycle (bench/bench_poll.py). Objects that live as long as the process are moved out of the
collector's reach once the bot has set itself up; what a cycle allocates is still collected."""

from __future__ import annotations

import gc
import logging

_log = logging.getLogger(__name__)


def freeze_long_lived() -> None:
    """Collect once, then exempt everything alive now from later collections (`gc.freeze`). Call
    once, after start-up (catalog loaded, matcher built, clients open), not per request."""
    gc.collect()
    gc.freeze()
    _log.debug("garbage collector: %d long-lived objects frozen", gc.get_freeze_count())
