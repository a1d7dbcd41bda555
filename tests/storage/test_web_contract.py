"""The storage contract of the web side (panel sign-in, calendar tokens, panel views, WebSub
subscriptions). Runs once per backend (see conftest.py)."""

from __future__ import annotations

import asyncio
from dataclasses import replace

from feeds.model import Event, NewItem, ShowMatch
from storage.ports import Storage
from storage.records import PanelGrant, PushState, PushSubscription, SubscriptionRecord

NOW = 1_800_000_000.0
GRANT = PanelGrant("discord", "5", "c1", group=True, guild_id="g1", chat_admin=True, name="Mod", chat_title="Fans")


# -- sign-in ---------------------------------------------------------------------------------------
async def test_a_link_is_redeemed_once_even_when_raced(storage: Storage) -> None:
    await storage.panel.save_login_link("h" * 64, GRANT, expires_at=NOW + 600, now=NOW)
    results = await asyncio.gather(*(storage.panel.redeem_login_link("h" * 64, now=NOW + 1) for _ in range(8)))
    assert [r for r in results if r is not None] == [GRANT]
    assert await storage.panel.redeem_login_link("h" * 64, now=NOW + 2) is None


async def test_an_expired_or_unknown_link_is_not_redeemed(storage: Storage) -> None:
    await storage.panel.save_login_link("a" * 64, GRANT, expires_at=NOW + 600, now=NOW)
    assert await storage.panel.redeem_login_link("a" * 64, now=NOW + 600) is None
    assert await storage.panel.redeem_login_link("b" * 64, now=NOW) is None


async def test_sessions_live_until_they_expire_or_end(storage: Storage) -> None:
    await storage.panel.save_panel_session("s" * 64, GRANT, expires_at=NOW + 100, now=NOW)
    session = await storage.panel.panel_session("s" * 64, now=NOW + 99)
    assert session is not None and session.grant == GRANT and session.expires_at == NOW + 100
    assert await storage.panel.panel_session("s" * 64, now=NOW + 100) is None
    await storage.panel.save_panel_session("t" * 64, GRANT, expires_at=NOW + 100, now=NOW)
    assert await storage.panel.end_panel_session("t" * 64, now=NOW + 1)
    assert not await storage.panel.end_panel_session("t" * 64, now=NOW + 2)
    assert await storage.panel.panel_session("t" * 64, now=NOW + 3) is None


async def test_prune_forgets_spent_and_expired_sign_ins(storage: Storage) -> None:
    await storage.panel.save_login_link("a" * 64, GRANT, expires_at=NOW + 600, now=NOW)
    await storage.panel.save_login_link("b" * 64, GRANT, expires_at=NOW + 600, now=NOW)
    await storage.panel.redeem_login_link("a" * 64, now=NOW)
    await storage.panel.save_panel_session("s" * 64, GRANT, expires_at=NOW + 10, now=NOW)
    await storage.panel.save_panel_session("t" * 64, GRANT, expires_at=NOW + 10_000, now=NOW)
    assert await storage.panel.prune_panel_auth(now=NOW + 100) == 2  # the spent link, the expired session
    assert await storage.panel.redeem_login_link("b" * 64, now=NOW + 100) == GRANT
    assert await storage.panel.panel_session("t" * 64, now=NOW + 100) is not None


# -- calendar tokens -------------------------------------------------------------------------------
async def test_calendar_tokens(storage: Storage) -> None:
    assert await storage.panel.calendar_token("telegram", "user", "42") is None
    assert await storage.panel.calendar_token("telegram", "user", "42", new="tok1") == "tok1"
    assert await storage.panel.calendar_token("telegram", "user", "42") == "tok1"
    assert await storage.panel.calendar_chat("tok1") == ("telegram", "user", "42")
    assert await storage.panel.calendar_token("telegram", "user", "42", new="tok2") == "tok2"  # rotated
    assert await storage.panel.calendar_chat("tok1") is None
    assert await storage.panel.calendar_chat("tok2") == ("telegram", "user", "42")


# -- panel views -----------------------------------------------------------------------------------
async def test_recent_notifications_and_counts_are_scoped(storage: Storage) -> None:
    show = await storage.catalog.upsert_show("Alpha")
    for chat, guild in (("c1", "g1"), ("c2", "g1"), ("c9", "g2")):
        await storage.audience.subscribe(SubscriptionRecord("discord", "channel", chat, show, Event.all(),
                                                            guild_id=guild))
    [item] = await storage.items.insert_items(None, [NewItem("Alpha renewed", guid="x", link="https://n.example/x")],
                                              NOW)
    await storage.items.save_matches(item.id, [ShowMatch(show, "Alpha", Event.RENEWAL, (2,), "renewed for")])
    assert await storage.outbox.enqueue_for_match(item.id, ShowMatch(show, "Alpha", Event.RENEWAL, (2,),
                                                                     "renewed for"), NOW) == 3
    mine = await storage.panel.recent_notifications("discord", [("channel", "c1"), ("channel", "c2")])
    assert sorted(n.chat_id for n in mine) == ["c1", "c2"]
    first = mine[0]
    assert (first.title, first.show, first.reason, first.status, first.seasons) == (
        "Alpha renewed", "Alpha", "renewed for", "pending", (2,))
    assert first.events == Event.RENEWAL and first.link == "https://n.example/x"
    assert await storage.panel.recent_notifications("telegram", [("channel", "c1")]) == []
    assert await storage.panel.recent_notifications("discord", []) == []
    assert await storage.panel.delivery_counts("discord", [("channel", "c1"), ("channel", "c2")]) == {"pending": 2}
    assert await storage.panel.delivery_counts("discord", [("channel", "c9")]) == {"pending": 1}


# -- WebSub subscriptions --------------------------------------------------------------------------
async def test_push_subscriptions_are_one_per_feed(storage: Storage) -> None:
    sub = PushSubscription(7, "https://f.example/feed", "https://hub.example/", "https://f.example/feed", "cb1",
                           "s3cret", PushState.REQUESTED, NOW)
    await storage.push.save_push_subscription(sub)
    assert await storage.push.push_subscription("cb1") == sub
    active = replace(sub, state=PushState.ACTIVE, lease_seconds=3600, expires_at=NOW + 3600, renew_at=NOW + 3000)
    await storage.push.save_push_subscription(active)
    assert await storage.push.push_subscriptions() == [active]
    assert await storage.push.push_subscription("nope") is None
    await storage.push.delete_push_subscription(7)
    assert await storage.push.push_subscriptions() == []
