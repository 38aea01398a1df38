"""What stops the bot from starting: invalid settings, missing settings, a board without its lists."""

from __future__ import annotations

from collections.abc import Sequence

from bot.texts.french import french, typeset

SETTINGS_INVALID = typeset("Réglages invalides :")
NUMBER_EXPECTED = "un nombre est attendu"
EMPTY_COMMAND = "ne peut pas être vide"
SOCKET_APP_TOKEN = "SLACK_APP_TOKEN (Socket Mode)"
HTTP_SIGNING_SECRET = "SLACK_SIGNING_SECRET (mode HTTP)"


def invalid_setting(name: str, problem: str) -> str:
    """One line of `SettingsError`: « - NAME : problem »."""
    return french("- {name} : {problem}", name=name, problem=problem)


def pattern_expected(pattern: object) -> str:
    return french("forme attendue {pattern}", pattern=pattern)


def out_of_bounds(detail: object) -> str:
    return french("valeur hors bornes ({detail})", detail=detail)


def one_of(expected: object) -> str:
    return french("valeurs possibles : {expected}", expected=expected)


def unclosed_quotes(error: object) -> str:
    return french("guillemets non fermés ({error})", error=error)


def missing_settings(service: str, names: Sequence[str]) -> str:
    return french(
        "réglages {service} manquants : {names} (voir .env.example)", service=service, names=", ".join(names)
    )


def missing_lists(found: Sequence[tuple[str, str]]) -> str:
    """`found`: (list name, its setting) of each list the board lacks."""
    names = ", ".join(french("« {name} » ({setting})", name=name, setting=setting) for name, setting in found)
    return french(
        "listes introuvables sur le tableau : {names} — créez-les ou lancez `migrabot doctor --fix`",
        names=names,
    )
