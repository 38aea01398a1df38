"""Simulations to plain dicts and back, to keep them in the state database across restarts. Pure."""

from __future__ import annotations

from bot.domain.model import (
    AccommodationConflict,
    Accommodations,
    Center,
    CenterCount,
    ConflictDecision,
    ConsoleResult,
    DryRun,
    Figures,
    Group,
    NearMiss,
    Plan,
    Rule,
    Simulation,
    VariantKind,
)


def simulation_to_dict(simulation: Simulation) -> dict:
    plan = simulation.plan
    return {
        "plan": {
            "rules": [_rule(rule) for rule in plan.rules],
            "groups": [
                {
                    "origin": _center(g.origin),
                    "rule_indexes": list(g.rule_indexes),
                    "crosses": list(g.crosses),
                }
                for g in plan.groups
            ],
            "fingerprint": plan.plan_fingerprint,
            "field_slug": plan.field_slug,
        },
        "runs": [_run(run) for run in simulation.runs],
        "decision": simulation.decision.value if simulation.decision else None,
        "decided_conflicts": [
            [index, conflict_dict(conflict)] for index, conflict in simulation.decided_conflicts
        ],
        "accommodation_checks": None
        if simulation.accommodation_checks is None
        else [_run(run) for run in simulation.accommodation_checks],
        "near_misses": [
            {
                "rule_index": m.rule_index,
                "value": m.value,
                "kind": m.kind.value,
                "found": m.found,
                "run": None if m.run is None else _run(m.run),
            }
            for m in simulation.near_misses
        ],
    }


def simulation_from_dict(data: dict) -> Simulation:
    plan_data = data["plan"]
    plan = Plan(
        rules=tuple(_rule_back(rule) for rule in plan_data["rules"]),
        groups=tuple(
            Group(
                origin=_center_back(g["origin"]),
                rule_indexes=tuple(g["rule_indexes"]),
                crosses=tuple(g["crosses"]),
            )
            for g in plan_data["groups"]
        ),
        plan_fingerprint=plan_data["fingerprint"],  # the stored key stays: older databases read
        field_slug=plan_data["field_slug"],
    )
    decision = ConflictDecision(data["decision"]) if data.get("decision") else None
    return Simulation(
        plan=plan,
        runs=tuple(_run_back(run) for run in data["runs"]),
        decision=decision,
        decided_conflicts=tuple((index, _conflict_back(c)) for index, c in data.get("decided_conflicts", [])),
        accommodation_checks=_checks_back(data.get("accommodation_checks")),
        near_misses=tuple(  # none in simulations stored before the near-miss search existed
            NearMiss(
                m["rule_index"],
                m["value"],
                VariantKind(m["kind"]),
                m["found"],
                run=_run_back(m["run"]) if m.get("run") else None,  # none stored before they were shown
            )
            for m in data.get("near_misses", [])
        ),
    )


def _checks_back(data: list[dict] | None) -> tuple[DryRun, ...] | None:
    """Simulations stored before the accommodation check existed have none: « not measured »."""
    return None if data is None else tuple(_run_back(run) for run in data)


def _center(center: Center) -> dict:
    return {"id": center.id, "name": center.name}


def _center_back(data: dict) -> Center:
    return Center(id=data["id"], name=data["name"])


def _rule(rule: Rule) -> dict:
    return {
        "origin": _center(rule.origin),
        "destination": _center(rule.destination),
        "field": rule.field,
        "value": rule.value,
        "with_deleted": rule.with_deleted,
        "with_accommodations": rule.with_accommodations,
        "line": rule.line,
    }


def _rule_back(data: dict) -> Rule:
    return Rule(
        origin=_center_back(data["origin"]),
        destination=_center_back(data["destination"]),
        field=data["field"],
        value=data["value"],
        with_deleted=data["with_deleted"],
        with_accommodations=data["with_accommodations"],
        line=data["line"],
    )


def _count(count: CenterCount | None) -> dict | None:
    if count is None:
        return None
    return {
        "id": count.id,
        "name": count.name,
        "before": count.before,
        "after": count.after,
        "moved": count.moved,
    }


def _count_back(data: dict | None) -> CenterCount | None:
    return CenterCount(**data) if data else None


def _run(run: DryRun) -> dict:
    figures = run.figures
    accommodations = figures.accommodations if figures else None
    return {
        "rule_index": run.rule_index,
        "command": run.command,
        "result": {
            "exit_code": run.result.exit_code,
            "stdout": run.result.stdout,
            "stderr": run.result.stderr,
            "duration_s": run.result.duration_s,
            "timed_out": run.result.timed_out,
            "start_error": run.result.start_error,
        },
        "figures": None
        if figures is None
        else {
            "origin": _count(figures.origin),
            "destination": _count(figures.destination),
            "accommodations": None
            if accommodations is None
            else {
                "to_migrate": accommodations.to_migrate,
                "conflicts": [conflict_dict(c) for c in accommodations.conflicts],
            },
        },
        "error": run.error,
        "warnings": list(run.warnings),
        "not_run": run.not_run,
    }


def _run_back(data: dict) -> DryRun:
    figures_data = data["figures"]
    figures = None
    if figures_data is not None:
        accommodations_data = figures_data["accommodations"]
        accommodations = None
        if accommodations_data is not None:
            accommodations = Accommodations(
                to_migrate=accommodations_data["to_migrate"],
                conflicts=tuple(_conflict_back(c) for c in accommodations_data["conflicts"]),
            )
        origin = _count_back(figures_data["origin"])
        destination = _count_back(figures_data["destination"])
        assert origin is not None and destination is not None
        figures = Figures(origin=origin, destination=destination, accommodations=accommodations)
    return DryRun(
        rule_index=data["rule_index"],
        command=data["command"],
        result=ConsoleResult(**data["result"]),
        figures=figures,
        error=data["error"],
        warnings=tuple(data["warnings"]),
        not_run=data.get("not_run", False),
    )


def conflict_dict(conflict: AccommodationConflict) -> dict:
    return {
        "center_id": conflict.center_id,
        "accommodation_id": conflict.accommodation_id,
        "not_migrated": list(conflict.not_migrated),
        "migrated": list(conflict.migrated),
    }


def _conflict_back(data: dict) -> AccommodationConflict:
    return AccommodationConflict(
        center_id=data["center_id"],
        accommodation_id=data["accommodation_id"],
        not_migrated=tuple(data["not_migrated"]),
        migrated=tuple(data["migrated"]),
    )
