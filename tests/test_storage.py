"""The repository on its own: migrations, catalog, feeds, items, subscriptions, fan-out, outbox, stats."""

from __future__ import annotations

import logging
import sqlite3

import pytest

import storage.repository as repository_module
from feeds.model import Event, ShowMatch
from storage.migrations import MIGRATIONS
from storage.records import NewItem, SubscriptionRecord
from storage.repository import Repository

NOW = 1_800_000_000.0
ALL = Event.all()


def _sub(chat: str, show_id: int | None, events: Event = ALL, *, platform: str = "telegram", kind: str = "user",
         guild: str | None = None) -> SubscriptionRecord:
    return SubscriptionRecord(platform, kind, chat, show_id, events, guild_id=guild,
                              user_id=chat if kind == "user" else None)


def _match(show_id: int, show: str, events: Event) -> ShowMatch:
    return ShowMatch(show_id, show, events, (2,), "test")


async def _story(repo: Repository, title: str = "Alpha renewed for season 2", *, feed_id: int | None = None) -> int:
    [item] = await repo.insert_items(feed_id, [NewItem(title, guid=title)], NOW)
    return item.id


def _outbox_rows(path: str) -> list[tuple[str, str, str, int, str]]:
    with sqlite3.connect(path) as conn:
        return sorted(conn.execute("SELECT platform, kind, chat_id, show_id, status FROM outbox").fetchall())


# -- migrations and pragmas -----------------------------------------------------------------------
async def test_migrations_reach_latest_version_from_an_empty_file(db_path: str) -> None:
    async with Repository.open(db_path) as repo:
        assert await repo.schema_version() == len(MIGRATIONS)
        await repo.set_meta("k", "v")  # the table of the last migration exists
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)


async def test_reopening_does_not_rerun_migrations(db_path: str, caplog: pytest.LogCaptureFixture) -> None:
    async with Repository.open(db_path) as repo:
        show_id = await repo.upsert_show("Alpha")
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="storage.repository"):
        async with Repository.open(db_path) as repo:
            assert await repo.schema_version() == len(MIGRATIONS)
            assert [s.id for s in await repo.shows()] == [show_id]
    assert not [r for r in caplog.records if "migrating" in r.getMessage()]


async def test_an_old_database_is_upgraded_keeping_its_data(
    db_path: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(repository_module, "MIGRATIONS", MIGRATIONS[:1])
    async with Repository.open(db_path) as repo:
        assert await repo.schema_version() == 1
        await repo.upsert_show("Alpha")
    monkeypatch.setattr(repository_module, "MIGRATIONS", MIGRATIONS)
    async with Repository.open(db_path) as repo:
        assert await repo.schema_version() == len(MIGRATIONS)
        assert [s.title for s in await repo.shows()] == ["Alpha"]
        assert await repo.get_meta("missing") is None


async def test_wal_journal_mode_is_on(db_path: str) -> None:
    async with Repository.open(db_path):
        with sqlite3.connect(db_path) as conn:
            assert conn.execute("PRAGMA journal_mode").fetchone()[0].lower() == "wal"


# -- catalog ---------------------------------------------------------------------------------------
async def test_upsert_show_finds_the_same_show_and_adds_aliases_once(db_path: str) -> None:
    async with Repository.open(db_path) as repo:
        first = await repo.upsert_show("Shōgun", ["SHOGUN (FX)"])
        again = await repo.upsert_show("  shōgun ", ["Shogun (FX)", "将軍"])
        assert first == again
        [show] = await repo.shows()
        assert show.title == "Shōgun"
        assert sorted(show.aliases) == sorted(["SHOGUN (FX)", "将軍"])
        assert await repo.show_count() == 1
        assert await repo.add_alias(first, "Shogun 2024") is True
        assert await repo.add_alias(first, "shogun  2024") is False
        with pytest.raises(ValueError):
            await repo.upsert_show("  !! ")


async def test_find_shows_ignores_case_and_diacritics(db_path: str) -> None:
    async with Repository.open(db_path) as repo:
        shogun = await repo.upsert_show("Shōgun")
        elite = await repo.upsert_show("Élite")
        squid = await repo.upsert_show("Squid Game", ["오징어 게임"])
        await repo.upsert_show("Squid Game: The Challenge")
        assert [s.id for s in await repo.find_shows("shogun")] == [shogun]
        assert [s.id for s in await repo.find_shows("SHŌGUN")] == [shogun]
        assert [s.id for s in await repo.find_shows("elite")] == [elite]
        assert [s.id for s in await repo.find_shows("오징어 게임")] == [squid]
        assert [s.id for s in await repo.find_shows("squid   GAME")] == [squid]
        assert await repo.find_shows("squid") == []
        assert (await repo.show_by_id(squid)).aliases == ("오징어 게임",)  # type: ignore[union-attr]
        assert await repo.show_by_id(9999) is None


async def test_two_shows_sharing_an_alias_are_both_found(db_path: str) -> None:
    async with Repository.open(db_path) as repo:
        a = await repo.upsert_show("Kingdom", ["The Kingdom"])
        b = await repo.upsert_show("Kingdom (2019)", ["The Kingdom"])
        assert sorted(s.id for s in await repo.find_shows("the kingdom")) == sorted([a, b])


async def test_catalog_version_moves_when_a_show_or_alias_is_added(db_path: str) -> None:
    async with Repository.open(db_path) as repo:
        v0 = await repo.catalog_version()
        show = await repo.upsert_show("Alpha")
        v1 = await repo.catalog_version()
        await repo.add_alias(show, "Alpha Show")
        v2 = await repo.catalog_version()
        assert len({v0, v1, v2}) == 3
        await repo.upsert_show("alpha")  # nothing new
        assert await repo.catalog_version() == v2


# -- feeds -----------------------------------------------------------------------------------------
async def test_feeds_add_remove_due_and_failures(db_path: str) -> None:
    async with Repository.open(db_path) as repo:
        assert await repo.add_feed("https://a.example/feed", next_poll_at=NOW - 1) is True
        assert await repo.add_feed("https://a.example/feed") is False
        assert await repo.add_feed("https://b.example/feed", next_poll_at=NOW + 100) is True
        assert [f.url for f in await repo.due_feeds(NOW)] == ["https://a.example/feed"]
        assert await repo.next_feed_due_at() == NOW - 1

        feed = await repo.feed_by_url("https://a.example/feed")
        assert feed is not None and feed.failures == 0 and feed.last_error is None
        await repo.record_feed_failure(feed.id, error="HTTP 500 Internal Server Error", next_poll_at=NOW + 60,
                                       now=NOW)
        await repo.record_feed_failure(feed.id, error="timed out", next_poll_at=NOW + 120, now=NOW)
        failing = await repo.feed_by_url("https://a.example/feed")
        assert failing is not None
        assert (failing.failures, failing.last_error, failing.next_poll_at) == (2, "timed out", NOW + 120)
        assert (await repo.stats()).failing_feeds == 1
        assert await repo.due_feeds(NOW) == []

        await repo.record_feed_success(feed.id, etag='"v1"', last_modified="Fri, 20 Mar 2026 18:42:00 GMT",
                                       title="Feed A", next_poll_at=NOW + 600, now=NOW + 1)
        healthy = await repo.feed_by_url("https://a.example/feed")
        assert healthy is not None
        assert (healthy.failures, healthy.last_error, healthy.etag, healthy.title) == (0, None, '"v1"', "Feed A")
        assert healthy.last_success_at == NOW + 1

        assert await repo.remove_feed("https://b.example/feed") is True
        assert await repo.remove_feed("https://b.example/feed") is False
        assert [f.url for f in await repo.feeds()] == ["https://a.example/feed"]


async def test_sync_config_feeds_leaves_moderator_feeds_alone(db_path: str) -> None:
    async with Repository.open(db_path) as repo:
        await repo.add_feed("https://mod.example/feed", added_by="telegram:1")
        assert await repo.sync_config_feeds(["https://a.example/f", "https://b.example/f"], [NOW, NOW]) == (2, 0)
        assert await repo.sync_config_feeds(["https://b.example/f"], [NOW]) == (0, 1)
        assert sorted(f.url for f in await repo.feeds()) == ["https://b.example/f", "https://mod.example/feed"]


# -- items -----------------------------------------------------------------------------------------
def test_dedup_key_prefers_guid_then_link_then_title() -> None:
    assert NewItem("T", guid=" g1 ", link="https://x/1").dedup_key == "guid:g1"
    assert NewItem("T", guid="  ", link="https://x/1").dedup_key == "link:https://x/1"
    by_title = NewItem("Alpha  Renewed").dedup_key
    assert by_title.startswith("title:")
    assert by_title == NewItem(" alpha renewed ").dedup_key
    assert by_title != NewItem("Beta renewed").dedup_key


async def test_insert_items_stores_the_same_item_once(db_path: str) -> None:
    async with Repository.open(db_path) as repo:
        await repo.add_feed("https://a.example/feed")
        [feed] = await repo.feeds()
        batch = [
            NewItem("Alpha renewed", guid="g-1", link="https://x/1"),
            NewItem("Alpha renewed (updated headline)", guid="g-1", link="https://x/other"),  # same guid
            NewItem("Beta trailer", link="https://x/2"),
            NewItem("Beta trailer again", link="https://x/2"),  # same link, no guid
            NewItem("Gamma casting news"),
            NewItem("  gamma CASTING   news "),  # same title, no guid or link
        ]
        fresh = await repo.insert_items(feed.id, batch, NOW)
        assert [i.title for i in fresh] == ["Alpha renewed", "Beta trailer", "Gamma casting news"]
        assert all(i.feed_id == feed.id and i.first_seen_at == NOW for i in fresh)
        assert await repo.insert_items(feed.id, batch, NOW + 10) == []
        again = await repo.insert_items(None, [NewItem("Alpha renewed", guid="g-1"), NewItem("Delta", guid="g-2")],
                                        NOW + 20)
        assert [i.title for i in again] == ["Delta"]
        assert (await repo.stats()).items == 4


async def test_save_matches_and_latest_for_show(db_path: str) -> None:
    async with Repository.open(db_path) as repo:
        alpha = await repo.upsert_show("Alpha")
        beta = await repo.upsert_show("Beta")
        first = await _story(repo, "Alpha mentioned in passing")
        second = await _story(repo, "Alpha renewed for season 2")
        await repo.save_matches(first, [ShowMatch(alpha, "Alpha", Event(0), (), "mention")])
        await repo.save_matches(second, [_match(alpha, "Alpha", Event.CASTING), _match(beta, "Beta", Event.TRAILER)])
        await repo.save_matches(second, [_match(alpha, "Alpha", Event.RENEWAL)])  # upsert replaces
        news = await repo.latest_for_show(alpha)
        assert [n.title for n in news] == ["Alpha renewed for season 2", "Alpha mentioned in passing"]
        assert news[0].events == Event.RENEWAL and news[0].seasons == (2,)
        assert [n.title for n in await repo.latest_for_show(alpha, with_events_only=True)] == [
            "Alpha renewed for season 2"]
        assert (await repo.stats()).matched_items == 1


# -- subscriptions ---------------------------------------------------------------------------------
async def test_subscribe_twice_updates_and_unsubscribe_removes(db_path: str) -> None:
    async with Repository.open(db_path) as repo:
        alpha = await repo.upsert_show("Alpha")
        assert await repo.subscribe(_sub("u1", alpha, Event.RENEWAL)) is True
        assert await repo.subscribe(_sub("u1", alpha, Event.TRAILER | Event.CASTING)) is False
        [sub] = await repo.subscriptions("telegram", "user", "u1")
        assert (sub.show_id, sub.show, sub.events) == (alpha, "Alpha", Event.TRAILER | Event.CASTING)
        assert await repo.count_subscriptions("telegram", "user", "u1") == 1
        assert await repo.subscriptions("discord", "user", "u1") == []  # platforms are separate

        assert await repo.subscribe(_sub("u1", None)) is True  # every show
        assert await repo.subscribe(_sub("u1", None, Event.RENEWAL)) is False
        subs = await repo.subscriptions("telegram", "user", "u1")
        assert sorted((s.show_id or 0, s.show) for s in subs) == [(0, None), (alpha, "Alpha")]

        assert await repo.unsubscribe("telegram", "user", "u1", alpha) is True
        assert await repo.unsubscribe("telegram", "user", "u1", alpha) is False
        assert [s.show_id for s in await repo.subscriptions("telegram", "user", "u1")] == [None]
        assert await repo.unsubscribe("telegram", "user", "u1", None) is True
        assert await repo.count_subscriptions("telegram", "user", "u1") == 0


async def test_channel_subscriptions_are_listed_per_guild(db_path: str) -> None:
    async with Repository.open(db_path) as repo:
        alpha = await repo.upsert_show("Alpha")
        await repo.subscribe(SubscriptionRecord("discord", "channel", "c1", alpha, ALL, guild_id="g1",
                                                role_id="42"))
        await repo.subscribe(_sub("c9", alpha, platform="discord", kind="channel", guild="g2"))
        [sub] = await repo.subscriptions_in_guild("discord", "g1")
        assert (sub.chat_id, sub.role_id, sub.show) == ("c1", "42", "Alpha")


# -- fan-out ---------------------------------------------------------------------------------------
async def test_enqueue_for_match_reaches_exactly_the_right_recipients(db_path: str) -> None:
    async with Repository.open(db_path) as repo:
        alpha = await repo.upsert_show("Alpha")
        beta = await repo.upsert_show("Beta")
        await repo.subscribe(_sub("renewal-fan", alpha, Event.RENEWAL))
        await repo.subscribe(_sub("trailer-fan", alpha, Event.TRAILER))  # wrong event
        await repo.subscribe(_sub("beta-fan", beta))
        await repo.subscribe(_sub("both-fan", alpha))
        await repo.subscribe(_sub("both-fan", beta))
        await repo.subscribe(_sub("everything-fan", None))
        await repo.subscribe(_sub("paused-fan", alpha))
        await repo.pause_chat("telegram", "paused-fan", "Forbidden: bot was blocked by the user")
        await repo.subscribe(_sub("c-muted", alpha, platform="discord", kind="channel", guild="g1"))
        await repo.subscribe(_sub("c-open", alpha, platform="discord", kind="channel", guild="g2"))
        assert await repo.mute("discord", "g1", alpha) is True
        assert await repo.mute("discord", "g1", alpha) is False
        assert await repo.muted_shows("discord", "g1") == ["Alpha"]

        item = await _story(repo)
        alpha_match = _match(alpha, "Alpha", Event.RENEWAL)
        beta_match = _match(beta, "Beta", Event.RENEWAL)
        await repo.save_matches(item, [alpha_match, beta_match])
        expected_alpha = {("telegram", "user", "renewal-fan"), ("telegram", "user", "both-fan"),
                          ("telegram", "user", "everything-fan"), ("discord", "channel", "c-open")}
        assert set(await repo.recipients_for(alpha, Event.RENEWAL)) == expected_alpha
        assert await repo.enqueue_for_match(item, alpha_match, NOW) == 4
        # both-fan and everything-fan already have this story: only beta-fan is new
        assert await repo.enqueue_for_match(item, beta_match, NOW) == 1
        assert await repo.enqueue_for_match(item, alpha_match, NOW) == 0
        assert await repo.enqueue_for_match(item, ShowMatch(alpha, "Alpha", Event(0)), NOW) == 0

        rows = _outbox_rows(db_path)
        assert [(p, k, c) for p, k, c, _s, _st in rows] == sorted(
            [*expected_alpha, ("telegram", "user", "beta-fan")])
        assert all(status == "pending" for *_rest, status in rows)
        both = [r for r in rows if r[2] == "both-fan"]
        assert len(both) == 1

        assert await repo.unmute("discord", "g1", alpha) is True
        other = await _story(repo, "Alpha renewed for season 3")
        await repo.save_matches(other, [alpha_match])
        assert await repo.enqueue_for_match(other, alpha_match, NOW) == 5  # the muted channel is back


# -- outbox ----------------------------------------------------------------------------------------
async def _two_pending(repo: Repository) -> tuple[int, int]:
    alpha = await repo.upsert_show("Alpha")
    await repo.subscribe(_sub("u1", alpha))
    await repo.subscribe(_sub("u2", alpha, platform="discord"))
    await repo.add_feed("https://a.example/feed")
    [feed] = await repo.feeds()
    await repo.record_feed_success(feed.id, etag=None, last_modified=None, title="Feed A", next_poll_at=NOW,
                                   now=NOW)
    item = await _story(repo, feed_id=feed.id)
    match = _match(alpha, "Alpha", Event.RENEWAL)
    await repo.save_matches(item, [match])
    await repo.enqueue_for_match(item, match, NOW)
    rows = await repo.pending_outbox(now=NOW, platforms=["telegram", "discord"])
    by_platform = {r.platform: r.id for r in rows}
    return by_platform["telegram"], by_platform["discord"]


async def test_pending_outbox_and_mark_sent_retry_failed(db_path: str) -> None:
    async with Repository.open(db_path) as repo:
        tg, dc = await _two_pending(repo)
        [entry] = await repo.pending_outbox(now=NOW, platforms=["telegram"])
        assert (entry.chat_id, entry.show, entry.title, entry.events, entry.seasons, entry.source) == (
            "u1", "Alpha", "Alpha renewed for season 2", Event.RENEWAL, (2,), "Feed A")
        assert entry.attempts == 0
        assert await repo.pending_outbox(now=NOW, platforms=[]) == []

        await repo.mark_retry(tg, error="HTTP 502", next_attempt_at=NOW + 30)
        assert await repo.pending_outbox(now=NOW, platforms=["telegram"]) == []
        [later] = await repo.pending_outbox(now=NOW + 30, platforms=["telegram"])
        assert later.attempts == 1
        assert await repo.next_outbox_due_at(["telegram"]) == NOW + 30

        await repo.mark_sent(tg, NOW + 31)
        await repo.mark_failed(dc, error="Bad Request: message is too long")
        assert await repo.pending_outbox(now=NOW + 1000, platforms=["telegram", "discord"]) == []
        assert await repo.outbox_counts() == {"sent": 1, "failed": 1}
        assert await repo.next_outbox_due_at(["telegram", "discord"]) is None


async def test_pause_chat_holds_pending_rows_and_resume_releases_them(db_path: str) -> None:
    async with Repository.open(db_path) as repo:
        tg, _dc = await _two_pending(repo)
        await repo.mark_retry(tg, error="HTTP 502", next_attempt_at=NOW + 500)
        await repo.pause_chat("telegram", "u1", "Forbidden: bot was blocked by the user")
        assert await repo.pending_outbox(now=NOW + 1000, platforms=["telegram"]) == []
        stats = await repo.stats()
        assert (stats.held, stats.pending, stats.paused_chats) == (1, 1, 1)
        [(platform, chat, reason, _at)] = await repo.paused_chats("telegram")
        assert (platform, chat, reason) == ("telegram", "u1", "Forbidden: bot was blocked by the user")
        assert await repo.paused_chats("discord") == []

        assert await repo.resume_chat("telegram", "u1") is True
        [released] = await repo.pending_outbox(now=NOW, platforms=["telegram"])  # due right away
        assert released.id == tg
        assert await repo.resume_chat("telegram", "u1") is False
        assert (await repo.stats()).held == 0


async def test_stats_counts_everything(db_path: str) -> None:
    async with Repository.open(db_path) as repo:
        empty = await repo.stats()
        assert all(getattr(empty, f) == 0 for f in empty.__dataclass_fields__)
        tg, _dc = await _two_pending(repo)
        await repo.subscribe(_sub("u1", None))
        await repo.mark_sent(tg, NOW)
        stats = await repo.stats()
        assert (stats.shows, stats.feeds, stats.failing_feeds, stats.items, stats.matched_items) == (1, 1, 0, 1, 1)
        assert (stats.subscriptions, stats.subscribers, stats.paused_chats) == (3, 2, 0)
        assert (stats.sent, stats.pending, stats.failed, stats.held) == (1, 1, 0, 0)


async def test_prune_outbox_forgets_old_deliveries_but_never_pending_ones(db_path: str) -> None:
    async with Repository.open(db_path) as repo:
        show = await repo.upsert_show("Silo")
        await repo.subscribe(SubscriptionRecord("console", "user", "a", show, Event.all()))
        await repo.subscribe(SubscriptionRecord("console", "user", "b", show, Event.all()))
        [item] = await repo.insert_items(None, [NewItem("Silo season 3 renewed", guid="s3")], now=100.0)
        match = ShowMatch(show, "Silo", Event.RENEWAL, (3,))
        await repo.save_matches(item.id, [match])
        assert await repo.enqueue_for_match(item.id, match, now=100.0) == 2
        rows = await repo.pending_outbox(now=200.0, platforms=["console"])
        await repo.mark_sent(rows[0].id, 150.0)
        assert await repo.prune_outbox(older_than=50.0) == 0  # nothing that old
        assert await repo.prune_outbox(older_than=1000.0) == 1  # the sent row; the pending one stays
        assert await repo.outbox_counts() == {"pending": 1}
        # the story is still known: fanning it out again adds nothing for the recipient who has it pending
        assert await repo.insert_items(None, [NewItem("Silo season 3 renewed", guid="s3")], now=2000.0) == []
