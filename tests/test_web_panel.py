"""The moderator panel through the whole stack: a link asked for in chat, pages scoped to that
server or group, every change through the command layer (its checks, its refusals), CSRF,
escaping, the SSRF rules for feeds, and the calendar feed."""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass

import aiohttp
import pytest
from icalendar import Calendar

from bot.adapters.web.server import WebServer
from bot.app import open_web
from bot.commands import Commands
from bot.commands.model import Caller, ChatType
from bot.config import load_settings
from bot.service import ShowBot
from feeds.model import Event, NewItem, ShowMatch
from storage.records import SubscriptionRecord
from tests.test_stories_views import fill as fill_stories

MOD_A = Caller("discord", "5", "a1", ChatType.GROUP, guild_id="guild-a", is_chat_admin=True, name="Mod A")
MEMBER_A = Caller("discord", "7", "a1", ChatType.GROUP, guild_id="guild-a", name="Member A")
MOD_B = Caller("discord", "6", "b1", ChatType.GROUP, guild_id="guild-b", is_chat_admin=True, name="Mod B")
FAN = Caller("telegram", "42", "42", name="Fan")
NOW = 1_800_000_000.0


@dataclass
class Panel:
    showbot: ShowBot
    commands: Commands
    server: WebServer

    async def sign_in(self, caller: Caller) -> aiohttp.ClientSession:
        reply = await self.commands.run(caller, "panel")
        assert reply.ok and reply.secret and reply.private, reply
        [link] = re.findall(r"https?://\S+/login/\S+", reply.text)
        client = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
        async with client.get(link) as page:
            assert page.status == 200
        async with client.post(link, headers={"Origin": self.server.url}) as response:
            assert response.status == 200 and response.url.path == "/panel", await response.text()
        return client

    async def page(self, client: aiohttp.ClientSession, path: str) -> tuple[int, str]:
        async with client.get(self.server.url + path) as response:
            return response.status, await response.text()

    async def do(self, client: aiohttp.ClientSession, action: str, page: str = "/panel",
                 **fields: str | list[str]) -> str:
        """Post a panel form (with the page's CSRF token); the text of the page it lands on."""
        _, text = await self.page(client, page)
        csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', text)
        assert csrf, text
        data: list[tuple[str, str]] = [("csrf", csrf.group(1)), ("next", page)]
        for key, value in fields.items():
            data += [(key, v) for v in value] if isinstance(value, list) else [(key, value)]
        async with client.post(f"{self.server.url}/panel/do/{action}", data=data,
                               headers={"Origin": self.server.url}) as response:
            assert response.status == 200, await response.text()
            return await response.text()


@pytest.fixture
async def panel(db_path: str) -> AsyncIterator[Panel]:
    settings = load_settings(env={"SHOWBOT_OWNERS": "telegram:999"}, db=db_path, web="127.0.0.1:0")
    async with ShowBot.create(settings) as showbot, open_web(settings, showbot) as side:
        assert side is not None
        yield Panel(showbot, Commands(showbot), side.server)


def _flash(page: str) -> str:
    found = re.search(r'<div class="flash (ok|error)"[^>]*>(.*?)</div>', page, re.S)
    assert found, "no flash message on the page"
    return found.group(1) + ": " + " ".join(html.unescape(re.sub(r"<[^>]+>", " ", found.group(2))).split())


# -- scope -----------------------------------------------------------------------------------------
async def test_a_moderator_of_server_a_neither_sees_nor_changes_server_b(panel: Panel) -> None:
    await panel.commands.run(MOD_A, "channel subscribe", show="Squid Game")
    await panel.commands.run(MOD_B, "channel subscribe", show="Slow Horses")
    await panel.commands.run(MOD_B, "mute", show="The Bear")
    client = await panel.sign_in(MOD_A)
    async with client:
        status, page_html = await panel.page(client, "/panel/subscriptions")
        assert status == 200
        assert "Squid Game" in page_html and "Slow Horses" not in page_html and "The Bear" not in page_html
        assert "<code>b1</code>" not in page_html and 'value="b1"' not in page_html
        # a hand-made form aimed at server B's channel
        landed = await panel.do(client, "channel-unsubscribe", "/panel/subscriptions", channel="b1", show="Slow Horses")
        assert "not one of this server" in _flash(landed)
        landed = await panel.do(client, "channel-subscribe", "/panel/subscriptions", channel="b1", show="Fallout",
                                event=["renewal"])
        assert "not one of this server" in _flash(landed)
    b_subs = await panel.showbot.storage.audience.subscriptions_in_guild("discord", "guild-b")
    assert [(s.chat_id, s.show) for s in b_subs] == [("b1", "Slow Horses")]
    assert await panel.showbot.storage.audience.muted_shows("discord", "guild-b") == ["The Bear"]


async def test_a_moderator_manages_the_servers_channels(panel: Panel) -> None:
    client = await panel.sign_in(MOD_A)
    async with client:
        landed = await panel.do(client, "channel-subscribe", "/panel/subscriptions", channel="a1", show="Squid Game",
                                event=["renewal", "trailer"], role="123456")
        assert "ok:" in _flash(landed) and "Squid Game" in _flash(landed)
        landed = await panel.do(client, "mute", "/panel/subscriptions", show="The Bear")
        assert "muted" in _flash(landed)
    [sub] = await panel.showbot.storage.audience.subscriptions_in_guild("discord", "guild-a")
    assert (sub.chat_id, sub.show, sub.events, sub.role_id) == ("a1", "Squid Game", Event.RENEWAL | Event.TRAILER,
                                                               "123456")
    assert await panel.showbot.storage.audience.muted_shows("discord", "guild-a") == ["The Bear"]


async def test_a_member_gets_the_same_refusals_as_in_chat(panel: Panel) -> None:
    await panel.commands.run(MOD_A, "channel subscribe", show="Squid Game")
    client = await panel.sign_in(MEMBER_A)
    async with client:
        _, page_html = await panel.page(client, "/panel/subscriptions")
        assert "Squid Game" not in page_html and "Only moderators" in page_html
        landed = await panel.do(client, "channel-subscribe", "/panel/subscriptions", channel="a1", show="Fallout",
                                event=["renewal"])
        chat = await panel.commands.run(MEMBER_A, "channel subscribe", show="Fallout")
        assert (not chat.ok and chat.text in _flash(landed).replace("  ", " ")) or "Only moderators" in _flash(landed)
        assert (await panel.page(client, "/panel/feeds"))[0] == 403
        landed = await panel.do(client, "feed-add", "/panel", url="https://example.com/feed.xml")
        assert "error:" in _flash(landed) and "moderators" in _flash(landed)
    assert [s.show for s in await panel.showbot.storage.audience.subscriptions_in_guild("discord", "guild-a")] == [
        "Squid Game"]


# -- personal subscriptions ------------------------------------------------------------------------
async def test_a_fan_follows_and_edits_a_show_in_the_panel(panel: Panel) -> None:
    client = await panel.sign_in(FAN)
    async with client:
        landed = await panel.do(client, "subscribe", "/panel/subscriptions", show="Squid Game",
                                event=["renewal", "release_date"])
        assert "Squid Game" in _flash(landed)
        assert "Squid Game" in landed  # listed on the page it lands on
        landed = await panel.do(client, "subscribe", "/panel/subscriptions", show="Squid Game", event=["trailer"])
        landed = await panel.do(client, "subscribe", "/panel/subscriptions", show="Squid Game")
        assert "Pick at least one" in _flash(landed)
    subs = await panel.showbot.storage.audience.subscriptions("telegram", "user", "42")
    assert [(s.show, s.events) for s in subs] == [("Squid Game", Event.TRAILER)]
    assert "Squid Game" in (await panel.commands.run(FAN, "subscriptions")).text  # what chat says too


async def test_did_you_mean_buttons_are_the_command_layers_and_cannot_be_forged(panel: Panel) -> None:
    client = await panel.sign_in(FAN)
    async with client:
        landed = await panel.do(client, "subscribe", "/panel/subscriptions", show="Squid Gme", event=["renewal"])
        assert "Did you mean" in _flash(landed)
        tokens = re.findall(r'name="choice" value="([^"]+)"', landed)
        assert tokens
        landed = await panel.do(client, "choose", "/panel/subscriptions", choice=tokens[0])
        assert "ok:" in _flash(landed)
        landed = await panel.do(client, "choose", "/panel/subscriptions", choice=tokens[0][:-3] + "AAA")
        assert "expired" in _flash(landed)
    assert [s.show for s in await panel.showbot.storage.audience.subscriptions("telegram", "user", "42")] == [
        "Squid Game"]


# -- CSRF, escaping, SSRF --------------------------------------------------------------------------
async def test_every_panel_form_needs_its_csrf_token(panel: Panel) -> None:
    client = await panel.sign_in(FAN)
    async with client:
        for action in ("subscribe", "unsubscribe", "feed-add", "channel-subscribe", "calendar", "choose", "logout"):
            path = "/logout" if action == "logout" else f"/panel/do/{action}"
            async with client.post(panel.server.url + path, data={"show": "Squid Game", "event": "renewal"},
                                   allow_redirects=False) as response:
                assert response.status == 403, action
    assert await panel.showbot.storage.audience.subscriptions("telegram", "user", "42") == []


async def test_feed_text_is_escaped_in_every_page(panel: Panel) -> None:
    storage = panel.showbot.storage
    await panel.commands.run(FAN, "subscribe", show="Squid Game")
    evil = '<script>alert("pwned")</script> Squid Game renewed for season 3 <img src=x onerror=alert(1)>'
    [item] = await storage.items.insert_items(None, [NewItem(evil, guid="evil", link="javascript:alert(1)")], NOW)
    [show] = await storage.catalog.find_shows("Squid Game")
    match = ShowMatch(show.id, show.title, Event.RENEWAL, (3,), '<b onclick="x">renewed</b>')
    await storage.items.save_matches(item.id, [match])
    await storage.outbox.enqueue_for_match(item.id, match, NOW)
    await storage.catalog.upsert_show("<script>alert(2)</script>", ["<i>x</i>"])
    client = await panel.sign_in(FAN)
    async with client:
        for path in ("/panel/news", "/panel/catalog?q=script", "/panel/subscriptions", "/panel"):
            status, page = await panel.page(client, path)
            assert status == 200
            assert "<script>" not in page and "<img" not in page and "<b onclick" not in page and "<i>x" not in page
        _, page = await panel.page(client, "/panel/news")
        assert "&lt;script&gt;alert(&#34;pwned&#34;)&lt;/script&gt;" in page
        assert 'href="javascript:' not in page
        landed = await panel.do(client, "subscribe", "/panel/subscriptions", show='<script>alert(3)</script>',
                                event=["renewal"])
        assert "<script>alert(3)" not in landed


async def test_panel_feeds_meet_the_same_ssrf_rules_as_chat(panel: Panel) -> None:
    owner = Caller("telegram", "999", "999", name="Owner")
    client = await panel.sign_in(owner)
    async with client:
        for url in ("http://127.0.0.1:8080/feed", "http://169.254.169.254/latest/meta-data/", "file:///etc/passwd",
                    "http://[::1]/feed", "http://10.0.0.1/x"):
            landed = await panel.do(client, "feed-add", "/panel/feeds", url=url)
            chat = await panel.commands.run(owner, "feed add", url=url)
            assert not chat.ok
            assert "error:" in _flash(landed) and "can't add that feed" in _flash(landed), url
        _, page_html = await panel.page(client, "/panel/feeds")
        assert "169.254" not in page_html and "127.0.0.1:8080/feed" not in page_html


async def test_javascript_links_from_feeds_are_not_clickable(panel: Panel) -> None:
    storage = panel.showbot.storage
    await panel.commands.run(FAN, "subscribe", show="Squid Game")
    [item] = await storage.items.insert_items(None, [NewItem("Squid Game renewed", guid="js",
                                                             link="javascript:alert(1)")], NOW)
    [show] = await storage.catalog.find_shows("Squid Game")
    match = ShowMatch(show.id, show.title, Event.RENEWAL, (), "renewed")
    await storage.items.save_matches(item.id, [match])
    await storage.outbox.enqueue_for_match(item.id, match, NOW)
    client = await panel.sign_in(FAN)
    async with client:
        _, page_html = await panel.page(client, "/panel/news")
    assert 'href="javascript:' not in page_html


# -- other pages -----------------------------------------------------------------------------------
async def test_feeds_delivery_news_and_catalog_pages(panel: Panel) -> None:
    owner = Caller("telegram", "999", "999", name="Owner")
    await panel.commands.run(owner, "subscribe", show="Squid Game")
    await panel.showbot.poll_once(force=True)
    client = await panel.sign_in(owner)
    async with client:
        status, page_html = await panel.page(client, "/panel/feeds")
        assert status == 200 and "bundled:" in page_html and "OK" in page_html
        status, page_html = await panel.page(client, "/panel/delivery")
        assert status == 200 and "Pending" in page_html
        status, page_html = await panel.page(client, "/panel/catalog?q=squid")
        assert status == 200 and "Squid Game" in page_html
        landed = await panel.do(client, "catalog-add", "/panel/catalog", title="Blue Eye Samurai",
                                aliases="BES, 青い目のサムライ")
        assert "Added Blue Eye Samurai" in _flash(landed)
        landed = await panel.do(client, "alias-add", "/panel/catalog", show="Blue Eye Samurai", alias="Mizu")
        assert "Mizu" in _flash(landed)
    [show] = await panel.showbot.storage.catalog.find_shows("Mizu")
    assert show.title == "Blue Eye Samurai"


# -- the calendar ----------------------------------------------------------------------------------
async def test_the_calendar_feed_of_a_chat(panel: Panel) -> None:
    storage = panel.showbot.storage
    severance, _ = await fill_stories(storage)  # Severance S2 dated January 17, then moved to February 21
    await storage.audience.subscribe(SubscriptionRecord("telegram", "user", "42", severance, Event.all(),
                                                        user_id="42"))
    reply = await panel.commands.run(FAN, "calendar")
    assert "Severance season 2" in reply.text
    [link] = re.findall(r"https?://\S+\.ics", reply.text)
    async with aiohttp.ClientSession() as client:
        async with client.get(link) as response:
            assert response.status == 200 and response.headers["Content-Type"].startswith("text/calendar")
            calendar = Calendar.from_ical(await response.read())
        [event] = calendar.walk("VEVENT")
        assert str(event["SUMMARY"]).startswith("Severance season 2")
        assert event.decoded("dtstart").isoformat() == "2027-02-21" and int(event["sequence"]) == 1
        again = await panel.commands.run(FAN, "calendar")
        assert link in again.text  # the same address every time
        reset = await panel.commands.run(FAN, "calendar", reset="reset")
        [new_link] = re.findall(r"https?://\S+\.ics", reset.text)
        assert new_link != link
        async with client.get(link) as response:
            assert response.status == 404  # the old address is retired
        async with client.get(new_link) as response:
            assert response.status == 200
        async with client.get(panel.server.url + "/calendar/" + "x" * 32 + ".ics") as response:
            assert response.status == 404


async def test_calendar_reset_in_a_group_is_for_moderators(panel: Panel) -> None:
    assert (await panel.commands.run(MEMBER_A, "calendar")).ok
    assert not (await panel.commands.run(MEMBER_A, "calendar", reset="reset")).ok
    assert (await panel.commands.run(MOD_A, "calendar", reset="reset")).ok


async def test_news_lists_every_outlet_of_the_story(panel: Panel) -> None:
    storage = panel.showbot.storage
    severance, _ = await fill_stories(storage)  # Deadline, then Variety report the same date
    await storage.audience.subscribe(SubscriptionRecord("telegram", "user", "42", severance, Event.all(),
                                                        user_id="42"))
    first = min(await storage.stories.for_show(severance), key=lambda s: s.first_seen)
    item_id = first.outlets()[0].item_id
    assert item_id is not None
    match = ShowMatch(severance, "Severance", Event.RELEASE_DATE, (2,), "premieres")
    await storage.items.save_matches(item_id, [match])
    assert await storage.outbox.enqueue_for_match(item_id, match, NOW) >= 1  # the fan (and the console)
    client = await panel.sign_in(FAN)
    async with client:
        _, page_html = await panel.page(client, "/panel/news")
    assert re.search(r">Deadline</a> · <a [^>]*>Variety</a>", page_html), page_html
