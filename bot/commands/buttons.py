"""Buttons: a pressed `Choice` runs its `Action` on the show (by id, never by name again) as the
presser, under the same permission as the command it stands for."""

from __future__ import annotations

from typing import assert_never

from bot.commands import catalog, channels, info, previews, settings, subscriptions
from bot.commands.context import Context
from bot.commands.model import Action, Choice, Reply
from bot.commands.wording import ALL_EVENTS

# the command whose permission and place a button shares
GOVERNED_BY: dict[Action, str] = {
    Action.SUBSCRIBE: "subscribe",
    Action.SET_EVENTS: "subscribe",
    Action.UNSUBSCRIBE: "unsubscribe",
    Action.SKIP_SHOW: "unsubscribe",
    Action.UNSUBSCRIBE_EVERY: "unsubscribe",
    Action.CHANNEL_SUBSCRIBE: "channel subscribe",
    Action.CHANNEL_UNSUBSCRIBE: "channel unsubscribe",
    Action.MUTE: "mute",
    Action.UNMUTE: "unmute",
    Action.LATEST: "latest",
    Action.ALIAS_ADD: "alias add",
    Action.WHY: "help",
    Action.TVMAZE_SUBSCRIBE: "subscribe",
    Action.TVMAZE_CHANNEL_SUBSCRIBE: "channel subscribe",
    Action.PREVIEW: "preview",
    Action.LANGUAGE: "language",
    Action.CHANNEL_LANGUAGE: "channel language",
}


async def press(ctx: Context, choice: Choice) -> Reply:
    """What pressing `choice` does (the caller's permission for it is checked by the layer first)."""
    match choice.action:
        case Action.SUBSCRIBE:
            return await subscriptions.subscribe_show(ctx, choice.show_id, choice.events or ALL_EVENTS)
        case Action.SET_EVENTS:
            return await subscriptions.set_events(ctx, choice.show_id, choice.events)
        case Action.UNSUBSCRIBE:
            return await subscriptions.unsubscribe_show(ctx, choice.show_id)
        case Action.SKIP_SHOW:
            return await subscriptions.skip_show(ctx, choice.show_id)
        case Action.UNSUBSCRIBE_EVERY:
            return await subscriptions.unsubscribe_every(ctx)
        case Action.CHANNEL_SUBSCRIBE:
            return await channels.channel_subscribe_show(ctx, choice.show_id, choice.events)
        case Action.CHANNEL_UNSUBSCRIBE:
            return await channels.channel_unsubscribe_show(ctx, choice.show_id)
        case Action.MUTE:
            return await channels.mute_show(ctx, choice.show_id)
        case Action.UNMUTE:
            return await channels.unmute_show(ctx, choice.show_id)
        case Action.LATEST:
            return await catalog.latest_show(ctx, choice.show_id)
        case Action.ALIAS_ADD:
            return await catalog.alias_add_show(ctx, choice.show_id, choice.text)
        case Action.WHY:
            return await info.why(ctx, choice.show_id, choice.text)
        case Action.TVMAZE_SUBSCRIBE:
            return await subscriptions.subscribe_tvmaze(ctx, choice.show_id, choice.events)
        case Action.TVMAZE_CHANNEL_SUBSCRIBE:
            return await channels.channel_subscribe_tvmaze(ctx, choice.show_id, choice.events)
        case Action.PREVIEW:
            return await previews.preview_show(ctx, choice.show_id, choice.events or subscriptions.ALL_EVENTS)
        case Action.LANGUAGE:
            return await settings.set_language(ctx, choice.text)
        case Action.CHANNEL_LANGUAGE:
            return await settings.set_channel_language(ctx, choice.text)
        case _:
            assert_never(choice.action)
