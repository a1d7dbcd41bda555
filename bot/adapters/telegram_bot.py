"""The Telegram adapter: python-telegram-bot's Application on the bot's own asyncio loop.

It is a Messenger (notifications rendered as Telegram HTML, Bot API errors mapped onto the
delivery loop's error kinds) and a front end for the command layer (typed commands become
`command_text.dispatch` calls; a Reply's choices become an inline keyboard whose presses come
back as `Commands.choose`). Long polling; no JobQueue: the core runs the only scheduler.

    adapter = TelegramAdapter(settings, showbot)
    await adapter.start()      # getMe, setMyCommands, then getUpdates in the background
    showbot.register(adapter)
    ...
    await adapter.stop()
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dtm
import logging
import warnings
from urllib.parse import urlsplit

from telegram import (
    BotCommand,
    BotCommandScopeAllChatAdministrators,
    BotCommandScopeDefault,
    CallbackQuery,
    Chat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Message,
    ReplyParameters,
    Update,
)
from telegram.constants import ChatMemberStatus, ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.command_text import COMMANDS, dispatch
from bot.commands import Caller, ChatType, Choice, Commands, Reply
from bot.config import Settings
from bot.notifications import TELEGRAM_LIMIT, Notification, Recipient, cut, escape_html, render_telegram
from bot.ports import ChatUnavailable, PermanentFailure, RateLimits, RetryLater, TemporaryFailure
from bot.service import ShowBot
from bot.supervise import restart_delay

_log = logging.getLogger(__name__)

PLATFORM = "telegram"
# Bot API: about 30 messages a second overall, one a second per chat, 20 a minute per group.
TELEGRAM_LIMITS = RateLimits(per_second=28, private_interval=1.0, group_interval=3.0)
CALLBACK_DATA_LIMIT = 64  # bytes, a Bot API limit
CALLBACK_ANSWER_LIMIT = 200
BUTTON_LABEL_LIMIT = 60
LONG_POLL = dtm.timedelta(seconds=25)
CONNECT_BACKOFF_CAP = 300.0

# Commands whose answer depends on whether the caller administers the group: only these cost a
# getChatMember call, and only in a group.
ADMIN_COMMANDS = frozenset({"channel", "mute", "unmute", "feed", "catalog", "alias", "stats", "help", "start",
                            "panel"})
ADMIN_CHOICES = frozenset({"channel_subscribe", "mute"})
ADMIN_STATUSES = (ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER)
GROUP_TYPES = (Chat.GROUP, Chat.SUPERGROUP, Chat.CHANNEL)

# A 400 that means the chat is gone or closed to the bot, not that the message is wrong.
UNAVAILABLE_MARKERS = (
    "chat not found", "user is deactivated", "bot was kicked", "bot was blocked", "bot is not a member",
    "not enough rights", "have no rights to send", "need administrator rights", "chat_write_forbidden",
    "group chat was upgraded", "peer_id_invalid",
)

MENU = (
    ("subscribe", "Follow a show: /subscribe Squid Game [events]"),
    ("unsubscribe", "Stop following a show (or 'all')"),
    ("subscriptions", "The shows you follow"),
    ("shows", "Search the catalog: /shows <name>"),
    ("latest", "Recent news about a show"),
    ("panel", "Manage this chat in the browser (a private sign-in link)"),
    ("help", "What I can do"),
)
MODERATOR_MENU = (
    ("channel", "Post a show's news in this group: /channel subscribe <show>"),
    ("mute", "Silence a show in this group"),
    ("unmute", "Un-silence a show in this group"),
    ("feed", "Manage feeds: /feed add|remove|list"),
    ("catalog", "Add a show: /catalog add <title> | aliases"),
    ("alias", "Add an alias: /alias add <show> | <alias>"),
    ("stats", "Bot statistics"),
)


class TelegramStartError(Exception):
    """Telegram could not be started; the message is one line for the operator, without the token."""


class TokenRejected(TelegramStartError):
    """The Bot API answered 401: TELEGRAM_TOKEN is wrong or revoked. Retrying cannot help."""


class BotApiUnreachable(TelegramStartError):
    """The Bot API did not answer (network, DNS, 5xx, timeout): worth retrying."""


class TelegramAdapter:
    platform = PLATFORM
    limits = TELEGRAM_LIMITS

    def __init__(self, settings: Settings, showbot: ShowBot, *, commands: Commands | None = None) -> None:
        if not settings.telegram_token:
            raise ValueError("the Telegram adapter needs TELEGRAM_TOKEN")
        self._settings = settings
        self._showbot = showbot
        self.commands = commands or Commands(showbot)
        self._app: Application | None = None

    # -- lifecycle ---------------------------------------------------------------------------
    def build_application(self) -> Application:
        builder = (
            Application.builder()
            .token(self._settings.telegram_token or "")
            .job_queue(None)  # one scheduler: the core's
            .connect_timeout(10.0).read_timeout(20.0).write_timeout(20.0).pool_timeout(10.0)
            .get_updates_connect_timeout(10.0).get_updates_read_timeout(10.0)
            .get_updates_write_timeout(10.0).get_updates_pool_timeout(10.0)
        )
        if self._settings.telegram_base_url:
            base = self._settings.telegram_base_url
            builder = builder.base_url(base).base_file_url(file_base_url(base))
        app = builder.build()
        update_kinds = filters.UpdateType.MESSAGE | filters.UpdateType.CHANNEL_POST
        app.add_handler(CommandHandler(list(COMMANDS), self._on_command, filters=update_kinds))
        # an unknown /command in a private chat gets "I don't know /x" from the command layer;
        # in groups it may be meant for another bot
        app.add_handler(MessageHandler(filters.COMMAND & filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE,
                                       self._on_command))
        app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND & filters.ChatType.PRIVATE
                                       & filters.UpdateType.MESSAGE, self._on_chatter))
        app.add_handler(CallbackQueryHandler(self._on_button))
        app.add_error_handler(self._on_error)
        return app

    async def start(self, *, updates: bool = True) -> None:
        """getMe, then (with `updates`) the command menu and long polling for updates.
        Raises TokenRejected (401) or BotApiUnreachable, whose messages never contain the token."""
        app = self.build_application()
        try:
            await app.initialize()  # getMe: a wrong token or an unreachable server shows here
            await app.start()
            if updates:
                await self._read_updates(app)
        except BaseException as exc:
            with contextlib.suppress(Exception):
                await self._shutdown(app)
            if isinstance(exc, InvalidToken):  # PTB's message quotes the token: never pass it on
                raise TokenRejected("the Bot API refused TELEGRAM_TOKEN (401 Unauthorized); "
                                    "check the token with @BotFather") from None
            if isinstance(exc, NetworkError) and not isinstance(exc, BadRequest):  # TimedOut, 5xx, refused
                raise BotApiUnreachable(f"the Bot API at {self._api_host()} is unreachable "
                                        f"({self._redact(str(exc)) or type(exc).__name__})") from None
            raise
        self._app = app
        _log.info("telegram: %s as @%s", "polling" if updates else "connected", app.bot.username)

    @staticmethod
    async def _read_updates(app: Application) -> None:
        await TelegramAdapter._set_menu(app)
        assert app.updater is not None
        await app.updater.start_polling(
            timeout=LONG_POLL, drop_pending_updates=False,
            allowed_updates=[Update.MESSAGE, Update.CHANNEL_POST, Update.CALLBACK_QUERY],
        )

    async def start_updates(self) -> None:
        """Begin reading updates (long polling) on an adapter started without them: with several workers,
        only the one elected to read updates does (the Bot API allows one reader per token)."""
        if self._app is None:
            raise RuntimeError("the Telegram adapter is not started")
        if self._app.updater is not None and not self._app.updater.running:
            await self._read_updates(self._app)

    async def stop_updates(self) -> None:
        """Stop reading updates (another worker reads them now); sending goes on."""
        if self._app is not None and self._app.updater is not None and self._app.updater.running:
            await self._app.updater.stop()

    async def connect(self, stop: asyncio.Event, *, updates: bool = True, attempts: int | None = None) -> bool:
        """Start, retrying an unreachable Bot API with backoff (1 s, 2 s, 4 s … up to 5 minutes) until
        it answers, `stop` is set (False) or `attempts` are used up (BotApiUnreachable). A wrong token
        is not retried: TokenRejected."""
        failures = 0
        while not stop.is_set():
            try:
                await self.start(updates=updates)
                return True
            except BotApiUnreachable as exc:
                failures += 1
                if attempts is not None and failures >= attempts:
                    raise
                delay = restart_delay(failures, cap=CONNECT_BACKOFF_CAP)
                _log.warning("telegram: %s; retrying in %.0fs (the other platforms keep running)", exc, delay)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), delay)
        return False

    def _api_host(self) -> str:
        return urlsplit(self._settings.telegram_base_url or "https://api.telegram.org").netloc

    def _redact(self, text: str) -> str:
        token = self._settings.telegram_token
        return text.replace(token, "***") if token else text

    async def stop(self) -> None:
        app, self._app = self._app, None
        if app is not None:
            await self._shutdown(app)

    @staticmethod
    async def _shutdown(app: Application) -> None:
        try:
            if app.updater is not None and app.updater.running:
                await app.updater.stop()
            if app.running:
                await app.stop()
        finally:
            await app.shutdown()

    @staticmethod
    async def _set_menu(app: Application) -> None:
        try:
            await app.bot.set_my_commands([BotCommand(n, d) for n, d in MENU], scope=BotCommandScopeDefault())
            await app.bot.set_my_commands([BotCommand(n, d) for n, d in MENU + MODERATOR_MENU],
                                          scope=BotCommandScopeAllChatAdministrators())
        except TelegramError as exc:  # the menu is a convenience; commands work without it
            _log.warning("telegram: could not set the command menu: %s", exc)

    # -- Messenger ---------------------------------------------------------------------------
    async def send(self, recipient: Recipient, notification: Notification) -> None:
        if self._app is None:
            raise TemporaryFailure("the Telegram adapter is not running")
        message = render_telegram(notification)
        preview = LinkPreviewOptions(url=message.link) if message.link else LinkPreviewOptions(is_disabled=True)
        try:
            await self._app.bot.send_message(
                chat_id=recipient.chat_id, text=message.html, parse_mode=ParseMode.HTML,
                link_preview_options=preview,
            )
        except ChatMigrated as exc:
            # the group became a supergroup: its subscriptions and pending news move to the new id,
            # and this notification is resent there on the next pass
            await self._showbot.storage.audience.migrate_chat(PLATFORM, recipient.chat_id, str(exc.new_chat_id))
            raise TemporaryFailure(f"the group moved to {exc.new_chat_id}; resending there") from exc
        except TelegramError as exc:
            raise delivery_error(exc) from exc

    # -- commands ------------------------------------------------------------------------------
    async def _on_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is None or not message.text:
            return
        name = command_name(message.text)
        caller = await self._caller(update, context, needs_admin=name in ADMIN_COMMANDS)
        if caller is None:
            return
        try:
            reply = await dispatch(self.commands, caller, message.text)
        except Exception:
            await self._apologise(message)
            raise  # the error handler logs it
        await self._reply(message, caller, reply)

    async def _on_chatter(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if update.effective_message is not None:
            await update.effective_message.reply_text(
                "I answer commands: /subscribe <show> to follow one, /help for the rest.",
                link_preview_options=LinkPreviewOptions(is_disabled=True), do_quote=False)

    async def _on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is None:
            return
        decoded = decode_choice(query.data or "")
        if decoded is None:
            await query.answer("That button has expired.", show_alert=True)
            return
        choice, owner = decoded
        if owner is not None and str(query.from_user.id) != owner:
            await query.answer("These buttons belong to someone else: send your own command.", show_alert=True)
            return
        caller = await self._caller(update, context, needs_admin=choice.action in ADMIN_CHOICES)
        if caller is None:
            await query.answer()
            return
        try:
            reply = await self.commands.choose(caller, choice)
        except Exception:
            await query.answer("Something went wrong on my side; please try again later.", show_alert=True)
            raise
        if not reply.ok and not reply.choices:
            await query.answer(cut(reply.text, CALLBACK_ANSWER_LIMIT), show_alert=True)
            return
        await query.answer()
        await self._edit(query, caller, reply)

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        update_id = update.update_id if isinstance(update, Update) else None
        _log.error("telegram: handling update %s failed", update_id, exc_info=context.error)

    # -- the caller ------------------------------------------------------------------------------
    async def _caller(self, update: Update, context: ContextTypes.DEFAULT_TYPE, *, needs_admin: bool
                      ) -> Caller | None:
        chat = update.effective_chat
        message = update.effective_message
        user = update.effective_user
        if chat is None:
            return None
        in_group = chat.type in GROUP_TYPES
        sender_chat = message.sender_chat if isinstance(message, Message) else None
        is_admin = False
        if user is not None and not (sender_chat is not None and sender_chat.id == chat.id):
            user_id, name = str(user.id), user.full_name
            if in_group and needs_admin:
                is_admin = await self._is_admin(context, chat.id, user.id)
        elif sender_chat is not None and sender_chat.id == chat.id:
            # a channel post or an anonymous group admin: only administrators can speak as the chat
            user_id, name, is_admin = str(chat.id), chat.title or "", True
        else:
            return None
        return Caller(PLATFORM, user_id, str(chat.id), ChatType.GROUP if in_group else ChatType.PRIVATE,
                      guild_id=str(chat.id) if in_group else None, is_chat_admin=is_admin, name=name)

    @staticmethod
    async def _is_admin(context: ContextTypes.DEFAULT_TYPE, chat_id: int, user_id: int) -> bool:
        try:
            member = await context.bot.get_chat_member(chat_id, user_id)
        except TelegramError as exc:
            _log.warning("telegram: getChatMember(%s, %s) failed: %s; treating as a member", chat_id, user_id, exc)
            return False
        return member.status in ADMIN_STATUSES

    # -- replies -----------------------------------------------------------------------------------
    async def _reply(self, message: Message, caller: Caller, reply: Reply) -> None:
        if reply.secret and caller.in_group:
            reply = await self._send_privately(caller, reply)
        await message.reply_text(
            fit_html(reply.text), parse_mode=ParseMode.HTML, link_preview_options=LinkPreviewOptions(is_disabled=True),
            reply_markup=keyboard(reply.choices, owner=caller.user_id),
            # in a group, quote the command (and still answer if it was deleted meanwhile)
            reply_parameters=(ReplyParameters(message.message_id, allow_sending_without_reply=True)
                              if caller.in_group else None),
            do_quote=False,
        )

    async def _send_privately(self, caller: Caller, reply: Reply) -> Reply:
        """A reply only the caller may see, asked for in a group: sent to their private chat; the
        group is told where it went (or how to let the bot write to them)."""
        if caller.user_id == caller.chat_id:  # an anonymous admin or a channel post: no one to write to
            return Reply("Send this command as yourself (not anonymously): the answer is private.", ok=False)
        try:
            await self._app.bot.send_message(chat_id=caller.user_id, text=fit_html(reply.text), parse_mode=ParseMode.HTML,
                                             link_preview_options=LinkPreviewOptions(is_disabled=True))
        except Forbidden:
            return Reply("I can't write to you privately yet: open a private chat with me, press Start, then send "
                         "the command here again.", ok=False)
        return Reply("I've sent you the answer in a private message.")

    async def _edit(self, query: CallbackQuery, caller: Caller, reply: Reply) -> None:
        text = fit_html(reply.text)
        markup = keyboard(reply.choices, owner=caller.user_id)
        try:
            await query.edit_message_text(text, parse_mode=ParseMode.HTML, reply_markup=markup,
                                          link_preview_options=LinkPreviewOptions(is_disabled=True))
            return
        except BadRequest as exc:
            if "not modified" in str(exc).lower():
                return
            _log.info("telegram: could not edit the message (%s); sending a new one", exc)
        chat_id = query.message.chat.id if query.message is not None else query.from_user.id
        await query.get_bot().send_message(chat_id, text, parse_mode=ParseMode.HTML, reply_markup=markup,
                                           link_preview_options=LinkPreviewOptions(is_disabled=True))

    @staticmethod
    async def _apologise(message: Message) -> None:
        try:
            await message.reply_text("Something went wrong on my side; please try again later.", do_quote=False)
        except TelegramError:
            pass


# -- pure helpers (tested without a network) ----------------------------------------------------
def file_base_url(base_url: str) -> str:
    """'http://host:8081/bot' -> 'http://host:8081/file/bot' (a local Bot API server's file URL)."""
    head, sep, tail = base_url.rpartition("/bot")
    if sep and tail in ("", "{token}", "{0}"):
        return f"{head}/file/bot{tail}"
    return base_url.rstrip("/") + "/file/bot"


def command_name(text: str) -> str:
    """'/Channel@showbot subscribe X' -> 'channel'."""
    first = text.strip().split(maxsplit=1)[0] if text.strip() else ""
    return first.lstrip("/").split("@", 1)[0].lower()


def retry_after_seconds(exc: RetryAfter) -> float:
    """PTB 22 gives an int or a timedelta (PTB_TIMEDELTA); reading it may warn about the change."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = exc.retry_after
    if isinstance(value, dtm.timedelta):
        return value.total_seconds()
    return float(value)


def delivery_error(exc: TelegramError) -> Exception:
    """A Bot API error as the delivery loop's kind of failure."""
    message = str(exc) or type(exc).__name__
    if isinstance(exc, RetryAfter):
        return RetryLater(message, retry_after_seconds(exc))
    if isinstance(exc, Forbidden):
        return ChatUnavailable(message)
    if isinstance(exc, ChatMigrated):
        return ChatUnavailable(f"the group became supergroup {exc.new_chat_id}")
    if isinstance(exc, BadRequest):  # before NetworkError: BadRequest subclasses it
        lowered = message.lower()
        if any(marker in lowered for marker in UNAVAILABLE_MARKERS):
            return ChatUnavailable(message)
        return PermanentFailure(message)
    if isinstance(exc, NetworkError):  # TimedOut, 5xx, connection trouble
        return TemporaryFailure(message)
    return TemporaryFailure(message)  # InvalidToken, Conflict, …: retry later, never lose the row


def fit_html(text: str, limit: int = TELEGRAM_LIMIT) -> str:
    """Escape plain `text` for Telegram HTML, cut (at a line when possible) to `limit` characters."""
    escaped = escape_html(text)
    if len(escaped) <= limit:
        return escaped
    budget = limit - 2  # room for "\n…" or "…"
    kept: list[str] = []
    size = 0
    for line in text.split("\n"):
        add = len(escape_html(line)) + (1 if kept else 0)
        if size + add > budget:
            break
        kept.append(line)
        size += add
    if kept:
        return escape_html("\n".join(kept)) + "\n…"
    low, high = 0, len(text)  # one huge line: the longest prefix whose escaped form fits
    while low < high:
        middle = (low + high + 1) // 2
        if len(escape_html(text[:middle])) <= budget:
            low = middle
        else:
            high = middle - 1
    return escape_html(text[:low]) + "…"


def encode_choice(choice: Choice, *, owner: str | None = None) -> str | None:
    """'c:<action>:<show_id>:<events>[:<owner>]' within 64 bytes, or None when it cannot fit.
    Event toggles carry their owner: only the person whose subscription they edit may press them."""
    data = f"c:{choice.action}:{choice.show_id}:{choice.events}"
    if owner is not None and choice.action == "events":
        data += f":{owner}"
    return data if len(data.encode()) <= CALLBACK_DATA_LIMIT else None


def decode_choice(data: str) -> tuple[Choice, str | None] | None:
    parts = data.split(":")
    if len(parts) not in (4, 5) or parts[0] != "c" or not parts[1]:
        return None
    try:
        show_id, events = int(parts[2]), int(parts[3])
    except ValueError:
        return None
    owner = parts[4] if len(parts) == 5 and parts[4] else None
    return Choice("", parts[1], show_id, events), owner


def keyboard(choices: tuple[Choice, ...], *, owner: str | None = None) -> InlineKeyboardMarkup | None:
    buttons: list[InlineKeyboardButton] = []
    for choice in choices:
        data = encode_choice(choice, owner=owner)
        if data is None:
            _log.warning("telegram: button %r does not fit in callback data; left out", choice.label)
            continue
        buttons.append(InlineKeyboardButton(cut(choice.label, BUTTON_LABEL_LIMIT), callback_data=data))
    if not buttons:
        return None
    per_row = 2 if all(c.action == "events" for c in choices) else 1
    return InlineKeyboardMarkup([buttons[i:i + per_row] for i in range(0, len(buttons), per_row)])
