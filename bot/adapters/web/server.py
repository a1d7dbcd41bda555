"""The web server as a long-lived object: `async with WebServer(app, host, port) as server`.

Binds on enter (port 0 picks a free port: tests use it), stops accepting and drains on exit."""

from __future__ import annotations

import logging
from types import TracebackType

from aiohttp import web

_log = logging.getLogger(__name__)

SHUTDOWN_TIMEOUT = 5.0


class WebServer:
    def __init__(self, app: web.Application, host: str, port: int, *, public_url: str | None = None) -> None:
        self._app = app
        self._host = host
        self._port = port
        self._public_url = public_url.rstrip("/") if public_url else None
        self._runner: web.AppRunner | None = None
        self.port: int = port

    @property
    def local_url(self) -> str:
        """The address the server listens on, as a URL (a wildcard host reads as loopback)."""
        host = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(self._host, self._host)
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{self.port}"

    @property
    def url(self) -> str:
        """Where users reach it: SHOWBOT_PUBLIC_URL when set, else the listening address."""
        return self._public_url or self.local_url

    async def __aenter__(self) -> WebServer:
        runner = web.AppRunner(self._app, access_log=None, handle_signals=False,
                               shutdown_timeout=SHUTDOWN_TIMEOUT)
        await runner.setup()
        try:
            site = web.TCPSite(runner, self._host, self._port, reuse_address=True)
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        self.port = _bound_port(runner) or self._port
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()


def _bound_port(runner: web.AppRunner) -> int | None:
    for address in runner.addresses:
        if isinstance(address, tuple) and len(address) >= 2:
            return int(address[1])
    for server in runner.sites:
        sock = getattr(getattr(server, "_server", None), "sockets", None)
        if sock:
            return int(sock[0].getsockname()[1])
    return None

