"""After a person ran a group's final commands: did they do what the approved simulation promised? Pure.

The group's commands are run again with `--dry-run`. After a correct run every rule finds nothing left to
move, and each centre the group touches counts what the simulation projected once this group and the ones
before it have run (origin: before − moved + what earlier groups sent in; destination: before + received).
On prod the bot has no projection (the simulation counted preprod's files): only « nothing left to move »
is checked there, and the counts found are reported.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.domain.model import Center, DryRun, Simulation
from bot.domain.near_miss import finds_nothing

PREPROD, PROD = "Preprod", "Prod"
# The checklist's item names, as `texts.card.execution_checklist` writes them.
GROUP_ITEM = re.compile(
    r"^(?P<environment>Preprod|Prod) — groupe (?P<number>\d+)\s:\s"
)  # \s: a no-break space too
CHECK_ITEM = re.compile(r"^(?P<environment>Preprod|Prod) — vérifier le groupe (?P<number>\d+)\b")


@dataclass(frozen=True)
class ItemRef:
    """A checklist item the execution loop reads: which environment, which group (1-based), which kind."""

    environment: str
    group: int
    is_check: bool


def read_item(name: str) -> ItemRef | None:
    for pattern, is_check in ((GROUP_ITEM, False), (CHECK_ITEM, True)):
        found = pattern.match(name)
        if found:
            return ItemRef(found["environment"], int(found["number"]), is_check)
    return None


@dataclass(frozen=True)
class RuleLeft:
    rule_index: int
    left: int  # files the rule still finds


@dataclass(frozen=True)
class CentreCount:
    center: Center
    expected: int | None  # None on prod: no projection
    found: int

    @property
    def ok(self) -> bool:
        return self.expected is None or self.expected == self.found


@dataclass(frozen=True)
class GroupVerification:
    environment: str
    group: int  # 1-based
    rules_left: tuple[RuleLeft, ...]  # every rule of the group, with what it still finds
    centres: tuple[CentreCount, ...]
    failures: tuple[DryRun, ...]  # dry-runs that failed or could not be read
    # Rules that found no file at the simulation already: they had nothing to do, which is not « OK ».
    nothing_to_do: tuple[int, ...] = ()

    @property
    def all_nothing_to_do(self) -> bool:
        return bool(self.rules_left) and {r.rule_index for r in self.rules_left} <= set(self.nothing_to_do)

    @property
    def ok(self) -> bool:
        return (
            not self.failures
            and all(r.left == 0 for r in self.rules_left)
            and all(c.ok for c in self.centres)
        )

    @property
    def still_moving(self) -> tuple[RuleLeft, ...]:
        return tuple(rule for rule in self.rules_left if rule.left)

    @property
    def differing(self) -> tuple[CentreCount, ...]:
        return tuple(centre for centre in self.centres if not centre.ok)


def projected_counts(simulation: Simulation, *, through_group: int) -> dict[int, int]:
    """Each centre's count once groups 1..`through_group` have run, in plan order, from the dry-runs' figures."""
    counts: dict[int, int] = {}
    for run in simulation.runs:
        if run.figures is not None:
            counts.setdefault(run.figures.origin.id, run.figures.origin.before)
            counts.setdefault(run.figures.destination.id, run.figures.destination.before)
    runs = {run.rule_index: run for run in simulation.runs}
    for group in simulation.plan.groups[:through_group]:
        for index in group.rule_indexes:
            figures = runs[index].figures
            assert figures is not None, "an approved simulation has figures for every rule"
            counts[figures.origin.id] -= figures.origin.moved
            counts[figures.destination.id] += figures.destination.moved
    return counts


def verify_group(
    simulation: Simulation, *, environment: str, group: int, runs: tuple[DryRun, ...]
) -> GroupVerification:
    """`runs`: the group's rules dry-run again after the person's run (`group` is 1-based)."""
    expected = projected_counts(simulation, through_group=group) if environment == PREPROD else {}
    failures = tuple(run for run in runs if not run.ok)
    rules_left = []
    found: dict[int, tuple[Center, int]] = {}
    for run in runs:
        if run.figures is None:
            continue
        rules_left.append(RuleLeft(run.rule_index, run.figures.origin.moved))
        for count in (run.figures.origin, run.figures.destination):
            found.setdefault(count.id, (Center(count.id, count.name), count.before))
    centres = tuple(
        CentreCount(center=center, expected=expected.get(center_id), found=count)
        for center_id, (center, count) in found.items()
    )
    simulated = {run.rule_index: run for run in simulation.runs}
    return GroupVerification(
        environment=environment,
        group=group,
        rules_left=tuple(rules_left),
        centres=centres,
        failures=failures,
        nothing_to_do=tuple(
            run.rule_index
            for run in runs
            if run.rule_index in simulated and finds_nothing(simulated[run.rule_index])
        ),
    )
