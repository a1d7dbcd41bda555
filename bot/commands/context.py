"""What a command handler works with: the caller, the bot's services, and the shared steps (finding
a show by a typed name, checking who moderates) that every group needs."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from bot.commands.model import Action, Caller, ChatType, Choice, Reply, ask, refuse
from bot.commands.registry import Registry
from bot.config import Settings
from bot.i18n import _
from bot.service import ShowBot
from bot.tvmaze_catalog import candidates as tvmaze_candidates
from feeds.model import NO_EVENT, CatalogShow, Event
from feeds.tvmaze import TvmazeShow, TvmazeUnavailable
from feeds.understand.text import fold
from storage.ports import Storage

_log = logging.getLogger(__name__)

SUGGESTIONS = 5
MAX_SHOW_QUERY = 100


class ShowNames:
    """Catalog titles and aliases for suggestions and autocomplete, rebuilt when the matcher is."""

    def __init__(self, showbot: ShowBot) -> None:
        self._bot = showbot
        self._names: list[tuple[str, CatalogShow]] = []
        self._folded: list[str] = []
        self._for: object = None

    def names(self) -> list[tuple[str, CatalogShow]]:
        matcher = self._bot.matcher
        if self._for is not matcher:
            names: list[tuple[str, CatalogShow]] = []
            for show in matcher.index.shows:
                names.append((show.title, show))
                names.extend((alias, show) for alias in show.aliases)
            self._names, self._folded, self._for = names, [fold(n) for n, _s in names], matcher
        return self._names

    def suggest(self, query: str, *, limit: int = SUGGESTIONS) -> list[CatalogShow]:
        """Closest catalog shows to `query` (titles and aliases, fuzzy)."""
        names = self.names()
        if not names or not query.strip():
            return []
        found = process.extract(fold(query), self._folded, scorer=fuzz.WRatio, limit=limit * 3, score_cutoff=55)
        shows: list[CatalogShow] = []
        for _name, _score, index in found:
            show = names[index][1]
            if show not in shows:
                shows.append(show)
        return shows[:limit]

    def complete(self, prefix: str, *, limit: int = 25) -> list[str]:
        """Titles (and aliases) as the user types: prefix matches first, then ones containing it, then fuzzy."""
        names = self.names()
        key = fold(prefix)
        if not key:
            return sorted({show.title for _n, show in names}, key=fold)[:limit]
        starts = [n for n, f in zip((n for n, _s in names), self._folded, strict=True) if f.startswith(key)]
        contains = [n for n, f in zip((n for n, _s in names), self._folded, strict=True) if key in f]
        out = list(dict.fromkeys(starts + contains))
        if len(out) < limit:
            out.extend(s.title for s in self.suggest(prefix, limit=limit) if s.title not in out)
        return out[:limit]


@dataclass(slots=True)
class Context:
    """One command call: who asks, and the services the handler may use."""

    caller: Caller
    showbot: ShowBot
    shows: ShowNames
    registry: Registry

    @property
    def storage(self) -> Storage:
        return self.showbot.storage

    @property
    def settings(self) -> Settings:
        return self.showbot.settings

    # -- who may do what --------------------------------------------------------------------------
    @property
    def is_owner(self) -> bool:
        caller = self.caller
        # the person at the bot's own terminal owns it
        if caller.chat_type is ChatType.CONSOLE or caller.platform == "console":
            return True
        return self.settings.is_owner(caller.platform, caller.user_id)

    @property
    def is_moderator(self) -> bool:
        """Owners everywhere; in a group or server, its administrators. A DM never borrows a server's rights."""
        return self.is_owner or (self.caller.chat_type is ChatType.GROUP and self.caller.is_chat_admin)

    async def touch(self, *, personal: bool = False) -> None:
        """A chat that talks to the bot again is reachable again: resume it if a 403 paused it.
        With `personal`, also the caller's private chat (someone subscribing from a server wants
        their DMs again, e.g. after unblocking the bot)."""
        caller = self.caller
        chats = [caller.chat_id] + ([caller.user_id] if personal and caller.user_id != caller.chat_id else [])
        await self.showbot.chat_alive(caller.platform, *chats)

    # -- finding a show ---------------------------------------------------------------------------
    async def resolve(self, query: str, action: Action, *, events: Event = NO_EVENT, text: str = "",
                      example: str = "", tvmaze_action: Action | None = None) -> CatalogShow | Reply:
        """The one show `query` names, or a reply: a refusal, or a question whose buttons run
        `action` on the show the user picks (with `events` and `text` carried along). With
        `tvmaze_action`, a name the catalog doesn't hold is also looked up on TVmaze (when it is
        reachable and SHOWBOT_TVMAZE is not off): its matches are buttons that run `tvmaze_action`."""
        query = " ".join(query.split())
        if not query:
            return refuse(_("Name a show, e.g. {example}").format(example=example or "/subscribe Squid Game"))
        if len(query) > MAX_SHOW_QUERY:
            return refuse(_("That name is too long (at most {limit} characters).").format(limit=MAX_SHOW_QUERY))
        await self.showbot.refresh_matcher()
        exact = await self.storage.catalog.find_shows(query)
        if len(exact) == 1:
            return exact[0]
        candidates = exact or self.shows.suggest(query)
        on_tvmaze: list[TvmazeShow] = []
        if not exact and tvmaze_action is not None and self.showbot.tvmaze is not None:
            try:
                on_tvmaze = await tvmaze_candidates(self.showbot.matcher.index.shows, self.showbot.tvmaze, query)
            except TvmazeUnavailable as exc:
                _log.warning("TVmaze lookup of %r failed: %s", query, exc)
        from_catalog = tuple(Choice(s.title, action, s.id, events, text) for s in candidates)
        from_tvmaze = tuple(Choice(_("{show} — from TVmaze").format(show=t.label), tvmaze_action, t.id, events)
                            for t in on_tvmaze) if tvmaze_action is not None else ()
        named = any(fold(query) in {fold(t.name), *(fold(a) for a in t.akas)} for t in on_tvmaze)
        if named:  # TVmaze has a show by exactly that name: the catalog's look-alikes would be noise
            candidates, from_catalog = [], ()
        choices = from_catalog + from_tvmaze
        if not choices:
            return refuse(_("I don't know a show called “{query}”. Try /shows {word} to search the catalog.")
                          .format(query=query, word=query.split()[0]))
        names = ", ".join(f"“{s.title}”" for s in candidates)
        if exact:
            return ask(_("“{query}” could be {names}. Which one?").format(query=query, names=names), choices)
        if not candidates:
            return ask(_("“{query}” isn't in my catalog yet. TVmaze knows these shows: pick one to add it.")
                       .format(query=query), choices)
        return ask(_("I don't know “{query}”. Did you mean: {names}?").format(query=query, names=names), choices)

    async def show(self, show_id: int) -> CatalogShow | Reply:
        show = await self.storage.catalog.show_by_id(show_id)
        return show if show is not None else refuse(_("That show is no longer in the catalog."))
