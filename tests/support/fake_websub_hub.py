"""A WebSub hub on 127.0.0.1 for tests: accepts subscription requests (202), verifies the
subscriber's intent with a GET to its callback, and publishes signed content to it.

    with FakeHub() as hub:
        feed advertises hub.url
        sub = hub.wait_for_subscription(topic)        # verified by the subscriber's echo
        status = hub.publish(topic, body)             # POSTs with X-Hub-Signature: sha256=…
        status = hub.publish(topic, body, secret="wrong")"""

from __future__ import annotations

import secrets
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field

from feeds.websub import sign
from tests.support.http_server import LocalServer, Request, Response

HUB_PATH = "/hub"
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never through an environment proxy


@dataclass
class HubSubscription:
    topic: str
    callback: str
    secret: str | None
    lease_seconds: int | None
    verified: bool = False
    history: list[str] = field(default_factory=list)


class FakeHub:
    def __init__(self, *, lease_seconds: int = 3600, refuse: bool = False) -> None:
        self.server = LocalServer()
        self.server.routes[HUB_PATH] = self._handle
        self.lease_seconds = lease_seconds
        self.refuse = refuse
        self.subscriptions: dict[str, HubSubscription] = {}  # by callback
        self.requests: list[dict[str, str]] = []
        self._changed = threading.Condition()

    @property
    def url(self) -> str:
        return self.server.url(HUB_PATH)

    def __enter__(self) -> FakeHub:
        self.server.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.__exit__(*exc)

    def _handle(self, request: Request) -> Response:
        form = dict(urllib.parse.parse_qsl(request.body.decode()))
        self.requests.append(form)
        if self.refuse:
            return Response(400, b"this hub accepts no subscriptions")
        if form.get("hub.mode") not in ("subscribe", "unsubscribe") or not form.get("hub.callback"):
            return Response(400, b"bad request")
        # verification of intent happens after the 202, as the spec describes
        threading.Thread(target=self._verify, args=(form,), daemon=True).start()
        return Response(202, b"")

    def _verify(self, form: dict[str, str]) -> None:
        time.sleep(0.05)
        challenge = secrets.token_hex(8)
        mode = form["hub.mode"]
        query = {"hub.mode": mode, "hub.topic": form["hub.topic"], "hub.challenge": challenge}
        if mode == "subscribe":
            query["hub.lease_seconds"] = str(self.lease_seconds)
        url = form["hub.callback"] + "?" + urllib.parse.urlencode(query)
        try:
            with _OPENER.open(url, timeout=5) as response:
                echoed = response.read().decode() == challenge and response.status == 200
        except (urllib.error.URLError, OSError):  # refused (HTTPError is a URLError), or the subscriber is gone
            echoed = False
        with self._changed:
            if mode == "subscribe" and echoed:
                self.subscriptions[form["hub.callback"]] = HubSubscription(
                    form["hub.topic"], form["hub.callback"], form.get("hub.secret"), self.lease_seconds, True)
            elif mode == "unsubscribe" and echoed:
                self.subscriptions.pop(form["hub.callback"], None)
            self._changed.notify_all()

    def wait_for_subscription(self, topic: str, *, within: float = 10.0) -> HubSubscription:
        deadline = time.monotonic() + within
        with self._changed:
            while True:
                found = [s for s in self.subscriptions.values() if s.topic == topic and s.verified]
                if found:
                    return found[-1]
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no verified subscription to {topic} within {within}s: {self.requests}")
                self._changed.wait(left)

    def wait_for_unsubscribe(self, topic: str, *, within: float = 10.0) -> None:
        deadline = time.monotonic() + within
        with self._changed:
            while any(s.topic == topic for s in self.subscriptions.values()):
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"{topic} still subscribed after {within}s")
                self._changed.wait(left)

    def publish(self, topic: str, body: bytes, *, secret: str | None = None, method: str = "sha256",
                content_type: str = "application/rss+xml") -> list[int]:
        """POST `body` to every subscriber of `topic`, signed with its secret (or `secret`).
        Returns the callbacks' status codes."""
        statuses = []
        for sub in [s for s in self.subscriptions.values() if s.topic == topic]:
            headers = {"Content-Type": content_type,
                       "Link": f'<{self.url}>; rel="hub", <{topic}>; rel="self"'}
            key = secret if secret is not None else sub.secret
            if key is not None:
                headers["X-Hub-Signature"] = sign(key, body, method)
            request = urllib.request.Request(sub.callback, data=body, headers=headers, method="POST")
            try:
                with _OPENER.open(request, timeout=5) as response:
                    statuses.append(response.status)
            except urllib.error.HTTPError as exc:
                statuses.append(exc.code)
        return statuses
