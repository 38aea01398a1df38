"""The state database as people read about it: a schema too new, `migrabot state export` / `import`."""

from __future__ import annotations

from bot.texts.french import french, typeset


def schema_too_new(where: str, *, found: int, known: int) -> str:
    return french(
        "la base d'état {where} est au schéma {found}, plus récent que celui que cette version de migrabot "
        "connaît ({known}) : elle a été écrite par une version plus récente. Démarrez cette version-là "
        "(ou mettez migrabot à jour) ; la base n'a pas été modifiée.",
        where=where,
        found=found,
        known=known,
    )


def unreachable(where: str, reason: str) -> str:
    return french("base d'état {where} inaccessible : {reason}", where=where, reason=reason)


def not_an_export(path: str) -> str:
    return french("{path} n'est pas un export de `migrabot state export`", path=path)


def export_version(path: str, *, found: object, known: int) -> str:
    return french(
        "{path} a été exporté au schéma {found} ; cette version de migrabot importe le schéma {known}. "
        "Exportez de nouveau avec la même version de migrabot.",
        path=path,
        found=found,
        known=known,
    )


def destination_not_empty(where: str, *, rows: int) -> str:
    return french(
        "la base d'état {where} contient déjà {rows} ligne(s) : l'import n'écrit que dans une base vide "
        "(rien n'a été importé).",
        where=where,
        rows=rows,
    )


def imported(where: str, *, cards: int, journal: int, requests: int) -> str:
    return french(
        "Importé dans {where} : {cards} carte(s), {journal} entrée(s) du journal, {requests} demande(s) Slack.",
        where=where,
        cards=cards,
        journal=journal,
        requests=requests,
    )


def unreadable_export(path: str, reason: str) -> str:
    return french("lecture impossible de {path} ({reason})", path=path, reason=reason)


STATE_HELP = typeset("exporte ou importe l'état du bot (SQLite ↔ PostgreSQL)")
EXPORT_HELP = typeset("écrit l'état (STATE_DB) en JSON")
IMPORT_HELP = typeset("charge un export dans STATE_DB, qui doit être vide")
OUTPUT_HELP = typeset("fichier à écrire (sortie standard par défaut)")
IMPORT_FILE_HELP = typeset("l'export à charger (- : entrée standard)")
