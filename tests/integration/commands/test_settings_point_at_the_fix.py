# ruff: noqa: F811  (pytest fixtures imported from test_doctor are redefined as arguments)
"""Issue 22, point 5: settings errors point at the fix. URLs accepted where an id is asked (the id extracted
and shown), a list name close to an existing one gets « vouliez-vous dire » and `--fix` does not create it,
« non vérifiable » is not « manquant », a settings problem never stops the other checks, and `migrabot run`
refused by Trello at start names `migrabot doctor`."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable

from sandbox.trello_server import TrelloSandbox
from tests.integration.commands.test_doctor import doctor, healthy, setenv, slack, trello  # noqa: F401
from tests.integration.commands.test_doctor_drive import FOLDER_NAME, drive, drive_lines  # noqa: F401
from tests.support.text import plain


def test_a_board_address_is_taken_for_its_id(healthy, setenv: Callable[..., None]) -> None:
    board = healthy["trello_board_id"]
    setenv(trello_board_id=f"https://trello.com/b/{board}/reconnect-pro-tech")
    code, lines = doctor()
    assert f"✓ Réglages Trello présents (tableau {board})" in lines
    assert "✓ Trello : liste « À simuler » présente" in lines
    assert code == 0


def test_a_drive_folder_address_is_taken_for_its_id(healthy, setenv, drive) -> None:
    _, values = drive
    folder = values["drive_folder_id"]
    setenv(
        **{**values, "drive_folder_id": f"https://drive.google.com/drive/u/0/folders/{folder}?usp=sharing"}
    )
    code, lines = doctor()
    assert (
        f"✓ Dossier Drive « {FOLDER_NAME} » (identifiant {folder}) trouvé : le bot peut y déposer les fichiers Excel"
    ) in lines
    assert code == 0


def test_a_wrong_drive_folder_says_its_form_in_words_and_the_other_checks_still_run(
    healthy,
    setenv,
) -> None:
    setenv(drive_folder_id="https://example.org/partage/dossier")
    code, lines = doctor()
    assert lines[0] == (
        "✗ Réglages invalides : DRIVE_FOLDER_ID : forme attendue : l'identifiant du dossier ou son adresse, telle "
        "que le navigateur l'affiche (https://drive.google.com/drive/folders/1AbCdEf…) (les autres "
        "vérifications continuent sans eux) → corrigez ces réglages dans .env ou dans l'environnement du service "
        "(voir .env.example)"
    )
    assert not any("^$" in line or "[A-Za-z" in line for line in lines)  # no regular expression shown
    assert "✓ Trello : liste « À simuler » présente" in lines  # the rest was checked
    assert any(line.startswith("✓ Console") for line in lines)
    assert code == 1


def test_a_list_name_close_to_an_existing_one_is_asked_about_and_not_created(
    healthy,
    setenv,
    trello: TrelloSandbox,
) -> None:
    setenv(trello_list_todo="A simuler")
    code, lines = doctor("--fix")
    assert (
        "✗ Trello : liste « A simuler » absente du tableau (TRELLO_LIST_TODO) : vouliez-vous dire « À simuler » ? "
        "→ mettez TRELLO_LIST_TODO=À simuler (`--fix` ne crée pas une liste au nom si proche d'une liste existante)"
    ) in lines
    assert [request for request in trello.requests if request.method == "POST"] == []  # nothing created
    assert code == 1


def test_scopes_slack_does_not_list_are_unverifiable_not_missing(healthy, slack) -> None:
    slack.sends_scopes = False
    code, lines = doctor()
    [line] = [line for line in lines if "portées" in line]
    assert line.startswith(
        "✓ Slack : portées non vérifiables (Slack n'a pas envoyé la liste des portées du jeton)"
    )
    assert "manquantes" not in line
    assert code == 0


def test_a_folder_whose_rights_drive_does_not_say_is_unverifiable_not_read_only(
    healthy,
    setenv,
    drive,
) -> None:
    sandbox, values = drive
    sandbox.api.reports_capabilities = False
    setenv(**values)
    code, lines = doctor()
    [line] = [line for line in drive_lines(lines) if "Dossier Drive" in line]
    assert line.startswith(
        f"✓ Dossier Drive « {FOLDER_NAME} » trouvé ; droit d'y ajouter un fichier non vérifiable"
    )
    assert "ne peut pas y ajouter" not in line
    assert code == 0


def test_run_refused_by_trello_at_start_names_the_doctor(healthy, setenv) -> None:
    setenv(trello_token="not-the-token", slack_bot_token="")
    result = subprocess.run(
        [sys.executable, "-m", "bot", "run", "--once"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 2
    said = plain(result.stderr.strip())
    assert "(HTTP 401" in said
    assert said.endswith(
        "→ Trello refuse la clé ou le jeton : lancez `migrabot doctor`, qui vérifie TRELLO_API_KEY, TRELLO_TOKEN "
        "et TRELLO_BOARD_ID et dit quoi corriger."
    )
    assert "Traceback" not in result.stderr
