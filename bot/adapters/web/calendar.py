"""/calendar/<token>.ics: a chat's release calendar (the dated stories of the shows it follows,
bot/story_views.py), for calendar apps to subscribe to."""

from __future__ import annotations

import asyncio
import re

from aiohttp import web

from bot.adapters.web.context import CONTEXT
from bot.story_views import chat_calendar

_TOKEN = re.compile(r"[A-Za-z0-9_-]{20,100}")


def add_routes(app: web.Application) -> None:
    app.router.add_get("/calendar/{token}.ics", calendar, name="calendar")


async def calendar(request: web.Request) -> web.Response:
    context = request.app[CONTEXT]
    token = request.match_info["token"]
    if context.storage is None or not _TOKEN.fullmatch(token):
        raise web.HTTPNotFound(text="No such calendar.")
    chat = await context.storage.panel.calendar_chat(token)
    if chat is None:
        raise web.HTTPNotFound(text="No such calendar (its address may have been reset: ask /calendar again).")
    calendar = await chat_calendar(context.storage, *chat)
    body = await asyncio.to_thread(calendar.ics, name="showbot release dates")
    return web.Response(body=body, headers={"Content-Type": "text/calendar; charset=utf-8",
                                            "Content-Disposition": 'inline; filename="showbot.ics"',
                                            "Cache-Control": "private, max-age=900"})
