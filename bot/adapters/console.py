"""The console adapter: notifications printed to a terminal, commands typed at a prompt.

A peer of the Discord and Telegram adapters (same Messenger port, same command layer), so a
newcomer can try the whole bot offline with no token."""

from __future__ import annotations

import asyncio
import datetime as dt
import locale
import os
import sys
import threading
from collections.abc import Awaitable
from typing import TextIO

from bot.commands import Caller, ChatType, Choice, Commands, Reply
from bot.i18n import DEFAULT_LANGUAGE, _, negotiate, use_language
from bot.local_time import use_zone
from bot.notifications import Notification, Recipient, SentMessage, render_plain, render_plain_edit
from bot.ports import RateLimits
from bot.preferences import Preferences
from bot.service import CONSOLE_CHAT, CONSOLE_PLATFORM, ShowBot

CONSOLE_LIMITS = RateLimits(per_second=1000.0, private_interval=0.0, group_interval=0.0)


def console_language() -> str | None:
    """The terminal's language (LANGUAGE, LC_ALL, LC_MESSAGES, LANG), e.g. 'ko_KR.UTF-8' -> 'ko_KR'."""
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name, "").split(":", 1)[0].split(".", 1)[0]
        if value and value not in ("C", "POSIX"):
            return value
    return locale.getlocale()[0]


class ConsoleMessenger:
    platform = "console"
    limits = CONSOLE_LIMITS

    def __init__(self, stream: TextIO | None = None, *, preferences: Preferences | None = None) -> None:
        self._stream = stream
        self._preferences = preferences
        self._printed = 0

    async def _language(self, recipient: Recipient) -> str:
        """The language the console user chose (/language), else the terminal's."""
        chosen = await self._preferences.language(self.platform, recipient.chat_id) if self._preferences else None
        return chosen or negotiate(console_language()) or DEFAULT_LANGUAGE

    async def _zone(self, recipient: Recipient) -> dt.tzinfo | None:
        return await self._preferences.timezone(self.platform, recipient.chat_id) if self._preferences else None

    async def send(self, recipient: Recipient, notification: Notification) -> SentMessage:
        with use_language(await self._language(recipient)), use_zone(await self._zone(recipient)):
            self._write(render_plain(notification))
        self._printed += 1
        return SentMessage(recipient.chat_id, f"printed-{self._printed}")

    async def edit(self, recipient: Recipient, message: SentMessage, notification: Notification) -> None:
        """What was printed stays printed: an "also reported by" line says who else reports it."""
        with use_language(await self._language(recipient)), use_zone(await self._zone(recipient)):
            self._write(render_plain_edit(notification))

    def _write(self, text: str) -> None:
        stream = self._stream or sys.stdout
        stream.write(text + "\n\n")
        stream.flush()


class ConsoleChat:
    """`showbot chat`: type the bot's commands at a terminal, as the local user, who owns the bot. The
    console is both their private chat and their own server: /channel, /mute and /unmute work here."""

    def __init__(self, showbot: ShowBot, settings: object = None, *, output: TextIO | None = None) -> None:
        self._commands = Commands(showbot)
        self._caller = Caller(CONSOLE_PLATFORM, CONSOLE_CHAT, CONSOLE_CHAT, ChatType.CONSOLE, guild_id=CONSOLE_CHAT,
                              name="you", language=console_language())
        self._out = output
        self._choices: tuple[Choice, ...] = ()

    def _print(self, text: str) -> None:
        stream = self._out or sys.stdout
        stream.write(text + "\n")
        stream.flush()

    async def handle(self, line: str) -> str:
        """One typed line -> the reply text (numbers pick a button from the previous reply)."""
        line = line.strip()
        if line.isdigit() and self._choices:
            index = int(line) - 1
            if not 0 <= index < len(self._choices):
                return f"1 … {len(self._choices)}?"  # (a number is a number in every language)
            reply = await self._commands.press(self._caller, self._choices[index])
        else:
            reply = await self._commands.line(self._caller, line)
        return self.render(reply)

    def render(self, reply: Reply) -> str:
        self._choices = reply.choices
        text = reply.text
        if reply.attachment is not None:  # a terminal shows a text file as it is
            text += f"\n--- {reply.attachment.filename} ---\n" + reply.attachment.data.decode("utf-8", errors="replace")
        if reply.choices:
            text += "\n" + "  ".join(f"[{n}] {c.label}" for n, c in enumerate(reply.choices, 1))
        if reply.attachment is not None:  # a terminal shows no files: say what came and how to get it
            note = f"{reply.attachment.filename}, {len(reply.attachment.data)} bytes"
            if reply.attachment.media_type == "text/calendar":
                note += ": `showbot calendar export` writes it to a file"
            text += f"\n({note})"
        return text

    async def run(self, stream: TextIO, stop: asyncio.Event) -> None:
        """Answer typed lines until end of input, /quit, or `stop` (Ctrl-C): a signal ends the chat
        at once, without waiting for Enter."""
        with use_language(await self._commands.language_for(self._caller)):
            self._print(_("showbot chat — type /help, /subscribe <show>, /shows <name>; a number picks a button; "
                          "Ctrl-D to quit."))
        lines = _LineReader(stream)
        while not stop.is_set():
            self._print_prompt()
            line = await _first(lines.next_line(), stop)
            if not line:  # end of input, or stopped
                break
            if line.strip() in ("/quit", "/exit", "quit", "exit"):
                break
            if line.strip():
                self._print(await self.handle(line))

    def _print_prompt(self) -> None:
        stream = self._out or sys.stdout
        stream.write("> ")
        stream.flush()


class _LineReader:
    """Lines of a blocking stream, read by a daemon thread: a pending read never holds up the
    process's exit (asyncio.to_thread's worker would be joined at shutdown, i.e. wait for Enter)."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._loop = asyncio.get_running_loop()
        self._lines: asyncio.Queue[str] = asyncio.Queue()
        self._thread: threading.Thread | None = None

    def _read(self) -> None:
        while True:
            try:
                line = self._stream.readline()
            except (OSError, ValueError):
                line = ""
            try:
                self._loop.call_soon_threadsafe(self._lines.put_nowait, line)
            except RuntimeError:  # the loop is closed: nobody is listening any more
                return
            if not line:
                return

    async def next_line(self) -> str:
        """The next line, '' at end of input."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._read, name="showbot-chat-stdin", daemon=True)
            self._thread.start()
        return await self._lines.get()


async def _first(read: Awaitable[str], stop: asyncio.Event) -> str:
    """What `read` gives, or '' as soon as `stop` is set."""
    reading = asyncio.ensure_future(read)
    stopping = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({reading, stopping}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopping.cancel()
        if not reading.done():
            reading.cancel()
    return reading.result() if reading.done() and not reading.cancelled() else ""
