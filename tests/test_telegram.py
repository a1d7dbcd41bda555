"""The Telegram adapter against a fake Bot API server, through python-telegram-bot's real
request path, with a real ShowBot on a temporary database."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import replace

import pytest
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.adapters.telegram_bot import (
    CALLBACK_DATA_LIMIT,
    TelegramAdapter,
    delivery_error,
    file_base_url,
    fit_html,
)
from bot.commands import Action, Choice
from bot.config import load_settings
from bot.notifications import TELEGRAM_LIMIT, Notification, NotificationKind, Recipient, Source
from bot.ports import ChatUnavailable, MessageGone, PermanentFailure, RetryLater, TemporaryFailure
from bot.service import ShowBot
from feeds.model import Event, NewItem, ShowMatch
from tests.support.fake_telegram import Call, FakeTelegram

USER = 42
OTHER_USER = 43
GROUP = -1001234
ADMIN = 7
MEMBER = 8


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    with FakeTelegram() as server:
        yield server


@pytest.fixture
async def showbot(fake: FakeTelegram, db_path: str) -> AsyncIterator[ShowBot]:
    settings = load_settings(env={
        "TELEGRAM_TOKEN": fake.token, "TELEGRAM_BASE_URL": fake.base_url,
        "SHOWBOT_FEEDS": fake.server.url("/feed.xml"), "SHOWBOT_ALLOW_PRIVATE_FEEDS": "1",
    }, db=db_path)
    async with ShowBot.create(settings) as bot:
        yield bot


@pytest.fixture
async def adapter(showbot: ShowBot) -> AsyncIterator[TelegramAdapter]:
    telegram = TelegramAdapter(showbot.settings, showbot)
    await telegram.start()
    showbot.register(telegram)
    try:
        yield telegram
    finally:
        await telegram.stop()


def _to(chat: int) -> Callable[[Call], bool]:
    return lambda call: call.chat_id == str(chat)


async def _show_id(showbot: ShowBot, title: str) -> int:
    (show,) = await showbot.storage.catalog.find_shows(title)
    return show.id


def _notification(headline: str, link: str | None = "https://example.com/news?a=1&b=2") -> Notification:
    return Notification(outbox_id=1, item_id=1, show="Squid Game", events=Event.RENEWAL, seasons=(3,),
                        headline=headline, link=link, source="Deadline", published_at=time.time(), reason="test")


# -- commands --------------------------------------------------------------------------------------
async def test_subscribe_round_trip(fake: FakeTelegram, showbot: ShowBot, adapter: TelegramAdapter) -> None:
    menus = fake.calls_to("setMyCommands")
    assert menus and "subscribe" in [c["command"] for c in menus[0].params["commands"]]

    fake.push_message(user=USER, text="/subscribe Squid Game")
    reply = await fake.wait_for_sent(_to(USER))

    assert "You now follow Squid Game" in reply.text
    assert reply.params["parse_mode"] == "HTML"
    assert reply.params["link_preview_options"] == {"is_disabled": True}
    toggles = reply.buttons
    assert len(toggles) == 6 and all(data.startswith(f"c:{Action.SET_EVENTS.value}:") for _label, data in toggles)
    assert all(len(data.encode()) <= CALLBACK_DATA_LIMIT for _label, data in toggles)
    subs = await showbot.storage.audience.subscriptions("telegram", "user", str(USER))
    assert [(s.show, s.events) for s in subs] == [("Squid Game", Event.all())]
    assert not fake.calls_to("getChatMember"), "a private /subscribe needs no admin check"


async def test_refusals_and_unknown_commands_get_a_reply(fake: FakeTelegram, adapter: TelegramAdapter) -> None:
    fake.push_message(user=USER, text="/channel subscribe Squid Game")
    refusal = await fake.wait_for_sent(_to(USER))
    assert "not in a private chat" in refusal.text

    fake.push_message(user=USER, text="/frobnicate now")
    unknown = await fake.wait_for_sent(lambda c: c.chat_id == str(USER) and "frobnicate" in c.text)
    assert "I don't know /frobnicate" in unknown.text


async def test_group_channel_subscribe_needs_an_admin(fake: FakeTelegram, showbot: ShowBot,
                                                      adapter: TelegramAdapter) -> None:
    fake.set_member(GROUP, ADMIN, "administrator")
    fake.set_member(GROUP, MEMBER, "member")

    fake.push_message(user=MEMBER, chat=GROUP, chat_type="supergroup",
                      text="/channel@showbot_test subscribe Squid Game")
    refused = await fake.wait_for_sent(_to(GROUP))
    assert "Only moderators" in refused.text
    quoted = refused.params["reply_parameters"]  # quotes the command, and answers even if it was deleted
    assert quoted["allow_sending_without_reply"] is True and isinstance(quoted["message_id"], int)
    assert not await showbot.storage.audience.subscriptions("telegram", "channel", str(GROUP))

    fake.push_message(user=ADMIN, chat=GROUP, chat_type="supergroup", text="/channel subscribe Squid Game trailer")
    done = await fake.wait_for_sent(lambda c: c.chat_id == str(GROUP) and "will now post" in c.text)
    assert "Squid Game" in done.text

    asked = [(c.params["chat_id"], c.params["user_id"]) for c in fake.calls_to("getChatMember")]
    assert asked == [(str(GROUP), MEMBER), (str(GROUP), ADMIN)]
    subs = await showbot.storage.audience.subscriptions("telegram", "channel", str(GROUP))
    assert [(s.show, s.events, s.guild_id) for s in subs] == [("Squid Game", Event.TRAILER, str(GROUP))]


async def test_ambiguous_name_offers_buttons_and_a_press_subscribes(fake: FakeTelegram, showbot: ShowBot,
                                                                    adapter: TelegramAdapter) -> None:
    fake.push_message(user=USER, text="/subscribe Squid Gaem")
    question = await fake.wait_for_sent(_to(USER))
    labels = [label for label, _data in question.buttons]
    assert labels[:2] == ["Squid Game", "Squid Game: The Challenge"]
    assert not await showbot.storage.audience.subscriptions("telegram", "user", str(USER))

    squid_game = await _show_id(showbot, "Squid Game")
    fake.push_callback(user=USER, data=question.buttons[0][1], message=question)
    edit = await fake.wait_for("editMessageText")
    assert "You now follow Squid Game" in edit.text
    assert edit.params["message_id"] == question.params["_result"]["message_id"]
    assert fake.calls_to("answerCallbackQuery")
    subs = await showbot.storage.audience.subscriptions("telegram", "user", str(USER))
    assert [(s.show_id, s.events) for s in subs] == [(squid_game, Event.all())]

    # the event toggles come back as buttons; pressing one changes the subscription
    edited = Call("sendMessage", {**edit.params, "_result": {**question.params["_result"],
                                                             "reply_markup": edit.params["reply_markup"]}}, 0)
    trailer = next(data for label, data in edit.buttons if "Trailer" in label)
    fake.push_callback(user=USER, data=trailer, message=edited)
    await fake.wait_for("editMessageText", lambda c: "Updated" in c.text)
    subs = await showbot.storage.audience.subscriptions("telegram", "user", str(USER))
    assert subs[0].events == Event.all() & ~Event.TRAILER

    # someone else cannot press another user's toggles
    fake.push_callback(user=OTHER_USER, data=trailer, message=edited)
    await fake.wait_for("answerCallbackQuery", lambda c: "someone else" in str(c.params.get("text")))
    assert not await showbot.storage.audience.subscriptions("telegram", "user", str(OTHER_USER))


# -- notifications -----------------------------------------------------------------------------------
async def test_notification_is_escaped_html_with_the_story_preview(fake: FakeTelegram,
                                                                   adapter: TelegramAdapter) -> None:
    await adapter.send(Recipient("telegram", "user", str(USER)), _notification('<b>&"x"</b> renewed'))
    sent = fake.sent[-1]
    assert sent.params["parse_mode"] == "HTML"
    assert '&lt;b&gt;&amp;"x"&lt;/b&gt; renewed' in sent.text
    assert '<b>&"x"</b>' not in sent.text
    assert 'href="https://example.com/news?a=1&amp;b=2"' in sent.text
    assert sent.params["link_preview_options"] == {"url": "https://example.com/news?a=1&b=2"}

    await adapter.send(Recipient("telegram", "channel", str(GROUP)), _notification("No link", link=None))
    assert fake.sent[-1].chat_id == str(GROUP)
    assert fake.sent[-1].params["link_preview_options"] == {"is_disabled": True}


async def test_429_raises_retry_later_with_the_wait(fake: FakeTelegram, adapter: TelegramAdapter) -> None:
    fake.fail_next_send(status=429, chat_id=USER, retry_after=1)
    with pytest.raises(RetryLater) as caught:
        await adapter.send(Recipient("telegram", "user", str(USER)), _notification("Renewed"))
    assert caught.value.retry_after == 1.0
    assert not fake.sent

    await adapter.send(Recipient("telegram", "user", str(USER)), _notification("Renewed"))
    assert len(fake.sent) == 1


async def test_400_is_a_permanent_failure(fake: FakeTelegram, adapter: TelegramAdapter) -> None:
    fake.fail_next_send(status=400, chat_id=USER)
    with pytest.raises(PermanentFailure):
        await adapter.send(Recipient("telegram", "user", str(USER)), _notification("Renewed"))


async def test_403_pauses_the_chat_and_keeps_the_notification(fake: FakeTelegram, showbot: ShowBot,
                                                              adapter: TelegramAdapter) -> None:
    storage = showbot.storage
    fake.push_message(user=USER, text="/subscribe Squid Game")
    await fake.wait_for_sent(_to(USER))
    squid_game = await _show_id(showbot, "Squid Game")
    now = time.time()
    (item,) = await storage.items.insert_items(None, [NewItem("Squid Game renewed for season 3", link="https://e.com/1")], now)
    match = ShowMatch(squid_game, "Squid Game", Event.RENEWAL, (3,), "test")
    await storage.items.save_matches(item.id, [match])
    assert await storage.outbox.enqueue_for_match(item.id, match, now) == 1
    replies = len(fake.sent)

    fake.fail_next_send(status=403, chat_id=USER)
    report = await showbot.delivery.deliver_due()

    assert report.paused_chats == [f"telegram:{USER}"] and report.sent == 0
    assert [chat for _p, chat, _r, _at in await storage.audience.paused_chats("telegram")] == [str(USER)]
    assert await storage.outbox.outbox_counts() == {"held": 1}
    assert len(fake.sent) == replies

    # the user comes back: the chat resumes and the held notification goes out, once
    fake.push_message(user=USER, text="/subscribe Squid Game")
    await fake.wait_for_sent(lambda c: c.chat_id == str(USER) and "Updated" in c.text)
    report = await showbot.delivery.deliver_due()
    assert report.sent == 1
    assert [c.text for c in fake.sent if "season 3" in c.text.lower()] != []
    assert await storage.outbox.outbox_counts() == {"sent": 1}
    assert not await storage.audience.paused_chats("telegram")


# -- pure helpers -------------------------------------------------------------------------------------
@pytest.mark.parametrize(("error", "kind"), [
    (RetryAfter(3), RetryLater),
    (Forbidden("Forbidden: bot was blocked by the user"), ChatUnavailable),
    (BadRequest("Chat not found"), ChatUnavailable),
    (BadRequest("Forbidden: user is deactivated"), ChatUnavailable),
    (BadRequest("Bot was kicked from the supergroup chat"), ChatUnavailable),
    (ChatMigrated(-100999), ChatUnavailable),
    (BadRequest("Can't parse entities: unsupported start tag"), PermanentFailure),
    (TimedOut(), TemporaryFailure),
    (NetworkError("Bad Gateway (502)"), TemporaryFailure),
])
def test_error_mapping(error: Exception, kind: type) -> None:
    mapped = delivery_error(error)  # type: ignore[arg-type]
    assert type(mapped) is kind
    if isinstance(mapped, RetryLater):
        assert mapped.retry_after == 3.0


def test_long_replies_are_cut_and_escaped() -> None:
    text = "\n".join(f"• <Show & {n}>" for n in range(1000))
    fitted = fit_html(text)
    assert len(fitted) <= TELEGRAM_LIMIT and fitted.endswith("…")
    assert "<Show" not in fitted and "&lt;Show &amp; 0&gt;" in fitted
    one_line = fit_html("&" * 5000)
    assert len(one_line) <= TELEGRAM_LIMIT and one_line.endswith("&amp;…")


async def test_callback_data_round_trip_within_64_bytes(adapter: TelegramAdapter) -> None:
    layer = adapter.commands
    choice = Choice("x", Action.CHANNEL_SUBSCRIBE, 2_000_000_000, Event.all())
    data = await layer.encode_choice(choice, owner=None, limit=CALLBACK_DATA_LIMIT)
    assert len(data.encode()) <= CALLBACK_DATA_LIMIT
    assert await layer.decode_choice(data) == (Choice("", Action.CHANNEL_SUBSCRIBE, 2_000_000_000, Event.all()), None)
    toggle = await layer.encode_choice(Choice("✓ Trailer", Action.SET_EVENTS, 5, Event(3)), owner="123456789",
                                       limit=CALLBACK_DATA_LIMIT)
    assert toggle == "c:e:5:3:123456789:"
    assert await layer.decode_choice(toggle) == (Choice("", Action.SET_EVENTS, 5, Event(3)), "123456789")
    # a choice too long for 64 bytes (an alias being added) is kept aside under a short key
    long = Choice("Silo", Action.ALIAS_ADD, 7, text="Un nombre muy largo para una serie muy conocida")
    key = await layer.encode_choice(long, owner="123456789", limit=CALLBACK_DATA_LIMIT)
    assert key.startswith("k:") and len(key.encode()) <= CALLBACK_DATA_LIMIT
    assert await layer.decode_choice(key) == (Choice("", Action.ALIAS_ADD, 7, text=long.text), "123456789")
    for garbage in ("garbage", "c:subscribe:x:1", "c:zz:1:1::", "k:unknown", "c:s:-1:1::"):
        assert await layer.decode_choice(garbage) is None, garbage


def test_file_url_of_a_local_bot_api_server() -> None:
    assert file_base_url("http://127.0.0.1:8081/bot") == "http://127.0.0.1:8081/file/bot"


async def test_a_long_link_is_delivered_without_it(fake: FakeTelegram, adapter: TelegramAdapter) -> None:
    """A link that would not fit once escaped is left out of the text: Telegram accepts the message
    (on main its HTML was cut inside `href` and every recipient's copy failed with a 400)."""
    link = "https://example.com/news?" + "a=1&b=2&" * 600
    await adapter.send(Recipient("telegram", "user", str(USER)), _notification("Squid Game renewed", link=link))
    [sent] = fake.sent
    assert "Squid Game renewed" in sent.text and "href" not in sent.text
    assert sent.params["link_preview_options"] == {"is_disabled": True}


# -- a paused chat comes back ---------------------------------------------------------------------------
async def _queue_story(showbot: ShowBot, headline: str, link: str) -> None:
    squid_game = await _show_id(showbot, "Squid Game")
    now = time.time()
    (item,) = await showbot.storage.items.insert_items(None, [NewItem(headline, link=link)], now)
    match = ShowMatch(squid_game, "Squid Game", Event.RENEWAL, (3,), "test")
    await showbot.storage.items.save_matches(item.id, [match])
    await showbot.storage.outbox.enqueue_for_match(item.id, match, now)
    showbot.delivery.notify()


@pytest.mark.parametrize("sign", ["hello", "/start", "button", "unblocked"])
async def test_any_sign_of_life_resumes_a_blocked_chat_and_delivers_at_once(
        fake: FakeTelegram, showbot: ShowBot, adapter: TelegramAdapter, sign: str) -> None:
    """On main only /subscribe resumed a paused chat, news that came while it was paused was never
    queued, and the held news went out up to a minute after resuming."""
    storage = showbot.storage
    fake.push_message(user=USER, text="/subscribe Squid Game")
    subscribed = await fake.wait_for_sent(_to(USER))
    stop = asyncio.Event()
    loop = asyncio.create_task(showbot.delivery.run(stop))
    try:
        fake.fail_next_send(status=403, chat_id=USER)
        await _queue_story(showbot, "Squid Game renewed for season 3", "https://e.com/1")
        for _ in range(100):
            if await storage.audience.paused_chats("telegram"):
                break
            await asyncio.sleep(0.02)
        await _queue_story(showbot, "Squid Game season 3 premiere date set", "https://e.com/2")  # while blocked
        await asyncio.sleep(0.3)
        assert await storage.outbox.outbox_counts() == {"held": 2}

        fake.push_update({"my_chat_member": _my_chat_member(USER, "kicked")})  # blocking is no sign of life
        await asyncio.sleep(0.5)
        assert await storage.outbox.outbox_counts() == {"held": 2}

        if sign == "button":
            fake.push_callback(user=USER, data=subscribed.buttons[0][1], message=subscribed)
        elif sign == "unblocked":
            fake.push_update({"my_chat_member": _my_chat_member(USER, "member")})
        else:
            fake.push_message(user=USER, text=sign)
        started = time.monotonic()
        first = await fake.wait_for_sent(lambda c: "renewed for season 3" in c.text, within=5)
        second = await fake.wait_for_sent(lambda c: "premiere date set" in c.text, within=5)
        assert time.monotonic() - started < 3.0
        assert first.chat_id == second.chat_id == str(USER) and first.at <= second.at  # in order
        assert not await storage.audience.paused_chats("telegram")
    finally:
        stop.set()
        await loop
    assert await storage.outbox.outbox_counts() == {"sent": 2}


def _my_chat_member(user: int, status: str) -> dict[str, object]:
    person = {"id": user, "is_bot": False, "first_name": "Ann"}
    bot = {"id": 123, "is_bot": True, "first_name": "ShowBot", "username": "showbot_test"}
    return {"chat": {"id": user, "type": "private", "first_name": "Ann"}, "from": person, "date": int(time.time()),
            "old_chat_member": {"status": "member" if status == "kicked" else "kicked", "user": bot,
                                **({"until_date": 0} if status == "member" else {})},
            "new_chat_member": {"status": status, "user": bot, **({"until_date": 0} if status == "kicked" else {})}}


# -- one story, one message: edits for more sources, replies for updates ---------------------------------
async def test_send_gives_the_message_edit_lists_the_sources_and_an_update_replies(
        fake: FakeTelegram, adapter: TelegramAdapter) -> None:
    user = Recipient("telegram", "user", str(USER))
    story = _notification("Squid Game renewed for season 3", link="https://deadline.example/sg3")
    sent = await adapter.send(user, story)
    assert sent is not None and sent.chat_id == str(USER)
    (call,) = fake.sent
    assert sent.message_id == str(call.params["_result"]["message_id"])
    assert "reply_parameters" not in call.params

    more = story.with_sources((Source("Deadline", "https://deadline.example/sg3"),
                               Source("Variety", "https://variety.example/sg3"), Source("TVLine", None)))
    await adapter.edit(user, sent, more)
    shown = fake.message(USER, int(sent.message_id))
    assert shown is not None
    assert ('via <a href="https://deadline.example/sg3">Deadline</a> · '
            '<a href="https://variety.example/sg3">Variety</a> · TVLine') in shown["text"]
    assert len(fake.sent) == 1 and len(fake.edits) == 1  # edited, not sent again
    await adapter.edit(user, sent, more)  # "message is not modified": success
    assert len(fake.edits) == 1

    update = replace(_notification("Squid Game season 3 premieres June 27"), kind=NotificationKind.UPDATE,
                     change="date set: June 27", replying_to=sent)
    await adapter.send(user, update)
    reply = fake.sent[-1]
    assert reply.params["reply_parameters"] == {"message_id": int(sent.message_id),
                                                "allow_sending_without_reply": True}
    assert reply.text.startswith("🔄 Update · <b>Squid Game</b>") and "<i>date set: June 27</i>" in reply.text

    fake.make_uneditable(USER, int(sent.message_id))
    with pytest.raises(MessageGone):
        await adapter.edit(user, sent, more.with_sources((*more.sources, Source("EW", None))))
    fake.delete(USER, int(sent.message_id))
    with pytest.raises(MessageGone):
        await adapter.edit(user, sent, more.with_sources((*more.sources, Source("EW", None))))


async def test_a_notification_has_a_why_button_that_shows_the_stored_reason(fake: FakeTelegram, showbot: ShowBot,
                                                                           adapter: TelegramAdapter) -> None:
    """The reason a notification was sent was stored but shown nowhere (issue 12)."""
    squid_game = await _show_id(showbot, "Squid Game")
    (item,) = await showbot.storage.items.insert_items(
        None, [NewItem("Squid Game renewed for season 3", link="https://e.com/why")], time.time())
    reason = "\"Squid Game\" (distinct title); renewal: 'renewed' [renewal.renewed]; season from 'season 3'"
    await showbot.storage.items.save_matches(item.id, [ShowMatch(squid_game, "Squid Game", Event.RENEWAL, (3,), reason)])
    notification = Notification(outbox_id=9, item_id=item.id, show="Squid Game", events=Event.RENEWAL, seasons=(3,),
                                headline="Squid Game renewed for season 3", link="https://e.com/why", source="Deadline",
                                published_at=time.time(), reason=reason)
    await adapter.send(Recipient("telegram", "channel", str(GROUP)), notification)
    sent = fake.sent[-1]
    [(label, data)] = sent.buttons
    assert label == "Why?" and len(data.encode()) <= CALLBACK_DATA_LIMIT

    fake.push_callback(user=MEMBER, data=data, message=sent)  # anyone in the group may ask
    answer = await fake.wait_for("answerCallbackQuery", lambda c: "Why you got this" in str(c.params.get("text")))
    text = str(answer.params["text"])
    assert "Squid Game" in text and "renewal: 'renewed'" in text and "[renewal.renewed]" not in text
    assert answer.params.get("show_alert") in (True, "true", "True")
    assert not fake.calls_to("editMessageText"), "the notification itself stays as it is"


async def test_a_silent_topic_notification_with_a_picture(fake: FakeTelegram, adapter: TelegramAdapter) -> None:
    """Routing and delivery options: a forum topic (message_thread_id), no sound (disable_notification), the
    story's picture as the large link preview."""
    picture = _notification("Squid Game renewed")
    picture = Notification(**{**{f: getattr(picture, f) for f in picture.__dataclass_fields__},
                              "image": "https://img.example/squid.jpg"})
    await adapter.send(Recipient("telegram", "channel", str(GROUP), silent=True, thread_id="77"), picture)
    sent = fake.sent[-1]
    assert sent.params["message_thread_id"] in (77, "77")
    assert sent.params["disable_notification"] in (True, "true", "True")
    assert sent.params["link_preview_options"] == {"url": "https://img.example/squid.jpg", "prefer_large_media": True}
    await adapter.send(Recipient("telegram", "user", str(USER)), _notification("Squid Game renewed"))
    plain = fake.sent[-1]
    assert "message_thread_id" not in plain.params and plain.params.get("disable_notification") in (None, False, "false")


async def test_a_digest_is_one_message(fake: FakeTelegram, adapter: TelegramAdapter) -> None:
    stories = [_notification(f"Story number {n} <b>", link=f"https://e.com/{n}") for n in range(3)]
    await adapter.send_digest(Recipient("telegram", "channel", str(GROUP), silent=True, thread_id="5"), stories)
    sent = fake.sent[-1]
    assert sent.text.startswith("<b>📰 Your digest: 3 stories</b>")
    assert all(f"Story number {n} &lt;b&gt;" in sent.text for n in range(3))
    assert sent.params["disable_notification"] in (True, "true", "True") and sent.params["message_thread_id"] in (5, "5")
    many = [_notification("x" * 290, link="https://e.com/" + "y" * 200) for _ in range(40)]
    await adapter.send_digest(Recipient("telegram", "user", str(USER)), many)  # cut to fit, the rest counted
    assert "… and " in fake.sent[-1].text and fake.sent[-1].chat_id == str(USER)
