"""The browser side of panel sign-in: the signed session cookie, CSRF tokens, the login and logout
routes, and the `panel_session` lookup every panel page starts with.

- The cookie holds the session token signed with itsdangerous (a forged or altered cookie is
  refused before storage is asked); HttpOnly, SameSite=Lax, Secure when the request came over
  https (directly, or through a proxy trusted with SHOWBOT_TRUST_PROXY). It dies with the session.
- Every form carries a CSRF token: an HMAC of the session token under the server's secret, so it
  is per session, needs no storage, and a page of another site can neither read nor forge it.
  State-changing requests must also come from our own origin when the browser says where from.
- A login link opens a page with a "Sign in" button: link previews (Telegram, Discord fetch the
  URLs in messages) never spend the one-time token; only the button's POST does."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

import aiohttp_jinja2
from aiohttp import web

from bot.adapters.web.context import CONTEXT
from bot.adapters.web.signing import Signer
from bot.panel_auth import PanelAuth, PanelSession

_log = logging.getLogger(__name__)

COOKIE = "showbot_session"
CSRF_FIELD = "csrf"


def _auth(request: web.Request) -> tuple[PanelAuth, Signer]:
    context = request.app[CONTEXT]
    if context.panel is None:
        raise web.HTTPNotFound(text="The panel is not available on this bot.")
    return context.panel.auth, context.panel.signer


def same_origin(request: web.Request) -> bool:
    """False when the browser says the request comes from another site (Origin, else Referer).
    A request that names no origin at all (not a browser) still needs its CSRF token."""
    origin = request.headers.get("Origin") or request.headers.get("Referer")
    if origin is None:
        return True
    if origin == "null":
        return False
    netloc = urlsplit(origin).netloc.lower()
    public = request.app[CONTEXT].settings.public_url
    return netloc == request.host.lower() or (public is not None and netloc == urlsplit(public).netloc.lower())


async def panel_session(request: web.Request) -> tuple[str, PanelSession] | None:
    """The signed-in session of this request, or None."""
    auth, signer = _auth(request)
    token = signer.session_token(request.cookies.get(COOKIE))
    if token is None:
        return None
    session = await auth.session(token)
    return None if session is None else (token, session)


async def require_session(request: web.Request, *, changes: bool = False) -> tuple[str, PanelSession, dict[str, str]]:
    """The session, and for a state-changing request its checked form. Not signed in: the sign-in
    help page (401). A bad CSRF token or a foreign origin: 403, nothing changed."""
    found = await panel_session(request)
    if found is None:
        raise signed_out(request)
    token, session = found
    form: dict[str, str] = {}
    if changes:
        posted = await request.post()
        form = {k: v for k, v in posted.items() if isinstance(v, str)}
        _, signer = _auth(request)
        if not same_origin(request) or not signer.csrf_ok(token, form.get(CSRF_FIELD)):
            _log.warning("panel: a request without a valid CSRF token was refused (%s %s)", request.method,
                         request.path)
            raise web.HTTPForbidden(text="This form has expired or did not come from the panel. Reload the page "
                                         "and try again.")
    return token, session, form


def signed_out(request: web.Request) -> web.HTTPException:
    """401 with the page that explains how to sign in."""
    page = aiohttp_jinja2.render_string("signed_out.html", request, {"title": "Sign in — showbot"})
    return web.HTTPUnauthorized(text=page, content_type="text/html")


def set_session_cookie(request: web.Request, response: web.StreamResponse, session_token: str) -> None:
    _, signer = _auth(request)
    response.set_cookie(COOKIE, signer.cookie_value(session_token), max_age=int(signer.max_age), path="/",
                        httponly=True, samesite="Lax", secure=request.scheme == "https")


def clear_session_cookie(request: web.Request, response: web.StreamResponse) -> None:
    response.del_cookie(COOKIE, path="/")


# -- routes ----------------------------------------------------------------------------------------
def add_routes(app: web.Application) -> None:
    app.router.add_get("/login/{token}", login_page, name="login")
    app.router.add_post("/login/{token}", login, name="login_post")
    app.router.add_post("/logout", logout, name="logout")


async def login_page(request: web.Request) -> web.Response:
    """The page a login link opens: nothing is spent until its button is pressed."""
    _auth(request)
    return aiohttp_jinja2.render_template("login.html", request, {"title": "Sign in — showbot",
                                                                   "token": request.match_info["token"]})


async def login(request: web.Request) -> web.Response:
    auth, _ = _auth(request)
    if not same_origin(request):
        raise web.HTTPForbidden(text="Sign in from the link's own page.")
    redeemed = await auth.redeem(request.match_info["token"])
    if redeemed is None:
        return aiohttp_jinja2.render_template("login_refused.html", request, {"title": "Link expired — showbot"},
                                              status=403)
    session_token, _session = redeemed
    response = web.Response(status=303, headers={"Location": "/panel"})
    set_session_cookie(request, response, session_token)
    return response


async def logout(request: web.Request) -> web.Response:
    token, _session, _form = await require_session(request, changes=True)
    auth, _ = _auth(request)
    await auth.end(token)
    response = web.Response(status=303, headers={"Location": "/"})
    clear_session_cookie(request, response)
    return response
