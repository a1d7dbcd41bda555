"""Discord's app commands, generated from the command registry: typed options in, the command layer,
a native reply out.

Each registry command becomes a slash command (a "channel subscribe" becomes the subcommand
`subscribe` of the group `/channel`), its arguments typed options with the registry's limits (so
Discord refuses an overlong value before it reaches us); a show option autocompletes catalog
titles and aliases, an events option event words. Place.GROUP commands are server-only;
`restricted` ones need Manage Server by default (server settings can widen that). The handlers
decide nothing: they build a `Caller` from the interaction, call `Commands`, and render the `Reply`
(private -> ephemeral, choices -> buttons whose custom id carries the choice, so a button still
works after a restart)."""

from __future__ import annotations

import asyncio
import inspect
import io
import logging
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from typing import Any

import discord
from discord import app_commands

from bot.commands import Action, ArgKind, Caller, ChatType, Choice, Command, Commands, Place, Reply
from bot.commands.events import event_words
from bot.i18n import DEFAULT_LANGUAGE, N_, negotiate, translate_in
from bot.notifications import cut
from feeds.model import EVENT_SLUGS

_log = logging.getLogger(__name__)

PLATFORM = "discord"
MESSAGE_LIMIT = 2000
BUTTON_LABEL_LIMIT = 80
CUSTOM_ID_LIMIT = 100
DESCRIPTION_LIMIT = 100  # a command's or an option's description
CHOICE_LIMIT = 100  # an autocomplete choice's name and value
AUTOCOMPLETE_CHOICES = 25
MAX_BUTTONS = 25
DEFER_AFTER = 2.0  # Discord wants an answer within 3 s; slower commands defer, then follow up
MANAGE_GUILD = discord.Permissions(manage_guild=True)
NO_PINGS = discord.AllowedMentions.none()


# -- who is calling ---------------------------------------------------------------------------
def has_moderator_role(user: discord.abc.User, role_setting: str | None) -> bool:
    """The member holds the configured moderator role (given by id, name or @name)."""
    if not role_setting or not isinstance(user, discord.Member):
        return False
    want = role_setting.strip().lstrip("@").strip()
    if not want:
        return False
    for role in user.roles:
        if (want.isdigit() and role.id == int(want)) or role.name.casefold() == want.casefold():
            return True
    return False


def is_server_moderator(interaction: discord.Interaction, role_setting: str | None) -> bool:
    """Manage Server (or Administrator) in the interaction's guild, or the moderator role."""
    if interaction.guild_id is None:
        return False
    perms = interaction.permissions
    return perms.administrator or perms.manage_guild or has_moderator_role(interaction.user, role_setting)


def caller_from(interaction: discord.Interaction, *, moderator_role: str | None = None) -> Caller:
    """The command layer's view of who asks, and where."""
    user = interaction.user
    name = getattr(user, "display_name", "") or str(user)
    language = str(interaction.locale.value) if interaction.locale else None
    server_language = str(interaction.guild_locale.value) if interaction.guild_locale else None
    if interaction.guild_id is None:  # a DM with the bot (or a group DM): the chat is the person
        return Caller(PLATFORM, str(user.id), str(user.id), ChatType.PRIVATE, name=name, language=language)
    channel_id = interaction.channel_id
    channel = interaction.channel
    thread = str(channel.id) if isinstance(channel, discord.Thread) else None
    return Caller(
        PLATFORM, str(user.id), str(channel_id if channel_id is not None else interaction.guild_id), ChatType.GROUP,
        guild_id=str(interaction.guild_id), is_chat_admin=is_server_moderator(interaction, moderator_role),
        name=name, language=language, chat_language=server_language, thread_id=thread,
    )


# -- replies ----------------------------------------------------------------------------------
def reply_text(reply: Reply) -> str:
    """Command-layer text as Discord shows it: user/feed strings can't format or overflow."""
    text = discord.utils.escape_markdown(reply.text, ignore_links=True)
    if len(text) > MESSAGE_LIMIT:
        text = text[: MESSAGE_LIMIT - 1].rsplit("\n", 1)[0] + "\n…"
    return text or "…"


def _button_style(choice: Choice) -> discord.ButtonStyle:
    if choice.action is Action.SET_EVENTS:
        return discord.ButtonStyle.success if choice.label.startswith("✓") else discord.ButtonStyle.secondary
    return discord.ButtonStyle.primary


class ChoiceButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"(?P<data>[ck]:.*)"):
    """A reply's `Choice` as a button. Its custom id is the encoded choice (who may press it
    included), so it needs no view kept in memory and works after a restart."""

    def __init__(self, data: str, *, label: str = "…", style: discord.ButtonStyle = discord.ButtonStyle.primary):
        super().__init__(discord.ui.Button(label=cut(label, BUTTON_LABEL_LIMIT) or "…", style=style, custom_id=data))
        self.data = data

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Item[Any],
                             match: re.Match[str], /) -> ChoiceButton:
        return cls(match["data"], label=getattr(item, "label", None) or "…")

    async def callback(self, interaction: discord.Interaction) -> None:
        runner = getattr(interaction.client, "command_runner", None)
        if not isinstance(runner, CommandRunner):
            return
        await runner.press(interaction, self.data)


class CommandRunner:
    """Runs commands and buttons for discord.py: the bridge between interactions and `Commands`."""

    def __init__(self, layer: Commands, *, moderator_role: str | None = None) -> None:
        self.layer = layer
        self.moderator_role = moderator_role

    def caller(self, interaction: discord.Interaction) -> Caller:
        return caller_from(interaction, moderator_role=self.moderator_role)

    async def run(self, interaction: discord.Interaction, action: Callable[[Caller], Awaitable[Reply]]) -> None:
        """Call the command layer; defer if it is slow; send its reply."""
        caller = self.caller(interaction)
        task = asyncio.ensure_future(action(caller))
        done, _pending = await asyncio.wait({task}, timeout=DEFER_AFTER)
        if not done:
            try:
                await interaction.response.defer(ephemeral=True, thinking=True)
            except discord.HTTPException:
                _log.warning("could not defer a slow /%s", getattr(interaction.command, "qualified_name", "?"))
        reply = await task
        await self.send(interaction, caller, reply)

    async def view(self, choices: Sequence[Choice], owner: Caller) -> discord.ui.View | None:
        if not choices:
            return None
        view = discord.ui.View(timeout=None)
        for choice in list(choices)[:MAX_BUTTONS]:
            data = await self.layer.encode_choice(choice, owner=owner.user_id, limit=CUSTOM_ID_LIMIT)
            view.add_item(ChoiceButton(data, label=choice.label, style=_button_style(choice)))
        return view

    async def send(self, interaction: discord.Interaction, caller: Caller, reply: Reply) -> None:
        """Answer the interaction (or follow up a deferred one) with the reply."""
        kwargs: dict[str, Any] = {"ephemeral": reply.private, "allowed_mentions": NO_PINGS}
        if (view := await self.view(reply.choices, caller)) is not None:
            kwargs["view"] = view
        if reply.attachment is not None:
            kwargs["file"] = discord.File(io.BytesIO(reply.attachment.data), filename=reply.attachment.filename)
        if interaction.response.is_done():
            await interaction.followup.send(reply_text(reply), **kwargs)
        else:
            await interaction.response.send_message(reply_text(reply), **kwargs)

    async def press(self, interaction: discord.Interaction, data: str) -> None:
        caller = self.caller(interaction)
        decoded = await self.layer.decode_choice(data)
        if decoded is None:
            await self.send(interaction, caller, await self.layer.say(caller, N_("That button has expired.")))
            return
        choice, owner = decoded
        if owner is not None and owner != caller.user_id:
            refused = await self.layer.say(caller, N_("These buttons answer someone else's command."))
            await self.send(interaction, caller, refused)
            return
        reply = await self.layer.press(caller, choice)
        if reply.alert:  # an answer about the message, which stays as it is
            await self.send(interaction, caller, replace(reply, private=True))
            return
        follow_up = await self.view(reply.choices, caller)
        if reply.private:
            await interaction.response.edit_message(content=reply_text(reply), view=follow_up,
                                                    allowed_mentions=NO_PINGS)
        elif follow_up is not None:  # a public confirmation (a channel subscription) gets its own message
            await interaction.response.send_message(reply_text(reply), ephemeral=False, allowed_mentions=NO_PINGS,
                                                    view=follow_up)
        else:
            await interaction.response.send_message(reply_text(reply), ephemeral=False, allowed_mentions=NO_PINGS)

    async def error(self, interaction: discord.Interaction, message: str) -> None:
        """Tell the user something failed, in their language, without pinging anyone."""
        caller = self.caller(interaction)
        await self.send(interaction, caller, await self.layer.say(caller, message))

    # -- autocomplete ---------------------------------------------------------------------------------
    async def complete_show(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        """Catalog titles and aliases for a show option, as the user types."""
        names = self.layer.complete_show(current[:100], limit=AUTOCOMPLETE_CHOICES)
        return [app_commands.Choice(name=cut(n, CHOICE_LIMIT), value=n) for n in names if len(n) <= CHOICE_LIMIT]

    async def complete_zone(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        """IANA time zones as the user types a city or a region."""
        return [app_commands.Choice(name=z, value=z) for z in self.layer.complete_zone(current[:64])]

    async def complete_events(self, interaction: discord.Interaction,
                              current: str) -> list[app_commands.Choice[str]]:
        """Complete the last word of an events list ('renewal, tra' -> 'renewal trailer')."""
        words = current.replace(",", " ").lower().split()
        last = words.pop() if words and current and not current[-1].isspace() and current[-1] != "," else ""
        out: list[app_commands.Choice[str]] = []
        # the slugs first; the other words users type ("cast", "예고편") only when no slug fits
        for known in (("all", *EVENT_SLUGS), [w for w in event_words() if " " not in w]):
            for word in known:
                if word.startswith(last) and word not in words:
                    value = " ".join([*words, word])
                    if len(value) <= CHOICE_LIMIT:
                        out.append(app_commands.Choice(name=value, value=value))
            if out:
                break
        return out[:AUTOCOMPLETE_CHOICES]


# -- localized commands ------------------------------------------------------------------------------
class RegistryTranslator(app_commands.Translator):
    """Descriptions of commands, options and choices in Discord's locales we have catalogs for (names stay
    English: they are what people type)."""

    NAMES = frozenset({app_commands.TranslationContextLocation.command_name,
                       app_commands.TranslationContextLocation.group_name,
                       app_commands.TranslationContextLocation.parameter_name})

    async def translate(self, string: app_commands.locale_str, locale: discord.Locale,
                        context: app_commands.TranslationContext[Any, Any]) -> str | None:
        language = negotiate(locale.value)
        if context.location in self.NAMES or language is None or language == DEFAULT_LANGUAGE:
            return None
        message = string.extras.get("msgid", string.message)
        translated = translate_in(language, message)
        if translated == message:
            return None
        return cut(translated, CHOICE_LIMIT if context.location is app_commands.TranslationContextLocation.choice_name
                   else DESCRIPTION_LIMIT)


# -- generating the app commands ------------------------------------------------------------------
def _described(msgid: str) -> app_commands.locale_str:
    """A description as Discord takes it (at most 100 characters), remembering its catalog msgid."""
    return app_commands.locale_str(cut(msgid, DESCRIPTION_LIMIT), msgid=msgid)


def _annotation(kind: ArgKind, *, required: bool, limit: int, low: int, high: int) -> Any:
    match kind:
        case ArgKind.ROLE:
            return discord.Role | None if not required else discord.Role
        case ArgKind.FILE:
            return discord.Attachment | None if not required else discord.Attachment
        case ArgKind.CHANNEL:  # where news can be posted: text, announcement and forum channels
            kinds = discord.TextChannel | discord.ForumChannel
            return kinds | None if not required else kinds
        case ArgKind.NUMBER:
            return app_commands.Range[int, low, high]
        case ArgKind.WORD:  # offered as choices: a plain string
            return str
        case ArgKind.SHOW | ArgKind.EVENTS | ArgKind.TEXT | ArgKind.URL | ArgKind.TIMEZONE:
            return app_commands.Range[str, 1 if required else 0, limit]


def app_command(runner: CommandRunner, command: Command, *, parent: app_commands.Group | None = None,
                ) -> app_commands.Command[Any, ..., None]:
    """One registry command as a discord.py slash command (or subcommand of `parent`)."""
    args = command.args_on(PLATFORM)

    async def callback(interaction: discord.Interaction, **options: Any) -> None:
        values: dict[str, str] = {}
        for arg in args:
            value = options.get(arg.name)
            if value is None or value == "":
                continue
            if isinstance(value, discord.Role):
                if value.is_default():
                    await runner.error(interaction, N_("@everyone can't be mentioned; pick a role, or none."))
                    return
                values[arg.name] = str(value.id)
            elif isinstance(value, discord.abc.GuildChannel | app_commands.AppCommandChannel):
                values[arg.name] = str(value.id)
            elif isinstance(value, discord.Attachment):
                if value.size > arg.limit:
                    await runner.error(interaction, N_("That file is too large."))
                    return
                values[arg.name] = (await value.read()).decode("utf-8", errors="replace")
            else:
                values[arg.name] = str(value)
        await runner.run(interaction, lambda caller: runner.layer.execute(caller, command.name, values))

    parameters = [inspect.Parameter("interaction", inspect.Parameter.POSITIONAL_OR_KEYWORD,
                                    annotation=discord.Interaction)]
    descriptions: dict[str, app_commands.locale_str] = {}
    autocomplete: dict[str, Any] = {}
    choices: dict[str, list[app_commands.Choice[str]]] = {}
    for arg in args:
        default: Any = inspect.Parameter.empty if arg.required else (
            None if arg.kind in (ArgKind.ROLE, ArgKind.FILE, ArgKind.CHANNEL, ArgKind.NUMBER) else "")
        annotation = _annotation(arg.kind, required=arg.required, limit=arg.limit, low=arg.low, high=arg.high)
        if arg.kind is ArgKind.NUMBER and not arg.required:
            annotation = annotation | None
        parameters.append(inspect.Parameter(arg.name, inspect.Parameter.KEYWORD_ONLY, default=default,
                                            annotation=annotation))
        descriptions[arg.name] = _described(arg.description)
        if arg.kind is ArgKind.SHOW:
            autocomplete[arg.name] = runner.complete_show
        elif arg.kind is ArgKind.EVENTS:
            autocomplete[arg.name] = runner.complete_events
        elif arg.kind is ArgKind.TIMEZONE:
            autocomplete[arg.name] = runner.complete_zone
        elif arg.kind is ArgKind.WORD and arg.choices:
            choices[arg.name] = [app_commands.Choice(name=c, value=c) for c in arg.choices[:25]]
    callback.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    callback.__discord_app_commands_param_description__ = descriptions  # type: ignore[attr-defined]
    if autocomplete:
        callback.__discord_app_commands_param_autocomplete__ = autocomplete  # type: ignore[attr-defined]
    if choices:
        callback.__discord_app_commands_param_choices__ = choices  # type: ignore[attr-defined]
    slash: app_commands.Command[Any, ..., None] = app_commands.Command(
        name=command.sub or command.name, description=_described(command.description),
        callback=callback, parent=parent)
    if parent is None:
        slash.guild_only = command.place is Place.GROUP
        slash.default_permissions = MANAGE_GUILD if command.restricted else None
    return slash


def app_commands_from(runner: CommandRunner) -> list[app_commands.Command[Any, ..., None] | app_commands.Group]:
    """Every registry command as a top-level slash command or a group of subcommands."""
    registry = runner.layer.registry
    out: list[app_commands.Command[Any, ..., None] | app_commands.Group] = []
    for top, members in registry.entries():
        if len(members) == 1 and members[0].sub is None:
            out.append(app_command(runner, members[0]))
            continue
        group = app_commands.Group(
            name=top, description=_described(registry.description(top)),
            guild_only=all(c.place is Place.GROUP for c in members),
            default_permissions=MANAGE_GUILD if all(c.restricted for c in members) else None,
        )
        for member in members:
            group.add_command(app_command(runner, member, parent=group))
        out.append(group)
    return out
