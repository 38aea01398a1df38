"""French texts built from plans, problems and figures: the one place where user-facing wording lives."""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.domain.command import DEFAULT_CONSOLE, FinalCommand
from bot.domain.model import (
    UNFOLLOWED_INSTRUCTIONS,
    AccommodationConflict,
    Center,
    ConflictDecision,
    Notice,
    Plan,
    Problem,
    Simulation,
)
from bot.domain.synthesis import Synthesis
from bot.texts.markdown import escape_markdown, fenced
from bot.texts.ticket import notice_message, problem_expected, problem_message

FENCE = "```"
# `migrabot demo` from the wheel (Docker image, pip install): the stand-ins stay in the repository.
DEMO_WITHOUT_SANDBOX = (
    "la démo a besoin du bac à sable (le dossier sandbox/ du dépôt), qui n'est pas installé avec le paquet : "
    "lancez « make demo » depuis une copie du dépôt"
)


def code_block(text: str) -> list[str]:
    """`text` in a fenced block whose fence is longer than any run of backticks inside: nothing escapes it."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return [fence, text, fence]


def describe_problem(problem: Problem) -> str:
    """One line: where, what, the line as written, what was expected."""
    where = []
    if problem.line is not None:
        where.append(f"ligne {problem.line}")
    if problem.column is not None:
        where.append(f"colonne {problem.column}")
    text = (", ".join(where).capitalize() + " : " if where else "") + problem_message(problem)
    if problem.source:
        text += f" — « {problem.source} »"
    if expected := problem_expected(problem):
        text += f" — attendu : {expected}"
    return text


def describe_notice(notice: Notice | str) -> str:
    """A ticket's warning in French; a text already written (a lock warning) is kept as it is."""
    if isinstance(notice, str):
        return notice
    return (f"Ligne {notice.line} : " if notice.line is not None else "") + notice_message(notice)


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


def crossing_pairs(plan: Plan) -> list[tuple[int, int]]:
    """(first, second) group numbers, 1-based, of every crossing: the first must be done and checked first."""
    position = {group.origin.id: number for number, group in enumerate(plan.groups, start=1)}
    return [
        (number, position[other_id])
        for number, group in enumerate(plan.groups, start=1)
        for other_id in group.crosses
        if position[other_id] > number
    ]


def crossing_instruction(first: int, second: int) -> str:
    return f"Terminer et vérifier le groupe {first} avant de lancer le groupe {second}, même en prod."


def crossing_notes(plan: Plan) -> list[str]:
    """« Croisement entre … : terminer et vérifier le groupe 1 avant de lancer le groupe 2, même en prod. »"""
    prefix = plan_prefix(plan)
    notes = []
    for first, second in crossing_pairs(plan):
        one, other = plan.groups[first - 1].origin, plan.groups[second - 1].origin
        instruction = crossing_instruction(first, second)
        notes.append(
            f"Croisement entre {short_label(one, prefix)} et {short_label(other, prefix)} : "
            f"{instruction[0].lower()}{instruction[1:]}"
        )
    return notes


def conflict_table(conflicts: Sequence[AccommodationConflict]) -> list[str]:
    """The runbook's problem table, one line per shared accommodation."""
    return ["Centre ID | Hébergement ID | Individus non migrés | Individus migrés"] + [
        f"{c.center_id} | {c.accommodation_id} | {', '.join(map(str, c.not_migrated)) or '—'} | "
        f"{', '.join(map(str, c.migrated)) or '—'}"
        for c in conflicts
    ]


def render_commands(
    plan: Plan,
    *,
    console: str = DEFAULT_CONSOLE,
    crossing_note: Sequence[str] | None = None,
    markdown: bool = False,
) -> str:
    """Runbook step 4: « Centre initial = … (ID …) », then « Commande 1 : » and the command in a code block.

    `crossing_note` replaces the default « Ordre d'exécution » section (the card's final comment words it
    as an instruction). `markdown`: names escaped for Trello."""
    blocks = []
    for group in plan.groups:
        origin = escape_markdown(group.origin.label()) if markdown else group.origin.label()
        lines = [f"Centre initial = {origin}", ""]
        for number, index in enumerate(group.rule_indexes, start=1):
            command = FinalCommand(plan.rules[index]).printable(console)
            lines += [f"Commande {number} :", "", *fenced(command), ""]
        blocks.append("\n".join(lines).rstrip())
    if crossing_note is not None:
        blocks.extend(crossing_note)
    elif notes := crossing_notes(plan):
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


# --- the PO synthesis (runbook step 3, format A) ----------------------------------------------------


def plural(count: int, singular: str, many: str) -> str:
    """French agreement: 0 and 1 take the singular."""
    return f"{count} {singular if abs(count) < 2 else many}"


DECISION_TEXT = {
    ConflictDecision.MIGRATE_ANYWAY: (
        "migrer l'hébergement quand même (les individus non migrés perdent leur hébergement dans le centre d'origine)"
    ),
    ConflictDecision.WITHOUT_ACCOMMODATIONS: (
        "sans hébergements (--withAccommodations retiré des règles concernées ; hébergements à traiter à la main)"
    ),
}


def render_origin_blocks(synthesis: Synthesis) -> list[str]:
    """« Centre d'origine : … - 160 suivis au total » then « → vers CHU 77 (ID 5644) : 41 migrés | reste 119 »."""
    prefix = shared_prefix(
        [o.origin.name or "" for o in synthesis.origins]
        + [p.center.name or "" for p in synthesis.projections]
    )
    blocks = []
    for origin in synthesis.origins:
        lines = [
            f"Centre d'origine : {origin.origin.label()} - {plural(origin.total, 'suivi', 'suivis')} au total"
        ]
        for line in origin.lines:
            lines.append(
                f"→ vers {short_label(line.destination, prefix)} : {plural(line.migrated, 'migré', 'migrés')} | reste {line.remaining}"
            )
        blocks.append("\n".join(lines))
    return blocks


def render_accommodations(simulation: Simulation) -> str:
    rules = simulation.plan.rules
    asked = [run for run in simulation.runs if rules[run.rule_index].with_accommodations]
    conflicts = simulation.conflicts or simulation.decided_conflicts
    if not asked and not conflicts:
        return "Hébergements : non concernés (aucune règle « avec hébergements »)."
    to_migrate = simulation.accommodations_to_migrate
    if not conflicts:
        return f"Hébergements : {plural(to_migrate, 'hébergement migré', 'hébergements migrés')} — aucun conflit détecté."
    counted = f"{plural(to_migrate, 'hébergement à migrer', 'hébergements à migrer')} — " if asked else ""
    lines = [
        f"Hébergements : {counted}"
        f"{plural(len(conflicts), 'conflit détecté', 'conflits détectés')} (hébergements partagés) :"
    ]
    for _, conflict in conflicts:
        lines.append(
            f"- hébergement {conflict.accommodation_id} (centre {conflict.center_id}) : "
            f"non migrés {_ids(conflict.not_migrated)} ; migrés {_ids(conflict.migrated)}"
        )
    decision = DECISION_TEXT.get(simulation.decision) if simulation.decision else None
    lines.append(
        f"Décision : {decision}."
        if decision
        else "Décision : en attente (à trancher avant la validation PO)."
    )
    return "\n".join(lines)


def _ids(ids: Sequence[int]) -> str:
    return ", ".join(str(i) for i in ids) if ids else "aucun"


def render_projection(synthesis: Synthesis) -> str:
    prefix = shared_prefix([p.center.name or "" for p in synthesis.projections])
    lines = ["Projection une fois tous les groupes passés :"]
    for projection in synthesis.projections:
        moves = []
        if projection.outgoing:
            moves.append(f"- {plural(projection.outgoing, 'sortant', 'sortants')}")
        if projection.incoming:
            moves.append(f"+ {plural(projection.incoming, 'entrant', 'entrants')}")
        detail = f" ({', '.join(moves)})" if moves else ""
        lines.append(
            f"- {short_label(projection.center, prefix)} : {projection.before} → {projection.after}{detail}"
        )
    return "\n".join(lines)


def render_synthesis(
    simulation: Simulation, synthesis: Synthesis, *, ticket_warnings: Sequence[Notice | str] = ()
) -> str:
    """The message for the PO: runbook format A, then what the runbook lacks (order, projection, warnings).
    Instructions of the ticket the commands do not follow stand first: nobody may miss them."""
    unfollowed = [w for w in ticket_warnings if isinstance(w, Notice) and w.kind in UNFOLLOWED_INSTRUCTIONS]
    ticket_warnings = [w for w in ticket_warnings if w not in unfollowed]
    parts = [*render_origin_blocks(synthesis), render_accommodations(simulation)]
    if unfollowed:
        parts.insert(
            0, "\n".join(["⚠️ Consignes non suivies :", *(f"- {describe_notice(w)}" for w in unfollowed)])
        )
    notes = crossing_notes(simulation.plan)
    if notes:
        parts.append("\n".join(["Ordre d'exécution :", *(f"- {note}" for note in notes)]))
    parts.append(render_projection(synthesis))
    warnings = [describe_notice(w) for w in ticket_warnings] + list(synthesis.warnings)
    if warnings:
        parts.append("\n".join(["Avertissements :", *(f"- {w}" for w in warnings)]))
    return "\n\n".join(parts) + "\n"


def render_failures(simulation: Simulation) -> str:
    """Plain text for the terminal: which dry-runs failed, in the console's own words."""
    failed = simulation.failed_runs
    lines = [f"La simulation a échoué ({plural(len(failed), 'commande', 'commandes')} en erreur) :"]
    for run in failed:
        lines += ["", f"Commande {run.rule_index + 1} : {run.command}", run.error or "sortie illisible"]
    return "\n".join(lines) + "\n"


def render_conflicts(simulation: Simulation) -> str:
    """Plain text for the terminal: the shared accommodations and the two possible decisions."""
    lines = [render_accommodations(simulation), "", "Deux décisions possibles :"]
    lines += [f"- {text}" for text in DECISION_TEXT.values()]
    lines += [
        "",
        "Écrivez la décision dans le ticket : « Conflit hébergements : migrer quand même » "
        "ou « Conflit hébergements : sans hébergements ».",
    ]
    return "\n".join(lines) + "\n"


def not_utf8(byte: int, offset: int) -> str:
    """The input's first byte that UTF-8 cannot read; positions count from 1, in bytes."""
    return f"l'entrée n'est pas en UTF-8 (octet 0x{byte:02X} à la position {offset + 1})"


SANDBOX_NOT_SHIPPED = (
    "--sandbox : le simulateur de la console Reconnect n'est livré qu'avec les sources de migrabot "
    "(lancez-le depuis une copie du dépôt, après `make`)"
)
