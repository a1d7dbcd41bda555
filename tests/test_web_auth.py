"""Panel sign-in: one-time links (expire, single use, unforgeable), the signed session cookie,
CSRF on every form, logout and session expiry."""

from __future__ import annotations

import asyncio
import hashlib
import re
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest

from bot.adapters.web.app import build_app
from bot.adapters.web.auth import COOKIE
from bot.adapters.web.context import WebContext
from bot.adapters.web.server import WebServer
from bot.adapters.web.signing import Signer
from bot.app import open_web
from bot.config import load_settings
from bot.health import Health
from bot.metrics import Metrics, StoredCounts
from bot.panel_auth import LINK_TTL, SESSION_TTL, PanelAuth
from bot.service import ShowBot
from storage.ports import Storage
from storage.records import PanelGrant
from tests.support.fakes import FakeClock

GRANT = PanelGrant("telegram", "42", "-100", group=True, guild_id="-100", chat_admin=True, name="Ann",
                   chat_title="K-drama fans")


class _Probe:
    async def ping(self) -> None:
        return None

    async def last_poll_success(self) -> tuple[int, float | None]:
        return 0, None


async def _counts() -> StoredCounts:
    return StoredCounts(0, 0, 0, 0, 0, 0, 0, 0, 0)


@dataclass
class Site:
    server: WebServer
    auth: PanelAuth
    storage: Storage
    clock: FakeClock

    @property
    def url(self) -> str:
        return self.server.url


async def _site(env: dict[str, str], db: str) -> AsyncIterator[Site]:
    clock = FakeClock()
    settings = load_settings(env={**env, "SHOWBOT_WEB_SECRET": "test-secret"}, db=db, web="127.0.0.1:0")
    async with ShowBot.create(settings) as showbot:
        showbot.panel_auth = PanelAuth(showbot.storage.panel, clock=clock)
        async with open_web(settings, showbot) as side:
            assert side is not None
            yield Site(side.server, showbot.panel_auth, showbot.storage, clock)


@pytest.fixture
async def site(db_path: str) -> AsyncIterator[Site]:
    async for s in _site({}, db_path):
        yield s


@pytest.fixture
async def browser() -> AsyncIterator[aiohttp.ClientSession]:
    """A client that keeps cookies for 127.0.0.1, as a browser would."""
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
        yield session


async def _sign_in(site: Site, browser: aiohttp.ClientSession, token: str | None = None) -> aiohttp.ClientResponse:
    token = token or await site.auth.issue_link(GRANT)
    async with browser.post(f"{site.url}/login/{token}", allow_redirects=False,
                            headers={"Origin": site.url}) as response:
        await response.read()
        return response


async def _csrf(site: Site, browser: aiohttp.ClientSession) -> str:
    async with browser.get(site.url + "/panel") as response:
        assert response.status == 200
        page = await response.text()
    found = re.search(r'name="csrf" value="([0-9a-f]+)"', page)
    assert found, page
    return found.group(1)


# -- one-time links --------------------------------------------------------------------------------
async def test_a_link_signs_in_once(site: Site, browser: aiohttp.ClientSession) -> None:
    token = await site.auth.issue_link(GRANT)
    async with browser.get(f"{site.url}/login/{token}") as page:  # opening it (or a link preview) spends nothing
        assert page.status == 200 and "Sign in" in await page.text()
    first = await _sign_in(site, browser, token)
    assert first.status == 303 and first.headers["Location"] == "/panel"
    async with browser.get(site.url + "/panel") as panel:
        text = await panel.text()
        assert panel.status == 200 and "K-drama fans" in text and "Ann" in text
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as other:
        replay = await _sign_in(site, other, token)
        assert replay.status == 403  # replayed: refused, and no session for the replayer
        async with other.get(site.url + "/panel") as panel:
            assert panel.status == 401


async def test_an_expired_link_is_refused(site: Site, browser: aiohttp.ClientSession) -> None:
    token = await site.auth.issue_link(GRANT)
    site.clock.now += LINK_TTL + 1
    response = await _sign_in(site, browser, token)
    assert response.status == 403
    assert COOKIE not in {c.key for c in browser.cookie_jar}


@pytest.mark.parametrize("token", ["A" * 43, "not-a-token", "x" * 500, "%3Cscript%3E"])
async def test_forged_links_are_refused(site: Site, browser: aiohttp.ClientSession, token: str) -> None:
    await site.auth.issue_link(GRANT)
    response = await _sign_in(site, browser, token)
    assert response.status in (403, 404)
    async with browser.get(site.url + "/panel") as panel:
        assert panel.status == 401


def _database_bytes(db_path: str) -> bytes:
    return b"".join(p.read_bytes() for p in (Path(db_path), Path(db_path + "-wal")) if p.exists())


async def test_the_token_is_stored_only_as_a_hash(site: Site, browser: aiohttp.ClientSession, db_path: str) -> None:
    token = await site.auth.issue_link(GRANT)
    await _sign_in(site, browser, token)
    data = await asyncio.to_thread(_database_bytes, db_path)
    assert token.encode() not in data
    assert hashlib.sha256(token.encode()).hexdigest().encode() in data


async def test_signing_in_from_another_site_is_refused(site: Site, browser: aiohttp.ClientSession) -> None:
    token = await site.auth.issue_link(GRANT)
    async with browser.post(f"{site.url}/login/{token}", allow_redirects=False,
                            headers={"Origin": "https://evil.example"}) as response:
        assert response.status == 403
    assert (await _sign_in(site, browser, token)).status == 303  # the link was not spent by that


# -- the session cookie ----------------------------------------------------------------------------
async def test_cookie_attributes(site: Site, browser: aiohttp.ClientSession) -> None:
    response = await _sign_in(site, browser)
    cookie = response.cookies[COOKIE]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert not cookie["secure"]  # plain http here: a Secure cookie would never come back
    assert cookie["path"] == "/"
    assert int(cookie["max-age"]) == int(SESSION_TTL)


async def test_secure_cookie_behind_a_trusted_https_proxy(tmp_path: Path) -> None:
    for trusted, secure in (("1", True), ("0", False)):
        async for site in _site({"SHOWBOT_TRUST_PROXY": trusted}, str(tmp_path / f"{trusted}.db")):
            async with aiohttp.ClientSession() as client:
                token = await site.auth.issue_link(GRANT)
                async with client.post(f"{site.url}/login/{token}", allow_redirects=False,
                                       headers={"X-Forwarded-Proto": "https"}) as response:
                    assert response.status == 303
                    assert bool(response.cookies[COOKIE]["secure"]) is secure


async def test_a_tampered_cookie_is_refused(site: Site, browser: aiohttp.ClientSession) -> None:
    await _sign_in(site, browser)
    value = next(c.value for c in browser.cookie_jar if c.key == COOKIE)
    for forged in (value[:-2] + ("AA" if value[-2:] != "AA" else "BB"),
                   Signer("another-secret", max_age=SESSION_TTL).cookie_value("guess")):
        async with aiohttp.ClientSession() as client, \
                client.get(site.url + "/panel", headers={"Cookie": f"{COOKIE}={forged}"}) as panel:
            assert panel.status == 401


def test_cookie_signatures_expire(monkeypatch: pytest.MonkeyPatch) -> None:
    signer = Signer("k", max_age=60)
    value = signer.cookie_value("session-token-value")
    assert signer.session_token(value) == "session-token-value"
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + 120)
    assert signer.session_token(value) is None


async def test_sessions_expire(site: Site, browser: aiohttp.ClientSession) -> None:
    await _sign_in(site, browser)
    async with browser.get(site.url + "/panel") as panel:
        assert panel.status == 200
    site.clock.now += SESSION_TTL + 1
    async with browser.get(site.url + "/panel") as panel:
        assert panel.status == 401
        assert "/panel" in await panel.text()  # the page says how to get a new link


# -- CSRF and logout -------------------------------------------------------------------------------
async def test_logout_needs_the_csrf_token_and_ends_the_session(site: Site, browser: aiohttp.ClientSession) -> None:
    await _sign_in(site, browser)
    csrf = await _csrf(site, browser)
    cookie = next(c.value for c in browser.cookie_jar if c.key == COOKIE)
    for data, headers in (({}, {}), ({"csrf": "0" * 64}, {}), ({"csrf": csrf}, {"Origin": "https://evil.example"}),
                          ({"csrf": csrf}, {"Origin": "null"})):
        async with browser.post(site.url + "/logout", data=data, headers=headers, allow_redirects=False) as response:
            assert response.status == 403, (data, headers)
    async with browser.get(site.url + "/panel") as panel:
        assert panel.status == 200  # still signed in: nothing was done
    async with browser.post(site.url + "/logout", data={"csrf": csrf}, headers={"Origin": site.url},
                            allow_redirects=False) as response:
        assert response.status == 303
    async with browser.get(site.url + "/panel") as panel:
        assert panel.status == 401
    async with aiohttp.ClientSession() as thief, \
            thief.get(site.url + "/panel", headers={"Cookie": f"{COOKIE}={cookie}"}) as panel:
        assert panel.status == 401  # a copy of the old cookie is worthless once signed out


async def test_csrf_tokens_are_per_session(site: Site) -> None:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as a, \
            aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as b:
        await _sign_in(site, a)
        await _sign_in(site, b)
        token_a, token_b = await _csrf(site, a), await _csrf(site, b)
        assert token_a != token_b
        async with b.post(site.url + "/logout", data={"csrf": token_a}, allow_redirects=False) as response:
            assert response.status == 403


async def test_prune_forgets_expired_links_and_sessions(site: Site, browser: aiohttp.ClientSession) -> None:
    await site.auth.issue_link(GRANT)
    await _sign_in(site, browser)
    site.clock.now += SESSION_TTL + 1
    assert await site.auth.prune() == 3  # the unused link, the spent one, the expired session
    assert await site.auth.prune() == 0


async def test_without_a_panel_the_routes_are_not_found() -> None:
    context = WebContext(load_settings(env={}), Health(_Probe(), stale_after=1800), Metrics(), _counts)
    async with WebServer(build_app(context), "127.0.0.1", 0) as server, aiohttp.ClientSession() as client:
        async with client.get(server.url + "/panel") as response:
            assert response.status == 404
        async with client.get(server.url + "/login/" + "a" * 43) as response:
            assert response.status == 404
