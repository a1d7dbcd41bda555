"""A tiny HTTP server on 127.0.0.1 for tests: routes map a path to a response or a handler.

Runs in a thread, so async tests can talk to it with real sockets (httpx, python-telegram-bot)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Response:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    drip_delay: float = 0.0  # seconds between body bytes: a server that drips
    # a body made piece by piece (never held whole); sent chunked unless `headers` give a Content-Length
    stream: Callable[[], Iterable[bytes]] | None = None
    drop: bool = False  # close the connection without answering: the server is unreachable


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body or b"{}")


Handler = Callable[[Request], Response]


class _Server(ThreadingHTTPServer):
    request_queue_size = 128  # many feeds polled at once: the default backlog of 5 drops connections


class LocalServer:
    def __init__(self) -> None:
        self.routes: dict[str, Response | Handler] = {}
        self.fallback: Handler | None = None  # answers paths no route names (404 without it)
        self.requests: list[Request] = []
        outer = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                request = Request(self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                outer.requests.append(request)
                route = outer.routes.get(self.path.split("?", 1)[0]) or outer.fallback
                if route is None:
                    response = Response(404, b"not found")
                elif callable(route):
                    response = route(request)
                else:
                    response = route
                if response.drop:
                    self.close_connection = True
                    return
                self.send_response(response.status)
                headers = dict(response.headers)
                chunked = response.stream is not None and "Content-Length" not in headers
                if chunked:
                    headers["Transfer-Encoding"] = "chunked"
                else:
                    headers.setdefault("Content-Length", str(len(response.body)))
                for key, value in headers.items():
                    self.send_header(key, value)
                self.end_headers()
                if self.command == "HEAD":
                    return
                try:
                    if response.stream is not None:
                        for piece in response.stream():
                            if piece:
                                self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece)
                        if chunked:
                            self.wfile.write(b"0\r\n\r\n")
                    elif response.drip_delay:
                        for i in range(len(response.body)):
                            self.wfile.write(response.body[i:i + 1])
                            self.wfile.flush()
                            time.sleep(response.drip_delay)
                    else:
                        self.wfile.write(response.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            do_GET = _handle
            do_POST = _handle
            do_HEAD = _handle

        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)

    @property
    def base(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def url(self, path: str) -> str:
        return self.base + path

    def __enter__(self) -> LocalServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
