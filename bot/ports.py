"""The ports the core talks through. Adapters implement them; the core never imports a platform."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from bot.notifications import Notification, Recipient, SentMessage

if TYPE_CHECKING:
    from bot.ratelimit import RateLimiter


class DeliveryError(Exception):
    """A send failed. Subclasses say what the delivery loop should do about it."""


class RetryLater(DeliveryError):
    """The platform asked us to slow down (HTTP 429): wait `retry_after` seconds, then resend."""

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = max(0.0, retry_after)


class TemporaryFailure(DeliveryError):
    """5xx, timeout, network trouble: resend later with exponential backoff."""


class ChatUnavailable(DeliveryError):
    """403 / blocked / kicked / chat gone: pause this chat's subscriptions, keep its notifications."""


class PermanentFailure(DeliveryError):
    """The platform rejected this message itself (400): retrying the same message cannot help."""


class MessageGone(DeliveryError):
    """The message to edit is gone (deleted) or can no longer be edited (too old, no rights): it is
    left alone. Not a failure of the chat: nothing is paused."""


@dataclass(frozen=True, slots=True)
class RateLimits:
    """Sending limits a platform documents; the delivery loop stays under them."""

    per_second: float  # all chats together
    private_interval: float  # seconds between two messages to one private chat
    group_interval: float  # seconds between two messages to one group/channel


class Messenger(Protocol):
    """What an adapter offers the delivery loop."""

    platform: str
    limits: RateLimits

    async def send(self, recipient: Recipient, notification: Notification) -> SentMessage | None:
        """Deliver (replying to `notification.replying_to` when it is set and the platform can), or raise
        a DeliveryError subclass. Returns the platform's message, for later edits and replies."""
        ...

    async def edit(self, recipient: Recipient, message: SentMessage, notification: Notification) -> None:
        """Make `message` read as `notification` now does (its sources grew), without a new ping.
        "Not modified" is success; a message gone or too old raises MessageGone; otherwise as `send`."""
        ...


@runtime_checkable
class PacedMessenger(Messenger, Protocol):
    """A Messenger whose other sends (command replies) go through this same limiter: the delivery
    loop uses it too, so notifications and replies share one pacing per chat and one global rate."""

    rate_limiter: RateLimiter
