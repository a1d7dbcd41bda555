"""The command layer on its own: every command, every refusal, permissions, and the typed-command parser."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import bot.commands.subscriptions as subscriptions_module
from bot.commands import Action, Caller, ChatType, Choice, Commands, Reply, Status
from bot.commands.events import parse_events, split_show_events
from bot.commands.text import Parsed, parse
from bot.config import load_settings
from bot.service import ShowBot
from feeds.model import Event, NewItem, ShowMatch
from feeds.understand.stories import Report, decide
from storage.records import Stats, SubscriptionRecord
from tests.support.http_server import LocalServer, Response

OWNERS = "telegram:999,discord:999"
USER = Caller("telegram", "1", "1", name="user")
OTHER_USER = Caller("telegram", "4", "4")
OWNER_DM = Caller("telegram", "999", "999")
# a Telegram group admin, talking to the bot in private: the group's rights must not follow them
ADMIN_IN_DM = Caller("telegram", "3", "3", ChatType.PRIVATE, is_chat_admin=True)
GROUP_MEMBER = Caller("telegram", "2", "-100", ChatType.GROUP, guild_id="-100")
GROUP_ADMIN = Caller("telegram", "3", "-100", ChatType.GROUP, guild_id="-100", is_chat_admin=True)
OWNER_IN_GROUP = Caller("telegram", "999", "-100", ChatType.GROUP, guild_id="-100")
MOD_G1 = Caller("discord", "5", "c1", ChatType.GROUP, guild_id="g1", is_chat_admin=True)
MOD_G2 = Caller("discord", "6", "c2", ChatType.GROUP, guild_id="g2", is_chat_admin=True)
NOT_MODERATORS = (USER, ADMIN_IN_DM, GROUP_MEMBER)
NOW = 1_800_000_000.0


async def _open(db_path: str, env: dict[str, str]) -> AsyncIterator[ShowBot]:
    async with ShowBot.create(load_settings(env=env, db=db_path)) as showbot:
        yield showbot


@pytest.fixture
async def showbot(db_path: str) -> AsyncIterator[ShowBot]:
    async for sb in _open(db_path, {"SHOWBOT_OWNERS": OWNERS}):
        yield sb


@pytest.fixture
def cmds(showbot: ShowBot) -> Commands:
    return Commands(showbot)


async def _user_subs(showbot: ShowBot, caller: Caller) -> dict[str | None, Event]:
    return {s.show: s.events for s in await showbot.storage.audience.subscriptions(caller.platform, "user", caller.user_id)}


async def _story(showbot: ShowBot, title: str, show: str, events: Event, seasons: tuple[int, ...] = ()) -> int:
    [item] = await showbot.storage.items.insert_items(None, [NewItem(title, link=f"https://news.example.test/{len(title)}")],
                                             NOW)
    [found] = await showbot.storage.catalog.find_shows(show)
    match = ShowMatch(found.id, found.title, events, seasons, "test")
    await showbot.storage.items.save_matches(item.id, [match])
    if events:  # news is told into a story, as the poller does
        recent = await showbot.storage.stories.recent([found.id], since=0)
        decision = decide(Report(title, "", item.link, "News", NOW, item.id), match, recent)
        await showbot.storage.stories.save(decision, item_id=item.id, reported_at=NOW)
    return item.id


# -- personal subscriptions -------------------------------------------------------------------------
async def test_subscribe_with_events_then_update(cmds: Commands, showbot: ShowBot) -> None:
    reply = await cmds.run(USER, "subscribe", show="squid game", events="renewal, trailer")
    assert reply.ok and "You now follow Squid Game" in reply.text
    assert await _user_subs(showbot, USER) == {"Squid Game": Event.RENEWAL | Event.TRAILER}
    # the toggle buttons flip one event each
    toggles = {c.label: Event(c.events) for c in reply.choices}
    assert toggles["✓ Renewed"] == Event.TRAILER
    assert toggles["✗ Casting"] == Event.RENEWAL | Event.TRAILER | Event.CASTING

    again = await cmds.run(USER, "subscribe", show="Squid Game")
    assert again.ok and again.text.startswith("Updated:") and "all news" in again.text
    assert await _user_subs(showbot, USER) == {"Squid Game": Event.all()}
    shogun = await cmds.run(USER, "subscribe", show="shogun", events="casting")  # diacritics-insensitive lookup
    assert shogun.ok and "Shōgun" in shogun.text


async def test_subscribe_in_a_group_is_personal_and_says_so(cmds: Commands, showbot: ShowBot) -> None:
    reply = await cmds.run(GROUP_MEMBER, "subscribe", show="Wednesday")
    assert reply.ok and "privately" in reply.text
    assert await _user_subs(showbot, GROUP_MEMBER) == {"Wednesday": Event.all()}
    assert await showbot.storage.audience.subscriptions("telegram", "channel", "-100") == []


SUBSCRIBE_REFUSALS = [
    ("", "", "Usage: /subscribe <show> [events]"),
    ("   ", "", "Usage: /subscribe"),
    ("x" * 101, "", "too long"),
    ("Squid Game", "renewal sometimes", "I don't know the event “sometimes”"),
    ("Squid Game", "gossip", "events are: renewal"),
    ("qqqzzzxx", "", "I don't know a show called"),
]


async def test_subscribe_refusals(cmds: Commands, showbot: ShowBot) -> None:
    for show, events, expected in SUBSCRIBE_REFUSALS:
        reply = await cmds.run(USER, "subscribe", show=show, events=events)
        assert not reply.ok and expected in reply.text, (show, events, reply.text)
    assert await _user_subs(showbot, USER) == {}


async def test_unknown_show_suggests_choices_that_work(cmds: Commands, showbot: ShowBot) -> None:
    reply = await cmds.run(USER, "subscribe", show="Wednesdy", events="trailer")
    assert not reply.ok and "Did you mean" in reply.text and "Wednesday" in reply.text
    assert reply.choices[0].label == "Wednesday" and reply.choices[0].action is Action.SUBSCRIBE
    assert reply.choices[0].events == Event.TRAILER and reply.status is Status.ASK
    assert await _user_subs(showbot, USER) == {}
    chosen = await cmds.press(USER, reply.choices[0])
    assert chosen.ok
    assert await _user_subs(showbot, USER) == {"Wednesday": Event.TRAILER}

    partial = await cmds.run(USER, "subscribe", show="squid")
    assert [c.label for c in partial.choices][:2] == ["Squid Game", "Squid Game: The Challenge"]


async def test_a_name_shared_by_two_shows_asks_which_one(cmds: Commands, showbot: ShowBot) -> None:
    await showbot.storage.catalog.upsert_show("Kingdom (2019)", ["The Kingdom"])
    await showbot.storage.catalog.upsert_show("Kingdom (UK)", ["The Kingdom"])
    reply = await cmds.run(USER, "subscribe", show="the kingdom")
    assert not reply.ok and "Which one?" in reply.text
    assert sorted(c.label for c in reply.choices) == ["Kingdom (2019)", "Kingdom (UK)"]


async def test_a_follow_button_without_events_follows_every_event(cmds: Commands, showbot: ShowBot) -> None:
    """(mypy found it: the button handler read ALL_EVENTS from a module that doesn't have it)"""
    [squid] = await showbot.storage.catalog.find_shows("Squid Game")
    reply = await cmds.press(USER, Choice("", Action.SUBSCRIBE, squid.id, Event(0)))
    assert reply.ok, reply.text
    assert await _user_subs(showbot, USER) == {"Squid Game": Event.all()}


async def test_subscribe_id_refusals_and_limit(cmds: Commands, showbot: ShowBot,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    [squid] = await showbot.storage.catalog.find_shows("Squid Game")
    assert not (await cmds.press(USER, Choice("", Action.SET_EVENTS, squid.id, Event(0)))).ok
    gone = await cmds.press(USER, Choice("", Action.SUBSCRIBE, 99_999, Event.all()))
    assert "no longer in the catalog" in gone.text
    monkeypatch.setattr(subscriptions_module, "MAX_SUBSCRIPTIONS", 2)
    assert (await cmds.run(USER, "subscribe", show="Squid Game")).ok
    assert (await cmds.run(USER, "subscribe", show="Wednesday")).ok
    third = await cmds.run(USER, "subscribe", show="The Bear")
    assert not third.ok and "unsubscribe from one first" in third.text
    assert len(await _user_subs(showbot, USER)) == 2


async def test_set_events_and_expired_buttons(cmds: Commands, showbot: ShowBot) -> None:
    [bear] = await showbot.storage.catalog.find_shows("The Bear")
    assert (await cmds.press(USER, Choice("", Action.SET_EVENTS, bear.id, Event.CASTING | Event.PRODUCTION))).ok
    assert await _user_subs(showbot, USER) == {"The Bear": Event.CASTING | Event.PRODUCTION}
    assert not (await cmds.press(USER, Choice("?", Action.LATEST, 99_999))).ok
    assert await cmds.decode_choice("c:self-destruct:1:0::") is None


async def test_unsubscribe_one_all_and_every_show(cmds: Commands, showbot: ShowBot) -> None:
    missing = await cmds.run(USER, "unsubscribe", show="Wednesday")
    assert not missing.ok and "weren't subscribed" in missing.text
    for show in ("Wednesday", "The Bear", "Silo"):
        await cmds.run(USER, "subscribe", show=show)
    await cmds.run(OTHER_USER, "subscribe", show="Wednesday")
    assert (await cmds.run(USER, "unsubscribe", show="wednesday")).ok
    assert set(await _user_subs(showbot, USER)) == {"The Bear", "Silo"}
    assert "Unsubscribed from 2 subscriptions" in (await cmds.run(USER, "unsubscribe", show="all")).text
    assert await _user_subs(showbot, USER) == {}
    assert await _user_subs(showbot, OTHER_USER) == {"Wednesday": Event.all()}
    assert not (await cmds.run(USER, "unsubscribe", show="")).ok

    await showbot.storage.audience.subscribe(SubscriptionRecord("telegram", "user", "1", None, Event.all()))
    assert (await cmds.run(USER, "unsubscribe", show="every show")).text == "You no longer follow every show."
    assert (await cmds.run(USER, "unsubscribe", show="everything")).text == "You weren't following every show."


async def test_subscriptions_lists_what_you_follow(cmds: Commands) -> None:
    assert "don't follow any show" in (await cmds.run(USER, "subscriptions")).text
    await cmds.run(USER, "subscribe", show="Silo", events="renewal cancellation")
    text = (await cmds.run(USER, "subscriptions")).text
    assert "You follow 1 show:" in text and "Silo — renewed, cancelled / ending" in text


# -- catalog browsing -------------------------------------------------------------------------------
async def test_shows_search_and_list(cmds: Commands, showbot: ShowBot) -> None:
    listing = await cmds.run(USER, "shows")
    assert listing.text.startswith(f"{await showbot.storage.catalog.show_count()} shows in the catalog")
    found = await cmds.run(USER, "shows", query="squid")
    assert found.ok and "• Squid Game" in found.text and "• Squid Game: The Challenge" in found.text
    assert all(c.action is Action.SUBSCRIBE for c in found.choices)
    by_alias = await cmds.run(USER, "shows", query="오징어")  # a Korean alias of Squid Game
    assert "Squid Game" in by_alias.text
    assert not (await cmds.run(USER, "shows", query="qqqzzzxx")).ok
    assert "too long" in (await cmds.run(USER, "shows", query="y" * 101)).text


async def test_latest_news_for_a_show(cmds: Commands, showbot: ShowBot) -> None:
    assert (await cmds.run(USER, "latest", show="Silo")).text == "No news about Silo yet."
    await _story(showbot, "Silo renewed for season 3", "Silo", Event.RENEWAL, (3,))
    text = (await cmds.run(USER, "latest", show="silo")).text
    assert text.startswith("Silo:") and "renewed · S3 · Silo renewed for season 3 — news.example.test" in text
    assert "https://news.example.test/" in text
    await _story(showbot, "Apple TV+ renews Silo for a third season", "Silo", Event.RENEWAL, (3,))
    again = (await cmds.run(USER, "latest", show="silo")).text
    assert again.count("•") == 1, again  # the same news from another article: still one story
    assert not (await cmds.run(USER, "latest", show="")).ok


async def test_help_shows_moderator_commands_only_to_moderators(cmds: Commands) -> None:
    async def help_for(caller: Caller) -> str:
        return (await cmds.run(caller, "help")).text

    plain = await help_for(USER)
    assert "/subscribe" in plain and "/channel" not in plain and "/feed add" not in plain
    assert "/feed add" not in await help_for(ADMIN_IN_DM)
    group = await help_for(GROUP_MEMBER)
    assert "/channel subscribe" in group and "/feed add" not in group
    assert "/feed add" in await help_for(GROUP_ADMIN)
    assert "/feed add" in await help_for(OWNER_DM)
    one = (await cmds.run(USER, "help", command="subscribe")).text
    assert one.startswith("/subscribe <show> [events] — ") and "Examples: /subscribe Squid Game" in one
    assert "channel subscribe" in (await cmds.run(USER, "help", command="/channel")).text
    assert not (await cmds.run(USER, "help", command="frobnicate")).ok


def test_autocomplete(cmds: Commands) -> None:
    assert cmds.complete_show("squ")[:2] == ["Squid Game", "Squid Game: The Challenge"]
    everything = cmds.complete_show("")
    assert len(everything) == 25
    assert "Shōgun" in cmds.complete_show("shog")


# -- permissions ------------------------------------------------------------------------------------
def test_moderators(cmds: Commands) -> None:
    assert cmds.is_moderator(GROUP_ADMIN)
    assert cmds.is_moderator(OWNER_DM) and cmds.is_moderator(OWNER_IN_GROUP)
    assert cmds.is_moderator(Caller("console", "local", "local"))
    assert not any(cmds.is_moderator(c) for c in NOT_MODERATORS)
    assert not cmds.is_moderator(Caller("discord", "999x", "1"))  # owners are exact platform:id pairs
    assert not cmds.is_moderator(Caller("discord", "1", "1"))  # telegram:1 is no discord owner


async def test_channel_commands_refused_outside_a_group_or_to_non_moderators(
    cmds: Commands, showbot: ShowBot
) -> None:
    for caller in (*NOT_MODERATORS, OWNER_DM):
        for reply in (await cmds.run(caller, "channel subscribe", show="Wednesday"),
                      await cmds.run(caller, "channel unsubscribe", show="Wednesday"),
                      await cmds.run(caller, "mute", show="Wednesday"), await cmds.run(caller, "unmute", show="Wednesday")):
            assert not reply.ok, (caller, reply.text)
        assert await showbot.storage.audience.subscriptions("telegram", "channel", caller.chat_id) == []
        assert await showbot.storage.audience.muted_shows("telegram", caller.guild_id or caller.chat_id) == []
    assert not (await cmds.run(USER, "channel list")).ok


async def test_channel_list_answers_moderators_only(cmds: Commands) -> None:
    assert (await cmds.run(MOD_G1, "channel subscribe", show="Silo")).ok
    member = Caller("discord", "7", "c1", ChatType.GROUP, guild_id="g1")
    refused = await cmds.run(member, "channel list")
    assert not refused.ok and "Silo" not in refused.text and "moderators" in refused.text
    assert "Silo" in (await cmds.run(MOD_G1, "channel list")).text
    assert "not in a private chat" in (await cmds.run(ADMIN_IN_DM, "channel subscribe", show="Wednesday")).text


async def test_moderator_commands_refused(cmds: Commands) -> None:
    for caller in NOT_MODERATORS:
        replies = [
            await cmds.run(caller, "feed add", url="https://news.example.test/feed"),
            await cmds.run(caller, "feed remove", url="bundled:tv-trade.xml"),
            await cmds.run(caller, "feed list"),
            await cmds.run(caller, "catalog add", title="Brand New Show"),
            await cmds.run(caller, "alias add", show="Wednesday", alias="Mercredi"),
            await cmds.run(caller, "stats"),
        ]
        assert [r.text for r in replies if r.ok] == [], caller
        if not caller.in_group:
            assert all("private chat" in r.text for r in replies), caller


async def test_owners_may_moderate_anywhere(cmds: Commands, showbot: ShowBot) -> None:
    assert (await cmds.run(OWNER_DM, "feed list")).ok
    assert (await cmds.run(OWNER_DM, "stats")).ok
    assert (await cmds.run(OWNER_DM, "catalog add", title="Owner Show")).ok
    reply = await cmds.run(OWNER_IN_GROUP, "channel subscribe", show="Silo")  # no admin flag needed
    assert reply.ok and not reply.private
    [sub] = await showbot.storage.audience.subscriptions("telegram", "channel", "-100")
    assert sub.show == "Silo"


# -- channels and mutes -----------------------------------------------------------------------------
async def test_channel_subscribe_list_unsubscribe(cmds: Commands, showbot: ShowBot) -> None:
    reply = await cmds.run(MOD_G1, "channel subscribe", show="The Bear", events="renewal", role="1234")
    assert reply.ok and "mentions that role" in reply.text
    assert not (await cmds.run(MOD_G1, "channel subscribe", show="The Bear", role="@everyone")).ok
    assert not (await cmds.run(MOD_G1, "channel subscribe", show="The Bear", events="soon")).ok
    assert not (await cmds.run(MOD_G1, "channel subscribe", show="")).ok
    [sub] = await showbot.storage.audience.subscriptions("discord", "channel", "c1")
    assert (sub.show, sub.events, sub.role_id, sub.guild_id) == ("The Bear", Event.RENEWAL, "1234", "g1")

    other_channel = Caller("discord", "5", "c3", ChatType.GROUP, guild_id="g1", is_chat_admin=True)
    await cmds.run(other_channel, "channel subscribe", show="Silo")
    await cmds.run(MOD_G1, "mute", show="Wednesday")
    listing = (await cmds.run(MOD_G1, "channel list")).text
    assert "The Bear → this channel (renewed, mentions role 1234)" in listing
    assert "Silo → channel c3 (all news)" in listing
    assert "Muted here: Wednesday" in listing
    assert "No channel here" in (await cmds.run(MOD_G2, "channel list")).text

    assert not (await cmds.run(MOD_G1, "channel unsubscribe", show="Silo")).ok  # it is c3's, not c1's
    assert (await cmds.run(MOD_G1, "channel unsubscribe", show="the bear")).ok
    assert await showbot.storage.audience.subscriptions("discord", "channel", "c1") == []


async def test_mute_excludes_a_guild_channel_from_fan_out(cmds: Commands, showbot: ShowBot) -> None:
    assert (await cmds.run(MOD_G1, "channel subscribe", show="Wednesday")).ok
    assert (await cmds.run(MOD_G2, "channel subscribe", show="Wednesday")).ok
    muted = await cmds.run(MOD_G1, "mute", show="wednesday")
    assert muted.ok and "is muted here" in muted.text
    assert "already muted" in (await cmds.run(MOD_G1, "mute", show="Wednesday")).text

    item = await _story(showbot, "Netflix renews Wednesday for season 3", "Wednesday", Event.RENEWAL, (3,))
    [wednesday] = await showbot.storage.catalog.find_shows("Wednesday")
    await showbot.storage.outbox.enqueue_for_match(item, ShowMatch(wednesday.id, "Wednesday", Event.RENEWAL, (3,)), NOW)
    rows = await showbot.storage.outbox.pending_outbox(now=NOW, platforms=["discord"])
    assert [r.chat_id for r in rows] == ["c2"]

    assert "no longer muted" in (await cmds.run(MOD_G1, "unmute", show="Wednesday")).text
    assert "wasn't muted" in (await cmds.run(MOD_G1, "unmute", show="Wednesday")).text
    later = await _story(showbot, "Wednesday season 3 trailer", "Wednesday", Event.TRAILER, (3,))
    await showbot.storage.outbox.enqueue_for_match(later, ShowMatch(wednesday.id, "Wednesday", Event.TRAILER, (3,)), NOW)
    rows = await showbot.storage.outbox.pending_outbox(now=NOW, platforms=["discord"])
    assert sorted(r.chat_id for r in rows if r.item_id == later) == ["c1", "c2"]


async def test_talking_to_the_bot_resumes_a_paused_chat(cmds: Commands, showbot: ShowBot) -> None:
    await showbot.storage.audience.pause_chat("telegram", USER.chat_id, "Forbidden: bot was blocked by the user")
    assert (await cmds.run(USER, "subscribe", show="Silo")).ok
    assert await showbot.storage.audience.paused_chats("telegram") == []


# -- moderators: feeds ------------------------------------------------------------------------------
BAD_FEED_URLS = [
    ("ftp://news.example.test/feed.xml", "only http:// and https://"),
    ("http://", "no host"),
    ("https:///feed.xml", "no host"),
    ("http://user:pw@news.example.test/feed", "user name or password"),
    ("http://127.0.0.1:8080/feed", "loopback"),
    ("http://localhost/feed", "SHOWBOT_ALLOW_PRIVATE_FEEDS"),
]


async def test_feed_add_refuses_bad_urls(cmds: Commands, showbot: ShowBot) -> None:
    before = await showbot.storage.feeds.all()
    for url, reason in BAD_FEED_URLS:
        reply = await cmds.run(OWNER_DM, "feed add", url=url)
        assert not reply.ok and reply.text.startswith("I can't add that feed") and reason in reply.text, (
            url, reply.text)
    assert "Usage: /feed add <url>" in (await cmds.run(OWNER_DM, "feed add", url="")).text
    assert await showbot.storage.feeds.all() == before


RSS = (b'<?xml version="1.0"?><rss version="2.0"><channel><title>TV Wire</title>'
       b"<item><title>Silo renewed for season 3</title><link>https://news.example.test/silo</link></item>"
       b"</channel></rss>")
RSS_TYPE = {"Content-Type": "application/rss+xml"}


async def test_feed_add_list_remove_with_health(db_path: str, server: LocalServer) -> None:
    server.routes["/flaky.xml"] = Response(200, RSS, RSS_TYPE)
    async for showbot in _open(db_path, {"SHOWBOT_ALLOW_PRIVATE_FEEDS": "1"}):
        cmds = Commands(showbot)
        url = server.url("/flaky.xml")
        added = await cmds.run(GROUP_ADMIN, "feed add", url=url)
        assert added.ok, added.text
        assert "already polled" in (await cmds.run(GROUP_ADMIN, "feed add", url=url)).text
        feed = await showbot.storage.feeds.feed_by_url(url)
        assert feed is not None
        server.routes["/flaky.xml"] = Response(500, b"oops")
        report = await showbot.poll_once(force=True)
        assert url in report.errors

        listing = (await cmds.run(GROUP_ADMIN, "feed list")).text
        assert f"{url}  [FAILING x1]" in listing
        assert "last error: HTTP 500" in listing
        assert "bundled:tv-trade.xml  [OK]" in listing

        assert not (await cmds.run(GROUP_ADMIN, "feed remove", url="")).ok
        assert not (await cmds.run(GROUP_ADMIN, "feed remove", url="https://nowhere.example.test/feed")).ok
        assert (await cmds.run(GROUP_ADMIN, "feed remove", url=url)).ok
        assert await showbot.storage.feeds.feed_by_url(url) is None


async def test_feed_add_fetches_and_parses_before_accepting(db_path: str, server: LocalServer) -> None:
    page = (b"<!DOCTYPE html><html><head><title>TV Wire</title>"
            b'<link rel="alternate" type="application/rss+xml" href="/feed.xml"></head><body>News</body></html>')
    server.routes["/news"] = Response(200, page, {"Content-Type": "text/html; charset=utf-8"})
    server.routes["/plain"] = Response(200, b"<html><body>no feed here</body></html>", {"Content-Type": "text/html"})
    server.routes["/data.json"] = Response(200, b'{"items": []}', {"Content-Type": "application/json"})
    server.routes["/down.xml"] = Response(503, b"busy")
    server.routes["/feed.xml"] = Response(200, RSS, RSS_TYPE)
    async for showbot in _open(db_path, {"SHOWBOT_ALLOW_PRIVATE_FEEDS": "1", "SHOWBOT_OWNERS": OWNERS}):
        cmds = Commands(showbot)
        before = await showbot.storage.feeds.all()
        refusals = {
            "/news": f"is a web page, not a feed. The page names its feed: {server.url('/feed.xml')}",
            "/plain": "is a web page, not an RSS or Atom feed",
            "/data.json": "is not an RSS or Atom feed",
            "/missing.xml": "the server says it doesn't exist (HTTP 404)",
            "/down.xml": "fetching it failed (HTTP 503",
        }
        for path, reason in refusals.items():
            reply = await cmds.run(OWNER_DM, "feed add", url=server.url(path))
            assert not reply.ok and reason in reply.text, (path, reply.text)
        assert await showbot.storage.feeds.all() == before
        assert (await cmds.run(OWNER_DM, "feed add", url=server.url("/feed.xml"))).ok


async def test_feed_add_and_remove_normalise_the_url(db_path: str, server: LocalServer) -> None:
    """Scheme and host case, the default port and a fragment don't make another feed."""
    server.routes["/x.xml"] = Response(200, RSS, RSS_TYPE)
    async for showbot in _open(db_path, {"SHOWBOT_ALLOW_PRIVATE_FEEDS": "1"}):
        cmds = Commands(showbot)
        host, port = server.base.removeprefix("http://").split(":")
        url = server.url("/x.xml")
        assert (await cmds.run(GROUP_ADMIN, "feed add", url=f"HTTP://{host}:{port}/x.xml")).ok
        for same in (url, f"{url}#latest", f"http://{host.upper()}:{port}/x.xml"):
            reply = await cmds.run(GROUP_ADMIN, "feed add", url=same)
            assert not reply.ok and "already polled" in reply.text, same
        assert [f.url for f in await showbot.storage.feeds.all() if not f.url.startswith("bundled:")] == [url]
        assert (await cmds.run(GROUP_ADMIN, "feed remove", url=f"{url}#frag")).ok
        assert await showbot.storage.feeds.feed_by_url(url) is None


# -- moderators: catalog, aliases, stats ------------------------------------------------------------
async def test_catalog_add_then_the_matcher_matches_the_new_show(cmds: Commands, showbot: ShowBot) -> None:
    headline = "Zorblax Chronicles renewed for season 2"
    assert showbot.matcher.match(headline) == []
    reply = await cmds.run(GROUP_ADMIN, "catalog add", title="Zorblax Chronicles", aliases="ZC | Zorblax")
    assert reply.ok and reply.text == "Added Zorblax Chronicles with the other names ZC, Zorblax."
    [match] = showbot.matcher.match(headline)
    assert (match.show, match.events, match.seasons) == ("Zorblax Chronicles", Event.RENEWAL, (2,))
    [show] = await showbot.storage.catalog.find_shows("zorblax")
    assert set(show.aliases) == {"ZC", "Zorblax"}
    assert (await cmds.run(GROUP_ADMIN, "catalog add", title="zorblax chronicles")).text.startswith("Updated")
    assert (await cmds.run(USER, "subscribe", show="Zorblax Chronicles")).ok


async def test_alias_add_then_the_matcher_matches_the_alias(cmds: Commands, showbot: ShowBot) -> None:
    headline = "Mercredi renewed for season 3"
    assert showbot.matcher.match(headline) == []
    reply = await cmds.run(OWNER_DM, "alias add", show="wednesday", alias="Mercredi")
    assert reply.ok and "Wednesday is now also matched as “Mercredi”" in reply.text
    [match] = showbot.matcher.match(headline)
    assert (match.show, match.events) == ("Wednesday", Event.RENEWAL)
    duplicate = await cmds.run(OWNER_DM, "alias add", show="Wednesday", alias="mercredi")
    assert not duplicate.ok and "already has that name" in duplicate.text


CATALOG_REFUSALS = [
    ("", "", "Usage: /catalog add <title>"),
    ("!!!", "", "needs a title"),
    ("T" * 151, "", "title is too long"),
    ("Fine Title", ", ".join(f"a{i}" for i in range(11)), "At most 10 other names"),
    ("Fine Title", "a" * 101, "name is too long"),
    ("Fine Title", "ok, ???", "needs letters or digits"),
]


async def test_catalog_add_refusals(cmds: Commands, showbot: ShowBot) -> None:
    before = await showbot.storage.catalog.shows()
    for title, aliases, expected in CATALOG_REFUSALS:
        reply = await cmds.run(GROUP_ADMIN, "catalog add", title=title, aliases=aliases)
        assert not reply.ok and expected in reply.text, (title, aliases, reply.text)
    assert await showbot.storage.catalog.shows() == before


ALIAS_REFUSALS = [
    ("Wednesday", "", "Usage"),
    ("Wednesday", "?!", "Usage"),
    ("Wednesday", "m" * 101, "too long"),
    ("qqqzzzxx", "Whatever", "I don't know a show called"),
    ("", "Whatever", "Usage: /alias add <show> | <alias>"),
]


async def test_alias_add_refusals(cmds: Commands, showbot: ShowBot) -> None:
    version = await showbot.storage.catalog.catalog_version()
    for show, alias, expected in ALIAS_REFUSALS:
        reply = await cmds.run(GROUP_ADMIN, "alias add", show=show, alias=alias)
        assert not reply.ok and expected in reply.text, (show, alias, reply.text)
    assert await showbot.storage.catalog.catalog_version() == version


async def test_stats_for_moderators(cmds: Commands, showbot: ShowBot) -> None:
    await cmds.run(USER, "subscribe", show="Silo")
    await showbot.storage.audience.pause_chat("telegram", "77", "Forbidden: bot was kicked from the group chat")
    reply = await cmds.run(GROUP_ADMIN, "stats")
    assert reply.ok
    shows = await showbot.storage.catalog.show_count()
    assert f"Catalog: {shows} shows · Feeds: 3 (0 failing)" in reply.text
    # the console user (every show) and USER (Silo)
    assert "Subscriptions: 2 from 2 chats" in reply.text
    assert "Paused chat (1)" in reply.text and "77 — Forbidden: bot was kicked" in reply.text


# -- invalid commands change nothing -------------------------------------------------------------------
@dataclass(frozen=True)
class _Snapshot:
    stats: Stats
    shows: list[Any]
    feeds: list[str]
    mutes: list[str]
    subs: list[Any]


async def _snapshot(showbot: ShowBot) -> _Snapshot:
    storage = showbot.storage
    subs = [*(await storage.audience.subscriptions("telegram", "user", "1")), *(await storage.audience.subscriptions("discord", "channel",
                                                                                             "c1"))]
    return _Snapshot(await storage.stats(), await storage.catalog.shows(), [f.url for f in await storage.feeds.all()],
                     await storage.audience.muted_shows("discord", "g1"), subs)


async def test_invalid_commands_change_nothing(cmds: Commands, showbot: ShowBot) -> None:
    await cmds.run(USER, "subscribe", show="Silo", events="renewal")
    await cmds.run(MOD_G1, "channel subscribe", show="The Bear")
    before = await _snapshot(showbot)
    replies: list[Reply] = [
        await cmds.run(USER, "subscribe", show="", events=""),
        await cmds.run(USER, "subscribe", show="Silo", events="maybe"),
        await cmds.run(USER, "subscribe", show="Sillo"),
        await cmds.run(USER, "unsubscribe", show="The Bear"),
        await cmds.run(USER, "unsubscribe", show="qqqzzzxx"),
        await cmds.run(GROUP_MEMBER, "channel subscribe", show="Silo"),
        await cmds.run(ADMIN_IN_DM, "channel subscribe", show="Silo"),
        await cmds.run(MOD_G1, "channel subscribe", show="Silo", events="never"),
        await cmds.run(MOD_G1, "channel unsubscribe", show="Silo"),
        await cmds.run(GROUP_MEMBER, "mute", show="The Bear"),
        await cmds.run(MOD_G1, "mute", show="qqqzzzxx"),
        await cmds.run(USER, "feed add", url="https://news.example.test/feed"),
        await cmds.run(OWNER_DM, "feed add", url="ftp://news.example.test/feed"),
        await cmds.run(OWNER_DM, "feed add", url="http://127.0.0.1/feed"),
        await cmds.run(OWNER_DM, "feed remove", url="https://nowhere.example.test/feed"),
        await cmds.run(ADMIN_IN_DM, "catalog add", title="Another Show"),
        await cmds.run(OWNER_DM, "catalog add", title=""),
        await cmds.run(GROUP_MEMBER, "alias add", show="Silo", alias="The Silo"),
        await cmds.run(OWNER_DM, "alias add", show="qqqzzzxx", alias="x"),
        await cmds.line(USER, "/frobnicate Silo"),
        await cmds.line(MOD_G1, "/channel explode Silo"),
        await cmds.line(OWNER_DM, "/feed eat https://news.example.test/"),
        await cmds.line(OWNER_DM, "/alias add Silo"),
    ]
    assert [r.text for r in replies if r.ok] == []
    assert await _snapshot(showbot) == before


# -- typed commands ---------------------------------------------------------------------------------
@pytest.mark.parametrize(("line", "call"), [
    ("/subscribe Squid Game renewal, trailer", ("subscribe", {"show": "Squid Game", "events": "renewal trailer"})),
    ("/subscribe Squid Game", ("subscribe", {"show": "Squid Game"})),
    ("/subscribe Squid Game release date", ("subscribe", {"show": "Squid Game", "events": "release date"})),
    ("/subscribe@showbot_bot Dark Matter cast filming", ("subscribe", {"show": "Dark Matter", "events": "cast filming"})),
    ("/SUBSCRIBE@ShowBot Silo", ("subscribe", {"show": "Silo"})),
    ("subscribe Silo all", ("subscribe", {"show": "Silo", "events": "all"})),
    ("/unsubscribe@showbot_bot Squid Game", ("unsubscribe", {"show": "Squid Game"})),
    ("/subscriptions", ("subscriptions", {})),
    ("/list", ("subscriptions", {})),
    ("/shows squid", ("shows", {"query": "squid"})),
    ("/search", ("shows", {})),
    ("/latest The Bear", ("latest", {"show": "The Bear"})),
    ("/mute Silo", ("mute", {"show": "Silo"})),
    ("/unmute Silo", ("unmute", {"show": "Silo"})),
    ("/stats@showbot_bot", ("stats", {})),
    ("/whoami", ("whoami", {})),
    ("/channel subscribe Wednesday trailer", ("channel subscribe", {"show": "Wednesday", "events": "trailer"})),
    ("/channel unsubscribe Wednesday", ("channel unsubscribe", {"show": "Wednesday"})),
    ("/channel LIST", ("channel list", {})),
    ("/feed add https://news.example.test/feed", ("feed add", {"url": "https://news.example.test/feed"})),
    ("/feed remove https://news.example.test/feed", ("feed remove", {"url": "https://news.example.test/feed"})),
    ("/feed list", ("feed list", {})),
    ("/catalog add Zorblax | ZC, Zorb", ("catalog add", {"title": "Zorblax", "aliases": "ZC, Zorb"})),
    ("/catalog add Zorblax", ("catalog add", {"title": "Zorblax"})),
    ("/alias add Wednesday | Mercredi", ("alias add", {"show": "Wednesday", "alias": "Mercredi"})),
    ("/help", ("help", {})),
    ("/help channel subscribe", ("help", {"command": "channel subscribe"})),
    ("/start@showbot_bot", ("help", {})),
])
def test_typed_lines_parse_to_registry_commands(cmds: Commands, line: str, call: tuple[str, dict[str, str]]) -> None:
    parsed = parse(cmds.registry, line if line.startswith("/") else "/" + line, platform="telegram")
    assert isinstance(parsed, Parsed)
    assert (parsed.command.name, parsed.args) == call


@pytest.mark.parametrize(("line", "expected"), [
    ("/frobnicate", "I don't know /frobnicate"),
    ("/frobnicate@showbot_bot now", "I don't know /frobnicate"),
    ("/channel", "Usage: /channel subscribe <show> [events] | /channel unsubscribe <show> | /channel list | "),
    ("/feed", "Usage: /feed add"),
    ("/catalog remove Silo", "Usage: /catalog add"),
    ("/alias add Silo", "Usage: /alias add <show> | <alias>"),
    ("/unsubscribe", "Usage: /unsubscribe <show>"),
    ("/unsubscribe   ", "Usage: /unsubscribe <show>"),
])
async def test_typed_lines_that_run_nothing_say_why(cmds: Commands, showbot: ShowBot, line: str, expected: str) -> None:
    before = await _snapshot(showbot)
    reply = await cmds.line(GROUP_ADMIN, line)
    assert not reply.ok and expected in reply.text
    assert await _snapshot(showbot) == before


async def test_an_empty_line_is_help(cmds: Commands) -> None:
    assert (await cmds.line(USER, "   ")).text.startswith("I tell you the moment")


def test_event_phrases_and_the_show_they_follow() -> None:
    assert split_show_events("Squid Game renewal, trailer") == ("Squid Game", "renewal trailer")
    assert split_show_events("Squid Game release date") == ("Squid Game", "release date")
    assert split_show_events("Squid Game renewal and trailer") == ("Squid Game", "renewal and trailer")
    assert split_show_events("The Last of Us") == ("The Last of Us", "")
    assert split_show_events("Trailer") == ("Trailer", "")  # a show name is never eaten whole
    assert split_show_events("Trailer Park Boys cast") == ("Trailer Park Boys", "cast")
    assert split_show_events("Rick and Morty trailer") == ("Rick and Morty", "trailer")
    assert split_show_events("오징어 게임 예고편") == ("오징어 게임", "예고편")
    assert split_show_events("La casa de papel fecha de estreno") == ("La casa de papel", "fecha de estreno")
    assert parse_events("release date") == Event.RELEASE_DATE
    assert parse_events("cast") == Event.CASTING
    assert parse_events("renewal and trailer") == Event.RENEWAL | Event.TRAILER
    assert parse_events("release_date, premiere") == Event.RELEASE_DATE
    assert parse_events("예고편 캐스팅") == Event.TRAILER | Event.CASTING
    assert parse_events("tráiler") == Event.TRAILER
    assert parse_events("") == Event.all()


async def test_dispatch_with_the_real_commands(cmds: Commands, showbot: ShowBot) -> None:
    reply = await cmds.line(GROUP_MEMBER, "/subscribe@showbot_bot Squid Game renewal, trailer")
    assert reply.ok, reply.text
    assert await _user_subs(showbot, GROUP_MEMBER) == {"Squid Game": Event.RENEWAL | Event.TRAILER}
    assert "I don't know /frobnicate" in (await cmds.line(GROUP_MEMBER, "/frobnicate")).text
    dated = await cmds.line(GROUP_MEMBER, "/subscribe Squid Game release date")
    assert dated.ok, dated.text
    assert await _user_subs(showbot, GROUP_MEMBER) == {"Squid Game": Event.RELEASE_DATE}


async def test_subscribing_from_a_server_resumes_the_callers_paused_dms(tmp_path: Path) -> None:
    async with ShowBot.create(load_settings(env={}, db=str(tmp_path / "dm.db"))) as showbot:
        commands = Commands(showbot)
        await showbot.storage.audience.pause_chat("discord", "42", "Forbidden: cannot send messages to this user")
        caller = Caller("discord", "42", "999", ChatType.GROUP, guild_id="7")
        await commands.run(caller, "shows", query="squid")  # an ordinary command from the server changes nothing
        assert [c for _p, c, _r, _a in await showbot.storage.audience.paused_chats("discord")] == ["42"]
        reply = await commands.run(caller, "subscribe", show="Squid Game")
        assert reply.ok
        assert await showbot.storage.audience.paused_chats("discord") == []


# -- issue 12: buttons do what they say ----------------------------------------------------------
async def test_did_you_mean_after_unmute_unmutes(cmds: Commands, showbot: ShowBot) -> None:
    assert (await cmds.run(MOD_G1, "mute", show="Wednesday")).ok
    question = await cmds.run(MOD_G1, "unmute", show="Wednesdy")
    assert question.status is Status.ASK and question.choices[0].label == "Wednesday"
    assert question.choices[0].action is Action.UNMUTE
    done = await cmds.press(MOD_G1, question.choices[0])
    assert done.ok and "no longer muted" in done.text
    assert await showbot.storage.audience.muted_shows("discord", "g1") == []
    # and the one after /mute <typo> mutes
    again = await cmds.press(MOD_G1, (await cmds.run(MOD_G1, "mute", show="Wednesdy")).choices[0])
    assert again.ok and await showbot.storage.audience.muted_shows("discord", "g1") == ["Wednesday"]
    # a member who presses a moderator's button is refused like the command
    member = Caller("discord", "7", "c1", ChatType.GROUP, guild_id="g1")
    assert "Only moderators" in (await cmds.press(member, question.choices[0])).text


async def test_buttons_after_alias_add_and_channel_unsubscribe_typos_work(cmds: Commands, showbot: ShowBot) -> None:
    asked = await cmds.line(OWNER_DM, "/alias add Wednesdy | Mercredi")
    assert asked.status is Status.ASK and asked.choices[0].text == "Mercredi"
    added = await cmds.press(OWNER_DM, asked.choices[0])
    assert added.ok and "Wednesday is now also matched as “Mercredi”" in added.text
    [wednesday] = await showbot.storage.catalog.find_shows("Mercredi")
    assert wednesday.title == "Wednesday"
    assert "Only bot owners" in (await cmds.press(USER, asked.choices[0])).text

    assert (await cmds.run(MOD_G1, "channel subscribe", show="Silo")).ok
    question = await cmds.run(MOD_G1, "channel unsubscribe", show="Sillo")
    assert question.status is Status.ASK and question.choices[0].action is Action.CHANNEL_UNSUBSCRIBE
    gone = await cmds.press(MOD_G1, question.choices[0])
    assert gone.ok and "no longer posts Silo" in gone.text
    assert await showbot.storage.audience.subscriptions("discord", "channel", "c1") == []


async def test_the_which_one_question_of_an_alias_clash_resolves(cmds: Commands, showbot: ShowBot) -> None:
    """Two shows share a name: every button acts on the show picked, never asks again."""
    first = await showbot.storage.catalog.upsert_show("Kingdom (2019)", ["The Kingdom"])
    await showbot.storage.catalog.upsert_show("Kingdom (UK)", ["The Kingdom"])
    assert (await cmds.run(USER, "subscribe", show="Kingdom (2019)")).ok
    for command, caller in (("unsubscribe", USER), ("latest", USER), ("mute", MOD_G1)):
        question = await cmds.run(caller, command, show="The Kingdom")
        assert question.status is Status.ASK and "Which one?" in question.text, command
        pick = next(c for c in question.choices if c.show_id == first)
        answer = await cmds.press(caller, pick)
        assert answer.status is not Status.ASK and "Which one" not in answer.text, (command, answer.text)
    assert await _user_subs(showbot, USER) == {}
    assert await showbot.storage.audience.muted_shows("discord", "g1") == ["Kingdom (2019)"]


# -- issue 12: "every show" and a show's own filter --------------------------------------------------
_STORIES = itertools.count(1)


async def _fan_out(showbot: ShowBot, show: str, events: Event) -> list[str]:
    n = next(_STORIES)
    item = await _story(showbot, f"{show} news number {n}{'!' * n}", show, events)
    [found] = await showbot.storage.catalog.find_shows(show)
    await showbot.storage.outbox.enqueue_for_match(item, ShowMatch(found.id, found.title, events), NOW)
    rows = await showbot.storage.outbox.pending_outbox(now=NOW, platforms=["telegram"])
    return [r.chat_id for r in rows if r.item_id == item]


async def test_a_show_filter_wins_over_every_show_and_subscriptions_say_so(cmds: Commands, showbot: ShowBot) -> None:
    every = await cmds.run(USER, "subscribe", show="every show")
    assert every.ok and "every show" in every.text
    own = await cmds.run(USER, "subscribe", show="Squid Game", events="renewal trailer")
    assert own.ok and "instead of your “every show” one" in own.text
    assert await _fan_out(showbot, "Squid Game", Event.RELEASE_DATE) == []  # issue 12: it was sent
    assert await _fan_out(showbot, "Squid Game", Event.TRAILER) == ["1"]
    assert await _fan_out(showbot, "Silo", Event.RELEASE_DATE) == ["1"]
    listing = (await cmds.run(USER, "subscriptions")).text
    assert "every show — all news" in listing
    assert "Squid Game — renewed, trailer (its own filter, instead of every show's)" in listing


async def test_unsubscribe_under_every_show_explains_and_offers_to_skip(cmds: Commands, showbot: ShowBot) -> None:
    await cmds.run(USER, "subscribe", show="every show")
    reply = await cmds.run(USER, "unsubscribe", show="Fallout")
    assert reply.status is Status.ASK and "You follow every show" in reply.text and "Fallout" in reply.text
    skip, stop = reply.choices
    assert (skip.action, stop.action) == (Action.SKIP_SHOW, Action.UNSUBSCRIBE_EVERY)
    assert await _fan_out(showbot, "Fallout", Event.RENEWAL) == ["1"]  # nothing changed yet
    skipped = await cmds.press(USER, skip)
    assert skipped.ok and "every show except Fallout" in skipped.text
    assert await _fan_out(showbot, "Fallout", Event.TRAILER) == []
    assert "every show — all news (except Fallout)" in (await cmds.run(USER, "subscriptions")).text
    assert "already skip Fallout" in (await cmds.run(USER, "unsubscribe", show="Fallout")).text
    # following Fallout again undoes the skip
    assert "You now follow Fallout" in (await cmds.run(USER, "subscribe", show="Fallout")).text
    assert await _fan_out(showbot, "Fallout", Event.CASTING) == ["1"]
    # stopping "every show" also forgets its exceptions
    await cmds.press(USER, skip)
    assert (await cmds.press(USER, stop)).text == "You no longer follow every show."
    assert await _user_subs(showbot, USER) == {}


async def test_unsubscribing_a_show_filter_under_every_show_says_the_news_still_comes(cmds: Commands) -> None:
    await cmds.run(USER, "subscribe", show="every show", events="renewal")
    await cmds.run(USER, "subscribe", show="Silo", events="trailer")
    reply = await cmds.run(USER, "unsubscribe", show="Silo")
    assert reply.ok and "still comes" in reply.text and reply.choices[0].action is Action.SKIP_SHOW
