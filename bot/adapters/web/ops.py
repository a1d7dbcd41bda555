"""Operators' endpoints: /healthz (200 or 503, JSON) and /metrics (Prometheus text format)."""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web

from bot.adapters.web.context import CONTEXT
from bot.metrics import CONTENT_TYPE

_log = logging.getLogger(__name__)

SCRAPE_TIMEOUT = 5.0


def add_routes(app: web.Application) -> None:
    app.router.add_get("/healthz", healthz, name="healthz")
    app.router.add_get("/metrics", metrics, name="metrics")


async def healthz(request: web.Request) -> web.Response:
    report = await request.app[CONTEXT].health.check()
    if not report.ok:
        _log.warning("health check: %s", "; ".join(report.problems))
    return web.json_response(report.to_json(), status=200 if report.ok else 503,
                             headers={"Cache-Control": "no-store"})


async def metrics(request: web.Request) -> web.Response:
    context = request.app[CONTEXT]
    try:
        async with asyncio.timeout(SCRAPE_TIMEOUT):
            counts = await context.stored_counts()
    except Exception:
        _log.exception("metrics: could not read the database")
        counts = None
    context.metrics.refresh(counts)
    return web.Response(body=context.metrics.exposition(),
                        headers={"Content-Type": CONTENT_TYPE, "Cache-Control": "no-store"})
