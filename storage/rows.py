"""Backend-neutral helpers both SQL backends use to turn rows into records and back. No SQL here."""

from __future__ import annotations

from collections.abc import Sequence

from feeds.model import Event, NewItem
from storage.records import DeliveryOptions, Digest, SubscriptionRecord

# the delivery options' columns of `subscriptions`, in the order options_from_row reads them
OPTION_COLUMNS = ("ping_events", "digest", "digest_hour", "digest_weekday", "quiet_start", "quiet_end", "thread_id")


def first_sightings(
    keyed: Sequence[tuple[NewItem, tuple[str, ...]]], known: set[str]
) -> list[tuple[NewItem, tuple[str, ...]]]:
    """The items none of whose keys is known, nor taken by an earlier item of the same batch."""
    seen = set(known)
    out: list[tuple[NewItem, tuple[str, ...]]] = []
    for item, keys in keyed:
        if not any(key in seen for key in keys):
            out.append((item, keys))
            seen.update(keys)
    return out


def seasons_to_text(seasons: Sequence[int]) -> str:
    return ",".join(map(str, seasons))


def seasons_from_text(text: str | None) -> tuple[int, ...]:
    return tuple(int(s) for s in (text or "").split(",") if s.strip().isdigit())


def options_from_row(row: Sequence[object]) -> DeliveryOptions:
    """DeliveryOptions from the OPTION_COLUMNS, in that order."""
    ping, digest, hour, weekday, quiet_start, quiet_end, thread = row
    return DeliveryOptions(
        ping=None if ping is None else Event(int(ping)),  # type: ignore[call-overload]
        digest=Digest(str(digest)) if digest in ("daily", "weekly") else None,
        digest_hour=9 if hour is None else int(hour),  # type: ignore[call-overload]
        digest_weekday=0 if weekday is None else int(weekday),  # type: ignore[call-overload]
        quiet_start=None if quiet_start is None else int(quiet_start),  # type: ignore[call-overload]
        quiet_end=None if quiet_end is None else int(quiet_end),  # type: ignore[call-overload]
        thread_id=None if thread is None else str(thread),
    )


def options_to_row(options: DeliveryOptions) -> tuple[object, ...]:
    return (None if options.ping is None else int(options.ping), None if options.digest is None else str(options.digest),
            options.digest_hour, options.digest_weekday, options.quiet_start, options.quiet_end, options.thread_id)


def subscription_from_row(row: Sequence[object]) -> SubscriptionRecord:
    """(id, platform, kind, chat_id, guild_id, user_id, role_id, show_id, show title, events, *OPTION_COLUMNS)."""

    def text(value: object) -> str | None:
        return None if value is None else str(value)

    return SubscriptionRecord(
        id=int(row[0]),  # type: ignore[call-overload]
        platform=str(row[1]), kind=str(row[2]), chat_id=str(row[3]),
        guild_id=text(row[4]), user_id=text(row[5]), role_id=text(row[6]),
        show_id=None if row[7] is None else int(row[7]),  # type: ignore[call-overload]
        show=text(row[8]),
        events=Event(int(row[9])),  # type: ignore[call-overload]
        options=options_from_row(row[10:17]) if len(row) >= 17 else DeliveryOptions(),
    )
