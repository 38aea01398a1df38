"""What the bot says while people run the approved commands: each group's verification (« OK » or
« écart »), the crossing-order warning, Preprod done, and the closing comment. Chosen by outcome; French.
Commands stay in code blocks, exactly as the final commands comment wrote them.
"""

from __future__ import annotations

from bot.domain.command import FinalCommand
from bot.domain.model import Plan
from bot.domain.verification import PREPROD, GroupVerification
from bot.texts.french import french, plural, typeset
from bot.texts.markdown import escape_markdown, fenced
from bot.texts.text import plan_prefix, short_label
from bot.texts.zero_match import nothing_to_do_line

LIKELY_CAUSES = (
    typeset("une commande du groupe n'a pas été lancée (ou s'est arrêtée en cours) ;"),
    typeset("des dossiers ont été modifiés sur la {environment} entre la simulation et l'exécution ;"),
    "une autre commande que celle du ticket a été lancée (autre centre, autre valeur, option en plus ou en moins).",
)


def verification_comment(
    verification: GroupVerification,
    plan: Plan,
    *,
    console_command: str,
    next_group: int | None,
    environment_done: bool,
    prod_access: bool,
) -> str:
    head = f"Vérification {verification.environment.lower()} — groupe {verification.group}"
    if verification.ok:
        lines = [_ok_head(verification, head, markdown=True), "", *_nothing_to_do(verification)]
        lines += _centre_lines(verification, plan)
        lines += [
            "",
            *_next_steps(
                verification, next_group, environment_done=environment_done, prod_access=prod_access
            ),
        ]
        return "\n".join(lines).rstrip()
    lines = [french("⚠️ **{head} : écart**", head=head), ""]
    lines += _failures(verification)
    lines += _rules_left(verification, plan, console_command=console_command)
    lines += _centre_table(verification, plan)
    lines += [
        typeset("Causes possibles :"),
        *(f"- {cause.format(environment=verification.environment.lower())}" for cause in LIKELY_CAUSES),
    ]
    lines += [
        "",
        french(
            "La case « {environment} — vérifier le groupe {group} » reste décochée. Une fois corrigé, décochez puis recochez « {environment} — groupe {group} » pour une nouvelle vérification.",
            environment=verification.environment,
            group=verification.group,
        ),
    ]
    return "\n".join(lines).rstrip()


def _ok_head(verification: GroupVerification, head: str, *, markdown: bool) -> str:
    """« OK », or « rien à faire » when every rule of the group found nothing already at the simulation."""
    if verification.all_nothing_to_do:
        if markdown:
            return french("✅ **{head} : rien à faire**", head=head)
        return french("✅ *{head} : rien à faire*", head=head)
    return french("✅ **{head} : OK**", head=head) if markdown else french("✅ *{head} : OK*", head=head)


def _nothing_to_do(verification: GroupVerification) -> list[str]:
    lines = [nothing_to_do_line(index + 1) for index in verification.nothing_to_do]
    return [*lines, ""] if lines else []


def _centre_lines(verification: GroupVerification, plan: Plan) -> list[str]:
    prefix = plan_prefix(plan)
    lines = [nothing_left_line(len(verification.rules_left), environment=verification.environment)]
    for centre in verification.centres:
        expected = "" if centre.expected is None else " (comme prévu par la simulation)"
        lines.append(
            french(
                "- {centre} : {found}{expected}",
                centre=escape_markdown(short_label(centre.center, prefix)),
                found=plural(centre.found, "suivi", "suivis"),
                expected=expected,
            )
        )
    return lines


def nothing_left_line(count: int, *, environment: str) -> str:
    """« La commande ne trouve… » / « Les 3 commandes ne trouvent… »: the article and the verb agree."""
    commands = "La commande ne trouve" if count == 1 else f"Les {count} commandes ne trouvent"
    return french(
        "{commands} plus aucun dossier à migrer (--dry-run relancé sur la {environment}).",
        commands=commands,
        environment=environment.lower(),
    )


def _next_steps(
    verification: GroupVerification, next_group: int | None, *, environment_done: bool, prod_access: bool
) -> list[str]:
    if next_group is not None:
        return [f"Le groupe {next_group} peut être lancé."]
    if not environment_done:
        return []
    if verification.environment == PREPROD:
        then = (
            "Le bot vérifiera chaque groupe de la prod comme ceux de la preprod."
            if prod_access
            else typeset(
                "Le bot n'a pas accès à la prod : cochez chaque étape de la prod au fur et à mesure, "
                "en terminant et vérifiant chaque groupe avant le suivant."
            )
        )
        return [typeset("**Preprod vérifiée — reproduire sur la prod dans le même ordre.** ") + then]
    return ["**Prod vérifiée.**"]


def _failures(verification: GroupVerification) -> list[str]:
    lines = []
    for run in verification.failures:
        lines += [
            french(
                "La simulation de contrôle a échoué ({error}) :",
                error=escape_markdown(run.error or "sortie illisible"),
            ),
            "",
            *fenced(run.command),
            "",
        ]
    return lines


def _rules_left(verification: GroupVerification, plan: Plan, *, console_command: str) -> list[str]:
    if not verification.still_moving:
        return []
    lines = [typeset("Commandes qui trouvent encore des dossiers à migrer :"), ""]
    for rule in verification.still_moving:
        command = FinalCommand(plan.rules[rule.rule_index]).printable(console_command)
        found = plural(rule.left, "dossier", "dossiers")
        line = plan.rules[rule.rule_index].line
        lines += [
            french("- ligne {line} du ticket : {found} encore à migrer", line=line, found=found),
            "",
            *fenced(command),
            "",
        ]
    return lines


def _centre_table(verification: GroupVerification, plan: Plan) -> list[str]:
    prefix = plan_prefix(plan)
    lines = ["| Centre | Attendu | Trouvé |", "|---|---:|---:|"]
    for centre in verification.centres:
        expected = "—" if centre.expected is None else str(centre.expected)
        mark = "" if centre.ok else " ⚠️"
        lines.append(f"| {_cell(short_label(centre.center, prefix))} | {expected} | {centre.found}{mark} |")
    return [*lines, ""]


def _cell(text: str) -> str:
    """A centre's name comes from the console or the card: nothing in it may break the table or format."""
    return escape_markdown(text).replace("|", "\\|")


def order_warning(*, environment: str, group: int, waiting_for: str, verified: bool = True) -> str:
    """`verified`: the bot verifies this environment's groups; without access (prod), it only sees ticks."""
    state, then = ("vérifié", "sera vérifié") if verified else ("coché", "sera pris en compte")
    if waiting_for.startswith("la "):  # « la preprod n'est pas encore vérifiée »
        state += "e"
    return "\n".join(
        [
            french(
                "⚠️ **{environment} — groupe {group} coché trop tôt** : {waiting_for} n'est pas encore {state}.",
                environment=environment,
                group=group,
                waiting_for=waiting_for,
                state=state,
            ),
            "",
            french(
                "Les groupes s'échangent des dossiers : lancés dans le désordre, des dossiers migrent deux fois. Le groupe {group} {then} dès que {waiting_for} le sera.",
                group=group,
                then=then,
                waiting_for=waiting_for,
            ),
        ]
    )


def strange_item(name: str) -> str:
    """An item of the bot's « Exécution » checklist that the bot did not write (added, renamed, duplicated)."""
    return french(
        "⚠️ **Élément ignoré** : « {name} » n'a pas été écrit par le bot dans la check-list « Exécution » (ajouté, renommé ou en double). Le bot ne lit que les éléments qu'il a écrits, sous leur nom d'origine : cochez ceux-là (et rendez son nom à un élément renommé).",
        name=escape_markdown(name),
    )


def obsolete_checklist_tick(current_round: int, *, live: bool = True) -> str:
    """`live`: the current simulation has its own « Exécution » checklist (it was approved)."""
    if live:
        then = french("Cochez la check-list de la simulation n° {round}.", round=current_round)
    else:
        then = french(
            "La simulation n° {round} n'est pas validée : sa check-list « Exécution » sera ajoutée une fois "
            "qu'elle le sera.",
            round=current_round,
        )
    return (
        typeset(
            "ℹ️ Cette coche est sur une check-list « Exécution » obsolète (d'une validation précédente) : le bot "
            "ne la lit pas."
        )
        + " "
        + then
    )


def waiting_for_group(environment: str, group: int) -> str:
    return f"le groupe {group} ({environment.lower()})"


WAITING_FOR_PREPROD = "la preprod"


def slack_line(verification: GroupVerification) -> str:
    head = f"Vérification {verification.environment.lower()} — groupe {verification.group}"
    if verification.ok:
        return _ok_head(verification, head, markdown=False)
    return french("⚠️ *{head} : écart* (détails sur la carte Trello)", head=head)


def closing_comment(plan: Plan, *, prod_verified: bool) -> str:
    prefix = plan_prefix(plan)
    groups = [
        french(
            "- groupe {number} : {origin}, {commands}",
            number=number,
            origin=escape_markdown(short_label(group.origin, prefix)),
            commands=plural(len(group.rule_indexes), "commande", "commandes"),
        )
        for number, group in enumerate(plan.groups, start=1)
    ]
    prod = (
        typeset("vérifiée par le bot (--dry-run : plus rien à migrer)")
        if prod_verified
        else "cochée par l'équipe (le bot n'a pas accès à la prod)"
    )
    return "\n".join(
        [
            "🏁 **Migration terminée**",
            "",
            *groups,
            "",
            typeset(
                "- Preprod : chaque groupe vérifié par le bot, dans l'ordre (chiffres conformes à la simulation validée)."
            ),
            french("- Prod : {prod}.", prod=prod),
        ]
    )


# --- the description changed after approval -------------------------------------------------------

EDITED_AFTER_APPROVAL = typeset(
    "La description a changé après la validation : les commandes finales ci-dessus correspondent à "
    "l'ancienne version."
)


def edited_after_approval_comment(*, todo_list: str) -> str:
    return f"⚠️ {EDITED_AFTER_APPROVAL}\n\n" + french(
        "Aucun groupe n'avait été coché : la carte revient dans « {todo_list} » pour une nouvelle simulation, "
        "et le PO sera sollicité à nouveau.",
        todo_list=todo_list,
    )


def obsolete_final_commands(text: str) -> str:
    """The final commands' comment once the card changed: its first line says so (said once)."""
    first, _, rest = text.partition("\n")
    if first.startswith("🚫"):
        return text
    marked = french(
        "🚫 **Obsolète** : la description a changé après la validation — ~~{first}~~", first=first
    )
    return f"{marked}\n{rest}" if rest else marked


def replaced_final_commands(text: str, new_round: int) -> str:
    """The final commands' comment once a new round starts: its first line says which simulation replaces
    it (said once; after « Obsolète », added to that line)."""
    first, _, rest = text.partition("\n")
    replaced = french("remplacée par la simulation n° {round}", round=new_round)
    if replaced in first:
        return text
    if first.startswith("🚫"):
        marked = f"{first} — {replaced}"
    else:
        marked = french("🚫 **Validation {replaced}** — ~~{first}~~", replaced=replaced, first=first)
    return f"{marked}\n{rest}" if rest else marked


def obsolete_checklist_name(old_round: int) -> str:
    return french("Exécution — simulation n° {round} (obsolète)", round=old_round)


def edited_during_execution_comment(*, todo_list: str) -> str:
    return "\n".join(
        [
            typeset("🚨 **La description a changé après la validation, alors que l'exécution a commencé.**"),
            "",
            EDITED_AFTER_APPROVAL,
            "",
            french(
                "Le bot ne vérifie plus les groupes cochés et ne relance rien de lui-même. À l'équipe de décider : "
                "finir ou annuler à la main avec les commandes ci-dessus, ou remettre la carte dans "
                "« {todo_list} » pour une nouvelle simulation (ses chiffres tiendront compte de ce qui a déjà "
                "été exécuté).",
                todo_list=todo_list,
            ),
        ]
    )


def edited_during_execution_slack(*, mentions: str) -> str:
    return french(
        "🚨 {mentions}La description de la carte a changé après la validation alors "
        "que l'exécution a commencé : l'équipe doit décider de la suite (voir la carte).",
        mentions=mentions + " " if mentions else "",
    )
