"""Backend-neutral helpers both SQL backends use to turn rows into records and back. No SQL here."""

from __future__ import annotations

from collections.abc import Sequence

from feeds.model import Event, NewItem
from storage.records import SubscriptionRecord


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


def subscription_from_row(row: Sequence[object]) -> SubscriptionRecord:
    """(id, platform, kind, chat_id, guild_id, user_id, role_id, show_id, show title, events)."""

    def text(value: object) -> str | None:
        return None if value is None else str(value)

    return SubscriptionRecord(
        id=int(row[0]),  # type: ignore[call-overload]
        platform=str(row[1]), kind=str(row[2]), chat_id=str(row[3]),
        guild_id=text(row[4]), user_id=text(row[5]), role_id=text(row[6]),
        show_id=None if row[7] is None else int(row[7]),  # type: ignore[call-overload]
        show=text(row[8]),
        events=Event(int(row[9])),  # type: ignore[call-overload]
    )
