"""A digest as each platform shows it: one message for the stories a subscription gathered (daily or
weekly), in the reader's language and time zone. Feed text is escaped as in single notifications."""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.i18n import _, ngettext
from bot.local_time import local_when
from bot.notifications import (
    DISCORD_TITLE_LIMIT,
    HEADLINE_LIMIT,
    TELEGRAM_LIMIT,
    Notification,
    cut,
    escape_html,
    fit_discord,
)

DISCORD_EMBEDS = 10  # a message's embeds
DISCORD_DESCRIPTION = 4000


def heading(count: int) -> str:
    return "📰 " + ngettext("Your digest: {n} story", "Your digest: {n} stories", count).format(n=count)


def _link(n: Notification) -> str | None:
    link = n.link
    return link if link and link.startswith(("http://", "https://")) and len(link) <= 2048 else None


def render_plain_digest(stories: Sequence[Notification]) -> str:
    lines = [heading(len(stories))]
    for n in stories:
        lines.append(f"• [{n.kicker}] {cut(n.headline, HEADLINE_LIMIT)}")
        if link := _link(n):
            lines.append(f"  {link}")
    return "\n".join(lines)


def render_telegram_digest(stories: Sequence[Notification]) -> str:
    """Telegram HTML within one message; the stories that don't fit are counted at the end."""
    text = f"<b>{escape_html(heading(len(stories)))}</b>"
    for shown, n in enumerate(stories):
        headline = escape_html(cut(n.headline, HEADLINE_LIMIT))
        link = _link(n)
        body = f'<a href="{html.escape(link, quote=True)}">{headline}</a>' if link else headline
        entry = f"\n\n<b>{escape_html(cut(n.kicker, 300))}</b>\n{body}\n<i>{escape_html(local_when(n.published_at))}</i>"
        rest = escape_html("\n\n" + _("… and {n} more").format(n=len(stories) - shown))
        if len(text) + len(entry) + len(rest) > TELEGRAM_LIMIT:
            return text + rest
        text += entry
    return text


@dataclass(frozen=True, slots=True)
class DiscordDigest:
    embeds: list[dict[str, Any]]


def render_discord_digest(stories: Sequence[Notification]) -> DiscordDigest:
    """An embed per story (with its picture); past Discord's ten, the last embed lists the rest."""
    embeds: list[dict[str, Any]] = []
    each = stories if len(stories) <= DISCORD_EMBEDS else stories[:DISCORD_EMBEDS - 1]
    for n in each:
        embed: dict[str, Any] = {"title": fit_discord(n.headline, DISCORD_TITLE_LIMIT),
                                 "description": fit_discord(n.kicker, 1000), "color": 0xE50914}
        if link := _link(n):
            embed["url"] = link
        if n.image and n.image.startswith(("http://", "https://")) and len(n.image) <= 2048:
            embed["thumbnail"] = {"url": n.image}
        embeds.append(embed)
    rest = stories[len(each):]
    if rest:
        lines = [f"• {fit_discord(cut(n.kicker, 120), 200)}: {fit_discord(cut(n.headline, 150), 300)}" for n in rest]
        embeds.append({"title": fit_discord(_("… and {n} more").format(n=len(rest)), DISCORD_TITLE_LIMIT),
                       "description": cut("\n".join(lines), DISCORD_DESCRIPTION)})
    if embeds:
        embeds[0]["author"] = {"name": heading(len(stories))}
    return DiscordDigest(embeds)
