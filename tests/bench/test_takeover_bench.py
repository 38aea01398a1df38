"""How fast a standby `migrabot run` takes over when the active one is SIGKILLed (target: under two poll
intervals, start-up included). Run with `make bench`."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest

from sandbox.stack import SandboxStack
from tests.support.bot_process import BotProcess, wait_until

POLL = 2.0


def measure_takeover(workdir: Path, *, state_db: str | None = None) -> tuple[float, float]:
    """(seconds to the standby's lock, seconds to its first Trello request) after the SIGKILL; the state in
    a SQLite file (flock), or in PostgreSQL at `state_db` (advisory lock)."""
    stack = SandboxStack(workdir / "stack").start(cards=())
    replies: list[float] = []
    stack.trello.after_reply = lambda _request: replies.append(time.monotonic())
    processes: list[BotProcess] = []
    try:
        overrides = {"state_db": state_db} if state_db else {}
        env = stack.environment(stack.settings(poll_interval_seconds=POLL, slack_bot_token="", **overrides))
        active = BotProcess.start(env, workdir, "active")
        processes.append(active)
        active.wait_for_log("migrabot started")
        standby = BotProcess.start(env, workdir, "standby")
        processes.append(standby)
        standby.wait_for_log("standby: another migrabot process")
        time.sleep(POLL / 2)  # the kill falls anywhere in the standby's waiting
        killed_at = time.monotonic()
        active.process.send_signal(signal.SIGKILL)
        standby.wait_for_log("taking over")
        locked_at = time.monotonic()
        wait_until(
            lambda: replies and replies[-1] > killed_at, timeout=30, what="the standby's first request"
        )
        first_request = next(t for t in replies if t > killed_at)
        return locked_at - killed_at, first_request - killed_at
    finally:
        for process in processes:
            process.stop()
        stack.stop()


@pytest.mark.benchmark(group="takeover")
def test_standby_takeover_after_sigkill(benchmark, tmp_path: Path):
    to_lock, to_first_request = benchmark.pedantic(measure_takeover, args=(tmp_path,), rounds=1, iterations=1)
    benchmark.extra_info.update(lock_s=to_lock, first_trello_request_s=to_first_request)
    print(
        f"\ntake-over after SIGKILL (poll {POLL:.0f} s): lock in {to_lock:.2f} s, "
        f"first Trello request in {to_first_request:.2f} s"
    )
    assert to_first_request < 2 * POLL


@pytest.mark.benchmark(group="takeover")
def test_standby_takeover_after_sigkill_with_the_state_in_postgresql(
    benchmark, tmp_path: Path, postgres_server
):
    url = postgres_server.new_database()
    to_lock, to_first_request = benchmark.pedantic(
        measure_takeover, args=(tmp_path,), kwargs={"state_db": url}, rounds=1, iterations=1
    )
    benchmark.extra_info.update(lock_s=to_lock, first_trello_request_s=to_first_request)
    print(
        f"\ntake-over after SIGKILL, state in PostgreSQL (poll {POLL:.0f} s): lock in {to_lock:.2f} s, "
        f"first Trello request in {to_first_request:.2f} s"
    )
    assert to_first_request < 2 * POLL
