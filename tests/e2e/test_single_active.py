"""Two `migrabot run` on one state database: one works, the other waits silently and takes over on death."""

from __future__ import annotations

import signal
import time
from pathlib import Path

from sandbox.stack import SandboxStack
from tests.support.bot_process import BotProcess, wait_for_polls, wait_until
from tests.support.stack import RUNBOOK_ONLY, heads, list_of_card

POLL = 0.3


def test_a_second_process_stays_silent_then_takes_over_when_the_first_is_killed(tmp_path: Path):
    stack = SandboxStack(tmp_path / "stack").start(cards=RUNBOOK_ONLY)
    processes: list[BotProcess] = []
    try:
        env = stack.environment(stack.settings(poll_interval_seconds=POLL))
        active = BotProcess.start(env, tmp_path, "active")
        processes.append(active)
        wait_until(
            lambda: list_of_card(stack) == "En attente validation PO", timeout=60, what="the first round"
        )
        standby = BotProcess.start(env, tmp_path, "standby")
        processes.append(standby)
        standby.wait_for_log("standby: another migrabot process")
        assert f"(pid {active.process.pid})" in standby.log

        # The active one frozen: every request now could only come from the standby.
        active.process.send_signal(signal.SIGSTOP)
        trello_before, slack_before = len(stack.trello.requests), len(stack.slack.calls)
        time.sleep(6 * POLL)
        assert len(stack.trello.requests) == trello_before, "the standby talked to Trello"
        assert len(stack.slack.calls) == slack_before, "the standby talked to Slack"
        assert "migrabot started" not in standby.log

        # A new round waits for whoever is active; SIGKILL the frozen one.
        stack.trello.move_card(stack.cards["runbook.txt"], stack.board["lists"]["À simuler"])
        active.process.send_signal(signal.SIGKILL)
        active.process.wait(timeout=10)
        standby.wait_for_log("active: the previous process is gone, taking over")
        wait_until(
            lambda: list_of_card(stack) == "En attente validation PO", timeout=60, what="the new round"
        )
        wait_for_polls(stack.trello, 4)  # a few more polls: nothing is added
        assert standby.stop() == 0
    finally:
        for process in processes:
            process.stop()
        stack.stop()
    round_heads = [
        "⏳ Simulation en cours (8 commandes en --dry-run sur la preprod, "
        "et jusqu'à 8 pour la vérification des hébergements)…",
        "✅ **Prêt pour validation** : 8 commandes simulées sur la preprod, rien n'a été modifié.",
        "🔧 **Détails techniques** (1/2)",
        "🔧 **Détails techniques** (2/2)",
    ]
    assert heads(stack) == round_heads * 2  # one round each, nothing twice


def test_a_standby_stopped_by_sigterm_exits_cleanly_without_having_talked(tmp_path: Path):
    stack = SandboxStack(tmp_path / "stack").start(cards=())
    processes: list[BotProcess] = []
    try:
        # One poll at start, the next a minute later: frozen after its first poll has been answered, the
        # active one has no request in flight (one sent just before SIGSTOP was counted after it, at times).
        env = stack.environment(stack.settings(poll_interval_seconds=60))
        active = BotProcess.start(env, tmp_path, "active")
        processes.append(active)
        active.wait_for_log("migrabot started")
        wait_until(
            lambda: any(r.path.endswith("/cards/open") for r in stack.trello.requests),
            timeout=30,
            what="the active one's first poll answered",
        )
        active.process.send_signal(signal.SIGSTOP)
        requests_before = len(stack.trello.requests)
        standby = BotProcess.start(env, tmp_path, "standby")
        processes.append(standby)
        standby.wait_for_log("standby: another migrabot process")
        assert standby.stop() == 0
        assert len(stack.trello.requests) == requests_before
        active.process.send_signal(signal.SIGCONT)
    finally:
        for process in processes:
            process.stop()
        stack.stop()
