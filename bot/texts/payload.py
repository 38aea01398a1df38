"""The JSON documents printed by `--json`: one shape per command, built from model values. Pure."""

from __future__ import annotations

from collections.abc import Sequence

from bot.domain.codec import conflict_dict
from bot.domain.command import DEFAULT_CONSOLE, FinalCommand
from bot.domain.model import DryRun, NearMiss, Notice, Plan, Problem, Rule, Simulation
from bot.domain.near_miss import finds_nothing, zero_match_indexes
from bot.texts.text import describe_problem
from bot.texts.ticket import notice_message


def rule_payload(rule: Rule, *, console: str = DEFAULT_CONSOLE) -> dict:
    return {
        "origin_id": rule.origin.id,
        "origin_name": rule.origin.name,
        "destination_id": rule.destination.id,
        "destination_name": rule.destination.name,
        "field": rule.field,
        "value": rule.value,
        "no_field": rule.no_field,
        "with_deleted": rule.with_deleted,
        "with_accommodations": rule.with_accommodations,
        "line": rule.line,
        "command": FinalCommand(rule).printable(console),
    }


def problem_payload(problem: Problem) -> dict:
    return {"line": problem.line, "column": problem.column, "message": describe_problem(problem)}


def notice_payload(notice: Notice) -> dict:
    return {"line": notice.line, "message": notice_message(notice)}


def parse_payload(
    *,
    plan: Plan | None,
    errors: Sequence[Problem],
    warnings: Sequence[Notice],
    console: str = DEFAULT_CONSOLE,
) -> dict:
    """`migrabot parse --json`; a ticket with errors has no rules nor groups."""
    usable = plan if not errors else None
    return {
        "ok": not errors,
        "rules": [rule_payload(rule, console=console) for rule in usable.rules] if usable else [],
        "groups": [
            {"origin_id": group.origin.id, "rules": list(group.rule_indexes), "crosses": list(group.crosses)}
            for group in (usable.groups if usable else ())
        ],
        "fingerprint": plan.plan_fingerprint if plan else "",
        "errors": [problem_payload(problem) for problem in errors],
        "warnings": [notice_payload(notice) for notice in warnings],
    }


def run_payload(run: DryRun, *, near_misses: Sequence[NearMiss] = ()) -> dict:
    """One dry-run; `finds_nothing` (the rule moves nobody) and the near misses tried for it."""
    figures = run.figures
    accommodations = figures.accommodations if figures else None
    return {
        "rule": run.rule_index,
        "command": run.command,
        "exit_code": run.result.exit_code,
        "duration_s": round(run.result.duration_s, 3),
        "origin": None
        if figures is None
        else {
            "id": figures.origin.id,
            "name": figures.origin.name,
            "before": figures.origin.before,
            "after": figures.origin.after,
            "migrated": figures.origin.moved,
        },
        "destination": None
        if figures is None
        else {
            "id": figures.destination.id,
            "name": figures.destination.name,
            "before": figures.destination.before,
            "after": figures.destination.after,
            "incoming": figures.destination.moved,
        },
        "accommodations": None
        if accommodations is None
        else {
            "to_migrate": accommodations.to_migrate,
            "conflicts": [conflict_dict(c) for c in accommodations.conflicts],
        },
        "error": run.error,
        "finds_nothing": finds_nothing(run),
        "near_misses": [
            {"value": m.value, "kind": m.kind.value, "found": m.found}
            for m in near_misses
            if m.rule_index == run.rule_index
        ],
    }


def simulate_payload(
    *,
    simulation: Simulation | None,
    errors: Sequence[Problem],
    warnings: Sequence[str],
    message: str,
    console: str = DEFAULT_CONSOLE,
) -> dict:
    """`migrabot simulate --json`."""
    plan = simulation.plan if simulation else None
    return {
        "ok": simulation is not None
        and simulation.ok
        and not simulation.awaits_decision
        and not zero_match_indexes(simulation)
        and not errors,
        "fingerprint": plan.plan_fingerprint if plan else "",
        "rules": [rule_payload(rule, console=console) for rule in plan.rules] if plan else [],
        "runs": [run_payload(run, near_misses=simulation.near_misses) for run in simulation.runs]
        if simulation
        else [],
        "accommodation_checks": _checks_payload(simulation),
        "warnings": list(warnings),
        "errors": [problem_payload(problem) for problem in errors],
        "message": message,
    }


def _checks_payload(simulation: Simulation | None) -> list[dict] | None:
    """The accommodation check's dry-runs (rules without --withAccommodations, run again with it); null when
    it was not made (turned off, or the simulation failed)."""
    if simulation is None or simulation.accommodation_checks is None:
        return None
    return [run_payload(check) for check in simulation.accommodation_checks]
