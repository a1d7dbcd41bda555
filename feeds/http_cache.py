"""What a feed server says about when to come back: Cache-Control max-age, Expires, Retry-After.

Header names are matched case-insensitively; a header that can't be read counts as absent."""

from __future__ import annotations

import email.utils
import re
from collections.abc import Mapping

_MAX_AGE = re.compile(r"(?:^|,)\s*max-age\s*=\s*\"?(\d+)\"?", re.IGNORECASE)
_NO_CACHE = re.compile(r"(?:^|,)\s*(?:no-cache|no-store)\b", re.IGNORECASE)
# headers the poll schedule and WebSub discovery need from a fetch, besides the parser's own
SCHEDULING_HEADERS: frozenset[str] = frozenset({"cache-control", "expires", "date", "retry-after", "link", "age"})


def _get(headers: Mapping[str, str], name: str) -> str | None:
    for key, value in headers.items():
        if key.lower() == name:
            return value
    return None


def _http_date(value: str | None) -> float | None:
    if not value:
        return None
    try:
        parsed = email.utils.parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError):
        return None
    if parsed is None or parsed.tzinfo is None:
        return None
    return parsed.timestamp()


def fresh_for(headers: Mapping[str, str], *, now: float) -> float | None:
    """Seconds the response stays fresh: Cache-Control max-age (minus Age), else Expires minus
    Date (or now). 0 for no-cache/no-store; None when the server says nothing usable."""
    control = _get(headers, "cache-control") or ""
    if _NO_CACHE.search(control):
        return 0.0
    found = _MAX_AGE.search(control)
    if found:
        age_text = (_get(headers, "age") or "").strip()
        age = int(age_text) if age_text.isdigit() else 0
        return float(max(0, int(found.group(1)) - age))
    expires_text = _get(headers, "expires")
    if expires_text is None:
        return None
    expires = _http_date(expires_text)
    if expires is None:
        return 0.0  # RFC 9111: an invalid Expires (e.g. "0") means already expired
    base = _http_date(_get(headers, "date")) or now
    return max(0.0, expires - base)


def retry_after(headers: Mapping[str, str], *, now: float) -> float | None:
    """Retry-After as seconds from now (delta-seconds or an HTTP date), None when absent or unreadable."""
    value = (_get(headers, "retry-after") or "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    when = _http_date(value)
    return None if when is None else max(0.0, when - now)
