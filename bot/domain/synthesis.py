"""Dry-run figures → what the PO needs: per origin, per destination, count-downs and projections. Pure.

Every dry-run runs against the same preprod state (nothing is written), so each one says « reste N » as if it
ran alone. The count-down applies an origin's migrations one after the other in ticket order (runbook format
B: 160 → 119 → 109 → 90 → 83); the projection adds what comes in from the other groups.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from bot.domain.model import Accommodations, Center, CenterCount, DryRun, Figures, Simulation


@dataclass(frozen=True)
class DestinationLine:
    rule_index: int
    destination: Center
    value: str | None  # None: « tous les dossiers »
    migrated: int
    remaining: int  # the origin's count after this migration alone


@dataclass(frozen=True)
class Incoming:
    rule_index: int
    origin: Center
    count: int


@dataclass(frozen=True)
class OriginSummary:
    origin: Center
    total: int
    lines: tuple[DestinationLine, ...]
    countdown: tuple[int, ...]  # total, then after each migration in ticket order
    incoming: tuple[Incoming, ...]

    @property
    def final(self) -> int:
        return self.countdown[-1] + sum(item.count for item in self.incoming)


@dataclass(frozen=True)
class Projection:
    center: Center
    before: int
    outgoing: int
    incoming: int

    @property
    def after(self) -> int:
        return self.before - self.outgoing + self.incoming


@dataclass(frozen=True)
class CountChange:
    """A centre counted differently by two dry-runs: preprod's data changed while the simulation ran."""

    center_id: int
    first: int
    second: int


@dataclass(frozen=True)
class Synthesis:
    origins: tuple[OriginSummary, ...]
    projections: tuple[Projection, ...]
    warnings: tuple[str, ...]  # the runs' own warnings (`bot.texts.text.synthesis_warnings` adds the rest)
    count_changes: tuple[CountChange, ...] = ()


def summarize(simulation: Simulation) -> Synthesis:
    """Only complete simulations have a synthesis: a failed run has no figures to add up."""
    plan = simulation.plan
    runs = {run.rule_index: run for run in simulation.runs if run.ok}
    names = _console_names(simulation)
    warnings = [warning for run in simulation.runs for warning in run.warnings]
    changes: list[CountChange] = []
    before: dict[int, int] = {}

    def remember(count: CenterCount) -> None:
        known = before.setdefault(count.id, count.before)
        if known != count.before:
            changes.append(CountChange(count.id, known, count.before))

    origins = []
    for group in plan.groups:
        lines = []
        for index in group.rule_indexes:
            figures = runs[index].figures
            assert figures is not None
            remember(figures.origin)
            remember(figures.destination)
            rule = plan.rules[index]
            lines.append(
                DestinationLine(
                    rule_index=index,
                    destination=_named(rule.destination, names),
                    value=rule.value,
                    migrated=figures.origin.moved,
                    remaining=figures.origin.after,
                )
            )
        total = before[group.origin.id]
        countdown = [total]
        for line in lines:
            countdown.append(countdown[-1] - line.migrated)
        incoming = tuple(
            Incoming(
                rule_index=index,
                origin=_named(rule.origin, names),
                count=runs[index].figures.destination.moved,
            )
            for index, rule in enumerate(plan.rules)
            if rule.destination.id == group.origin.id and index in runs
        )
        origins.append(
            OriginSummary(
                origin=_named(group.origin, names),
                total=total,
                lines=tuple(lines),
                countdown=tuple(countdown),
                incoming=incoming,
            )
        )
    return Synthesis(
        origins=tuple(origins),
        projections=_projections(simulation, names, before),
        warnings=tuple(warnings),
        count_changes=tuple(changes),
    )


def _projections(
    simulation: Simulation, names: dict[int, str], before: dict[int, int]
) -> tuple[Projection, ...]:
    outgoing: dict[int, int] = {}
    incoming: dict[int, int] = {}
    order: dict[int, Center] = {}
    for run in simulation.runs:
        if not run.ok or run.figures is None:
            continue
        rule = simulation.plan.rules[run.rule_index]
        order.setdefault(rule.origin.id, _named(rule.origin, names))
        order.setdefault(rule.destination.id, _named(rule.destination, names))
        outgoing[rule.origin.id] = outgoing.get(rule.origin.id, 0) + run.figures.origin.moved
        incoming[rule.destination.id] = incoming.get(rule.destination.id, 0) + run.figures.destination.moved
    return tuple(
        Projection(
            center=center,
            before=before[center_id],
            outgoing=outgoing.get(center_id, 0),
            incoming=incoming.get(center_id, 0),
        )
        for center_id, center in order.items()
    )


def _console_names(simulation: Simulation) -> dict[int, str]:
    """The console's « Centre Nom » is the truth; the ticket's names are what people typed."""
    names: dict[int, str] = {}
    for run in simulation.runs:
        if run.figures:
            names.setdefault(run.figures.origin.id, run.figures.origin.name)
            names.setdefault(run.figures.destination.id, run.figures.destination.name)
    return names


def _named(center: Center, names: dict[int, str]) -> Center:
    return Center(center.id, names.get(center.id) or center.name)


# --- accommodations of the people a rule moves without --withAccommodations -------------------------


@dataclass(frozen=True)
class Detachment:
    """Runbook « Comportement sans --withAccommodations »: the people a rule moves are detached from their
    accommodation, which stays in the origin centre. The accommodation check measures how many."""

    rule_index: int
    origin: Center
    destination: Center
    migrated: int  # files the rule moves (its own dry-run)
    accommodations: int | None  # of the people who move; None: not measured
    shared: tuple[int, ...] = ()  # accommodation ids also holding people who stay
    failure: str | None = None  # why it was not measured, in the console's words; None: not run at all

    @property
    def measured(self) -> bool:
        return self.accommodations is not None


def detachments(simulation: Simulation) -> tuple[Detachment, ...]:
    """One per rule written without « avec hébergements », in plan order. Rules that lost the option through
    the « sans hébergements » decision are left out: their accommodations are already told as a conflict."""
    decided = {index for index, _ in simulation.decided_conflicts}
    runs = {run.rule_index: run for run in simulation.runs if run.ok}
    checks = {check.rule_index: check for check in simulation.accommodation_checks or ()}
    names = _console_names(simulation)
    return tuple(
        _detachment(index, simulation, runs[index].figures, checks.get(index), names)
        for index, rule in enumerate(simulation.plan.rules)
        if not rule.with_accommodations and index not in decided and index in runs
    )


def _detachment(
    index: int, simulation: Simulation, figures: Figures | None, check: DryRun | None, names: dict[int, str]
) -> Detachment:
    rule = simulation.plan.rules[index]
    assert figures is not None
    found = check.figures.accommodations if check is not None and check.ok and check.figures else None
    if not figures.origin.moved:  # nobody moves, nobody is detached: known without a check
        found, check = Accommodations(to_migrate=0), None
    return Detachment(
        rule_index=index,
        origin=_named(rule.origin, names),
        destination=_named(rule.destination, names),
        migrated=figures.origin.moved,
        accommodations=None if found is None else found.to_migrate,
        shared=() if found is None else tuple(c.accommodation_id for c in found.conflicts),
        failure=None if check is None or check.not_run or found is not None else check.error,
    )


def detached_total(items: Sequence[Detachment]) -> int:
    """Accommodations left behind by all the rules together. An accommodation shared by the people of two
    rules of one origin is counted by each rule's check (each ran alone): it is counted once here."""
    shared = Counter(
        (item.origin.id, accommodation) for item in items if item.measured for accommodation in item.shared
    )
    repeated = sum(count - 1 for count in shared.values())
    return sum(item.accommodations or 0 for item in items) - repeated
