"""A chat's own settings: the language the bot writes in (yours, or a channel's posts)."""

from __future__ import annotations

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
