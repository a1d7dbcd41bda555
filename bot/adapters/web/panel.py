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
from dataclasses import dataclass
from typing import Any

import aiohttp_jinja2
from aiohttp import web
from itsdangerous import BadSignature, URLSafeSerializer

from bot.adapters.web.auth import CSRF_FIELD, require_session
from bot.adapters.web.context import CONTEXT, WebContext
from bot.commands import Commands
from bot.commands.model import Action, Caller, ChatType, Choice, Reply, refuse
from feeds.model import EVENT_SLUGS, Event
from feeds.text import fold
from feeds.understand.records import Story, Verdict
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
    chat_type = ChatType(grant.chat_type) if grant.chat_type else (ChatType.GROUP if grant.group else ChatType.PRIVATE)
    return Caller(grant.platform, grant.user_id, chat_id or grant.chat_id, chat_type,
                  guild_id=grant.guild_id if grant.group else None, is_chat_admin=grant.chat_admin, name=grant.name,
                  language=grant.language or None)


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
    stories: dict[tuple[int, int], tuple[Story, Verdict]] = {}
    for n in notifications:  # the story each one is about: every outlet that reported it
        key = (n.item_id, n.show_id)
        if key not in stories and (found := await scope.storage.stories.for_item(*key)) is not None:
            stories[key] = found
    return await render(request, Page.NEWS, token, scope, notifications=notifications, stories=stories,
                        events_of=_events_of)


async def catalog(request: web.Request) -> web.Response:
    token, _, scope, _ = await _scope(request)
    query = " ".join(request.query.get("q", "").split())[:100]
    results = []
    if query:
        key = fold(query)
        shows = await scope.storage.catalog.shows()
        direct = [s for s in shows if key in fold(s.title) or any(key in fold(a) for a in s.aliases)]
        results = list(dict.fromkeys(direct + scope.commands.shows.suggest(query, limit=SEARCH_RESULTS)))
        results = results[:SEARCH_RESULTS]
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
# A panel form runs one command of the registry, with the form's fields as its arguments.
PANEL_COMMANDS: dict[str, str] = {
    "subscribe": "subscribe", "unsubscribe": "unsubscribe",
    "channel-subscribe": "channel subscribe", "channel-unsubscribe": "channel unsubscribe",
    "mute": "mute", "unmute": "unmute", "feed-add": "feed add", "feed-remove": "feed remove",
    "catalog-add": "catalog add", "alias-add": "alias add", "calendar": "calendar",
}
NEEDS_EVENTS = frozenset({"subscribe", "channel subscribe"})
IN_A_CHANNEL = frozenset({"channel subscribe", "channel unsubscribe"})


def _events_field(posted: Any) -> str | None:
    """The checked event boxes as the command's events text ('' = every event); None when none is."""
    checked = [e for e in posted.getall("event", []) if e in EVENT_SLUGS]
    if not checked:
        return None
    return "" if len(set(checked)) == len(EVENT_SLUGS) else " ".join(dict.fromkeys(checked))


async def _channel_caller(scope: Scope, channel: str) -> Caller | None:
    """The caller acting in `channel`, which must be one of this server's (never another's)."""
    return caller_of(scope.grant, chat_id=channel) if channel in await scope.channels() else None


async def _run(scope: Scope, name: str, form: dict[str, str], posted: Any) -> Reply:
    command = scope.commands.registry[name]
    caller = scope.caller
    if name in IN_A_CHANNEL:
        found = await _channel_caller(scope, form.get("channel", ""))
        if found is None:
            return refuse("That channel is not one of this server's.")
        caller = found
    args = {arg.name: form[arg.name].strip() for arg in command.args_on(caller.platform)
            if form.get(arg.name, "").strip()}
    if name in NEEDS_EVENTS:
        events = _events_field(posted)
        if events is None:
            return refuse("Pick at least one kind of news (or remove the subscription).")
        args["events"] = events
    return await scope.commands.execute(caller, name, args)


async def act(request: web.Request) -> web.Response:
    """Run one form's action through the command layer; back to the page with the reply."""
    _, _, scope, form = await _scope(request, changes=True)
    back = form.get("next", "/panel")
    if not back.startswith("/panel") or "//" in back or "\\" in back:
        back = "/panel"
    name = request.match_info["action"]
    channel = form.get("channel", "")
    if name == "choose":
        reply = await _choose(request, scope, form.get("choice", ""))
    else:
        command = PANEL_COMMANDS.get(name)
        if command is None:
            raise web.HTTPNotFound(text="No such action.")
        reply = await _run(scope, command, form, await request.post())
    _log.info("panel: %s:%s %s in %s -> %s", scope.grant.platform, scope.grant.user_id, name, scope.grant.scope_label,
              "ok" if reply.ok else "refused")
    choices = [{"label": c.label, "token": _choice_serializer(request).dumps(_choice_data(c, channel))}
               for c in reply.choices]
    flash = {"ok": reply.ok, "text": reply.text[:FLASH_LIMIT], "choices": choices}
    response = web.Response(status=303, headers={"Location": back})
    response.set_cookie(FLASH_COOKIE, _flash_serializer(request).dumps(flash), path="/panel", httponly=True,
                        samesite="Lax", secure=request.scheme == "https", max_age=300)
    return response


def _choice_data(choice: Choice, channel: str) -> dict[str, object]:
    return {"label": choice.label, "action": choice.action.value, "show_id": choice.show_id,
            "events": int(choice.events), "text": choice.text, "channel": channel}


async def _choose(request: web.Request, scope: Scope, signed: str) -> Reply:
    """A did-you-mean button: the choice the command layer offered on this panel, signed so that
    nothing else can be pressed; the command layer checks it again as it would a chat button."""
    try:
        data = _choice_serializer(request).loads(signed)
        choice = Choice(str(data["label"]), Action(data["action"]), int(data["show_id"]),
                        Event(int(data["events"]) & int(Event.all())), str(data["text"]))
        channel = str(data.get("channel") or "")
    except (BadSignature, KeyError, TypeError, ValueError):
        return refuse("That button has expired.")
    caller = scope.caller
    if channel:
        found = await _channel_caller(scope, channel)
        if found is None:
            return refuse("That channel is not one of this server's.")
        caller = found
    return await scope.commands.press(caller, choice)
