"""showbot: TV-show news notifications for Discord and Telegram. The platform-neutral core lives
here; `bot.adapters` translates it to each platform."""
