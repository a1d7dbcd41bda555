"""Shared fixtures. No test reaches the internet: sockets may connect to loopback only."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.http_server import LocalServer

DATA = Path(__file__).parent / "data"
# ../shared beside the checkout (/work/main -> /work/shared; a worktree /work/wt/x finds the same one)
SHARED = next((p / "shared" for p in Path(__file__).resolve().parents[1:] if (p / "shared" / "realdata").is_dir()),
              Path(__file__).resolve().parents[2] / "shared")


def _numeric_ipv4(name: str) -> bool:
    """'2130706433', '0x7f.1', '127.1': IPv4 addresses in the forms inet_aton reads (no lookup)."""
    try:
        socket.inet_aton(name)
    except OSError:
        return False
    return True


@pytest.fixture(autouse=True)
def _no_internet(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail any test that tries to connect anywhere but this machine, or to look a name up on the internet."""
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex

    def _check(address: object) -> None:
        if isinstance(address, tuple) and address:
            host = str(address[0])
            try:
                ip = ipaddress.ip_address(host)
            except ValueError:
                if host != "localhost":
                    raise OSError(f"test tried to reach the internet: {host}") from None
                return
            if not ip.is_loopback:
                raise OSError(f"test tried to reach the internet: {host}")

    def connect(self: socket.socket, address: object) -> None:
        _check(address)
        return real_connect(self, address)

    def connect_ex(self: socket.socket, address: object) -> int:
        _check(address)
        return real_connect_ex(self, address)

    real_getaddrinfo = socket.getaddrinfo

    def getaddrinfo(host: object, *args: object, **kwargs: object) -> object:
        """A name lookup never leaves this machine: a name that isn't local answers as one that doesn't
        exist (what a test of an unknown host expects), an address or localhost as usual."""
        name = host.decode() if isinstance(host, bytes) else str(host) if host is not None else ""
        try:
            ipaddress.ip_address(name)
        except ValueError:
            if name not in ("", "localhost") and not name.endswith(".localhost") and not _numeric_ipv4(name):
                raise socket.gaierror(socket.EAI_NONAME, f"test tried to look up {name} on the internet") from None
        return real_getaddrinfo(host, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


@pytest.fixture
def server() -> Iterator[LocalServer]:
    with LocalServer() as srv:
        yield srv


@pytest.fixture
def db_path(tmp_path: Path) -> str:
    return str(tmp_path / "showbot.db")
