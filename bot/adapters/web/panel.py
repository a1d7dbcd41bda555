"""The moderator panel's pages. Each starts from the signed-in session; nothing here decides who
may do what (that is the command layer's, as in chat)."""

from __future__ import annotations

import logging

import aiohttp_jinja2
from aiohttp import web

from bot.adapters.web.auth import CSRF_FIELD, require_session
from bot.adapters.web.context import CONTEXT
from bot.panel_auth import PanelSession

_log = logging.getLogger(__name__)


def add_routes(app: web.Application) -> None:
    app.router.add_get("/panel", home, name="panel")


def render(request: web.Request, template: str, token: str, session: PanelSession, *, status: int = 200,
           **context: object) -> web.Response:
    """A panel page: the template gets the session's grant and the CSRF token its forms carry."""
    signer = request.app[CONTEXT].panel.signer  # type: ignore[union-attr]  # require_session checked it
    values: dict[str, object] = {"grant": session.grant, "csrf": signer.csrf_token(token), "csrf_field": CSRF_FIELD,
                                 "session": session, "title": context.pop("title", "showbot panel")}
    values.update(context)
    response = aiohttp_jinja2.render_template(template, request, values, status=status)
    response.headers["Cache-Control"] = "no-store"
    return response


async def home(request: web.Request) -> web.Response:
    token, session, _ = await require_session(request)
    return render(request, "panel_home.html", token, session)
