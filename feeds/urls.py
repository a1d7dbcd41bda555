"""Which feed URLs the bot may fetch: http(s) only, and no loopback/private/metadata hosts
unless the deployment explicitly allows them (a moderator must not make the bot probe its own network)."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit, urlunsplit

BUNDLED_SCHEME = "bundled"
MAX_URL_LENGTH = 2000
DEFAULT_PORTS = {"http": 80, "https": 443}


class UnsafeURLError(ValueError):
    """The URL is not one the bot will fetch; the message says why, for the user."""


class HostLookupError(UnsafeURLError):
    """The host name did not resolve. Unlike the other refusals this may pass: a fetch that meets
    it is retried like any failing feed."""


def normalise_url(url: str) -> str:
    """One spelling per feed: scheme and host lower-case (an international host in its ASCII
    form), no default port, no fragment, an empty path as '/', no empty query. The path and query
    are kept as they are (servers may treat their case and order as meaningful)."""
    url = url.strip()
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        return url
    host = parts.hostname or ""
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            pass
    if ":" in host:
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        return url  # check_url_syntax says what is wrong with it
    userinfo = parts.netloc.rpartition("@")[0]
    netloc = (f"{userinfo}@" if userinfo else "") + host
    if port is not None and port != DEFAULT_PORTS[scheme]:
        netloc += f":{port}"
    return urlunsplit((scheme, netloc, parts.path or "/", parts.query, ""))


def check_url_syntax(url: str) -> str:
    """Return the URL normalised (normalise_url), or raise UnsafeURLError with a reason a moderator
    can act on."""
    url = url.strip()
    if not url:
        raise UnsafeURLError("the URL is empty")
    if len(url) > MAX_URL_LENGTH:
        raise UnsafeURLError(f"the URL is longer than {MAX_URL_LENGTH} characters")
    if any(ch.isspace() or ord(ch) < 0x20 for ch in url):
        raise UnsafeURLError("the URL contains spaces or control characters")
    parts = urlsplit(url)
    if parts.scheme == BUNDLED_SCHEME:
        return url
    if parts.scheme not in ("http", "https"):
        raise UnsafeURLError("only http:// and https:// feed URLs are allowed")
    if not parts.hostname:
        raise UnsafeURLError("the URL has no host")
    if parts.username or parts.password:
        raise UnsafeURLError("URLs with a user name or password are not allowed")
    try:
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError:
        raise UnsafeURLError("the URL has an invalid port") from None
    return normalise_url(url)


def is_public_address(address: str) -> bool:
    ip: ipaddress.IPv4Address | ipaddress.IPv6Address = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and (wrapped := ip.ipv4_mapped or ip.sixtofour) is not None:
        ip = wrapped  # judge the IPv4 address it wraps (::ffff:a.b.c.d, 2002:abcd::)
    return not (
        ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast or ip.is_reserved
        or ip.is_unspecified or (isinstance(ip, ipaddress.IPv4Address) and ip in _CGNAT)
    )


_CGNAT = ipaddress.ip_network("100.64.0.0/10")


async def check_url_target(url: str, *, allow_private: bool) -> None:
    """Raise UnsafeURLError if the URL's host resolves to a non-public address (and that isn't allowed)."""
    check_url_syntax(url)
    parts = urlsplit(url)
    if parts.scheme == BUNDLED_SCHEME or allow_private:
        return
    host = parts.hostname or ""
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, parts.port or 443, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise HostLookupError(f"the host {host!r} cannot be resolved ({exc.strerror or exc})") from None
    for info in infos:
        address = str(info[4][0])
        if not is_public_address(address):
            raise UnsafeURLError(
                f"the host {host!r} resolves to a private, loopback or link-local address ({address}); "
                "set SHOWBOT_ALLOW_PRIVATE_FEEDS=1 to allow it"
            )
