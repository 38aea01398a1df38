"""Plan → dry-runs on preprod → a Simulation. The one place that drives the console for a ticket."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

from bot.app.ports import Console
from bot.domain.command import DryRunCommand
from bot.domain.console_output import interpret
from bot.domain.model import ConflictDecision, ConsoleResult, DryRun, Plan, Simulation
from bot.domain.plan import accommodation_check_indexes, with_accommodations, without_accommodations
from bot.texts.text import accommodation_check_label, plan_prefix, short_label

Progress = Callable[[int, int, str], None]  # (number, total, « CHU 75 → DAHAR »)


def simulate(
    plan: Plan,
    console: Console,
    *,
    console_command: str,
    concurrency: int = 1,
    decision: ConflictDecision | None = None,
    progress: Progress | None = None,
    accommodation_impact: bool = False,
) -> Simulation:
    """Dry-run every rule in plan order, then (`accommodation_impact`) the accommodation check. With « sans
    hébergements », rules whose dry-run found a conflict lose --withAccommodations and are simulated again,
    so that figures and final commands agree."""
    total = dry_run_count(plan, accommodation_impact=accommodation_impact)
    simulation = _run(
        plan,
        console,
        console_command=console_command,
        concurrency=concurrency,
        progress=_counted(progress, offset=0, total=total),
    )
    simulation = Simulation(plan=simulation.plan, runs=simulation.runs, decision=decision)
    if accommodation_impact and simulation.ok:
        simulation = check_accommodations(
            simulation,
            console,
            console_command=console_command,
            concurrency=concurrency,
            progress=_counted(progress, offset=len(plan.rules), total=total),
        )
    if decision is ConflictDecision.WITHOUT_ACCOMMODATIONS and simulation.conflicts:
        return redo_without_accommodations(
            simulation, console, console_command=console_command, concurrency=concurrency, progress=progress
        )
    return simulation


def dry_run_count(plan: Plan, *, accommodation_impact: bool) -> int:
    """Dry-runs a simulation of `plan` makes: one per rule, plus the accommodation check's."""
    return len(plan.rules) + check_count(plan, accommodation_impact=accommodation_impact)


def check_count(plan: Plan, *, accommodation_impact: bool) -> int:
    """The accommodation check's dry-runs: one per rule without --withAccommodations, when it is on."""
    return len(accommodation_check_indexes(plan)) if accommodation_impact else 0


def check_accommodations(
    simulation: Simulation,
    console: Console,
    *,
    console_command: str,
    concurrency: int = 1,
    progress: Progress | None = None,
) -> Simulation:
    """Runbook « Comportement sans --withAccommodations »: the people a rule moves without the option are
    detached from their accommodation. Each such rule is dry-run again with --withAccommodations (still a
    dry-run) to learn which accommodations; the commands the ticket asks for stay as they are."""
    indexes = accommodation_check_indexes(simulation.plan)
    if not indexes:
        return replace(simulation, accommodation_checks=())
    checked = _run(
        with_accommodations(simulation.plan, indexes),
        console,
        console_command=console_command,
        concurrency=concurrency,
        progress=_labelled(progress, accommodation_check_label),
        only=set(indexes),
    )
    return replace(simulation, accommodation_checks=checked.runs)


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
        accommodation_checks=simulation.accommodation_checks,
    )


def _counted(progress: Progress | None, *, offset: int, total: int) -> Progress | None:
    """Numbers over the whole simulation (« 11/16 »), whatever part of it is running."""
    if progress is None:
        return None
    return lambda number, _part_total, label: progress(number + offset, total, label)


def _labelled(progress: Progress | None, label: Callable[[str], str]) -> Progress | None:
    if progress is None:
        return None
    return lambda number, total, arrow: progress(number, total, label(arrow))


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
