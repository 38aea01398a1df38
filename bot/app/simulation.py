"""Plan → dry-runs on preprod → a Simulation. The one place that drives the console for a ticket."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor

from bot.app.ports import Console
from bot.domain.command import DryRunCommand
from bot.domain.console_output import interpret
from bot.domain.model import ConflictDecision, ConsoleResult, DryRun, Plan, Simulation
from bot.domain.plan import without_accommodations
from bot.texts.text import plan_prefix, short_label

Progress = Callable[[int, int, str], None]  # (number, total, « CHU 75 → DAHAR »)


def simulate(
    plan: Plan,
    console: Console,
    *,
    console_command: str,
    concurrency: int = 1,
    decision: ConflictDecision | None = None,
    progress: Progress | None = None,
) -> Simulation:
    """Dry-run every rule in plan order. With « sans hébergements », rules whose dry-run found a conflict
    lose --withAccommodations and are simulated again, so that figures and final commands agree."""
    simulation = _run(
        plan, console, console_command=console_command, concurrency=concurrency, progress=progress
    )
    simulation = Simulation(plan=simulation.plan, runs=simulation.runs, decision=decision)
    if decision is ConflictDecision.WITHOUT_ACCOMMODATIONS and simulation.conflicts:
        return redo_without_accommodations(
            simulation, console, console_command=console_command, concurrency=concurrency, progress=progress
        )
    return simulation


def redo_without_accommodations(
    simulation: Simulation,
    console: Console,
    *,
    console_command: str,
    concurrency: int = 1,
    progress: Progress | None = None,
) -> Simulation:
    concerned = sorted({index for index, _ in simulation.conflicts})
    plan = without_accommodations(simulation.plan, concerned)
    again = _run(
        plan,
        console,
        console_command=console_command,
        concurrency=concurrency,
        progress=progress,
        only=set(concerned),
    )
    rerun = {run.rule_index: run for run in again.runs}
    runs = tuple(rerun.get(run.rule_index, run) for run in simulation.runs)
    return Simulation(
        plan=plan,
        runs=runs,
        decision=ConflictDecision.WITHOUT_ACCOMMODATIONS,
        decided_conflicts=simulation.conflicts,
    )


def rerun(
    plan: Plan, console: Console, *, indexes: tuple[int, ...], console_command: str
) -> tuple[DryRun, ...]:
    """Some of a plan's rules dry-run again (verifying an executed group), one after the other."""
    simulation = _run(
        plan, console, console_command=console_command, concurrency=1, progress=None, only=set(indexes)
    )
    return simulation.runs


def _run(
    plan: Plan,
    console: Console,
    *,
    console_command: str,
    concurrency: int,
    progress: Progress | None,
    only: set[int] | None = None,
) -> Simulation:
    indexes = [index for index in range(len(plan.rules)) if only is None or index in only]
    commands = [DryRunCommand.of(plan.rules[index]) for index in indexes]
    labels = [_arrow(plan, index) for index in indexes]

    def on_start(position: int, _command: DryRunCommand) -> None:
        if progress is not None:
            progress(position + 1, len(commands), labels[position])

    results = run_all(console, commands, concurrency=concurrency, on_start=on_start)
    runs = tuple(
        interpret(
            rule_index=index,
            rule=plan.rules[index],
            command=command.printable(console_command),
            result=result,
        )
        for index, command, result in zip(indexes, commands, results, strict=True)
    )
    return Simulation(plan=plan, runs=runs)


def _arrow(plan: Plan, index: int) -> str:
    prefix = plan_prefix(plan)
    rule = plan.rules[index]
    origin = short_label(rule.origin, prefix).rsplit(" (ID", 1)[0]
    destination = short_label(rule.destination, prefix).rsplit(" (ID", 1)[0]
    return f"{origin} → {destination}"


def run_all(
    runner: Console,
    commands: Sequence[DryRunCommand],
    *,
    concurrency: int = 1,
    on_start: Callable[[int, DryRunCommand], None] | None = None,
) -> list[ConsoleResult]:
    """Run every command (one after another unless `concurrency` > 1); results in input order."""
    if concurrency < 1:
        raise ValueError("concurrency must be at least 1")

    def run_one(index: int) -> ConsoleResult:
        command = commands[index]
        if on_start is not None:
            on_start(index, command)
        return runner.run(command)

    if concurrency == 1 or len(commands) <= 1:
        return [run_one(index) for index in range(len(commands))]
    with ThreadPoolExecutor(max_workers=min(concurrency, len(commands))) as pool:
        return list(pool.map(run_one, range(len(commands))))
