"""What one recipient is told about one story, and how it reads on each platform.

Every renderer escapes every feed-supplied string for its target (plain text, Telegram HTML,
Discord markdown) and cuts it to the platform's limits, so a headline can neither inject markup
nor mention @everyone."""

from __future__ import annotations

import html
import re
import time
from dataclasses import dataclass
from typing import Any

from feeds.model import Event
from storage.records import OutboxEntry

EVENT_LABELS: dict[Event, tuple[str, str]] = {
    Event.RENEWAL: ("🔁", "Renewed"),
    Event.CANCELLATION: ("🛑", "Cancelled / ending"),
    Event.RELEASE_DATE: ("📅", "Release date"),
    Event.TRAILER: ("🎬", "Trailer"),
    Event.CASTING: ("🎭", "Casting"),
    Event.PRODUCTION: ("🎥", "Filming"),
}
TELEGRAM_LIMIT = 4096
DISCORD_TITLE_LIMIT = 256
HEADLINE_LIMIT = 300
MAX_LINK_LENGTH = 2048  # a longer link is left out of the text (Discord refuses longer embed URLs)
SHOW_LIMIT = 200


@dataclass(frozen=True, slots=True)
class Recipient:
    platform: str
    kind: str  # "user" or "channel"
    chat_id: str
    role_id: str | None = None


@dataclass(frozen=True, slots=True)
class Notification:
    outbox_id: int
    item_id: int
    show: str
    events: Event
    seasons: tuple[int, ...]
    headline: str
    link: str | None
    source: str | None
    published_at: float
    reason: str
    summary: str = ""

    @classmethod
    def from_outbox(cls, entry: OutboxEntry) -> Notification:
        return cls(entry.id, entry.item_id, entry.show, entry.events, entry.seasons, entry.title, entry.link,
                   entry.source, entry.published_at, entry.reason, entry.summary)

    @property
    def event_labels(self) -> list[str]:
        return [f"{icon} {label}" for event, (icon, label) in EVENT_LABELS.items() if event in self.events]

    @property
    def season_label(self) -> str:
        if not self.seasons:
            return ""
        if len(self.seasons) == 1:
            return f"Season {self.seasons[0]}"
        return "Seasons " + ", ".join(map(str, self.seasons[:-1])) + f" and {self.seasons[-1]}"

    @property
    def kicker(self) -> str:
        """'Stranger Things · 🎬 Trailer · Season 5'"""
        return " · ".join(p for p in (self.show, ", ".join(self.event_labels), self.season_label) if p)

    @property
    def nonce(self) -> str:
        """Stable per outbox row: a platform that dedups by nonce drops a resend after a crash."""
        return f"showbot-{self.outbox_id}"


def cut(text: str, limit: int) -> str:
    """Cut at a word boundary within `limit` characters, marking the cut with an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    if " " in head[limit // 2:]:
        head = head.rsplit(" ", 1)[0]
    return head.rstrip(" ,;:-") + "…"


def _when(ts: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(ts))


# -- plain text (console) -------------------------------------------------------------------
def render_plain(n: Notification) -> str:
    lines = [f"[{n.kicker}]", cut(n.headline, HEADLINE_LIMIT)]
    if n.link:
        lines.append(n.link)
    if n.source:
        lines.append(f"via {cut(n.source, 80)} · {_when(n.published_at)}")
    return "\n".join(lines)


# -- Telegram HTML --------------------------------------------------------------------------
def escape_html(text: str) -> str:
    return html.escape(text, quote=False)


@dataclass(frozen=True, slots=True)
class TelegramMessage:
    html: str
    link: str | None  # the story's link when the text carries it (and the preview may show it)


def render_telegram(n: Notification) -> TelegramMessage:
    """Telegram HTML within TELEGRAM_LIMIT. Every part is cut as text and then escaped, so markup is
    never cut; a link that doesn't fit (or is absurdly long) is left out of the text, not the message."""
    head = f"<b>{escape_html(cut(n.show, SHOW_LIMIT))}</b> · {escape_html(', '.join(n.event_labels))}"
    if n.season_label:
        head += f" · {escape_html(n.season_label)}"
    headline = escape_html(cut(n.headline, HEADLINE_LIMIT))
    tail = [f"<i>via {escape_html(cut(n.source, 80))} · {_when(n.published_at)}</i>"] if n.source else []
    text = "\n".join([head, headline, *tail])
    link = n.link if n.link and len(n.link) <= MAX_LINK_LENGTH and n.link.startswith(("http://", "https://")) else None
    if link is not None:
        anchored = f'<a href="{html.escape(link, quote=True)}">{headline}</a>'
        with_link = "\n".join([head, anchored, *tail])
        if len(with_link) <= TELEGRAM_LIMIT:
            return TelegramMessage(with_link, link)
    return TelegramMessage(text, None)


def render_telegram_html(n: Notification) -> str:
    return render_telegram(n).html


# -- Discord --------------------------------------------------------------------------------
DISCORD_DESCRIPTION_LIMIT = 4096
DISCORD_FIELD_LIMIT = 1024
DISCORD_FOOTER_LIMIT = 2048
_MARKDOWN = re.compile(r"([\\*_~`|>#\[\]])")
_MENTION = re.compile(r"@(everyone|here|&?\d+|!?\d+)")


def escape_discord(text: str) -> str:
    """Neutralise markdown, masked links, mentions and `<…>` markup (custom emoji, timestamps,
    channel and command mentions) in feed text; allowed_mentions is the second lock."""
    text = _MARKDOWN.sub(r"\\\1", text)
    text = text.replace("<", "<\u200b")
    return _MENTION.sub("@\u200b\\1", text)


def fit_discord(text: str, limit: int) -> str:
    """Escaped for Discord and within `limit` characters: the text is cut first, then escaped, so an
    escape is never cut in half."""
    escaped = escape_discord(" ".join(text.split()))
    size = limit
    while len(escaped) > limit and size > 1:
        size -= max(1, len(escaped) - limit)
        escaped = escape_discord(cut(text, max(1, size)))
    return escaped if len(escaped) <= limit else "…"


@dataclass(frozen=True, slots=True)
class DiscordMessage:
    content: str | None
    embed: dict[str, Any]
    mention_role_id: str | None


def render_discord(n: Notification, *, role_id: str | None = None) -> DiscordMessage:
    embed: dict[str, Any] = {
        "title": fit_discord(n.headline, DISCORD_TITLE_LIMIT),
        "description": fit_discord(n.kicker, min(DISCORD_DESCRIPTION_LIMIT, 1000)),
        "color": 0xE50914,
        "timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(n.published_at)),
        "fields": [
            {"name": "Show", "value": fit_discord(n.show, DISCORD_FIELD_LIMIT), "inline": True},
            {"name": "News", "value": ", ".join(n.event_labels) or "—", "inline": True},
        ],
    }
    if n.season_label:
        embed["fields"].append({"name": "Season", "value": n.season_label, "inline": True})
    if n.link and len(n.link) <= MAX_LINK_LENGTH and n.link.startswith(("http://", "https://")):
        embed["url"] = n.link
    if n.source:
        embed["footer"] = {"text": cut(n.source, 200)}  # footers show no markdown and ping nobody
    content = f"<@&{role_id}>" if role_id and role_id.isdigit() else None
    return DiscordMessage(content, embed, role_id if content else None)
