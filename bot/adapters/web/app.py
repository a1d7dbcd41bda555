"""The application factory: routes, templates, static files, and the middlewares every page gets."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from importlib import resources
from typing import Any
from urllib.parse import urlsplit

import aiohttp_jinja2
import jinja2
from aiohttp import web
from aiohttp.typedefs import Middleware

from bot.adapters.web import auth, calendar, ops, panel, websub
from bot.adapters.web.context import CONTEXT, WebContext
from bot.feed_health import ago

_log = logging.getLogger(__name__)

MAX_REQUEST_BYTES = 5 * 1024 * 1024  # a pushed feed may be as large as a fetched one (FetchLimits.max_bytes)
# Pages load nothing from elsewhere; no page may be framed; a login link never leaks to another site
# in a Referer (same-origin: browsers still send our own Origin, which the CSRF check reads).
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                               "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def build_app(context: WebContext) -> web.Application:
    app = web.Application(client_max_size=MAX_REQUEST_BYTES,
                          middlewares=[_forwarded(context.settings.trust_proxy), _security_headers])
    app[CONTEXT] = context
    aiohttp_jinja2.setup(app, loader=jinja2.PackageLoader("bot.adapters.web", "templates"), autoescape=True,
                         undefined=jinja2.StrictUndefined, filters=FILTERS)
    app.router.add_get("/", _index, name="index")
    app.router.add_static("/static/", str(resources.files("bot.adapters.web").joinpath("static")), name="static")
    ops.add_routes(app)
    auth.add_routes(app)
    panel.add_routes(app)
    websub.add_routes(app)
    calendar.add_routes(app)
    return app


def utc(ts: float | None) -> str:
    """An epoch time as people read it: 2026-03-02 13:00 UTC."""
    if ts is None:
        return "never"
    return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(ts))


def web_link(url: str | None) -> str | None:
    """A feed-supplied link, only if it is one a browser may follow safely (http or https)."""
    if not url:
        return None
    parts = urlsplit(url.strip())
    return url.strip() if parts.scheme in ("http", "https") and parts.netloc else None


FILTERS: dict[str, Callable[..., Any]] = {"utc": utc, "ago": ago, "web_link": web_link}  # for the templates


@aiohttp_jinja2.template("index.html")
async def _index(request: web.Request) -> dict[str, object]:
    return {"title": "showbot"}


@web.middleware
async def _security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        response = exc
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        raise
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def _forwarded(trusted: bool) -> Middleware:
    """Behind a reverse proxy that the operator vouches for (SHOWBOT_TRUST_PROXY), the scheme and
    client address come from its X-Forwarded-Proto / X-Forwarded-For; otherwise those headers are
    anyone's to forge and are ignored."""

    @web.middleware
    async def forwarded(request: web.Request, handler: Handler) -> web.StreamResponse:
        if trusted:
            changes: dict[str, str] = {}
            proto = request.headers.get("X-Forwarded-Proto", "").split(",")[0].strip().lower()
            if proto in ("http", "https"):
                changes["scheme"] = proto
            client = request.headers.get("X-Forwarded-For", "").split(",")[0].strip()
            if client:
                changes["remote"] = client
            if changes:
                request = request.clone(**changes)  # type: ignore[arg-type]
        return await handler(request)

    return forwarded
