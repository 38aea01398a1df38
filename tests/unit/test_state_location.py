"""Where the state is (`Settings.state_location`): per board by default, whatever directory the bot starts
from; an explicit path resolved once, absolute; a PostgreSQL URL as given (issue 25, point 1)."""

from __future__ import annotations

import shlex
import subprocess
from pathlib import Path

import pytest

from bot.settings import Settings, SettingsError, state_home
from tests.support.text import plain

BOARD = "AbC123xY"


@pytest.fixture
def homes(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """An empty working directory and XDG_STATE_HOME in tmp_path: never the real home."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg"))
    return tmp_path


def settings(**values: object) -> Settings:
    return Settings(_env_file=None, **{"trello_board_id": BOARD, **values})


def test_the_default_is_one_file_per_board_under_xdg_state_home(homes: Path):
    assert settings().state_location == str(homes / "xdg" / "migrabot" / BOARD / "migrabot.sqlite3")
    assert settings().state_path == homes / "xdg" / "migrabot" / BOARD / "migrabot.sqlite3"


def test_the_default_does_not_depend_on_the_directory_the_bot_starts_from(
    homes: Path, monkeypatch: pytest.MonkeyPatch
):
    locations = []
    for name in ("one", "two"):
        (homes / name).mkdir()
        monkeypatch.chdir(homes / name)
        locations.append(settings().state_location)
    assert locations[0] == locations[1]


def test_two_boards_get_two_directories(homes: Path):
    first, second = settings().state_path, settings(trello_board_id="ZzZ987qw").state_path
    assert first.parent != second.parent
    assert first.parent.parent == second.parent.parent == homes / "xdg" / "migrabot"


def test_a_board_given_by_its_address_names_the_same_directory_as_its_short_link(homes: Path):
    pasted = settings(trello_board_id=f"https://trello.com/b/{BOARD}/reconnect-pro-tech")
    assert pasted.state_location == settings().state_location


def test_without_xdg_state_home_the_default_is_under_the_home(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("XDG_STATE_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    expected = tmp_path / "home" / ".local" / "state" / "migrabot" / BOARD / "migrabot.sqlite3"
    assert settings().state_path == expected


def test_a_relative_xdg_state_home_is_ignored_as_the_xdg_spec_says(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_STATE_HOME", "relative/state")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert state_home() == tmp_path / "home" / ".local" / "state"
    assert settings().state_path.is_absolute()


def test_an_explicit_relative_path_is_resolved_once_from_the_starting_directory(
    homes: Path, monkeypatch: pytest.MonkeyPatch
):
    configured = settings(state_db="data/state.sqlite3")
    assert configured.state_location == str(homes / "data" / "state.sqlite3")
    (homes / "elsewhere").mkdir()
    monkeypatch.chdir(homes / "elsewhere")
    assert configured.state_location == str(homes / "data" / "state.sqlite3")  # resolved once: kept


def test_an_explicit_absolute_path_is_kept(homes: Path):
    assert settings(state_db=homes / "elsewhere.sqlite3").state_location == str(homes / "elsewhere.sqlite3")


@pytest.mark.parametrize("scheme", ["postgresql", "postgres"])
def test_a_postgresql_url_is_kept_as_it_is(homes: Path, scheme: str):
    url = f"{scheme}://migrabot:secret@db.internal:5432/migrabot"
    assert settings(state_db=url, trello_board_id="").state_location == url


def test_without_a_board_the_default_cannot_be_named(homes: Path):
    with pytest.raises(SettingsError) as refused:
        _ = settings(trello_board_id="").state_location
    assert "Renseignez TRELLO_BOARD_ID (ou STATE_DB)" in plain(str(refused.value))


@pytest.mark.parametrize("board_id", ["../other", "a/b", ".", "tableau de Sam"])
def test_a_board_id_that_cannot_name_a_directory_is_refused(homes: Path, board_id: str):
    with pytest.raises(SettingsError) as refused:
        _ = settings(trello_board_id=board_id).state_location
    assert f"TRELLO_BOARD_ID « {board_id} »" in plain(str(refused.value))
    assert not (homes / "xdg").exists()


def test_a_state_left_at_the_old_relative_default_stops_the_default_and_says_how_to_move_it(homes: Path):
    old = homes / "data" / "migrabot.sqlite3"
    old.parent.mkdir()
    old.write_bytes(b"SQLite format 3\x00")
    (homes / "data" / "migrabot.sqlite3-wal").write_bytes(b"wal")
    with pytest.raises(SettingsError) as refused:
        _ = settings().state_location
    message = plain(str(refused.value))
    assert f"l'ancien emplacement par défaut {old}" in message
    assert f"gardez-le avec STATE_DB={old}" in message
    move = message.split("`")[1]
    subprocess.run(["sh", "-c", move], check=True)  # the command given works as it is written
    new = homes / "xdg" / "migrabot" / BOARD
    assert sorted(p.name for p in new.iterdir()) == ["migrabot.sqlite3", "migrabot.sqlite3-wal"]
    assert settings().state_location == str(new / "migrabot.sqlite3")  # moved: the bot starts


def test_an_explicit_state_db_is_not_stopped_by_a_state_at_the_old_default(homes: Path):
    (homes / "data").mkdir()
    (homes / "data" / "migrabot.sqlite3").write_bytes(b"SQLite format 3\x00")
    assert settings(state_db="data/migrabot.sqlite3").state_path == homes / "data" / "migrabot.sqlite3"


def test_the_move_command_quotes_paths_with_spaces(homes: Path, monkeypatch: pytest.MonkeyPatch):
    spaced = homes / "mon dossier"
    (spaced / "data").mkdir(parents=True)
    (spaced / "data" / "migrabot.sqlite3").write_bytes(b"SQLite format 3\x00")
    monkeypatch.chdir(spaced)
    with pytest.raises(SettingsError) as refused:
        _ = settings().state_location
    move = plain(str(refused.value)).split("`")[1]
    assert shlex.quote(str(spaced / "data" / "migrabot.sqlite3")) in move
    subprocess.run(["sh", "-c", move], check=True)
    assert (homes / "xdg" / "migrabot" / BOARD / "migrabot.sqlite3").is_file()


def test_a_copy_for_another_board_names_that_board_s_directory(homes: Path):
    copied = settings().model_copy(update={"trello_board_id": "ZzZ987qw"})
    assert copied.state_path == homes / "xdg" / "migrabot" / "ZzZ987qw" / "migrabot.sqlite3"
