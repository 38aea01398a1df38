"""Leadership on a real PostgreSQL (advisory lock on its own session) and the guard before every write."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.adapters.leadership import PostgresLeadership, advisory_key
from bot.adapters.lock import ActiveLock
from bot.app.leadership import BOARD_WRITES, Guarded, LeadershipLost
from tests.support.fakes import FakeBoard
from tests.support.postgres import PostgresServer


@pytest.fixture
def url(postgres_server: PostgresServer) -> str:
    return postgres_server.new_database()


def test_one_leader_per_board_and_the_standby_knows_who(url: str):
    first, second = PostgresLeadership(url, board_id="B1"), PostgresLeadership(url, board_id="B1")
    other_board = PostgresLeadership(url, board_id="B2")
    try:
        assert first.try_acquire() and first.try_acquire()
        assert not second.try_acquire()
        assert other_board.try_acquire()  # another board, another lock
        assert second.holder() == f"{os.getpid()} on {os.uname().nodename}"
        first.ensure()
        with pytest.raises(LeadershipLost):
            second.ensure()
        assert (first.role().leader, second.role().leader) == (True, False)
        first.release()
        assert second.try_acquire()
        assert not first.role().leader and first.role().since >= second.role().since - 1
    finally:
        for leadership in (first, second, other_board):
            leadership.release()


def test_the_key_is_the_boards_whoever_computes_it():
    assert advisory_key("6b15052757") == advisory_key("6b15052757") != advisory_key("6b15052758")
    assert -(2**63) <= advisory_key("6b15052757") < 2**63


def test_a_terminated_lock_session_is_noticed_before_the_next_write(
    url: str, postgres_server: PostgresServer
):
    leader, standby = PostgresLeadership(url, board_id="B1"), PostgresLeadership(url, board_id="B1")
    board = FakeBoard()
    guarded = Guarded(board, ensure=leader.ensure, writes=BOARD_WRITES)
    card = board.add_card("Migration des dossiers usagers - x", "")
    try:
        assert leader.try_acquire()
        since = leader.role().since
        guarded.comment(card, "avant")
        postgres_server.sql(
            url,
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name LIKE 'migrabot leader%%'",
        )
        assert standby.try_acquire()  # the lock went with the session
        guarded.comments(card)  # reading is no write: not asked
        with pytest.raises(LeadershipLost):
            guarded.comment(card, "après")
        assert [c.text for c in board.comments(card)] == ["avant"]
        assert not leader.role().leader and leader.role().since >= since
        assert not leader.try_acquire()  # a new session, and the other holds the lock
    finally:
        leader.release()
        standby.release()


def test_an_unreachable_database_keeps_a_process_standby_without_raising(postgres_server: PostgresServer):
    nowhere = f"postgresql://postgres@127.0.0.1:{postgres_server.port}/no_such_database"
    leadership = PostgresLeadership(nowhere, board_id="B1")
    assert not leadership.try_acquire()
    assert not leadership.try_acquire()
    assert leadership.holder() == "?"


def test_the_file_lock_says_its_role_too(tmp_path: Path):
    lock = ActiveLock(tmp_path / "state.sqlite3")
    with pytest.raises(LeadershipLost):
        lock.ensure()
    assert lock.try_acquire()
    lock.ensure()
    assert lock.role().leader
    lock.release()
    assert not lock.role().leader
