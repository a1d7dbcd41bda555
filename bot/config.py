"""Settings: defaults, then a TOML file, then environment variables (env wins).

| env var                      | TOML key              | meaning                                            |
|------------------------------|-----------------------|----------------------------------------------------|
| SHOWBOT_DB                   | db                    | SQLite file (default ./showbot.db)                 |
| SHOWBOT_DATABASE_URL         | database_url          | postgresql://… to use PostgreSQL instead of SQLite |
| SHOWBOT_WORKER_LEASE         | worker_lease          | seconds before another worker takes a silent one's work |
| SHOWBOT_DISCORD_SHARDS       | discord_shards (list) | Discord shard ids this worker runs, or "none"      |
| SHOWBOT_DISCORD_SHARD_COUNT  | discord_shard_count   | Discord shards in all (with SHOWBOT_DISCORD_SHARDS)|
| SHOWBOT_FEEDS                | feeds (list)          | feed URLs, comma-separated; replaces the defaults  |
| SHOWBOT_POLL_INTERVAL        | poll_interval         | seconds between polls of one feed (default 600)    |
| SHOWBOT_CATALOG              | catalog               | a catalog JSON file imported at start              |
| DISCORD_TOKEN                | discord_token         | starts the Discord adapter                         |
| DISCORD_API_BASE             | discord_api_base      | another Discord API (a test fake, a REST proxy)    |
| TELEGRAM_TOKEN               | telegram_token        | starts the Telegram adapter                        |
| TELEGRAM_BASE_URL            | telegram_base_url     | a self-hosted Bot API server, e.g. http://127.0.0.1:8081/bot |
| SHOWBOT_OWNERS               | owners (list)         | bot owners: telegram:123,discord:456               |
| SHOWBOT_DISCORD_MOD_ROLE     | discord_moderator_role| a Discord role name (or id) that may moderate      |
| SHOWBOT_ALLOW_PRIVATE_FEEDS  | allow_private_feeds   | allow loopback/private feed hosts (default off)    |
| SHOWBOT_LOG_LEVEL            | log_level             | DEBUG, INFO (default), WARNING                     |
| SHOWBOT_WEB                  | web                   | web server address (default 127.0.0.1:8080; off)   |
| SHOWBOT_PUBLIC_URL           | public_url            | the address users reach the web server at          |
| SHOWBOT_WEB_SECRET           | web_secret            | key that signs panel sessions (default: generated) |
| SHOWBOT_TRUST_PROXY          | trust_proxy           | believe X-Forwarded-Proto/-For (behind a proxy)    |
| SHOWBOT_TVMAZE               | tvmaze                | look unknown shows up on TVmaze (default on; off)  |
| SHOWBOT_TVMAZE_URL           | tvmaze_url            | TVmaze's API (default https://api.tvmaze.com)      |
"""

from __future__ import annotations

import ipaddress
import math
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from urllib.parse import urlsplit

from feeds.urls import UnsafeURLError, check_url_syntax

DEFAULT_POLL_INTERVAL = 600.0
DEFAULT_WORKER_LEASE = 120.0
MIN_WORKER_LEASE = 1.0
DEFAULT_WEB = "127.0.0.1:8080"
DEFAULT_TVMAZE_URL = "https://api.tvmaze.com"
WEB_OFF = "off"
_HOST_NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?")
MIN_POLL_INTERVAL = 30.0

# Real TV-news outlets polled when a platform token is set and no feeds are configured.
REAL_FEEDS: tuple[str, ...] = (
    "https://deadline.com/v/tv/feed/",
    "https://variety.com/v/tv/feed/",
    "https://www.hollywoodreporter.com/c/tv/feed/",
    "https://tvline.com/feed/",
    "https://www.indiewire.com/c/tv/feed/",
    "https://ew.com/tv/feed/",
    "https://www.radiotimes.com/feed/",
    "https://www.digitalspy.com/rss/tv.xml",
    "https://www.denofgeek.com/tv/feed/",
    "https://www.whats-on-netflix.com/feed/",
    "https://www.soompi.com/feed",
    "https://www.koreaboo.com/feed/",
)

ENV_HELP: tuple[tuple[str, str], ...] = (
    ("SHOWBOT_DB", "SQLite database file (default: ./showbot.db)"),
    ("SHOWBOT_DATABASE_URL", "postgresql://user:password@host/db to keep the data in PostgreSQL instead"),
    ("SHOWBOT_WORKER_LEASE", f"seconds a worker holds a feed or chat before another may take over (default {DEFAULT_WORKER_LEASE:g})"),
    ("SHOWBOT_DISCORD_SHARDS", "Discord shard ids this worker connects, e.g. 0,1; none: send only (default: discord.py's)"),
    ("SHOWBOT_DISCORD_SHARD_COUNT", "how many Discord shards there are in all (needed with SHOWBOT_DISCORD_SHARDS)"),
    ("SHOWBOT_FEEDS", "comma-separated feed URLs; replaces the default list"),
    ("SHOWBOT_POLL_INTERVAL", f"seconds between two polls of a feed (default {DEFAULT_POLL_INTERVAL:g})"),
    ("SHOWBOT_CATALOG", "catalog JSON file to import at start ({\"shows\": [{\"title\", \"aliases\"}]})"),
    ("DISCORD_TOKEN", "Discord bot token: starts the Discord adapter"),
    ("DISCORD_API_BASE", "another Discord REST API, e.g. http://127.0.0.1:8090/api/v10 (tests, proxies)"),
    ("TELEGRAM_TOKEN", "Telegram bot token: starts the Telegram adapter"),
    ("TELEGRAM_BASE_URL", "self-hosted Telegram Bot API server, e.g. http://127.0.0.1:8081/bot"),
    ("SHOWBOT_OWNERS", "bot owners (moderators everywhere), e.g. telegram:123,discord:456"),
    ("SHOWBOT_DISCORD_MOD_ROLE", "Discord role (name or id) whose members may moderate"),
    ("SHOWBOT_ALLOW_PRIVATE_FEEDS", "1 to allow loopback/private feed hosts (off by default)"),
    ("SHOWBOT_LOG_LEVEL", "logging level (default INFO)"),
    ("SHOWBOT_WEB", f"web server host:port (default {DEFAULT_WEB}); off disables it"),
    ("SHOWBOT_PUBLIC_URL", "the web server's address for users, e.g. https://showbot.example.org (panel links, WebSub)"),
    ("SHOWBOT_WEB_SECRET", "secret that signs panel sessions (default: generated once, kept in the db)"),
    ("SHOWBOT_TRUST_PROXY", "1 behind a reverse proxy: believe its X-Forwarded-Proto/-For headers"),
    ("SHOWBOT_TVMAZE", "off: never look a show up on TVmaze (default on: /subscribe offers TVmaze's matches)"),
    ("SHOWBOT_TVMAZE_URL", f"TVmaze's API (default {DEFAULT_TVMAZE_URL}; a local fake in tests)"),
)


class ConfigError(ValueError):
    """A setting is wrong; the message names it."""


@dataclass(frozen=True, slots=True)
class Settings:
    db: str = "showbot.db"
    database_url: str | None = None  # PostgreSQL; when set, `db` is not used
    worker_lease: float = DEFAULT_WORKER_LEASE  # several workers: a silent worker's feeds and chats go after this
    discord_shards: tuple[int, ...] | None = None  # None: one client, no sharding; (): send only, no gateway
    discord_shard_count: int | None = None
    feeds: tuple[str, ...] = ()
    poll_interval: float = DEFAULT_POLL_INTERVAL
    catalog: str | None = None
    discord_token: str | None = None
    discord_api_base: str | None = None
    telegram_token: str | None = None
    telegram_base_url: str | None = None
    owners: tuple[str, ...] = ()
    discord_moderator_role: str | None = None
    allow_private_feeds: bool = False
    log_level: str = "INFO"
    web: str = DEFAULT_WEB
    public_url: str | None = None
    web_secret: str | None = None
    trust_proxy: bool = False
    tvmaze: bool = True  # look shows the catalog lacks up on TVmaze
    tvmaze_url: str = DEFAULT_TVMAZE_URL
    console: bool = field(default=False)  # forced by `showbot chat` / `--console`

    @property
    def platforms_configured(self) -> bool:
        return bool(self.discord_token or self.telegram_token)

    @property
    def use_console(self) -> bool:
        return self.console or not self.platforms_configured

    def feed_urls(self, bundled: list[str]) -> tuple[str, ...]:
        """Configured feeds, else the real outlets when a platform is set up, else the bundled samples."""
        if self.feeds:
            return self.feeds
        return REAL_FEEDS if self.platforms_configured else tuple(bundled)

    @property
    def storage_target(self) -> str:
        """What `storage.open_storage` opens: the database URL when one is set, else the SQLite file."""
        return self.database_url or self.db

    @property
    def web_bind(self) -> tuple[str, int] | None:
        """(host, port) the web server listens on, or None when it is off."""
        return parse_bind(self.web)

    def is_owner(self, platform: str, user_id: str) -> bool:
        return f"{platform}:{user_id}" in self.owners

    def __repr__(self) -> str:  # never print tokens
        shown = {f.name: getattr(self, f.name) for f in fields(self)}
        for secret in ("discord_token", "telegram_token", "web_secret"):
            if shown[secret]:
                shown[secret] = "***"
        if self.database_url:
            shown["database_url"] = _without_password(self.database_url)
        return "Settings(" + ", ".join(f"{k}={v!r}" for k, v in shown.items()) + ")"


def load_settings(
    config_path: str | Path | None = None, *, env: Mapping[str, str] | None = None, **overrides: object
) -> Settings:
    env = os.environ if env is None else env
    values: dict[str, object] = {}
    if config_path is not None:
        values.update(_from_toml(Path(config_path)))
    values.update(_from_env(env))
    values.update({k: v for k, v in overrides.items() if v is not None})
    settings = replace(Settings(), **values)  # type: ignore[arg-type]
    return _validate(settings)


_KEYS = {f.name for f in fields(Settings)} - {"console"}


def _from_toml(path: Path) -> dict[str, object]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"config file {path} does not exist") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc}") from None
    data = data.get("showbot", data)
    unknown = set(data) - _KEYS
    if unknown:
        raise ConfigError(f"unknown key(s) in {path}: {', '.join(sorted(unknown))}; known: {', '.join(sorted(_KEYS))}")
    out: dict[str, object] = {}
    for key, value in data.items():
        if key in ("feeds", "owners"):
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ConfigError(f"{key} in {path} must be a list of strings")
            out[key] = tuple(v.strip() for v in value if v.strip())
        elif key == "poll_interval":
            out[key] = _seconds(value, key)
        elif key == "worker_lease":
            out[key] = _number(value, key)
        elif key == "discord_shards":
            out[key] = _shards(value, key)
        elif key == "discord_shard_count":
            out[key] = _shard_count(value, key)
        elif key in ("allow_private_feeds", "trust_proxy", "tvmaze"):
            if not isinstance(value, bool):
                raise ConfigError(f"{key} in {path} must be true or false")
            out[key] = value
        else:
            if not isinstance(value, str):
                raise ConfigError(f"{key} in {path} must be a string")
            out[key] = value
    return out


def _from_env(env: Mapping[str, str]) -> dict[str, object]:
    out: dict[str, object] = {}
    text = {
        "SHOWBOT_DB": "db", "SHOWBOT_DATABASE_URL": "database_url", "SHOWBOT_CATALOG": "catalog", "DISCORD_TOKEN": "discord_token",
        "DISCORD_API_BASE": "discord_api_base",
        "TELEGRAM_TOKEN": "telegram_token", "TELEGRAM_BASE_URL": "telegram_base_url",
        "SHOWBOT_DISCORD_MOD_ROLE": "discord_moderator_role", "SHOWBOT_LOG_LEVEL": "log_level",
        "SHOWBOT_WEB": "web", "SHOWBOT_PUBLIC_URL": "public_url", "SHOWBOT_WEB_SECRET": "web_secret",
        "SHOWBOT_TVMAZE_URL": "tvmaze_url",
    }
    for var, key in text.items():
        if env.get(var, "").strip():
            out[key] = env[var].strip()
    if env.get("SHOWBOT_FEEDS", "").strip():
        out["feeds"] = tuple(u.strip() for u in env["SHOWBOT_FEEDS"].split(",") if u.strip())
    if env.get("SHOWBOT_OWNERS", "").strip():
        out["owners"] = tuple(o.strip() for o in env["SHOWBOT_OWNERS"].split(",") if o.strip())
    if env.get("SHOWBOT_POLL_INTERVAL", "").strip():
        out["poll_interval"] = _seconds(env["SHOWBOT_POLL_INTERVAL"], "SHOWBOT_POLL_INTERVAL")
    if env.get("SHOWBOT_WORKER_LEASE", "").strip():
        out["worker_lease"] = _number(env["SHOWBOT_WORKER_LEASE"].strip(), "SHOWBOT_WORKER_LEASE")
    if env.get("SHOWBOT_DISCORD_SHARDS", "").strip():
        out["discord_shards"] = _shards(env["SHOWBOT_DISCORD_SHARDS"], "SHOWBOT_DISCORD_SHARDS")
    if env.get("SHOWBOT_DISCORD_SHARD_COUNT", "").strip():
        out["discord_shard_count"] = _shard_count(env["SHOWBOT_DISCORD_SHARD_COUNT"].strip(), "SHOWBOT_DISCORD_SHARD_COUNT")
    for var, key in (("SHOWBOT_ALLOW_PRIVATE_FEEDS", "allow_private_feeds"), ("SHOWBOT_TRUST_PROXY", "trust_proxy"),
                     ("SHOWBOT_TVMAZE", "tvmaze")):
        if env.get(var, "").strip():
            flag = env[var].strip().lower()
            if flag not in ("1", "0", "true", "false", "yes", "no", "on", "off"):
                raise ConfigError(f"{var} must be 1/0, true/false, yes/no or on/off")
            out[key] = flag in ("1", "true", "yes", "on")
    return out


def parse_bind(text: str) -> tuple[str, int] | None:
    """'127.0.0.1:8080', '[::1]:8080', ':8080' (every interface), '8080' or 'off' -> (host, port) or None."""
    text = text.strip()
    if text.lower() in (WEB_OFF, "no", "false", "0", "none", "disabled"):
        return None
    if text.isdigit():
        host, port_text = "127.0.0.1", text
    else:
        host, sep, port_text = text.rpartition(":")
        if not sep:
            raise ConfigError(f"SHOWBOT_WEB must look like 127.0.0.1:8080 (or off), not {text!r}")
        if host.startswith("[") and host.endswith("]"):
            host = host[1:-1]
        host = host or "0.0.0.0"
        try:
            ipaddress.ip_address(host)
        except ValueError:
            if not _HOST_NAME.fullmatch(host):
                raise ConfigError(f"SHOWBOT_WEB: {host!r} is not a host name or address") from None
    if not port_text.isdigit() or not 0 <= int(port_text) <= 65535:
        raise ConfigError(f"SHOWBOT_WEB: the port must be a number from 0 to 65535, not {port_text!r}")
    return host, int(port_text)


def _number(value: object, name: str) -> float:
    if isinstance(value, bool):
        raise ConfigError(f"{name} must be a number of seconds, not {value!r}")
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ConfigError(f"{name} must be a number of seconds, not {value!r}") from None
    return number


def _shards(value: object, name: str) -> tuple[int, ...]:
    """'0,1' (or a TOML list of numbers) -> (0, 1); 'none' -> () (send only)."""
    if isinstance(value, str) and value.strip().lower() == "none":
        return ()
    parts = value if isinstance(value, list) else str(value).split(",")
    try:
        ids = tuple(dict.fromkeys(int(str(part).strip()) for part in parts if str(part).strip()))
    except ValueError:
        raise ConfigError(f"{name} must be shard ids like 0,1 (or none), not {value!r}") from None
    if not ids:
        raise ConfigError(f"{name} must name at least one shard id (or none)")
    return ids


def _shard_count(value: object, name: str) -> int:
    try:
        count = int(str(value))
    except ValueError:
        raise ConfigError(f"{name} must be a whole number of shards, not {value!r}") from None
    if count < 1 or isinstance(value, bool):
        raise ConfigError(f"{name} must be at least 1")
    return count


def _seconds(value: object, name: str) -> float:
    if isinstance(value, bool):  # TOML `true` would otherwise read as 1 second
        raise ConfigError(f"{name} must be a number of seconds, not {value!r}")
    try:
        seconds = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ConfigError(f"{name} must be a number of seconds, not {value!r}") from None
    if not math.isfinite(seconds):
        raise ConfigError(f"{name} must be a finite number of seconds, not {value!r}")
    if seconds < MIN_POLL_INTERVAL:
        raise ConfigError(f"{name} must be at least {MIN_POLL_INTERVAL:g} seconds (feeds are polite)")
    return seconds


def _validate(settings: Settings) -> Settings:
    """Raise ConfigError naming the first bad setting; return the settings with feed URLs normalised."""
    feeds: list[str] = []
    for url in settings.feeds:
        try:
            feeds.append(check_url_syntax(url))
        except UnsafeURLError as exc:
            raise ConfigError(f"feed URL {url!r}: {exc}") from None
    for owner in settings.owners:
        platform, _, user = owner.partition(":")
        if platform not in ("telegram", "discord", "console") or not user.strip():
            raise ConfigError(f"owner {owner!r} must look like telegram:123 or discord:456")
    if settings.discord_api_base is not None:
        _check_api_base(settings.discord_api_base)
    if not (math.isfinite(settings.worker_lease) and settings.worker_lease >= MIN_WORKER_LEASE):
        raise ConfigError(f"SHOWBOT_WORKER_LEASE must be at least {MIN_WORKER_LEASE:g} seconds")
    if settings.discord_shards is not None:
        count = settings.discord_shard_count
        if settings.discord_shards and (count is None or any(not 0 <= i < count for i in settings.discord_shards)):
            raise ConfigError("SHOWBOT_DISCORD_SHARDS needs SHOWBOT_DISCORD_SHARD_COUNT, and every shard id below it")
    if settings.database_url is not None:
        scheme = urlsplit(settings.database_url).scheme.lower()
        if scheme not in ("postgresql", "postgres"):
            raise ConfigError("SHOWBOT_DATABASE_URL must be a postgresql:// URL (SQLite is SHOWBOT_DB)")
    parse_bind(settings.web)
    if settings.public_url is not None:
        parts = urlsplit(settings.public_url.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
            raise ConfigError("SHOWBOT_PUBLIC_URL must be an http(s) address like https://showbot.example.org")
    tvmaze = urlsplit(settings.tvmaze_url)
    if tvmaze.scheme not in ("http", "https") or not tvmaze.hostname or tvmaze.query or tvmaze.fragment:
        raise ConfigError(f"SHOWBOT_TVMAZE_URL must be an http(s) URL like {DEFAULT_TVMAZE_URL}")
    if settings.log_level.upper() not in ("DEBUG", "INFO", "WARNING", "ERROR"):
        raise ConfigError("SHOWBOT_LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR")
    return replace(settings, feeds=tuple(dict.fromkeys(feeds)))


def _check_api_base(base: str) -> None:
    parts = urlsplit(base)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise ConfigError(f"DISCORD_API_BASE must be an http(s) URL like http://127.0.0.1:8090/api/v10, not {base!r}")


def _without_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return parts._replace(netloc=netloc).geturl()
