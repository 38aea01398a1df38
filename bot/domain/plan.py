"""Rules → groups by origin, crossings, order and the plan's fingerprint. Pure."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import replace

from bot.domain.model import Group, Notice, NoticeKind, Plan, Rule, Ticket


def build_plan(rules: Sequence[Rule], *, field_slug: str) -> Plan:
    """Groups in the ticket's order of first appearance; each group's rules in ticket order."""
    indexes_by_origin: dict[int, list[int]] = {}
    origins = {}
    for index, rule in enumerate(rules):
        indexes_by_origin.setdefault(rule.origin.id, []).append(index)
        origins.setdefault(rule.origin.id, rule.origin)
    sends_to = {
        origin: {rules[i].destination.id for i in indexes} for origin, indexes in indexes_by_origin.items()
    }
    groups = tuple(
        Group(
            origin=origins[origin],
            rule_indexes=tuple(indexes),
            crosses=tuple(
                other
                for other in indexes_by_origin
                if other != origin and other in sends_to[origin] and origin in sends_to[other]
            ),
        )
        for origin, indexes in indexes_by_origin.items()
    )
    return Plan(
        rules=tuple(rules),
        groups=groups,
        plan_fingerprint=plan_fingerprint(rules, field_slug=field_slug),
        field_slug=field_slug,
    )


def plan_fingerprint(rules: Sequence[Rule], *, field_slug: str) -> str:
    """Stable hash of what the commands do (not of how the ticket is worded): 16 hex digits."""
    canonical = json.dumps(
        {"field_slug": field_slug, "rules": [list(rule.semantic_key()) for rule in rules]},
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]


def without_accommodations(plan: Plan, rule_indexes: Sequence[int]) -> Plan:
    """The « sans hébergements » decision: the rules concerned lose --withAccommodations."""
    concerned = set(rule_indexes)
    rules = tuple(
        replace(rule, with_accommodations=False) if index in concerned else rule
        for index, rule in enumerate(plan.rules)
    )
    return build_plan(rules, field_slug=plan.field_slug)


def with_accommodations(plan: Plan, rule_indexes: Sequence[int]) -> Plan:
    """The accommodation check's plan: the rules concerned gain --withAccommodations (for dry-runs only)."""
    concerned = set(rule_indexes)
    rules = tuple(
        replace(rule, with_accommodations=True) if index in concerned else rule
        for index, rule in enumerate(plan.rules)
    )
    return build_plan(rules, field_slug=plan.field_slug)


def accommodation_check_indexes(plan: Plan) -> tuple[int, ...]:
    """The rules the accommodation check dry-runs again with --withAccommodations: those without it."""
    return tuple(index for index, rule in enumerate(plan.rules) if not rule.with_accommodations)


def plan_centres(plan: Plan) -> set[int]:
    """Every centre a plan touches, origins and destinations."""
    return {centre for rule in plan.rules for centre in (rule.origin.id, rule.destination.id)}


def chain_warnings(plan: Plan) -> list[Notice]:
    """Files sent to a centre whose own group runs later with a rule on the same field and value would move
    twice (A → B, then B → C): the dry-runs, all made on today's data, cannot show it."""
    position = {group.origin.id: number for number, group in enumerate(plan.groups)}
    warnings = []
    for rule in plan.rules:
        later = position.get(rule.destination.id, -1) > position[rule.origin.id]
        if not later or rule.no_field:
            continue
        for other in plan.rules:
            if other.origin.id == rule.destination.id and (other.field, other.value) == (
                rule.field,
                rule.value,
            ):
                warnings.append(
                    Notice(
                        NoticeKind.MOVES_TWICE,
                        line=rule.line,
                        params={
                            "value": rule.value,
                            "origin": rule.origin.id,
                            "destination": rule.destination.id,
                            "other_line": other.line,
                            "other_destination": other.destination.id,
                        },
                    )
                )
    return warnings


def plan_ticket(ticket: Ticket, *, field_slug: str) -> tuple[Plan, Ticket]:
    """The plan of a valid ticket, and the ticket with the plan's own warnings added to its warnings."""
    plan = build_plan(ticket.rules, field_slug=field_slug)
    return plan, replace(ticket, warnings=(*ticket.warnings, *chain_warnings(plan)))
