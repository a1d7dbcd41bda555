"""What a notification looks like on each platform, whatever a feed puts in it: Telegram HTML
that always parses (text is cut, never markup), Discord embeds within every limit with markdown
and mentions neutralised, and feed text cleaned of real tags only."""

from __future__ import annotations

import html
import re
from dataclasses import replace

import pytest

from bot.notifications import (
    DISCORD_TITLE_LIMIT,
    MAX_LINK_LENGTH,
    TELEGRAM_LIMIT,
    Notification,
    NotificationKind,
    Source,
    escape_discord,
    render_discord,
    render_plain_edit,
    render_telegram_html,
)
from feeds.model import Event
from feeds.parse import parse_feed
from feeds.text import plain_text
from tests.support.fake_telegram import html_problem, shown_length

NEWS = "https://news.example/squid-game-s3"


def _notification(headline: str = "Squid Game renewed for season 3", *, link: str | None = NEWS,
                  show: str = "Squid Game", source: str | None = "Deadline") -> Notification:
    return Notification(outbox_id=1, item_id=1, show=show, events=Event.RENEWAL | Event.TRAILER, seasons=(3,),
                        headline=headline, link=link, source=source, published_at=1_700_000_000.0, reason="test")


def _long_link(length: int) -> str:
    return NEWS + "?q=" + "a&b" * ((length - len(NEWS) - 3) // 3)


# -- Telegram ------------------------------------------------------------------------------------
@pytest.mark.parametrize("length", [200, 1000, MAX_LINK_LENGTH])
def test_a_link_that_fits_is_kept_whole(length: int) -> None:
    link = NEWS + "/" + "a" * (length - len(NEWS) - 1)
    text = render_telegram_html(_notification(link=link))
    assert html_problem(text) is None, text[-200:]
    assert f'<a href="{html.escape(link, quote=True)}">' in text
    assert len(text) <= TELEGRAM_LIMIT


@pytest.mark.parametrize("length", [MAX_LINK_LENGTH + 1, 3900, 4090, 5000, 20_000])
def test_a_link_too_long_is_dropped_from_the_text_not_the_message(length: int) -> None:
    text = render_telegram_html(_notification("Squid Game <renewed> & more", link=_long_link(length)))
    assert html_problem(text) is None, text[-200:]
    assert "<a " not in text and "href" not in text
    assert "Squid Game &lt;renewed&gt; &amp; more" in text and "Deadline" in text
    assert len(text) <= TELEGRAM_LIMIT


def test_every_feed_string_at_its_longest_still_parses_within_the_limit() -> None:
    n = _notification("&<>" * 2000, link=_long_link(MAX_LINK_LENGTH), show="<Show> & " * 200,
                      source="<i>" * 500)
    text = render_telegram_html(n)
    assert html_problem(text) is None
    assert len(text) <= TELEGRAM_LIMIT and shown_length(text, "HTML") <= TELEGRAM_LIMIT
    assert "&amp;&lt;&gt;" in text and text.count("<a ") <= 1


# -- Discord -------------------------------------------------------------------------------------
def test_discord_fields_stay_within_every_limit() -> None:
    n = _notification("*_" * 500, link=_long_link(5000), show="**" * 800, source="x" * 5000)
    embed = render_discord(n).embed
    assert len(embed["title"]) <= DISCORD_TITLE_LIMIT
    assert len(embed["description"]) <= 4096
    assert all(len(f["name"]) <= 256 and len(f["value"]) <= 1024 for f in embed["fields"])
    assert len(embed["footer"]["text"]) <= 2048
    assert "url" not in embed  # a link Discord would refuse is left out, not the message
    total = len(embed["title"]) + len(embed["description"]) + len(embed["footer"]["text"]) + sum(
        len(f["name"]) + len(f["value"]) for f in embed["fields"])
    assert total <= 6000


def test_a_cut_discord_title_never_ends_in_half_an_escape() -> None:
    for size in range(240, 270):
        title = render_discord(_notification("x" * size + "*" * 40)).embed["title"]
        assert len(title) <= DISCORD_TITLE_LIMIT
        body = title.removesuffix("…")
        assert re.search(r"(?<!\\)\*", body) is None, title  # every * keeps its backslash
        assert not body.endswith("\\"), title


@pytest.mark.parametrize(("raw", "unwanted"), [
    ("# Big news", "# "),
    ("<:custom:123456> Squid Game", "<:"),
    ("<t:1700000000:R> Squid Game", "<t:"),
    ("</subscribe:123> now", "</"),
    ("<#987654321> channel", "<#"),
    ("@everyone Squid Game", "@everyone"),
    ("<@&456> role", "<@&"),
    ("[click](https://evil.example)", "[click]("),
])
def test_discord_text_cannot_format_mention_or_link(raw: str, unwanted: str) -> None:
    escaped = escape_discord(raw)
    assert re.search("(?<!\\\\)" + re.escape(unwanted), escaped) is None, escaped


# -- feed text: only real tags are stripped -----------------------------------------------------------
@pytest.mark.parametrize(("markup", "text"), [
    ("I <3 Squid Game, more than anything > all", "I <3 Squid Game, more than anything > all"),
    ("5 < 6 and 7 > 3", "5 < 6 and 7 > 3"),
    ("Squid Game &lt;3 season 3 &gt; season 2", "Squid Game <3 season 3 > season 2"),
    ("<p>Squid Game <b>renewed</b></p><!-- ad --> for <a href='x'>season 3</a>", "Squid Game renewed for season 3"),
    ("&lt;p&gt;double &amp;lt;b&amp;gt;escaped&amp;lt;/b&amp;gt;&lt;/p&gt;", "double escaped"),
    ("Renewed<br/>for season 3", "Renewed for season 3"),
    ("<img src=x onerror=alert(1)>Squid Game", "Squid Game"),
])
def test_plain_text_strips_real_tags_only(markup: str, text: str) -> None:
    assert plain_text(markup) == text


def test_a_headline_with_a_heart_keeps_its_words() -> None:
    feed = (b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><item>'
            b"<title>Fans &lt;3 Squid Game: season 3 is bigger &gt; than ever</title><guid>1</guid>"
            b"</item></channel></rss>")
    [item] = parse_feed(feed).items
    assert item.title == "Fans <3 Squid Game: season 3 is bigger > than ever"


# -- sources and updates -----------------------------------------------------------------------------
def _sourced(count: int, *, link_length: int = 60, outlet: str = "Outlet") -> Notification:
    sources = tuple(Source(f"{outlet} {n}", NEWS + "/" + "x" * max(0, link_length - len(NEWS) - 1) + str(n))
                    for n in range(count))
    return replace(_notification(), sources=sources)


@pytest.mark.parametrize(("count", "link_length"), [(2, 60), (3, 2000), (12, 1000), (40, MAX_LINK_LENGTH)])
def test_every_outlet_is_named_within_the_limits(count: int, link_length: int) -> None:
    n = _sourced(count, link_length=link_length)
    text = render_telegram_html(n)
    assert html_problem(text) is None and len(text) <= TELEGRAM_LIMIT
    assert "via Outlet 0" in re.sub(r"<[^>]+>", "", text)
    assert ("more" in text) == (count > 12)
    field = next(f for f in render_discord(n).embed["fields"] if f["name"] == "Sources")
    assert len(field["value"]) <= 1024 and field["value"].startswith(("[Outlet 0]", "Outlet 0"))


def test_outlet_names_are_feed_text_and_escaped() -> None:
    n = replace(_notification(), sources=(Source("<b>Dead</b>line & co", NEWS), Source("@everyone *Variety*", NEWS)))
    text = render_telegram_html(n)
    assert html_problem(text) is None and "&lt;b&gt;Dead&lt;/b&gt;line &amp; co" in text
    sources = next(f for f in render_discord(n).embed["fields"] if f["name"] == "Sources")["value"]
    assert "@everyone" not in sources and "\\*Variety\\*" in sources


def test_one_outlet_reads_as_before_and_an_update_is_marked() -> None:
    plain = render_telegram_html(_notification())
    assert "<i>via Deadline · " in plain and plain.startswith("<b>Squid Game</b>")
    update = replace(_notification(), kind=NotificationKind.UPDATE, change="date moved: June 21 → July 12")
    text = render_telegram_html(update)
    assert text.startswith("🔄 Update · <b>Squid Game</b>") and "<i>date moved: June 21 → July 12</i>" in text
    embed = render_discord(update).embed
    assert embed["description"].startswith("🔄 Update · Squid Game")
    assert {"name": "What changed", "value": "date moved: June 21 → July 12", "inline": False} in embed["fields"]
    assert "also reported by Outlet 1 (" in render_plain_edit(_sourced(3))
