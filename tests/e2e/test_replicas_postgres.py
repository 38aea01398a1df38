"""Two `migrabot run` replicas, each in its own working directory, one board, the state in a real PostgreSQL:
exactly one acts; when it dies (SIGKILL) or loses its lock's session (`pg_terminate_backend`, what a network
cut ends in), the other takes over within the documented bound, and 20 cards processed across the change
each get exactly one synthesis, one PO request and one final-commands comment."""

from __future__ import annotations

import signal
import time
from collections import Counter
from pathlib import Path

from bot.adapters.sql import KEEPALIVE_TIMEOUT
from sandbox.stack import TRELLO_PO, VALIDATION_CHANNEL, SandboxStack
from tests.support.bot_process import BotProcess, wait_for_polls, wait_until
from tests.support.postgres import PostgresServer

POLL = 1.0
CARDS = 20
# The bound the docs give (docs/reliability.md): two poll intervals plus the keepalive timeout.
TAKEOVER_BOUND_S = 2 * POLL + KEEPALIVE_TIMEOUT
TICKET = """Bonjour,

Centre initial = France Fraternités - CHU 75 (ID 4537)
- lorsque le champ = CPH → vers France Fraternités - CPH (ID 4960)

Merci
"""
FINAL = "✅ **Validé par"


class Replicas:
    def __init__(self, tmp_path: Path, server: PostgresServer) -> None:
        self.url = server.new_database()
        self.server = server
        self.stack = SandboxStack(tmp_path / "stack").start(cards=())
        self.cards = [
            self.stack.add_card(f"Migration des dossiers usagers - lot {n}", TICKET)
            for n in range(1, CARDS + 1)
        ]
        settings = self.stack.settings(
            poll_interval_seconds=POLL,
            state_db=self.url,
            trello_po_members=TRELLO_PO,
            accommodation_impact=False,
        )
        self.env = self.stack.environment(settings)
        self.tmp_path = tmp_path
        self.processes: list[BotProcess] = []
        self.approved: set[str] = set()

    def start(self, name: str) -> BotProcess:
        workdir = self.tmp_path / name  # its own working directory: nothing shared but the database
        workdir.mkdir()
        process = BotProcess.start(self.env, workdir, name)
        self.processes.append(process)
        return process

    def comments(self, card: str) -> list[str]:
        return [c["data"]["text"] for c in reversed(self.stack.trello.comments(card))]

    def approve_the_waiting(self) -> None:
        """The PO answers « validé » on each card once it waits for them (as people do, at their pace)."""
        waiting = self.stack.board["lists"]["En attente validation PO"]
        for card in self.cards:
            if card not in self.approved and self.stack.trello.card(card)["idList"] == waiting:
                self.stack.trello.add_comment(card, "validé", by=TRELLO_PO)
                self.approved.add(card)

    def finals(self) -> int:
        return sum(any(c.startswith(FINAL) for c in self.comments(card)) for card in self.cards)

    def progress_until(self, condition, *, what: str, timeout: float = 240) -> None:
        def step() -> bool:
            self.approve_the_waiting()
            return condition()

        wait_until(step, timeout=timeout, what=what)

    def leader_backend(self) -> int:
        [(pid,)] = self.server.sql(
            self.url, "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 1"
        )
        return pid

    def assert_each_card_once(self) -> None:
        requests = Counter(
            m["metadata"]["event_payload"]["card"]
            for m in self.stack.slack.messages(VALIDATION_CHANNEL[0])
            if m.get("metadata", {}).get("event_payload", {}).get("kind") == "approval"
        )
        for card in self.cards:
            heads = Counter(c.split("\n", 1)[0].split(" (")[0] for c in self.comments(card))
            verdicts = ("✅ **Prêt pour validation**", "⚠️ **À vérifier avant validation**")  # the synthesis
            assert sum(n for head, n in heads.items() if head.startswith(verdicts)) == 1, (card, heads)
            assert sum(n for head, n in heads.items() if head.startswith(FINAL)) == 1, (card, heads)
            assert requests[card] == 1, (card, requests[card])

    def stop(self) -> None:
        for process in self.processes:
            process.stop()
        self.stack.stop()


def run_across(replicas: Replicas, interrupt) -> float:
    """The first replica works, the second waits; `interrupt` ends the first's leadership mid-way through
    the cards; returns the seconds until the second took over. Every card is then finished."""
    first = replicas.start("first")
    first.wait_for_log("migrabot started")
    second = replicas.start("second")
    second.wait_for_log("standby: another migrabot process")
    assert f"(pid {first.process.pid} on " in second.log
    replicas.progress_until(lambda: replicas.finals() >= 5, what="5 cards approved by the first replica")
    assert "migrabot started" not in second.log  # silent: the standby talked to nobody
    interrupted_at = time.monotonic()
    interrupt(first)
    second.wait_for_log("active: the previous process is gone, taking over", timeout=TAKEOVER_BOUND_S + 30)
    took_over = time.monotonic() - interrupted_at
    replicas.progress_until(lambda: replicas.finals() == CARDS, what="every card's final commands")
    wait_for_polls(replicas.stack.trello, 3)  # a few more polls by whoever is active: nothing is added
    return took_over


def test_sigkill_of_the_active_replica_hands_the_board_to_the_other(tmp_path: Path, postgres_server):
    replicas = Replicas(tmp_path, postgres_server)
    try:

        def kill(first: BotProcess) -> None:
            first.process.send_signal(signal.SIGKILL)
            first.process.wait(timeout=10)

        took_over = run_across(replicas, kill)
        assert took_over < TAKEOVER_BOUND_S
        assert replicas.finals() == CARDS
        replicas.assert_each_card_once()
    finally:
        replicas.stop()


def test_a_replica_whose_lock_session_is_terminated_stops_writing_and_the_other_takes_over(
    tmp_path: Path, postgres_server
):
    replicas = Replicas(tmp_path, postgres_server)
    try:

        def cut(first: BotProcess) -> None:
            replicas.server.sql(replicas.url, "SELECT pg_terminate_backend(%s)", (replicas.leader_backend(),))

        took_over = run_across(replicas, cut)
        assert took_over < TAKEOVER_BOUND_S
        first = replicas.processes[0]
        assert first.process.poll() is None, "the first replica lives on, as a standby"
        assert "leadership lost: its database session ended" in first.log
        assert "standby again" in first.log
        replicas.assert_each_card_once()
    finally:
        replicas.stop()
