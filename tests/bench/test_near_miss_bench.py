"""Dry-runs and time per card with the near-miss search (issue 20): the runbook's card (no zero-match rule:
unchanged), a card with a typo (`CHU77`, found back as `CHU 77`), and a card whose typo no variant finds.
Against the Reconnect console simulator as a process, one dry-run after the other. Run with `make bench`."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from bot.adapters.console import build_runner
from bot.app.near_miss import NearMissBudget, look_for_near_misses
from bot.app.simulation import simulate
from bot.domain.command import DryRunCommand
from bot.domain.model import ConsoleResult
from bot.domain.plan import plan_ticket
from bot.domain.ticket import parse_ticket
from bot.settings import Settings
from sandbox.tickets import ticket_text
from tests.support.simulator import console_command

NOT_FOUND = (
    "Centre initial = France Fraternités - CPH (ID 4960)\n"
    "- lorsque le champ = TEH2 → vers France Fraternités - TEH (ID 5645)\n"
    "- lorsque le champ = DAHAR → vers France Fraternités - DAHAR (ID 5634)\n"
)
SIX_TRIES = (  # a value with many near misses, none of which finds files: NEAR_MISS_TRIES (6) dry-runs
    "Centre initial = France Fraternités - CPH (ID 4960)\n"
    "- lorsque le champ = l'chu  77b → vers France Fraternités - TEH (ID 5645)\n"
)
CARDS = {
    "runbook": ticket_text("runbook.txt"),
    "typo found back": ticket_text("faute-de-frappe.txt"),
    "typo not found": NOT_FOUND,
    "six variants tried": SIX_TRIES,
}


class Counted:
    """The real runner, counting what it is asked to run."""

    def __init__(self, runner) -> None:
        self.runner, self.all_runs = runner, 0

    def run(self, command: DryRunCommand) -> ConsoleResult:
        self.all_runs += 1
        return self.runner.run(command)


def one_card(text: str, db: Path) -> tuple[int, int, float, float]:
    """(dry-runs of the simulation, extra near-miss dry-runs, seconds of each part)."""
    settings = Settings(_env_file=None, console_command=console_command(db))
    ticket = parse_ticket(text, default_field=settings.migration_field_slug)
    plan, _ = plan_ticket(ticket, field_slug=settings.migration_field_slug)
    console = Counted(build_runner(settings))
    started = time.perf_counter()
    simulation = simulate(plan, console, console_command="php bin/console", accommodation_impact=True)
    simulated_at, simulated = time.perf_counter(), console.all_runs
    look_for_near_misses(
        simulation,
        console,
        budget=NearMissBudget(per_rule=settings.near_miss_tries, card_text=text),
        console_command="php bin/console",
    )
    return simulated, console.all_runs - simulated, simulated_at - started, time.perf_counter() - simulated_at


@pytest.mark.benchmark(group="near-miss")
@pytest.mark.parametrize("card", list(CARDS))
def test_dry_runs_and_time_per_card(benchmark, card: str, reconnect_db: Path):
    dry_runs, extra, simulation_s, search_s = benchmark.pedantic(
        one_card, args=(CARDS[card], reconnect_db), rounds=3, iterations=1
    )
    benchmark.extra_info.update(dry_runs=dry_runs, near_miss_dry_runs=extra, near_miss_s=search_s)
    print(
        f"\n{card}: {dry_runs} dry-runs in {simulation_s:.2f} s, then {extra} near-miss dry-runs "
        f"in {search_s:.2f} s"
    )
    if card == "runbook":
        assert extra == 0
    assert extra <= 20
