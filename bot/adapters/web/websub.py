"""The WebSub callback: /websub/<id>. The hub verifies our intent with a GET and pushes content
with a POST; both go to the core's PushSubscriptions, which decides."""

from __future__ import annotations

import logging

from aiohttp import web

from bot.adapters.web.context import CONTEXT
from bot.push_subscriptions import CALLBACK_PATH, PushOutcome, PushSubscriptions
from feeds.websub import Verification

_log = logging.getLogger(__name__)

_STATUS = {PushOutcome.INGESTED: 202, PushOutcome.FETCHING: 202, PushOutcome.BAD_SIGNATURE: 403,
           PushOutcome.UNKNOWN: 410}


def add_routes(app: web.Application) -> None:
    app.router.add_get(CALLBACK_PATH + "{callback_id}", verify, name="websub_verify")
    app.router.add_post(CALLBACK_PATH + "{callback_id}", receive, name="websub_receive")


def _subscriptions(request: web.Request) -> PushSubscriptions:
    push = request.app[CONTEXT].push
    if push is None:
        raise web.HTTPNotFound(text="WebSub is not enabled on this bot (set SHOWBOT_PUBLIC_URL).")
    return push


async def verify(request: web.Request) -> web.Response:
    push = _subscriptions(request)
    try:
        verification = Verification.from_query(request.query)
    except ValueError as exc:
        raise web.HTTPBadRequest(text=str(exc)) from None
    challenge = await push.verify(request.match_info["callback_id"], verification)
    if challenge is None:
        raise web.HTTPNotFound(text="No such subscription request.")
    return web.Response(text=challenge, content_type="text/plain", headers={"Cache-Control": "no-store"})


async def receive(request: web.Request) -> web.Response:
    push = _subscriptions(request)
    body = await request.read()
    outcome = await push.receive(request.match_info["callback_id"], body, dict(request.headers))
    return web.Response(status=_STATUS[outcome], text=outcome.value, content_type="text/plain")
