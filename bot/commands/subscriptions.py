"""Personal subscriptions: news about a show delivered to the subscriber privately.

The rule a subscriber gets for a show is its own subscription to that show when there is one (its
event filter wins), else their "every show" subscription; a per-show subscription with no events
is "every show but this one"."""

from __future__ import annotations

from dataclasses import replace

from bot.commands.context import Context
from bot.commands.events import UnknownEvent, parse_events
from bot.commands.model import Action, ChatType, Choice, Reply, Status, ask, refuse
from bot.commands.registry import Arg, ArgKind, Group
from bot.commands.wording import ALL_EVENTS, describe, event_toggles, events_text
from bot.i18n import N_, _, ngettext
from bot.tvmaze_catalog import NotOnTvmaze, import_show
from feeds.model import EVENT_SLUGS, NO_EVENT, CatalogShow, Event
from feeds.tvmaze import TvmazeUnavailable
from feeds.understand.text import fold
from storage.records import Audience, SubscriptionRecord

MAX_SUBSCRIPTIONS = 200
EVERY_SHOW_WORDS = frozenset({"every show", "everything", "all shows", "*", "모든 쇼", "모든 프로그램", "전체 쇼",
                              "todas las series", "todos los programas", "todo"})
ALL_WORDS = frozenset({"all", "전부", "모두", "todas", "todos"})

group = Group("subscriptions")

SHOW_ARG = Arg("show", ArgKind.SHOW, N_("The show (title or another name)"))
EVENTS_ARG = Arg("events", ArgKind.EVENTS, N_("Which news: renewal, cancellation, release date, trailer, casting, "
                                              "filming (default: all)"), required=False)


def parse_event_text(text: str) -> Event | Reply:
    try:
        return parse_events(text)
    except UnknownEvent as exc:
        return refuse(_("I don't know the event “{word}”; events are: {events}.")
                      .format(word=exc.word, events=", ".join(EVENT_SLUGS)))


async def show_and_events(ctx: Context, show: str, events: str, action: Action, *,
                          tvmaze_action: Action | None = None) -> tuple[CatalogShow, Event] | Reply:
    """The show and events of '/subscribe <show> [events]'. A title that ends in event words
    ("First Dates") is a show when the catalog has it."""
    if events and len(await ctx.storage.catalog.find_shows(f"{show} {events}")) == 1:
        show, events = f"{show} {events}", ""
    parsed = parse_event_text(events)
    if isinstance(parsed, Reply):
        return parsed
    found = await ctx.resolve(show, action, events=parsed, tvmaze_action=tvmaze_action)
    if isinstance(found, Reply):
        return found
    return found, parsed


def _is_every_show(text: str) -> bool:
    return fold(text) in EVERY_SHOW_WORDS or text.strip() == "*"


@group.command("subscribe", N_("Follow a show: I message you when it is renewed, cancelled, dated, trailered, "
                               "cast or filmed"),
               args=(SHOW_ARG, EVENTS_ARG),
               examples=("/subscribe Squid Game", "/subscribe Squid Game renewal trailer",
                         "/subscribe The Bear release date", "/subscribe every show"))
async def subscribe(ctx: Context, show: str, events: str = "") -> Reply:
    if _is_every_show(show):
        parsed = parse_event_text(events)
        return parsed if isinstance(parsed, Reply) else await subscribe_every(ctx, parsed)
    found = await show_and_events(ctx, show, events, Action.SUBSCRIBE, tvmaze_action=Action.TVMAZE_SUBSCRIBE)
    if isinstance(found, Reply):
        return found
    return await subscribe_show(ctx, found[0].id, found[1])


async def from_tvmaze(ctx: Context, tvmaze_id: int) -> CatalogShow | Reply:
    """The TVmaze show a button named, in the catalog (added with its other names if it wasn't)."""
    tvmaze = ctx.showbot.tvmaze
    if tvmaze is None:
        return refuse(_("That button has expired."))
    try:
        show = await import_show(ctx.storage.catalog, tvmaze, tvmaze_id)
    except TvmazeUnavailable:
        return refuse(_("TVmaze can't be reached right now; please try again in a minute."))
    except NotOnTvmaze:
        return refuse(_("TVmaze no longer has that show."))
    await ctx.showbot.refresh_matcher()
    return show


async def subscribe_tvmaze(ctx: Context, tvmaze_id: int, events: Event) -> Reply:
    show = await from_tvmaze(ctx, tvmaze_id)
    if isinstance(show, Reply):
        return show
    reply = await subscribe_show(ctx, show.id, events or ALL_EVENTS)
    return replace(reply, text=_("{show} joined my catalog.").format(show=show.title) + " " + reply.text)


async def _room_for_one_more(ctx: Context) -> Reply | None:
    caller = ctx.caller
    if await ctx.storage.audience.count_subscriptions(caller.platform, Audience.USER, caller.user_id) >= MAX_SUBSCRIPTIONS:
        return refuse(_("You follow {limit} shows already; unsubscribe from one first.").format(limit=MAX_SUBSCRIPTIONS))
    return None


async def subscribe_show(ctx: Context, show_id: int, events: Event) -> Reply:
    show = await ctx.show(show_id)
    if isinstance(show, Reply):
        return show
    if not events:
        return refuse(_("Pick at least one event."))
    caller = ctx.caller
    subs = {s.show_id: s for s in await ctx.storage.audience.subscriptions(caller.platform, Audience.USER, caller.user_id)}
    if show.id not in subs and (full := await _room_for_one_more(ctx)):
        return full
    await ctx.touch(personal=True)
    new = await ctx.storage.audience.subscribe(SubscriptionRecord(
        caller.platform, Audience.USER, caller.user_id, show.id, events, user_id=caller.user_id))
    was_skipped = show.id in subs and not subs[show.id].events
    if new or was_skipped:
        text = _("You now follow {show} — {events}.").format(show=show.title, events=events_text(events))
    else:
        text = _("Updated: {show} — {events}.").format(show=show.title, events=events_text(events))
    if None in subs:
        text += " " + _("This filter applies to {show} instead of your “every show” one.").format(show=show.title)
    if caller.chat_type is ChatType.GROUP:
        text += " " + _("I'll message you privately (start a chat with me if you haven't).")
    return Reply(text, choices=event_toggles(show.id, events))


async def subscribe_every(ctx: Context, events: Event) -> Reply:
    caller = ctx.caller
    if (full := await _room_for_one_more(ctx)) and not any(
            s.show_id is None for s in await ctx.storage.audience.subscriptions(caller.platform, Audience.USER,
                                                                                caller.user_id)):
        return full
    await ctx.touch(personal=True)
    await ctx.storage.audience.subscribe(SubscriptionRecord(
        caller.platform, Audience.USER, caller.user_id, None, events, user_id=caller.user_id))
    return Reply(_("You now follow every show — {events}. A show you subscribe to on its own keeps its own filter.")
                 .format(events=events_text(events)))


@group.command("unsubscribe", N_("Stop following a show (or “all”)"), args=(SHOW_ARG,),
               examples=("/unsubscribe Squid Game", "/unsubscribe all", "/unsubscribe every show"))
async def unsubscribe(ctx: Context, show: str) -> Reply:
    caller = ctx.caller
    audience = ctx.storage.audience
    if fold(show) in ALL_WORDS:
        subs = await audience.subscriptions(caller.platform, Audience.USER, caller.user_id)
        for sub in subs:
            await audience.unsubscribe(caller.platform, Audience.USER, caller.user_id, sub.show_id)
        count = len(subs)
        return Reply(ngettext("Unsubscribed from {n} subscription.", "Unsubscribed from {n} subscriptions.", count)
                     .format(n=count))
    if _is_every_show(show):
        return await unsubscribe_every(ctx)
    found = await ctx.resolve(show, Action.UNSUBSCRIBE, example="/unsubscribe Squid Game")
    if isinstance(found, Reply):
        return found
    return await unsubscribe_show(ctx, found.id)


async def unsubscribe_show(ctx: Context, show_id: int) -> Reply:
    show = await ctx.show(show_id)
    if isinstance(show, Reply):
        return show
    caller = ctx.caller
    subs = {s.show_id: s for s in await ctx.storage.audience.subscriptions(caller.platform, Audience.USER, caller.user_id)}
    every = subs.get(None)
    own = subs.get(show.id)
    skip = Choice(_("Skip {show}, keep every other show").format(show=show.title), Action.SKIP_SHOW, show.id)
    stop_every = Choice(_("Stop following every show"), Action.UNSUBSCRIBE_EVERY)
    if every is not None and own is not None and not own.events:
        return Reply(_("You already skip {show}: its news doesn't reach you.").format(show=show.title))
    if own is not None:
        await ctx.storage.audience.unsubscribe(caller.platform, Audience.USER, caller.user_id, show.id)
        if every is None:
            return Reply(_("Unsubscribed from {show}.").format(show=show.title))
        return Reply(_("Removed your own filter for {show}, but you follow every show ({events}), so its news still "
                       "comes. Skip it?").format(show=show.title, events=events_text(every.events)),
                     choices=(skip, stop_every))
    if every is not None:
        return ask(_("You follow every show ({events}), so {show} news comes from that subscription. "
                     "Skip {show} only, or stop following every show?")
                   .format(show=show.title, events=events_text(every.events)), (skip, stop_every))
    return refuse(_("You weren't subscribed to {show}.").format(show=show.title))


async def skip_show(ctx: Context, show_id: int) -> Reply:
    """Every show but this one: a per-show subscription with no events wins over "every show"."""
    show = await ctx.show(show_id)
    if isinstance(show, Reply):
        return show
    caller = ctx.caller
    subs = await ctx.storage.audience.subscriptions(caller.platform, Audience.USER, caller.user_id)
    if not any(s.show_id is None for s in subs):
        return await unsubscribe_show(ctx, show.id)
    await ctx.storage.audience.subscribe(SubscriptionRecord(
        caller.platform, Audience.USER, caller.user_id, show.id, NO_EVENT, user_id=caller.user_id))
    return Reply(_("Done: you follow every show except {show}.").format(show=show.title))


async def unsubscribe_every(ctx: Context) -> Reply:
    caller = ctx.caller
    audience = ctx.storage.audience
    subs = await audience.subscriptions(caller.platform, Audience.USER, caller.user_id)
    if not await audience.unsubscribe(caller.platform, Audience.USER, caller.user_id, None):
        return refuse(_("You weren't following every show."))
    for sub in subs:  # "every show but X" means nothing without "every show"
        if sub.show_id is not None and not sub.events:
            await audience.unsubscribe(caller.platform, Audience.USER, caller.user_id, sub.show_id)
    return Reply(_("You no longer follow every show."))


@group.command("subscriptions", N_("The shows you follow"), aliases=("list",), examples=("/subscriptions",))
async def subscriptions(ctx: Context) -> Reply:
    caller = ctx.caller
    subs = await ctx.storage.audience.subscriptions(caller.platform, Audience.USER, caller.user_id)
    if not subs:
        return Reply(_("You don't follow any show yet. Try /subscribe Squid Game"))
    return Reply("\n".join(describe_rules(subs)))


def describe_rules(subs: list[SubscriptionRecord]) -> list[str]:
    """The effective rule of each subscription: which filter a show's news meets."""
    every = next((s for s in subs if s.show_id is None), None)
    shows = [s for s in subs if s.show_id is not None and s.events]
    skipped = [s.show or "?" for s in subs if s.show_id is not None and not s.events]
    lines = [ngettext("You follow {n} show:", "You follow {n} shows:", len(shows)).format(n=len(shows))
             if every is None else _("You follow every show:")]
    if every is not None:
        line = "• " + _("every show — {events}").format(events=events_text(every.events))
        if skipped:
            line += " " + _("(except {shows})").format(shows=", ".join(skipped))
        lines.append(line + describe(every.options))
    for sub in shows:
        line = f"• {sub.show} — {events_text(sub.events)}"
        if every is not None:
            line += " " + _("(its own filter, instead of every show's)")
        lines.append(line + describe(sub.options))
    return lines


async def set_events(ctx: Context, show_id: int, events: Event) -> Reply:
    """The event keyboard: replace a personal subscription's events (none left: pick one)."""
    if not events:
        show = await ctx.show(show_id)
        if isinstance(show, Reply):
            return show
        return Reply(_("Pick at least one event for {show}.").format(show=show.title), Status.REFUSED,
                     choices=event_toggles(show.id, events))
    return await subscribe_show(ctx, show_id, events)
