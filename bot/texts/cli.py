"""The French of the `migrabot` command line: its help, argparse's own words, its messages on stderr."""

from __future__ import annotations

import re
from pathlib import Path

from bot.texts.french import NBSP, french, typeset

PROGRAM = "migrabot"
USAGE_PREFIX = typeset("utilisation : ")
# argparse writes « title: »; the no-break space makes it « arguments : ».
POSITIONALS_TITLE = "arguments" + NBSP
OPTIONS_TITLE = "options" + NBSP
HELP_HELP = "afficher cette aide et quitter"
COMMAND_METAVAR = "COMMANDE"
FILE_METAVAR = "FICHIER"
PATH_METAVAR = "CHEMIN"
FOLDER_METAVAR = "DOSSIER"

DESCRIPTION = typeset(
    "Migrations de dossiers usagers Reconnect Pro : du ticket Trello aux commandes validées par le PO."
)
TICKET_HELP = french("description du ticket ({stdin} : entrée standard)", stdin="« - »")
JSON_HELP = "sortie JSON"

PARSE_HELP = "lire un ticket et afficher les commandes (runbook, étape 4)"

SIMULATE_HELP = (
    "lancer chaque commande en --dry-run et afficher la synthèse pour le PO (runbook, étapes 2 et 3)"
)
COMMON_EXIT_CODES = typeset(
    "Codes de sortie de toutes les commandes : 2 commande mal écrite ou réglages invalides ; 70 erreur interne (un "
    "bug : le détail est écrit dans un fichier dont le message donne le chemin) ; 130 interrompu. Les autres "
    "codes sont dans l'aide de chaque commande."
)
SIMULATE_EXIT_CODES = typeset(
    "Codes de sortie : 0 tout va bien ; 1 le ticket a des erreurs ; 2 une simulation a échoué "
    "ou sa sortie est illisible ; 3 des conflits d'hébergements attendent une décision ; "
    "4 au moins une règle ne trouve aucun dossier."
)
XLSX_HELP = typeset("où écrire le fichier Excel (par défaut : son nom du runbook, ici)")

RUN_HELP = "surveiller le tableau Trello et traiter les cartes (service)"
ONCE_HELP = "un seul passage sur le tableau, puis quitter"

DEMO_HELP = typeset(
    "tout le produit sur 127.0.0.1 : Trello, Slack et la console Reconnect simulés (moins de 30 s)"
)
DEMO_JSON_HELP = "la transcription en JSON"
DEMO_TICKET_HELP = "ajouter une carte avec ce ticket (répétable)"
KEEP_RUNNING_HELP = "laisser le bac à sable et le bot tourner (Ctrl-C)"
OUTPUT_HELP = "où écrire transcription et Excel"
DEMO_HTTP_HELP = typeset("Slack en mode HTTP (par défaut : Socket Mode, comme `run`)")
SANDBOX_HELP = "simuler avec la console Reconnect simulée (données du runbook) au lieu de la preprod"
SANDBOX_NOT_SHIPPED = typeset(
    "--sandbox : le simulateur de la console Reconnect n'est livré qu'avec les sources de migrabot "
    "(lancez-le depuis une copie du dépôt, après `make`)"
)

DOCTOR_HELP = "vérifier réglages, Trello, Slack, console et base d'état (✓/✗ et quoi corriger)"
DOCTOR_EXIT_CODES = typeset(
    "Codes de sortie : 0 tout est prêt (avertissements compris) ; 1 au moins un problème."
)
FIX_HELP = "créer sur le tableau les listes et l'étiquette qui manquent"

STATUS_HELP = typeset(
    "ce que fait le bot : dernier passage, cartes en cours, demandes Slack (base d'état seule)"
)
STATUS_EXIT_CODES = typeset(
    "Codes de sortie : 0 ; avec --health, 1 si le dernier passage sur Trello est trop ancien."
)
HEALTH_HELP = typeset("contrôle de santé (Docker) : 0 si le bot passe encore")
ALL_HELP = "montrer aussi les cartes terminées"

# argparse's messages (Python 3.11 to 3.13): English pattern → French template. The names and values argparse
# quotes ({a}, {b}) are kept as they are; « argument X: <message> » translates its nested message too.
_ARGPARSE = (
    (r"the following arguments are required: (.*)", "arguments obligatoires manquants : {a}"),
    (r"unrecognized arguments: (.*)", "arguments inconnus : {a}"),
    (r"one of the arguments (.*) is required", "un de ces arguments est obligatoire : {a}"),
    (r"invalid choice: (.*?) \(choose from (.*)\)", "choix invalide : {a} (valeurs possibles : {b})"),
    (r"expected one argument", "une valeur est attendue"),
    (r"expected at least one argument", "au moins une valeur est attendue"),
    (r"expected at most one argument", "au plus une valeur est attendue"),
    (r"not allowed with argument (.*)", "incompatible avec l'argument {a}"),
    (r"ambiguous option: (.*?) could match (.*)", "option ambiguë : {a} peut désigner {b}"),
    (r"invalid (.*?) value: (.*)", "valeur invalide ({a}) : {b}"),
)
_NESTED = re.compile(r"argument (.*?): (.*)", re.DOTALL)


def argparse_message(message: str) -> str:
    """argparse's English error in French."""
    nested = _NESTED.fullmatch(message)
    if nested:
        return french("argument {name} : ", name=nested[1]) + argparse_message(nested[2])
    for english, template in _ARGPARSE:
        match = re.fullmatch(english, message, re.DOTALL)
        if match:
            return french(template, **dict(zip("ab", match.groups(), strict=False)))
    return message


def error_line(message: str) -> str:
    """Every failure the command line reports: « migrabot : » then what went wrong."""
    return french("{program} : ", program=PROGRAM) + message


def file_not_found(path: str) -> str:
    return french("fichier introuvable : {path}", path=path)


def not_utf8(path: str | None, *, byte: int, offset: int) -> str:
    """The input's first byte that UTF-8 cannot read; positions count from 1, in bytes."""
    message = french(
        "l'entrée n'est pas en UTF-8 (octet {byte} à la position {position})",
        byte=f"0x{byte:02X}",
        position=str(offset + 1),
    )
    return message if path is None else french("{path} : {message}", path=path, message=message)


def unreadable_file(path: str, reason: str) -> str:
    return french("lecture impossible de {path} : {reason}", path=path, reason=reason)


def unwritable_file(path: Path, reason: str) -> str:
    return french("écriture impossible de {path} : {reason}", path=path, reason=reason)


def excel_written(path: Path) -> str:
    return french("Fichier Excel écrit : {path}", path=path)


def progress(number: int, total: int, label: str) -> str:
    """« Simulation 3/8 : CHU 75 → DAHAR… » on stderr while the dry-runs run; `label` is the card's names."""
    return french("Simulation {number}/{total} : {label}…", number=number, total=total, label=label)


def near_miss_progress(number: int, at_most: int, value: str) -> str:
    """« Variante 1/2 : « CHU 77 »… »: a value near a rule's that found nothing, dry-run too."""
    return french("Variante {number}/{at_most} : « {value} »…", number=number, at_most=at_most, value=value)


INTERRUPTED = error_line("interrompu.")


def start_failed_hint(*, trello_refused: bool) -> str:
    """After why `migrabot run` cannot start: the command that checks every setting and says the fix."""
    if trello_refused:
        return typeset(
            " → Trello refuse la clé ou le jeton : lancez `migrabot doctor`, qui vérifie TRELLO_API_KEY, "
            "TRELLO_TOKEN et TRELLO_BOARD_ID et dit quoi corriger."
        )
    return typeset(" → lancez `migrabot doctor` : il vérifie chaque réglage et dit quoi corriger.")


REPORT_TO = "l'équipe tech de Reconnect Pro"


def internal_error(report: str | None) -> str:
    """One line for a bug: where its details are and whom to send them to (exit code 70)."""
    if report is None:
        return error_line(
            french(
                "erreur interne inattendue (un bug) : signalez-la à {to} avec le détail ci-dessous.",
                to=REPORT_TO,
            )
        )
    return error_line(
        french(
            "erreur interne inattendue (un bug) : le détail est dans {report} ; envoyez ce fichier à {to}.",
            report=report,
            to=REPORT_TO,
        )
    )


STOP_REQUESTED = "\nArrêt demandé."
