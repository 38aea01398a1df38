"""Slack's listeners run in a pool that logs a listener stopped before a write (bolt catches only Exception)."""

from __future__ import annotations

import logging

from bot.adapters.slack import ListenerPool
from bot.app.instances import StoodDown


def test_a_click_on_an_instance_that_stands_down_is_logged_not_lost_silently(caplog):
    def listener() -> None:
        raise StoodDown("instance 0a0a0a0a on machine-a acts on this board")

    with caplog.at_level(logging.WARNING, logger="migrabot.slack"), ListenerPool(max_workers=1) as pool:
        assert pool.submit(listener).result(timeout=10) is None
        assert pool.submit(lambda value: value * 2, 21).result(timeout=10) == 42
    assert [r.getMessage() for r in caplog.records] == [
        "a Slack event was not handled: instance 0a0a0a0a on machine-a acts on this board"
    ]
