"""The web side from chat: a one-time sign-in link to the moderator panel, and the chat's calendar feed."""

from __future__ import annotations

import datetime as dt
import secrets

from bot.commands.context import Context
from bot.commands.model import Reply, refuse
from bot.commands.registry import Arg, ArgKind, Group
from bot.i18n import N_, _, ngettext
from bot.story_views import calendar_lines, chat_calendar
from storage.records import PanelGrant

group = Group("web")

CALENDAR_TOKEN_BYTES = 24


@group.command("panel", N_("Manage this chat in the browser (a private sign-in link)"), examples=("/panel",))
async def panel(ctx: Context) -> Reply:
    """A one-time sign-in link to the web panel, scoped to this chat (its server or group) and to the
    caller's rights here; only the caller sees it."""
    base = ctx.showbot.web_url
    if base is None:
        return refuse(_("The web panel is not running on this bot (its operator set SHOWBOT_WEB=off)."))
    caller = ctx.caller
    grant = PanelGrant(caller.platform, caller.user_id, caller.chat_id, group=caller.in_group,
                       guild_id=caller.guild_id, chat_admin=caller.is_chat_admin, name=caller.name,
                       chat_type=caller.chat_type.value, language=caller.language or "")
    token = await ctx.showbot.panel_auth.issue_link(grant)
    minutes = round(ctx.showbot.panel_auth.link_ttl / 60)
    if not caller.in_group:
        where = _("Your sign-in link to manage your subscriptions in the browser:")
    elif ctx.is_moderator:
        where = _("Your sign-in link to manage this server or group in the browser, as a moderator:")
    else:
        where = _("Your sign-in link to manage this server or group in the browser:")
    lasts = ngettext("It works once, for {n} minute.", "It works once, for {n} minutes.", minutes).format(n=minutes)
    return Reply(f"{where}\n{base}/login/{token}\n{lasts} " + _("Don't share it: whoever opens it acts as you."),
                 private=True, secret=True)


@group.command("calendar", N_("Release dates of the shows followed here, as a calendar feed"),
               args=(Arg("reset", ArgKind.WORD, N_("'reset' makes a new address (the old one stops working)"),
                         required=False, choices=("reset",)),),
               examples=("/calendar", "/calendar reset"))
async def calendar(ctx: Context, reset: str = "") -> Reply:
    """The address of this chat's release calendar (an .ics feed to subscribe to in any calendar app):
    the caller's own shows in a private chat, the channel's or group's in a group. `reset` makes a new
    address (the old one stops working); in a group only moderators may."""
    base = ctx.showbot.web_url
    if base is None:
        return refuse(_("The calendar is not available on this bot (its web server is off)."))
    caller = ctx.caller
    kind, chat = ("channel", caller.chat_id) if caller.in_group else ("user", caller.user_id)
    renew = reset.strip().lower() == "reset"
    if renew and caller.in_group and not ctx.is_moderator:
        return refuse(_("Only moderators can make a new calendar address for this channel."))
    token = None if renew else await ctx.storage.panel.calendar_token(caller.platform, kind, chat)
    if token is None:
        token = await ctx.storage.panel.calendar_token(caller.platform, kind, chat,
                                                       new=secrets.token_urlsafe(CALENDAR_TOKEN_BYTES))
    address = f"{base}/calendar/{token}.ics"
    if renew:
        lead = _("New calendar address (the old one no longer works):")
    elif caller.in_group:
        lead = _("Release dates of this channel's shows, as a calendar to subscribe to (add it by URL in any "
                 "calendar app):")
    else:
        lead = _("Release dates of the shows you follow, as a calendar to subscribe to (add it by URL in any "
                 "calendar app):")
    today = dt.datetime.fromtimestamp(ctx.showbot.now(), dt.UTC).date()
    upcoming = (await chat_calendar(ctx.storage, caller.platform, kind, chat)).upcoming(today)
    return Reply("\n".join([*calendar_lines(upcoming, today=today), "", lead, address,
                            _("/calendar reset makes a new address.")]))
