"""Settings: defaults, a TOML file, env overrides, validation, which feeds to poll, no tokens in repr."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import DEFAULT_POLL_INTERVAL, REAL_FEEDS, ConfigError, Settings, load_settings

BUNDLED = ["bundled:a.xml", "bundled:b.xml"]
DISCORD_SECRET = "MTIzNDU2Nzg5.discord-secret-token"
TELEGRAM_SECRET = "123456:telegram-secret-token"


def _toml(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "showbot.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults() -> None:
    settings = load_settings(env={})
    assert settings == Settings()
    assert settings.db == "showbot.db"
    assert settings.feeds == () and settings.owners == ()
    assert settings.poll_interval == DEFAULT_POLL_INTERVAL == 600.0
    assert settings.discord_token is None and settings.telegram_token is None
    assert settings.allow_private_feeds is False and settings.log_level == "INFO"
    assert not settings.platforms_configured and settings.use_console


def test_toml_file_values(tmp_path: Path) -> None:
    path = _toml(tmp_path, """
[showbot]
db = "data/bot.db"
feeds = ["https://a.example/feed", " https://b.example/feed "]
poll_interval = 120
owners = ["telegram:1", "discord:2"]
discord_moderator_role = "Mods"
allow_private_feeds = true
log_level = "DEBUG"
telegram_base_url = "http://127.0.0.1:8081/bot"
""")
    settings = load_settings(path, env={})
    assert settings.db == "data/bot.db"
    assert settings.feeds == ("https://a.example/feed", "https://b.example/feed")
    assert settings.poll_interval == 120.0
    assert settings.owners == ("telegram:1", "discord:2")
    assert settings.is_owner("discord", "2") and not settings.is_owner("telegram", "2")
    assert settings.discord_moderator_role == "Mods"
    assert settings.allow_private_feeds is True and settings.log_level == "DEBUG"
    assert settings.telegram_base_url == "http://127.0.0.1:8081/bot"


def test_toml_keys_may_sit_at_the_top_level(tmp_path: Path) -> None:
    assert load_settings(_toml(tmp_path, 'db = "top.db"\n'), env={}).db == "top.db"


def test_env_overrides_the_file_and_arguments_override_env(tmp_path: Path) -> None:
    path = _toml(tmp_path, 'db = "file.db"\npoll_interval = 120\nfeeds = ["https://file.example/feed"]\n'
                           'allow_private_feeds = true\n')
    env = {"SHOWBOT_DB": "env.db", "SHOWBOT_POLL_INTERVAL": "45.5", "SHOWBOT_ALLOW_PRIVATE_FEEDS": "off",
           "SHOWBOT_OWNERS": "telegram:7, discord:8", "TELEGRAM_TOKEN": TELEGRAM_SECRET}
    settings = load_settings(path, env=env)
    assert settings.db == "env.db" and settings.poll_interval == 45.5
    assert settings.allow_private_feeds is False
    assert settings.owners == ("telegram:7", "discord:8")
    assert settings.feeds == ("https://file.example/feed",)  # not overridden: kept from the file
    assert settings.telegram_token == TELEGRAM_SECRET
    assert load_settings(path, env=env, db="arg.db", catalog=None).db == "arg.db"
    assert load_settings(path, env={"SHOWBOT_DB": "   "}).db == "file.db"  # blank env values are ignored


def test_showbot_feeds_comma_list_replaces_the_defaults(tmp_path: Path) -> None:
    path = _toml(tmp_path, 'feeds = ["https://file.example/feed"]\n')
    env = {"SHOWBOT_FEEDS": "https://a.example/feed, ,https://b.example/feed ,", "DISCORD_TOKEN": DISCORD_SECRET}
    settings = load_settings(path, env=env)
    assert settings.feeds == ("https://a.example/feed", "https://b.example/feed")
    assert settings.feed_urls(BUNDLED) == ("https://a.example/feed", "https://b.example/feed")


@pytest.mark.parametrize(("env", "message"), [
    ({"SHOWBOT_POLL_INTERVAL": "often"}, "SHOWBOT_POLL_INTERVAL must be a number of seconds, not 'often'"),
    ({"SHOWBOT_POLL_INTERVAL": "5"}, "SHOWBOT_POLL_INTERVAL must be at least 30 seconds"),
    ({"SHOWBOT_POLL_INTERVAL": "-600"}, "must be at least 30 seconds"),
    ({"SHOWBOT_POLL_INTERVAL": "nan"}, "SHOWBOT_POLL_INTERVAL must be a finite number of seconds"),
    ({"SHOWBOT_POLL_INTERVAL": "inf"}, "SHOWBOT_POLL_INTERVAL must be a finite number of seconds"),
    ({"SHOWBOT_OWNERS": "alice"}, "owner 'alice' must look like telegram:123 or discord:456"),
    ({"SHOWBOT_OWNERS": "telegram:1,slack:2"}, "owner 'slack:2'"),
    ({"SHOWBOT_OWNERS": "telegram:"}, "owner 'telegram:'"),
    ({"SHOWBOT_FEEDS": "https://ok.example/feed,ftp://files.example/feed.xml"},
     "feed URL 'ftp://files.example/feed.xml': only http:// and https://"),
    ({"SHOWBOT_FEEDS": "https://"}, "feed URL 'https://': the URL has no host"),
    ({"SHOWBOT_ALLOW_PRIVATE_FEEDS": "sometimes"}, "SHOWBOT_ALLOW_PRIVATE_FEEDS must be 1/0"),
    ({"SHOWBOT_LOG_LEVEL": "LOUD"}, "SHOWBOT_LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR"),
])
def test_bad_env_values_are_named(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(env=env)
    assert message in str(caught.value)


@pytest.mark.parametrize(("text", "message"), [
    ('poll_interval = "hourly"\n', "poll_interval must be a number of seconds, not 'hourly'"),
    ("poll_interval = 1\n", "poll_interval must be at least 30 seconds"),
    ("poll_interval = inf\n", "poll_interval must be a finite number of seconds"),
    ("poll_interval = true\n", "poll_interval must be a number of seconds, not True"),
    ('pol_interval = 60\ncolour = "red"\n', "unknown key(s) in"),
    ('feeds = "https://a.example/feed"\n', "feeds in"),
    ("owners = [1, 2]\n", "owners in"),
    ('allow_private_feeds = "yes"\n', "allow_private_feeds in"),
    ("db = 3\n", "db in"),
    ('feeds = ["gopher://old.example/feed"]\n', "feed URL 'gopher://old.example/feed'"),
    ("db = \n", "is not valid TOML"),
])
def test_bad_toml_values_are_named(tmp_path: Path, text: str, message: str) -> None:
    path = _toml(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_settings(path, env={})
    assert message in str(caught.value)


def test_unknown_toml_keys_are_listed_with_the_known_ones(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(_toml(tmp_path, 'pol_interval = 60\ncolour = "red"\n'), env={})
    text = str(caught.value)
    assert "colour, pol_interval" in text and "poll_interval" in text.split("known:")[1]
    assert "console" not in text.split("known:")[1]  # not a file setting


def test_a_missing_config_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(tmp_path / "nope.toml", env={})


def test_feed_urls_bundled_without_a_token_real_feeds_with_one() -> None:
    assert load_settings(env={}).feed_urls(BUNDLED) == tuple(BUNDLED)
    for token in ("DISCORD_TOKEN", "TELEGRAM_TOKEN"):
        settings = load_settings(env={token: "secret"})
        assert settings.platforms_configured and not settings.use_console
        assert settings.feed_urls(BUNDLED) == REAL_FEEDS
    assert all(url.startswith("https://") for url in REAL_FEEDS)
    forced = load_settings(env={"TELEGRAM_TOKEN": "secret"}, console=True)
    assert forced.use_console and forced.feed_urls(BUNDLED) == REAL_FEEDS


def test_repr_hides_tokens() -> None:
    settings = load_settings(env={"DISCORD_TOKEN": DISCORD_SECRET, "TELEGRAM_TOKEN": TELEGRAM_SECRET,
                                  "SHOWBOT_DB": "visible.db"})
    for text in (repr(settings), str(settings), f"{settings}", repr([settings])):
        assert DISCORD_SECRET not in text and TELEGRAM_SECRET not in text
        assert "discord_token='***'" in text and "telegram_token='***'" in text
        assert "db='visible.db'" in text
    assert "discord_token=None" in repr(load_settings(env={}))


def test_discord_api_base_from_env_or_toml_and_checked(tmp_path: Path) -> None:
    base = "http://127.0.0.1:8090/api/v10"
    assert load_settings(env={"DISCORD_API_BASE": base}).discord_api_base == base
    assert load_settings(_toml(tmp_path, f'discord_api_base = "{base}"\n'), env={}).discord_api_base == base
    assert load_settings(env={}).discord_api_base is None  # discord.py's own https://discord.com/api/v10
    for bad in ("127.0.0.1:8090/api/v10", "ws://127.0.0.1:8090/", "http:///api/v10", "http://h/api?x=1"):
        with pytest.raises(ConfigError, match="DISCORD_API_BASE must be an http"):
            load_settings(env={"DISCORD_API_BASE": bad})


def test_feed_urls_are_normalised_as_they_enter() -> None:
    settings = load_settings(env={"SHOWBOT_FEEDS": "HTTP://News.Example:80/tv#top,https://news.example/tv"})
    assert settings.feeds == ("http://news.example/tv", "https://news.example/tv")
