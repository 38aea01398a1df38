"""Two `migrabot run` started from two directories on one board, STATE_DB left at its default: the state is per
board, not per directory, so both name the same file and the second waits behind the first's lock instead of
acting on the board too (issue 25, point 1: two syntheses, two checklists…). Then `status` from a third
directory reads that same state."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sandbox.stack import SandboxStack
from tests.support.bot_process import ROOT, BotProcess, last_poll, wait_until
from tests.support.stack import RUNBOOK_ONLY, heads, list_of_card
from tests.support.text import plain

POLL = 0.3
ONE_ROUND = [
    "⏳ Simulation en cours (8 commandes en --dry-run sur la preprod, "
    "et jusqu'à 8 pour la vérification des hébergements)…",
    "✅ **Prêt pour validation** : 8 commandes simulées sur la preprod, rien n'a été modifié.",
    "🔧 **Détails techniques** (1/2)",
    "🔧 **Détails techniques** (2/2)",
]


def default_environment(stack: SandboxStack, tmp_path: Path) -> dict[str, str]:
    """The sandbox's settings as an operator who never set STATE_DB; the state's home in tmp_path."""
    env = stack.environment(stack.settings(poll_interval_seconds=POLL))
    del env["STATE_DB"]
    return {**env, "XDG_STATE_HOME": str(tmp_path / "xdg"), "HOME": str(tmp_path / "home")}


def started_in(tmp_path: Path, name: str, env: dict[str, str]) -> BotProcess:
    directory = tmp_path / name
    directory.mkdir()
    return BotProcess.start(env, directory, name)


def test_two_starts_from_two_directories_on_one_board_leave_one_acting(tmp_path: Path):
    stack = SandboxStack(tmp_path / "stack").start(cards=RUNBOOK_ONLY)
    env = default_environment(stack, tmp_path)
    state = tmp_path / "xdg" / "migrabot" / stack.board["board"] / "migrabot.sqlite3"
    processes: list[BotProcess] = []
    try:
        first = started_in(tmp_path, "first", env)
        processes.append(first)
        first.wait_for_log("migrabot started")
        second = started_in(tmp_path, "second", env)
        processes.append(second)
        wait_until(
            lambda: "standby: another migrabot process" in second.log or "migrabot started" in second.log,
            timeout=60,
            what="the second process to act or to wait",
        )
        assert "migrabot started" not in second.log, "a second start from another directory acts too"
        assert f"(pid {first.process.pid})" in second.log
        assert f"state: {state}" in first.log and f"state: {state}" in second.log  # the start log names it

        wait_until(
            lambda: list_of_card(stack) == "En attente validation PO", timeout=60, what="the first round"
        )
        # The first one stops; the second takes over the same state and has nothing to redo.
        assert first.stop() == 0
        second.wait_for_log("active: the previous process is gone, taking over")
        taken_over = last_poll(state)
        seen: set[float] = set()

        def polled_twice() -> bool:
            at = last_poll(state)
            if at is not None and at != taken_over:
                seen.add(at)
            return len(seen) >= 2

        wait_until(polled_twice, timeout=60, what="two polls of the second process")
        assert second.stop() == 0
        assert "migrabot started" in second.log
    finally:
        for process in processes:
            process.stop()
        stack.stop()
    assert heads(stack) == ONE_ROUND  # one synthesis, nothing twice
    assert not (tmp_path / "first" / "data").exists() and not (tmp_path / "second" / "data").exists()

    # `migrabot status` from a third directory reads the same state, found the same way.
    (tmp_path / "third").mkdir()
    shown = subprocess.run(
        [sys.executable, "-m", "bot", "status", "--json"],
        env={**env, "PATH": os.environ["PATH"], "PYTHONPATH": str(ROOT)},
        cwd=tmp_path / "third",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert shown.returncode == 0, shown.stderr
    assert stack.cards["runbook.txt"] in shown.stdout


def test_run_refuses_to_start_beside_a_state_left_at_the_old_relative_default(tmp_path: Path):
    """Upgrading from the relative default: an empty per-board state would forget every card in flight."""
    old = tmp_path / "data" / "migrabot.sqlite3"
    old.parent.mkdir()
    old.write_bytes(b"")
    env = {
        "TRELLO_API_KEY": "key",
        "TRELLO_TOKEN": "token",
        "TRELLO_BOARD_ID": "AbC123xY",
        "XDG_STATE_HOME": str(tmp_path / "xdg"),
        "HOME": str(tmp_path / "home"),
        "PATH": os.environ["PATH"],
        "PYTHONPATH": str(ROOT),
    }
    refused = subprocess.run(
        [sys.executable, "-m", "bot", "run", "--once"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert refused.returncode == 2
    message = plain(refused.stderr)
    assert f"un état existe à l'ancien emplacement par défaut {old}" in message
    new = tmp_path / "xdg" / "migrabot" / "AbC123xY"
    assert f"mkdir -p {new} && mv -n {old}* {new}/" in message
    assert not (tmp_path / "xdg").exists()
