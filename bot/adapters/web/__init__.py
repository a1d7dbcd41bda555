"""The web adapter: one aiohttp application in the bot's own process.

/healthz and /metrics for operators, the moderator panel (reached by a one-time link from chat),
calendar feeds, and WebSub callbacks. It translates HTTP to the core and back; it decides nothing
the chat adapters don't also get from the same core."""
