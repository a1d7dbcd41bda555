"""Which feed URLs the bot may fetch (feeds.urls) and how FeedFetcher enforces it on every hop.

IP literals only: nothing here needs DNS. Host names are resolved through a faked resolver."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import pytest

from bot.config import ConfigError, load_settings
from bot.poller import PERMANENT_BACKOFF_BASE, Poller
from feeds.fetch import FeedFetcher
from feeds.http import RawResponse
from feeds.understand.matcher import Matcher
from feeds.urls import (
    MAX_URL_LENGTH,
    UnsafeURLError,
    check_url_syntax,
    check_url_target,
    is_public_address,
    normalise_url,
)
from storage import open_storage
from tests.support.http_server import LocalServer, Response

FEED = b'<rss version="2.0"><channel><title>t</title><item><title>x</title><guid>1</guid></item></channel></rss>'


# -- syntax --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("ftp://example.com/feed.xml", "only http"),
        ("file:///etc/passwd", "only http"),
        ("javascript:alert(1)", "only http"),
        ("gopher://example.com/", "only http"),
        ("data:text/xml,<rss/>", "only http"),
        ("example.com/feed", "only http"),
        ("//example.com/feed", "only http"),
        ("http://", "no host"),
        ("http:///feed.xml", "no host"),
        ("https://:443/feed.xml", "no host"),
        ("http://user:secret@example.com/feed", "password"),
        ("http://user@example.com/feed", "user name"),
        ("https://:secret@example.com/feed", "password"),
        ("http://exa mple.com/feed", "spaces"),
        ("http://example.com/a feed.xml", "spaces"),
        ("http://example.com/\tfeed", "spaces"),
        ("http://example.com/feed\n.xml", "spaces"),
        ("http://example.com/\x00feed", "control"),
        ("https://example.com/" + "a" * MAX_URL_LENGTH, "longer than"),
        ("http://example.com:99999/feed", "port"),
        ("http://example.com:port/feed", "port"),
    ],
)
def test_bad_urls_are_refused_with_a_reason(url: str, reason: str) -> None:
    with pytest.raises(UnsafeURLError, match=reason):
        check_url_syntax(url)


@pytest.mark.parametrize(
    "url",
    [
        "https://deadline.com/category/tv/feed/",
        "http://example.com:8080/rss?x=1&y=2",
        "HTTPS://EXAMPLE.COM/FEED",
        "https://例え.jp/feed",
        "bundled:tv-trade.xml",
    ],
)
def test_good_urls_pass(url: str) -> None:
    assert check_url_syntax(url) == normalise_url(url)


def test_surrounding_whitespace_is_stripped() -> None:
    assert check_url_syntax("  https://example.com/feed \n") == "https://example.com/feed"


def test_the_length_limit_is_exact() -> None:
    base = "https://example.com/"
    at_limit = base + "a" * (MAX_URL_LENGTH - len(base))
    assert check_url_syntax(at_limit) == at_limit
    with pytest.raises(UnsafeURLError):
        check_url_syntax(at_limit + "a")


def test_feed_urls_in_settings_are_checked() -> None:
    with pytest.raises(ConfigError, match="only http"):
        load_settings(env={"SHOWBOT_FEEDS": "https://example.com/ok,ftp://example.com/bad"})


# -- targets -------------------------------------------------------------------------------
NON_PUBLIC = [
    # loopback
    "127.0.0.1", "127.1.2.3", "localhost", "[::1]", "2130706433", "0x7f.1", "127.1",
    # private
    "10.0.0.1", "10.255.255.254", "192.168.1.1", "172.16.0.1", "172.31.255.255", "[fc00::1]", "[fd12:3456::1]",
    # link-local and cloud metadata
    "169.254.169.254", "169.254.0.1", "[fe80::1]",
    # carrier-grade NAT
    "100.64.0.1", "100.127.255.254",
    # IPv4-mapped and other IPv6 wrappings of IPv4
    "[::ffff:127.0.0.1]", "[::ffff:169.254.169.254]", "[::ffff:10.0.0.1]", "[::ffff:192.168.0.1]",
    "[::ffff:100.64.0.1]", "[2002:7f00:1::1]", "[2002:a9fe:a9fe::1]",
    # unspecified, multicast, reserved, broadcast
    "0.0.0.0", "[::]", "224.0.0.1", "[ff02::1]", "240.0.0.1", "255.255.255.255",
]
PUBLIC = ["93.184.216.34", "8.8.8.8", "100.128.0.1", "172.32.0.1", "[2606:4700::1111]", "[::ffff:8.8.8.8]",
          "[2002:808:808::1]"]


@pytest.mark.parametrize("host", NON_PUBLIC)
async def test_non_public_hosts_are_refused(host: str) -> None:
    url = f"http://{host}:8080/feed.xml"
    with pytest.raises(UnsafeURLError, match="private, loopback or link-local"):
        await check_url_target(url, allow_private=False)
    await check_url_target(url, allow_private=True)  # a deployment may opt in


@pytest.mark.parametrize("host", PUBLIC)
async def test_public_hosts_are_allowed(host: str) -> None:
    await check_url_target(f"https://{host}/feed.xml", allow_private=False)


@pytest.mark.parametrize("address", ["100.63.255.255", "100.128.0.0"])
def test_the_cgnat_range_edges(address: str) -> None:
    assert is_public_address(address)


async def test_allow_private_does_not_allow_bad_syntax() -> None:
    with pytest.raises(UnsafeURLError, match="only http"):
        await check_url_target("file:///etc/passwd", allow_private=True)


async def test_a_name_is_refused_when_any_of_its_addresses_is_private(monkeypatch: pytest.MonkeyPatch) -> None:
    answers = {"news.example": ["93.184.216.34", "10.0.0.7"], "public.example": ["93.184.216.34", "2606:4700::1"]}

    async def fake_getaddrinfo(host: str, port: int, **_: object) -> list[tuple]:
        if host not in answers:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [(socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port))
                for a in answers[host]]

    monkeypatch.setattr(asyncio.get_running_loop(), "getaddrinfo", fake_getaddrinfo)
    with pytest.raises(UnsafeURLError, match=r"10\.0\.0\.7"):
        await check_url_target("https://news.example/feed", allow_private=False)
    await check_url_target("https://public.example/feed", allow_private=False)
    with pytest.raises(UnsafeURLError, match="cannot be resolved"):
        await check_url_target("https://nowhere.example/feed", allow_private=False)


@pytest.mark.parametrize(("url", "normal"), [
    ("HTTP://News.Example/tv", "http://news.example/tv"),
    ("https://news.example:443/tv", "https://news.example/tv"),
    ("http://news.example:80/tv", "http://news.example/tv"),
    ("http://news.example:8080/tv", "http://news.example:8080/tv"),
    ("https://news.example/tv#top", "https://news.example/tv"),
    ("https://news.example", "https://news.example/"),
    ("https://news.example/tv?", "https://news.example/tv"),
    ("https://news.example/tv?page=2&Sort=A", "https://news.example/tv?page=2&Sort=A"),
    ("https://news.example/TV/", "https://news.example/TV/"),
    ("https://[2606:4700::1]:443/feed", "https://[2606:4700::1]/feed"),
    ("https://bücher.example/feed", "https://xn--bcher-kva.example/feed"),
    ("  https://news.example/tv  ", "https://news.example/tv"),
    ("bundled:tv-trade.xml", "bundled:tv-trade.xml"),
])
def test_urls_are_normalised(url: str, normal: str) -> None:
    assert normalise_url(url) == normal
    assert check_url_syntax(url) == normal  # what every entry point keeps


async def test_a_dns_failure_is_temporary(monkeypatch: pytest.MonkeyPatch) -> None:
    """A name that doesn't resolve now may resolve in a minute: the feed backs off like any
    failing feed, not like a refused one (an hour)."""

    async def no_dns(host: str, port: int, **_: object) -> list[tuple]:
        raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")

    monkeypatch.setattr(asyncio.get_running_loop(), "getaddrinfo", no_dns)
    async with FeedFetcher(allow_private=False, client=FakeInternet({})) as fetcher:
        result = await fetcher.fetch("https://news.example/feed")
    assert not result.ok and not result.permanent
    assert "cannot be resolved" in (result.error or "")


# -- the fetcher checks every hop ----------------------------------------------------------
@dataclass
class Canned:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


class FakeInternet:
    """An HttpClient (feeds.http's port) standing in for the internet: public hosts answer,
    private ones must never be asked."""

    def __init__(self, routes: dict[str, Canned]) -> None:
        self.routes = routes
        self.asked: list[str] = []

    @asynccontextmanager
    async def get(self, url: str, headers: Mapping[str, str]) -> AsyncIterator[RawResponse]:
        self.asked.append(url)
        canned = self.routes.get(url, Canned(404))

        async def chunks() -> AsyncIterator[bytes]:
            yield canned.body

        yield RawResponse(canned.status, "", canned.headers, chunks())

    async def aclose(self) -> None:
        pass


def redirect(location: str, status: int = 302) -> Canned:
    return Canned(status, headers={"Location": location})


@pytest.mark.parametrize(
    "target",
    [
        "http://127.0.0.1:8080/admin",
        "http://169.254.169.254/latest/meta-data/iam/",
        "//169.254.169.254/latest/meta-data/",
        "http://[::ffff:10.0.0.1]/internal",
        "http://2130706433/",
        "file:///etc/passwd",
        "http://admin:admin@93.184.216.35/feed",
    ],
)
async def test_a_redirect_to_a_forbidden_target_is_refused(target: str) -> None:
    internet = FakeInternet({"http://93.184.216.34/feed.xml": redirect(target)})
    async with FeedFetcher(allow_private=False, client=internet) as fetcher:
        result = await fetcher.fetch("http://93.184.216.34/feed.xml")
    assert not result.ok
    assert (result.error or "").startswith("refused:")
    assert result.permanent
    assert internet.asked == ["http://93.184.216.34/feed.xml"]


async def test_a_redirect_between_public_hosts_is_followed() -> None:
    internet = FakeInternet({
        "http://93.184.216.34/feed.xml": redirect("https://93.184.216.35/rss", 301),
        "https://93.184.216.35/rss": Canned(200, FEED, {"Content-Type": "application/xml"}),
    })
    async with FeedFetcher(allow_private=False, client=internet) as fetcher:
        result = await fetcher.fetch("http://93.184.216.34/feed.xml")
    assert result.ok and result.body == FEED
    assert internet.asked == ["http://93.184.216.34/feed.xml", "https://93.184.216.35/rss"]


async def test_a_private_redirect_is_refused_over_real_sockets(
    server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first hop is "public" (the check is told so for /public.xml only); its redirect to
    127.0.0.1 is checked by the real check_url_target and refused before any request is made."""
    import feeds.fetch

    real_check = feeds.fetch.check_url_target
    checked: list[str] = []

    async def check(url: str, *, allow_private: bool) -> None:
        checked.append(url)
        if url == server.url("/public.xml"):
            return  # pretend this one resolved to a public address
        await real_check(url, allow_private=allow_private)

    monkeypatch.setattr(feeds.fetch, "check_url_target", check)
    server.routes["/public.xml"] = Response(302, headers={"Location": "/private.xml"})
    server.routes["/private.xml"] = Response(200, FEED)
    async with FeedFetcher(allow_private=False) as fetcher:
        result = await fetcher.fetch(server.url("/public.xml"))
    assert checked == [server.url("/public.xml"), server.url("/private.xml")]
    assert not result.ok and "refused" in (result.error or "") and result.permanent
    assert [r.path for r in server.requests] == ["/public.xml"]


async def test_a_private_feed_is_never_requested_and_backs_off_hard(server: LocalServer, db_path: str) -> None:
    server.routes["/feed.xml"] = Response(200, FEED)
    async with open_storage(db_path) as storage, FeedFetcher(allow_private=False) as fetcher:
        await storage.feeds.add_feed(server.url("/feed.xml"))
        poller = Poller(storage, fetcher, lambda: Matcher([]), interval=600.0, clock=lambda: 1000.0)
        report = await poller.poll(force=True)
        feed = await storage.feeds.feed_by_url(server.url("/feed.xml"))
    assert server.requests == []
    assert report.failed == 1
    assert feed is not None and (feed.last_error or "").startswith("refused:")
    assert "SHOWBOT_ALLOW_PRIVATE_FEEDS" in (feed.last_error or "")
    assert feed.next_poll_at - 1000.0 >= 0.9 * PERMANENT_BACKOFF_BASE


async def test_allow_private_reaches_the_local_server(server: LocalServer) -> None:
    server.routes["/feed.xml"] = Response(200, FEED)
    async with FeedFetcher(allow_private=True) as fetcher:
        result = await fetcher.fetch(server.url("/feed.xml"))
    assert result.ok and result.body == FEED
