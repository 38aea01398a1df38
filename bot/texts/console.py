"""What the console did, in French: a failed dry-run quoting the console's own words, output that could not
be read (with its excerpt), names that differ from the console's. `bot.domain.console_output` finds the facts;
these functions word them. The console's words and the cards' names are values: quoted, never retouched.
"""

from __future__ import annotations

from bot.domain.console_output import (
    ConsoleFailure,
    IdMismatch,
    NameMismatch,
    Unreadable,
    failure_of,
)
from bot.domain.model import ConsoleResult
from bot.texts.french import french, plural, typeset

QUOTE_MAX_CHARS = 600
# The console adapter's own refusals (the runner never starts these)
END_OF_OPTIONS_REFUSED = french(
    "Commande refusée : l'argument {end} ferait ignorer l'option --dry-run par la console.", end="« -- »"
)
PROGRAM_NOT_FOUND = "programme introuvable"
PERMISSION_DENIED = "permission refusée"
EMPTY_OUTPUT = "(sortie vide)"
EXCERPT_TITLE = "Extrait de la sortie de la console :"

_TABLES = {
    "summary": "tableau récapitulatif des suivis",
    "conflicts": "tableau des hébergements avec individus non migrés rattachés",
}
_ROLES = {"origine": "Origine", "destination": "Destination"}
# Why an output could not be read (`Unreadable.reason`), with the facts the reader found as {values}.
UNREADABLE = {
    "several_summaries": (
        "La sortie contient {count} tableaux récapitulatifs des suivis : impossible de savoir lequel lire."
    ),
    "role_missing": "Ligne « {role} » absente du tableau récapitulatif (tableau tronqué ?).",
    "role_repeated": "Ligne « {role} » présente {count} fois dans le tableau récapitulatif.",
    "bad_summary_cell": (
        "Valeur illisible dans le tableau récapitulatif, ligne {role}, colonne « {label} » : « {value} »."
    ),
    "bad_summary_row": "Ligne {role} illisible dans le tableau récapitulatif.",
    "empty_output": "La sortie de la console est vide : aucun tableau récapitulatif à lire.",
    "summary_header": (
        "En-tête du tableau récapitulatif des suivis illisible ou incomplet (colonnes non trouvées : {missing})."
    ),
    "summary_foreign_line": "Ligne inattendue dans le tableau récapitulatif des suivis : « {line} ».",
    "summary_not_found": (
        "Tableau récapitulatif des suivis introuvable dans la sortie de la console "
        "(colonnes attendues : {expected})."
    ),
    "origin_inconsistent": (
        "Chiffres incohérents pour l'origine {id} : {before} − {moved} = {expected}, "
        "mais la console annonce {after} après migration."
    ),
    "destination_inconsistent": (
        "Chiffres incohérents pour la destination {id} : {before} + {moved} = {expected}, "
        "mais la console annonce {after} après migration."
    ),
    "moves_inconsistent": (
        "Chiffres incohérents : {left} l'origine {origin} mais {arrived} à la destination {destination}."
    ),
    "accommodation_count_repeated": (
        "Le nombre d'hébergements à migrer apparaît {count} fois dans la sortie : "
        "impossible de savoir lequel retenir."
    ),
    "accommodation_count_missing": (
        "La console signale des hébergements problématiques, mais le nombre d'hébergements à migrer "
        "est introuvable."
    ),
    "accommodation_count_unreadable": "Nombre d'hébergements à migrer illisible : « {line} ».",
    "several_conflict_tables": (
        "La sortie contient {count} tableaux d'hébergements problématiques : impossible de savoir lequel lire."
    ),
    "conflict_table_missing": (
        "La console signale des hébergements avec individus non migrés rattachés, "
        "mais leur tableau est absent ou illisible."
    ),
    "bad_conflict_cell": "Valeur illisible dans le {table}, colonne « {label} » : « {value} ».",
    "empty_conflict_table": "Le {table} n'a aucune ligne lisible.",
    "accommodation_count_absent": (
        "La simulation avec --withAccommodations n'affiche pas le nombre d'hébergements à migrer."
    ),
}
# The figures of the inconsistencies above, each with its word, agreed with its count (« 1 suivi », « 2 suivis »).
_COUNTED = {
    "origin_inconsistent": {"before": ("suivi", "suivis"), "moved": ("migré", "migrés")},
    "destination_inconsistent": {"before": ("suivi", "suivis"), "moved": ("entrant", "entrants")},
    "moves_inconsistent": {
        "left": ("dossier quitte", "dossiers quittent"),
        "arrived": ("arrive", "arrivent"),
    },
}
IGNORED_ACCOMMODATIONS_WARNING = typeset(
    "La console a affiché un bloc hébergements alors que la règle ne demande pas --withAccommodations : "
    "il n'est pas pris en compte."
)


def unreadable_message(unreadable: Unreadable) -> str:
    values = dict(unreadable.values)
    if "role" in values:
        values["role"] = _ROLES.get(str(values["role"]), values["role"])
    if "table" in values:
        values["table"] = _TABLES[str(values["table"])]
    for key, (one, many) in _COUNTED.get(unreadable.reason, {}).items():
        values[key] = plural(int(values[key]), one, many)
    return french(UNREADABLE[unreadable.reason], **values)


def unreadable_error(unreadable: Unreadable) -> str:
    """The run's error: what could not be read, then the excerpt of the output around it."""
    return "\n".join([unreadable_message(unreadable), french(EXCERPT_TITLE), excerpt_text(unreadable)])


def excerpt_text(unreadable: Unreadable) -> str:
    """The excerpt's lines, its cuts marked (« [… 3 lignes omises …] »), never silent."""
    if unreadable.excerpt is None:
        return EMPTY_OUTPUT
    lines = list(unreadable.excerpt.lines)
    if unreadable.excerpt.omitted_before:
        lines.insert(0, _omitted(unreadable.excerpt.omitted_before))
    if unreadable.excerpt.omitted_after:
        lines.append(_omitted(unreadable.excerpt.omitted_after))
    return "\n".join(lines)


def output_cut(byte_count: int) -> str:
    """The line that replaces the middle of a console output too long to be read whole."""
    return french("[… sortie trop longue : {count} octets omis au milieu …]", count=_grouped(byte_count))


def kept_cut(char_count: int) -> str:
    """The line that replaces the middle of an output too long to be kept (state, comments, attached file)."""
    return french("[… sortie trop longue : {count} caractères omis au milieu …]", count=_grouped(char_count))


def _grouped(count: int) -> str:
    return f"{count:,}".replace(",", "\u202f")  # « 29 360 128 », narrow no-break spaces


def _omitted(count: int) -> str:
    return f"[… {plural(count, 'ligne omise', 'lignes omises')} …]"


def quoted(words: str) -> str:
    """The console's words between guillemets, on one line, at most 600 characters (the cut is marked)."""
    words = " ".join(words.split())
    if len(words) > QUOTE_MAX_CHARS:
        words = words[: QUOTE_MAX_CHARS - 1].rstrip() + " […]"
    return french("« {words} »", words=words)


def describe_failure(failure: ConsoleFailure) -> str:
    if failure.kind == "not_started":
        return french("La commande n'a pas pu être lancée : {said}", said=quoted(failure.said))
    if failure.kind == "timed_out":
        message = french(
            "La commande n'a pas répondu à temps et a été arrêtée au bout de {seconds:.0f} s",
            seconds=failure.duration_s,
        )
        if failure.said:
            return message + french(" ; dernier message : {said}", said=quoted(failure.said))
        return message + "."
    message = {
        "no_exit_code": "La commande s'est arrêtée sans code de sortie",
        "failed": french("La commande a échoué (code {code})", code=failure.exit_code),
        "error_reported": "La commande a signalé une erreur (code 0)",
    }[failure.kind]
    if failure.said:
        return message + french(" : {said}", said=quoted(failure.said))
    return message + ", sans message."


def console_failure(result: ConsoleResult) -> str | None:
    """A French message quoting the console's own words when the run failed; None when it did not."""
    failure = failure_of(result)
    return None if failure is None else describe_failure(failure)


def name_warning(mismatch: NameMismatch) -> str:
    role = "d'origine" if mismatch.role == "origine" else "de destination"
    return french(
        "Nom différent pour le centre {role} {id} : « {ticket} » dans le ticket, « {console} » selon la console.",
        role=role,
        id=mismatch.id,
        ticket=mismatch.ticket_name,
        console=mismatch.console_name,
    )


def id_mismatch_error(mismatches: tuple[IdMismatch, ...]) -> str:
    found = [
        french(
            "{role} {expected} attendue, {shown} dans le tableau",
            role=mismatch.role,
            expected=mismatch.expected,
            shown=mismatch.shown,
        )
        for mismatch in mismatches
    ]
    return (
        french("La console a simulé une autre migration que celle demandée : ")
        + french(" ; ").join(found)
        + "."
    )


def cannot_start(executable: str, reason: str) -> str:
    return french("Impossible de lancer « {executable} » : {reason}.", executable=executable, reason=reason)


def missing_workdir(workdir: str) -> str:
    return french("Le dossier de travail « {workdir} » n'existe pas.", workdir=workdir)
