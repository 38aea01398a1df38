"""Why Google Drive could not take the workbook: shown by `migrabot doctor` and on the card's retry."""

from __future__ import annotations

from pathlib import Path

from bot.texts.french import french

# What the bot was doing when Drive said 404 (`what=` in bot/adapters/drive.py).
DOING = {"folder": "le dossier", "search": "la recherche du fichier", "upload": "le dépôt du fichier"}
NO_ANSWER = "Google Drive n'a pas répondu à temps"


def key_missing(path: Path) -> str:
    return french("clé du compte de service introuvable ({path})", path=path)


def key_unreadable(path: Path, reason: str) -> str:
    return french("clé du compte de service illisible ({path} : {reason})", path=path, reason=reason)


def token_refused(reason: str) -> str:
    return french("jeton refusé par Google ({reason})", reason=reason)


def token_server_unreachable(error: object) -> str:
    return french("serveur de jetons de Google injoignable ({error})", error=error)


def unreachable(error_type: str) -> str:
    return french("Google Drive injoignable ({error})", error=error_type)


def refused_token(said: str) -> str:
    return french("jeton refusé par Google Drive (401 {said})", said=said)


def cannot_write(said: str) -> str:
    return french("le compte de service n'a pas le droit d'écrire dans le dossier (403 {said})", said=said)


def not_found(what: str) -> str:
    return french(
        "dossier introuvable ou non partagé avec le compte de service (404, {doing})", doing=DOING[what]
    )


def unavailable(status: int, said: str) -> str:
    return french("Google Drive indisponible ({status} {said})", status=status, said=said).rstrip()


# Answers that are not what Drive's API documents (a proxy's HTML page, a truncated or forged answer)
ANSWER_WITHOUT_ID = "réponse de Google Drive sans identifiant de fichier"
ANSWER_WITH_BAD_LINK = "réponse de Google Drive avec un lien qui n'est pas une adresse https valide"


def not_json(status: int, content_type: str) -> str:
    return french(
        "réponse de Google Drive illisible ({status}, {content_type} au lieu de JSON)",
        status=status,
        content_type=content_type[:60],
    )


def answer_too_large(limit: int) -> str:
    return french("réponse de Google Drive trop longue (plus de {kib} Kio), non lue", kib=limit // 1024)
