"""The moderator panel's pages. Each starts from the signed-in session's grant, rebuilt into the
same `Caller` the chat adapters make, so every change goes through the command layer with the
same validations and permission checks as the same command typed in that chat. Reads are scoped
to the grant's server, group or private chat; what chat shows only to moderators, the panel does
too.

Forms POST to /panel/do/<action>; the reply comes back as a flash message (a signed cookie) on
the page the form was on, with the reply's did-you-mean choices as buttons (each choice signed,
so a page can only offer what the command layer offered)."""

from __future__ import annotations

import enum
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from typing import Any

import aiohttp_jinja2
from aiohttp import web
from itsdangerous import BadSignature, URLSafeSerializer

from bot.adapters.web.auth import CSRF_FIELD, require_session
from bot.adapters.web.context import CONTEXT, WebContext
from bot.commands import Caller, ChatType, Choice, Commands, Reply
from feeds.model import EVENT_SLUGS, Event
from feeds.text import fold
from storage.records import PanelGrant, PanelSession, SubscriptionRecord

_log = logging.getLogger(__name__)

FLASH_COOKIE = "showbot_flash"
FLASH_LIMIT = 1500
SEARCH_RESULTS = 15
RECENT_LIMIT = 50
EVENT_NAMES = {slug: slug.replace("_", " ") for slug in EVENT_SLUGS}


class Page(enum.Enum):
    HOME = "home"
    SUBSCRIPTIONS = "subscriptions"
    NEWS = "news"
    CATALOG = "catalog"
    FEEDS = "feeds"
    DELIVERY = "delivery"

    @property
    def path(self) -> str:
        return "/panel" if self is Page.HOME else f"/panel/{self.value}"


def add_routes(app: web.Application) -> None:
    app.router.add_get("/panel", home, name="panel")
    app.router.add_get("/panel/subscriptions", subscriptions, name="panel_subscriptions")
    app.router.add_get("/panel/news", news, name="panel_news")
    app.router.add_get("/panel/catalog", catalog, name="panel_catalog")
    app.router.add_get("/panel/feeds", feeds, name="panel_feeds")
    app.router.add_get("/panel/delivery", delivery, name="panel_delivery")
    app.router.add_post("/panel/do/{action}", act, name="panel_do")


# -- who is asking ------------------------------------------------------------------------------
def caller_of(grant: PanelGrant, *, chat_id: str | None = None) -> Caller:
    """The chat caller the grant stands for (in another channel of the same server when `chat_id`)."""
    return Caller(grant.platform, grant.user_id, chat_id or grant.chat_id,
                  ChatType.GROUP if grant.group else ChatType.PRIVATE,
                  guild_id=grant.guild_id if grant.group else None, is_chat_admin=grant.chat_admin, name=grant.name)


@dataclass(frozen=True, slots=True)
class Scope:
    """What one signed-in request may read and act on."""

    grant: PanelGrant
    caller: Caller
    moderator: bool
    commands: Commands
    context: WebContext

    @property
    def storage(self) -> Any:
        return self.context.storage

    async def channel_subscriptions(self) -> list[SubscriptionRecord]:
        if not self.grant.group or not self.moderator:
            return []
        return await self.storage.audience.subscriptions_in_guild(self.grant.platform, self.grant.scope_id)

    async def channels(self) -> list[str]:
        """The channels (or the group) of this server the panel may post to: where /panel was asked,
        and those already subscribed. (The bot can't list a server's channels from here.)"""
        subscribed = [s.chat_id for s in await self.channel_subscriptions()]
        return list(dict.fromkeys([self.grant.chat_id, *subscribed])) if self.grant.group else []

    async def recipients(self) -> list[tuple[str, str]]:
        """Who in this scope gets notifications: the caller privately, and this server's channels."""
        chats = [("user", self.grant.user_id)]
        if self.moderator:
            chats += [("channel", c) for c in await self.channels()]
        return chats


async def _scope(request: web.Request, *, changes: bool = False) -> tuple[str, PanelSession, Scope, dict[str, str]]:
    token, session, form = await require_session(request, changes=changes)
    context = request.app[CONTEXT]
    if context.commands is None or context.storage is None:
        raise web.HTTPNotFound(text="The panel is not available on this bot.")
    caller = caller_of(session.grant)
    scope = Scope(session.grant, caller, context.commands.is_moderator(caller), context.commands, context)
    return token, session, scope, form


# -- rendering ----------------------------------------------------------------------------------
def _flash_serializer(request: web.Request) -> URLSafeSerializer:
    panel = request.app[CONTEXT].panel
    assert panel is not None
    return panel.signer.serializer("showbot.panel.flash")


def _choice_serializer(request: web.Request) -> URLSafeSerializer:
    panel = request.app[CONTEXT].panel
    assert panel is not None
    return panel.signer.serializer("showbot.panel.choice")


async def render(request: web.Request, page: Page, token: str, scope: Scope, **values: object) -> web.Response:
    """A panel page: the template gets the grant, the CSRF token its forms carry, and the flash."""
    panel = request.app[CONTEXT].panel
    assert panel is not None
    flash = None
    raw = request.cookies.get(FLASH_COOKIE)
    if raw:
        try:
            flash = _flash_serializer(request).loads(raw)
        except BadSignature:
            flash = None
    context: dict[str, object] = {
        "title": f"{page.value.capitalize() if page is not Page.HOME else 'Overview'} — showbot panel",
        "page": page.value, "grant": scope.grant, "moderator": scope.moderator, "csrf": panel.signer.csrf_token(token),
        "csrf_field": CSRF_FIELD, "flash": flash, "event_names": EVENT_NAMES,
        "here": str(request.rel_url),
    }
    context.update(values)
    response = aiohttp_jinja2.render_template(f"panel_{page.value}.html", request, context)
    response.headers["Cache-Control"] = "no-store"
    if raw:
        response.del_cookie(FLASH_COOKIE, path="/panel")
    return response


def _events_of(mask: Event) -> list[str]:
    return [slug for slug in EVENT_SLUGS if Event.from_slug(slug) in mask]


# -- pages --------------------------------------------------------------------------------------
async def home(request: web.Request) -> web.Response:
    token, session, scope, _ = await _scope(request)
    counts = await scope.storage.panel.delivery_counts(scope.grant.platform, await scope.recipients())
    personal = await scope.storage.audience.subscriptions(scope.grant.platform, "user", scope.grant.user_id)
    channel_subs = await scope.channel_subscriptions()
    calendar = None
    if scope.grant.group:
        calendar_kind, calendar_chat = "channel", scope.grant.chat_id
    else:
        calendar_kind, calendar_chat = "user", scope.grant.user_id
    if not scope.grant.group or scope.moderator:
        calendar_token = await scope.storage.panel.calendar_token(scope.grant.platform, calendar_kind, calendar_chat)
        if calendar_token:
            calendar = f"{request.app[CONTEXT].settings.public_url or request.url.origin()}/calendar/{calendar_token}.ics"
    return await render(request, Page.HOME, token, scope, session=session, counts=counts, personal=len(personal),
                        channel_subs=len(channel_subs), calendar=calendar)


async def subscriptions(request: web.Request) -> web.Response:
    token, _, scope, _ = await _scope(request)
    personal = await scope.storage.audience.subscriptions(scope.grant.platform, "user", scope.grant.user_id)
    channel_subs = await scope.channel_subscriptions()
    muted = (await scope.storage.audience.muted_shows(scope.grant.platform, scope.grant.scope_id)
             if scope.grant.group and scope.moderator else [])
    return await render(request, Page.SUBSCRIPTIONS, token, scope, personal=personal, channel_subs=channel_subs,
                        channels=await scope.channels(), muted=muted, events_of=_events_of)


async def news(request: web.Request) -> web.Response:
    token, _, scope, _ = await _scope(request)
    notifications = await scope.storage.panel.recent_notifications(scope.grant.platform, await scope.recipients(),
                                                                   limit=RECENT_LIMIT)
    return await render(request, Page.NEWS, token, scope, notifications=notifications, events_of=_events_of)


async def catalog(request: web.Request) -> web.Response:
    token, _, scope, _ = await _scope(request)
    query = " ".join(request.query.get("q", "").split())[:100]
    results = []
    if query:
        key = fold(query)
        shows = await scope.storage.catalog.shows()
        direct = [s for s in shows if key in fold(s.title) or any(key in fold(a) for a in s.aliases)]
        results = list(dict.fromkeys(direct + scope.commands.suggest(query, limit=SEARCH_RESULTS)))[:SEARCH_RESULTS]
    return await render(request, Page.CATALOG, token, scope, query=query, results=results)


async def feeds(request: web.Request) -> web.Response:
    token, _, scope, _ = await _scope(request)
    if not scope.moderator:
        raise web.HTTPForbidden(text="Only moderators (server managers, group admins, bot owners) manage feeds.")
    rows = await scope.storage.feeds.all()
    push = {s.feed_id: s for s in scope.context.push.status()} if scope.context.push is not None else {}
    return await render(request, Page.FEEDS, token, scope, feeds=rows, push=push, now=time.time())


async def delivery(request: web.Request) -> web.Response:
    token, _, scope, _ = await _scope(request)
    recipients = await scope.recipients()
    counts = await scope.storage.panel.delivery_counts(scope.grant.platform, recipients)
    chats = {chat for _, chat in recipients}
    paused = [p for p in await scope.storage.audience.paused_chats(scope.grant.platform) if p[1] in chats]
    return await render(request, Page.DELIVERY, token, scope, counts=counts, paused=paused, recipients=recipients)


# -- actions ------------------------------------------------------------------------------------
Action = Callable[[Scope, dict[str, str], web.Request], Awaitable[Reply]]


def _events_field(form: dict[str, str], request_form: Any) -> str | None:
    """The checked event boxes as the command layer's events text ('' = every event); None when
    none is checked."""
    checked = [e for e in request_form.getall("event", []) if e in EVENT_SLUGS]
    if not checked:
        return None
    return "" if len(set(checked)) == len(EVENT_SLUGS) else " ".join(dict.fromkeys(checked))


async def _channel_caller(scope: Scope, channel: str) -> Caller | None:
    """The caller acting in `channel`, which must be one of this server's (never another's)."""
    return caller_of(scope.grant, chat_id=channel) if channel in await scope.channels() else None


async def _do_subscribe(scope: Scope, form: dict[str, str], posted: Any) -> Reply:
    events = _events_field(form, posted)
    if events is None:
        return Reply("Pick at least one kind of news (or remove the subscription).", ok=False)
    return await scope.commands.subscribe(scope.caller, form.get("show", ""), events)


async def _do_unsubscribe(scope: Scope, form: dict[str, str], posted: Any) -> Reply:
    return await scope.commands.unsubscribe(scope.caller, form.get("show", ""))


async def _do_channel_subscribe(scope: Scope, form: dict[str, str], posted: Any) -> Reply:
    caller = await _channel_caller(scope, form.get("channel", ""))
    if caller is None:
        return Reply("That channel is not one of this server's.", ok=False)
    events = _events_field(form, posted)
    if events is None:
        return Reply("Pick at least one kind of news (or remove the subscription).", ok=False)
    role = form.get("role", "").strip() or None
    return await scope.commands.channel_subscribe(caller, form.get("show", ""), events, role)


async def _do_channel_unsubscribe(scope: Scope, form: dict[str, str], posted: Any) -> Reply:
    caller = await _channel_caller(scope, form.get("channel", ""))
    if caller is None:
        return Reply("That channel is not one of this server's.", ok=False)
    return await scope.commands.channel_unsubscribe(caller, form.get("show", ""))


async def _do_mute(scope: Scope, form: dict[str, str], posted: Any) -> Reply:
    return await scope.commands.mute(scope.caller, form.get("show", ""))


async def _do_unmute(scope: Scope, form: dict[str, str], posted: Any) -> Reply:
    return await scope.commands.mute(scope.caller, form.get("show", ""), on=False)


async def _do_feed_add(scope: Scope, form: dict[str, str], posted: Any) -> Reply:
    return await scope.commands.feed_add(scope.caller, form.get("url", ""))


async def _do_feed_remove(scope: Scope, form: dict[str, str], posted: Any) -> Reply:
    return await scope.commands.feed_remove(scope.caller, form.get("url", ""))


async def _do_catalog_add(scope: Scope, form: dict[str, str], posted: Any) -> Reply:
    return await scope.commands.catalog_add(scope.caller, form.get("title", ""), form.get("aliases", ""))


async def _do_alias_add(scope: Scope, form: dict[str, str], posted: Any) -> Reply:
    alias = form.get("alias", "")
    if not alias.strip():
        return Reply("Type the alias to add.", ok=False)
    return await scope.commands.alias_add(scope.caller, form.get("show", ""), alias)


async def _do_calendar(scope: Scope, form: dict[str, str], posted: Any) -> Reply:
    return await scope.commands.calendar(scope.caller, reset=form.get("reset") == "1")


ACTIONS: dict[str, Callable[[Scope, dict[str, str], Any], Awaitable[Reply]]] = {
    "subscribe": _do_subscribe,
    "unsubscribe": _do_unsubscribe,
    "channel-subscribe": _do_channel_subscribe,
    "channel-unsubscribe": _do_channel_unsubscribe,
    "mute": _do_mute,
    "unmute": _do_unmute,
    "feed-add": _do_feed_add,
    "feed-remove": _do_feed_remove,
    "catalog-add": _do_catalog_add,
    "alias-add": _do_alias_add,
    "calendar": _do_calendar,
}


async def act(request: web.Request) -> web.Response:
    """Run one form's action through the command layer; back to the page with the reply."""
    _, _, scope, form = await _scope(request, changes=True)
    back = form.get("next", "/panel")
    if not back.startswith("/panel") or "//" in back or "\\" in back:
        back = "/panel"
    name = request.match_info["action"]
    channel = form.get("channel", "")
    if name == "choose":
        reply = await _choose(request, scope, form.get("choice", ""), channel)
    else:
        action = ACTIONS.get(name)
        if action is None:
            raise web.HTTPNotFound(text="No such action.")
        posted = await request.post()
        reply = await action(scope, form, posted)
    _log.info("panel: %s:%s %s in %s -> %s", scope.grant.platform, scope.grant.user_id, name, scope.grant.scope_label,
              "ok" if reply.ok else "refused")
    choices = [{"label": c.label, "token": _choice_serializer(request).dumps(
        {"choice": asdict(c), "channel": channel})} for c in reply.choices]
    flash = {"ok": reply.ok, "text": reply.text[:FLASH_LIMIT], "choices": choices}
    response = web.Response(status=303, headers={"Location": back})
    response.set_cookie(FLASH_COOKIE, _flash_serializer(request).dumps(flash), path="/panel", httponly=True,
                        samesite="Lax", secure=request.scheme == "https", max_age=300)
    return response


async def _choose(request: web.Request, scope: Scope, signed: str, channel: str) -> Reply:
    """A did-you-mean button: the choice the command layer offered on this panel, signed so that
    nothing else can be pressed; the command layer checks it again."""
    try:
        data = _choice_serializer(request).loads(signed)
        choice = Choice(**data["choice"])
        channel = str(data.get("channel") or "")
    except (BadSignature, KeyError, TypeError, ValueError):
        return Reply("That button has expired.", ok=False)
    caller = scope.caller
    if channel:
        found = await _channel_caller(scope, channel)
        if found is None:
            return Reply("That channel is not one of this server's.", ok=False)
        caller = found
    return await scope.commands.choose(caller, choice)

