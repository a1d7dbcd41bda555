"""The Telegram adapter: python-telegram-bot's Application on the bot's own asyncio loop.

It is a Messenger (notifications rendered as Telegram HTML, Bot API errors mapped onto the
delivery loop's error kinds) and a front end for the command layer (typed commands become
`Commands.line` calls; a Reply's choices become an inline keyboard whose presses come
back as `Commands.press`; the command menu is generated from the registry). Long polling; no JobQueue: the core runs the only scheduler.

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
from collections.abc import Callable, Coroutine
from typing import Any
from urllib.parse import urlsplit

from telegram import (
    BotCommand,
    BotCommandScopeAllChatAdministrators,
    BotCommandScopeChat,
    BotCommandScopeDefault,
    CallbackQuery,
    Chat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
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
    BaseRateLimiter,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.commands import Action, ArgKind, Caller, ChatType, Choice, Commands, Permission, Reply, Status
from bot.commands.info import why_choice
from bot.commands.text import Parsed, command_word, parse
from bot.config import Settings
from bot.i18n import DEFAULT_LANGUAGE, LANGUAGES, N_, _, use_language
from bot.notifications import (
    TELEGRAM_LIMIT,
    Notification,
    Recipient,
    SentMessage,
    cut,
    escape_html,
    render_telegram,
)
from bot.ports import ChatUnavailable, MessageGone, PermanentFailure, RateLimits, RetryLater, TemporaryFailure
from bot.ratelimit import RETRY_MARGIN, RateLimiter
from bot.service import ShowBot
from bot.supervise import restart_delay

_log = logging.getLogger(__name__)

JSONDict = dict[str, Any]  # a Bot API answer, as python-telegram-bot passes it through its rate limiter

PLATFORM = "telegram"
# Bot API: about 30 messages a second overall, one a second per chat, 20 a minute per group.
TELEGRAM_LIMITS = RateLimits(per_second=28, private_interval=1.0, group_interval=3.0)
CALLBACK_DATA_LIMIT = 64  # bytes, a Bot API limit
CALLBACK_ANSWER_LIMIT = 200
CAPTION_LIMIT = 1024  # a document's caption
BUTTON_LABEL_LIMIT = 60
LONG_POLL = dtm.timedelta(seconds=25)
PACED = "paced by the delivery loop"  # rate_limit_args of a notification: its slot is already held
PACED_ENDPOINTS = ("send", "edit", "copy", "forward")  # requests that put a message in a chat
REPLY_RETRIES = 5
CONNECT_BACKOFF_CAP = 300.0

ADMIN_STATUSES = (ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER)
GROUP_TYPES = (Chat.GROUP, Chat.SUPERGROUP, Chat.CHANNEL)
GONE_STATUSES = (ChatMemberStatus.BANNED, ChatMemberStatus.LEFT)  # the bot blocked, kicked or removed
SIGN_OF_LIFE_GROUP = -1  # before the handlers that answer (group 0)

# A 400 to an edit that means the message is left alone: deleted, too old, or not the bot's to edit.
GONE_MARKERS = ("message to edit not found", "message can't be edited", "message_id_invalid",
                "message not found")
NOT_MODIFIED = "message is not modified"

# A 400 that means the chat is gone or closed to the bot, not that the message is wrong.
UNAVAILABLE_MARKERS = (
    "chat not found", "user is deactivated", "bot was kicked", "bot was blocked", "bot is not a member",
    "not enough rights", "have no rights to send", "need administrator rights", "chat_write_forbidden",
    "group chat was upgraded", "peer_id_invalid",
)

MENU_DESCRIPTION_LIMIT = 256  # characters of a setMyCommands description


class PacedRateLimiter(BaseRateLimiter[str]):
    """python-telegram-bot's rate-limiter port over the bot's own RateLimiter: every request that
    sends to a chat (command replies, edits, buttons' answers) takes that chat's turn and a global
    slot, and a 429 is waited out and retried instead of dropping the reply. Notifications pass
    `rate_limit_args=PACED`: the delivery loop already holds their slot and handles their 429s."""

    def __init__(self, limiter: RateLimiter, *, max_retries: int = REPLY_RETRIES) -> None:
        self.limiter = limiter
        self._max_retries = max_retries

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    async def process_request(
        self, callback: Callable[..., Coroutine[Any, Any, bool | JSONDict | list[JSONDict]]], args: Any,
        kwargs: dict[str, Any], endpoint: str, data: dict[str, Any], rate_limit_args: str | None,
    ) -> bool | JSONDict | list[JSONDict]:
        if rate_limit_args == PACED:
            return await callback(*args, **kwargs)
        chat_id = data.get("chat_id")
        paced = chat_id is not None and endpoint.startswith(PACED_ENDPOINTS)
        key = str(chat_id)
        group = not key.lstrip("-").isdigit() or key.startswith("-")  # groups, channels, @usernames
        for attempt in range(self._max_retries + 1):
            try:
                if not paced:
                    return await callback(*args, **kwargs)
                async with self.limiter.slot(key, group=group):
                    return await callback(*args, **kwargs)
            except RetryAfter as exc:
                wait = retry_after_seconds(exc)
                if attempt == self._max_retries:
                    raise
                if paced:
                    held = self.limiter.rate_limited(key, wait)
                    _log.info("telegram: %s to %s answered 429; retrying after %.1fs (%s)", endpoint, key, wait,
                              "that chat waits" if held is not None else "everyone waits")
                else:
                    _log.info("telegram: %s answered 429; retrying after %.1fs", endpoint, wait)
                    await asyncio.sleep(wait + RETRY_MARGIN)
        raise AssertionError("unreachable")  # the last attempt returns or raises


class TelegramStartError(Exception):
    """Telegram could not be started; the message is one line for the operator, without the token."""


class TokenRejected(TelegramStartError):
    """The Bot API answered 401: TELEGRAM_TOKEN is wrong or revoked. Retrying cannot help."""


class BotApiUnreachable(TelegramStartError):
    """The Bot API did not answer (network, DNS, 5xx, timeout): worth retrying."""


class TelegramAdapter:
    platform = PLATFORM
    limits = TELEGRAM_LIMITS
    rate_limiter: RateLimiter  # shared by the delivery loop and every reply: one pacing per chat

    def __init__(self, settings: Settings, showbot: ShowBot, *, commands: Commands | None = None) -> None:
        if not settings.telegram_token:
            raise ValueError("the Telegram adapter needs TELEGRAM_TOKEN")
        self._settings = settings
        self._showbot = showbot
        self.commands = commands or Commands(showbot)
        self.rate_limiter = RateLimiter(TELEGRAM_LIMITS)
        self._app: Application | None = None

    # -- lifecycle ---------------------------------------------------------------------------
    def build_application(self) -> Application:
        builder = (
            Application.builder()
            .token(self._settings.telegram_token or "")
            .job_queue(None)  # one scheduler: the core's
            .rate_limiter(PacedRateLimiter(self.rate_limiter))  # replies paced like notifications
            .concurrent_updates(True)  # a reply waiting for its chat's turn never holds up other chats
            .connect_timeout(10.0).read_timeout(20.0).write_timeout(20.0).pool_timeout(10.0)
            .get_updates_connect_timeout(10.0).get_updates_read_timeout(10.0)
            .get_updates_write_timeout(10.0).get_updates_pool_timeout(10.0)
        )
        if self._settings.telegram_base_url:
            base = self._settings.telegram_base_url
            builder = builder.base_url(base).base_file_url(file_base_url(base))
        app = builder.build()
        app.add_handler(TypeHandler(Update, self._on_any_update), group=SIGN_OF_LIFE_GROUP)
        update_kinds = filters.UpdateType.MESSAGE | filters.UpdateType.CHANNEL_POST
        app.add_handler(CommandHandler(self.commands.registry.typed_names(), self._on_command, filters=update_kinds))
        # an unknown /command in a private chat gets "I don't know /x" from the command layer;
        # in groups it may be meant for another bot
        app.add_handler(MessageHandler(filters.COMMAND & filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE,
                                       self._on_command))
        app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND & filters.ChatType.PRIVATE
                                       & filters.UpdateType.MESSAGE, self._on_chatter))
        # a file sent with a command as its caption ("/feed import" on an OPML file)
        app.add_handler(MessageHandler(filters.Document.ALL & filters.CaptionRegex(r"^/\w+(@\w+)?\s+\w+")
                                       & filters.UpdateType.MESSAGE, self._on_document))
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

    async def _read_updates(self, app: Application) -> None:
        await self._set_menu(app)
        assert app.updater is not None
        await app.updater.start_polling(
            timeout=LONG_POLL, drop_pending_updates=False,
            allowed_updates=[Update.MESSAGE, Update.CHANNEL_POST, Update.CALLBACK_QUERY, Update.MY_CHAT_MEMBER],
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

    async def _set_menu(self, app: Application) -> None:
        """The command menu, from the registry: everyone's commands by default, every command for group
        administrators and in the private chats of the bot's owners; in each language we speak (Telegram
        shows a user the one for their app's language)."""
        owners = [user for platform, _sep, user in (o.partition(":") for o in self._settings.owners)
                  if platform == PLATFORM and user.lstrip("-").isdigit()]
        try:
            for language in LANGUAGES:
                code = None if language == DEFAULT_LANGUAGE else language
                with use_language(language):
                    everyone = menu(self.commands, moderators=False)
                    everything = menu(self.commands, moderators=True)
                await app.bot.set_my_commands(everyone, scope=BotCommandScopeDefault(), language_code=code)
                await app.bot.set_my_commands(everything, scope=BotCommandScopeAllChatAdministrators(),
                                              language_code=code)
                for owner in owners:
                    await app.bot.set_my_commands(everything, scope=BotCommandScopeChat(int(owner)), language_code=code)
        except TelegramError as exc:  # the menu is a convenience; commands work without it
            _log.warning("telegram: could not set the command menu: %s", exc)

    # -- Messenger ---------------------------------------------------------------------------
    async def send(self, recipient: Recipient, notification: Notification) -> SentMessage | None:
        if self._app is None:
            raise TemporaryFailure("the Telegram adapter is not running")
        async with self._showbot.preferences.reading(PLATFORM, recipient.chat_id) as language:
            message = render_telegram(notification)
        preview = LinkPreviewOptions(url=message.link) if message.link else LinkPreviewOptions(is_disabled=True)
        earlier = notification.replying_to
        reply = (ReplyParameters(int(earlier.message_id), allow_sending_without_reply=True)
                 if earlier is not None and earlier.chat_id == recipient.chat_id and earlier.message_id.isdigit()
                 else None)
        try:
            sent = await self._app.bot.send_message(
                chat_id=recipient.chat_id, text=message.html, parse_mode=ParseMode.HTML,
                link_preview_options=preview, reply_parameters=reply,
                reply_markup=await self._why(notification, language), rate_limit_args=PACED,
            )
        except ChatMigrated as exc:
            # the group became a supergroup: its subscriptions and pending news move to the new id,
            # and this notification is resent there on the next pass
            await self._showbot.storage.audience.migrate_chat(PLATFORM, recipient.chat_id, str(exc.new_chat_id))
            raise TemporaryFailure(f"the group moved to {exc.new_chat_id}; resending there") from exc
        except TelegramError as exc:
            raise delivery_error(exc) from exc
        return SentMessage(str(sent.chat.id), str(sent.message_id))

    async def edit(self, recipient: Recipient, message: SentMessage, notification: Notification) -> None:
        """editMessageText with the notification as it reads now (more sources); no ping."""
        if self._app is None:
            raise TemporaryFailure("the Telegram adapter is not running")
        if not message.message_id.isdigit():
            raise MessageGone(f"not a Telegram message id: {message.message_id!r}")
        async with self._showbot.preferences.reading(PLATFORM, recipient.chat_id) as language:
            rendered = render_telegram(notification)
        preview = LinkPreviewOptions(url=rendered.link) if rendered.link else LinkPreviewOptions(is_disabled=True)
        try:
            await self._app.bot.edit_message_text(
                rendered.html, chat_id=message.chat_id, message_id=int(message.message_id),
                parse_mode=ParseMode.HTML, link_preview_options=preview,
                reply_markup=await self._why(notification, language),
            )
        except TelegramError as exc:
            error = edit_error(exc)
            if error is not None:  # (None: "message is not modified", the message already reads so)
                raise error from exc

    async def _why(self, notification: Notification, language: str) -> InlineKeyboardMarkup | None:
        """A "Why?" button under a notification: pressing it shows the matcher's reason (anyone may)."""
        if not notification.reason.strip():
            return None
        with use_language(language):
            choice = why_choice(notification.item_id, notification.show)
        return await self.keyboard((choice,))

    # -- any update --------------------------------------------------------------------------
    async def _on_any_update(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Every update, before the handlers that answer it: a sign of life from its chat (a message,
        a command, a button, the bot unblocked or added back) resumes a chat a 403 paused."""
        chats = signs_of_life(update)
        if chats:
            await self._showbot.chat_alive(PLATFORM, *chats)

    # -- commands ------------------------------------------------------------------------------
    async def _on_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is None or not message.text:
            return
        name = command_word(message.text)
        caller = await self._caller(update, context, needs_admin=self.commands.needs_admin_check(name))
        if caller is None:
            return
        try:
            reply = await self.commands.line(caller, message.text)
        except Exception:
            await self._apologise(message, caller)
            raise  # the error handler logs it
        await self._reply(message, caller, reply)

    async def _on_chatter(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is None:
            return
        user = update.effective_user
        with use_language(await self.commands.language_for(
                Caller(PLATFORM, str(user.id) if user else "", str(message.chat.id),
                       language=user.language_code if user else None))):
            text = _("I answer commands: /subscribe <show> to follow one, /help for the rest.")
        await message.reply_text(text, link_preview_options=LinkPreviewOptions(is_disabled=True), do_quote=False)

    async def _on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is None:
            return
        decoded = await self.commands.decode_choice(query.data or "")
        presser = Caller(PLATFORM, str(query.from_user.id), str(query.from_user.id),
                         language=query.from_user.language_code)
        if decoded is None:
            await query.answer((await self.commands.say(presser, N_("That button has expired."))).text, show_alert=True)
            return
        choice, owner = decoded
        if owner is not None and str(query.from_user.id) != owner:
            text = (await self.commands.say(presser, N_("These buttons belong to someone else: send your own command."))).text
            await query.answer(text, show_alert=True)
            return
        caller = await self._caller(update, context, needs_admin=self.commands.press_needs_admin_check(choice))
        if caller is None:
            await query.answer()
            return
        try:
            reply = await self.commands.press(caller, choice)
        except Exception:
            text = (await self.commands.say(caller, N_("Something went wrong on my side; please try again later."))).text
            await query.answer(text, show_alert=True)
            raise
        if reply.alert or (not reply.ok and not reply.choices):  # the message the button is on stays as it is
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
        thread = message.message_thread_id if isinstance(message, Message) and message.is_topic_message else None
        return Caller(PLATFORM, user_id, str(chat.id), ChatType.GROUP if in_group else ChatType.PRIVATE,
                      guild_id=str(chat.id) if in_group else None, is_chat_admin=is_admin, name=name,
                      language=user.language_code if user is not None else None,
                      thread_id=str(thread) if thread is not None else None)

    @staticmethod
    async def _is_admin(context: ContextTypes.DEFAULT_TYPE, chat_id: int, user_id: int) -> bool:
        try:
            member = await context.bot.get_chat_member(chat_id, user_id)
        except TelegramError as exc:
            _log.warning("telegram: getChatMember(%s, %s) failed: %s; treating as a member", chat_id, user_id, exc)
            return False
        return member.status in ADMIN_STATUSES

    # -- replies -----------------------------------------------------------------------------------
    async def _on_document(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A command whose file argument is the document it captions (`/feed import` on an .opml)."""
        message = update.effective_message
        if message is None or message.document is None or not message.caption:
            return
        parsed = parse(self.commands.registry, message.caption, platform=PLATFORM)
        caller = await self._caller(update, context, needs_admin=self.commands.needs_admin_check(
            command_word(message.caption)))
        if caller is None:
            return
        file_arg = next((a for a in parsed.command.args if a.kind is ArgKind.FILE), None) \
            if isinstance(parsed, Parsed) else None
        if not isinstance(parsed, Parsed) or file_arg is None:
            await self._reply(message, caller, await self.commands.line(caller, message.caption))
            return
        document = message.document
        if document.file_size is not None and document.file_size > file_arg.limit:
            await self._reply(message, caller, await self.commands.say(caller, N_("That file is too large.")))
            return
        try:
            data = bytes(await (await context.bot.get_file(document.file_id)).download_as_bytearray())
        except TelegramError as exc:
            _log.warning("telegram: could not download %s: %s", document.file_name, exc)
            await self._reply(message, caller, await self.commands.say(caller, N_("I couldn't download that file.")))
            return
        args = {**parsed.args, file_arg.name: data.decode("utf-8", errors="replace")}
        await self._reply(message, caller, await self.commands.execute(caller, parsed.command.name, args))

    async def _reply(self, message: Message, caller: Caller, reply: Reply) -> None:
        if reply.secret and caller.in_group:
            reply = await self._send_privately(caller, reply)
        if reply.attachment is not None:
            await message.reply_document(
                InputFile(reply.attachment.data, filename=reply.attachment.filename),
                caption=fit_html(reply.text, CAPTION_LIMIT), parse_mode=ParseMode.HTML,
                reply_markup=await self.keyboard(reply.choices, owner=caller.user_id), do_quote=False)
            return
        await message.reply_text(
            fit_html(reply.text), parse_mode=ParseMode.HTML, link_preview_options=LinkPreviewOptions(is_disabled=True),
            reply_markup=await self.keyboard(reply.choices, owner=caller.user_id),
            # in a group, quote the command (and still answer if it was deleted meanwhile)
            reply_parameters=(ReplyParameters(message.message_id, allow_sending_without_reply=True)
                              if caller.in_group else None),
            do_quote=False,
        )

    async def _send_privately(self, caller: Caller, reply: Reply) -> Reply:
        """A reply only the caller may see, asked for in a group: sent to their private chat; the
        group is told where it went (or how to let the bot write to them)."""
        if caller.user_id == caller.chat_id:  # an anonymous admin or a channel post: no one to write to
            return await self.commands.say(
                caller, N_("Send this command as yourself (not anonymously): the answer is private."))
        assert self._app is not None
        try:
            await self._app.bot.send_message(chat_id=caller.user_id, text=fit_html(reply.text),
                                             parse_mode=ParseMode.HTML,
                                             link_preview_options=LinkPreviewOptions(is_disabled=True))
        except Forbidden:
            return await self.commands.say(
                caller, N_("I can't write to you privately yet: open a private chat with me, press Start, then send "
                           "the command here again."))
        return await self.commands.say(caller, N_("I've sent you the answer in a private message."), Status.OK)

    async def _edit(self, query: CallbackQuery, caller: Caller, reply: Reply) -> None:
        text = fit_html(reply.text)
        markup = await self.keyboard(reply.choices, owner=caller.user_id)
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

    async def _apologise(self, message: Message, caller: Caller) -> None:
        try:
            text = (await self.commands.say(caller, N_("Something went wrong on my side; please try again later."))).text
            await message.reply_text(text, do_quote=False)
        except TelegramError:
            pass

    async def keyboard(self, choices: tuple[Choice, ...], *, owner: str | None = None) -> InlineKeyboardMarkup | None:
        """A reply's choices as an inline keyboard; only `owner` (who asked) may press them."""
        buttons: list[InlineKeyboardButton] = []
        for choice in choices:
            data = await self.commands.encode_choice(choice, owner=owner, limit=CALLBACK_DATA_LIMIT)
            buttons.append(InlineKeyboardButton(cut(choice.label, BUTTON_LABEL_LIMIT), callback_data=data))
        if not buttons:
            return None
        per_row = 2 if all(c.action is Action.SET_EVENTS for c in choices) else 1
        return InlineKeyboardMarkup([buttons[i:i + per_row] for i in range(0, len(buttons), per_row)])


# -- pure helpers (tested without a network) ----------------------------------------------------
def signs_of_life(update: Update) -> tuple[str, ...]:
    """The chat an update shows to be reachable: where a message, a command or a button press came
    from, or where the bot was unblocked or added back. A my_chat_member update that removes the
    bot (blocked, kicked, left) is no sign of life."""
    member = update.my_chat_member
    if member is not None and member.new_chat_member.status in GONE_STATUSES:
        return ()
    chat = update.effective_chat
    return (str(chat.id),) if chat is not None else ()


def file_base_url(base_url: str) -> str:
    """'http://host:8081/bot' -> 'http://host:8081/file/bot' (a local Bot API server's file URL)."""
    head, sep, tail = base_url.rpartition("/bot")
    if sep and tail in ("", "{token}", "{0}"):
        return f"{head}/file/bot{tail}"
    return base_url.rstrip("/") + "/file/bot"


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


def edit_error(exc: TelegramError) -> Exception | None:
    """A Bot API error to an edit as the delivery loop's kind of failure: "not modified" is no failure
    (None: the edit is done), a message deleted or too old is left alone (MessageGone)."""
    lowered = (str(exc) or "").lower()
    if isinstance(exc, BadRequest):
        if NOT_MODIFIED in lowered:
            return None
        if any(marker in lowered for marker in GONE_MARKERS):
            return MessageGone(str(exc))
    return delivery_error(exc)


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


def menu(commands: Commands, *, moderators: bool) -> list[BotCommand]:
    """The registry's commands as a Telegram menu (one entry per top-level name, groups included)."""
    registry = commands.registry
    entries = []
    for top, members in registry.entries():
        if not any(c.in_menu for c in members):
            continue
        if not moderators and all(c.permission is not Permission.ANYONE for c in members):
            continue
        entries.append(BotCommand(top, cut(_(registry.description(top)), MENU_DESCRIPTION_LIMIT)))
    return entries
