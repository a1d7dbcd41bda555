"""How a subscription's news is delivered: which events ring (or none: silent), a daily or weekly digest
at a local hour, quiet hours — for your own subscriptions (/notify, /digest, /quiet) and, for
moderators, a channel's (/channel notify, /channel digest, /channel quiet). `every show` names the
"every show" subscription. Hours are the chat's local time (/timezone)."""

from __future__ import annotations

import re
from dataclasses import replace

from bot.commands.context import Context
from bot.commands.model import Action, Reply, refuse
from bot.commands.registry import Arg, ArgKind, Group, Permission, Place
from bot.commands.subscriptions import EVENTS_ARG, parse_event_text
from bot.commands.wording import describe
from bot.i18n import N_, _
from feeds.model import NO_EVENT, Event
from feeds.understand.text import fold
from storage.records import Audience, DeliveryOptions, Digest

group = Group("notify")

EVERY_SHOW_WORDS = frozenset({"every show", "everything", "all shows", "*", "모든 쇼", "모든 프로그램", "todas las series",
                              "todo"})
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WEEKDAY_WORDS: dict[str, int] = {
    **{d: n for n, d in enumerate(WEEKDAYS)},
    **{d: n for n, d in enumerate(("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"))},
    **{d: n for n, d in enumerate(("월", "화", "수", "목", "금", "토", "일"))},
    **{d: n for n, d in enumerate(("월요일", "화요일", "수요일", "목요일", "금요일", "토요일", "일요일"))},
    **{d: n for n, d in enumerate(("lun", "mar", "mie", "jue", "vie", "sab", "dom"))},
    **{d: n for n, d in enumerate(("lunes", "martes", "miercoles", "jueves", "viernes", "sabado", "domingo"))},
}
_HOURS = re.compile(r"^(\d{1,2})(?::(\d{2}))?\s*[-–~]\s*(\d{1,2})(?::(\d{2}))?$")

TARGET_ARG = Arg("show", ArgKind.SHOW, N_("The show you follow (or “every show”)"))
PING_ARG = Arg("mode", ArgKind.WORD, N_("ping: these events ring (all when none are named); silent: none ring"),
               choices=("ping", "silent"))
DIGEST_ARG = Arg("mode", ArgKind.WORD, N_("daily, weekly, or off (each story as it comes)"),
                 choices=("daily", "weekly", "off"))
HOUR_ARG = Arg("hour", ArgKind.NUMBER, N_("The hour it comes, 0-23, your time (default 9)"), required=False,
               low=0, high=23)
WEEKDAY_ARG = Arg("weekday", ArgKind.WORD, N_("A weekly digest's day: mon … sun (default mon)"), required=False,
                  choices=WEEKDAYS)
QUIET_ARG = Arg("hours", ArgKind.WORD, N_("From-to in your time, like 23-7 or 22:30-07:00; off for none"),
                pattern=r"(?i)off|none|no|\d{1,2}(:\d{2})?[-–~]\d{1,2}(:\d{2})?")


def parse_quiet(text: str) -> tuple[int, int] | None:
    """'23-7', '22:30-07:00', '23~7' -> (start, end) minutes of the day; None when it is none of these."""
    found = _HOURS.match(text.strip())
    if not found:
        return None
    start_h, start_m, end_h, end_m = (int(g) if g else 0 for g in found.groups())
    if start_h > 23 or end_h > 23 or start_m > 59 or end_m > 59:
        return None
    return start_h * 60 + start_m, end_h * 60 + end_m


async def _target(ctx: Context, show: str, audience: Audience, chat_id: str, example: str
                  ) -> tuple[int | None, str, DeliveryOptions] | Reply:
    """(show id or None for every show, its name, its current options) of a subscription of that chat."""
    caller = ctx.caller
    if fold(show) in EVERY_SHOW_WORDS or show.strip() == "*":
        show_id, name = None, _("every show")
    else:
        found = await ctx.resolve(show, Action.SUBSCRIBE, example=example)
        if isinstance(found, Reply):  # (a question's buttons would subscribe: the name is typed again instead)
            return replace(found, choices=())
        show_id, name = found.id, found.title
    subs = {s.show_id: s for s in await ctx.storage.audience.subscriptions(caller.platform, audience, chat_id)}
    sub = subs.get(show_id)
    if sub is None or (show_id is not None and not sub.events):
        if audience is Audience.CHANNEL:
            return refuse(_("This channel doesn't follow {show}; /channel subscribe {show} first.").format(show=name))
        return refuse(_("You don't follow {show}; /subscribe {show} first.").format(show=name))
    return show_id, name, sub.options


async def _apply(ctx: Context, audience: Audience, chat_id: str, show_id: int | None, name: str,
                 options: DeliveryOptions) -> Reply:
    await ctx.storage.audience.set_options(ctx.caller.platform, audience, chat_id, show_id, options)
    rule = describe(options).removeprefix(" · ") or _("each story as it comes, ringing")
    text = _("{show}: {rule}.").format(show=name, rule=rule)
    if (options.digest or options.has_quiet_hours) and not (await ctx.showbot.preferences.of(
            ctx.caller.platform, chat_id)).timezone:
        text += " " + _("Times are UTC until you set a time zone with /timezone.")
    return Reply(text, private=audience is Audience.USER)


async def set_ping(ctx: Context, audience: Audience, chat_id: str, show: str, mode: str, events: str) -> Reply:
    target = await _target(ctx, show, audience, chat_id, "/notify Squid Game ping renewal")
    if isinstance(target, Reply):
        return target
    show_id, name, options = target
    ping: Event | None
    if mode.lower() == "silent":
        ping = NO_EVENT
    else:
        parsed = parse_event_text(events)
        if isinstance(parsed, Reply):
            return parsed
        ping = None if not events.strip() else parsed
    return await _apply(ctx, audience, chat_id, show_id, name, replace(options, ping=ping))


async def set_digest(ctx: Context, audience: Audience, chat_id: str, show: str, mode: str, hour: str,
                     weekday: str) -> Reply:
    target = await _target(ctx, show, audience, chat_id, "/digest Squid Game daily 9")
    if isinstance(target, Reply):
        return target
    show_id, name, options = target
    mode = mode.lower()
    if mode == "off":
        return await _apply(ctx, audience, chat_id, show_id, name, replace(options, digest=None))
    if hour and (not hour.isdigit() or not 0 <= int(hour) <= 23):
        return refuse(_("The hour is a number from 0 to 23."))
    day = options.digest_weekday
    if weekday:
        found = WEEKDAY_WORDS.get(fold(weekday))
        if found is None:
            return refuse(_("I don't know the day “{day}”; say mon, tue, wed, thu, fri, sat or sun.").format(day=weekday))
        day = found
    digest = Digest.DAILY if mode == "daily" else Digest.WEEKLY
    hour_value = int(hour) if hour else options.digest_hour
    return await _apply(ctx, audience, chat_id, show_id, name,
                        replace(options, digest=digest, digest_hour=hour_value, digest_weekday=day))


async def set_quiet(ctx: Context, audience: Audience, chat_id: str, show: str, hours: str) -> Reply:
    target = await _target(ctx, show, audience, chat_id, "/quiet every show 23-7")
    if isinstance(target, Reply):
        return target
    show_id, name, options = target
    if hours.strip().lower() in ("off", "none", "no"):
        return await _apply(ctx, audience, chat_id, show_id, name, replace(options, quiet_start=None, quiet_end=None))
    window = parse_quiet(hours)
    if window is None or window[0] == window[1]:
        return refuse(_("Quiet hours look like 23-7 or 22:30-07:00 (from-to, your time), or off."))
    return await _apply(ctx, audience, chat_id, show_id, name,
                        replace(options, quiet_start=window[0], quiet_end=window[1]))


# -- your subscriptions ------------------------------------------------------------------------------------
@group.command("notify", N_("Which news rings: ping for chosen events (or all), or silent"),
               args=(TARGET_ARG, PING_ARG, EVENTS_ARG),
               examples=("/notify Squid Game ping renewal cancellation", "/notify every show silent"))
async def notify(ctx: Context, show: str, mode: str, events: str = "") -> Reply:
    return await set_ping(ctx, Audience.USER, ctx.caller.user_id, show, mode, events)


@group.command("digest", N_("Gather a show's news in a daily or weekly digest at your hour"),
               args=(TARGET_ARG, DIGEST_ARG, HOUR_ARG, WEEKDAY_ARG),
               examples=("/digest every show daily 9", "/digest Squid Game weekly 18 sun", "/digest Squid Game off"))
async def digest(ctx: Context, show: str, mode: str, hour: str = "", weekday: str = "") -> Reply:
    return await set_digest(ctx, Audience.USER, ctx.caller.user_id, show, mode, hour, weekday)


@group.command("quiet", N_("Quiet hours: news waits until they end"), args=(TARGET_ARG, QUIET_ARG),
               examples=("/quiet every show 23-7", "/quiet Squid Game off"))
async def quiet(ctx: Context, show: str, hours: str) -> Reply:
    return await set_quiet(ctx, Audience.USER, ctx.caller.user_id, show, hours)


# -- a channel's subscriptions (moderators) ------------------------------------------------------------------
@group.command("channel notify", N_("Which of this channel's news rings (mentions its role) or arrives silently"),
               args=(TARGET_ARG, PING_ARG, EVENTS_ARG), permission=Permission.MODERATOR, place=Place.GROUP,
               examples=("/channel notify Squid Game ping renewal cancellation",))
async def channel_notify(ctx: Context, show: str, mode: str, events: str = "") -> Reply:
    return await set_ping(ctx, Audience.CHANNEL, ctx.caller.chat_id, show, mode, events)


@group.command("channel digest", N_("This channel's news as a daily or weekly digest"),
               args=(TARGET_ARG, DIGEST_ARG, HOUR_ARG, WEEKDAY_ARG), permission=Permission.MODERATOR,
               place=Place.GROUP, examples=("/channel digest Squid Game weekly 18 fri",))
async def channel_digest(ctx: Context, show: str, mode: str, hour: str = "", weekday: str = "") -> Reply:
    return await set_digest(ctx, Audience.CHANNEL, ctx.caller.chat_id, show, mode, hour, weekday)


@group.command("channel quiet", N_("This channel's quiet hours"), args=(TARGET_ARG, QUIET_ARG),
               permission=Permission.MODERATOR, place=Place.GROUP, examples=("/channel quiet every show 0-8",))
async def channel_quiet(ctx: Context, show: str, hours: str) -> Reply:
    return await set_quiet(ctx, Audience.CHANNEL, ctx.caller.chat_id, show, hours)
