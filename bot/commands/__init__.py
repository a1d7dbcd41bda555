"""The platform-neutral command layer: one registry of commands (bot/commands/registry.py), one
module per group of commands, and `Commands`, the front every adapter and the web panel call.

Moderators: global bot owners (SHOWBOT_OWNERS) everywhere; in a group or server, the members the
adapter reports as chat administrators (Telegram) or Manage Server / moderator role (Discord).
In a private chat only owners moderate: a DM can never borrow a server's permissions. The console
(`showbot chat`) is its owner's own terminal and its own server."""

from __future__ import annotations

from bot.commands.layer import Commands, build_registry
from bot.commands.model import (
    Action,
    Attachment,
    Caller,
    ChatType,
    Choice,
    Platform,
    Reply,
    Status,
    ask,
    refuse,
)
from bot.commands.registry import Arg, ArgKind, Command, Group, Permission, Place, Registry, Separator

__all__ = [
    "Action", "Arg", "ArgKind", "Attachment", "Caller", "ChatType", "Choice", "Command", "Commands", "Group",
    "Permission", "Place", "Platform", "Registry", "Reply", "Separator", "Status", "ask", "build_registry", "refuse",
]
