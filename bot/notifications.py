"""What one recipient is told about one story, and how it reads on each platform.

A notification is one of three kinds: the first word of a story (a ping), an update (the story
moved on: a ping, replying to the earlier message), or an edit of the message already sent (more
outlets report it: the sources line grows, nobody is pinged).

Renderers write in the current language (bot.i18n: the adapter sets the recipient's). Every
renderer escapes every feed-supplied string for its target (plain text, Telegram HTML,
Discord markdown) and cuts it to the platform's limits, so a headline can neither inject markup
nor mention @everyone."""

from __future__ import annotations

import enum
import html
import re
import time
from dataclasses import dataclass, replace
from typing import Any

from bot.i18n import N_, _, ngettext
from bot.local_time import local_when
from feeds.model import Event
from storage.records import OutboxEntry

EVENT_LABELS: dict[Event, tuple[str, str]] = {  # labels N_()-marked: translated where shown
    Event.RENEWAL: ("🔁", N_("Renewed")),
    Event.CANCELLATION: ("🛑", N_("Cancelled / ending")),
    Event.RELEASE_DATE: ("📅", N_("Release date")),
    Event.TRAILER: ("🎬", N_("Trailer")),
    Event.CASTING: ("🎭", N_("Casting")),
    Event.PRODUCTION: ("🎥", N_("Filming")),
}
TELEGRAM_LIMIT = 4096
DISCORD_TITLE_LIMIT = 256
HEADLINE_LIMIT = 300
MAX_LINK_LENGTH = 2048  # a longer link is left out of the text (Discord refuses longer embed URLs)
SHOW_LIMIT = 200
OUTLET_LIMIT = 60  # characters of one outlet's name in a sources line
MAX_OUTLETS = 12  # outlets named in a sources line; more are counted ("+3 more")
CHANGE_LIMIT = 200
UPDATE_MARK = N_("🔄 Update")


class NotificationKind(enum.Enum):
    STORY = "story"  # the first word of a story: a ping
    UPDATE = "update"  # the story moved on (a date set or moved, renewed then cancelled): a ping, a reply
    EDIT = "edit"  # more outlets report it: the message already sent lists them; no ping


@dataclass(frozen=True, slots=True)
class Source:
    """One outlet that reports a story, and its article."""

    outlet: str
    link: str | None = None


@dataclass(frozen=True, slots=True)
class SentMessage:
    """A message a platform accepted, as it names it: where it lives (a Telegram chat id; a Discord
    channel id, a DM's channel for a DM) and its id there. Kept in the outbox for edits and replies."""

    chat_id: str
    message_id: str


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
    kind: NotificationKind = NotificationKind.STORY
    sources: tuple[Source, ...] = ()  # every outlet that reports the story, first report first
    change: str = ""  # what an update changes ("date moved: June 21 → July 12")
    replying_to: SentMessage | None = None  # an update's earlier message, in this chat

    @classmethod
    def from_outbox(cls, entry: OutboxEntry) -> Notification:
        return cls(entry.id, entry.item_id, entry.show, entry.events, entry.seasons, entry.title, entry.link,
                   entry.source, entry.published_at, entry.reason, entry.summary)

    @property
    def is_update(self) -> bool:
        return self.kind is NotificationKind.UPDATE

    @property
    def outlets(self) -> tuple[Source, ...]:
        """Who reports it, each outlet once, first report first: the story's sources, else the item's own."""
        seen: dict[str, Source] = {}
        for src in self.sources or ((Source(self.source, self.link),) if self.source else ()):
            name = " ".join(src.outlet.split())
            if name:
                seen.setdefault(name.casefold(), Source(name, src.link))
        return tuple(seen.values())

    def with_sources(self, sources: tuple[Source, ...]) -> Notification:
        return replace(self, sources=sources)

    @property
    def event_labels(self) -> list[str]:
        return [f"{icon} {_(label)}" for event, (icon, label) in EVENT_LABELS.items() if event in self.events]

    @property
    def season_label(self) -> str:
        if not self.seasons:
            return ""
        if len(self.seasons) == 1:
            return _("Season {n}").format(n=self.seasons[0])
        return _("Seasons {list} and {last}").format(list=", ".join(map(str, self.seasons[:-1])), last=self.seasons[-1])

    @property
    def kicker(self) -> str:
        """'Stranger Things · 🎬 Trailer · Season 5' ('🔄 Update · Stranger Things · …' for an update)"""
        parts = (_(UPDATE_MARK) if self.is_update else "", self.show, ", ".join(self.event_labels), self.season_label)
        return " · ".join(p for p in parts if p)

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


_RULE_IDS = re.compile(r"\s*\[[\w-]+(?:\.[\w-]+)+\]")
WHY_LIMIT = 1000


def explain(reason: str, limit: int = WHY_LIMIT) -> str:
    """The matcher's stored reason as a reader sees it (why this notification was sent): its rule ids
    left out, cut to `limit` characters. '"Silo" (distinct title); renewal: 'renewed'; season from …'"""
    return cut(_RULE_IDS.sub("", reason), limit)


def _more(more: int) -> str:
    """' +3 more' after the outlets a sources line names ('' when it names them all)."""
    return " " + ngettext("+{n} more", "+{n} more", more).format(n=more) if more else ""


def _when(ts: float) -> str:
    """In the reader's time zone (bot.local_time: the adapter sets the recipient's)."""
    return local_when(ts)


def _usable_link(link: str | None) -> str | None:
    return link if link and len(link) <= MAX_LINK_LENGTH and link.startswith(("http://", "https://")) else None


def _named(outlets: tuple[Source, ...]) -> tuple[tuple[Source, ...], int]:
    """The outlets a sources line names, and how many more it only counts."""
    return outlets[:MAX_OUTLETS], max(0, len(outlets) - MAX_OUTLETS)


# -- plain text (console) -------------------------------------------------------------------
def render_plain(n: Notification) -> str:
    lines = [f"[{n.kicker}]", cut(n.headline, HEADLINE_LIMIT)]
    if n.change:
        lines.append(f"({cut(n.change, CHANGE_LIMIT)})")
    if n.link:
        lines.append(n.link)
    outlets, more = _named(n.outlets)
    if outlets:
        names = " · ".join(cut(o.outlet, OUTLET_LIMIT) for o in outlets) + _more(more)
        lines.append(_("via {outlets}").format(outlets=names) + f" · {_when(n.published_at)}")
    return "\n".join(lines)


def render_plain_edit(n: Notification) -> str:
    """The console cannot edit what it printed: it prints an 'also reported by' line instead."""
    outlets, more = _named(n.outlets)
    later = outlets[1:]
    names = " · ".join(f"{cut(o.outlet, OUTLET_LIMIT)}" + (f" ({o.link})" if _usable_link(o.link) else "")
                       for o in later) + _more(more)
    return f"[{n.kicker}] {cut(n.headline, 80)}\n  " + _("also reported by {outlets}").format(outlets=names or "—")


# -- Telegram HTML --------------------------------------------------------------------------
def escape_html(text: str) -> str:
    return html.escape(text, quote=False)


@dataclass(frozen=True, slots=True)
class TelegramMessage:
    html: str
    link: str | None  # the story's link when the text carries it (and the preview may show it)


def render_telegram(n: Notification) -> TelegramMessage:
    """Telegram HTML within TELEGRAM_LIMIT. Every part is cut as text and then escaped, so markup is
    never cut; a link that doesn't fit (or is absurdly long) is left out of the text, not the message.
    Several outlets: 'via Deadline · Variety · TVLine', each linked to its article while they fit."""
    head = f"<b>{escape_html(cut(n.show, SHOW_LIMIT))}</b> · {escape_html(', '.join(n.event_labels))}"
    if n.season_label:
        head += f" · {escape_html(n.season_label)}"
    if n.is_update:
        head = f"{escape_html(_(UPDATE_MARK))} · {head}"
    headline = escape_html(cut(n.headline, HEADLINE_LIMIT))
    change = [f"<i>{escape_html(cut(n.change, CHANGE_LIMIT))}</i>"] if n.change else []
    link = _usable_link(n.link)
    body = f'<a href="{html.escape(link, quote=True)}">{headline}</a>' if link is not None else headline
    if len("\n".join([head, body, *change])) > TELEGRAM_LIMIT - 200:  # (a link too long to leave room)
        body, link = headline, None
    text = "\n".join([head, body, *change])
    outlets, more = _named(n.outlets)
    if outlets:
        tail_end = f"{escape_html(_more(more))} · {_when(n.published_at)}</i>"
        names = [escape_html(cut(o.outlet, OUTLET_LIMIT)) for o in outlets]
        linked = list(names)
        via_head, _sep, via_tail = escape_html(_("via {outlets}")).partition("{outlets}")
        budget = TELEGRAM_LIMIT - len(text) - len(tail_end) - len(via_head) - len(via_tail) - 4 - 3 * len(outlets)
        budget -= sum(len(name) for name in names)
        if len(outlets) > 1:  # one outlet is the headline's own link; several are linked each
            for index, source in enumerate(outlets):
                source_link = _usable_link(source.link)
                if source_link is None:
                    continue
                anchor = f'<a href="{html.escape(source_link, quote=True)}">{names[index]}</a>'
                if len(anchor) - len(names[index]) > budget:
                    continue
                budget -= len(anchor) - len(names[index])
                linked[index] = anchor
        tail = "<i>" + via_head + " · ".join(linked) + via_tail + tail_end
        if len(text) + 1 + len(tail) <= TELEGRAM_LIMIT:
            text += "\n" + tail
    return TelegramMessage(text, link)


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
        "color": 0x2B7BE4 if n.is_update else 0xE50914,
        "timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(n.published_at)),
        "fields": [
            {"name": _("Show"), "value": fit_discord(n.show, DISCORD_FIELD_LIMIT), "inline": True},
            {"name": _("News"), "value": ", ".join(n.event_labels) or "—", "inline": True},
        ],
    }
    if n.season_label:
        embed["fields"].append({"name": _("Season"), "value": n.season_label, "inline": True})
    if n.change:
        embed["fields"].append({"name": _("What changed"), "value": fit_discord(n.change, DISCORD_FIELD_LIMIT),
                                "inline": False})
    link = _usable_link(n.link)
    if link:
        embed["url"] = link
    if n.reason.strip():
        embed["fields"].append({"name": _("Why"), "value": fit_discord(explain(n.reason), DISCORD_FIELD_LIMIT),
                                "inline": False})
    outlets, more = _named(n.outlets)
    if len(outlets) > 1:
        embed["fields"].append({"name": _("Sources"), "value": discord_sources(outlets, more), "inline": False})
    if outlets:  # footers show no markdown and ping nobody
        embed["footer"] = {"text": cut(" · ".join(o.outlet for o in outlets) + _more(more),
                                       200)}
    content = f"<@&{role_id}>" if role_id and role_id.isdigit() else None
    return DiscordMessage(content, embed, role_id if content else None)


def discord_sources(outlets: tuple[Source, ...], more: int) -> str:
    """'[Deadline](…) · [Variety](…) · TVLine' within a field's 1024 characters: names escaped, a link
    that doesn't fit (or would end the markdown early) left out, its name kept."""
    tail = _more(more)
    names = [fit_discord(o.outlet, OUTLET_LIMIT) for o in outlets]
    parts = list(names)
    budget = DISCORD_FIELD_LIMIT - len(tail) - 3 * (len(names) - 1) - sum(len(name) for name in names)
    for index, source in enumerate(outlets):
        link = _usable_link(source.link)
        if link is None or any(c in link for c in "()<> "):
            continue
        masked = f"[{names[index]}]({link})"
        if len(masked) - len(names[index]) <= budget:
            budget -= len(masked) - len(names[index])
            parts[index] = masked
    return " · ".join(parts) + tail
