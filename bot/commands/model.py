"""The command layer's vocabulary: who asks (`Caller`), what they may press (`Choice`, `Action`) and
what they are told (`Reply`). Platform-neutral: adapters build Callers and render Replies."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from feeds.model import NO_EVENT, Event


class ChatType(enum.Enum):
    PRIVATE = "private"  # a DM with the bot
    GROUP = "group"  # a Telegram group/supergroup/channel, a Discord server channel
    CONSOLE = "console"  # `showbot chat`: the owner's own terminal, both their DM and their server


class Platform(enum.StrEnum):
    CONSOLE = "console"
    TELEGRAM = "telegram"
    DISCORD = "discord"
    WEB = "web"


@dataclass(frozen=True, slots=True)
class Caller:
    platform: str
    user_id: str
    chat_id: str
    chat_type: ChatType = ChatType.PRIVATE
    guild_id: str | None = None  # Discord server id; for Telegram groups the group's chat id
    is_chat_admin: bool = False  # the adapter's check: Telegram getChatMember, Discord Manage Server / mod role
    name: str = ""
    language: str | None = None  # the platform's hint: Telegram's language_code, Discord's locale
    chat_language: str | None = None  # the group's or server's language where the platform says (Discord)
    thread_id: str | None = None  # a Telegram forum topic, a Discord thread the command came from

    @property
    def in_group(self) -> bool:
        """Channel subscriptions and mutes make sense here (a server, a group, the console)."""
        return self.chat_type is not ChatType.PRIVATE

    @property
    def guild(self) -> str:
        """The server (or group) whose mutes and channel subscriptions apply here."""
        return self.guild_id or self.chat_id

    @property
    def who(self) -> str:
        """'telegram:123': the id SHOWBOT_OWNERS takes."""
        return f"{self.platform}:{self.user_id}"


class Status(enum.Enum):
    OK = "ok"
    REFUSED = "refused"  # nothing changed; the text says why
    ASK = "ask"  # nothing changed yet; the choices say what could be meant


class Action(enum.Enum):
    """What a button does. Each value is its short code in callback data (Telegram: 64 bytes)."""

    SUBSCRIBE = "s"
    SET_EVENTS = "e"
    UNSUBSCRIBE = "u"
    SKIP_SHOW = "x"  # keep following every show, but not this one
    UNSUBSCRIBE_EVERY = "ua"
    CHANNEL_SUBSCRIBE = "cs"
    CHANNEL_UNSUBSCRIBE = "cu"
    MUTE = "m"
    UNMUTE = "um"
    LATEST = "l"
    ALIAS_ADD = "a"
    WHY = "w"  # why a notification was sent: show_id is the item, text the show's title
    TVMAZE_SUBSCRIBE = "t"  # a TVmaze show (show_id: its TVmaze id) joins the catalog, then is followed
    TVMAZE_CHANNEL_SUBSCRIBE = "tc"
    PREVIEW = "pv"
    LANGUAGE = "lg"  # text: a language code, or "auto"
    CHANNEL_LANGUAGE = "clg"

    @classmethod
    def from_code(cls, code: str) -> Action | None:
        try:
            return cls(code)
        except ValueError:
            return None


@dataclass(frozen=True, slots=True)
class Choice:
    """A button a reply offers; pressing it runs `Action` with these values as the presser."""

    label: str
    action: Action
    show_id: int = 0
    events: Event = NO_EVENT
    text: str = ""  # an argument that is not a show (an alias being added)


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file that goes with a reply (an OPML export, a calendar)."""

    filename: str
    data: bytes
    media_type: str


@dataclass(frozen=True, slots=True)
class Reply:
    text: str
    status: Status = Status.OK
    private: bool = True  # ephemeral on Discord
    choices: tuple[Choice, ...] = field(default=())
    attachment: Attachment | None = None
    secret: bool = False  # holds a credential (a sign-in link): only the caller may ever see it
    alert: bool = False  # a short answer shown over the message its button is on, leaving that message as it is

    @property
    def ok(self) -> bool:
        return self.status is Status.OK


def refuse(text: str) -> Reply:
    return Reply(text, Status.REFUSED)


def ask(text: str, choices: tuple[Choice, ...]) -> Reply:
    return Reply(text, Status.ASK, choices=choices)
