"""feeds/websub.py: discovery, the subscription request, intent verification, signatures, leases,
and the hub client against a hub on 127.0.0.1."""

from __future__ import annotations

from urllib.parse import parse_qsl

import pytest

from feeds.websub import (
    HubClient,
    Mode,
    SubscriptionRequest,
    Verification,
    check_signature,
    discover,
    may_send_secret,
    new_secret,
    parse_link_header,
    renew_at,
    sign,
)
from tests.support.http_server import LocalServer, Request, Response

FEED = "https://news.example.org/tv/feed/"

RSS_WITH_HUB = b"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">
<channel>
  <title>TV news</title>
  <atom:link href="https://news.example.org/tv/feed/?canonical=1&amp;x=2" rel="self" type="application/rss+xml"/>
  <atom:link rel="hub" href="https://pubsubhubbub.appspot.com/"/>
  <atom:link rel='hub' href='https://websub.example.net/hub'/>
  <item><title>An item</title><atom:link rel="hub" href="https://evil.example/hub"/></item>
</channel>
</rss>"""

ATOM_WITH_HUB = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>Atom TV</title>
  <link rel="alternate" href="https://atom.example.org/"/>
  <link href="/feed.atom" rel="self"/>
  <link rel="hub" href="/hub"/>
  <entry><title>x</title></entry>
</feed>"""


# -- discovery -------------------------------------------------------------------------------------
def test_discover_reads_atom_links_in_an_rss_channel() -> None:
    links = discover(RSS_WITH_HUB, {}, url=FEED)
    assert links is not None
    assert links.hubs == ("https://pubsubhubbub.appspot.com/", "https://websub.example.net/hub")
    assert links.topic == "https://news.example.org/tv/feed/?canonical=1&x=2"  # entities decoded


def test_discover_resolves_relative_links_in_atom() -> None:
    links = discover(ATOM_WITH_HUB, {}, url="https://atom.example.org/tv/feed.atom")
    assert links is not None
    assert links.hubs == ("https://atom.example.org/hub",)
    assert links.topic == "https://atom.example.org/feed.atom"


def test_link_headers_come_first_and_the_feed_url_is_the_default_topic() -> None:
    headers = {"link": '<https://hub.example.com/>; rel="hub", <https://x.example/other>; rel="alternate"'}
    links = discover(RSS_WITH_HUB, headers, url=FEED)
    assert links is not None and links.hubs == ("https://hub.example.com/",)
    assert links.topic == FEED  # no rel=self in the headers


def test_link_header_parsing_handles_several_rels() -> None:
    parsed = parse_link_header('<https://a.example/h>; rel="hub self"; title="x, y", <https://b.example/>; rel=next')
    assert parsed[0] == ("https://a.example/h", frozenset({"hub", "self"}))
    assert ("https://b.example/", frozenset({"next"})) in parsed


@pytest.mark.parametrize("body", [
    b"<rss><channel><title>No hub</title><item><title>x</title></item></channel></rss>",
    b"<rss><channel><atom:link rel='hub' href='javascript:alert(1)'/></channel></rss>",
    b"<rss><channel><atom:link rel='hub' href='ftp://hub.example/'/></channel></rss>",
    b"",
    b"\xff\xfe garbage <link rel=hub href=",
])
def test_no_usable_hub_means_no_websub(body: bytes) -> None:
    assert discover(body, {}, url=FEED) is None


def test_hub_links_inside_entries_are_not_the_feeds_hub() -> None:
    body = b"<rss><channel><title>t</title><item><atom:link rel='hub' href='https://evil.example/h'/></item></channel></rss>"
    assert discover(body, {}, url=FEED) is None


# -- requests and verification ---------------------------------------------------------------------
def test_subscription_request_form() -> None:
    form = SubscriptionRequest(Mode.SUBSCRIBE, FEED, "https://bot.example/websub/abc", "s3cret", 86400).form()
    assert form == {"hub.mode": "subscribe", "hub.topic": FEED, "hub.callback": "https://bot.example/websub/abc",
                    "hub.lease_seconds": "86400", "hub.secret": "s3cret"}
    unsubscribe = SubscriptionRequest(Mode.UNSUBSCRIBE, FEED, "https://bot.example/websub/abc", "s3cret").form()
    assert "hub.secret" not in unsubscribe and unsubscribe["hub.mode"] == "unsubscribe"
    with pytest.raises(ValueError, match="200 bytes"):
        SubscriptionRequest(Mode.SUBSCRIBE, FEED, "https://b/", "x" * 200).form()
    assert len(new_secret().encode()) < 200


def test_secrets_travel_over_https_only_unless_private_hosts_are_allowed() -> None:
    assert may_send_secret("https://hub.example/", allow_private=False)
    assert not may_send_secret("http://hub.example/", allow_private=False)
    assert may_send_secret("http://127.0.0.1:9/hub", allow_private=True)


def test_verification_parsing() -> None:
    v = Verification.from_query({"hub.mode": "subscribe", "hub.topic": FEED, "hub.challenge": "abc",
                                 "hub.lease_seconds": "3600"})
    assert (v.mode, v.topic, v.challenge, v.lease_seconds) == (Mode.SUBSCRIBE, FEED, "abc", 3600)
    denied = Verification.from_query({"hub.mode": "denied", "hub.topic": FEED, "hub.reason": "no"})
    assert denied.mode is Mode.DENIED and denied.reason == "no"
    for bad in ({"hub.mode": "publish", "hub.topic": FEED, "hub.challenge": "x"},
                {"hub.mode": "subscribe", "hub.challenge": "x"},
                {"hub.mode": "subscribe", "hub.topic": FEED},
                {"hub.mode": "subscribe", "hub.topic": FEED, "hub.challenge": "x", "hub.lease_seconds": "-5"}):
        with pytest.raises(ValueError):
            Verification.from_query(bad)


# -- signatures and leases -------------------------------------------------------------------------
@pytest.mark.parametrize("method", ["sha1", "sha256", "sha384", "sha512"])
def test_signatures_of_every_method_check(method: str) -> None:
    body = b"<rss>pushed</rss>"
    header = sign("k", body, method)
    assert check_signature("k", body, header)
    assert check_signature("k", body, header.upper().replace(method.upper(), method))  # hex case doesn't matter
    assert not check_signature("k", body + b" ", header)
    assert not check_signature("other", body, header)


@pytest.mark.parametrize("header", [None, "", "sha256", "sha256=", "md5=abc", "sha256=zz", "=abc"])
def test_malformed_signatures_are_refused(header: str | None) -> None:
    assert not check_signature("k", b"body", header)


def test_leases_are_renewed_before_they_end() -> None:
    assert renew_at(1000.0, None) is None
    assert renew_at(0.0, 864000) == 864000 - 86400  # a tenth early
    assert renew_at(0.0, 7200) == 7200 - 3600  # at least an hour early
    assert renew_at(0.0, 600) == 300  # but never more than half of a short lease


# -- the hub client --------------------------------------------------------------------------------
async def test_hub_client_posts_the_form_and_reads_the_answer(server: LocalServer) -> None:
    seen: list[dict[str, str]] = []

    def hub(request: Request) -> Response:
        seen.append(dict(parse_qsl(request.body.decode())))
        if seen[-1].get("hub.topic") == "https://refused.example/":
            return Response(400, b"unknown topic")
        return Response(202, b"")

    server.routes["/hub"] = hub
    async with HubClient(allow_private=True) as client:
        answer = await client.request(server.url("/hub"), SubscriptionRequest(
            Mode.SUBSCRIBE, FEED, "http://127.0.0.1:1/websub/x", "s", 3600))
        assert answer.accepted and answer.status == 202
        refused = await client.request(server.url("/hub"), SubscriptionRequest(
            Mode.SUBSCRIBE, "https://refused.example/", "http://127.0.0.1:1/websub/y"))
        assert not refused.accepted and refused.status == 400 and "unknown topic" in refused.detail
    assert seen[0]["hub.secret"] == "s" and seen[0]["hub.callback"] == "http://127.0.0.1:1/websub/x"


async def test_hub_client_refuses_private_hubs_unless_allowed(server: LocalServer) -> None:
    server.routes["/hub"] = Response(202, b"")
    async with HubClient(allow_private=False) as client:
        answer = await client.request(server.url("/hub"), SubscriptionRequest(Mode.SUBSCRIBE, FEED, "https://b/x"))
    assert not answer.accepted and "private" in answer.detail


async def test_hub_client_never_raises_on_a_dead_hub() -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    async with HubClient(allow_private=True, timeout=2) as client:
        answer = await client.request(f"http://127.0.0.1:{port}/hub",
                                      SubscriptionRequest(Mode.SUBSCRIBE, FEED, "https://b/x"))
    assert not answer.accepted and answer.status is None and answer.detail
