"""French texts built from plans, problems and figures: the one place where user-facing wording lives."""

from __future__ import annotations

from collections.abc import Sequence

from bot.console.command import DEFAULT_CONSOLE, FinalCommand
from bot.model import Center, Notice, Plan, Problem

FENCE = "```"


def describe_problem(problem: Problem) -> str:
    """One line: where, what, the line as written, what was expected."""
    where = []
    if problem.line is not None:
        where.append(f"ligne {problem.line}")
    if problem.column is not None:
        where.append(f"colonne {problem.column}")
    text = (", ".join(where).capitalize() + " : " if where else "") + problem.message
    if problem.source:
        text += f" — « {problem.source} »"
    if problem.expected:
        text += f" — attendu : {problem.expected}"
    return text


def describe_notice(notice: Notice) -> str:
    return (f"Ligne {notice.line} : " if notice.line is not None else "") + notice.message


def shared_prefix(names: Sequence[str]) -> str:
    """The « France Fraternités - » every centre's name starts with, so lines can say « CHU 77 »."""
    named = [name for name in names if name]
    if len(named) < 2:
        return ""
    first_parts = named[0].split(" - ")
    prefix = ""
    for count in range(len(first_parts) - 1, 0, -1):
        candidate = " - ".join(first_parts[:count]) + " - "
        if all(name.startswith(candidate) and len(name) > len(candidate) for name in named):
            prefix = candidate
            break
    return prefix


def short_label(center: Center, prefix: str) -> str:
    """« CHU 77 (ID 5644) » once the shared prefix is dropped."""
    name = center.name or ""
    if prefix and name.startswith(prefix):
        name = name[len(prefix) :]
    return f"{name} (ID {center.id})" if name else f"(ID {center.id})"


def plan_prefix(plan: Plan) -> str:
    names = [rule.origin.name or "" for rule in plan.rules] + [
        rule.destination.name or "" for rule in plan.rules
    ]
    return shared_prefix(names)


def crossing_notes(plan: Plan) -> list[str]:
    """« Terminer et vérifier le groupe 1 avant de lancer le groupe 2, même en prod. » for each crossing."""
    prefix = plan_prefix(plan)
    position = {group.origin.id: number for number, group in enumerate(plan.groups, start=1)}
    notes = []
    for number, group in enumerate(plan.groups, start=1):
        for other_id in group.crosses:
            other_number = position[other_id]
            if other_number <= number:
                continue
            other = plan.groups[other_number - 1]
            notes.append(
                f"Croisement entre {short_label(group.origin, prefix)} et {short_label(other.origin, prefix)} : "
                f"terminer et vérifier le groupe {number} avant de lancer le groupe {other_number}, même en prod."
            )
    return notes


def render_commands(plan: Plan, *, console: str = DEFAULT_CONSOLE) -> str:
    """Runbook step 4: « Centre initial = … (ID …) », then « Commande 1 : » and the command in a code block."""
    blocks = []
    for group in plan.groups:
        lines = [f"Centre initial = {group.origin.label()}", ""]
        for number, index in enumerate(group.rule_indexes, start=1):
            command = FinalCommand(plan.rules[index]).printable(console)
            lines += [f"Commande {number} :", "", FENCE, command, FENCE, ""]
        blocks.append("\n".join(lines).rstrip())
    notes = crossing_notes(plan)
    if notes:
        blocks.append("\n".join(["Ordre d'exécution :", *(f"- {note}" for note in notes)]))
    return "\n\n".join(blocks) + "\n"


def render_parse_report(
    *, plan: Plan | None, errors: Sequence[Problem], warnings: Sequence[Notice], console: str
) -> str:
    """What `migrabot parse` prints: the commands, or the errors; warnings in both cases."""
    parts = []
    if errors:
        parts.append(
            "Le ticket ne peut pas être transformé en commandes :\n"
            + "\n".join(f"- {describe_problem(p)}" for p in errors)
        )
    elif plan is not None:
        parts.append(render_commands(plan, console=console).rstrip())
    if warnings:
        parts.append("Avertissements :\n" + "\n".join(f"- {describe_notice(w)}" for w in warnings))
    return "\n\n".join(parts) + "\n"
