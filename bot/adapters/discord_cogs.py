"""Discord slash commands: typed options in, the platform-neutral command layer, a native reply out.

One Cog per concern (personal subscriptions, channel subscriptions, moderation). The handlers
decide nothing: they build a `Caller` from the interaction, call `bot.commands.Commands`, and
render its `Reply` (private -> ephemeral, choices -> buttons). Option limits mirror the command
layer's so Discord rejects an overlong value before it reaches us."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.commands import MAX_ALIAS, MAX_SHOW_QUERY, MAX_TITLE, Caller, ChatType, Choice, Commands, Reply
from bot.notifications import cut
from feeds.model import EVENT_SLUGS

_log = logging.getLogger(__name__)

PLATFORM = "discord"
MESSAGE_LIMIT = 2000
BUTTON_LABEL_LIMIT = 80
CHOICE_LIMIT = 100  # an autocomplete choice's name and value
AUTOCOMPLETE_CHOICES = 25
MAX_BUTTONS = 25
DEFER_AFTER = 2.0  # Discord wants an answer within 3 s; slower commands defer, then follow up
VIEW_TIMEOUT = 600.0
MAX_EVENTS_TEXT = 200
MAX_URL = 2000
MAX_ALIASES_TEXT = 1000

ShowOption = app_commands.Range[str, 1, MAX_SHOW_QUERY]
EventsOption = app_commands.Range[str, 0, MAX_EVENTS_TEXT]
MANAGE_GUILD = discord.Permissions(manage_guild=True)


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
    if interaction.guild_id is None:  # a DM with the bot (or a group DM): the chat is the person
        return Caller(PLATFORM, str(user.id), str(user.id), ChatType.PRIVATE, name=name)
    channel_id = interaction.channel_id
    return Caller(
        PLATFORM, str(user.id), str(channel_id if channel_id is not None else interaction.guild_id), ChatType.GROUP,
        guild_id=str(interaction.guild_id), is_chat_admin=is_server_moderator(interaction, moderator_role),
        name=name,
    )


# -- replies ----------------------------------------------------------------------------------
NO_PINGS = discord.AllowedMentions.none()


def reply_text(reply: Reply) -> str:
    """Command-layer text as Discord shows it: user/feed strings can't format or overflow."""
    text = discord.utils.escape_markdown(reply.text, ignore_links=True)
    if len(text) > MESSAGE_LIMIT:
        text = text[: MESSAGE_LIMIT - 1].rsplit("\n", 1)[0] + "\n…"
    return text or "…"


def _button_style(label: str) -> discord.ButtonStyle:
    if label.startswith("✓"):
        return discord.ButtonStyle.success
    if label.startswith("✗"):
        return discord.ButtonStyle.secondary
    return discord.ButtonStyle.primary


class ChoiceButton(discord.ui.Button["ChoiceView"]):
    """One `Choice` of a reply: pressing it runs `Commands.choose` as the presser."""

    def __init__(self, choice: Choice) -> None:
        super().__init__(label=cut(choice.label, BUTTON_LABEL_LIMIT) or "…", style=_button_style(choice.label))
        self.choice = choice

    async def callback(self, interaction: discord.Interaction) -> None:
        view = self.view
        if view is None:
            return
        reply = await view.cog.layer.choose(view.cog.caller(interaction), self.choice)
        view.stop()
        follow_up = ChoiceView(view.cog, interaction.user.id, reply.choices) if reply.choices else None
        if reply.private:
            await interaction.response.edit_message(content=reply_text(reply), view=follow_up,
                                                    allowed_mentions=NO_PINGS)
        else:  # a public confirmation (a channel subscription) gets its own message
            await interaction.response.send_message(reply_text(reply), ephemeral=False, allowed_mentions=NO_PINGS,
                                                    **({"view": follow_up} if follow_up else {}))


class ChoiceView(discord.ui.View):
    """Buttons for a reply's choices (did-you-mean shows, event toggles); only the asker may press."""

    def __init__(self, cog: ShowbotCog, owner_id: int, choices: Sequence[Choice], *, timeout: float = VIEW_TIMEOUT):
        super().__init__(timeout=timeout)
        self.cog = cog
        self.owner_id = owner_id
        for choice in list(choices)[:MAX_BUTTONS]:
            self.add_item(ChoiceButton(choice))

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if interaction.user.id == self.owner_id:
            return True
        await interaction.response.send_message("These buttons answer someone else's command.", ephemeral=True)
        return False

    async def on_error(self, interaction: discord.Interaction, error: Exception, item: discord.ui.Item[Any]) -> None:
        _log.error("button %r failed", getattr(item, "label", item), exc_info=error)
        await send_reply(interaction, Reply("Something went wrong; please try again.", ok=False), cog=None)


async def send_reply(interaction: discord.Interaction, reply: Reply, *, cog: ShowbotCog | None) -> None:
    """Answer the interaction (or follow up a deferred one) with the reply."""
    kwargs: dict[str, Any] = {"ephemeral": reply.private, "allowed_mentions": NO_PINGS}
    if reply.choices and cog is not None:
        kwargs["view"] = ChoiceView(cog, interaction.user.id, reply.choices)
    if interaction.response.is_done():
        await interaction.followup.send(reply_text(reply), **kwargs)
    else:
        await interaction.response.send_message(reply_text(reply), **kwargs)


# -- the cogs ---------------------------------------------------------------------------------
class ShowbotCog(commands.Cog):
    """What every showbot Cog shares: the command layer, the Caller, replies, autocomplete."""

    def __init__(self, layer: Commands, *, moderator_role: str | None = None) -> None:
        self.layer = layer
        self.moderator_role = moderator_role

    def caller(self, interaction: discord.Interaction) -> Caller:
        return caller_from(interaction, moderator_role=self.moderator_role)

    async def run(self, interaction: discord.Interaction, action: Callable[[Caller], Awaitable[Reply]]) -> None:
        """Call the command layer; defer if it is slow; send its reply."""
        task = asyncio.ensure_future(action(self.caller(interaction)))
        done, _ = await asyncio.wait({task}, timeout=DEFER_AFTER)
        if not done:
            try:
                await interaction.response.defer(ephemeral=True, thinking=True)
            except discord.HTTPException:
                _log.warning("could not defer a slow /%s", getattr(interaction.command, "qualified_name", "?"))
        reply = await task
        await send_reply(interaction, reply, cog=self)

    async def show_autocomplete(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        """Catalog titles and aliases for a show option, as the user types."""
        names = self.layer.autocomplete(current[:MAX_SHOW_QUERY], limit=AUTOCOMPLETE_CHOICES)
        return [app_commands.Choice(name=cut(n, CHOICE_LIMIT), value=n) for n in names if len(n) <= CHOICE_LIMIT]

    async def events_autocomplete(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        """Complete the last word of an events list ('renewal, tra' -> 'renewal, trailer')."""
        words = current.replace(",", " ").lower().split()
        if current and not current[-1].isspace() and current[-1] != ",":
            last = words.pop() if words else ""
        else:
            last = ""
        out = []
        for slug in ("all", *EVENT_SLUGS):
            if slug.startswith(last) and slug not in words:
                value = " ".join([*words, slug])
                if len(value) <= CHOICE_LIMIT:
                    out.append(app_commands.Choice(name=value, value=value))
        return out[:AUTOCOMPLETE_CHOICES]


EVENTS_HELP = "Which news: " + ", ".join(EVENT_SLUGS) + " (default: all)"


class UserCog(ShowbotCog, name="Subscriptions"):
    """Personal subscriptions, delivered by DM."""

    @app_commands.command()
    @app_commands.describe(show="The show to follow", events=EVENTS_HELP)
    @app_commands.autocomplete(show=ShowbotCog.show_autocomplete, events=ShowbotCog.events_autocomplete)
    async def subscribe(self, interaction: discord.Interaction, show: ShowOption, events: EventsOption = "") -> None:
        """Follow a show: I DM you when it is renewed, cancelled, dated, trailered, cast or filmed."""
        await self.run(interaction, lambda c: self.layer.subscribe(c, show, events))

    @app_commands.command()
    @app_commands.describe(show="The show to stop following ('all' for every one)")
    @app_commands.autocomplete(show=ShowbotCog.show_autocomplete)
    async def unsubscribe(self, interaction: discord.Interaction, show: ShowOption) -> None:
        """Stop following a show."""
        await self.run(interaction, lambda c: self.layer.unsubscribe(c, show))

    @app_commands.command()
    async def subscriptions(self, interaction: discord.Interaction) -> None:
        """The shows you follow."""
        await self.run(interaction, self.layer.subscriptions)

    @app_commands.command()
    @app_commands.describe(query="Part of a title or alias; empty lists the catalog")
    async def shows(self, interaction: discord.Interaction,
                    query: app_commands.Range[str, 0, MAX_SHOW_QUERY] = "") -> None:
        """Search the show catalog."""
        await self.run(interaction, lambda c: self.layer.shows(c, query))

    @app_commands.command()
    @app_commands.describe(show="The show whose recent news you want")
    @app_commands.autocomplete(show=ShowbotCog.show_autocomplete)
    async def latest(self, interaction: discord.Interaction, show: ShowOption) -> None:
        """Recent news about a show, with links."""
        await self.run(interaction, lambda c: self.layer.latest(c, show))

    @app_commands.command()
    @app_commands.describe(reset="Make a new address (the old one stops working)")
    async def calendar(self, interaction: discord.Interaction, reset: bool = False) -> None:
        """A calendar feed of the release dates of the shows followed here."""
        await self.run(interaction, lambda c: self.layer.calendar(c, reset=reset))

    @app_commands.command()
    async def panel(self, interaction: discord.Interaction) -> None:
        """A private sign-in link to manage this server (or your subscriptions) in the browser."""
        await self.run(interaction, self.layer.panel)

    @app_commands.command(name="help")
    async def help_(self, interaction: discord.Interaction) -> None:
        """What I do and the commands you can use."""
        await send_reply(interaction, self.layer.help(self.caller(interaction)), cog=self)


class ChannelCog(ShowbotCog, name="Channels"):
    """A server channel's own subscriptions: news posted here, optionally mentioning a role."""

    channel = app_commands.Group(name="channel", description="News posted in this channel", guild_only=True)

    @channel.command(name="subscribe")
    @app_commands.describe(show="The show whose news this channel gets", events=EVENTS_HELP,
                           role="A role to mention with each post")
    @app_commands.autocomplete(show=ShowbotCog.show_autocomplete, events=ShowbotCog.events_autocomplete)
    async def channel_subscribe(self, interaction: discord.Interaction, show: ShowOption, events: EventsOption = "",
                                role: discord.Role | None = None) -> None:
        """Post a show's news in this channel (moderators)."""
        if role is not None and role.is_default():
            await send_reply(interaction, Reply("@everyone can't be mentioned; pick a role, or none.", ok=False),
                             cog=self)
            return
        role_id = str(role.id) if role is not None else None
        await self.run(interaction, lambda c: self.layer.channel_subscribe(c, show, events, role_id))

    @channel.command(name="unsubscribe")
    @app_commands.describe(show="The show this channel should stop posting")
    @app_commands.autocomplete(show=ShowbotCog.show_autocomplete)
    async def channel_unsubscribe(self, interaction: discord.Interaction, show: ShowOption) -> None:
        """Stop posting a show's news in this channel (moderators)."""
        await self.run(interaction, lambda c: self.layer.channel_unsubscribe(c, show))

    @channel.command(name="list")
    async def channel_list(self, interaction: discord.Interaction) -> None:
        """The channel subscriptions in this server."""
        await self.run(interaction, self.layer.channel_list)


class ModeratorCog(ShowbotCog, name="Moderation"):
    """Feeds, catalog, mutes and stats: Manage Server by default (server settings can widen it)."""

    feed = app_commands.Group(name="feed", description="The news feeds I poll (moderators)",
                              default_permissions=MANAGE_GUILD)
    catalog = app_commands.Group(name="catalog", description="The show catalog (moderators)",
                                 default_permissions=MANAGE_GUILD)
    alias = app_commands.Group(name="alias", description="Other names a show is known by (moderators)",
                               default_permissions=MANAGE_GUILD)

    @feed.command(name="add")
    @app_commands.describe(url="An RSS or Atom feed URL (https://...)")
    async def feed_add(self, interaction: discord.Interaction, url: app_commands.Range[str, 1, MAX_URL]) -> None:
        """Poll a new news feed."""
        await self.run(interaction, lambda c: self.layer.feed_add(c, url))

    @feed.command(name="remove")
    @app_commands.describe(url="The feed URL, as /feed list shows it")
    async def feed_remove(self, interaction: discord.Interaction, url: app_commands.Range[str, 1, MAX_URL]) -> None:
        """Stop polling a feed."""
        await self.run(interaction, lambda c: self.layer.feed_remove(c, url))

    @feed.command(name="list")
    async def feed_list(self, interaction: discord.Interaction) -> None:
        """The feeds I poll and their health."""
        await self.run(interaction, self.layer.feed_list)

    @catalog.command(name="add")
    @app_commands.describe(title="The show's title", aliases="Other names, comma-separated")
    async def catalog_add(self, interaction: discord.Interaction, title: app_commands.Range[str, 1, MAX_TITLE],
                          aliases: app_commands.Range[str, 0, MAX_ALIASES_TEXT] = "") -> None:
        """Add a show to the catalog (or add aliases to it)."""
        await self.run(interaction, lambda c: self.layer.catalog_add(c, title, aliases))

    @alias.command(name="add")
    @app_commands.describe(show="The catalog show", alias="Another name headlines use for it")
    @app_commands.autocomplete(show=ShowbotCog.show_autocomplete)
    async def alias_add(self, interaction: discord.Interaction, show: ShowOption,
                        alias: app_commands.Range[str, 1, MAX_ALIAS]) -> None:
        """Teach me another name for a show."""
        await self.run(interaction, lambda c: self.layer.alias_add(c, show, alias))

    @app_commands.command()
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.describe(show="The show to silence in this server")
    @app_commands.autocomplete(show=ShowbotCog.show_autocomplete)
    async def mute(self, interaction: discord.Interaction, show: ShowOption) -> None:
        """Silence a show's news in this server's channels."""
        await self.run(interaction, lambda c: self.layer.mute(c, show))

    @app_commands.command()
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.describe(show="The muted show to hear about again")
    @app_commands.autocomplete(show=ShowbotCog.show_autocomplete)
    async def unmute(self, interaction: discord.Interaction, show: ShowOption) -> None:
        """Let a muted show's news through again."""
        await self.run(interaction, lambda c: self.layer.mute(c, show, on=False))

    @app_commands.command()
    @app_commands.default_permissions(manage_guild=True)
    async def stats(self, interaction: discord.Interaction) -> None:
        """Catalog, feeds, subscriptions and delivery counts."""
        await self.run(interaction, self.layer.stats)


COG_TYPES: tuple[type[ShowbotCog], ...] = (UserCog, ChannelCog, ModeratorCog)
