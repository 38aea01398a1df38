"""A console that never answers, as real processes: a 50-rule card (the cap) costs preprod 3 runs, not 50."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

from bot.adapters.console import LocalRunner
from bot.app.simulation import TRANSPORT_FAILURES_TO_STOP, simulate
from bot.domain.plan import build_plan
from bot.domain.ticket import parse_ticket
from bot.settings import Settings

# Counts its starts in a file, then hangs past the runner's timeout (the way a dead database connection would).
HANGING_CONSOLE = """\
import sys, time
with open(sys.argv[1], "a") as counter:
    counter.write("run\\n")
time.sleep(30)
"""


def test_a_hanging_console_is_started_three_times_for_a_card_at_the_cap(tmp_path: Path):
    script, counter = tmp_path / "console.py", tmp_path / "runs.txt"
    script.write_text(HANGING_CONSOLE)
    cap = Settings(_env_file=None).max_rules_per_card
    lines = ["Centre initial = France Fraternités - CHU 75 (ID 4537)"]
    lines += [f"- lorsque le champ = Valeur {n} → vers Centre {n} (ID {6000 + n})" for n in range(cap)]
    ticket = parse_ticket("\n".join(lines), default_field="migration-des-donnees")
    plan = build_plan(ticket.rules, field_slug="migration-des-donnees")
    runner = LocalRunner(
        console_argv=[sys.executable, "-S", str(script), str(counter)], workdir=None, timeout_s=0.5
    )

    simulation = simulate(plan, runner, console_command=shlex.join(["php", "bin/console"]))

    assert len(plan.rules) == cap == 50
    assert counter.read_text().count("run") == TRANSPORT_FAILURES_TO_STOP == 3
    assert [run.not_run for run in simulation.runs] == [False] * 3 + [True] * 47
    assert all(run.result.timed_out for run in simulation.runs[:3])
