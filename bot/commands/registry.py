"""The one list of commands: name, typed arguments, permission, description, examples, handler.

Everything that knows about commands reads it: the text parser (console, Telegram), Telegram's
command menu, `/help`, Discord's app commands, the web panel and README's table. A group module
(bot/commands/subscriptions.py, ...) declares its commands on a `Group`:

    group = Group("subscriptions")

    @group.command("subscribe", N_("Follow a show"),
                   args=(Arg("show", ArgKind.SHOW, N_("The show to follow")),
                         Arg("events", ArgKind.EVENTS, N_("Which news (default: all)"), required=False)),
                   examples=("/subscribe Squid Game", "/subscribe Squid Game renewal trailer"))
    async def subscribe(ctx: Context, show: str, events: str = "") -> Reply: ...

A handler takes the per-call `Context` and one keyword argument per `Arg` (text, as typed or as a
platform's option gave it) and returns a `Reply`. Permissions are checked before it runs."""

from __future__ import annotations

import enum
import inspect
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.commands.model import Reply

Handler = Callable[..., Awaitable[Reply]]


class ArgKind(enum.Enum):
    SHOW = "show"  # a catalog show by title or alias (Discord autocompletes it)
    EVENTS = "events"  # event words and phrases: "renewal trailer", "release date", "cast"
    TEXT = "text"  # free text
    URL = "url"
    WORD = "word"  # one word from `choices` (a language code, "daily")
    NUMBER = "number"  # a whole number within `low`..`high`
    TIMEZONE = "timezone"  # an IANA zone name (Discord autocompletes it)
    ROLE = "role"  # a Discord role to mention (no text syntax: Discord passes a role id)
    CHANNEL = "channel"  # a Discord channel (a forum, an announcement channel) the command acts on instead
    FILE = "file"  # an attached file (Discord attachment, Telegram document)


class Separator(enum.Enum):
    SPACE = " "
    PIPE = "|"  # "/alias add <show> | <alias>": the argument follows a "|"


class Permission(enum.Enum):
    ANYONE = "anyone"
    MODERATOR = "moderator"  # bot owners anywhere; server managers / group admins in their server or group
    OWNER = "owner"  # SHOWBOT_OWNERS (and the console's user) only


class Place(enum.Enum):
    ANYWHERE = "anywhere"
    GROUP = "group"  # a server channel or group (or the console, its own server)


# what a text argument of each kind may hold at most (Discord declares the same limits)
MAX_LENGTH: dict[ArgKind, int] = {
    ArgKind.SHOW: 100, ArgKind.EVENTS: 200, ArgKind.TEXT: 1000, ArgKind.URL: 2000, ArgKind.WORD: 40,
    ArgKind.NUMBER: 12, ArgKind.TIMEZONE: 64, ArgKind.ROLE: 32, ArgKind.FILE: 2000, ArgKind.CHANNEL: 32,
}


@dataclass(frozen=True, slots=True)
class Arg:
    name: str
    kind: ArgKind
    description: str  # N_()-marked; translated where shown
    required: bool = True
    separator: Separator = Separator.SPACE
    max_length: int | None = None  # default: MAX_LENGTH[kind]
    choices: tuple[str, ...] = ()  # WORD: the accepted words
    pattern: str = ""  # WORD without choices: what the word looks like (a regular expression), for typed lines
    low: int = 0  # NUMBER
    high: int = 0
    platforms: frozenset[str] | None = None  # None: every platform; {"discord"} for a role

    @property
    def limit(self) -> int:
        return self.max_length if self.max_length is not None else MAX_LENGTH[self.kind]

    def on(self, platform: str) -> bool:
        return self.platforms is None or platform in self.platforms

    def placeholder(self) -> str:
        return f"<{self.name}>" if self.required else f"[{self.name}]"


@dataclass(frozen=True, slots=True)
class Command:
    name: str  # "subscribe", or "channel subscribe" for a subcommand
    description: str  # N_()-marked, one line
    handler: Handler
    args: tuple[Arg, ...] = ()
    permission: Permission = Permission.ANYONE
    place: Place = Place.ANYWHERE
    examples: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()  # other names typed text accepts ("/list" for "/subscriptions")
    restricted: bool = False  # hidden from members where the platform can (Discord's default permissions)
    in_menu: bool = True  # listed in menus and /help
    group: str = ""  # the module's group, for /help's sections

    @property
    def top(self) -> str:
        return self.name.split(" ", 1)[0]

    @property
    def sub(self) -> str | None:
        parts = self.name.split(" ", 1)
        return parts[1] if len(parts) == 2 else None

    def args_on(self, platform: str) -> tuple[Arg, ...]:
        return tuple(a for a in self.args if a.on(platform))

    def usage(self, platform: str | None = None) -> str:
        parts = [f"/{self.name}"]
        for arg in self.args if platform is None else self.args_on(platform):
            if arg.kind in (ArgKind.ROLE, ArgKind.FILE, ArgKind.CHANNEL) and platform is None:
                continue  # no text syntax: a platform's option or an attachment
            if arg.separator is Separator.PIPE:
                parts.append("|")
            parts.append(arg.placeholder())
        return " ".join(parts)

    def check_handler(self) -> None:
        """The handler takes exactly the declared arguments (by name), the optional ones with defaults."""
        params = list(inspect.signature(self.handler).parameters.values())[1:]
        names = [p.name for p in params]
        if names != [a.name for a in self.args]:
            raise TypeError(f"/{self.name}: handler takes {names}, the registry declares {[a.name for a in self.args]}")
        for param, arg in zip(params, self.args, strict=True):
            if (param.default is inspect.Parameter.empty) != arg.required:
                raise TypeError(f"/{self.name}: argument {arg.name!r} required={arg.required} but the handler's "
                                f"default is {param.default!r}")


@dataclass(slots=True)
class Group:
    """The commands one module declares."""

    name: str
    commands: list[Command] = field(default_factory=list)
    topics: dict[str, str] = field(default_factory=dict)  # a command group's name -> its description

    def describe(self, top: str, description: str) -> None:
        """The description of a group of subcommands ("/channel …"), N_()-marked."""
        self.topics[top] = description

    def command(self, name: str, description: str, *, args: tuple[Arg, ...] = (),
                permission: Permission = Permission.ANYONE, place: Place = Place.ANYWHERE,
                examples: tuple[str, ...] = (), aliases: tuple[str, ...] = (), restricted: bool = False,
                in_menu: bool = True) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            self.commands.append(Command(name, description, handler, args, permission, place, examples, aliases,
                                         restricted, in_menu, self.name))
            return handler

        return register


class Registry:
    """Every command, by name (and typed alias). Immutable once built."""

    def __init__(self, groups: Iterable[Group]) -> None:
        self._commands: dict[str, Command] = {}
        self._aliases: dict[str, str] = {}
        self._topics: dict[str, str] = {}
        for group in groups:
            self._topics.update(group.topics)
            for command in group.commands:
                if command.name in self._commands:
                    raise ValueError(f"/{command.name} is declared twice")
                command.check_handler()
                self._commands[command.name] = command
                for alias in command.aliases:
                    self._aliases[alias] = command.name
        tops = {c.top for c in self._commands.values()}
        for top in tops:
            if top in self._commands and any(c.sub for c in self._commands.values() if c.top == top):
                raise ValueError(f"/{top} is both a command and a group")
            if top not in self._commands and top not in self._topics:
                raise ValueError(f"the group /{top} has no description (Group.describe)")

    def __iter__(self) -> Iterator[Command]:
        return iter(self._commands.values())

    def __len__(self) -> int:
        return len(self._commands)

    def __contains__(self, name: object) -> bool:
        return name in self._commands

    def __getitem__(self, name: str) -> Command:
        return self._commands[name]

    def get(self, name: str) -> Command | None:
        return self._commands.get(self._aliases.get(name, name))

    def tops(self) -> list[str]:
        """Top-level names (commands and groups), in declaration order."""
        return list(dict.fromkeys(c.top for c in self._commands.values()))

    def description(self, top: str) -> str:
        """A command's or a group's description (N_()-marked: translate it where it is shown)."""
        command = self._commands.get(top)
        return command.description if command is not None else self._topics[top]

    def entries(self) -> list[tuple[str, list[Command]]]:
        """Top-level names with their commands (one, or a group's subcommands), in declaration order."""
        return [(top, [c for c in self._commands.values() if c.top == top]) for top in self.tops()]

    def subcommands(self, top: str) -> list[Command]:
        return [c for c in self._commands.values() if c.top == top and c.sub]

    def typed_names(self) -> list[str]:
        """Every top-level word typed text may start with (names and aliases)."""
        return list(dict.fromkeys([*self.tops(), *(a.split(" ", 1)[0] for a in self._aliases)]))

    def check_args(self, command: Command, args: Mapping[str, Any]) -> None:
        known = {a.name for a in command.args}
        unknown = set(args) - known
        if unknown:
            raise TypeError(f"/{command.name} has no argument {sorted(unknown)}")
