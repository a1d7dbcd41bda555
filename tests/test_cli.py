"""The `showbot` command line: help, match, catalog import/list, feeds, and its error exits."""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.cli import main
from bot.config import ENV_HELP

CATALOG = {"shows": [
    {"title": "Zorblax Chronicles", "aliases": ["Zorblax"]},
    {"title": "Shōgun", "aliases": ["将軍"]},
    {"title": "The Quiet Harbour"},
]}


@pytest.fixture(autouse=True)
def _clean_process_state(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No SHOWBOT_* or token from the developer's shell; the root logger restored after main() tunes it."""
    for name, _text in ENV_HELP:
        monkeypatch.delenv(name, raising=False)
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    yield
    root.setLevel(level)
    root.handlers[:] = handlers


@pytest.fixture
def catalog_file(tmp_path: Path) -> Path:
    path = tmp_path / "catalog.json"
    path.write_text(json.dumps(CATALOG, ensure_ascii=False), encoding="utf-8")
    return path


def _lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


def test_help_lists_every_environment_variable() -> None:
    result = subprocess.run([sys.executable, "-m", "bot", "--help"], capture_output=True, text=True, timeout=60,
                            check=False, env={k: v for k, v in os.environ.items() if not k.startswith("SHOWBOT_")})
    assert result.returncode == 0, result.stderr
    for name, text in ENV_HELP:
        assert name in result.stdout, name
        assert text.split("(")[0].strip()[:30] in result.stdout
    for command in ("run", "chat", "match", "catalog", "feeds"):
        assert command in result.stdout


def test_subcommand_help_exits_cleanly(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["run", "--help"])
    assert exited.value.code == 0
    assert "--once" in capsys.readouterr().out


def test_match_prints_one_json_line_per_item(tmp_path: Path, catalog_file: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    items = tmp_path / "items.jsonl"
    items.write_text("\n".join(json.dumps(i, ensure_ascii=False) for i in [
        {"id": "a1", "title": "Zorblax Chronicles renewed for season 2 at Netflix", "summary": ""},
        {"id": "a2", "title": "Weather report for Tuesday"},
        {"title": "Shogun season 2 trailer released"},  # no id: the line number stands in
        {"id": "a4", "title": "Zorblax Chronicles star joins a new thriller", "summary": "A casting story."},
    ]) + "\n\n", encoding="utf-8")
    assert main(["match", "--catalog", str(catalog_file), str(items)]) == 0
    out = [json.loads(line) for line in _lines(capsys.readouterr().out)]
    assert [o["id"] for o in out] == ["a1", "a2", 3, "a4"]
    assert all(set(o) == {"id", "matches"} for o in out)

    [renewal] = out[0]["matches"]
    assert set(renewal) == {"show", "events", "season", "reason"}
    assert (renewal["show"], renewal["events"], renewal["season"]) == ("Zorblax Chronicles", ["renewal"], 2)
    assert isinstance(renewal["reason"], str) and renewal["reason"]
    assert out[1]["matches"] == []
    [trailer] = out[2]["matches"]
    assert (trailer["show"], trailer["events"], trailer["season"]) == ("Shōgun", ["trailer"], 2)
    assert [m["events"] for m in out[3]["matches"]] in ([], [[]])  # a credit, no event for the show


def test_match_reads_stdin_and_reports_bad_lines(catalog_file: Path, monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    stdin = '{"id": 1, "title": "The Quiet Harbour cancelled after one season"}\nnot json\n[1, 2]\n'
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    assert main(["match", "--catalog", str(catalog_file), "-"]) == 1
    captured = capsys.readouterr()
    [line] = _lines(captured.out)
    [match] = json.loads(line)["matches"]
    assert (match["show"], match["events"]) == ("The Quiet Harbour", ["cancellation"])
    assert "line 2: not a JSON object" in captured.err and "line 3: not a JSON object" in captured.err


def test_catalog_import_then_list(tmp_path: Path, catalog_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "cli.db")
    assert main(["catalog", "import", str(catalog_file), "--db", db]) == 0
    first = capsys.readouterr().out
    assert f"imported 3 shows into {db} (" in first  # on top of the bundled catalog
    assert main(["catalog", "import", str(catalog_file), "--db", db]) == 0  # again: nothing doubles
    assert first.split("(")[-1] == capsys.readouterr().out.split("(")[-1]

    assert main(["catalog", "list", "--db", db]) == 0
    listed = _lines(capsys.readouterr().out)
    titles = [line.split("  (")[0] for line in listed]
    assert {"Shōgun", "The Quiet Harbour", "Zorblax Chronicles", "Squid Game"} <= set(titles)
    assert len(titles) == len(set(titles))
    assert "Zorblax Chronicles  (Zorblax)" in listed and "将軍" in listed[titles.index("Shōgun")]


@pytest.mark.parametrize(("content", "message"), [
    ("{not json", "catalog is not valid JSON"),
    ('{"shows": {"title": "X"}}', 'catalog must be an object with a "shows" list'),
    ('[{"title": "X"}]', 'catalog must be an object with a "shows" list'),
    ('{"shows": [{"title": "Fine"}, {"aliases": ["No title"]}]}', "show #2 has no title"),
    ('{"shows": [{"title": "  "}]}', "show #1 has no title"),
    ('{"shows": [{"title": "X", "aliases": "Y"}]}', "show #1 ('X'): aliases must be a list of strings"),
    ('{"shows": [{"title": "X", "aliases": [1]}]}', "show #1 ('X'): aliases must be a list of strings"),
    ('{"shows": ["Just a string"]}', "show #1 has no title"),
])
def test_a_malformed_catalog_exits_2_with_a_clear_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, message: str
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(content, encoding="utf-8")
    db = str(tmp_path / "cli.db")
    assert main(["catalog", "import", str(bad), "--db", db]) == 2
    captured = capsys.readouterr()
    assert f"showbot: {message}" in captured.err and captured.out == ""
    assert main(["catalog", "list", "--db", db]) == 0
    assert capsys.readouterr().out == ""  # nothing was imported

    items = tmp_path / "items.jsonl"
    items.write_text('{"id": 1, "title": "X renewed"}\n', encoding="utf-8")
    assert main(["match", "--catalog", str(bad), str(items)]) == 2
    captured = capsys.readouterr()
    assert message in captured.err and captured.out == ""


def test_a_missing_catalog_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["catalog", "import", str(tmp_path / "nope.json"), "--db", str(tmp_path / "cli.db")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_a_configuration_error_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "showbot.toml"
    config.write_text("poll_interval = 5\n", encoding="utf-8")
    assert main(["feeds", "--config", str(config), "--db", str(tmp_path / "cli.db")]) == 2
    assert "showbot: configuration error: poll_interval must be at least 30 seconds" in capsys.readouterr().err
    monkeypatch.setenv("SHOWBOT_OWNERS", "nobody")
    assert main(["catalog", "list", "--db", str(tmp_path / "cli.db")]) == 2
    assert "owner 'nobody'" in capsys.readouterr().err


def test_feeds_on_an_empty_database(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["feeds", "--db", str(tmp_path / "cli.db")]) == 0
    assert "no feeds yet" in capsys.readouterr().out


def test_an_unknown_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["frobnicate"])
    assert exited.value.code == 2
    assert "invalid choice: 'frobnicate'" in capsys.readouterr().err


def test_match_on_a_missing_items_file_exits_2_with_one_line(tmp_path: Path, catalog_file: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["match", "--catalog", str(catalog_file), str(tmp_path / "nope.jsonl")]) == 2
    captured = capsys.readouterr()
    assert _lines(captured.err) == [f"showbot: cannot read {tmp_path / 'nope.jsonl'}: no such file"]
    assert captured.out == ""


def test_catalog_import_before_the_first_run_keeps_the_bundled_catalog(
    tmp_path: Path, catalog_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Importing one's own shows into a fresh database must not replace the bundled catalog: the
    first run still knows the bundled shows and tells the console user the sample feeds' news."""
    db = str(tmp_path / "cli.db")
    assert main(["catalog", "import", str(catalog_file), "--db", db]) == 0
    capsys.readouterr()
    assert main(["catalog", "list", "--db", db]) == 0
    listed = capsys.readouterr().out
    assert "Zorblax Chronicles" in listed and "Squid Game" in listed
    assert main(["run", "--once", "--db", db]) == 0
    assert "Squid Game" in capsys.readouterr().out  # the sample feeds' news about a bundled show


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert exited.value.code == 0
    assert capsys.readouterr().out.startswith("showbot ")


def test_common_options_go_before_or_after_the_command(tmp_path: Path, catalog_file: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    """`showbot --db x run` was rejected (issue 12); either place works, the later one wins."""
    first, second = str(tmp_path / "first.db"), str(tmp_path / "second.db")
    assert main(["--db", first, "catalog", "import", str(catalog_file)]) == 0
    assert first in capsys.readouterr().out
    assert main(["--db", first, "catalog", "import", str(catalog_file), "--db", second]) == 0
    assert second in capsys.readouterr().out
    assert main(["--db", first, "run", "--once"]) == 0
    assert "Squid Game" in capsys.readouterr().out
    assert not (tmp_path / "showbot.db").exists()


def test_read_only_commands_create_no_database_or_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "not" / "there" / "showbot.db"
    for command in (["feeds"], ["catalog", "list"]):
        main(["--db", str(missing), *command])
        said = capsys.readouterr()
        assert "no database" in said.out + said.err, command
        assert not (tmp_path / "not").exists(), command


def test_showbot_chat_is_its_own_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    """`showbot chat` listed /channel, /mute and /unmute in /help but refused them (issue 12)."""
    lines = ["/channel subscribe Squid Game trailer", "/channel list", "/mute Silo", "/unmute Silo",
             "/whoami", "/quit"]
    monkeypatch.setattr(sys, "stdin", io.StringIO("\n".join(lines) + "\n"))
    assert main(["chat", "--no-poll", "--db", str(tmp_path / "chat.db")]) == 0
    out = capsys.readouterr().out
    assert "This channel will now post Squid Game news (trailer)." in out
    assert "Squid Game → this channel (trailer)" in out
    assert "Silo is muted here." in out and "Silo is no longer muted here." in out
    assert "You are console:local" in out
    assert "works in a server channel" not in out
