"""Why Trello could not do what the bot asked: shown by `migrabot doctor`, `status` and on start-up."""

from __future__ import annotations

from bot.texts.french import french


def connection_failed(error_type: str) -> str:
    return french("connexion impossible ({error})", error=error_type)


def timed_out(error_type: str) -> str:
    return french("délai dépassé ({error})", error=error_type)


def no_answer(method: str, path: str) -> str:
    return french("Trello n'a pas répondu à temps ({method} {path})", method=method, path=path)


def network_error(error_type: str, method: str, path: str) -> str:
    return french(
        "erreur réseau vers Trello ({error}, {method} {path})", error=error_type, method=method, path=path
    )


def unreachable(reason: str, method: str, path: str) -> str:
    return french("Trello injoignable : {reason} ({method} {path})", reason=reason, method=method, path=path)


def refused(method: str, path: str, status: object, said: str) -> str:
    return french(
        "Trello a refusé {method} {path} (HTTP {status}) : {said}",
        method=method,
        path=path,
        status=status,
        said=said,
    )
