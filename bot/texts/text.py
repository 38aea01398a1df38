"""French texts built from plans, problems and figures: the one place where user-facing wording lives."""

from __future__ import annotations

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
from bot.domain.synthesis import CountChange, Detachment, Synthesis, detached_total, detachments
from bot.texts.french import french, plural, typeset
from bot.texts.markdown import escape_markdown, fenced
from bot.texts.ticket import notice_message, problem_expected, problem_message

FENCE = "```"
# The ticket lines that settle an accommodation conflict: people copy them into the card, as they are.
DECISION_LINES = ("Conflit hébergements : migrer quand même", "Conflit hébergements : sans hébergements")
# `migrabot demo` from the wheel (Docker image, pip install): the stand-ins stay in the repository.
DEMO_WITHOUT_SANDBOX = french(
    "la démo a besoin du bac à sable (le dossier sandbox/ du dépôt), qui n'est pas installé avec le paquet : "
    "lancez « {command} » depuis une copie du dépôt",
    command="make demo",
)


def short_fingerprint(description_hash: str) -> str:
    """The one fingerprint people see, on the card, in Slack and in the workbook: what the decision is about."""
    return description_hash[:8]


def write_decision(lead: str) -> str:
    """`lead` (prose) then the two ticket lines a person may copy, quoted, their bytes untouched."""
    return typeset(lead) + french(
        "« {migrate} » ou « {without} ».", migrate=DECISION_LINES[0], without=DECISION_LINES[1]
    )


def describe_problem(problem: Problem) -> str:
    """One line: where, what, the line as written, what was expected."""
    where = []
    if problem.line is not None:
        where.append(f"ligne {problem.line}")
    if problem.column is not None:
        where.append(f"colonne {problem.column}")
    text = (", ".join(where).capitalize() + typeset(" : ") if where else "") + problem_message(problem)
    if problem.source:
        text += french(" — « {source} »", source=problem.source)
    if expected := problem_expected(problem):
        text += french(" — attendu : {expected}", expected=expected)
    return text


def describe_notice(notice: Notice | str) -> str:
    """A ticket's warning in French; a text already written (a lock warning) is kept as it is."""
    if isinstance(notice, str):
        return notice
    return (french("Ligne {line} : ", line=notice.line) if notice.line is not None else "") + notice_message(
        notice
    )


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
            french(
                "Croisement entre {one} et {other} : {instruction}",
                one=short_label(one, prefix),
                other=short_label(other, prefix),
                instruction=instruction[0].lower() + instruction[1:],
            )
        )
    return notes


def conflict_table(conflicts: Sequence[AccommodationConflict]) -> list[str]:
    """The runbook's problem table, one line per shared accommodation."""
    return ["Centre ID | Hébergement ID | Dossiers non migrés | Dossiers migrés"] + [
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
            lines += [french("Commande {number} :", number=number), "", *fenced(command), ""]
        blocks.append("\n".join(lines).rstrip())
    if crossing_note is not None:
        blocks.extend(crossing_note)
    elif notes := crossing_notes(plan):
        blocks.append("\n".join([typeset("Ordre d'exécution :"), *(f"- {note}" for note in notes)]))
    return "\n\n".join(blocks) + "\n"


def render_parse_report(
    *, plan: Plan | None, errors: Sequence[Problem], warnings: Sequence[Notice], console: str
) -> str:
    """What `migrabot parse` prints: the commands, or the errors; warnings in both cases."""
    parts = []
    if errors:
        parts.append(
            typeset("Le ticket ne peut pas être transformé en commandes :\n")
            + "\n".join(f"- {describe_problem(p)}" for p in errors)
        )
    elif plan is not None:
        parts.append(render_commands(plan, console=console).rstrip())
    if warnings:
        parts.append(typeset("Avertissements :\n") + "\n".join(f"- {describe_notice(w)}" for w in warnings))
    return "\n\n".join(parts) + "\n"


# --- the PO synthesis (runbook step 3, format A) ----------------------------------------------------


DECISION_TEXT = {
    ConflictDecision.MIGRATE_ANYWAY: (
        "migrer l'hébergement quand même (les dossiers non migrés perdent leur hébergement dans le centre d'origine)"
    ),
    ConflictDecision.WITHOUT_ACCOMMODATIONS: (
        typeset(
            "sans hébergements (--withAccommodations retiré des règles concernées ; hébergements à traiter à la main)"
        )
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
            french(
                "Centre d'origine : {label} - {total} au total",
                label=origin.origin.label(),
                total=plural(origin.total, "suivi", "suivis"),
            )
        ]
        for line in origin.lines:
            lines.append(
                french(
                    "→ vers {destination} : {migrated} | reste {remaining}",
                    destination=short_label(line.destination, prefix),
                    migrated=plural(line.migrated, "migré", "migrés"),
                    remaining=line.remaining,
                )
            )
        blocks.append("\n".join(lines))
    return blocks


def render_accommodations(simulation: Simulation) -> str:
    rules = simulation.plan.rules
    asked = [run for run in simulation.runs if rules[run.rule_index].with_accommodations]
    conflicts = simulation.conflicts or simulation.decided_conflicts
    if not asked and not conflicts:
        return render_unmoved_accommodations(simulation)
    moved = _moved_accommodations(simulation, asked=bool(asked), conflicts=conflicts)
    return "\n".join([moved, *render_detachments(simulation, heading=OTHER_RULES_HEADING)])


def _moved_accommodations(
    simulation: Simulation, *, asked: bool, conflicts: Sequence[tuple[int, AccommodationConflict]]
) -> str:
    to_migrate = simulation.accommodations_to_migrate
    if not conflicts:
        return french(
            "Hébergements : {to_migrate} — aucun conflit détecté.",
            to_migrate=plural(to_migrate, "hébergement migré", "hébergements migrés"),
        )
    counted = f"{plural(to_migrate, 'hébergement à migrer', 'hébergements à migrer')} — " if asked else ""
    lines = [
        french(
            "Hébergements : {counted}{conflicts} (hébergements partagés) :",
            counted=counted,
            conflicts=plural(len(conflicts), "conflit détecté", "conflits détectés"),
        )
    ]
    for _, conflict in conflicts:
        lines.append(
            french(
                "- hébergement {accommodation} (centre {centre}) : non migrés {not_migrated} ; migrés {migrated}",
                accommodation=conflict.accommodation_id,
                centre=conflict.center_id,
                not_migrated=_ids(conflict.not_migrated),
                migrated=_ids(conflict.migrated),
            )
        )
    decision = DECISION_TEXT.get(simulation.decision) if simulation.decision else None
    lines.append(
        french("Décision : {decision}.", decision=decision)
        if decision
        else typeset("Décision : en attente (à trancher avant la validation PO).")
    )
    return "\n".join(lines)


# --- accommodations left behind (runbook « Comportement sans --withAccommodations ») ------------------

ACCOMMODATION_CHECK = "vérification des hébergements"
NOT_MEASURED_OFF = typeset("impact non mesuré : vérification des hébergements désactivée")
UNMOVED_HEADING = typeset("Hébergements : aucune règle ne les migre.")
OTHER_RULES_HEADING = typeset("Règles sans « avec hébergements » :")
DETACHMENT_CHOICE = typeset(
    "À décider : valider le ticket tel quel (les dossiers migrés seront décrochés de ces hébergements), ou le "
    "refuser pour ajouter « avec hébergements » aux règles concernées."
)


def accommodation_check_label(arrow: str) -> str:
    """The progress label of an accommodation check's dry-run: « CHU 75 → DAHAR (vérification …) »."""
    return french("{arrow} (vérification des hébergements)", arrow=arrow)


def render_unmoved_accommodations(simulation: Simulation) -> str:
    """No rule moves accommodations: what happens to those of the people who move. « Non concernés » only
    when the accommodation check showed that none of them has one."""
    items = detachments(simulation)
    if not items:
        return typeset("Hébergements : non concernés (aucune règle « avec hébergements »).")
    if all(item.accommodations == 0 for item in items):
        return typeset(
            "Hébergements : non concernés (aucune règle « avec hébergements », "
            "et aucun des dossiers migrés n'a d'hébergement)."
        )
    return "\n".join(render_detachments(simulation, heading=UNMOVED_HEADING))


def accommodations_in_brief(simulation: Simulation) -> str | None:
    """No rule moves accommodations and each rule's were measured: one sentence and the choice, the rules'
    detail going with the technical details. None when the full text is needed (conflicts, rules that move
    accommodations, impact not measured)."""
    rules = simulation.plan.rules
    if any(rules[run.rule_index].with_accommodations for run in simulation.runs) or simulation.conflicts:
        return None
    items = detachments(simulation)
    if simulation.decided_conflicts or not items or any(not item.measured for item in items):
        return None
    total = detached_total(items)
    if not total:
        return None
    shared = sorted({accommodation for item in items for accommodation in item.shared})
    what = (
        "d'un hébergement, qui restera dans son"
        if total == 1
        else f"de {total} hébergements, qui resteront dans leur"
    )
    return "\n".join(
        [
            french(
                "Hébergements : aucune règle ne les migre ; les dossiers migrés seront décrochés {what} centre "
                "d'origine{shared} (détail par règle dans les détails techniques).",
                what=what,
                shared=", dont " + _shared_phrase(shared) if shared else "",
            ),
            DETACHMENT_CHOICE,
        ]
    )


def render_detachments(simulation: Simulation, *, heading: str) -> list[str]:
    """Per rule without « avec hébergements », the accommodations its people will be detached from (they
    stay in the origin centre), the total, and the PO's choice. Empty when every rule moves them."""
    items = detachments(simulation)
    if not items:
        return []
    if simulation.accommodation_checks is None:
        return [
            typeset(
                f"{heading} Les dossiers migrés qui ont un hébergement en seront décrochés, l'hébergement "
                f"restant dans le centre d'origine ({NOT_MEASURED_OFF})."
            )
        ]
    prefix = shared_prefix([c.name or "" for item in items for c in (item.origin, item.destination)])
    lines = [typeset(heading), *(detachment_line(item, prefix) for item in items)]
    total = detached_total(items)
    if sum(1 for item in items if item.accommodations) > 1:
        lines.append(_detached_total_line(items, total))
    if total:
        lines.append(DETACHMENT_CHOICE)
    return lines


def detachment_line(item: Detachment, prefix: str) -> str:
    arrow = {"origin": short_label(item.origin, prefix), "destination": short_label(item.destination, prefix)}
    if item.accommodations is None and item.failure is None:
        return french(
            "- {origin} → {destination} : impact sur les hébergements non mesuré (vérification non lancée).",
            **arrow,
        )
    if item.accommodations is None:
        said = item.failure.splitlines()[0] if item.failure and item.failure.strip() else "sortie illisible"
        return french(
            "- {origin} → {destination} : impact sur les hébergements non mesuré (la vérification a échoué) "
            "— {said}",
            said=said,
            **arrow,
        )
    if item.migrated == 0:  # a rule that finds no file (told first on the card): nothing was checked
        return french(
            "- {origin} → {destination} : aucun dossier ne migre, aucun hébergement concerné.", **arrow
        )
    if item.accommodations == 0:
        return french("- {origin} → {destination} : aucun des dossiers migrés n'a d'hébergement.", **arrow)
    return french("- {origin} → {destination} : {left}", left=_left_behind(item, prefix), **arrow)


def _left_behind(item: Detachment, prefix: str) -> str:
    """« les dossiers migrés seront décrochés de 3 hébergements, qui resteront au centre …, dont … »."""
    who = "le dossier migré sera décroché" if item.migrated == 1 else "les dossiers migrés seront décrochés"
    count = item.accommodations or 0
    what = "d'un hébergement, qui restera" if count == 1 else f"de {count} hébergements, qui resteront"
    shared = ""
    if item.shared:
        shared = typeset((" : " if len(item.shared) >= count else ", dont ") + _shared_phrase(item.shared))
    return french(
        "{who} {what} au centre {home}{shared}.",
        who=who,
        what=what,
        home=short_label(item.origin, prefix),
        shared=shared,
    )


def _shared_phrase(ids: Sequence[int]) -> str:
    if len(ids) == 1:
        return f"l'hébergement {ids[0]}, partagé avec des personnes qui ne migrent pas"
    return f"les hébergements {_french_list(ids)}, partagés avec des personnes qui ne migrent pas"


def _french_list(ids: Sequence[int]) -> str:
    words = [str(i) for i in ids]
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} et {words[-1]}"


def _detached_total_line(items: Sequence[Detachment], total: int) -> str:
    shared = {(item.origin.id, accommodation) for item in items for accommodation in item.shared}
    stays = (
        "hébergement restera dans son centre d'origine, décroché"
        if total < 2
        else "hébergements resteront dans leur centre d'origine, décrochés"
    )
    return french(
        "Au total{partial} : {total} {stays} des dossiers migrés{shared}.",
        partial=" (règles mesurées)" if any(not item.measured for item in items) else "",
        total=total,
        stays=stays,
        shared=f", dont {plural(len(shared), 'partagé', 'partagés')} avec des personnes qui ne migrent pas"
        if shared
        else "",
    )


def _ids(ids: Sequence[int]) -> str:
    return ", ".join(str(i) for i in ids) if ids else "aucun"


def render_projection(synthesis: Synthesis) -> str:
    prefix = shared_prefix([p.center.name or "" for p in synthesis.projections])
    lines = [typeset("Projection une fois tous les groupes passés :")]
    for projection in synthesis.projections:
        moves = []
        if projection.outgoing:
            moves.append(f"- {plural(projection.outgoing, 'sortant', 'sortants')}")
        if projection.incoming:
            moves.append(f"+ {plural(projection.incoming, 'entrant', 'entrants')}")
        detail = f" ({', '.join(moves)})" if moves else ""
        lines.append(
            french(
                "- {centre} : {before} → {after}{detail}",
                centre=short_label(projection.center, prefix),
                before=projection.before,
                after=projection.after,
                detail=detail,
            )
        )
    return "\n".join(lines)


def render_synthesis(
    simulation: Simulation,
    synthesis: Synthesis,
    *,
    ticket_warnings: Sequence[Notice | str] = (),
    brief: bool = False,
) -> str:
    """The message for the PO: runbook format A, then what the runbook lacks (order, projection, warnings).
    Instructions of the ticket the commands do not follow stand first: nobody may miss them. `brief`: the
    card's first comment, read in ten seconds (accommodations in one sentence, no projection: both are in
    its « Détails techniques »)."""
    unfollowed = [w for w in ticket_warnings if isinstance(w, Notice) and w.kind in UNFOLLOWED_INSTRUCTIONS]
    ticket_warnings = [w for w in ticket_warnings if w not in unfollowed]
    accommodations = (accommodations_in_brief(simulation) if brief else None) or render_accommodations(
        simulation
    )
    parts = [*render_origin_blocks(synthesis), accommodations]
    if unfollowed:
        parts.insert(
            0,
            "\n".join(
                [typeset("⚠️ Consignes non suivies :"), *(f"- {describe_notice(w)}" for w in unfollowed)]
            ),
        )
    notes = crossing_notes(simulation.plan)
    if notes:
        parts.append("\n".join([typeset("Ordre d'exécution :"), *(f"- {note}" for note in notes)]))
    if not brief:
        parts.append(render_projection(synthesis))
    warnings = [describe_notice(w) for w in ticket_warnings] + synthesis_warnings(synthesis)
    if warnings:
        parts.append("\n".join([typeset("Avertissements :"), *(f"- {w}" for w in warnings)]))
    return "\n\n".join(parts) + "\n"


def synthesis_warnings(synthesis: Synthesis) -> list[str]:
    """The runs' warnings, then each centre counted differently by two dry-runs."""
    return [*synthesis.warnings, *(count_change_warning(change) for change in synthesis.count_changes)]


def count_change_warning(change: CountChange) -> str:
    return french(
        "le centre {id} compte {first} dans une simulation et {second} dans une autre : "
        "les données de preprod ont changé pendant les simulations",
        id=change.center_id,
        first=plural(change.first, "suivi", "suivis"),
        second=change.second,
    )


def render_failures(simulation: Simulation) -> str:
    """Plain text for the terminal: which dry-runs failed, in the console's own words."""
    failed = simulation.failed_runs
    lines = [
        french(
            "La simulation a échoué ({failed} en erreur) :",
            failed=plural(len(failed), "commande", "commandes"),
        )
    ]
    for run in failed:
        lines += [
            "",
            french("Commande {number} : {command}", number=run.rule_index + 1, command=run.command),
            run.error or "sortie illisible",
        ]
    return "\n".join(lines) + "\n"


def render_conflicts(simulation: Simulation) -> str:
    """Plain text for the terminal: the shared accommodations and the two possible decisions."""
    lines = [render_accommodations(simulation), "", typeset("Deux décisions possibles :")]
    lines += [f"- {text}" for text in DECISION_TEXT.values()]
    lines += [
        "",
        write_decision("Écrivez la décision dans le ticket : "),
    ]
    return "\n".join(lines) + "\n"
