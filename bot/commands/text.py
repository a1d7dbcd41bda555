"""Typed commands ("/subscribe Squid Game release date") -> a registry command and its arguments.

The console and Telegram get commands as one line of text; Discord passes typed options instead.
How a line splits follows the command's declared arguments:
- an argument declared with a `|` separator starts after the next "|" ("/alias add Silo | The Silo");
- within a part, the first free-text argument (show, text, url) takes what the others leave: words
  for the arguments before it from the front, and for those after it from the end (event phrases
  peeled off the end: "Squid Game release date" -> show "Squid Game", events "release date")."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field

from bot.commands.events import split_show_events
from bot.commands.registry import Arg, ArgKind, Command, Registry, Separator

FREE_TEXT = frozenset({ArgKind.SHOW, ArgKind.TEXT, ArgKind.URL, ArgKind.TIMEZONE})
NO_TEXT_SYNTAX = frozenset({ArgKind.ROLE, ArgKind.FILE, ArgKind.CHANNEL})


class Problem(enum.Enum):
    EMPTY = "empty"  # nothing typed
    UNKNOWN = "unknown"  # no such command
    GROUP = "group"  # a group name without (or with an unknown) subcommand


@dataclass(frozen=True, slots=True)
class Parsed:
    command: Command
    args: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class NotParsed:
    problem: Problem
    name: str = ""


def command_word(text: str) -> str:
    """'/Channel@showbot subscribe X' -> 'channel'."""
    first = text.strip().split(maxsplit=1)[0] if text.strip() else ""
    return first.lstrip("/").split("@", 1)[0].lower()


def parse(registry: Registry, line: str, *, platform: str) -> Parsed | NotParsed:
    line = line.strip()
    if not line:
        return NotParsed(Problem.EMPTY)
    head, _sep, rest = line.partition(" ")
    name = command_word(head)
    rest = rest.strip()
    command = registry.get(name)
    if command is None and registry.subcommands(name):
        sub, _sep, args = rest.partition(" ")
        command = registry.get(f"{name} {sub.lower()}")
        if command is None:
            return NotParsed(Problem.GROUP, name)
        rest = args.strip()
    if command is None:
        return NotParsed(Problem.UNKNOWN, name)
    return Parsed(command, split_args(command, rest, platform=platform))


def split_args(command: Command, text: str, *, platform: str) -> dict[str, str]:
    args = [a for a in command.args_on(platform) if a.kind not in NO_TEXT_SYNTAX]
    parts: list[list[Arg]] = [[]]
    for arg in args:
        if arg.separator is Separator.PIPE and parts[-1]:
            parts.append([])
        parts[-1].append(arg)
    pieces = text.split("|", len(parts) - 1) if len(parts) > 1 else [text]
    values: dict[str, str] = {}
    for part, piece in zip(parts, pieces + [""] * (len(parts) - len(pieces)), strict=True):
        values.update(_split_part(part, piece.strip()))
    return {name: value for name, value in values.items() if value}


def _split_part(args: list[Arg], text: str) -> dict[str, str]:
    words = text.split()
    free = next((i for i, a in enumerate(args) if a.kind in FREE_TEXT), None)
    values: dict[str, str] = {}
    if free is None:  # words, the last argument takes the rest
        for i, arg in enumerate(args):
            if i == len(args) - 1:
                values[arg.name] = " ".join(words)
            elif words:
                values[arg.name] = words.pop(0)
        return values
    for arg in args[:free]:
        if words:
            values[arg.name] = words.pop(0)
    for arg in reversed(args[free + 1:]):
        if not words:
            break
        if arg.kind is ArgKind.EVENTS:
            head, events = split_show_events(" ".join(words))
            values[arg.name] = events
            words = head.split()
        elif arg.kind is ArgKind.WORD and len(words) > 1 and (
                words[-1].lower() in arg.choices if arg.choices else re.fullmatch(arg.pattern or r"\S+", words[-1])):
            values[arg.name] = words.pop().lower()
        elif arg.kind is ArgKind.NUMBER and words[-1].lstrip("+-").isdigit() and len(words) > 1:
            values[arg.name] = words.pop()
    values[args[free].name] = " ".join(words)
    return values
