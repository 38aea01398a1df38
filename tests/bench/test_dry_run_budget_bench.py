"""Dry-runs per poll for five cards of fifty rules (issue 25, point 9). Run with `make bench`.

The real workflow with fakes of its ports (the console answers at once): five cards of fifty rules put in
« À simuler » together, with the default settings (DRY_RUNS_PER_POLL=120, the accommodation check on: one more
dry-run per rule). Before the budget, the first poll ran all 500.
"""

from __future__ import annotations

import pytest

from tests.unit.app.test_decisions import Env
from tests.unit.app.test_dry_run_budget import CARDS, RULES, TITLE, polls_until_all_simulated, ticket


def run(tmp_path, **settings: object) -> list[int]:
    env = Env(tmp_path, **settings)
    cards = [env.board.add_card(f"{TITLE} {n}", ticket(n)) for n in range(CARDS)]
    return polls_until_all_simulated(env, cards)


@pytest.mark.benchmark(group="dry-run-budget")
def test_dry_runs_per_poll_for_five_cards_of_fifty_rules(benchmark, tmp_path):
    per_poll = benchmark.pedantic(run, args=(tmp_path / "default",), rounds=1, iterations=1)
    without_check = run(tmp_path / "no-check", accommodation_impact=False)
    print(
        f"\n{CARDS} cards × {RULES} rules, DRY_RUNS_PER_POLL=120: dry-runs per poll {per_poll} "
        f"(accommodation check on); {without_check} (check off)"
    )
    benchmark.extra_info["dry_runs_per_poll"] = per_poll
    assert max(per_poll) <= 120 and sum(per_poll) == CARDS * RULES * 2
