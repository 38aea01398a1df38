"""Issue 25, point 1 (first part): the default STATE_DB is absolute, one state directory per board. A second
start of the bot from another directory finds the same state (and so waits as a standby behind the first's
lock) instead of creating a second state and acting on the same board again."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.adapters.lock import ActiveLock
from bot.settings import Settings


def started_from(directory: Path, monkeypatch: pytest.MonkeyPatch, **values: object) -> Settings:
    monkeypatch.chdir(directory)
    return Settings(_env_file=None, **values)


def test_two_starts_from_two_directories_share_one_state_and_one_lock(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = started_from(tmp_path / "a", monkeypatch, trello_board_id="AbC123")
    second = started_from(tmp_path / "b", monkeypatch, trello_board_id="AbC123")
    assert first.state_db == second.state_db
    assert first.state_db == tmp_path / "home/.local/state/migrabot/AbC123/migrabot.sqlite3"
    first.state_db.parent.mkdir(parents=True)
    active = ActiveLock(first.state_db)
    try:
        assert active.try_acquire()
        assert not ActiveLock(second.state_db).try_acquire()  # the second start waits as a standby
    finally:
        active.release()


def test_each_board_has_its_own_state_directory(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    one = Settings(_env_file=None, trello_board_id="board-1").state_db
    other = Settings(_env_file=None, trello_board_id="../board 2").state_db
    assert one.parent != other.parent and one.is_absolute() and other.is_absolute()
    assert other.parent.parent == tmp_path / ".local/state/migrabot"  # never outside it


def test_an_explicit_relative_path_is_made_absolute_once_at_start(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("STATE_DB", "data/state.sqlite3")
    assert Settings(_env_file=None).state_db == tmp_path / "data/state.sqlite3"
    monkeypatch.setenv("STATE_DB", "")  # the .env.example line left empty: the default
    monkeypatch.setenv("HOME", str(tmp_path))
    assert (
        Settings(_env_file=None).state_db == tmp_path / ".local/state/migrabot/sans-tableau/migrabot.sqlite3"
    )
