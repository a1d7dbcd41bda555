"""A chat's own settings: the language the bot writes in and the time zone it shows times in (yours, or a
channel's)."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from functools import cache

from bot.commands.context import Context
from bot.commands.model import Action, Choice, Reply, refuse
from bot.commands.registry import Arg, ArgKind, Group, Permission, Place
from bot.i18n import LANGUAGES, N_, _, negotiate, use_language

group = Group("settings")

AUTO = "auto"
LANGUAGE_ARG = Arg("language", ArgKind.WORD, N_("en, ko, es — or auto for your app's language"), required=False,
                   choices=(*LANGUAGES, AUTO))


def language_name(code: str) -> str:
    return f"{LANGUAGES[code]} ({code})"


def _choices(action: Action) -> tuple[Choice, ...]:
    languages = [Choice(language_name(code), action, text=code) for code in LANGUAGES]
    return (*languages, Choice(_("Automatic"), action, text=AUTO))


def _code(text: str) -> str | None:
    """'ko', 'KO', 'ko-KR', 'Korean', '한국어' -> 'ko'; 'auto'; None when we don't speak it."""
    key = text.strip().lower()
    if key in (AUTO, "automatic", "default"):
        return AUTO
    for code, name in LANGUAGES.items():
        if key == name.lower():
            return code
    return negotiate(key) or {"english": "en", "korean": "ko", "spanish": "es"}.get(key)


@group.command("language", N_("The language I write to you in"), args=(LANGUAGE_ARG,),
               examples=("/language ko", "/language auto", "/language"))
async def language(ctx: Context, language: str = "") -> Reply:
    caller = ctx.caller
    if not language:
        chosen = await ctx.showbot.preferences.language(caller.platform, caller.user_id)
        now = _("You chose {language}.").format(language=language_name(chosen)) if chosen else _(
            "I follow your app's language.")
        return Reply(now + " " + _("Pick one:"), choices=_choices(Action.LANGUAGE))
    return await set_language(ctx, language)


async def set_language(ctx: Context, language: str) -> Reply:
    code = _code(language)
    if code is None:
        return refuse(_("I don't speak “{language}” yet; I speak {languages}.")
                      .format(language=language, languages=", ".join(language_name(c) for c in LANGUAGES)))
    caller = ctx.caller
    await ctx.showbot.preferences.set_language(caller.platform, caller.user_id, None if code == AUTO else code)
    shown = code if code != AUTO else negotiate(caller.language) or "en"
    with use_language(shown):
        if code == AUTO:
            return Reply(_("Done: I follow your app's language."))
        return Reply(_("Done: I write to you in {language}.").format(language=language_name(code)))


@group.command("channel language", N_("The language of this channel's or group's posts"), args=(LANGUAGE_ARG,),
               permission=Permission.MODERATOR, place=Place.GROUP, examples=("/channel language es",))
async def channel_language(ctx: Context, language: str = "") -> Reply:
    caller = ctx.caller
    if not language:
        chosen = await ctx.showbot.preferences.language(caller.platform, caller.chat_id)
        now = _("This channel's posts are in {language}.").format(
            language=language_name(chosen or "en"))
        return Reply(now + " " + _("Pick one:"), choices=_choices(Action.CHANNEL_LANGUAGE))
    return await set_channel_language(ctx, language)


async def set_channel_language(ctx: Context, language: str) -> Reply:
    code = _code(language)
    if code is None:
        return refuse(_("I don't speak “{language}” yet; I speak {languages}.")
                      .format(language=language, languages=", ".join(language_name(c) for c in LANGUAGES)))
    caller = ctx.caller
    await ctx.showbot.preferences.set_language(caller.platform, caller.chat_id, None if code == AUTO else code)
    with use_language(code if code != AUTO else "en"):
        return Reply(_("Done: this channel's posts are in {language}.").format(
            language=language_name(code if code != AUTO else "en")), private=False)


# -- time zones ---------------------------------------------------------------------------------------
TIMEZONE_ARG = Arg("zone", ArgKind.TIMEZONE, N_("A time zone like Asia/Seoul or Europe/Madrid (or a city); UTC resets"),
                   required=False)


@cache
def _zones() -> dict[str, str]:
    """Every IANA zone by folded full name and by folded city ('seoul' -> 'Asia/Seoul')."""
    zones: dict[str, str] = {}
    for name in sorted(zoneinfo.available_timezones()):
        if name.startswith(("Etc/", "SystemV/", "posix/", "right/")) or "/" not in name:
            continue
        zones[_zone_key(name)] = name
        zones.setdefault(_zone_key(name.rsplit("/", 1)[1]), name)
    zones["utc"] = "UTC"
    return zones


def _zone_key(text: str) -> str:
    return "".join(c for c in text.casefold() if c.isalnum() or c == "/")


def find_zone(text: str) -> str | None:
    """'Asia/Seoul', 'asia/seoul', 'Seoul', 'new york' -> an IANA name; None when none fits."""
    return _zones().get(_zone_key(text.strip()))


def complete_zone(prefix: str, *, limit: int = 25) -> list[str]:
    key = _zone_key(prefix)
    names = sorted(set(_zones().values()))
    starts = [n for n in names if _zone_key(n).startswith(key) or _zone_key(n.rsplit("/", 1)[-1]).startswith(key)]
    return (starts or [n for n in names if key in _zone_key(n)])[:limit]


def _zone_now(name: str) -> str:
    now = dt.datetime.now(zoneinfo.ZoneInfo(name))
    return now.strftime("%H:%M %Z")


async def _set_zone(ctx: Context, chat_id: str, zone: str, *, public: bool) -> Reply:
    if zone.strip().casefold() in ("utc", "off", "reset", "none", AUTO):
        await ctx.showbot.preferences.set_timezone(ctx.caller.platform, chat_id, None)
        return Reply(_("Done: times are shown in UTC."), private=not public)
    name = find_zone(zone)
    if name is None:
        return refuse(_("I don't know the time zone “{zone}”. Try a name like Asia/Seoul, Europe/Madrid or "
                        "America/New_York, or a city.").format(zone=zone))
    await ctx.showbot.preferences.set_timezone(ctx.caller.platform, chat_id, name)
    return Reply(_("Done: times are shown in {zone} (it is {now} there).").format(zone=name, now=_zone_now(name)),
                 private=not public)


@group.command("timezone", N_("Your time zone: every time I show you, digests and quiet hours"),
               args=(TIMEZONE_ARG,), examples=("/timezone Asia/Seoul", "/timezone Madrid", "/timezone"))
async def timezone(ctx: Context, zone: str = "") -> Reply:
    caller = ctx.caller
    if not zone:
        chosen = (await ctx.showbot.preferences.of(caller.platform, caller.user_id)).timezone
        return Reply(_("Your time zone is {zone}.").format(zone=chosen or "UTC") + " "
                     + _("Set it with /timezone <zone>, e.g. /timezone Asia/Seoul."))
    return await _set_zone(ctx, caller.user_id, zone, public=False)


@group.command("channel timezone", N_("This channel's or group's time zone (its posts, digests, quiet hours)"),
               args=(TIMEZONE_ARG,), permission=Permission.MODERATOR, place=Place.GROUP,
               examples=("/channel timezone Europe/Madrid",))
async def channel_timezone(ctx: Context, zone: str = "") -> Reply:
    caller = ctx.caller
    if not zone:
        chosen = (await ctx.showbot.preferences.of(caller.platform, caller.chat_id)).timezone
        return Reply(_("This channel's time zone is {zone}.").format(zone=chosen or "UTC") + " "
                     + _("Set it with /channel timezone <zone>."))
    return await _set_zone(ctx, caller.chat_id, zone, public=True)
