"""The platform-neutral command layer: every chat command, its validation and permission check.

Adapters turn a platform's input into a `Caller` and arguments, call a method here, and render
the `Reply` natively. They decide nothing: who may do what, what is valid and what it changes
are all here, the same on Discord, Telegram and the console.

Moderators: global bot owners (SHOWBOT_OWNERS) everywhere; in a group or server, the members the
adapter reports as chat administrators (Telegram) or Manage Server / moderator role (Discord).
In a private chat only owners moderate: a DM can never borrow a server's permissions."""

from __future__ import annotations

import enum
import logging
import time
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

from bot.calendar_feed import new_token as new_calendar_token
from bot.feed_health import ago, describe_feed
from bot.notifications import EVENT_LABELS
from bot.service import ShowBot
from feeds.model import EVENT_SLUGS, NO_EVENT, CatalogShow, Event
from feeds.understand.text import fold
from feeds.urls import UnsafeURLError, check_url_syntax, check_url_target, normalise_url
from storage.records import PanelGrant, SubscriptionRecord

_log = logging.getLogger(__name__)

MAX_SHOW_QUERY = 100
MAX_TITLE = 150
MAX_ALIAS = 100
MAX_ALIASES = 10
MAX_SUBSCRIPTIONS = 200
SUGGESTIONS = 5


class ChatType(enum.Enum):
    PRIVATE = "private"
    GROUP = "group"  # a Telegram group/supergroup/channel, a Discord server channel


@dataclass(frozen=True, slots=True)
class Caller:
    platform: str
    user_id: str
    chat_id: str
    chat_type: ChatType = ChatType.PRIVATE
    guild_id: str | None = None  # Discord server id; for Telegram groups the group's chat id
    is_chat_admin: bool = False  # the adapter's check: Telegram getChatMember, Discord Manage Server / mod role
    name: str = ""

    @property
    def in_group(self) -> bool:
        return self.chat_type is ChatType.GROUP


@dataclass(frozen=True, slots=True)
class Choice:
    """A button the adapter may offer (Telegram inline keyboard); the console prints the label."""

    label: str
    action: str  # "subscribe", "events", "channel_subscribe"
    show_id: int
    events: int = 0


@dataclass(frozen=True, slots=True)
class Reply:
    text: str
    ok: bool = True
    private: bool = True  # ephemeral on Discord
    choices: tuple[Choice, ...] = field(default=())
    secret: bool = False  # holds a credential (a sign-in link): only the caller may ever see it


def _refuse(text: str) -> Reply:
    return Reply(text, ok=False)


class Commands:
    def __init__(self, showbot: ShowBot) -> None:
        self._bot = showbot
        self._storage = showbot.storage
        self._settings = showbot.settings
        self._names: list[tuple[str, CatalogShow]] | None = None
        self._names_for: object = None

    # -- helpers -----------------------------------------------------------------------------
    def is_moderator(self, caller: Caller) -> bool:
        if caller.platform == "console" or self._settings.is_owner(caller.platform, caller.user_id):
            # the person at the bot's own terminal owns it
            return True
        return caller.in_group and caller.is_chat_admin

    async def touch(self, caller: Caller, *, personal: bool = False) -> None:
        """A chat that talks to the bot again is reachable again: resume it if a 403 paused it.
        With `personal`, also the caller's private chat (someone subscribing from a server wants
        their DMs again, e.g. after unblocking the bot)."""
        chats = [caller.chat_id] + ([caller.user_id] if personal and caller.user_id != caller.chat_id else [])
        await self._bot.chat_alive(caller.platform, *chats)

    def _catalog_names(self) -> list[tuple[str, CatalogShow]]:
        matcher = self._bot.matcher
        if self._names is None or self._names_for is not matcher:
            names: list[tuple[str, CatalogShow]] = []
            for show in matcher.index.shows:
                names.append((show.title, show))
                names.extend((alias, show) for alias in show.aliases)
            self._names, self._names_for = names, matcher
        return self._names

    def suggest(self, query: str, *, limit: int = SUGGESTIONS) -> list[CatalogShow]:
        """Closest catalog shows to `query` (titles and aliases, fuzzy)."""
        names = self._catalog_names()
        if not names or not query.strip():
            return []
        found = process.extract(fold(query), [fold(n) for n, _ in names], scorer=fuzz.WRatio,
                                limit=limit * 3, score_cutoff=55)
        shows: list[CatalogShow] = []
        for _name, _score, index in found:
            show = names[index][1]
            if show not in shows:
                shows.append(show)
        return shows[:limit]

    def autocomplete(self, prefix: str, *, limit: int = 25) -> list[str]:
        """Titles (and aliases) for Discord's autocomplete: prefix matches first, then fuzzy ones."""
        names = self._catalog_names()
        key = fold(prefix)
        if not key:
            return sorted({show.title for _, show in names})[:limit]
        starts = [n for n, _ in names if fold(n).startswith(key)]
        contains = [n for n, _ in names if key in fold(n) and n not in starts]
        out = list(dict.fromkeys(starts + contains))
        if len(out) < limit:
            out.extend(s.title for s in self.suggest(prefix, limit=limit) if s.title not in out)
        return out[:limit]

    async def _resolve(self, query: str, action: str, events: Event = NO_EVENT) -> CatalogShow | Reply:
        query = " ".join(query.split())
        if not query:
            return _refuse("Name a show, e.g. /subscribe Squid Game")
        if len(query) > MAX_SHOW_QUERY:
            return _refuse(f"That name is too long (at most {MAX_SHOW_QUERY} characters).")
        await self._bot.refresh_matcher()
        exact = await self._storage.catalog.find_shows(query)
        if len(exact) == 1:
            return exact[0]
        candidates = exact or self.suggest(query)
        if not candidates:
            return _refuse(f"I don't know a show called “{query}”. Try /shows {query.split()[0]} to search the catalog.")
        names = ", ".join(f"“{s.title}”" for s in candidates)
        lead = "Which one do you mean?" if exact else f"I don't know “{query}”. Did you mean: {names}?"
        return Reply(lead if not exact else f"“{query}” could be {names}. Which one?", ok=False,
                     choices=tuple(Choice(s.title, action, s.id, int(events)) for s in candidates))

    @staticmethod
    def _events(text: str) -> Event | Reply:
        try:
            events = Event.parse_list(text)
        except ValueError as exc:
            return _refuse(f"{exc}.")
        return events

    # -- personal subscriptions ----------------------------------------------------------------
    async def subscribe(self, caller: Caller, show: str, events: str = "") -> Reply:
        parsed = self._events(events)
        if isinstance(parsed, Reply):
            return parsed
        found = await self._resolve(show, "subscribe", parsed)
        if isinstance(found, Reply):
            return found
        return await self.subscribe_id(caller, found.id, parsed)

    async def subscribe_id(self, caller: Caller, show_id: int, events: Event) -> Reply:
        show = await self._storage.catalog.show_by_id(show_id)
        if show is None:
            return _refuse("That show is no longer in the catalog.")
        if not events:
            return _refuse("Pick at least one event.")
        if await self._storage.audience.count_subscriptions(caller.platform, "user", caller.user_id) >= MAX_SUBSCRIPTIONS:
            return _refuse(f"You follow {MAX_SUBSCRIPTIONS} shows already; unsubscribe from one first.")
        await self.touch(caller, personal=True)
        new = await self._storage.audience.subscribe(SubscriptionRecord(
            caller.platform, "user", caller.user_id, show.id, events, user_id=caller.user_id))
        verb = "You now follow" if new else "Updated:"
        text = f"{verb} {show.title} — {_events_text(events)}."
        if caller.in_group:
            text += " I'll message you privately (start a chat with me if you haven't)."
        return Reply(text, choices=_event_toggles(show.id, events))

    async def unsubscribe(self, caller: Caller, show: str) -> Reply:
        if fold(show) == "all":
            subs = await self._storage.audience.subscriptions(caller.platform, "user", caller.user_id)
            for sub in subs:
                await self._storage.audience.unsubscribe(caller.platform, "user", caller.user_id, sub.show_id)
            return Reply(f"Unsubscribed from {len(subs)} show(s).")
        if fold(show) in ("every show", "everything", "*"):
            removed = await self._storage.audience.unsubscribe(caller.platform, "user", caller.user_id, None)
            return Reply("You no longer follow every show." if removed else "You weren't following every show.")
        found = await self._resolve(show, "unsubscribe")
        if isinstance(found, Reply):
            return found
        if await self._storage.audience.unsubscribe(caller.platform, "user", caller.user_id, found.id):
            return Reply(f"Unsubscribed from {found.title}.")
        return _refuse(f"You weren't subscribed to {found.title}.")

    async def subscriptions(self, caller: Caller) -> Reply:
        subs = await self._storage.audience.subscriptions(caller.platform, "user", caller.user_id)
        if not subs:
            return Reply("You don't follow any show yet. Try /subscribe Squid Game")
        lines = [f"You follow {len(subs)} show(s):"]
        lines += [f"• {s.show or 'every show'} — {_events_text(s.events)}" for s in subs]
        return Reply("\n".join(lines))

    async def choose(self, caller: Caller, choice: Choice) -> Reply:
        """Run a button the user pressed (a Choice from an earlier reply)."""
        if choice.action in ("subscribe", "events"):
            return await self.subscribe_id(caller, choice.show_id, Event(choice.events & int(Event.all())))
        if choice.action == "channel_subscribe":
            return await self.channel_subscribe_id(caller, choice.show_id, Event(choice.events & int(Event.all())))
        show = await self._storage.catalog.show_by_id(choice.show_id)
        if show is None:
            return _refuse("That show is no longer in the catalog.")
        if choice.action == "unsubscribe":
            return await self.unsubscribe(caller, show.title)
        if choice.action == "latest":
            return await self.latest(caller, show.title)
        if choice.action == "mute":
            return await self.mute(caller, show.title)
        return _refuse("That button has expired.")

    async def set_events(self, caller: Caller, show_id: int, events: int) -> Reply:
        """The Telegram event keyboard: replace a personal subscription's events."""
        return await self.subscribe_id(caller, show_id, Event(events & int(Event.all())))

    # -- the catalog ---------------------------------------------------------------------------
    async def shows(self, caller: Caller, query: str = "") -> Reply:
        query = " ".join(query.split())
        if len(query) > MAX_SHOW_QUERY:
            return _refuse(f"That search is too long (at most {MAX_SHOW_QUERY} characters).")
        await self._bot.refresh_matcher()
        if not query:
            shows = sorted(self._bot.matcher.index.shows, key=lambda s: fold(s.title))
            head = f"{len(shows)} shows in the catalog (search with /shows <name>):"
            return Reply("\n".join([head, *(f"• {s.title}" for s in shows[:50])]) + ("\n…" if len(shows) > 50 else ""))
        key = fold(query)
        direct = [s for s in self._bot.matcher.index.shows
                  if key in fold(s.title) or any(key in fold(a) for a in s.aliases)]
        found = list(dict.fromkeys(direct + self.suggest(query, limit=10)))[:10]
        if not found:
            return _refuse(f"No show in the catalog looks like “{query}”.")
        lines = [f"Shows matching “{query}”:"]
        for show in found:
            aliases = f" (also: {', '.join(show.aliases[:3])})" if show.aliases else ""
            lines.append(f"• {show.title}{aliases}")
        return Reply("\n".join(lines), choices=tuple(Choice(f"Follow {s.title}", "subscribe", s.id, int(Event.all()))
                                                     for s in found[:5]))

    async def latest(self, caller: Caller, show: str) -> Reply:
        found = await self._resolve(show, "latest")
        if isinstance(found, Reply):
            return found
        news = await self._storage.items.latest_for_show(found.id, limit=5)
        if not news:
            return Reply(f"No news about {found.title} yet.")
        lines = [f"Latest about {found.title}:"]
        for item in news:
            label = ", ".join(EVENT_LABELS[e][1] for e in EVENT_LABELS if e in item.events) or "mentioned"
            season = f" S{item.seasons[0]}" if item.seasons else ""
            lines.append(f"• {time.strftime('%Y-%m-%d', time.gmtime(item.at))} · {label}{season} · {item.title}")
            if item.link:
                lines.append(f"  {item.link}")
        return Reply("\n".join(lines))

    def help(self, caller: Caller) -> Reply:
        lines = [
            "I tell you the moment a TV show you follow is renewed, cancelled, gets a release date, "
            "a trailer, casting or filming news.",
            "",
            "/subscribe <show> [events] — follow a show (events: " + ", ".join(EVENT_SLUGS) + "; default all)",
            "/unsubscribe <show> — stop following (or 'all')",
            "/subscriptions — what you follow",
            "/shows <name> — search the catalog",
            "/latest <show> — recent news with links",
            "/calendar — a calendar feed of the release dates of the shows followed here",
            "/panel — a private sign-in link to manage this chat, group or server in the browser",
        ]
        if caller.in_group or self.is_moderator(caller):
            lines += [
                "",
                "Channels and groups (moderators):",
                "/channel subscribe <show> [events] — post news about a show here",
                "/channel unsubscribe <show>, /channel list",
                "/mute <show>, /unmute <show> — silence a show for this server/group",
            ]
        if self.is_moderator(caller):
            lines += [
                "",
                "Moderators:",
                "/feed add <url>, /feed remove <url>, /feed list",
                "/catalog add <title> [| alias, alias], /alias add <show> | <alias>",
                "/stats",
            ]
        return Reply("\n".join(lines))

    # -- the web side -------------------------------------------------------------------------------
    async def panel(self, caller: Caller) -> Reply:
        """A one-time sign-in link to the web panel, scoped to this chat (its server or group) and
        to the caller's rights here; only the caller sees it."""
        base = self._bot.web_url
        if base is None:
            return _refuse("The web panel is not running on this bot (its operator set SHOWBOT_WEB=off).")
        grant = PanelGrant(caller.platform, caller.user_id, caller.chat_id, group=caller.in_group,
                           guild_id=caller.guild_id, chat_admin=caller.is_chat_admin, name=caller.name)
        token = await self._bot.panel_auth.issue_link(grant)
        minutes = round(self._bot.panel_auth.link_ttl / 60)
        where = ("this server" if caller.platform == "discord" else "this group") if caller.in_group else "your subscriptions"
        rights = " as a moderator" if self.is_moderator(caller) else ""
        return Reply(f"Your sign-in link to manage {where}{rights} in the browser:\n{base}/login/{token}\n"
                     f"It works once, for {minutes} minutes. Don't share it: whoever opens it acts as you.",
                     private=True, secret=True)

    async def calendar(self, caller: Caller, *, reset: bool = False) -> Reply:
        """The address of this chat's release calendar (an .ics feed to subscribe to in any calendar
        app): the caller's own shows in a private chat, the channel's or group's in a group. `reset`
        makes a new address (the old one stops working); in a group only moderators may."""
        base = self._bot.web_url
        if base is None:
            return _refuse("The calendar is not available on this bot (its web server is off).")
        kind, chat = ("channel", caller.chat_id) if caller.in_group else ("user", caller.user_id)
        if reset and caller.in_group and not self.is_moderator(caller):
            return _refuse("Only moderators can make a new calendar address for this channel.")
        token = None if reset else await self._storage.panel.calendar_token(caller.platform, kind, chat)
        if token is None:
            token = await self._storage.panel.calendar_token(caller.platform, kind, chat, new=new_calendar_token())
        whose = "this channel's shows" if caller.in_group else "the shows you follow"
        lead = "New address" if reset else "Release dates of " + whose
        return Reply(f"{lead}, as a calendar to subscribe to (add it by URL in any calendar app):\n"
                     f"{base}/calendar/{token}.ics\n/calendar reset makes a new address and retires this one.")

    # -- channel / group subscriptions ---------------------------------------------------------
    def _channel_refusal(self, caller: Caller) -> Reply | None:
        if not caller.in_group:
            return _refuse("Channel subscriptions are set in a server channel or group, not in a private chat.")
        if not self.is_moderator(caller):
            return _refuse("Only moderators (server managers, group admins) can change this channel's subscriptions.")
        return None

    async def channel_subscribe(self, caller: Caller, show: str, events: str = "", role_id: str | None = None) -> Reply:
        refusal = self._channel_refusal(caller)
        if refusal:
            return refusal
        if role_id is not None and not role_id.isdigit():
            return _refuse("That role is not valid.")
        parsed = self._events(events)
        if isinstance(parsed, Reply):
            return parsed
        found = await self._resolve(show, "channel_subscribe", parsed)
        if isinstance(found, Reply):
            return found
        return await self.channel_subscribe_id(caller, found.id, parsed, role_id)

    async def channel_subscribe_id(self, caller: Caller, show_id: int, events: Event, role_id: str | None = None) -> Reply:
        refusal = self._channel_refusal(caller)
        if refusal:
            return refusal
        show = await self._storage.catalog.show_by_id(show_id)
        if show is None:
            return _refuse("That show is no longer in the catalog.")
        await self.touch(caller)
        new = await self._storage.audience.subscribe(SubscriptionRecord(
            caller.platform, "channel", caller.chat_id, show.id, events or Event.all(),
            guild_id=caller.guild_id or caller.chat_id, user_id=caller.user_id, role_id=role_id))
        mention = " and mention that role" if role_id else ""
        verb = "will now post" if new else "updated: will post"
        return Reply(f"This channel {verb} {show.title} news ({_events_text(events or Event.all())}){mention}.",
                     private=False)

    async def channel_unsubscribe(self, caller: Caller, show: str) -> Reply:
        refusal = self._channel_refusal(caller)
        if refusal:
            return refusal
        found = await self._resolve(show, "channel_unsubscribe")
        if isinstance(found, Reply):
            return found
        if await self._storage.audience.unsubscribe(caller.platform, "channel", caller.chat_id, found.id):
            return Reply(f"This channel no longer posts {found.title} news.", private=False)
        return _refuse(f"This channel wasn't subscribed to {found.title}.")

    async def channel_list(self, caller: Caller) -> Reply:
        if not caller.in_group:
            return _refuse("Use /channel list in a server channel or group.")
        if not self.is_moderator(caller):
            return _refuse("Only moderators (server managers, group admins) can list this server's channel subscriptions.")
        subs = await self._storage.audience.subscriptions_in_guild(caller.platform, caller.guild_id or caller.chat_id)
        if not subs:
            return Reply("No channel here posts show news yet. A moderator can use /channel subscribe <show>.")
        lines = ["Channel subscriptions here:"]
        for s in subs:
            where = "this channel" if s.chat_id == caller.chat_id else f"channel {s.chat_id}"
            role = f", mentions role {s.role_id}" if s.role_id else ""
            lines.append(f"• {s.show or 'every show'} → {where} ({_events_text(s.events)}{role})")
        muted = await self._storage.audience.muted_shows(caller.platform, caller.guild_id or caller.chat_id)
        if muted:
            lines.append("Muted here: " + ", ".join(muted))
        return Reply("\n".join(lines))

    async def mute(self, caller: Caller, show: str, *, on: bool = True) -> Reply:
        if not caller.in_group:
            return _refuse("Mute a show in a server or group (in a private chat, just /unsubscribe).")
        if not self.is_moderator(caller):
            return _refuse("Only moderators can mute shows here.")
        found = await self._resolve(show, "mute")
        if isinstance(found, Reply):
            return found
        guild = caller.guild_id or caller.chat_id
        if on:
            changed = await self._storage.audience.mute(caller.platform, guild, found.id)
            return Reply(f"{found.title} is muted here." if changed else f"{found.title} was already muted here.",
                         private=False)
        changed = await self._storage.audience.unmute(caller.platform, guild, found.id)
        return Reply(f"{found.title} is no longer muted here." if changed else f"{found.title} wasn't muted here.",
                     private=False)

    # -- moderators: feeds, catalog, stats -----------------------------------------------------
    def _moderator_refusal(self, caller: Caller) -> Reply | None:
        if self.is_moderator(caller):
            return None
        if not caller.in_group:
            return _refuse("Only bot owners can do that in a private chat; moderators can do it in their server or group.")
        return _refuse("Only moderators (server managers, group admins, bot owners) can do that.")

    async def feed_add(self, caller: Caller, url: str) -> Reply:
        if refusal := self._moderator_refusal(caller):
            return refusal
        try:
            url = check_url_syntax(url)
            await check_url_target(url, allow_private=self._settings.allow_private_feeds)
        except UnsafeURLError as exc:
            return _refuse(f"I can't add that feed: {exc}.")
        if not await self._storage.feeds.add_feed(url, added_by=f"{caller.platform}:{caller.user_id}"):
            return _refuse("That feed is already polled.")
        self._bot.poll_soon()
        return Reply(f"Added {url}. I'll poll it shortly; /feed list shows its health.")

    async def feed_remove(self, caller: Caller, url: str) -> Reply:
        if refusal := self._moderator_refusal(caller):
            return refusal
        url = normalise_url(url)
        if not url:
            return _refuse("Which feed? /feed remove <url> (see /feed list).")
        if await self._storage.feeds.remove_feed(url, removed_by=f"{caller.platform}:{caller.user_id}"):
            return Reply(f"Removed {url}.")
        return _refuse("No such feed; /feed list shows the feeds I poll.")

    async def feed_list(self, caller: Caller) -> Reply:
        if refusal := self._moderator_refusal(caller):
            return refusal
        feeds = await self._storage.feeds.all()
        if not feeds:
            return Reply("No feeds yet: /feed add <url>")
        now = time.time()
        return Reply("\n".join([f"{len(feeds)} feed(s):", *(describe_feed(f, now=now) for f in feeds)]))

    async def catalog_add(self, caller: Caller, title: str, aliases: str = "") -> Reply:
        if refusal := self._moderator_refusal(caller):
            return refusal
        title = " ".join(title.split())
        if not fold(title):
            return _refuse("A show needs a title: /catalog add <title> [| alias, alias]")
        if len(title) > MAX_TITLE:
            return _refuse(f"That title is too long (at most {MAX_TITLE} characters).")
        names = [a.strip() for a in aliases.replace("|", ",").split(",") if a.strip()]
        if len(names) > MAX_ALIASES:
            return _refuse(f"At most {MAX_ALIASES} aliases at a time.")
        if any(len(a) > MAX_ALIAS for a in names):
            return _refuse(f"An alias is too long (at most {MAX_ALIAS} characters).")
        if any(not fold(a) for a in names):
            return _refuse("An alias needs letters or digits.")
        existed = bool(await self._storage.catalog.find_shows(title))
        await self._storage.catalog.upsert_show(title, names)
        await self._bot.refresh_matcher()
        extra = f" with aliases {', '.join(names)}" if names else ""
        return Reply(f"{'Updated' if existed else 'Added'} {title}{extra}.")

    async def alias_add(self, caller: Caller, show: str, alias: str) -> Reply:
        if refusal := self._moderator_refusal(caller):
            return refusal
        alias = " ".join(alias.split())
        if not fold(alias):
            return _refuse("Usage: /alias add <show> | <alias>")
        if len(alias) > MAX_ALIAS:
            return _refuse(f"That alias is too long (at most {MAX_ALIAS} characters).")
        found = await self._resolve(show, "alias")
        if isinstance(found, Reply):
            return found
        if not await self._storage.catalog.add_alias(found.id, alias):
            return _refuse(f"{found.title} already has that alias.")
        await self._bot.refresh_matcher()
        return Reply(f"{found.title} is now also matched as “{alias}”.")

    async def stats(self, caller: Caller) -> Reply:
        if refusal := self._moderator_refusal(caller):
            return refusal
        s = await self._storage.stats()
        lines = [
            f"Catalog: {s.shows} shows · Feeds: {s.feeds} ({s.failing_feeds} failing)",
            f"Items: {s.items} seen, {s.matched_items} with show news",
            f"Subscriptions: {s.subscriptions} from {s.subscribers} chats",
            f"Notifications: {s.sent} sent, {s.pending} pending, {s.held} held, {s.failed} failed",
        ]
        paused = await self._storage.audience.paused_chats(caller.platform)
        if paused:
            lines.append(f"Paused chats ({len(paused)}), the platform refused them:")
            lines += [f"• {chat} — {reason} ({ago(at)})" for _p, chat, reason, at in paused[:10]]
        return Reply("\n".join(lines))


def _events_text(events: Event) -> str:
    if events == Event.all():
        return "all news"
    return ", ".join(EVENT_LABELS[e][1].lower() for e in EVENT_LABELS if e in events) or "nothing"


def _event_toggles(show_id: int, events: Event) -> tuple[Choice, ...]:
    """Buttons that toggle one event each (✓ marks the ones on)."""
    out = []
    for event, (_icon, label) in EVENT_LABELS.items():
        on = event in events
        toggled = events & ~event if on else events | event
        out.append(Choice(f"{'✓' if on else '✗'} {label}", "events", show_id, int(toggled)))
    return tuple(out)
