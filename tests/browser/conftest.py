"""Real-browser tests: headless Chromium from the distribution's packages, driven by Playwright.

Playwright's own browser downloads are never used (`playwright install` is not needed): the
browser is /usr/bin/chromium (Debian's `chromium` package). Where it is missing the tests skip
and say why; CI (.ci/run) installs it and sets SHOWBOT_REQUIRE_BROWSER=1, which turns that skip
into a failure, so the browser tests cannot silently stop running there."""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from playwright.async_api import Browser, Page

CHROMIUM = Path(os.environ.get("SHOWBOT_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
REQUIRE_ENV = "SHOWBOT_REQUIRE_BROWSER"


def _missing() -> str | None:
    try:
        import playwright.async_api  # noqa: F401
    except ImportError:
        return "Playwright for Python is not installed (pip install playwright)"
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)) and not shutil.which(str(CHROMIUM)):
        return f"no Chromium at {CHROMIUM} (apt-get install chromium chromium-driver)"
    return None


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    reason = _missing()
    if reason:
        if os.environ.get(REQUIRE_ENV) == "1":
            pytest.fail(f"browser tests are required here ({REQUIRE_ENV}=1) but cannot run: {reason}")
        pytest.skip(f"browser tests skipped: {reason}")
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        chromium = await pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            await chromium.close()


@pytest.fixture
async def page(browser: Browser) -> AsyncIterator[Page]:
    """A fresh browser context (no cookies) whose page may reach 127.0.0.1 only: a request to any
    other host (a CDN, a font service) fails the test."""
    context = await browser.new_context()
    outside: list[str] = []

    async def only_loopback(route, request) -> None:  # type: ignore[no-untyped-def]
        from urllib.parse import urlsplit

        host = urlsplit(request.url).hostname or ""
        if request.url.startswith(("data:", "about:")) or host in ("127.0.0.1", "localhost", "::1"):
            await route.continue_()
        else:
            outside.append(request.url)
            await route.abort()

    await context.route("**/*", only_loopback)
    page = await context.new_page()
    page.set_default_timeout(10_000)
    try:
        yield page
    finally:
        await context.close()
    assert not outside, f"the page tried to load from outside this machine: {outside}"
