"""The web side from chat: a one-time sign-in link to the moderator panel."""

from __future__ import annotations

from bot.commands.context import Context
from bot.commands.model import Reply, refuse
from bot.commands.registry import Group
from bot.i18n import N_, _, ngettext
from storage.records import PanelGrant

group = Group("web")


@group.command("panel", N_("Manage this chat in the browser (a private sign-in link)"), examples=("/panel",))
async def panel(ctx: Context) -> Reply:
    """A one-time sign-in link to the web panel, scoped to this chat (its server or group) and to the
    caller's rights here; only the caller sees it."""
    base = ctx.showbot.web_url
    if base is None:
        return refuse(_("The web panel is not running on this bot (its operator set SHOWBOT_WEB=off)."))
    caller = ctx.caller
    grant = PanelGrant(caller.platform, caller.user_id, caller.chat_id, group=caller.in_group,
                       guild_id=caller.guild_id, chat_admin=caller.is_chat_admin, name=caller.name)
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
