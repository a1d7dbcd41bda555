"""The command layer on its own: every command, every refusal, permissions, and the typed-command parser."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import bot.commands as commands_module
from bot.command_text import dispatch, split_events, split_pipe
from bot.commands import Caller, ChatType, Choice, Commands, Reply
from bot.config import load_settings
from bot.service import ShowBot
from feeds.model import Event, NewItem, ShowMatch
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
    await showbot.storage.items.save_matches(item.id, [ShowMatch(found.id, found.title, events, seasons, "test")])
    return item.id


# -- personal subscriptions -------------------------------------------------------------------------
async def test_subscribe_with_events_then_update(cmds: Commands, showbot: ShowBot) -> None:
    reply = await cmds.subscribe(USER, "squid game", "renewal, trailer")
    assert reply.ok and "You now follow Squid Game" in reply.text
    assert await _user_subs(showbot, USER) == {"Squid Game": Event.RENEWAL | Event.TRAILER}
    # the toggle buttons flip one event each
    toggles = {c.label: Event(c.events) for c in reply.choices}
    assert toggles["✓ Renewed"] == Event.TRAILER
    assert toggles["✗ Casting"] == Event.RENEWAL | Event.TRAILER | Event.CASTING

    again = await cmds.subscribe(USER, "Squid Game")
    assert again.ok and again.text.startswith("Updated:") and "all news" in again.text
    assert await _user_subs(showbot, USER) == {"Squid Game": Event.all()}
    shogun = await cmds.subscribe(USER, "shogun", "casting")  # diacritics-insensitive lookup
    assert shogun.ok and "Shōgun" in shogun.text


async def test_subscribe_in_a_group_is_personal_and_says_so(cmds: Commands, showbot: ShowBot) -> None:
    reply = await cmds.subscribe(GROUP_MEMBER, "Wednesday")
    assert reply.ok and "privately" in reply.text
    assert await _user_subs(showbot, GROUP_MEMBER) == {"Wednesday": Event.all()}
    assert await showbot.storage.audience.subscriptions("telegram", "channel", "-100") == []


SUBSCRIBE_REFUSALS = [
    ("", "", "Name a show"),
    ("   ", "", "Name a show"),
    ("x" * 101, "", "too long"),
    ("Squid Game", "renewal sometimes", "unknown event 'sometimes'"),
    ("Squid Game", "gossip", "events are: renewal"),
    ("qqqzzzxx", "", "I don't know a show called"),
]


async def test_subscribe_refusals(cmds: Commands, showbot: ShowBot) -> None:
    for show, events, expected in SUBSCRIBE_REFUSALS:
        reply = await cmds.subscribe(USER, show, events)
        assert not reply.ok and expected in reply.text, (show, events, reply.text)
    assert await _user_subs(showbot, USER) == {}


async def test_unknown_show_suggests_choices_that_work(cmds: Commands, showbot: ShowBot) -> None:
    reply = await cmds.subscribe(USER, "Wednesdy", "trailer")
    assert not reply.ok and "Did you mean" in reply.text and "Wednesday" in reply.text
    assert reply.choices[0].label == "Wednesday" and reply.choices[0].action == "subscribe"
    assert reply.choices[0].events == int(Event.TRAILER)
    assert await _user_subs(showbot, USER) == {}
    chosen = await cmds.choose(USER, reply.choices[0])
    assert chosen.ok
    assert await _user_subs(showbot, USER) == {"Wednesday": Event.TRAILER}

    partial = await cmds.subscribe(USER, "squid")
    assert [c.label for c in partial.choices][:2] == ["Squid Game", "Squid Game: The Challenge"]


async def test_a_name_shared_by_two_shows_asks_which_one(cmds: Commands, showbot: ShowBot) -> None:
    await showbot.storage.catalog.upsert_show("Kingdom (2019)", ["The Kingdom"])
    await showbot.storage.catalog.upsert_show("Kingdom (UK)", ["The Kingdom"])
    reply = await cmds.subscribe(USER, "the kingdom")
    assert not reply.ok and "Which one?" in reply.text
    assert sorted(c.label for c in reply.choices) == ["Kingdom (2019)", "Kingdom (UK)"]


async def test_subscribe_id_refusals_and_limit(cmds: Commands, showbot: ShowBot,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    [squid] = await showbot.storage.catalog.find_shows("Squid Game")
    assert not (await cmds.subscribe_id(USER, squid.id, Event(0))).ok
    assert "no longer in the catalog" in (await cmds.subscribe_id(USER, 99_999, Event.all())).text
    monkeypatch.setattr(commands_module, "MAX_SUBSCRIPTIONS", 2)
    assert (await cmds.subscribe(USER, "Squid Game")).ok
    assert (await cmds.subscribe(USER, "Wednesday")).ok
    third = await cmds.subscribe(USER, "The Bear")
    assert not third.ok and "unsubscribe from one first" in third.text
    assert len(await _user_subs(showbot, USER)) == 2


async def test_set_events_and_expired_buttons(cmds: Commands, showbot: ShowBot) -> None:
    [bear] = await showbot.storage.catalog.find_shows("The Bear")
    assert (await cmds.set_events(USER, bear.id, int(Event.CASTING | Event.PRODUCTION))).ok
    assert await _user_subs(showbot, USER) == {"The Bear": Event.CASTING | Event.PRODUCTION}
    assert not (await cmds.choose(USER, Choice("?", "self-destruct", bear.id))).ok
    assert not (await cmds.choose(USER, Choice("?", "latest", 99_999))).ok


async def test_unsubscribe_one_all_and_every_show(cmds: Commands, showbot: ShowBot) -> None:
    missing = await cmds.unsubscribe(USER, "Wednesday")
    assert not missing.ok and "weren't subscribed" in missing.text
    for show in ("Wednesday", "The Bear", "Silo"):
        await cmds.subscribe(USER, show)
    await cmds.subscribe(OTHER_USER, "Wednesday")
    assert (await cmds.unsubscribe(USER, "wednesday")).ok
    assert set(await _user_subs(showbot, USER)) == {"The Bear", "Silo"}
    assert "2 show(s)" in (await cmds.unsubscribe(USER, "all")).text
    assert await _user_subs(showbot, USER) == {}
    assert await _user_subs(showbot, OTHER_USER) == {"Wednesday": Event.all()}
    assert not (await cmds.unsubscribe(USER, "")).ok

    await showbot.storage.audience.subscribe(SubscriptionRecord("telegram", "user", "1", None, Event.all()))
    assert (await cmds.unsubscribe(USER, "every show")).text == "You no longer follow every show."
    assert (await cmds.unsubscribe(USER, "everything")).text == "You weren't following every show."


async def test_subscriptions_lists_what_you_follow(cmds: Commands) -> None:
    assert "don't follow any show" in (await cmds.subscriptions(USER)).text
    await cmds.subscribe(USER, "Silo", "renewal cancellation")
    text = (await cmds.subscriptions(USER)).text
    assert "You follow 1 show(s)" in text and "Silo — renewed, cancelled / ending" in text


# -- catalog browsing -------------------------------------------------------------------------------
async def test_shows_search_and_list(cmds: Commands, showbot: ShowBot) -> None:
    listing = await cmds.shows(USER)
    assert listing.text.startswith(f"{await showbot.storage.catalog.show_count()} shows in the catalog")
    found = await cmds.shows(USER, "squid")
    assert found.ok and "• Squid Game" in found.text and "• Squid Game: The Challenge" in found.text
    assert all(c.action == "subscribe" for c in found.choices)
    by_alias = await cmds.shows(USER, "오징어")  # a Korean alias of Squid Game
    assert "Squid Game" in by_alias.text
    assert not (await cmds.shows(USER, "qqqzzzxx")).ok
    assert "too long" in (await cmds.shows(USER, "y" * 101)).text


async def test_latest_news_for_a_show(cmds: Commands, showbot: ShowBot) -> None:
    assert (await cmds.latest(USER, "Silo")).text == "No news about Silo yet."
    await _story(showbot, "Silo renewed for season 3", "Silo", Event.RENEWAL, (3,))
    text = (await cmds.latest(USER, "silo")).text
    assert "Latest about Silo:" in text and "Renewed S3 · Silo renewed for season 3" in text
    assert "https://news.example.test/" in text
    assert not (await cmds.latest(USER, "")).ok


def test_help_shows_moderator_commands_only_to_moderators(cmds: Commands) -> None:
    plain = cmds.help(USER).text
    assert "/subscribe" in plain and "/channel" not in plain and "/feed add" not in plain
    assert "/feed add" not in cmds.help(ADMIN_IN_DM).text
    group = cmds.help(GROUP_MEMBER).text
    assert "/channel subscribe" in group and "/feed add" not in group
    assert "/feed add" in cmds.help(GROUP_ADMIN).text
    assert "/feed add" in cmds.help(OWNER_DM).text


def test_autocomplete(cmds: Commands) -> None:
    assert cmds.autocomplete("squ")[:2] == ["Squid Game", "Squid Game: The Challenge"]
    everything = cmds.autocomplete("")
    assert everything == sorted(everything) and len(everything) == 25
    assert "Shōgun" in cmds.autocomplete("shog")


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
        for reply in (await cmds.channel_subscribe(caller, "Wednesday"),
                      await cmds.channel_unsubscribe(caller, "Wednesday"),
                      await cmds.mute(caller, "Wednesday"), await cmds.mute(caller, "Wednesday", on=False)):
            assert not reply.ok, (caller, reply.text)
        assert await showbot.storage.audience.subscriptions("telegram", "channel", caller.chat_id) == []
        assert await showbot.storage.audience.muted_shows("telegram", caller.guild_id or caller.chat_id) == []
    assert not (await cmds.channel_list(USER)).ok


async def test_channel_list_answers_moderators_only(cmds: Commands) -> None:
    assert (await cmds.channel_subscribe(MOD_G1, "Silo")).ok
    member = Caller("discord", "7", "c1", ChatType.GROUP, guild_id="g1")
    refused = await cmds.channel_list(member)
    assert not refused.ok and "Silo" not in refused.text and "moderators" in refused.text
    assert "Silo" in (await cmds.channel_list(MOD_G1)).text
    assert "not in a private chat" in (await cmds.channel_subscribe(ADMIN_IN_DM, "Wednesday")).text


async def test_moderator_commands_refused(cmds: Commands) -> None:
    for caller in NOT_MODERATORS:
        replies = [
            await cmds.feed_add(caller, "https://news.example.test/feed"),
            await cmds.feed_remove(caller, "bundled:tv-trade.xml"),
            await cmds.feed_list(caller),
            await cmds.catalog_add(caller, "Brand New Show"),
            await cmds.alias_add(caller, "Wednesday", "Mercredi"),
            await cmds.stats(caller),
        ]
        assert [r.text for r in replies if r.ok] == [], caller
        if not caller.in_group:
            assert all("private chat" in r.text for r in replies), caller


async def test_owners_may_moderate_anywhere(cmds: Commands, showbot: ShowBot) -> None:
    assert (await cmds.feed_list(OWNER_DM)).ok
    assert (await cmds.stats(OWNER_DM)).ok
    assert (await cmds.catalog_add(OWNER_DM, "Owner Show")).ok
    reply = await cmds.channel_subscribe(OWNER_IN_GROUP, "Silo")  # no admin flag needed
    assert reply.ok and not reply.private
    [sub] = await showbot.storage.audience.subscriptions("telegram", "channel", "-100")
    assert sub.show == "Silo"


# -- channels and mutes -----------------------------------------------------------------------------
async def test_channel_subscribe_list_unsubscribe(cmds: Commands, showbot: ShowBot) -> None:
    reply = await cmds.channel_subscribe(MOD_G1, "The Bear", "renewal", role_id="1234")
    assert reply.ok and "mention that role" in reply.text
    assert not (await cmds.channel_subscribe(MOD_G1, "The Bear", role_id="@everyone")).ok
    assert not (await cmds.channel_subscribe(MOD_G1, "The Bear", "soon")).ok
    assert not (await cmds.channel_subscribe(MOD_G1, "")).ok
    [sub] = await showbot.storage.audience.subscriptions("discord", "channel", "c1")
    assert (sub.show, sub.events, sub.role_id, sub.guild_id) == ("The Bear", Event.RENEWAL, "1234", "g1")

    other_channel = Caller("discord", "5", "c3", ChatType.GROUP, guild_id="g1", is_chat_admin=True)
    await cmds.channel_subscribe(other_channel, "Silo")
    await cmds.mute(MOD_G1, "Wednesday")
    listing = (await cmds.channel_list(MOD_G1)).text
    assert "The Bear → this channel (renewed, mentions role 1234)" in listing
    assert "Silo → channel c3 (all news)" in listing
    assert "Muted here: Wednesday" in listing
    assert "No channel here" in (await cmds.channel_list(MOD_G2)).text

    assert not (await cmds.channel_unsubscribe(MOD_G1, "Silo")).ok  # it is c3's, not c1's
    assert (await cmds.channel_unsubscribe(MOD_G1, "the bear")).ok
    assert await showbot.storage.audience.subscriptions("discord", "channel", "c1") == []


async def test_mute_excludes_a_guild_channel_from_fan_out(cmds: Commands, showbot: ShowBot) -> None:
    assert (await cmds.channel_subscribe(MOD_G1, "Wednesday")).ok
    assert (await cmds.channel_subscribe(MOD_G2, "Wednesday")).ok
    muted = await cmds.mute(MOD_G1, "wednesday")
    assert muted.ok and "is muted here" in muted.text
    assert "already muted" in (await cmds.mute(MOD_G1, "Wednesday")).text

    item = await _story(showbot, "Netflix renews Wednesday for season 3", "Wednesday", Event.RENEWAL, (3,))
    [wednesday] = await showbot.storage.catalog.find_shows("Wednesday")
    await showbot.storage.outbox.enqueue_for_match(item, ShowMatch(wednesday.id, "Wednesday", Event.RENEWAL, (3,)), NOW)
    rows = await showbot.storage.outbox.pending_outbox(now=NOW, platforms=["discord"])
    assert [r.chat_id for r in rows] == ["c2"]

    assert "no longer muted" in (await cmds.mute(MOD_G1, "Wednesday", on=False)).text
    assert "wasn't muted" in (await cmds.mute(MOD_G1, "Wednesday", on=False)).text
    later = await _story(showbot, "Wednesday season 3 trailer", "Wednesday", Event.TRAILER, (3,))
    await showbot.storage.outbox.enqueue_for_match(later, ShowMatch(wednesday.id, "Wednesday", Event.TRAILER, (3,)), NOW)
    rows = await showbot.storage.outbox.pending_outbox(now=NOW, platforms=["discord"])
    assert sorted(r.chat_id for r in rows if r.item_id == later) == ["c1", "c2"]


async def test_talking_to_the_bot_resumes_a_paused_chat(cmds: Commands, showbot: ShowBot) -> None:
    await showbot.storage.audience.pause_chat("telegram", USER.chat_id, "Forbidden: bot was blocked by the user")
    assert (await cmds.subscribe(USER, "Silo")).ok
    assert await showbot.storage.audience.paused_chats("telegram") == []


# -- moderators: feeds ------------------------------------------------------------------------------
BAD_FEED_URLS = [
    ("ftp://news.example.test/feed.xml", "only http:// and https://"),
    ("http://", "no host"),
    ("https:///feed.xml", "no host"),
    ("", "empty"),
    ("http://user:pw@news.example.test/feed", "user name or password"),
    ("http://127.0.0.1:8080/feed", "loopback"),
    ("http://localhost/feed", "SHOWBOT_ALLOW_PRIVATE_FEEDS"),
]


async def test_feed_add_refuses_bad_urls(cmds: Commands, showbot: ShowBot) -> None:
    before = await showbot.storage.feeds.all()
    for url, reason in BAD_FEED_URLS:
        reply = await cmds.feed_add(OWNER_DM, url)
        assert not reply.ok and reply.text.startswith("I can't add that feed") and reason in reply.text, (
            url, reply.text)
    assert await showbot.storage.feeds.all() == before


async def test_feed_add_list_remove_with_health(db_path: str, server: LocalServer) -> None:
    server.routes["/broken.xml"] = Response(500, b"oops")
    async for showbot in _open(db_path, {"SHOWBOT_ALLOW_PRIVATE_FEEDS": "1"}):
        cmds = Commands(showbot)
        url = server.url("/broken.xml")
        added = await cmds.feed_add(GROUP_ADMIN, url)
        assert added.ok, added.text
        assert "already polled" in (await cmds.feed_add(GROUP_ADMIN, url)).text
        feed = await showbot.storage.feeds.feed_by_url(url)
        assert feed is not None
        report = await showbot.poll_once(force=True)
        assert url in report.errors

        listing = (await cmds.feed_list(GROUP_ADMIN)).text
        assert f"{url}  [FAILING x1]" in listing
        assert "last error: HTTP 500" in listing
        assert "bundled:tv-trade.xml  [OK]" in listing

        assert not (await cmds.feed_remove(GROUP_ADMIN, "")).ok
        assert not (await cmds.feed_remove(GROUP_ADMIN, "https://nowhere.example.test/feed")).ok
        assert (await cmds.feed_remove(GROUP_ADMIN, url)).ok
        assert await showbot.storage.feeds.feed_by_url(url) is None


async def test_feed_add_and_remove_normalise_the_url(db_path: str, server: LocalServer) -> None:
    """Scheme and host case, the default port and a fragment don't make another feed."""
    server.routes["/x.xml"] = Response(200, b"<rss/>")
    async for showbot in _open(db_path, {"SHOWBOT_ALLOW_PRIVATE_FEEDS": "1"}):
        cmds = Commands(showbot)
        host, port = server.base.removeprefix("http://").split(":")
        url = server.url("/x.xml")
        assert (await cmds.feed_add(GROUP_ADMIN, f"HTTP://{host}:{port}/x.xml")).ok
        for same in (url, f"{url}#latest", f"http://{host.upper()}:{port}/x.xml"):
            reply = await cmds.feed_add(GROUP_ADMIN, same)
            assert not reply.ok and "already polled" in reply.text, same
        assert [f.url for f in await showbot.storage.feeds.all() if not f.url.startswith("bundled:")] == [url]
        assert (await cmds.feed_remove(GROUP_ADMIN, f"{url}#frag")).ok
        assert await showbot.storage.feeds.feed_by_url(url) is None


# -- moderators: catalog, aliases, stats ------------------------------------------------------------
async def test_catalog_add_then_the_matcher_matches_the_new_show(cmds: Commands, showbot: ShowBot) -> None:
    headline = "Zorblax Chronicles renewed for season 2"
    assert showbot.matcher.match(headline) == []
    reply = await cmds.catalog_add(GROUP_ADMIN, "Zorblax Chronicles", "ZC | Zorblax")
    assert reply.ok and reply.text == "Added Zorblax Chronicles with aliases ZC, Zorblax."
    [match] = showbot.matcher.match(headline)
    assert (match.show, match.events, match.seasons) == ("Zorblax Chronicles", Event.RENEWAL, (2,))
    [show] = await showbot.storage.catalog.find_shows("zorblax")
    assert set(show.aliases) == {"ZC", "Zorblax"}
    assert (await cmds.catalog_add(GROUP_ADMIN, "zorblax chronicles")).text.startswith("Updated")
    assert (await cmds.subscribe(USER, "Zorblax Chronicles")).ok


async def test_alias_add_then_the_matcher_matches_the_alias(cmds: Commands, showbot: ShowBot) -> None:
    headline = "Mercredi renewed for season 3"
    assert showbot.matcher.match(headline) == []
    reply = await cmds.alias_add(OWNER_DM, "wednesday", "Mercredi")
    assert reply.ok and "Wednesday is now also matched as “Mercredi”" in reply.text
    [match] = showbot.matcher.match(headline)
    assert (match.show, match.events) == ("Wednesday", Event.RENEWAL)
    duplicate = await cmds.alias_add(OWNER_DM, "Wednesday", "mercredi")
    assert not duplicate.ok and "already has that alias" in duplicate.text


CATALOG_REFUSALS = [
    ("", "", "needs a title"),
    ("!!!", "", "needs a title"),
    ("T" * 151, "", "title is too long"),
    ("Fine Title", ", ".join(f"a{i}" for i in range(11)), "At most 10 aliases"),
    ("Fine Title", "a" * 101, "alias is too long"),
    ("Fine Title", "ok, ???", "needs letters or digits"),
]


async def test_catalog_add_refusals(cmds: Commands, showbot: ShowBot) -> None:
    before = await showbot.storage.catalog.shows()
    for title, aliases, expected in CATALOG_REFUSALS:
        reply = await cmds.catalog_add(GROUP_ADMIN, title, aliases)
        assert not reply.ok and expected in reply.text, (title, aliases, reply.text)
    assert await showbot.storage.catalog.shows() == before


ALIAS_REFUSALS = [
    ("Wednesday", "", "Usage"),
    ("Wednesday", "?!", "Usage"),
    ("Wednesday", "m" * 101, "too long"),
    ("qqqzzzxx", "Whatever", "I don't know a show called"),
    ("", "Whatever", "Name a show"),
]


async def test_alias_add_refusals(cmds: Commands, showbot: ShowBot) -> None:
    version = await showbot.storage.catalog.catalog_version()
    for show, alias, expected in ALIAS_REFUSALS:
        reply = await cmds.alias_add(GROUP_ADMIN, show, alias)
        assert not reply.ok and expected in reply.text, (show, alias, reply.text)
    assert await showbot.storage.catalog.catalog_version() == version


async def test_stats_for_moderators(cmds: Commands, showbot: ShowBot) -> None:
    await cmds.subscribe(USER, "Silo")
    await showbot.storage.audience.pause_chat("telegram", "77", "Forbidden: bot was kicked from the group chat")
    reply = await cmds.stats(GROUP_ADMIN)
    assert reply.ok
    shows = await showbot.storage.catalog.show_count()
    assert f"Catalog: {shows} shows · Feeds: 3 (0 failing)" in reply.text
    # the console user (every show) and USER (Silo)
    assert "Subscriptions: 2 from 2 chats" in reply.text
    assert "Paused chats (1)" in reply.text and "77 — Forbidden: bot was kicked" in reply.text


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
    await cmds.subscribe(USER, "Silo", "renewal")
    await cmds.channel_subscribe(MOD_G1, "The Bear")
    before = await _snapshot(showbot)
    replies: list[Reply] = [
        await cmds.subscribe(USER, "", ""),
        await cmds.subscribe(USER, "Silo", "maybe"),
        await cmds.subscribe(USER, "Sillo"),
        await cmds.unsubscribe(USER, "The Bear"),
        await cmds.unsubscribe(USER, "qqqzzzxx"),
        await cmds.channel_subscribe(GROUP_MEMBER, "Silo"),
        await cmds.channel_subscribe(ADMIN_IN_DM, "Silo"),
        await cmds.channel_subscribe(MOD_G1, "Silo", "never"),
        await cmds.channel_unsubscribe(MOD_G1, "Silo"),
        await cmds.mute(GROUP_MEMBER, "The Bear"),
        await cmds.mute(MOD_G1, "qqqzzzxx"),
        await cmds.feed_add(USER, "https://news.example.test/feed"),
        await cmds.feed_add(OWNER_DM, "ftp://news.example.test/feed"),
        await cmds.feed_add(OWNER_DM, "http://127.0.0.1/feed"),
        await cmds.feed_remove(OWNER_DM, "https://nowhere.example.test/feed"),
        await cmds.catalog_add(ADMIN_IN_DM, "Another Show"),
        await cmds.catalog_add(OWNER_DM, ""),
        await cmds.alias_add(GROUP_MEMBER, "Silo", "The Silo"),
        await cmds.alias_add(OWNER_DM, "qqqzzzxx", "x"),
        await dispatch(cmds, USER, "/frobnicate Silo"),
        await dispatch(cmds, MOD_G1, "/channel explode Silo"),
        await dispatch(cmds, OWNER_DM, "/feed eat https://news.example.test/"),
        await dispatch(cmds, OWNER_DM, "/alias add Silo"),
    ]
    assert [r.text for r in replies if r.ok] == []
    assert await _snapshot(showbot) == before


# -- typed commands ---------------------------------------------------------------------------------
class FakeCommands:
    """Records which command-layer method a typed line reached, with which arguments."""

    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []

    def __getattr__(self, name: str) -> Any:
        def record(caller: Caller, *args: Any, **kwargs: Any) -> Reply:
            self.calls.append((name, *args, *sorted(kwargs.items())))
            return Reply(name)

        async def record_async(caller: Caller, *args: Any, **kwargs: Any) -> Reply:
            return record(caller, *args, **kwargs)

        return record if name == "help" else record_async


@pytest.mark.parametrize(("line", "call"), [
    ("/subscribe Squid Game renewal, trailer", ("subscribe", "Squid Game", "renewal trailer")),
    ("/subscribe Squid Game", ("subscribe", "Squid Game", "")),
    ("/subscribe@showbot_bot Dark Matter cast filming", ("subscribe", "Dark Matter", "cast filming")),
    ("/SUBSCRIBE@ShowBot Silo", ("subscribe", "Silo", "")),
    ("subscribe Silo all", ("subscribe", "Silo", "all")),
    ("/unsubscribe@showbot_bot Squid Game", ("unsubscribe", "Squid Game")),
    ("/subscriptions", ("subscriptions",)),
    ("/list", ("subscriptions",)),
    ("/shows squid", ("shows", "squid")),
    ("/search", ("shows", "")),
    ("/latest The Bear", ("latest", "The Bear")),
    ("/mute Silo", ("mute", "Silo")),
    ("/unmute Silo", ("mute", "Silo", ("on", False))),
    ("/stats@showbot_bot", ("stats",)),
    ("/channel subscribe Wednesday trailer", ("channel_subscribe", "Wednesday", "trailer")),
    ("/channel unsubscribe Wednesday", ("channel_unsubscribe", "Wednesday")),
    ("/channel LIST", ("channel_list",)),
    ("/feed add https://news.example.test/feed", ("feed_add", "https://news.example.test/feed")),
    ("/feed remove https://news.example.test/feed", ("feed_remove", "https://news.example.test/feed")),
    ("/feed list", ("feed_list",)),
    ("/catalog add Zorblax | ZC, Zorb", ("catalog_add", "Zorblax", "ZC, Zorb")),
    ("/catalog add Zorblax", ("catalog_add", "Zorblax", "")),
    ("/alias add Wednesday | Mercredi", ("alias_add", "Wednesday", "Mercredi")),
    ("/help", ("help",)),
    ("/start@showbot_bot", ("help",)),
    ("   ", ("help",)),
])
async def test_dispatch_parses_typed_commands(line: str, call: tuple[Any, ...]) -> None:
    fake = FakeCommands()
    await dispatch(fake, GROUP_ADMIN, line)  # type: ignore[arg-type]
    assert fake.calls == [call]


@pytest.mark.parametrize(("line", "expected"), [
    ("/frobnicate", "I don't know /frobnicate"),
    ("/frobnicate@showbot_bot now", "I don't know /frobnicate"),
    ("/channel", "Usage: /channel"),
    ("/feed", "Usage: /feed"),
    ("/catalog remove Silo", "Usage: /catalog add"),
    ("/alias add Silo", "Usage: /alias add"),
])
async def test_dispatch_refuses_unknown_commands_without_calling_anything(line: str, expected: str) -> None:
    fake = FakeCommands()
    reply = await dispatch(fake, GROUP_ADMIN, line)  # type: ignore[arg-type]
    assert not reply.ok and expected in reply.text
    assert fake.calls == []


def test_split_events_and_pipe() -> None:
    assert split_events("Squid Game renewal, trailer") == ("Squid Game", "renewal trailer")
    assert split_events("The Last of Us") == ("The Last of Us", "")
    assert split_events("Trailer") == ("Trailer", "")  # a show name is never eaten whole
    assert split_events("Trailer Park Boys cast") == ("Trailer Park Boys", "cast")
    assert split_pipe(" Zorblax |  ZC ") == ("Zorblax", "ZC")
    assert split_pipe("Zorblax") == ("Zorblax", "")


async def test_dispatch_with_the_real_commands(cmds: Commands, showbot: ShowBot) -> None:
    reply = await dispatch(cmds, GROUP_MEMBER, "/subscribe@showbot_bot Squid Game renewal, trailer")
    assert reply.ok, reply.text
    assert await _user_subs(showbot, GROUP_MEMBER) == {"Squid Game": Event.RENEWAL | Event.TRAILER}
    assert "I don't know /frobnicate" in (await dispatch(cmds, GROUP_MEMBER, "/frobnicate")).text


async def test_subscribing_from_a_server_resumes_the_callers_paused_dms(tmp_path: Path) -> None:
    async with ShowBot.create(load_settings(env={}, db=str(tmp_path / "dm.db"))) as showbot:
        commands = Commands(showbot)
        await showbot.storage.audience.pause_chat("discord", "42", "Forbidden: cannot send messages to this user")
        caller = Caller("discord", "42", "999", ChatType.GROUP, guild_id="7")
        await commands.shows(caller, "squid")  # an ordinary command from the server changes nothing
        assert [c for _p, c, _r, _a in await showbot.storage.audience.paused_chats("discord")] == ["42"]
        reply = await commands.subscribe(caller, "Squid Game")
        assert reply.ok
        assert await showbot.storage.audience.paused_chats("discord") == []
