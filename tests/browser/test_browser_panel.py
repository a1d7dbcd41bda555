"""The panel in a real browser: a sign-in link asked for in chat, a subscription added in the
page, and chat sees it."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

import pytest

from bot.adapters.console import ConsoleChat
from bot.app import open_web
from bot.config import load_settings
from bot.service import ShowBot

if TYPE_CHECKING:
    from playwright.async_api import Page


@pytest.fixture
async def chat(db_path: str) -> AsyncIterator[ConsoleChat]:
    settings = load_settings(env={}, db=db_path, web="127.0.0.1:0")
    async with ShowBot.create(settings) as showbot, open_web(settings, showbot) as side:
        assert side is not None
        yield ConsoleChat(showbot, settings)


async def test_sign_in_from_chat_and_subscribe_in_the_browser(page: Page, chat: ConsoleChat) -> None:
    answer = await chat.handle("/panel")
    [link] = re.findall(r"https?://\S+/login/\S+", answer)
    assert "Squid Game" not in await chat.handle("/subscriptions")

    await page.goto(link)
    await page.click("#sign-in")
    await page.wait_for_url("**/panel")
    assert "this bot" in await page.inner_text("h1")

    await page.click("text=Subscriptions")
    await page.wait_for_url("**/panel/subscriptions")
    form = page.locator("#add-personal")
    await form.locator("input[name=show]").fill("Squid Game")
    for event in ("cancellation", "casting", "production"):  # keep renewal, release date, trailer
        await form.locator(f"input[value={event}]").uncheck()
    await form.locator("button[type=submit]").click()
    await page.wait_for_selector("#flash")
    assert "Squid Game" in await page.inner_text("#flash")
    assert "Squid Game" in await page.inner_text("#personal")

    in_chat = await chat.handle("/subscriptions")
    assert "Squid Game — renewed, release date, trailer" in in_chat

    # the same link again is spent; signing out ends the session
    await page.click("#sign-out")
    await page.wait_for_url("**/")
    response = await page.goto(link.rsplit("/", 1)[0] + "/" + link.rsplit("/", 1)[1])
    assert response is not None
    await page.click("#sign-in")
    assert "can't sign you in" in await page.inner_text("h1")
    response = await page.goto(link.split("/login/")[0] + "/panel")
    assert response is not None and response.status == 401
