"""The value the card probably meant: variants of each zero-match rule's value, dry-run on the same console.

Called after a complete simulation (`look_for_near_misses`). Each variant is the rule's own dry-run command
with only the value changed: the same runner, transport and breaker as the rules' dry-runs, `--dry-run` by
construction (`DryRunCommand`), the value one literal argument. Bounded: at most `per_rule` variants per rule
and `per_card` in all, never for a rule that found files. Variants go in layers (every rule's most likely
variant first, then the next), so that one rule cannot use up the card's budget, and a rule stops being
searched once a variant finds files.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from bot.app.ports import Console
from bot.app.simulation import Breaker, interpret, run_until_broken
from bot.domain.command import DryRunCommand
from bot.domain.console_output import keep_ends
from bot.domain.model import DryRun, NearMiss, Simulation, VariantKind
from bot.domain.near_miss import variants, zero_match_indexes
from bot.texts.console import kept_cut

NEAR_MISS_TRIES_PER_CARD = 20  # the card's bound, whatever NEAR_MISS_TRIES says per rule
KEPT_TRY_CHARS = 8_192  # of each stream of a try's output, what the state and the console outputs keep

NearMissProgress = Callable[[int, int, str], None]  # (number, at most, the variant's value)


@dataclass(frozen=True)
class NearMissBudget:
    per_rule: int  # NEAR_MISS_TRIES; 0: no search
    card_text: str = ""  # the card's own words: where accents are found back
    per_card: int = NEAR_MISS_TRIES_PER_CARD


def look_for_near_misses(
    simulation: Simulation,
    console: Console,
    *,
    budget: NearMissBudget,
    console_command: str,
    concurrency: int = 1,
    progress: NearMissProgress | None = None,
) -> Simulation:
    """`simulation` with `near_misses`: every variant dry-run, with what it found."""
    queues = _queues(simulation, budget)
    if not queues or not simulation.ok:
        return simulation
    at_most = min(budget.per_card, sum(len(queue) for queue in queues.values()))
    breaker = Breaker()
    misses: list[NearMiss] = []
    layer = 0
    while len(misses) < at_most and not breaker.open:
        done = {miss.rule_index for miss in misses if miss.found}
        batch = [(index, queue[layer]) for index, queue in queues.items() if len(queue) > layer]
        batch = [(index, variant) for index, variant in batch if index not in done][: at_most - len(misses)]
        if not batch:
            break
        misses += _run_layer(
            simulation,
            console,
            batch,
            breaker=breaker,
            console_command=console_command,
            concurrency=concurrency,
            on_start=None if progress is None else _counted(progress, offset=len(misses), at_most=at_most),
        )
        layer += 1
    return replace(simulation, near_misses=tuple(misses))


def _queues(simulation: Simulation, budget: NearMissBudget) -> dict[int, list[tuple[str, VariantKind]]]:
    """Each zero-match rule with a value: its first `per_rule` variants, most likely first."""
    if budget.per_rule <= 0 or budget.per_card <= 0:
        return {}
    queues = {}
    for index in zero_match_indexes(simulation):
        value = simulation.plan.rules[index].value
        if value is not None:
            found = variants(value, card_text=budget.card_text)[: budget.per_rule]
            if found:
                queues[index] = list(found)
    return queues


def _run_layer(
    simulation: Simulation,
    console: Console,
    batch: list[tuple[int, tuple[str, VariantKind]]],
    *,
    breaker: Breaker,
    console_command: str,
    concurrency: int,
    on_start: Callable[[int, str], None] | None,
) -> list[NearMiss]:
    rules = [replace(simulation.plan.rules[index], value=value) for index, (value, _) in batch]
    commands = [DryRunCommand.of(rule) for rule in rules]
    results = run_until_broken(
        console,
        commands,
        concurrency=concurrency,
        breaker=breaker,
        on_start=None if on_start is None else lambda position, _: on_start(position, batch[position][1][0]),
    )
    misses = []
    for (index, (value, kind)), rule, command, result in zip(batch, rules, commands, results, strict=True):
        if result is None:
            continue  # never started: the breaker opened
        run = interpret(
            rule_index=index, rule=rule, command=command.printable(console_command), result=result
        )
        found = run.figures.origin.moved if run.ok and run.figures is not None else None
        misses.append(NearMiss(rule_index=index, value=value, kind=kind, found=found, run=_kept(run)))
    return misses


def _kept(run: DryRun) -> DryRun:
    """A try's output, shorter than a rule's (up to 20 tries a card): shown with the console outputs, kept in
    the state with the simulation."""
    result = run.result
    return replace(
        run,
        result=replace(
            result,
            stdout=keep_ends(result.stdout, limit=KEPT_TRY_CHARS, cut_line=kept_cut),
            stderr=keep_ends(result.stderr, limit=KEPT_TRY_CHARS, cut_line=kept_cut),
        ),
    )


def _counted(progress: NearMissProgress, *, offset: int, at_most: int) -> Callable[[int, str], None]:
    return lambda position, value: progress(offset + position + 1, at_most, value)
