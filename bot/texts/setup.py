"""What stops the bot from starting: invalid settings, missing settings, a board without its lists."""

from __future__ import annotations

from collections.abc import Sequence

from bot.texts.french import french, typeset

SETTINGS_INVALID = typeset("Réglages invalides :")
NUMBER_EXPECTED = "un nombre est attendu"
BOOL_EXPECTED = "true ou false attendu"
EMPTY_COMMAND = "ne peut pas être vide"


def invalid_setting(name: str, problem: str) -> str:
    """One line of `SettingsError`: « - NAME : problem »."""
    return french("- {name} : {problem}", name=name, problem=problem)


EXPECTED_FORMS = {
    "MIGRATION_FIELD_SLUG": typeset(
        "le slug d'un champ : minuscules, chiffres, tirets et soulignés (p. ex. migration-des-donnees)"
    ),
    "CONSOLE_SSH": typeset(
        "utilisateur@hôte ou utilisateur@hôte:port (p. ex. migrabot@preprod.example.org:22)"
    ),
    "CONSOLE_PROD_SSH": typeset(
        "utilisateur@hôte ou utilisateur@hôte:port (p. ex. migrabot@prod.example.org:22)"
    ),
    "DRIVE_FOLDER_ID": typeset(
        "l'identifiant du dossier ou son adresse, telle que le navigateur l'affiche "
        "(https://drive.google.com/drive/folders/1AbCdEf…)"
    ),
}


def expected_form(setting: str) -> str:
    """What a setting should look like, in words (never the regular expression that checks it)."""
    return french("forme attendue : {form}", form=EXPECTED_FORMS.get(setting, "voir .env.example"))


def out_of_bounds(detail: object) -> str:
    return french("valeur hors bornes ({detail})", detail=detail)


def one_of(expected: object) -> str:
    return french("valeurs possibles : {expected}", expected=expected)


def unknown_time_zone(value: str) -> str:
    return french(
        "fuseau horaire inconnu « {value} » : un nom IANA comme « Europe/Paris » est attendu", value=value
    )


def unclosed_quotes(error: object) -> str:
    return french("guillemets non fermés ({error})", error=error)


STATE_NEEDS_A_BOARD = typeset(
    "STATE_DB et TRELLO_BOARD_ID sont vides : l'état par défaut est rangé par tableau "
    "($XDG_STATE_HOME/migrabot/<tableau>/migrabot.sqlite3). Renseignez TRELLO_BOARD_ID (ou STATE_DB)."
)


def board_id_not_a_directory(board_id: str) -> str:
    return french(
        "TRELLO_BOARD_ID « {board_id} » ne peut pas nommer le dossier de l'état par défaut (lettres, chiffres "
        "et tirets attendus) : donnez l'adresse du tableau ou son identifiant, ou renseignez STATE_DB.",
        board_id=board_id,
    )


def legacy_state(old: str, new: str, *, move: str) -> str:
    """A state at the old relative default: starting beside it could forget every card in flight."""
    return french(
        "un état existe à l'ancien emplacement par défaut {old} ; l'état par défaut est désormais rangé par "
        "tableau ({new}) et migrabot ne démarre pas à côté d'un état qu'il oublierait. Arrêtez tout autre "
        "migrabot puis, si c'est l'état de ce tableau, déplacez-le : `{move}` ; sinon, gardez-le avec "
        "STATE_DB={old}, ou renommez-le.",
        old=old,
        new=new,
        move=move,
    )


def missing_lists(found: Sequence[tuple[str, str]]) -> str:
    """`found`: (list name, its setting) of each list the board lacks."""
    names = ", ".join(french("« {name} » ({setting})", name=name, setting=setting) for name, setting in found)
    return french(
        "listes introuvables sur le tableau : {names} — créez-les ou lancez `migrabot doctor --fix`",
        names=names,
    )
