"""What the bot says about the opt-in preprod apply (PREPROD_APPLY): a group launched by a tick, run, failed or
interrupted, and each launch it refuses (the tick is undone). French; commands and the console's own words in
code blocks, exactly as the final-commands comment writes them.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.texts.french import french, plural, typeset
from bot.texts.markdown import escape_markdown, escape_mrkdwn, fenced

# Refusals: why the tick on « Preprod — lancer le groupe N » was undone.
NOT_APPROVED = "la carte n'est pas validée (la version actuelle de la description attend la décision du PO)"
EDITED_AFTER_APPROVAL = typeset(
    "la description a changé depuis la validation : les commandes validées ne correspondent plus à la carte"
)
PREPROD_DONE = "la preprod est déjà vérifiée"
ALREADY_VERIFIED = "ce groupe est déjà vérifié (lancé à la main)"


def _unticked(group: int) -> str:
    return french("La case « Preprod — lancer le groupe {group} » a été décochée.", group=group)


def refused(*, group: int, reason: str) -> str:
    """One comment per refused tick: why, and that the tick was undone."""
    return "\n".join(
        [
            french("⛔ **Groupe {group} non lancé** : {reason}.", group=group, reason=reason),
            "",
            _unticked(group),
        ]
    )


def not_a_launcher(*, launchers: Sequence[str]) -> str:
    names = ", ".join(f"@{name}" for name in launchers)
    return french("seules ces personnes peuvent lancer un groupe sur la preprod : {names}", names=names)


def waiting_for(group: int) -> str:
    return french(
        "le groupe {group} n'est pas encore vérifié ; les groupes se lancent un par un, dans l'ordre, "
        "chacun une fois le précédent vérifié",
        group=group,
    )


def already_launched(*, when: str) -> str:
    """A second tick on a group the bot ran (or is running): it is never run twice by the bot."""
    return french(
        "ce groupe a déjà été lancé par le bot ({when}) ; le bot ne lance jamais deux fois le même groupe. "
        "Pour vérifier à nouveau, cochez « Preprod — vérifier le groupe » correspondant",
        when=when,
    )


LAUNCHED_WHEN = {
    "ok": "exécuté sans erreur",
    "echec": "arrêté sur une erreur",
    "interrompu": "interrompu",
    "arrete": "arrêté, PREPROD_APPLY désactivé",
    "": "en cours",
}

LAUNCH_OFF = typeset(
    "le lancement par le bot est désactivé (PREPROD_APPLY) : lancez les commandes du groupe à la main, "
    "puis cochez « Preprod — vérifier le groupe » correspondant"
)


def ran(*, group: int, by: str, commands: int) -> str:
    return french(
        "▶️ **Preprod — groupe {group} exécuté par le bot** (lancé par {by}) : {commands} sans erreur, dans "
        "l'ordre des commandes finales. Vérification ci-dessous.",
        group=group,
        by=escape_markdown(by),
        commands=plural(commands, "commande", "commandes"),
    )


def _stopped_at(head: str, command: str, then: str, *, quoted: Sequence[str] = ()) -> str:
    """A group's run that stopped at one command, in one shape: what happened (`head`), the command, the
    console's words when they are quoted, then what people do now (`then`)."""
    return "\n".join([head, "", *fenced(command), "", *quoted, then])


def failed(*, group: int, position: int, total: int, command: str, said: str) -> str:
    """The console's own words, quoted; the commands after it were not run."""
    return _stopped_at(
        french(
            "❌ **Preprod — groupe {group} : la commande {position} sur {total} a échoué.** "
            "Le bot s'est arrêté là : les commandes suivantes n'ont pas été lancées.",
            group=group,
            position=position,
            total=total,
        ),
        command,
        french(
            "Le bot ne relance pas ce groupe. Corrigez et terminez à la main sur la preprod, puis cochez "
            "« Preprod — vérifier le groupe {group} » : le bot vérifiera le groupe.",
            group=group,
        ),
        quoted=[typeset("La console a répondu :"), "", *fenced(said or "(aucune sortie)"), ""],
    )


def interrupted(*, group: int, position: int, total: int, command: str) -> str:
    """A run whose start was journaled and whose end was not (crash, kill, lost connection)."""
    return _stopped_at(
        french(
            "🚨 **Preprod — groupe {group} : la commande {position} sur {total} a été interrompue** "
            "(arrêt du bot ou connexion perdue pendant son exécution).",
            group=group,
            position=position,
            total=total,
        ),
        command,
        french(
            "Le bot ne relance jamais de lui-même une commande interrompue : elle a pu migrer une partie des "
            "dossiers. Vérifiez sur la preprod ce qu'elle a fait, terminez le groupe à la main si besoin, "
            "puis cochez « Preprod — vérifier le groupe {group} » : le bot vérifiera le groupe.",
            group=group,
        ),
    )


def stopped_by_setting(*, group: int, position: int, total: int, command: str) -> str:
    """PREPROD_APPLY turned off while a group was under way (between two commands, across a restart)."""
    return _stopped_at(
        french(
            "⏸️ **Preprod — groupe {group} arrêté avant la commande {position} sur {total}** : le lancement "
            "par le bot a été désactivé (PREPROD_APPLY). Cette commande et les suivantes n'ont pas été lancées :",
            group=group,
            position=position,
            total=total,
        ),
        command,
        french(
            "Terminez le groupe à la main, puis cochez « Preprod — vérifier le groupe {group} ».", group=group
        ),
    )


# --- told in the thread of the PO's Slack request ---------------------------------------------------------


def launched_slack(group: int, *, by: str, commands: int) -> str:
    return french(
        "🚀 *Preprod — groupe {group} lancé* par {by} : le bot exécute {commands} sur la preprod (pour de vrai, "
        "sans --dry-run), dans l'ordre des commandes finales.",
        group=group,
        by=escape_mrkdwn(by),
        commands=plural(commands, "commande", "commandes"),
    )


def ended_slack(group: int, *, status: str, commands: int) -> str:
    """How the group's run ended, in one line (the card has the details)."""
    if status == "ok":
        return french(
            "▶️ *Preprod — groupe {group} exécuté* : {commands} sans erreur. Le bot vérifie le groupe.",
            group=group,
            commands=plural(commands, "commande", "commandes"),
        )
    if status == "echec":
        return french(
            "❌ *Preprod — groupe {group} arrêté sur une erreur* : les commandes suivantes n'ont pas été lancées "
            "(détails sur la carte Trello).",
            group=group,
        )
    return french(
        "⚠️ *Preprod — groupe {group} {how}* : le bot ne relance pas ce groupe. Vérifiez la preprod, puis cochez "
        "« Preprod — vérifier le groupe {group} » (détails sur la carte Trello).",
        group=group,
        how="arrêté, PREPROD_APPLY désactivé" if status == "arrete" else "interrompu",
    )
