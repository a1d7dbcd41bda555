"""Imports and previews: OPML in and out (chat, Telegram documents, the command line), shows from
TVmaze (a fake one on 127.0.0.1) into the catalog and straight into a subscription, and /preview."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator
from email.utils import formatdate
from pathlib import Path
from xml.sax.saxutils import escape

import pytest

from bot.adapters.telegram_bot import TelegramAdapter
from bot.cli import main
from bot.commands import Action, Caller, ChatType, Commands, Status
from bot.config import load_settings
from bot.service import ShowBot
from feeds.model import Event
from feeds.opml import OpmlFeed, read_opml, write_opml
from storage import open_storage
from tests.support.fake_telegram import FakeTelegram
from tests.support.fake_tvmaze import FakeTvmaze, TvShow
from tests.support.http_server import LocalServer, Response

OWNER = Caller("telegram", "999", "999")
FAN = Caller("telegram", "1", "1")
MOD = Caller("discord", "5", "c1", ChatType.GROUP, guild_id="g1", is_chat_admin=True)
READER_OPML = b"""<?xml version="1.0" encoding="UTF-8"?>
<opml version="1.0"><head><title>My reader</title></head><body>
  <outline text="TV">
    <outline type="rss" text="Deadline TV" xmlUrl="%(a)s"/>
    <outline type="rss" text="Variety" xmlUrl="%(b)s"/>
  </outline>
  <outline type="rss" text="Again" xmlUrl="%(a)s"/>
  <outline type="rss" text="Private" xmlUrl="http://10.0.0.1/feed"/>
</body></opml>"""
MOVING = TvShow(61000, "Moving", "2023-08-09", "Disney+", ("무빙", "Móvil"))
MOVING_REMAKE = TvShow(61001, "Moving Day", "2019-01-01", "ABC")
PACHINKO = TvShow(39380, "Pachinko", "2022-03-25", "Apple TV+", ("파친코",))


# -- OPML -------------------------------------------------------------------------------------------
def test_opml_round_trip_and_what_readers_export() -> None:
    feeds = [OpmlFeed("https://deadline.com/v/tv/feed/", "Deadline & Co"), OpmlFeed("https://e.test/a?b=1&c=2")]
    assert read_opml(write_opml(feeds)).feeds == [feeds[0], OpmlFeed("https://e.test/a?b=1&c=2", "https://e.test/a?b=1&c=2")]
    nested = read_opml(READER_OPML % {b"a": b"https://a.test/tv", b"b": b"https://b.test/rss"})
    assert [f.url for f in nested.feeds] == ["https://a.test/tv", "https://b.test/rss", "http://10.0.0.1/feed"]
    assert nested.feeds[0].title == "Deadline TV"
    for bad, reason in ((b"", "empty"), (b"<html><body>hello</body></html>", "no feeds"), (b"\x00\xff", "unreadable")):
        listing = read_opml(bad)
        assert listing.feeds == [] and reason in (listing.problem or ""), bad


@pytest.fixture
def lists(server: LocalServer) -> LocalServer:
    body = READER_OPML % {b"a": server.url("/a.xml").encode(), b"b": server.url("/b.xml").encode()}
    server.routes["/reader.opml"] = Response(200, body, {"Content-Type": "text/x-opml"})
    return server


@pytest.fixture
async def showbot(db_path: str) -> AsyncIterator[ShowBot]:
    settings = load_settings(env={"SHOWBOT_OWNERS": "telegram:999", "SHOWBOT_ALLOW_PRIVATE_FEEDS": "1",
                                  "SHOWBOT_TVMAZE": "off"}, db=db_path)
    async with ShowBot.create(settings) as bot:
        yield bot


async def test_feed_import_and_export_in_chat(showbot: ShowBot, lists: LocalServer) -> None:
    cmds = Commands(showbot)
    before = {f.url for f in await showbot.storage.feeds.all()}
    refused = await cmds.run(FAN, "feed import", url=lists.url("/reader.opml"))
    assert "Only bot owners" in refused.text
    imported = await cmds.line(OWNER, f"/feed import {lists.url('/reader.opml')}")
    assert imported.ok and imported.text.startswith("Added 3 feeds; 0 were already polled."), imported.text
    assert {f.url for f in await showbot.storage.feeds.all()} - before == {
        lists.url("/a.xml"), lists.url("/b.xml"), "http://10.0.0.1/feed"}  # private hosts allowed here
    again = await cmds.run(OWNER, "feed import", file=(lists.routes["/reader.opml"].body).decode())  # type: ignore[union-attr]
    assert again.text.startswith("Added 0 feeds; 3 were already polled.")
    assert "can't read feeds" in (await cmds.run(OWNER, "feed import", file="<html/>")).text
    assert "Usage" not in (await cmds.run(OWNER, "feed import")).text  # its own explanation
    exported = await cmds.run(OWNER, "feed export")
    assert exported.attachment is not None and exported.attachment.filename.endswith(".opml")
    assert {f.url for f in read_opml(exported.attachment.data).feeds} == {f.url for f in await showbot.storage.feeds.all()}


async def test_feed_import_refuses_hosts_a_bot_must_not_poll(db_path: str, lists: LocalServer) -> None:
    async with ShowBot.create(load_settings(env={"SHOWBOT_OWNERS": "telegram:999", "SHOWBOT_TVMAZE": "off"},
                                            db=db_path)) as bot:
        reply = await Commands(bot).run(OWNER, "feed import", file=(
            READER_OPML % {b"a": b"https://93.184.216.34/tv", b"b": b"http://127.0.0.1/x"}).decode())
        assert reply.text.startswith("Added 1 feed;"), reply.text
        assert "Refused 2:" in reply.text and "http://127.0.0.1/x" in reply.text and "http://10.0.0.1/feed" in reply.text


def test_showbot_feeds_import_and_export(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db, listed, out = str(tmp_path / "f.db"), tmp_path / "in.opml", tmp_path / "out.opml"
    listed.write_bytes(write_opml([OpmlFeed("https://93.184.216.34/tv.xml", "TV news")]))
    assert main(["feeds", "import", str(listed), "--db", db]) == 0
    assert "added 1 feeds" in capsys.readouterr().out
    assert main(["feeds", "export", str(out), "--db", db]) == 0
    assert "https://93.184.216.34/tv.xml" in {f.url for f in read_opml(out.read_bytes()).feeds}
    (tmp_path / "bad.opml").write_text("nothing here")
    assert main(["feeds", "import", str(tmp_path / "bad.opml"), "--db", db]) == 2
    assert "no feeds" in capsys.readouterr().err


@pytest.fixture
def telegram() -> Iterator[FakeTelegram]:
    with FakeTelegram() as fake:
        yield fake


async def test_feed_import_as_a_telegram_document(telegram: FakeTelegram, db_path: str, lists: LocalServer) -> None:
    settings = load_settings(env={"TELEGRAM_TOKEN": telegram.token, "TELEGRAM_BASE_URL": telegram.base_url,
                                  "SHOWBOT_FEEDS": lists.url("/a.xml"), "SHOWBOT_ALLOW_PRIVATE_FEEDS": "1",
                                  "SHOWBOT_OWNERS": "telegram:999", "SHOWBOT_TVMAZE": "off"}, db=db_path)
    async with ShowBot.create(settings) as showbot:
        adapter = TelegramAdapter(settings, showbot)
        await adapter.start()
        try:
            data = write_opml([OpmlFeed(lists.url("/b.xml"), "B"), OpmlFeed(lists.url("/c.xml"), "C")])
            telegram.push_document(user=999, data=data, filename="reader.opml", caption="/feed import")
            reply = await telegram.wait_for_sent(lambda c: c.chat_id == "999")
            assert reply.text.startswith("Added 2 feeds"), reply.text
            assert telegram.calls_to("getFile")
            assert lists.url("/c.xml") in {f.url for f in await showbot.storage.feeds.all()}
        finally:
            await adapter.stop()


# -- TVmaze ---------------------------------------------------------------------------------------------
@pytest.fixture
def tvmaze() -> Iterator[FakeTvmaze]:
    with FakeTvmaze([MOVING, MOVING_REMAKE, PACHINKO]) as fake:
        yield fake


@pytest.fixture
async def tv_bot(db_path: str, tvmaze: FakeTvmaze) -> AsyncIterator[ShowBot]:
    settings = load_settings(env={"SHOWBOT_TVMAZE_URL": tvmaze.url, "SHOWBOT_OWNERS": "telegram:999"}, db=db_path)
    async with ShowBot.create(settings) as bot:
        yield bot


async def test_subscribe_to_a_show_the_catalog_lacks_offers_tvmaze_matches(tv_bot: ShowBot, tvmaze: FakeTvmaze) -> None:
    cmds = Commands(tv_bot)
    asked = await cmds.run(FAN, "subscribe", show="Moving", events="renewal trailer")
    assert asked.status is Status.ASK and "TVmaze knows these shows" in asked.text
    assert [c.label for c in asked.choices] == ["Moving (2023, Disney+) — from TVmaze",
                                                "Moving Day (2019, ABC) — from TVmaze"]
    assert await tv_bot.storage.catalog.show_by_tvmaze(MOVING.id) is None  # nothing changed yet
    done = await cmds.press(FAN, asked.choices[0])
    assert done.ok and done.text.startswith("Moving joined my catalog. You now follow Moving — renewed, trailer.")
    moving = await tv_bot.storage.catalog.show_by_tvmaze(MOVING.id)
    assert moving is not None and set(moving.aliases) == {"무빙", "Móvil"}
    subs = await tv_bot.storage.audience.subscriptions("telegram", "user", "1")
    assert [(s.show, s.events) for s in subs] == [("Moving", Event.RENEWAL | Event.TRAILER)]
    [match] = tv_bot.matcher.match("'무빙' 시즌2 제작 확정")  # an AKA is an alias the matcher knows
    assert match.show == "Moving"
    # the show is in the catalog now: an exact name needs no TVmaze any more, and it is not offered twice
    searches = len(tvmaze.requests)
    assert (await cmds.run(Caller("telegram", "2", "2"), "subscribe", show="무빙")).ok
    assert len(tvmaze.requests) == searches
    again = await cmds.run(FAN, "subscribe", show="Movin")
    assert [c.label for c in again.choices if c.action is Action.TVMAZE_SUBSCRIBE] == [
        "Moving Day (2019, ABC) — from TVmaze"]


async def test_a_channel_can_follow_a_tvmaze_show_too(tv_bot: ShowBot) -> None:
    asked = await Commands(tv_bot).run(MOD, "channel subscribe", show="pachinko")
    [choice] = asked.choices
    assert choice.action is Action.TVMAZE_CHANNEL_SUBSCRIBE
    member = Caller("discord", "6", "c1", ChatType.GROUP, guild_id="g1")
    assert "Only moderators" in (await Commands(tv_bot).press(member, choice)).text
    assert await tv_bot.storage.catalog.show_by_tvmaze(PACHINKO.id) is None
    done = await Commands(tv_bot).press(MOD, choice)
    assert done.ok and "This channel will now post Pachinko news" in done.text


async def test_tvmaze_off_or_down_leaves_the_catalog_alone(db_path: str, tvmaze: FakeTvmaze) -> None:
    settings = load_settings(env={"SHOWBOT_TVMAZE_URL": tvmaze.url, "SHOWBOT_TVMAZE": "off"}, db=db_path)
    async with ShowBot.create(settings) as bot:
        reply = await Commands(bot).run(FAN, "subscribe", show="Pachinko")
        assert not reply.ok and "I don't know a show called “Pachinko”" in reply.text and not tvmaze.requests
    tvmaze.down = True
    async with ShowBot.create(replace_tvmaze(settings)) as bot:
        reply = await Commands(bot).run(FAN, "subscribe", show="Pachinko")
        assert not reply.ok and "I don't know a show called" in reply.text and tvmaze.requests


def replace_tvmaze(settings: object) -> object:
    from dataclasses import replace

    return replace(settings, tvmaze=True)  # type: ignore[type-var]


def test_showbot_catalog_tvmaze_by_name_and_by_id(tmp_path: Path, tvmaze: FakeTvmaze,
                                                  monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("SHOWBOT_TVMAZE_URL", tvmaze.url)
    db = str(tmp_path / "c.db")
    assert main(["catalog", "tvmaze", "moving", "--db", db]) == 0
    out = capsys.readouterr().out
    assert "Moving (TVmaze 61000) with aliases " in out and "무빙" in out and "Móvil" in out
    assert "also on TVmaze: Moving Day (2019, ABC) — showbot catalog tvmaze 61001" in out
    assert main(["catalog", "tvmaze", "61000", "--db", db]) == 0  # the same show again: found by its id
    assert main(["catalog", "tvmaze", "39380", "--db", db]) == 0
    assert main(["catalog", "tvmaze", "123456", "--db", db]) == 1
    assert "no show 123456" in capsys.readouterr().err

    async def shows() -> dict[str, int | None]:
        async with open_storage(db) as storage:
            return {s.title: s.tvmaze_id for s in await storage.catalog.shows() if s.tvmaze_id}

    import asyncio

    assert asyncio.run(shows()) == {"Moving": 61000, "Pachinko": 39380}
    tvmaze.down = True
    assert main(["catalog", "tvmaze", "something", "--db", db]) == 1
    assert "HTTP 503" in capsys.readouterr().err


# -- /preview -------------------------------------------------------------------------------------------
def _rss(*stories: tuple[str, float]) -> bytes:
    items = "".join(
        f"<item><title>{escape(title)}</title><link>https://news.example/{n}</link>"
        f"<pubDate>{formatdate(at)}</pubDate><guid>g{n}</guid></item>" for n, (title, at) in enumerate(stories))
    return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>TV Wire</title>{items}</channel></rss>').encode()


async def test_preview_shows_what_a_subscription_would_have_sent(db_path: str, server: LocalServer) -> None:
    now = time.time()
    server.routes["/tv.xml"] = Response(200, _rss(
        ("Netflix renews Wednesday for season 3", now - 5 * 86400),
        ("Wednesday season 2 trailer: Jenna Ortega returns", now - 2 * 86400),
        ("Silo renewed for season 3 at Apple TV+", now - 3 * 86400),
    ), {"Content-Type": "application/rss+xml"})
    settings = load_settings(env={"SHOWBOT_FEEDS": server.url("/tv.xml"), "SHOWBOT_ALLOW_PRIVATE_FEEDS": "1",
                                  "SHOWBOT_TVMAZE": "off", "SHOWBOT_MAX_AGE": "30d"}, db=db_path)
    async with ShowBot.create(settings) as bot:
        await bot.poll_once(force=True)
        cmds = Commands(bot)
        everything = await cmds.run(FAN, "preview", show="Wednesday")
        assert "would have sent you 2 notifications" in everything.text, everything.text
        assert "trailer · S2 · Wednesday season 2 trailer" in everything.text
        assert "renewed · S3 · Netflix renews Wednesday" in everything.text
        renewals = await cmds.line(FAN, "/preview Wednesday renewal")
        assert "1 notification:" in renewals.text and "trailer" not in renewals.text.split(":", 1)[1]
        assert "would have sent you nothing" in (await cmds.run(FAN, "preview", show="The Bear")).text
        follow = renewals.choices[0]
        assert (follow.action, follow.events) == (Action.SUBSCRIBE, Event.RENEWAL)
        assert (await cmds.press(FAN, follow)).ok
        typo = await cmds.run(FAN, "preview", show="Wednesdy")
        assert typo.choices[0].action is Action.PREVIEW
        assert "would have sent you 2" in (await cmds.press(FAN, typo.choices[0])).text
