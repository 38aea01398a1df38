"""Plan → dry-runs on preprod → a Simulation. The one place that drives the console for a ticket."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import TypeVar

from bot.app.ports import Console
from bot.domain.command import DryRunCommand
from bot.domain.console_output import (
    Unreadable,
    excerpt,
    failure_of,
    id_mismatches,
    keep_ends,
    name_mismatches,
    read_figures,
    text_lines,
)
from bot.domain.model import ConflictDecision, ConsoleResult, DryRun, Plan, Rule, Simulation
from bot.domain.near_miss import zero_match_indexes
from bot.domain.plan import accommodation_check_indexes, with_accommodations, without_accommodations
from bot.texts import console as texts
from bot.texts.card import NOT_RUN
from bot.texts.text import accommodation_check_label, plan_prefix, short_label

_Result = TypeVar("_Result")
Progress = Callable[[int, int, str], None]  # (number, total, « CHU 75 → DAHAR »)

# A console that cannot be reached fails the same way for every rule: stop asking after this many in a row.
TRANSPORT_FAILURES_TO_STOP = 3
SSH_CONNECTION_FAILED = 255  # ssh's own exit code when it could not connect or authenticate
# Of each output (stdout, stderr) once read, what the state, the comments and the attached file keep.
KEPT_OUTPUT_CHARS = 65_536


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
    so that figures and final commands agree. `progress` counts `dry_run_count` (at most what runs) until
    the rules have run, then what the accommodation check really runs."""
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
        checked = len(plan.rules) + len(checked_indexes(simulation))
        simulation = check_accommodations(
            simulation,
            console,
            console_command=console_command,
            concurrency=concurrency,
            progress=_counted(progress, offset=len(plan.rules), total=checked),
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
    """The accommodation check's dry-runs at most: one per rule without --withAccommodations, when it is on
    (fewer once the rules have run: a rule that finds no file has none, see `checked_indexes`)."""
    return len(accommodation_check_indexes(plan)) if accommodation_impact else 0


def checked_indexes(simulation: Simulation) -> tuple[int, ...]:
    """The rules the accommodation check dry-runs again: those without --withAccommodations that move
    somebody. A rule that finds no file detaches nobody from an accommodation: nothing to measure."""
    nobody = set(zero_match_indexes(simulation))
    return tuple(index for index in accommodation_check_indexes(simulation.plan) if index not in nobody)


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
    dry-run) to learn which accommodations; the commands the ticket asks for stay as they are. A rule that
    moves nobody is not (`checked_indexes`)."""
    indexes = checked_indexes(simulation)
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
        near_misses=simulation.near_misses,
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

    results = run_until_broken(console, commands, concurrency=concurrency, on_start=on_start)
    runs = tuple(
        _not_run(index, command.printable(console_command))
        if result is None
        else interpret(
            rule_index=index,
            rule=plan.rules[index],
            command=command.printable(console_command),
            result=result,
        )
        for index, command, result in zip(indexes, commands, results, strict=True)
    )
    return Simulation(plan=plan, runs=runs)


def is_transport_failure(result: ConsoleResult) -> bool:
    """The console was not reached or did not answer: it could not start, ssh could not connect (255 and
    nothing from the remote side), or the run timed out. Symfony's own errors are not of this kind."""
    if result.start_error is not None or result.timed_out:
        return True
    return result.exit_code == SSH_CONNECTION_FAILED and not result.stdout.strip()


class Breaker:
    """Counts transport failures in a row (in the order runs end); open once there are enough."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._in_a_row = 0

    @property
    def open(self) -> bool:
        with self._lock:
            return self._in_a_row >= TRANSPORT_FAILURES_TO_STOP

    def record(self, result: ConsoleResult) -> None:
        with self._lock:
            self._in_a_row = self._in_a_row + 1 if is_transport_failure(result) else 0


def run_until_broken(
    console: Console,
    commands: Sequence[DryRunCommand],
    *,
    concurrency: int = 1,
    on_start: Callable[[int, DryRunCommand], None] | None = None,
    breaker: Breaker | None = None,
) -> list[ConsoleResult | None]:
    """Every command's result in input order; None for those not started once the breaker opened.
    `breaker`: one shared by several batches (the near-miss search), else a new one."""
    breaker = breaker or Breaker()

    def run_one(position: int) -> ConsoleResult | None:
        if breaker.open:
            return None
        if on_start is not None:
            on_start(position, commands[position])
        result = console.run(commands[position])
        breaker.record(result)
        return result

    return _each(len(commands), run_one, concurrency=concurrency)


def _not_run(index: int, command: str) -> DryRun:
    never = ConsoleResult(exit_code=None, stdout="", stderr="", duration_s=0.0)
    return DryRun(rule_index=index, command=command, result=never, error=NOT_RUN, not_run=True)


def _arrow(plan: Plan, index: int) -> str:
    prefix = plan_prefix(plan)
    rule = plan.rules[index]
    origin = short_label(rule.origin, prefix).rsplit(" (ID", 1)[0]
    destination = short_label(rule.destination, prefix).rsplit(" (ID", 1)[0]
    return f"{origin} → {destination}"


def interpret(*, rule_index: int, rule: Rule, command: str, result: ConsoleResult) -> DryRun:
    """One rule's dry-run: the console failure, or the unreadable output, or the figures and warnings.

    An error always comes without figures, so that no later step can use numbers that are not the rule's:
    other centres' ids than the rule's, or no accommodation count when --withAccommodations was asked,
    are errors too.
    """

    result = _kept(result)

    def failed(error: str) -> DryRun:
        return DryRun(rule_index=rule_index, command=command, result=result, error=error)

    failure = failure_of(result)
    if failure:
        return failed(texts.describe_failure(failure))
    figures = read_figures(result.stdout)
    if isinstance(figures, Unreadable):
        return failed(texts.unreadable_error(figures))
    mismatches = id_mismatches(rule, figures)
    if mismatches:
        return failed(texts.id_mismatch_error(mismatches))
    warnings = tuple(texts.name_warning(mismatch) for mismatch in name_mismatches(rule, figures))
    if rule.with_accommodations and figures.accommodations is None:
        absent = Unreadable("accommodation_count_absent", (), excerpt(text_lines(result.stdout), centre=None))
        return failed(texts.unreadable_error(absent))
    if not rule.with_accommodations and figures.accommodations is not None:
        # Without the flag, the migration leaves accommodations where they are: its block must not ask a decision.
        figures = replace(figures, accommodations=None)
        warnings += (texts.IGNORED_ACCOMMODATIONS_WARNING,)
    return DryRun(rule_index=rule_index, command=command, result=result, figures=figures, warnings=warnings)


def _kept(result: ConsoleResult) -> ConsoleResult:
    """What the state, the comments and the attached file keep of an output once its figures are read."""
    return replace(
        result,
        stdout=keep_ends(result.stdout, limit=KEPT_OUTPUT_CHARS, cut_line=texts.kept_cut),
        stderr=keep_ends(result.stderr, limit=KEPT_OUTPUT_CHARS, cut_line=texts.kept_cut),
    )


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

    return _each(len(commands), run_one, concurrency=concurrency)


def _each(count: int, run_one: Callable[[int], _Result], *, concurrency: int) -> list[_Result]:
    """`run_one` for each position, one after another or `concurrency` at once; results in order."""
    if concurrency <= 1 or count <= 1:
        return [run_one(position) for position in range(count)]
    with ThreadPoolExecutor(max_workers=min(concurrency, count)) as pool:
        return list(pool.map(run_one, range(count)))
