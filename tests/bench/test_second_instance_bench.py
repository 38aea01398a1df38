"""Time to detect a second instance acting on the board (issue 25, point 1), and what it wrote before it stood
down. Two measures, real processes against the sandbox (poll 1 s): an instance started while another is at
work (it finds the other's marks before its first write), and two instances started at the same moment on
fresh cards (both begin a card; the younger sees the elder's mark after its dry-runs). Run with `make bench`."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

import pytest

from bot.texts.card import marked_by
from sandbox.stack import DEMO_CARDS, SandboxStack
from sandbox.tickets import ticket_text
from tests.support.bot_process import BotProcess, wait_until

POLL = 1.0
CARDS = 4


def start(stack: SandboxStack, workdir: Path, host: str) -> BotProcess:
    workdir.mkdir()
    settings = stack.settings(
        poll_interval_seconds=POLL, state_db=workdir / "state.sqlite3", instance_name=host
    )
    return BotProcess.start(stack.environment(settings), workdir, host)


def signed(stack: SandboxStack) -> dict[str, Counter]:
    """Per card, how many comments each instance's mark signs."""
    found: dict[str, Counter] = {}
    for card in stack.trello.cards(stack.board["board"]):
        hosts = (marked_by(comment["data"]["text"]) for comment in stack.trello.comments(card["id"]))
        found[card["id"]] = Counter(instance.host for instance in hosts if instance is not None)
    return found


def in_total(per_card: dict[str, Counter]) -> Counter:
    return sum(per_card.values(), Counter())


def on_shared_cards(per_card: dict[str, Counter], host: str) -> int:
    """What `host` wrote on cards the other instance wrote on too: its duplicates."""
    return sum(hosts[host] for hosts in per_card.values() if len(hosts) > 1)


def started_while_the_other_works(workdir: Path) -> tuple[float, dict[str, int]]:
    stack = SandboxStack(workdir / "stack").start(cards=(DEMO_CARDS[1],))  # a conflict stays in « À simuler »
    processes = []
    try:
        processes.append(start(stack, workdir / "a", "machine-a"))
        conflict = stack.cards["hebergements.txt"]
        wait_until(
            lambda: any("Conflit" in c["data"]["text"] for c in stack.trello.comments(conflict)),
            timeout=120,
            what="the first instance's conflict",
        )
        began = time.monotonic()
        second = start(stack, workdir / "b", "machine-b")
        processes.append(second)
        second.wait_for_log("standing down: instance", timeout=60)
        return time.monotonic() - began, signed(stack)
    finally:
        for process in processes:
            process.stop()
        stack.stop()


def started_together(workdir: Path) -> tuple[float, str, dict[str, int]]:
    stack = SandboxStack(workdir / "stack").start(cards=())
    for n in range(1, CARDS):
        stack.add_card(f"Migration des dossiers usagers - lot {n}", ticket_text("runbook.txt"))
    processes = []
    try:
        began = time.monotonic()
        processes += [start(stack, workdir / "a", "machine-a"), start(stack, workdir / "b", "machine-b")]
        wait_until(
            lambda: any("standing down: instance" in p.log for p in processes),
            timeout=120,
            what="a stand-down",
        )
        detected = time.monotonic() - began
        stood_down = [p for p in processes if "standing down: instance" in p.log]
        assert len(stood_down) == 1, "exactly one of the two stands down"
        return detected, stood_down[0].log_path.stem, signed(stack)
    finally:
        for process in processes:
            process.stop()
        stack.stop()


@pytest.mark.benchmark(group="second-instance")
def test_time_to_detect_a_second_instance(benchmark, tmp_path: Path):
    def both() -> tuple:
        return started_while_the_other_works(tmp_path / "while"), started_together(tmp_path / "together")

    (while_s, while_signed), (together_s, who, together_signed) = benchmark.pedantic(
        both, rounds=1, iterations=1
    )
    benchmark.extra_info.update(started_while_working_s=while_s, started_together_s=together_s)
    duplicates = on_shared_cards(together_signed, who)
    print(
        f"\nsecond instance started while the first works: stood down {while_s:.2f} s after its start "
        f"(process start-up included), comments signed {dict(in_total(while_signed))}"
        f"\ntwo instances started together on {CARDS} fresh cards: {who} stood down {together_s:.2f} s after "
        f"both started, comments signed {dict(in_total(together_signed))}, {duplicates} of {who}'s on cards "
        "the other wrote on too"
    )
    assert "machine-b" not in in_total(while_signed)  # nothing written before it stood down
    assert duplicates <= 1  # its « Simulation en cours » at most: the documented bound
