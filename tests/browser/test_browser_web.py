"""The web server seen by a real browser: pages render with the bot's own stylesheet, and nothing
is loaded from anywhere but the bot."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

import pytest

from bot.adapters.web.server import WebServer
from bot.app import open_web
from bot.config import load_settings
from bot.service import ShowBot

if TYPE_CHECKING:
    from playwright.async_api import Page


@pytest.fixture
async def web(db_path: str) -> AsyncIterator[WebServer]:
    async with ShowBot.create(load_settings(env={}, db=db_path, web="127.0.0.1:0")) as showbot, \
            open_web(showbot.settings, showbot) as side:
        assert side is not None
        yield side.server


async def test_index_renders_with_the_bundled_stylesheet(page: Page, web: WebServer) -> None:
    response = await page.goto(web.url + "/")
    assert response is not None and response.ok
    assert await page.title() == "showbot"
    assert "/panel" in await page.inner_text("main")
    # the stylesheet loaded (same origin, no CDN): its custom property is visible to the page
    accent = await page.evaluate("getComputedStyle(document.documentElement).getPropertyValue('--accent')")
    assert accent.strip() == "#2457a6"


async def test_healthz_in_the_browser_is_json(page: Page, web: WebServer) -> None:
    response = await page.goto(web.url + "/healthz")
    assert response is not None and response.status == 200
    assert (await response.json())["status"] == "ok"
