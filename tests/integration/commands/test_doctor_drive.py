"""`migrabot doctor` checks the team's Drive folder against the Drive stand-in over HTTP: key readable,
token obtained, folder found and writable, each failure with its French fix."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from sandbox.drive import SERVICE_ACCOUNT, DriveSandbox
from tests.integration.commands.test_doctor import doctor, healthy, setenv, slack, trello  # noqa: F401

FOLDER_NAME = "Migration des dossiers usagers"


@pytest.fixture
def drive(tmp_path: Path) -> Iterator[tuple[DriveSandbox, dict[str, str]]]:
    with DriveSandbox() as sandbox:
        key = sandbox.service_account_key(tmp_path / "migrabot-key.json")
        folder = sandbox.add_folder(FOLDER_NAME, shared_drive=True)
        yield (
            sandbox,
            {
                "drive_folder_id": folder,
                "google_application_credentials": str(key),
                "drive_api_base_url": sandbox.base_url,
            },
        )


def drive_lines(lines: list[str]) -> list[str]:
    return [line for line in lines if "Drive" in line or "Google" in line or "compte de service" in line]


def test_a_ready_folder_is_three_green_lines(healthy, setenv: Callable[..., None], drive) -> None:  # noqa: F811
    _, values = drive
    setenv(**values)
    code, lines = doctor()
    assert drive_lines(lines) == [
        f"✓ Clé du compte de service lisible ({SERVICE_ACCOUNT})",
        f"✓ Jeton Google obtenu pour {SERVICE_ACCOUNT}",
        f"✓ Dossier Drive « {FOLDER_NAME} » (identifiant {values['drive_folder_id']}) trouvé : le bot peut y "
        "déposer les fichiers Excel",
    ]
    assert code == 0


def test_a_missing_key_says_where_to_download_one(healthy, setenv, drive, tmp_path) -> None:  # noqa: F811
    _, values = drive
    setenv(**{**values, "google_application_credentials": str(tmp_path / "absent.json")})
    code, lines = doctor()
    [line] = drive_lines(lines)
    assert line.startswith(f"✗ Drive : clé du compte de service introuvable ({tmp_path / 'absent.json'}) → ")
    assert "Ajouter une clé → JSON" in line and "GOOGLE_APPLICATION_CREDENTIALS" in line
    assert code == 1


def test_a_refused_token_is_named(healthy, setenv, drive) -> None:  # noqa: F811
    sandbox, values = drive
    sandbox.accounts.refuse_all = True
    setenv(**values)
    code, lines = doctor()
    assert drive_lines(lines)[1].startswith(
        "✗ Drive : jeton refusé par Google (Invalid grant: account not found) → la clé a peut-être été supprimée"
    )
    assert code == 1


def test_an_unknown_or_read_only_folder_says_how_to_share_it(healthy, setenv, drive) -> None:  # noqa: F811
    sandbox, values = drive
    setenv(**{**values, "drive_folder_id": "1unknownFolder"})
    _, lines = doctor()
    assert drive_lines(lines)[2] == (
        "✗ Dossier Drive 1unknownFolder : dossier introuvable ou non partagé avec le compte de service (404, le "
        "dossier) → vérifiez DRIVE_FOLDER_ID (la fin de l'adresse du dossier : drive.google.com/drive/folders/<id>) "
        f"et partagez le dossier avec {SERVICE_ACCOUNT}"
    )
    sandbox.store.items[values["drive_folder_id"]].shared_with[SERVICE_ACCOUNT] = "reader"
    setenv(**values)
    code, lines = doctor()
    assert drive_lines(lines)[2] == (
        f"✗ Dossier Drive « {FOLDER_NAME} » trouvé, mais {SERVICE_ACCOUNT} ne peut pas y ajouter de fichier → "
        f"partagez le dossier avec {SERVICE_ACCOUNT} comme « Éditeur » (« Gestionnaire de contenu » dans un "
        "Drive partagé)"
    )
    assert code == 1


def test_half_the_drive_settings_is_a_problem(healthy, setenv, drive) -> None:  # noqa: F811
    _, values = drive
    setenv(drive_folder_id=values["drive_folder_id"])
    code, lines = doctor()
    assert drive_lines(lines) == [
        "✗ Drive à moitié configuré : DRIVE_FOLDER_ID et GOOGLE_APPLICATION_CREDENTIALS vont ensemble → "
        "renseignez les deux pour déposer les fichiers Excel sur le Drive, ou aucun des deux pour s'en passer"
    ]
    assert code == 1
