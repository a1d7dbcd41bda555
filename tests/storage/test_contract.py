"""The storage contract: what every backend does behind the ports (catalog, feeds, items, audience,
fan-out, outbox, meta, stats, the unit of work). Runs once per backend (see conftest.py)."""

from __future__ import annotations

import asyncio
import itertools

import pytest

from feeds.model import CatalogShow, Event, NewItem, ShowMatch
from storage.errors import ShowConflict
from storage.ports import Storage
from storage.records import ChatPreferences, DeliveryOptions, Digest, SubscriptionRecord

NOW = 1_800_000_000.0
ALL = Event.all()


def _sub(chat: str, show_id: int | None, events: Event = ALL, *, platform: str = "telegram", kind: str = "user",
         guild: str | None = None) -> SubscriptionRecord:
    return SubscriptionRecord(platform, kind, chat, show_id, events, guild_id=guild,
                              user_id=chat if kind == "user" else None)


def _match(show_id: int, show: str, events: Event) -> ShowMatch:
    return ShowMatch(show_id, show, events, (2,), "test")


async def _story(storage: Storage, title: str = "Alpha renewed for season 2", *, feed_id: int | None = None) -> int:
    [item] = await storage.items.insert_items(feed_id, [NewItem(title, guid=title)], NOW)
    return item.id


async def _pending(storage: Storage) -> list[tuple[str, str, str, str]]:
    rows = await storage.outbox.pending_outbox(now=NOW, platforms=["telegram", "discord", "console"], limit=1000)
    return sorted((r.platform, r.kind, r.chat_id, r.show) for r in rows)


# -- catalog ---------------------------------------------------------------------------------------
async def test_upsert_show_finds_the_same_show_and_adds_aliases_once(storage: Storage) -> None:
    first = await storage.catalog.upsert_show("Shōgun", ["SHOGUN (FX)"])
    again = await storage.catalog.upsert_show("  shōgun ", ["Shogun (FX)", "将軍"])
    assert first == again
    [show] = await storage.catalog.shows()
    assert show.title == "Shōgun"
    assert sorted(show.aliases) == sorted(["SHOGUN (FX)", "将軍"])
    assert await storage.catalog.show_count() == 1
    assert await storage.catalog.add_alias(first, "Shogun 2024") is True
    assert await storage.catalog.add_alias(first, "shogun  2024") is False
    with pytest.raises(ValueError):
        await storage.catalog.upsert_show("  !! ")


async def test_find_shows_ignores_case_and_diacritics(storage: Storage) -> None:
    shogun = await storage.catalog.upsert_show("Shōgun")
    elite = await storage.catalog.upsert_show("Élite")
    squid = await storage.catalog.upsert_show("Squid Game", ["오징어 게임"])
    await storage.catalog.upsert_show("Squid Game: The Challenge")
    assert [s.id for s in await storage.catalog.find_shows("shogun")] == [shogun]
    assert [s.id for s in await storage.catalog.find_shows("SHŌGUN")] == [shogun]
    assert [s.id for s in await storage.catalog.find_shows("elite")] == [elite]
    assert [s.id for s in await storage.catalog.find_shows("오징어 게임")] == [squid]
    assert [s.id for s in await storage.catalog.find_shows("squid   GAME")] == [squid]
    assert await storage.catalog.find_shows("squid") == []
    assert (await storage.catalog.show_by_id(squid)).aliases == ("오징어 게임",)  # type: ignore[union-attr]
    assert await storage.catalog.show_by_id(9999) is None


async def test_two_shows_sharing_an_alias_are_both_found(storage: Storage) -> None:
    a = await storage.catalog.upsert_show("Kingdom", ["The Kingdom"])
    b = await storage.catalog.upsert_show("Kingdom (2019)", ["The Kingdom"])
    assert sorted(s.id for s in await storage.catalog.find_shows("the kingdom")) == sorted([a, b])


async def test_catalog_version_moves_when_a_show_or_alias_is_added(storage: Storage) -> None:
    v0 = await storage.catalog.catalog_version()
    show = await storage.catalog.upsert_show("Alpha")
    v1 = await storage.catalog.catalog_version()
    await storage.catalog.add_alias(show, "Alpha Show")
    v2 = await storage.catalog.catalog_version()
    assert len({v0, v1, v2}) == 3
    await storage.catalog.upsert_show("alpha")  # nothing new
    assert await storage.catalog.catalog_version() == v2


# -- feeds -----------------------------------------------------------------------------------------
async def test_feeds_add_remove_due_and_failures(storage: Storage) -> None:
    assert await storage.feeds.add_feed("https://a.example/feed", next_poll_at=NOW - 1) is True
    assert await storage.feeds.add_feed("https://a.example/feed") is False
    assert await storage.feeds.add_feed("https://b.example/feed", next_poll_at=NOW + 100) is True
    assert [f.url for f in await storage.feeds.due_feeds(NOW)] == ["https://a.example/feed"]
    assert await storage.feeds.next_feed_due_at() == NOW - 1

    feed = await storage.feeds.feed_by_url("https://a.example/feed")
    assert feed is not None and feed.failures == 0 and feed.last_error is None
    await storage.feeds.record_feed_failure(feed.id, error="HTTP 500 Internal Server Error", next_poll_at=NOW + 60,
                                   now=NOW)
    await storage.feeds.record_feed_failure(feed.id, error="timed out", next_poll_at=NOW + 120, now=NOW)
    failing = await storage.feeds.feed_by_url("https://a.example/feed")
    assert failing is not None
    assert (failing.failures, failing.last_error, failing.next_poll_at) == (2, "timed out", NOW + 120)
    assert (await storage.stats()).failing_feeds == 1
    assert await storage.feeds.due_feeds(NOW) == []

    await storage.feeds.record_feed_success(feed.id, etag='"v1"', last_modified="Fri, 20 Mar 2026 18:42:00 GMT",
                                   title="Feed A", next_poll_at=NOW + 600, now=NOW + 1)
    healthy = await storage.feeds.feed_by_url("https://a.example/feed")
    assert healthy is not None
    assert (healthy.failures, healthy.last_error, healthy.etag, healthy.title) == (0, None, '"v1"', "Feed A")
    assert healthy.last_success_at == NOW + 1

    assert await storage.feeds.remove_feed("https://b.example/feed") is True
    assert await storage.feeds.remove_feed("https://b.example/feed") is False
    assert [f.url for f in await storage.feeds.all()] == ["https://a.example/feed"]


async def test_sync_config_feeds_leaves_moderator_feeds_alone(storage: Storage) -> None:
    await storage.feeds.add_feed("https://mod.example/feed", added_by="telegram:1")
    assert await storage.feeds.sync_config_feeds(["https://a.example/f", "https://b.example/f"], [NOW, NOW]) == (2, 0)
    assert await storage.feeds.sync_config_feeds(["https://b.example/f"], [NOW]) == (0, 1)
    assert sorted(f.url for f in await storage.feeds.all()) == ["https://b.example/f", "https://mod.example/feed"]


# -- items -----------------------------------------------------------------------------------------
def test_dedup_key_prefers_guid_then_link_then_title() -> None:
    assert NewItem("T", guid=" g1 ", link="https://x/1").dedup_key == "guid:g1"
    assert NewItem("T", guid="  ", link="https://x/1").dedup_key == "link:https://x/1"
    by_title = NewItem("Alpha  Renewed").dedup_key
    assert by_title.startswith("title:")
    assert by_title == NewItem(" alpha renewed ").dedup_key
    assert by_title != NewItem("Beta renewed").dedup_key


async def test_insert_items_stores_the_same_item_once(storage: Storage) -> None:
    await storage.feeds.add_feed("https://a.example/feed")
    [feed] = await storage.feeds.all()
    batch = [
        NewItem("Alpha renewed", guid="g-1", link="https://x/1"),
        NewItem("Alpha renewed (updated headline)", guid="g-1", link="https://x/other"),  # same guid
        NewItem("Beta trailer", link="https://x/2"),
        NewItem("Beta trailer again", link="https://x/2"),  # same link, no guid
        NewItem("Gamma casting news"),
        NewItem("  gamma CASTING   news "),  # same title, no guid or link
    ]
    fresh = await storage.items.insert_items(feed.id, batch, NOW)
    assert [i.title for i in fresh] == ["Alpha renewed", "Beta trailer", "Gamma casting news"]
    assert all(i.feed_id == feed.id and i.first_seen_at == NOW for i in fresh)
    assert await storage.items.insert_items(feed.id, batch, NOW + 10) == []
    again = await storage.items.insert_items(None, [NewItem("Alpha renewed", guid="g-1"), NewItem("Delta", guid="g-2")],
                                    NOW + 20)
    assert [i.title for i in again] == ["Delta"]
    assert (await storage.stats()).items == 4


async def test_save_matches_and_latest_for_show(storage: Storage) -> None:
    alpha = await storage.catalog.upsert_show("Alpha")
    beta = await storage.catalog.upsert_show("Beta")
    first = await _story(storage, "Alpha mentioned in passing")
    second = await _story(storage, "Alpha renewed for season 2")
    await storage.items.save_matches(first, [ShowMatch(alpha, "Alpha", Event(0), (), "mention")])
    await storage.items.save_matches(second, [_match(alpha, "Alpha", Event.CASTING), _match(beta, "Beta", Event.TRAILER)])
    await storage.items.save_matches(second, [_match(alpha, "Alpha", Event.RENEWAL)])  # upsert replaces
    news = await storage.items.latest_for_show(alpha)
    assert [n.title for n in news] == ["Alpha renewed for season 2", "Alpha mentioned in passing"]
    assert news[0].events == Event.RENEWAL and news[0].seasons == (2,)
    assert [n.title for n in await storage.items.latest_for_show(alpha, with_events_only=True)] == [
        "Alpha renewed for season 2"]
    assert (await storage.stats()).matched_items == 1


# -- subscriptions ---------------------------------------------------------------------------------
async def test_subscribe_twice_updates_and_unsubscribe_removes(storage: Storage) -> None:
    alpha = await storage.catalog.upsert_show("Alpha")
    assert await storage.audience.subscribe(_sub("u1", alpha, Event.RENEWAL)) is True
    assert await storage.audience.subscribe(_sub("u1", alpha, Event.TRAILER | Event.CASTING)) is False
    [sub] = await storage.audience.subscriptions("telegram", "user", "u1")
    assert (sub.show_id, sub.show, sub.events) == (alpha, "Alpha", Event.TRAILER | Event.CASTING)
    assert await storage.audience.count_subscriptions("telegram", "user", "u1") == 1
    assert await storage.audience.subscriptions("discord", "user", "u1") == []  # platforms are separate

    assert await storage.audience.subscribe(_sub("u1", None)) is True  # every show
    assert await storage.audience.subscribe(_sub("u1", None, Event.RENEWAL)) is False
    subs = await storage.audience.subscriptions("telegram", "user", "u1")
    assert sorted((s.show_id or 0, s.show) for s in subs) == [(0, None), (alpha, "Alpha")]

    assert await storage.audience.unsubscribe("telegram", "user", "u1", alpha) is True
    assert await storage.audience.unsubscribe("telegram", "user", "u1", alpha) is False
    assert [s.show_id for s in await storage.audience.subscriptions("telegram", "user", "u1")] == [None]
    assert await storage.audience.unsubscribe("telegram", "user", "u1", None) is True
    assert await storage.audience.count_subscriptions("telegram", "user", "u1") == 0


async def test_channel_subscriptions_are_listed_per_guild(storage: Storage) -> None:
    alpha = await storage.catalog.upsert_show("Alpha")
    await storage.audience.subscribe(SubscriptionRecord("discord", "channel", "c1", alpha, ALL, guild_id="g1",
                                            role_id="42"))
    await storage.audience.subscribe(_sub("c9", alpha, platform="discord", kind="channel", guild="g2"))
    [sub] = await storage.audience.subscriptions_in_guild("discord", "g1")
    assert (sub.chat_id, sub.role_id, sub.show) == ("c1", "42", "Alpha")


# -- fan-out ---------------------------------------------------------------------------------------
async def test_enqueue_for_match_reaches_exactly_the_right_recipients(storage: Storage) -> None:
    alpha = await storage.catalog.upsert_show("Alpha")
    beta = await storage.catalog.upsert_show("Beta")
    await storage.audience.subscribe(_sub("renewal-fan", alpha, Event.RENEWAL))
    await storage.audience.subscribe(_sub("trailer-fan", alpha, Event.TRAILER))  # wrong event
    await storage.audience.subscribe(_sub("beta-fan", beta))
    await storage.audience.subscribe(_sub("both-fan", alpha))
    await storage.audience.subscribe(_sub("both-fan", beta))
    await storage.audience.subscribe(_sub("everything-fan", None))
    await storage.audience.subscribe(_sub("paused-fan", alpha))
    await storage.audience.pause_chat("telegram", "paused-fan", "Forbidden: bot was blocked by the user")
    await storage.audience.subscribe(_sub("c-muted", alpha, platform="discord", kind="channel", guild="g1"))
    await storage.audience.subscribe(_sub("c-open", alpha, platform="discord", kind="channel", guild="g2"))
    assert await storage.audience.mute("discord", "g1", alpha) is True
    assert await storage.audience.mute("discord", "g1", alpha) is False
    assert await storage.audience.muted_shows("discord", "g1") == ["Alpha"]

    item = await _story(storage)
    alpha_match = _match(alpha, "Alpha", Event.RENEWAL)
    beta_match = _match(beta, "Beta", Event.RENEWAL)
    await storage.items.save_matches(item, [alpha_match, beta_match])
    expected_alpha = {("telegram", "user", "renewal-fan"), ("telegram", "user", "both-fan"),
                      ("telegram", "user", "everything-fan"), ("discord", "channel", "c-open")}
    assert set(await storage.audience.recipients_for(alpha, Event.RENEWAL)) == expected_alpha
    assert await storage.outbox.enqueue_for_match(item, alpha_match, NOW) == 5  # paused-fan's is held
    # both-fan and everything-fan already have this story: only beta-fan is new
    assert await storage.outbox.enqueue_for_match(item, beta_match, NOW) == 1
    assert await storage.outbox.enqueue_for_match(item, alpha_match, NOW) == 0
    assert await storage.outbox.enqueue_for_match(item, ShowMatch(alpha, "Alpha", Event(0)), NOW) == 0

    rows = await _pending(storage)
    assert [(p, k, c) for p, k, c, _s in rows] == sorted([*expected_alpha, ("telegram", "user", "beta-fan")])
    assert await storage.outbox.outbox_counts() == {"pending": 5, "held": 1}
    both = [r for r in rows if r[2] == "both-fan"]
    assert len(both) == 1

    assert await storage.audience.unmute("discord", "g1", alpha) is True
    other = await _story(storage, "Alpha renewed for season 3")
    await storage.items.save_matches(other, [alpha_match])
    assert await storage.outbox.enqueue_for_match(other, alpha_match, NOW) == 6  # the muted channel is back

    # the paused chat gets what it held, and only now, once it is resumed
    assert await storage.audience.resume_chat("telegram", "paused-fan") is True
    assert [r for r in await _pending(storage) if r[2] == "paused-fan"] == [
        ("telegram", "user", "paused-fan", "Alpha")] * 2


async def test_a_chats_own_subscription_to_a_show_decides_over_its_every_show_one(storage: Storage) -> None:
    """A per-show filter wins over "every show" (issue 12): Squid Game limited to renewal and trailer
    gets no release date though every show is followed; events 0 for a show is "every show but this"."""
    squid = await storage.catalog.upsert_show("Squid Game")
    fallout = await storage.catalog.upsert_show("Fallout")
    silo = await storage.catalog.upsert_show("Silo")
    await storage.audience.subscribe(_sub("fan", None))  # every show, every event
    await storage.audience.subscribe(_sub("fan", squid, Event.RENEWAL | Event.TRAILER))
    await storage.audience.subscribe(_sub("fan", fallout, Event(0)))  # every show but Fallout
    await storage.audience.subscribe(_sub("other", None, Event.RELEASE_DATE))
    dated = {show: _match(show, name, Event.RELEASE_DATE) for show, name in
             ((squid, "Squid Game"), (fallout, "Fallout"), (silo, "Silo"))}

    assert set(await storage.audience.recipients_for(squid, Event.RELEASE_DATE)) == {("telegram", "user", "other")}
    assert set(await storage.audience.recipients_for(squid, Event.RENEWAL)) == {("telegram", "user", "fan")}
    assert set(await storage.audience.recipients_for(fallout, Event.all())) == {("telegram", "user", "other")}
    assert {c for _p, _k, c in await storage.audience.recipients_for(silo, Event.RELEASE_DATE)} == {"fan", "other"}

    one = await _story(storage, "Squid Game season 3 release date")
    await storage.items.save_matches(one, [dated[squid]])
    assert await storage.outbox.enqueue_for_match(one, dated[squid], NOW) == 1  # "other" only
    many = [(await _story(storage, f"{name} dated"), match) for name, match in
            (("Squid Game", dated[squid]), ("Fallout", dated[fallout]), ("Silo", dated[silo]))]
    for item, match in many:
        await storage.items.save_matches(item, [match])
    assert await storage.outbox.enqueue_matches(many, NOW) == 4  # other x3, fan for Silo only
    rows = await _pending(storage)
    assert sorted((c, s) for _p, _k, c, s in rows if c == "fan") == [("fan", "Silo")]


async def test_the_reason_of_a_match_is_kept_for_why(storage: Storage) -> None:
    alpha = await storage.catalog.upsert_show("Alpha")
    item = await _story(storage)
    await storage.items.save_matches(item, [ShowMatch(alpha, "Alpha", Event.RENEWAL, (2,), '"Alpha"; renewal')])
    assert await storage.items.match_reason(item, "Alpha") == '"Alpha"; renewal'
    assert await storage.items.match_reason(item, "Beta") is None
    assert await storage.items.match_reason(item + 1000, "Alpha") is None


# -- outbox ----------------------------------------------------------------------------------------
async def _two_pending(storage: Storage) -> tuple[int, int]:
    alpha = await storage.catalog.upsert_show("Alpha")
    await storage.audience.subscribe(_sub("u1", alpha))
    await storage.audience.subscribe(_sub("u2", alpha, platform="discord"))
    await storage.feeds.add_feed("https://a.example/feed")
    [feed] = await storage.feeds.all()
    await storage.feeds.record_feed_success(feed.id, etag=None, last_modified=None, title="Feed A", next_poll_at=NOW,
                                   now=NOW)
    item = await _story(storage, feed_id=feed.id)
    match = _match(alpha, "Alpha", Event.RENEWAL)
    await storage.items.save_matches(item, [match])
    await storage.outbox.enqueue_for_match(item, match, NOW)
    rows = await storage.outbox.pending_outbox(now=NOW, platforms=["telegram", "discord"])
    by_platform = {r.platform: r.id for r in rows}
    return by_platform["telegram"], by_platform["discord"]


async def test_pending_outbox_and_mark_sent_retry_failed(storage: Storage) -> None:
    tg, dc = await _two_pending(storage)
    [entry] = await storage.outbox.pending_outbox(now=NOW, platforms=["telegram"])
    assert (entry.chat_id, entry.show, entry.title, entry.events, entry.seasons, entry.source) == (
        "u1", "Alpha", "Alpha renewed for season 2", Event.RENEWAL, (2,), "Feed A")
    assert entry.attempts == 0
    assert await storage.outbox.pending_outbox(now=NOW, platforms=[]) == []

    await storage.outbox.mark_retry(tg, error="HTTP 502", next_attempt_at=NOW + 30)
    assert await storage.outbox.pending_outbox(now=NOW, platforms=["telegram"]) == []
    [later] = await storage.outbox.pending_outbox(now=NOW + 30, platforms=["telegram"])
    assert later.attempts == 1
    assert await storage.outbox.next_outbox_due_at(["telegram"]) == NOW + 30

    await storage.outbox.mark_sent(tg, NOW + 31)
    await storage.outbox.mark_failed(dc, error="Bad Request: message is too long")
    assert await storage.outbox.pending_outbox(now=NOW + 1000, platforms=["telegram", "discord"]) == []
    assert await storage.outbox.outbox_counts() == {"sent": 1, "failed": 1}
    assert await storage.outbox.next_outbox_due_at(["telegram", "discord"]) is None


async def test_pause_chat_holds_pending_rows_and_resume_releases_them(storage: Storage) -> None:
    tg, _dc = await _two_pending(storage)
    await storage.outbox.mark_retry(tg, error="HTTP 502", next_attempt_at=NOW + 500)
    await storage.audience.pause_chat("telegram", "u1", "Forbidden: bot was blocked by the user")
    assert await storage.outbox.pending_outbox(now=NOW + 1000, platforms=["telegram"]) == []
    stats = await storage.stats()
    assert (stats.held, stats.pending, stats.paused_chats) == (1, 1, 1)
    [(platform, chat, reason, _at)] = await storage.audience.paused_chats("telegram")
    assert (platform, chat, reason) == ("telegram", "u1", "Forbidden: bot was blocked by the user")
    assert await storage.audience.paused_chats("discord") == []

    assert await storage.audience.resume_chat("telegram", "u1") is True
    [released] = await storage.outbox.pending_outbox(now=NOW, platforms=["telegram"])  # due right away
    assert released.id == tg
    assert await storage.audience.resume_chat("telegram", "u1") is False
    assert (await storage.stats()).held == 0


async def test_stats_counts_everything(storage: Storage) -> None:
    empty = await storage.stats()
    assert all(getattr(empty, f) == 0 for f in empty.__dataclass_fields__)
    tg, _dc = await _two_pending(storage)
    await storage.audience.subscribe(_sub("u1", None))
    await storage.outbox.mark_sent(tg, NOW)
    stats = await storage.stats()
    assert (stats.shows, stats.feeds, stats.failing_feeds, stats.items, stats.matched_items) == (1, 1, 0, 1, 1)
    assert (stats.subscriptions, stats.subscribers, stats.paused_chats) == (3, 2, 0)
    assert (stats.sent, stats.pending, stats.failed, stats.held) == (1, 1, 0, 0)


async def test_prune_outbox_forgets_old_deliveries_but_never_pending_ones(storage: Storage) -> None:
    show = await storage.catalog.upsert_show("Silo")
    await storage.audience.subscribe(SubscriptionRecord("console", "user", "a", show, Event.all()))
    await storage.audience.subscribe(SubscriptionRecord("console", "user", "b", show, Event.all()))
    [item] = await storage.items.insert_items(None, [NewItem("Silo season 3 renewed", guid="s3")], now=100.0)
    match = ShowMatch(show, "Silo", Event.RENEWAL, (3,))
    await storage.items.save_matches(item.id, [match])
    assert await storage.outbox.enqueue_for_match(item.id, match, now=100.0) == 2
    rows = await storage.outbox.pending_outbox(now=200.0, platforms=["console"])
    await storage.outbox.mark_sent(rows[0].id, 150.0)
    assert await storage.outbox.prune_outbox(older_than=50.0) == 0  # nothing that old
    assert await storage.outbox.prune_outbox(older_than=1000.0) == 1  # the sent row; the pending one stays
    assert await storage.outbox.outbox_counts() == {"pending": 1}
    # the story is still known: fanning it out again adds nothing for the recipient who has it pending
    assert await storage.items.insert_items(None, [NewItem("Silo season 3 renewed", guid="s3")], now=2000.0) == []


# -- dedup beyond the guid -------------------------------------------------------------------------
async def test_an_item_whose_guid_changes_is_still_the_same_item(storage: Storage) -> None:
    await storage.feeds.add_feed("https://a.example/feed")
    await storage.feeds.add_feed("https://b.example/feed")
    a, b = [f.id for f in await storage.feeds.all()]
    first = NewItem("Alpha renewed for season 2", guid="cms-1", link="https://a.example/news/alpha-renewed")
    assert len(await storage.items.insert_items(a, [first], NOW)) == 1
    regenerated = [
        # same link (give or take scheme, www, tracking parameters, a fragment) and headline, new guid
        NewItem("Alpha renewed for season 2", guid="cms-2", link="https://a.example/news/alpha-renewed"),
        NewItem("Alpha  renewed for Season 2", guid="cms-3",
                link="http://www.a.example/news/alpha-renewed/?utm_source=rss#comments"),
        # same headline in the same feed, new guid and link
        NewItem("Alpha renewed for season 2", guid="cms-4", link="https://a.example/p/123"),
    ]
    assert await storage.items.unseen(a, regenerated, NOW + 60) == []
    assert await storage.items.insert_items(a, regenerated, NOW + 60) == []
    # the same headline elsewhere is another outlet's report; a changed headline at one link is new
    assert len(await storage.items.insert_items(
        b, [NewItem("Alpha renewed for season 2", guid="other-1", link="https://b.example/alpha")], NOW)) == 1
    assert len(await storage.items.insert_items(
        a, [NewItem("Alpha renewal: the cast reacts", guid="cms-5", link="https://a.example/news/alpha-renewed")],
        NOW)) == 1
    assert (await storage.stats()).items == 3


async def test_a_headline_a_feed_repeats_a_month_later_is_news(storage: Storage) -> None:
    await storage.feeds.add_feed("https://a.example/feed")
    [feed] = await storage.feeds.all()
    first = NewItem("Renewed and cancelled: the full list", guid="p-1", link="https://a.example/p/1")
    assert len(await storage.items.insert_items(feed.id, [first], NOW)) == 1
    week_later = NewItem("Renewed and cancelled: the full list", guid="p-2", link="https://a.example/p/2")
    assert await storage.items.insert_items(feed.id, [week_later], NOW + 7 * 86400) == []
    month_later = NewItem("Renewed and cancelled: the full list", guid="p-3", link="https://a.example/p/3")
    assert len(await storage.items.unseen(feed.id, [month_later], NOW + 31 * 86400)) == 1
    assert len(await storage.items.insert_items(feed.id, [month_later], NOW + 31 * 86400)) == 1
    # and from then on, that one is the headline's item
    again = NewItem("Renewed and cancelled: the full list", guid="p-4", link="https://a.example/p/4")
    assert await storage.items.insert_items(feed.id, [again], NOW + 32 * 86400) == []


async def test_a_feed_that_gives_every_item_one_link_loses_nothing(storage: Storage) -> None:
    await storage.feeds.add_feed("https://a.example/feed")
    [feed] = await storage.feeds.all()
    items = [NewItem(f"Story number {n}", guid=f"g{n}", link="https://a.example/") for n in range(5)]
    assert [i.title for i in await storage.items.unseen(feed.id, items, NOW)] == [i.title for i in items]
    assert len(await storage.items.insert_items(feed.id, items, NOW)) == 5


async def test_unseen_skips_known_items_and_repeats_within_one_batch(storage: Storage) -> None:
    await storage.feeds.add_feed("https://a.example/feed")
    [feed] = await storage.feeds.all()
    await storage.items.insert_items(feed.id, [NewItem("Known", guid="k")], NOW)
    batch = [NewItem("Known", guid="k"), NewItem("New", guid="n1"), NewItem("New", guid="n2"), NewItem("Other")]
    assert [(i.title, i.guid) for i in await storage.items.unseen(feed.id, batch, NOW)] == [
        ("New", "n1"), ("Other", None)]


# -- configured feeds a moderator removed ---------------------------------------------------------
async def test_a_removed_configured_feed_stays_removed(storage: Storage) -> None:
    urls = ["https://a.example/f", "https://b.example/f"]
    assert await storage.feeds.sync_config_feeds(urls, [NOW, NOW]) == (2, 0)
    assert await storage.feeds.remove_feed("https://a.example/f", removed_by="telegram:1") is True
    assert await storage.feeds.sync_config_feeds(urls, [NOW, NOW]) == (0, 0)  # the next start
    assert [f.url for f in await storage.feeds.all()] == ["https://b.example/f"]

    assert await storage.feeds.add_feed("https://a.example/f", added_by="telegram:1") is True  # a moderator's choice
    assert await storage.feeds.sync_config_feeds(urls, [NOW, NOW]) == (0, 0)
    assert sorted(f.url for f in await storage.feeds.all()) == urls

    # a moderator-added feed removed is simply gone; a configured one taken out of the config and put
    # back later is configured afresh
    assert await storage.feeds.remove_feed("https://a.example/f") is True
    assert await storage.feeds.sync_config_feeds(urls, [NOW, NOW]) == (1, 0)
    await storage.feeds.remove_feed("https://a.example/f")
    assert await storage.feeds.sync_config_feeds(["https://b.example/f"], [NOW]) == (0, 0)
    assert await storage.feeds.sync_config_feeds(urls, [NOW, NOW]) == (1, 0)


# -- meta ------------------------------------------------------------------------------------------
async def test_meta_keeps_one_value_per_key(storage: Storage) -> None:
    assert await storage.meta.get_meta("console_default") is None
    await storage.meta.set_meta("console_default", "a")
    await storage.meta.set_meta("console_default", "b")
    assert await storage.meta.get_meta("console_default") == "b"


# -- the unit of work and what reads see -----------------------------------------------------------
async def _one_story_for_u1(storage: Storage) -> tuple[int, ShowMatch]:
    alpha = await storage.catalog.upsert_show("Alpha")
    await storage.audience.subscribe(_sub("u1", alpha))
    item = await _story(storage)
    match = _match(alpha, "Alpha", Event.RENEWAL)
    await storage.items.save_matches(item, [match])
    return item, match


async def test_a_read_never_sees_another_tasks_uncommitted_outbox_rows(storage: Storage) -> None:
    item, match = await _one_story_for_u1(storage)
    queued, release = asyncio.Event(), asyncio.Event()

    async def fan_out_then_fail() -> None:
        async with storage.transaction():
            assert await storage.outbox.enqueue_for_match(item, match, NOW) == 1
            queued.set()
            await release.wait()
            raise RuntimeError("disk full")

    writer = asyncio.create_task(fan_out_then_fail())
    await queued.wait()
    # what delivery would read meanwhile: nothing (the row is not committed, and will be rolled back)
    assert await storage.outbox.pending_outbox(now=NOW, platforms=["telegram"]) == []
    assert await storage.outbox.next_outbox_due_at(["telegram"]) is None
    assert await storage.outbox.outbox_counts() == {}
    release.set()
    with pytest.raises(RuntimeError):
        await writer
    assert await storage.outbox.pending_outbox(now=NOW, platforms=["telegram"]) == []
    # committed, it is there for everyone
    assert await storage.outbox.enqueue_for_match(item, match, NOW) == 1
    assert len(await storage.outbox.pending_outbox(now=NOW, platforms=["telegram"])) == 1


async def test_inside_a_unit_of_work_reads_see_its_own_writes(storage: Storage) -> None:
    async with storage.transaction():
        await storage.feeds.add_feed("https://a.example/feed")
        assert [f.url for f in await storage.feeds.all()] == ["https://a.example/feed"]
        show = await storage.catalog.upsert_show("Alpha")
        assert (await storage.catalog.show_by_id(show)) is not None


async def test_a_unit_of_work_rolls_back_every_aggregate_together(storage: Storage) -> None:
    alpha = await storage.catalog.upsert_show("Alpha")
    await storage.audience.subscribe(_sub("u1", alpha))
    await storage.feeds.add_feed("https://a.example/feed")
    [feed] = await storage.feeds.all()
    match = _match(alpha, "Alpha", Event.RENEWAL)
    item = NewItem("Alpha renewed for season 2", guid="a-2")
    with pytest.raises(RuntimeError):
        async with storage.transaction():  # what the poller does with one feed's news
            fresh, queued = await storage.items.store_new_items(feed.id, [item], {item.dedup_key: [match]}, NOW)
            assert (len(fresh), queued) == (1, 1)
            await storage.feeds.record_feed_success(feed.id, etag='"x"', last_modified=None, title="A",
                                                    next_poll_at=NOW + 600, now=NOW)
            raise RuntimeError("crash before commit")
    assert (await storage.stats()).items == 0
    assert await storage.outbox.outbox_counts() == {}
    [unchanged] = await storage.feeds.all()
    assert (unchanged.etag, unchanged.last_success_at) == (None, None)
    # and nothing is marked seen: the same news is stored and fanned out on the next try
    fresh, queued = await storage.items.store_new_items(feed.id, [item], {item.dedup_key: [match]}, NOW)
    assert (len(fresh), queued) == (1, 1)


async def test_writes_of_two_tasks_never_mix(storage: Storage) -> None:
    """One task's failed unit of work takes none of another task's writes with it."""
    started = asyncio.Event()

    async def doomed() -> None:
        async with storage.transaction():
            await storage.feeds.add_feed("https://doomed.example/feed")
            started.set()
            await asyncio.sleep(0.05)
            raise RuntimeError("boom")

    task = asyncio.create_task(doomed())
    await started.wait()
    await storage.feeds.add_feed("https://kept.example/feed")  # waits for the other unit of work to end
    with pytest.raises(RuntimeError):
        await task
    assert [f.url for f in await storage.feeds.all()] == ["https://kept.example/feed"]


async def test_migrate_is_idempotent_and_reports_the_version(storage: Storage) -> None:
    version = await storage.schema_version()
    assert version >= 1
    assert await storage.migrate() == version
    assert await storage.schema_version() == version


# -- several workers: feed leases, chat claims, send slots, leadership ---------------------------------
async def test_a_due_feed_is_leased_to_one_worker_until_its_poll_is_recorded(storage: Storage) -> None:
    for n in range(3):
        await storage.feeds.add_feed(f"https://f{n}.example/feed", next_poll_at=NOW - 10 + n)
    await storage.feeds.add_feed("https://later.example/feed", next_poll_at=NOW + 500)
    first = await storage.feeds.claim_due_feeds(NOW, worker="w1", lease=300, limit=2)
    assert [f.url for f in first] == ["https://f0.example/feed", "https://f1.example/feed"]
    second = await storage.feeds.claim_due_feeds(NOW, worker="w2", lease=300)
    assert [f.url for f in second] == ["https://f2.example/feed"]  # never a feed w1 holds
    assert await storage.feeds.claim_due_feeds(NOW, worker="w3", lease=300) == []
    # held feeds are not "due" for the schedule either: the next one frees when a lease ends
    assert await storage.feeds.next_feed_due_at() == NOW + 300

    f0, f1 = first
    await storage.feeds.record_feed_success(f0.id, etag=None, last_modified=None, title=None, next_poll_at=NOW + 600,
                                            now=NOW)
    await storage.feeds.record_feed_failure(f1.id, error="HTTP 500", next_poll_at=NOW - 1, now=NOW)  # due again
    assert [f.id for f in await storage.feeds.claim_due_feeds(NOW, worker="w3", lease=300)] == [f1.id]


async def test_a_dead_workers_feed_lease_expires_and_another_takes_it(storage: Storage) -> None:
    await storage.feeds.add_feed("https://a.example/feed", next_poll_at=NOW - 1)
    [feed] = await storage.feeds.claim_due_feeds(NOW, worker="dead", lease=120)
    assert await storage.feeds.claim_due_feeds(NOW + 119, worker="alive", lease=120) == []
    assert [f.id for f in await storage.feeds.claim_due_feeds(NOW + 120, worker="alive", lease=120)] == [feed.id]


async def test_released_feeds_are_due_for_anyone_again(storage: Storage) -> None:
    for n in range(2):
        await storage.feeds.add_feed(f"https://f{n}.example/feed", next_poll_at=NOW - 1)
    f0, f1 = await storage.feeds.claim_due_feeds(NOW, worker="w1", lease=300)
    await storage.feeds.release_feeds("w1", [f0.id])
    assert [f.id for f in await storage.feeds.claim_due_feeds(NOW, worker="w2", lease=300)] == [f0.id]
    await storage.feeds.release_feeds("w1")
    assert [f.id for f in await storage.feeds.claim_due_feeds(NOW, worker="w3", lease=300)] == [f1.id]


async def _stories_for(storage: Storage, chats: list[str], stories: int) -> None:
    alpha = await storage.catalog.upsert_show("Alpha")
    for chat in chats:
        await storage.audience.subscribe(_sub(chat, alpha))
    for n in range(stories):
        item = await _story(storage, f"Alpha news {n}")
        match = _match(alpha, "Alpha", Event.RENEWAL)
        await storage.items.save_matches(item, [match])
        await storage.outbox.enqueue_for_match(item, match, NOW)


async def test_each_chat_is_claimed_by_one_worker_with_all_its_rows_in_order(storage: Storage) -> None:
    await _stories_for(storage, ["u1", "u2", "u3"], stories=3)
    # w1 asks for 3 rows: it claims the chat with the oldest row, whose 3 rows fill its batch
    w1 = await storage.outbox.claim_outbox(now=NOW, platforms=["telegram"], worker="w1", lease=60, limit=3)
    w2 = await storage.outbox.claim_outbox(now=NOW, platforms=["telegram"], worker="w2", lease=60)
    chats1, chats2 = {r.chat_id for r in w1}, {r.chat_id for r in w2}
    assert len(chats1) == 1 and not chats1 & chats2 and chats1 | chats2 == {"u1", "u2", "u3"}
    for rows in (w1, w2):  # every claimed chat's rows, oldest first
        for chat in {r.chat_id for r in rows}:
            ids = [r.id for r in rows if r.chat_id == chat]
            assert len(ids) == 3 and ids == sorted(ids)
    assert await storage.outbox.claim_outbox(now=NOW, platforms=["telegram"], worker="w3", lease=60) == []
    # the same worker asking again keeps what it holds
    again = await storage.outbox.claim_outbox(now=NOW + 1, platforms=["telegram"], worker="w1", lease=60)
    assert {r.chat_id for r in again} == chats1


async def test_a_dead_workers_chats_are_taken_over_when_the_claim_ends(storage: Storage) -> None:
    await _stories_for(storage, ["u1"], stories=2)
    held = await storage.outbox.claim_outbox(now=NOW, platforms=["telegram"], worker="dead", lease=60)
    await storage.outbox.mark_sent(held[0].id, NOW)  # it sent one, then died
    assert await storage.outbox.claim_outbox(now=NOW + 59, platforms=["telegram"], worker="alive", lease=60) == []
    rest = await storage.outbox.claim_outbox(now=NOW + 60, platforms=["telegram"], worker="alive", lease=60)
    assert [r.id for r in rest] == [held[1].id]


async def test_a_released_chat_waits_out_its_cooldown_for_others(storage: Storage) -> None:
    await _stories_for(storage, ["u1"], stories=1)
    [row] = await storage.outbox.claim_outbox(now=NOW, platforms=["telegram"], worker="w1", lease=60)
    await storage.outbox.release_outbox(worker="w1", now=NOW, cooldown=3.0)
    assert await storage.outbox.claim_outbox(now=NOW + 2, platforms=["telegram"], worker="w2", lease=60) == []
    assert [r.id for r in await storage.outbox.claim_outbox(now=NOW + 3, platforms=["telegram"], worker="w2",
                                                            lease=60)] == [row.id]


async def test_claims_follow_the_retry_order_of_a_chat(storage: Storage) -> None:
    await _stories_for(storage, ["u1"], stories=2)
    first, second = await storage.outbox.claim_outbox(now=NOW, platforms=["telegram"], worker="w1", lease=60)
    await storage.outbox.mark_retry(first.id, error="HTTP 502", next_attempt_at=NOW + 30)
    await storage.outbox.release_outbox(worker="w1", now=NOW)
    # the chat's later row never overtakes the one waiting for its retry, whoever claims
    assert await storage.outbox.claim_outbox(now=NOW + 1, platforms=["telegram"], worker="w2", lease=60) == []
    later = await storage.outbox.claim_outbox(now=NOW + 30, platforms=["telegram"], worker="w2", lease=60)
    assert [r.id for r in later] == [first.id, second.id]


async def test_claiming_at_once_never_hands_a_chat_to_two_workers(storage: Storage) -> None:
    await _stories_for(storage, [f"u{n}" for n in range(20)], stories=2)
    claims = await asyncio.gather(*(
        storage.outbox.claim_outbox(now=NOW, platforms=["telegram"], worker=f"w{n}", lease=60, limit=5)
        for n in range(6)))
    owners: dict[str, int] = {}
    for worker, rows in enumerate(claims):
        for chat in {r.chat_id for r in rows}:
            assert owners.setdefault(chat, worker) == worker, f"{chat} claimed twice"
    assert sum(len(rows) for rows in claims) <= 40


async def test_send_slots_are_spaced_across_every_caller(storage: Storage) -> None:
    delays = [await storage.coordination.reserve_slot("send:test", interval=0.05) for _ in range(5)]
    assert delays[0] < 0.02
    for earlier, later in itertools.pairwise(delays):
        assert later - earlier == pytest.approx(0.05, abs=0.02)  # each slot one interval after the last
    other = await storage.coordination.reserve_slot("send:other", interval=0.05)
    assert other < 0.02  # keys are independent


async def test_one_leader_per_role(storage: Storage) -> None:
    assert await storage.coordination.try_lead("telegram-updates")
    assert await storage.coordination.still_leading("telegram-updates")
    assert await storage.coordination.try_lead("telegram-updates")  # asking again while leading: still yes
    await storage.coordination.release_lead("telegram-updates")
    assert not await storage.coordination.still_leading("telegram-updates")


async def test_a_worker_keeps_its_chats_while_it_renews_their_claims(storage: Storage) -> None:
    await _stories_for(storage, ["u1"], stories=1)
    [row] = await storage.outbox.claim_outbox(now=NOW, platforms=["telegram"], worker="w1", lease=60)
    await storage.outbox.renew_outbox_claims(worker="w1", now=NOW + 50, lease=60)
    assert await storage.outbox.claim_outbox(now=NOW + 100, platforms=["telegram"], worker="w2", lease=60) == []
    assert [r.id for r in await storage.outbox.claim_outbox(now=NOW + 110, platforms=["telegram"], worker="w2",
                                                            lease=60)] == [row.id]
    await storage.outbox.renew_outbox_claims(worker="w1", now=NOW + 111, lease=60)  # too late: w2 has it now
    assert await storage.outbox.claim_outbox(now=NOW + 112, platforms=["telegram"], worker="w1", lease=60) == []


# -- preferences -------------------------------------------------------------------------------------
async def test_each_chat_keeps_its_own_language_and_time_zone(storage: Storage) -> None:
    prefs = storage.preferences
    assert (await prefs.preferences("telegram", "1")).language is None
    await prefs.set_language("telegram", "1", "ko")
    await prefs.set_timezone("telegram", "1", "Asia/Seoul")
    await prefs.set_language("discord", "1", "es")
    assert await prefs.preferences("telegram", "1") == ChatPreferences("ko", "Asia/Seoul")
    assert await prefs.preferences("discord", "1") == ChatPreferences("es", None)
    await prefs.set_language("telegram", "1", None)  # back to the platform's language; the zone stays
    assert await prefs.preferences("telegram", "1") == ChatPreferences(None, "Asia/Seoul")
    await prefs.set_platform_language("telegram", "1", "es")
    assert await prefs.preferences("telegram", "1") == ChatPreferences(None, "Asia/Seoul", "es")
    # a group that becomes a supergroup keeps its choices
    await prefs.set_language("telegram", "-100", "es")
    await storage.audience.migrate_chat("telegram", "-100", "-100999")
    assert (await prefs.preferences("telegram", "-100999")).language == "es"
    assert (await prefs.preferences("telegram", "-100")).language is None


# -- TVmaze ids ----------------------------------------------------------------------------------------
async def test_a_tvmaze_id_is_a_stable_show_id(storage: Storage) -> None:
    catalog = storage.catalog
    squid = await catalog.upsert_show("Squid Game", ["오징어 게임"], tvmaze_id=43687)
    assert (await catalog.show_by_tvmaze(43687)) == CatalogShow(squid, "Squid Game", ("오징어 게임",), 43687)
    # the same TVmaze show again, under another title: the same catalog show, new names added
    assert await catalog.upsert_show("Squid Game (2021)", ["El juego del calamar"], tvmaze_id=43687) == squid
    assert set((await catalog.show_by_id(squid)).aliases) == {"오징어 게임", "El juego del calamar"}  # type: ignore[union-attr]
    # a show already in the catalog by title takes the id; a title taken by another TVmaze show is refused
    silo = await catalog.upsert_show("Silo")
    assert await catalog.upsert_show("Silo", tvmaze_id=44778) == silo
    assert (await catalog.show_by_id(silo)).tvmaze_id == 44778  # type: ignore[union-attr]
    with pytest.raises(ShowConflict):
        await catalog.upsert_show("Silo", tvmaze_id=1)
    assert await catalog.show_by_tvmaze(1) is None
    assert {s.title: s.tvmaze_id for s in await catalog.shows()} == {"Squid Game": 43687, "Silo": 44778}


# -- delivery options -----------------------------------------------------------------------------------
async def test_each_subscription_keeps_how_its_news_is_delivered(storage: Storage) -> None:
    audience = storage.audience
    squid = await storage.catalog.upsert_show("Squid Game")
    silo = await storage.catalog.upsert_show("Silo")
    await audience.subscribe(_sub("fan", None))
    await audience.subscribe(_sub("fan", squid, Event.RENEWAL | Event.TRAILER))
    assert await audience.options_for("telegram", "user", "fan", squid) == DeliveryOptions()
    quiet = DeliveryOptions(ping=Event.RENEWAL, digest=Digest.WEEKLY, digest_hour=18, digest_weekday=6,
                            quiet_start=23 * 60, quiet_end=7 * 60 + 30)
    assert await audience.set_options("telegram", "user", "fan", squid, quiet)
    assert await audience.set_options("telegram", "user", "fan", None, DeliveryOptions(ping=Event(0)))
    assert not await audience.set_options("telegram", "user", "nobody", squid, quiet)
    assert await audience.options_for("telegram", "user", "fan", squid) == quiet  # its own subscription's
    assert await audience.options_for("telegram", "user", "fan", silo) == DeliveryOptions(ping=Event(0))
    assert await audience.options_for("telegram", "user", "other", silo) is None
    # updating the events keeps the options; the listing carries them
    await audience.subscribe(_sub("fan", squid, Event.all()))
    subs = {s.show_id: s for s in await audience.subscriptions("telegram", "user", "fan")}
    assert subs[squid].options == quiet and subs[squid].events == Event.all()
    # a new channel subscription starts with the options it carries (a forum topic)
    topic = DeliveryOptions(thread_id="77")
    await audience.subscribe(SubscriptionRecord("telegram", "channel", "-100", silo, Event.all(), guild_id="-100",
                                                options=topic))
    assert await audience.options_for("telegram", "channel", "-100", silo) == topic
    assert quiet.pings(Event.RENEWAL | Event.CASTING) and not quiet.pings(Event.CASTING) and quiet.has_quiet_hours

