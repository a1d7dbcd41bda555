"""Phrases several command groups share: event names, the event keyboard, a subscription's rule."""

from __future__ import annotations

from bot.commands.model import Action, Choice
from bot.i18n import N_, _
from feeds.model import Event
from storage.records import DeliveryOptions, Digest

WEEKDAY_NAMES = (N_("Monday"), N_("Tuesday"), N_("Wednesday"), N_("Thursday"), N_("Friday"), N_("Saturday"),
                 N_("Sunday"))

ALL_EVENTS = Event.all()

# lower-case names of events as a reply lists them ("renewed, trailer")
EVENT_NAMES: dict[Event, str] = {
    Event.RENEWAL: N_("renewed"),
    Event.CANCELLATION: N_("cancelled / ending"),
    Event.RELEASE_DATE: N_("release date"),
    Event.TRAILER: N_("trailer"),
    Event.CASTING: N_("casting"),
    Event.PRODUCTION: N_("filming"),
}
# button labels of the event keyboard
EVENT_BUTTONS: dict[Event, str] = {
    Event.RENEWAL: N_("Renewed"),
    Event.CANCELLATION: N_("Cancelled / ending"),
    Event.RELEASE_DATE: N_("Release date"),
    Event.TRAILER: N_("Trailer"),
    Event.CASTING: N_("Casting"),
    Event.PRODUCTION: N_("Filming"),
}


def events_text(events: Event) -> str:
    """'all news', 'renewed, trailer', or 'nothing'."""
    if events == ALL_EVENTS:
        return _("all news")
    names = [_(name) for event, name in EVENT_NAMES.items() if event in events]
    return ", ".join(names) if names else _("nothing")


def event_toggles(show_id: int, events: Event, action: Action = Action.SET_EVENTS) -> tuple[Choice, ...]:
    """Buttons that toggle one event each (✓ marks the ones on)."""
    out = []
    for event, label in EVENT_BUTTONS.items():
        on = event in events
        toggled = events & ~event if on else events | event
        out.append(Choice(f"{'✓' if on else '✗'} {_(label)}", action, show_id, toggled))
    return tuple(out)


def list_names(names: list[str]) -> str:
    return ", ".join(names)


def minutes_text(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def describe(options: DeliveryOptions) -> str:
    """' · rings for renewed · weekly digest, Sunday 18:00 · quiet 23:00–07:00' ('' when all is default)."""
    parts = []
    if options.ping is not None:
        parts.append(_("silent") if not options.ping else _("rings for {events}").format(events=events_text(options.ping)))
    if options.digest is Digest.DAILY:
        parts.append(_("daily digest at {time}").format(time=minutes_text(options.digest_hour * 60)))
    elif options.digest is Digest.WEEKLY:
        parts.append(_("weekly digest, {day} {time}").format(day=_(WEEKDAY_NAMES[options.digest_weekday]),
                                                             time=minutes_text(options.digest_hour * 60)))
    if options.has_quiet_hours:
        assert options.quiet_start is not None and options.quiet_end is not None
        parts.append(_("quiet {start}–{end}").format(start=minutes_text(options.quiet_start),
                                                     end=minutes_text(options.quiet_end)))
    return "".join(f" · {p}" for p in parts)
