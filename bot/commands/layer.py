"""The command layer as adapters (and the web panel) use it: a typed request in, a `Reply` out.

    commands = Commands(showbot)
    await commands.run(caller, "subscribe", show="Squid Game", events="renewal")   # typed options
    await commands.line(caller, "/subscribe Squid Game renewal")                   # a typed line
    await commands.press(caller, choice)                                           # a button

Who may do what, what is valid and what it changes are decided here (and in the handlers), the
same on Discord, Telegram, the console and the web; adapters only translate and render."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Mapping

from bot.commands import buttons
from bot.commands.context import Context, ShowNames
from bot.commands.model import Action, Caller, ChatType, Choice, Reply, Status, refuse
from bot.commands.registry import Command, Permission, Place, Registry
from bot.commands.text import NotParsed, Parsed, Problem, parse
from bot.i18n import DEFAULT_LANGUAGE, LANGUAGES, _, negotiate, use_language
from bot.local_time import use_zone
from bot.service import ShowBot
from feeds.model import Event

_log = logging.getLogger(__name__)

CHOICE_META_PREFIX = "choice:"  # long button data kept in the meta store under a short key


def build_registry() -> Registry:
    """Every command group, in /help's order."""
    from bot.commands import (
        catalog,
        channels,
        feeds,
        info,
        notify,
        previews,
        settings,
        stories,
        subscriptions,
        web,
    )

    return Registry([subscriptions.group, previews.group, catalog.group, stories.group, channels.group, notify.group,
                     feeds.group, settings.group, web.group, info.group])


class Commands:
    def __init__(self, showbot: ShowBot, *, registry: Registry | None = None) -> None:
        self.showbot = showbot
        self.registry = registry or build_registry()
        self.shows = ShowNames(showbot)

    def context(self, caller: Caller) -> Context:
        return Context(caller, self.showbot, self.shows, self.registry)

    # -- running commands ----------------------------------------------------------------------
    async def run(self, caller: Caller, name: str, **args: str) -> Reply:
        """Run command `name` ("subscribe", "channel subscribe") with its arguments by name."""
        return await self.execute(caller, name, args)

    async def execute(self, caller: Caller, name: str, args: Mapping[str, str] | None = None) -> Reply:
        command = self.registry.get(name)
        if command is None:
            raise KeyError(f"no command /{name}")
        args = dict(args or {})
        self.registry.check_args(command, args)
        await self._note_languages(caller)
        with use_language(await self.language_for(caller)), use_zone(await self.zone_for(caller)):
            return await self._execute(self.context(caller), command, args)

    async def line(self, caller: Caller, text: str) -> Reply:
        """Run one typed line ("/subscribe@showbot Squid Game trailer"); an unknown command or a
        missing argument gets a helpful reply and runs nothing."""
        await self._note_languages(caller)
        parsed = parse(self.registry, text if text.strip().startswith("/") else "/" + text.strip(),
                       platform=caller.platform) if text.strip() else NotParsed(Problem.EMPTY)
        with use_language(await self.language_for(caller)), use_zone(await self.zone_for(caller)):
            ctx = self.context(caller)
            match parsed:
                case Parsed(command=command, args=args):
                    return await self._execute(ctx, command, args)
                case NotParsed(problem=Problem.EMPTY):
                    return await self._execute(ctx, self.registry["help"], {})
                case NotParsed(problem=Problem.GROUP, name=group):
                    usages = " | ".join(c.usage(caller.platform) for c in self.registry.subcommands(group))
                    return refuse(_("Usage: {usage}").format(usage=usages))
                case NotParsed(name=unknown):
                    return refuse(_("I don't know /{name}. /help lists what I can do.").format(name=unknown))

    async def _execute(self, ctx: Context, command: Command, args: dict[str, str]) -> Reply:
        if refusal := self.refusal(ctx, command):
            return refusal
        platform = ctx.caller.platform
        for arg in command.args_on(platform):
            value = args.get(arg.name, "")
            if arg.required and not value.strip():
                return self.usage(command, platform)
            if len(value) > arg.limit:
                return refuse(_("{name} is too long (at most {limit} characters).")
                              .format(name=arg.name, limit=arg.limit))
        values = {a.name: args[a.name] for a in command.args if a.name in args}
        return await command.handler(ctx, **values)

    def usage(self, command: Command, platform: str) -> Reply:
        text = _("Usage: {usage}").format(usage=command.usage(platform))
        if command.examples:
            text += "\n" + _("e.g. {example}").format(example=command.examples[0])
        return refuse(text)

    def refusal(self, ctx: Context, command: Command) -> Reply | None:
        """Why the caller may not run `command` here, or None."""
        caller = ctx.caller
        if command.place is Place.GROUP and not caller.in_group:
            return refuse(_("/{name} works in a server channel or group, not in a private chat.")
                          .format(name=command.name))
        match command.permission:
            case Permission.ANYONE:
                return None
            case Permission.MODERATOR:
                if ctx.is_moderator:
                    return None
                if caller.chat_type is ChatType.PRIVATE:
                    return refuse(_("Only bot owners can do that in a private chat; moderators can do it in "
                                    "their server or group."))
                return refuse(_("Only moderators (server managers, group admins, bot owners) can do that."))
            case Permission.OWNER:
                return None if ctx.is_owner else refuse(_("Only bot owners (SHOWBOT_OWNERS) can do that."))

    def needs_admin_check(self, name: str) -> bool:
        """Whether the answer to `/name` depends on the caller administering the group (so an adapter
        asks the platform only then): moderator commands, and help (it lists them)."""
        command = self.registry.get(name)
        if command is None:
            return bool(self.registry.subcommands(name))
        return command.permission is not Permission.ANYONE or command.name == "help"

    def is_moderator(self, caller: Caller) -> bool:
        return self.context(caller).is_moderator

    # -- buttons ----------------------------------------------------------------------------------
    async def press(self, caller: Caller, choice: Choice) -> Reply:
        """Run a button the caller pressed, under the permission of the command it stands for."""
        await self._note_languages(caller)
        with use_language(await self.language_for(caller)), use_zone(await self.zone_for(caller)):
            ctx = self.context(caller)
            if refusal := self.refusal(ctx, self.registry[buttons.GOVERNED_BY[choice.action]]):
                return refusal
            return await buttons.press(ctx, choice)

    def press_needs_admin_check(self, choice: Choice) -> bool:
        return self.needs_admin_check(buttons.GOVERNED_BY[choice.action])

    async def encode_choice(self, choice: Choice, *, owner: str | None, limit: int) -> str:
        """The choice as callback data of at most `limit` bytes: inline when it fits, else a key to
        where it is kept (the meta store, so it survives restarts and works on every worker)."""
        data = _encode(choice, owner)
        if len(data.encode()) <= limit:
            return data
        key = CHOICE_META_PREFIX + hashlib.sha256(data.encode()).hexdigest()[:24]
        await self.showbot.storage.meta.set_meta(key, data)
        return "k:" + key.removeprefix(CHOICE_META_PREFIX)

    async def decode_choice(self, data: str) -> tuple[Choice, str | None] | None:
        """(choice, owner) from callback data, or None when it is not ours or has expired."""
        if data.startswith("k:"):
            stored = await self.showbot.storage.meta.get_meta(CHOICE_META_PREFIX + data[2:])
            if stored is None:
                return None
            data = stored
        return _decode(data)

    # -- completion ---------------------------------------------------------------------------------
    def complete_show(self, prefix: str, *, limit: int = 25) -> list[str]:
        return self.shows.complete(prefix, limit=limit)

    def complete_zone(self, prefix: str, *, limit: int = 25) -> list[str]:
        from bot.commands.settings import complete_zone

        return complete_zone(prefix, limit=limit)

    # -- languages ---------------------------------------------------------------------------------
    async def _note_languages(self, caller: Caller) -> None:
        """What the platform says the caller's (and their server's) language is, kept for notifications."""
        preferences = self.showbot.preferences
        await preferences.note_platform_language(caller.platform, caller.user_id, negotiate(caller.language))
        if caller.in_group:
            await preferences.note_platform_language(caller.platform, caller.chat_id, negotiate(caller.chat_language))

    async def language_for(self, caller: Caller) -> str:
        """The language replies to `caller` are written in: the one they chose (/language), else their
        platform's (Telegram's language_code, Discord's locale) as it says now or said last, when we
        speak it, else the one their group or channel chose (/channel language), else English."""
        preferences = self.showbot.preferences
        mine = await preferences.of(caller.platform, caller.user_id)
        for code in (mine.language, negotiate(caller.language), mine.platform_language):
            if code in LANGUAGES:
                return code
        if caller.in_group:
            return await preferences.language(caller.platform, caller.chat_id) or DEFAULT_LANGUAGE
        return DEFAULT_LANGUAGE

    async def zone_for(self, caller: Caller) -> dt.tzinfo:
        """The time zone times are shown to `caller` in: their group's or channel's (/timezone there),
        else their own, else UTC."""
        preferences = self.showbot.preferences
        if caller.in_group and (await preferences.of(caller.platform, caller.chat_id)).timezone:
            return await preferences.timezone(caller.platform, caller.chat_id)
        return await preferences.timezone(caller.platform, caller.user_id)

    # -- replies outside a command ---------------------------------------------------------------------
    async def say(self, caller: Caller, message: str, status: Status = Status.REFUSED) -> Reply:
        """A fixed message (an adapter's "something went wrong") in the caller's language."""
        with use_language(await self.language_for(caller)), use_zone(await self.zone_for(caller)):
            return Reply(_(message), status)


def _encode(choice: Choice, owner: str | None) -> str:
    return f"c:{choice.action.value}:{choice.show_id}:{int(choice.events)}:{owner or ''}:{choice.text}"


def _decode(data: str) -> tuple[Choice, str | None] | None:
    parts = data.split(":", 5)
    if len(parts) != 6 or parts[0] != "c":
        return None
    action = Action.from_code(parts[1])
    if action is None:
        return None
    try:
        show_id, events = int(parts[2]), int(parts[3])
    except ValueError:
        return None
    if show_id < 0 or events < 0:
        return None
    return Choice("", action, show_id, Event(events & int(Event.all())), parts[5]), parts[4] or None
