"""Times as a chat reads them: in its time zone (`/timezone`; UTC until one is set). The zone of the
text being written is a context variable, set with the language by whoever knows the reader:

    with use_zone(await showbot.preferences.timezone(platform, chat_id)):
        render(...)          # local_when(ts) -> '2026-03-02 22:00 KST'"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
from collections.abc import Iterator
from zoneinfo import ZoneInfo

UTC = ZoneInfo("UTC")
_zone: contextvars.ContextVar[dt.tzinfo] = contextvars.ContextVar("showbot_zone", default=UTC)


def current_zone() -> dt.tzinfo:
    return _zone.get()


@contextlib.contextmanager
def use_zone(zone: dt.tzinfo | None) -> Iterator[dt.tzinfo]:
    token = _zone.set(zone or UTC)
    try:
        yield _zone.get()
    finally:
        _zone.reset(token)


def local(ts: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(ts, _zone.get())


def local_day(ts: float) -> str:
    """'2026-03-02' in the reader's zone."""
    return local(ts).strftime("%Y-%m-%d")


def local_when(ts: float) -> str:
    """'2026-03-02 22:00 KST' in the reader's zone ('… UTC' until they set one)."""
    moment = local(ts)
    name = moment.tzname() or "UTC"
    return moment.strftime("%Y-%m-%d %H:%M ") + name
