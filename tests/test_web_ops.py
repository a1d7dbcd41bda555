"""The web server in the bot's process: /healthz, /metrics, static files, headers, settings."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.adapters.web.server import WebServer
from bot.app import open_web
from bot.cli import main
from bot.config import ConfigError, load_settings, parse_bind
from bot.metrics import Metrics
from bot.notifications import Notification, Recipient
from bot.poller import PollReport
from bot.ports import RateLimits, RetryLater
from bot.service import ShowBot
from tests.support.fakes import FakeClock


@pytest.fixture
async def showbot(db_path: str) -> AsyncIterator[ShowBot]:
    async with ShowBot.create(load_settings(env={}, db=db_path, web="127.0.0.1:0")) as sb:
        yield sb


@pytest.fixture
async def web(showbot: ShowBot) -> AsyncIterator[WebServer]:
    async with open_web(showbot.settings, showbot) as side:
        assert side is not None
        yield side.server


async def _get(url: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    async with aiohttp.ClientSession() as session, session.get(url, headers=headers) as response:
        return response.status, dict(response.headers), await response.read()


# -- settings --------------------------------------------------------------------------------------
def test_web_settings_default_off_and_public_url() -> None:
    settings = load_settings(env={})
    assert settings.web_bind == ("127.0.0.1", 8080)
    assert load_settings(env={"SHOWBOT_WEB": "off"}).web_bind is None
    assert load_settings(env={"SHOWBOT_WEB": "0.0.0.0:9000"}).web_bind == ("0.0.0.0", 9000)
    assert parse_bind("[::1]:8081") == ("::1", 8081)
    assert load_settings(env={"SHOWBOT_PUBLIC_URL": "https://bot.example.org/"}).public_url == "https://bot.example.org/"
    assert load_settings(env={"SHOWBOT_TRUST_PROXY": "yes"}).trust_proxy is True
    assert "sekrit" not in repr(load_settings(env={"SHOWBOT_WEB_SECRET": "sekrit"}))


@pytest.mark.parametrize("env", [
    {"SHOWBOT_WEB": "127.0.0.1:http"},
    {"SHOWBOT_WEB": "127.0.0.1:70000"},
    {"SHOWBOT_WEB": "bad host!:80"},
    {"SHOWBOT_WEB": "nonsense"},
    {"SHOWBOT_PUBLIC_URL": "ftp://bot.example.org"},
    {"SHOWBOT_PUBLIC_URL": "bot.example.org"},
    {"SHOWBOT_TRUST_PROXY": "perhaps"},
])
def test_bad_web_settings_are_named(env: dict[str, str]) -> None:
    with pytest.raises(ConfigError, match="SHOWBOT_"):
        load_settings(env=env)


# -- the server ------------------------------------------------------------------------------------
async def test_port_zero_binds_a_free_port_and_serves_the_index(web: WebServer) -> None:
    assert web.port > 0
    status, headers, body = await _get(web.url + "/")
    assert status == 200
    assert b"/panel" in body
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Frame-Options"] == "DENY"


async def test_static_files_are_package_data(web: WebServer) -> None:
    status, headers, body = await _get(web.url + "/static/showbot.css")
    assert status == 200
    assert headers["Content-Type"].startswith("text/css")
    assert b"--accent" in body
    status, _, _ = await _get(web.url + "/static/../server.py")
    assert status in (403, 404)


async def test_web_off_starts_nothing(showbot: ShowBot, db_path: str) -> None:
    settings = load_settings(env={"SHOWBOT_WEB": "off"}, db=db_path)
    async with open_web(settings, showbot) as server:
        assert server is None


async def test_an_address_in_use_is_logged_and_the_bot_runs_on(showbot: ShowBot, web: WebServer,
                                                              caplog: pytest.LogCaptureFixture) -> None:
    settings = load_settings(env={"SHOWBOT_WEB": f"127.0.0.1:{web.port}"}, db=showbot.settings.db)
    async with open_web(settings, showbot) as second:
        assert second is None
    assert "cannot listen" in caplog.text


# -- /healthz --------------------------------------------------------------------------------------
async def test_healthz_is_ok_for_a_fresh_bot(web: WebServer) -> None:
    status, headers, body = await _get(web.url + "/healthz")
    assert status == 200, body
    assert headers["Cache-Control"] == "no-store"
    report = json.loads(body)
    assert report["status"] == "ok" and report["database"] == "ok"
    assert report["feeds"] >= 1


async def test_healthz_reports_a_stopped_loop(showbot: ShowBot, web: WebServer) -> None:
    async def crashes() -> None:
        raise RuntimeError("boom")

    task = asyncio.ensure_future(crashes())
    await asyncio.wait({task})
    showbot.health.watch("poll", task)  # type: ignore[arg-type]
    status, _, body = await _get(web.url + "/healthz")
    assert status == 503
    assert b"loop poll stopped" in body and b"RuntimeError: boom" in body
    alive = asyncio.ensure_future(asyncio.sleep(60))
    showbot.health.watch("poll", alive)  # type: ignore[arg-type]
    status, _, _ = await _get(web.url + "/healthz")
    assert status == 200
    alive.cancel()


async def test_healthz_reports_stale_polls(db_path: str) -> None:
    clock = FakeClock()
    settings = load_settings(env={}, db=db_path, web="127.0.0.1:0")
    async with ShowBot.create(settings) as showbot:
        from bot.health import Health, StorageProbe

        showbot.health = Health(StorageProbe(showbot.storage), stale_after=1800, clock=clock)
        async with open_web(settings, showbot) as side:
            assert side is not None
            web = side.server
            assert (await _get(web.url + "/healthz"))[0] == 200
            clock.now += 1801  # nothing fetched since the start, half an hour on
            status, _, body = await _get(web.url + "/healthz")
            assert status == 503 and b"no feed fetched successfully" in body
            [feed, *_] = await showbot.storage.feeds.all()
            await showbot.storage.feeds.record_feed_success(feed.id, etag=None, last_modified=None, title=None,
                                                   next_poll_at=clock.now + 600, now=clock.now)
            assert (await _get(web.url + "/healthz"))[0] == 200


async def test_healthz_reports_an_unreachable_database(showbot: ShowBot, web: WebServer) -> None:
    class Broken:
        async def ping(self) -> None:
            raise OSError("disk I/O error")

        async def last_poll_success(self) -> tuple[int, float | None]:
            return 0, None

    showbot.health._probe = Broken()  # type: ignore[assignment]
    status, _, body = await _get(web.url + "/healthz")
    assert status == 503 and b"unreachable" in body and b"disk I/O error" in body


# -- /metrics --------------------------------------------------------------------------------------
def _families(text: str) -> dict[str, dict[tuple[tuple[str, str], ...], float]]:
    out: dict[str, dict[tuple[tuple[str, str], ...], float]] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            out.setdefault(sample.name, {})[tuple(sorted(sample.labels.items()))] = sample.value
    return out


async def test_metrics_parse_and_count_what_happened(showbot: ShowBot, web: WebServer) -> None:
    report = await showbot.poll_once(force=True)
    assert report.fetched >= 1
    showbot.metrics.delivered("fake", showbot._clock() - 42.0, showbot._clock())
    status, headers, body = await _get(web.url + "/metrics")
    assert status == 200
    assert headers["Content-Type"].startswith("text/plain")
    samples = _families(body.decode())
    assert samples["showbot_feed_polls_total"][(("result", "ok"),)] == report.fetched
    assert samples["showbot_poll_cycles_total"][()] == 1
    assert samples["showbot_poll_cycle_seconds_count"][()] == 1
    assert samples["showbot_items_new_total"][(("source", "poll"),)] == report.new_items
    assert samples["showbot_feeds"][(("state", "ok"),)] == report.fetched
    assert samples["showbot_items_stored"][()] == report.new_items
    assert samples["showbot_outbox"][(("status", "pending"),)] == report.notifications
    assert samples["showbot_storage_up"][()] == 1
    stories = (await showbot.storage.stats()).stories
    assert stories > 0 and samples["showbot_stories"][()] == stories
    latency = samples["showbot_news_latency_seconds_bucket"]
    assert latency[(("le", "30.0"), ("platform", "fake"))] == 0
    assert latency[(("le", "60.0"), ("platform", "fake"))] == 1
    assert samples["showbot_notifications_sent_total"][(("platform", "fake"),)] == 1


async def test_delivery_reports_sends_429s_and_latency(showbot: ShowBot) -> None:
    from bot.commands import Caller, Commands

    class Limited:
        platform = "console"
        limits = RateLimits(per_second=1000.0, private_interval=0.0, group_interval=0.0)
        calls = 0

        async def send(self, recipient: Recipient, notification: Notification) -> None:
            self.calls += 1
            if self.calls == 1:
                raise RetryLater("slow down", 0.0)

    await Commands(showbot).run(Caller("console", "local", "local"), "subscribe", show="Squid Game")
    report = await showbot.poll_once(force=True)
    showbot.register(Limited())  # type: ignore[arg-type]
    delivered = await showbot.delivery.deliver_due()
    assert delivered.sent == report.notifications > 0
    samples = _families(showbot.metrics.exposition().decode())
    assert samples["showbot_rate_limited_total"][(("platform", "console"),)] == 1
    assert samples["showbot_notifications_sent_total"][(("platform", "console"),)] == delivered.sent
    assert samples["showbot_news_latency_seconds_count"][(("platform", "console"),)] == delivered.sent


async def test_metrics_say_when_the_database_is_down(showbot: ShowBot, web: WebServer,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    async def unreachable() -> None:
        raise OSError("database is locked")

    monkeypatch.setattr(showbot.storage, "stats", unreachable)
    status, _, body = await _get(web.url + "/metrics")
    assert status == 200
    assert _families(body.decode())["showbot_storage_up"][()] == 0


def test_each_metrics_object_has_its_own_registry() -> None:
    a, b = Metrics(), Metrics()
    a.poll_cycle(PollReport(feeds=1, fetched=1, new_items=3), 0.1)
    assert _families(a.exposition().decode())["showbot_items_new_total"][(("source", "poll"),)] == 3
    assert (("source", "poll"),) not in _families(b.exposition().decode()).get("showbot_items_new_total", {})


# -- behind a reverse proxy ------------------------------------------------------------------------
async def test_forwarded_headers_only_when_trusted(showbot: ShowBot, db_path: str) -> None:
    from aiohttp import web as aioweb

    from bot.adapters.web.app import build_app
    from bot.adapters.web.context import WebContext
    from bot.metrics import stored_counts

    seen: list[tuple[str, str | None]] = []

    async def probe(request: aioweb.Request) -> aioweb.Response:
        seen.append((request.scheme, request.remote))
        return aioweb.Response(text="ok")

    for trusted in (False, True):
        settings = load_settings(env={"SHOWBOT_TRUST_PROXY": "1" if trusted else "0"}, db=db_path)
        app = build_app(WebContext(settings, showbot.health, showbot.metrics, lambda: stored_counts(showbot.storage)))
        app.router.add_get("/probe", probe)
        async with WebServer(app, "127.0.0.1", 0) as server:
            await _get(server.url + "/probe", **{"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"})
    assert seen == [("http", "127.0.0.1"), ("https", "203.0.113.9")]


# -- `showbot health` (Docker's HEALTHCHECK) -------------------------------------------------------
async def test_showbot_health_asks_the_running_bot(showbot: ShowBot, web: WebServer) -> None:
    from bot.health import probe_running_bot

    settings = load_settings(env={"SHOWBOT_WEB": f"127.0.0.1:{web.port}"}, db=showbot.settings.db)
    healthy, text = await asyncio.to_thread(probe_running_bot, settings)
    assert healthy and '"status": "ok"' in text
    showbot.health._probe.ping = _raises  # type: ignore[method-assign]
    healthy, text = await asyncio.to_thread(probe_running_bot, settings)
    assert not healthy and "unhealthy" in text


async def _raises() -> None:
    raise OSError("gone")


def test_showbot_health_fails_when_nothing_listens(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as s:  # a port that was free a moment ago and has no listener now
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    db = str(tmp_path / "h.db")
    monkeypatch.setenv("SHOWBOT_WEB", f"127.0.0.1:{port}")
    assert main(["health", "--db", db]) == 1
    assert "/healthz" in capsys.readouterr().out
    monkeypatch.setenv("SHOWBOT_WEB", "off")
    assert main(["health", "--db", db]) == 1  # no database yet: nothing answers, and none is created
    assert "no database" in capsys.readouterr().out and not Path(db).exists()
    assert main(["catalog", "import", str(Path(__file__).parent.parent / "bot" / "data" / "catalog.json"),
                 "--db", db]) == 0
    capsys.readouterr()
    assert main(["health", "--db", db]) == 0
    assert "database answers" in capsys.readouterr().out
