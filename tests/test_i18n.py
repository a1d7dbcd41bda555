"""Languages: every text through the gettext catalogs, each catalog complete and compiled, and the
language chosen from Telegram's language_code, Discord's locale, or /language."""

from __future__ import annotations

import re
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from discord.gateway import DiscordWebSocket
from discord.http import Route

from bot.adapters.discord_bot import DiscordAdapter, build_message
from bot.adapters.telegram_bot import TelegramAdapter
from bot.commands import Caller, ChatType, Commands
from bot.config import load_settings
from bot.i18n import LANGUAGES, _, negotiate, translate_in, translations, use_language
from bot.notifications import Notification, Recipient, render_telegram
from bot.service import ShowBot
from feeds.model import Event, NewItem, ShowMatch
from tests.support.fake_discord import NEWS_CHANNEL, SUBSCRIBER, FakeDiscord
from tests.support.fake_telegram import FakeTelegram
from tools.i18n import catalog_problems, extract, problems

KOREAN_USER, SPANISH_USER = 301, 302
ROOT = Path(__file__).resolve().parents[1]


def test_every_catalog_is_complete_and_compiled() -> None:
    """Every text in the code is in every catalog, translated, its placeholders kept, and compiled."""
    found = list(problems(extract()))
    assert found == [], "\n".join(found[:20]) + "\n(python tools/i18n.py all, translate, compile)"
    assert set(LANGUAGES) == {"en", "ko", "es"}


def test_no_text_hides_inside_an_f_string() -> None:
    """_("…") inside an f-string's braces is invisible to the extractor: its text would stay English."""
    hidden = re.compile(r"""\bf(["'])[^\n]*?\{[^}\n]*\b_\(\s*["']""")
    found = [f"{path.relative_to(ROOT)}:{n}" for path in sorted((ROOT / "bot").rglob("*.py"))
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if hidden.search(line)]
    assert found == []


def test_the_catalog_check_catches_what_it_should() -> None:
    template = Catalog()
    for text in ("Hello {name}", "Bye", "Gone"):
        template.add(text)
    catalog = Catalog(locale="es")
    catalog.add("Hello {name}", "Hola {nombre}")  # a placeholder renamed: .format() would fail at run time
    catalog.add("Bye", "")  # untranslated
    catalog.add("Old text", "Texto viejo")  # no longer in the code
    found = "\n".join(catalog_problems(template, catalog, "es"))
    assert "placeholders ['nombre'] instead of ['name']" in found
    assert "'Bye' is not translated" in found and "missing 'Gone'" in found
    assert "'Old text' is no longer in the code" in found


def test_translations_load_and_format() -> None:
    for language in ("ko", "es"):
        assert translations(language).gettext("Usage: {usage}") != "Usage: {usage}"
        with use_language(language):
            assert _("You now follow {show} — {events}.").format(show="X", events="Y").count("X") == 1
    assert translate_in("ko", "Why?") == "왜 받았나요?"
    with use_language("xx"):  # a language we don't speak is English
        assert _("Why?") == "Why?"


@pytest.mark.parametrize(("code", "language"), [
    ("ko", "ko"), ("ko-KR", "ko"), ("es-419", "es"), ("es_ES", "es"), ("en-US", "en"), ("pt-BR", None), ("", None),
    (None, None),
])
def test_platform_language_codes(code: str | None, language: str | None) -> None:
    assert negotiate(code) == language


@pytest.fixture
async def showbot(db_path: str) -> AsyncIterator[ShowBot]:
    async with ShowBot.create(load_settings(env={}, db=db_path)) as bot:
        yield bot


async def test_replies_follow_the_platform_language_and_language_overrides_it(showbot: ShowBot) -> None:
    cmds = Commands(showbot)
    korean = Caller("telegram", "1", "1", language="ko")
    spanish = Caller("discord", "2", "2", language="es-ES")
    assert (await cmds.run(korean, "subscribe", show="Squid Game")).text.startswith("이제 Squid Game을(를) 팔로우해요")
    assert (await cmds.run(spanish, "subscribe", show="Silo", events="trailer")).text == \
        "Ahora sigues Silo — tráiler."
    assert "사용법: /unsubscribe <show>" in (await cmds.line(korean, "/unsubscribe")).text
    # /language wins over the app's language, /language auto gives it back
    assert (await cmds.run(korean, "language", language="es")).text == "Hecho: te escribo en Español (es)."
    assert (await cmds.run(korean, "subscriptions")).text.startswith("Sigues 1 serie:")
    choose = await cmds.run(korean, "language")
    assert [c.text for c in choose.choices] == ["en", "ko", "es", "auto"]
    assert (await cmds.press(korean, choose.choices[3])).text == "완료: 앱의 언어를 따를게요."
    assert (await cmds.run(korean, "subscriptions")).text.startswith("팔로우 중인 쇼 1개:")
    assert "I don't speak" in (await cmds.run(Caller("telegram", "3", "3"), "language", language="fr")).text


async def test_a_channel_posts_in_its_own_language(showbot: ShowBot) -> None:
    cmds = Commands(showbot)
    moderator = Caller("discord", "5", "c1", ChatType.GROUP, guild_id="g1", is_chat_admin=True, language="en-US")
    member = Caller("discord", "6", "c1", ChatType.GROUP, guild_id="g1", language="en-US")
    assert "Only moderators" in (await cmds.run(member, "channel language", language="ko")).text
    assert (await cmds.run(moderator, "channel language", language="ko")).text == "완료: 이 채널의 글은 한국어 (ko)로 올라가요."
    assert await showbot.preferences.reading_language("discord", "c1") == "ko"
    # a Discord server's own locale counts for its channels until a moderator chooses
    server = Caller("discord", "7", "c2", ChatType.GROUP, guild_id="g2", language="en-US", chat_language="es-ES")
    await cmds.run(server, "shows", query="silo")
    assert await showbot.preferences.reading_language("discord", "c2") == "es"


def _notification(item_id: int = 1, reason: str = "") -> Notification:
    return Notification(outbox_id=3, item_id=item_id, show="Squid Game", events=Event.RENEWAL | Event.TRAILER,
                        seasons=(2, 3), headline="Squid Game renewed", link="https://e.com/1", source="Deadline",
                        published_at=1_700_000_000.0, reason=reason)


def test_notifications_render_in_the_current_language() -> None:
    with use_language("ko"):
        html = render_telegram(_notification()).html
        fields = {f["name"]: f["value"] for f in build_message(_notification(reason="x")).embed.to_dict()["fields"]}
    assert "🔁 시즌 갱신, 🎬 예고편 · 시즌 2, 3" in html and "출처: Deadline" in html
    assert fields["쇼"] == "Squid Game" and fields["이유"] == "x"
    with use_language("es"):
        assert "🔁 Renovada, 🎬 Tráiler · Temporadas 2 y 3" in render_telegram(_notification()).html


@pytest.fixture
def telegram() -> Iterator[FakeTelegram]:
    with FakeTelegram() as fake:
        yield fake


async def test_telegram_speaks_each_users_language(telegram: FakeTelegram, db_path: str) -> None:
    settings = load_settings(env={"TELEGRAM_TOKEN": telegram.token, "TELEGRAM_BASE_URL": telegram.base_url,
                                  "SHOWBOT_FEEDS": telegram.server.url("/feed.xml"),
                                  "SHOWBOT_ALLOW_PRIVATE_FEEDS": "1"}, db=db_path)
    async with ShowBot.create(settings) as showbot:
        adapter = TelegramAdapter(settings, showbot)
        await adapter.start()
        try:
            menus = {(c.params["scope"]["type"], c.params.get("language_code")): c.params["commands"]
                     for c in telegram.calls_to("setMyCommands")}
            assert {code for _scope, code in menus} == {None, "ko", "es"}
            korean_menu = {m["command"]: m["description"] for m in menus[("default", "ko")]}
            assert korean_menu["subscribe"].startswith("쇼 팔로우")

            push_with_language(telegram, KOREAN_USER, "/subscribe Squid Game", "ko")
            reply = await telegram.wait_for_sent(lambda c: c.chat_id == str(KOREAN_USER))
            assert reply.text.startswith("이제 Squid Game을(를) 팔로우해요")
            assert reply.buttons[0][0] == "✓ 시즌 갱신"

            # later news reaches them in Korean, though no command tells us their language any more
            squid = (await showbot.storage.catalog.find_shows("Squid Game"))[0]
            (item,) = await showbot.storage.items.insert_items(None, [NewItem("Squid Game renewed", link="https://e.com/k")],
                                                               time.time())
            match = ShowMatch(squid.id, squid.title, Event.RENEWAL, (3,), '"Squid Game"; renewal')
            await showbot.storage.items.save_matches(item.id, [match])
            await adapter.send(Recipient("telegram", "user", str(KOREAN_USER)), _notification(item.id, match.reason))
            news = telegram.sent[-1]
            assert "시즌 갱신" in news.text and news.buttons[0][0] == "왜 받았나요?"
            telegram.push_callback(user=KOREAN_USER, data=news.buttons[0][1], message=news)
            answer = await telegram.wait_for("answerCallbackQuery", lambda c: c.params.get("text"))
            assert str(answer.params["text"]).startswith("이 알림을 받은 이유")
        finally:
            await adapter.stop()


def push_with_language(fake: FakeTelegram, user: int, text: str, language: str) -> None:
    update_id = fake.push_message(user=user, text=text)
    with fake._lock:  # the user's app language, as Telegram sends it
        for update in fake._updates:
            if update["update_id"] == update_id:
                update["message"]["from"]["language_code"] = language


@pytest.fixture
async def discord_fake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[tuple[FakeDiscord, ShowBot]]:
    monkeypatch.setattr(Route, "BASE", Route.BASE)
    monkeypatch.setattr(DiscordWebSocket, "DEFAULT_GATEWAY", DiscordWebSocket.DEFAULT_GATEWAY)
    async with FakeDiscord() as fake:
        settings = load_settings(env={"DISCORD_TOKEN": fake.token, "DISCORD_API_BASE": fake.api_base,
                                      "SHOWBOT_DB": str(tmp_path / "d.db"), "SHOWBOT_FEEDS": "http://127.0.0.1:9/x",
                                      "SHOWBOT_ALLOW_PRIVATE_FEEDS": "1"})
        async with ShowBot.create(settings) as showbot:
            adapter = DiscordAdapter(settings, showbot, ready_timeout=0.01)
            await adapter.start()
            try:
                await fake.wait_for_ready()
                await fake.wait_until(lambda: adapter.bot.get_channel(NEWS_CHANNEL), what="the guild cached")
                yield fake, showbot
            finally:
                await adapter.stop()


async def test_discord_commands_are_localized_and_replies_follow_the_locale(
        discord_fake: tuple[FakeDiscord, ShowBot]) -> None:
    fake, _showbot = discord_fake
    subscribe = next(c for c in fake.commands() if c["name"] == "subscribe")
    assert subscribe["description_localizations"]["ko"].startswith("쇼 팔로우")
    assert subscribe["description_localizations"]["es-ES"].startswith("Sigue una serie")
    assert subscribe["description_localizations"]["es-419"] == subscribe["description_localizations"]["es-ES"]
    show = subscribe["options"][0]
    assert show["description_localizations"]["ko"] == "쇼 (제목이나 다른 이름)"
    assert "name_localizations" not in subscribe or not subscribe["name_localizations"]  # names stay typeable

    reply = await fake.wait_for_reply(fake.invoke("subscribe", user=SUBSCRIBER, show="Squid Game", locale="es-ES"))
    assert reply.content.startswith("Ahora sigues Squid Game")
    korean = await fake.wait_for_reply(fake.invoke("whoami", user=SUBSCRIBER, locale="ko"))
    assert korean.content.startswith("당신은 discord:")
