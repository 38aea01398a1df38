"""`migrabot doctor` against the sandbox Trello and Slack over HTTP, the Reconnect console simulator as a
process (locally and through a real sshd), and real files; each failure provoked on its own."""

from __future__ import annotations

import io
import json
import shlex
import socket
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bot.adapters.store import Store
from bot.adapters.trello import TrelloBoard, TrelloHttp
from bot.cli import main
from bot.commands.doctor import diagnose
from bot.settings import Settings, load_settings
from sandbox.slack_server import DEFAULT_SCOPES, SlackSandbox
from sandbox.trello_server import TrelloSandbox
from tests.support.simulator import console_command
from tests.support.sshd import SshServer, sshd_server  # noqa: F401
from tests.support.text import plain

LISTS = ("À simuler", "En attente validation PO", "À corriger", "Validé — à exécuter", "Terminé")
LABEL = "Migration des dossiers usagers"
BOARD_NAME = "Reconnect Pro - Tech"
OPTIONS = (
    "--originOrganization",
    "--destinationOrganization",
    "--targetFieldSlug",
    "--targetFieldValue",
    "--noField",
    "--withDeleted",
    "--withAccommodations",
    "--dry-run",
)
CONSOLE_OK = (
    "app:migrate-individuals-to-other-organization disponible avec les 8 options utilisées par le bot"
)


@pytest.fixture
def trello() -> Iterator[TrelloSandbox]:
    with TrelloSandbox() as sandbox:
        yield sandbox


@pytest.fixture
def slack() -> Iterator[SlackSandbox]:
    with SlackSandbox() as sandbox:
        yield sandbox


def make_board(trello: TrelloSandbox, *, lists: tuple[str, ...] = LISTS, label: bool = True) -> str:
    board = trello.add_board(BOARD_NAME)["id"]
    for name in lists:
        trello.add_list(board, name)
    if label:
        trello.add_label(board, LABEL)
    return board


@pytest.fixture
def setenv(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Callable[..., None]:
    """Settings come from the environment only: every setting cleared, no `.env` in the working directory."""
    monkeypatch.chdir(tmp_path)
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)

    def set_settings(**values: object) -> None:
        for name, value in values.items():
            monkeypatch.setenv(name.upper(), str(value))

    return set_settings


@pytest.fixture
def healthy(
    setenv: Callable[..., None],
    trello: TrelloSandbox,
    slack: SlackSandbox,
    reconnect_db: Path,
    tmp_path: Path,
) -> dict[str, str]:
    """Everything in place: the settings a green doctor gets (tests then break one thing)."""
    values = {
        "trello_api_key": "sandbox-key",
        "trello_token": "sandbox-token",
        "trello_board_id": make_board(trello),
        "trello_api_base_url": trello.base_url,
        "slack_bot_token": slack.bot_token,
        "slack_api_base_url": slack.base_url,
        "slack_mode": "http",
        "slack_signing_secret": "sandbox-signing-secret",
        "slack_po_user_ids": "U0PO",
        "console_command": console_command(reconnect_db),
        "state_db": str(tmp_path / "data" / "state.sqlite3"),
    }
    setenv(**values)
    return values


def doctor(*args: str) -> tuple[int, list[str]]:
    out, err = io.StringIO(), io.StringIO()
    code = main(["doctor", *args], stdout=out, stderr=err)
    assert "Traceback" not in out.getvalue() + err.getvalue()
    return code, plain(out.getvalue()).splitlines()  # typography has its own tests


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_everything_in_place_is_all_green(
    healthy: dict[str, str], trello: TrelloSandbox, tmp_path: Path
) -> None:
    code, lines = doctor()

    assert lines == [
        "✓ Réglages chargés",
        f"✓ Réglages Trello présents (tableau {healthy['trello_board_id']})",
        "✓ Réglages Slack cohérents (mode http, 1 PO)",
        "✓ Mode Slack : le PO décide sur Slack (boutons « Valider » / « Refuser » de la demande, ou réponse "
        "« ok » ou « refusé : » suivi de la raison dans son fil)",
        f"✓ Trello joignable ({trello.base_url})",
        "✓ Trello : jeton valide (compte « migrabot »)",
        f"✓ Trello : tableau « {BOARD_NAME} » trouvé",
        *(f"✓ Trello : liste « {name} » présente" for name in LISTS),
        f"✓ Trello : étiquette « {LABEL} » présente",
        "✓ Slack : jeton valide (utilisateur du bot U0BOT)",
        "✓ Slack : portées présentes (chat:write, files:write, im:write, users:read, channels:history, im:history)",
        f"✓ Console (sur cette machine) : {CONSOLE_OK}",
        "✓ Vérification des hébergements activée : chaque règle sans « avec hébergements » est aussi simulée "
        "avec --withAccommodations (toujours en --dry-run) ; ACCOMMODATION_IMPACT=false la coupe si la preprod "
        "est lente",
        "✓ Recherche de la valeur voulue : pour une règle qui ne trouve aucun dossier, jusqu'à 6 variantes "
        "simulées en --dry-run (20 au plus par carte) ; NEAR_MISS_TRIES=0 la coupe",
        f"✓ Base d'état : {healthy['state_db']} accessible en écriture",
        "Tout est prêt pour `migrabot run`.",
    ]
    assert code == 0
    store = Store(healthy["state_db"])
    try:
        assert store.last_beat("doctor") is not None  # really written, really read back
    finally:
        store.close()


def test_json_reports_each_check_with_its_status(
    healthy: dict[str, str], setenv: Callable[..., None]
) -> None:
    setenv(slack_bot_token="", trello_po_members="romainlacits")  # Slack off: a warning, not a failure

    code, lines = doctor("--json")

    payload = json.loads("\n".join(lines))
    assert code == 0
    assert payload["ok"] is True
    assert [check["name"] for check in payload["checks"]] == [
        "settings",
        "settings.trello",
        "settings.slack",
        "decisions",
        "trello.reachable",
        "trello.token",
        "trello.board",
        "trello.list_todo",
        "trello.list_waiting",
        "trello.list_fix",
        "trello.list_approved",
        "trello.list_done",
        "trello.label",
        "trello.po",
        "console",
        "console.accommodation_impact",
        "console.near_miss",
        "state_db",
    ]
    assert payload["checks"][2] == {
        "name": "settings.slack",
        "status": "warning",
        "detail": "Slack non configuré : le bot fonctionnera sur Trello seul",
        "fix": None,
    }
    assert payload["checks"][3]["detail"] == (
        "Mode Trello seul : le PO décide sur Trello (@romainlacits répond sur la carte « validé », ou "
        "« refusé : » suivi de la raison)"
    )
    assert {check["status"] for check in payload["checks"][3:]} == {"ok"}


def test_the_accommodation_check_turned_off_is_a_warning_naming_its_setting(
    healthy: dict[str, str], setenv: Callable[..., None]
) -> None:
    setenv(accommodation_impact="false")

    code, lines = doctor()

    assert code == 0
    assert (
        "✓ Vérification des hébergements désactivée (ACCOMMODATION_IMPACT=false) : le PO ne saura pas de combien "
        "d'hébergements les dossiers migrés seront décrochés"
    ) in lines


def test_the_near_miss_search_turned_off_is_a_warning_naming_its_setting(
    healthy: dict[str, str], setenv: Callable[..., None]
) -> None:
    setenv(near_miss_tries="0")

    code, lines = doctor()

    assert code == 0
    assert (
        "✓ Recherche de la valeur voulue désactivée (NEAR_MISS_TRIES=0) : une règle qui ne trouve aucun dossier "
        "sera signalée, sans proposer la valeur qui en trouve"
    ) in lines


def test_each_trello_po_is_looked_up_on_trello(healthy: dict[str, str], setenv: Callable[..., None]) -> None:
    setenv(trello_po_members="romainlacits,personne")
    code, lines = doctor()
    assert code == 1
    assert "✓ Trello : PO @romainlacits trouvé (Romain Lacits)" in lines
    assert (
        "✗ Trello : membre « personne » de TRELLO_PO_MEMBERS introuvable → mettez dans TRELLO_PO_MEMBERS le "
        "nom d'utilisateur Trello du PO (sans @, visible dans son profil) ou son identifiant de membre"
    ) in lines


def test_the_doctor_says_which_mode_and_how_the_po_decides(
    healthy: dict[str, str], setenv: Callable[..., None]
) -> None:
    setenv(trello_po_members="camille,@dominique")
    _, lines = doctor()
    assert (
        "✓ Mode Slack et Trello : le PO décide sur Slack (boutons « Valider » / « Refuser » de la demande, ou "
        "réponse « ok » ou « refusé : » suivi de la raison dans son fil), ou sur Trello (@camille, @dominique "
        "répond sur la carte « validé », ou « refusé : » suivi de la raison) ; la première décision compte"
    ) in lines

    setenv(slack_bot_token="", trello_po_members="")
    code, lines = doctor()
    assert code == 1
    assert (
        "✗ Mode Trello seul, sans PO : personne ne peut valider les cartes simulées (ni Slack, ni "
        "TRELLO_PO_MEMBERS) → renseignez TRELLO_PO_MEMBERS (noms d'utilisateur Trello des PO, qui décident "
        "sur la carte) ou configurez Slack (docs/installation.md, « From zero to a running bot », étape 4)"
    ) in lines


def test_a_wrong_trello_token_is_named_and_the_other_checks_still_run(
    healthy: dict[str, str], setenv: Callable[..., None]
) -> None:
    setenv(trello_token="not-the-token")

    code, lines = doctor()

    assert code == 1
    assert (
        "✗ Trello : jeton refusé (HTTP 401 : invalid token) ; tableau, listes et étiquette non vérifiés → "
        "régénérez le jeton sur https://trello.com/power-ups/admin, onglet « API Key » (lien « Token », en "
        "lecture et écriture) "
        "et mettez-le dans TRELLO_TOKEN"
    ) in lines
    assert not [
        line for line in lines if line.startswith(("✓ Trello", "✗ Trello : tableau", "✗ Trello : liste"))
    ]
    assert f"✓ Console (sur cette machine) : {CONSOLE_OK}" in lines
    assert lines[-1] == "1 problème à corriger avant `migrabot run`."


def test_an_unknown_board_points_to_trello_board_id(
    healthy: dict[str, str], setenv: Callable[..., None]
) -> None:
    setenv(trello_board_id="0123456789abcdef01234567")

    code, lines = doctor()

    assert code == 1
    assert (
        "✗ Trello : tableau « 0123456789abcdef01234567 » introuvable (HTTP 404 : The requested resource was not "
        "found.) ; listes et étiquette non vérifiées → mettez dans TRELLO_BOARD_ID l'identifiant du tableau "
        "(les 8 caractères après trello.com/b/ dans son adresse) ; le compte du jeton doit en être membre"
    ) in lines
    assert "✓ Trello : jeton valide (compte « migrabot »)" in lines


def test_an_unreachable_trello_skips_its_other_checks_in_one_line(
    healthy: dict[str, str], setenv: Callable[..., None]
) -> None:
    setenv(trello_api_base_url=f"http://127.0.0.1:{closed_port()}/1")

    code, lines = doctor()

    assert code == 1
    assert [line for line in lines if "Trello" in line and not line.startswith("✓ Réglages")] == [
        "✗ Trello injoignable : connexion impossible (ConnectError) (GET /1/members/me) ; jeton, tableau, listes "
        "et étiquette non vérifiés → vérifiez TRELLO_API_BASE_URL, le réseau et un éventuel proxy (HTTPS_PROXY)"
    ]
    assert lines[-2].startswith("✓ Base d'état")


def test_fix_creates_a_missing_list(
    healthy: dict[str, str], setenv: Callable[..., None], trello: TrelloSandbox
) -> None:
    board_id = make_board(trello, lists=tuple(name for name in LISTS if name != "À corriger"))
    setenv(trello_board_id=board_id)

    code, lines = doctor()
    assert code == 1
    assert (
        "✗ Trello : liste « À corriger » absente du tableau (TRELLO_LIST_FIX) → créez-la sur le tableau, "
        "corrigez TRELLO_LIST_FIX ou lancez `migrabot doctor --fix`"
    ) in lines

    code, lines = doctor("--fix")
    assert code == 0
    assert "✓ Trello : liste « À corriger » créée" in lines
    board = TrelloBoard(
        http=TrelloHttp(base_url=trello.base_url),
        api_key="sandbox-key",
        token="sandbox-token",
        board_id=board_id,
    )
    try:
        assert sorted(board.layout().lists) == sorted(LISTS)
    finally:
        board.http.close()
    assert doctor()[0] == 0


def test_a_missing_label_is_a_problem_that_fix_solves(
    healthy: dict[str, str], setenv: Callable[..., None], trello: TrelloSandbox
) -> None:
    setenv(trello_board_id=make_board(trello, label=False))

    code, lines = doctor()
    assert code == 1
    assert (
        f"✗ Trello : étiquette « {LABEL} » absente du tableau (TRELLO_CARD_LABEL) → créez-la sur le tableau, "
        "corrigez TRELLO_CARD_LABEL ou lancez `migrabot doctor --fix`"
    ) in lines

    code, lines = doctor("--fix")
    assert (code, lines[12]) == (
        0,
        f"✓ Trello : étiquette « {LABEL} » créée",
    )  # after the five lists and the mode


def test_a_refused_slack_token(healthy: dict[str, str], setenv: Callable[..., None]) -> None:
    setenv(slack_bot_token="xoxb-revoked")

    code, lines = doctor()

    assert code == 1
    assert (
        "✗ Slack : jeton refusé (invalid_auth) ; portées non vérifiées → copiez dans SLACK_BOT_TOKEN le « Bot "
        "User OAuth Token » (xoxb-…) de la page « OAuth & Permissions » de l'app"
    ) in lines


def test_missing_slack_scopes_are_listed(healthy: dict[str, str], setenv: Callable[..., None]) -> None:
    scopes = [scope for scope in DEFAULT_SCOPES if scope not in {"files:write", "im:history"}]
    with SlackSandbox(scopes=scopes) as narrow:
        setenv(slack_api_base_url=narrow.base_url)
        code, lines = doctor()

    assert code == 1
    assert "✓ Slack : jeton valide (utilisateur du bot U0BOT)" in lines
    assert (
        "✗ Slack : portées manquantes : files:write, im:history → ajoutez-les dans la page « OAuth & Permissions » "
        "de l'app (« Bot Token Scopes »), puis réinstallez l'app dans l'espace de travail"
    ) in lines


def test_inconsistent_slack_settings_name_each_setting(
    healthy: dict[str, str], setenv: Callable[..., None]
) -> None:
    setenv(slack_mode="socket", slack_po_user_ids="", slack_channel_id="#migrations")

    code, lines = doctor()

    assert code == 1
    assert lines[2] == (
        "✗ Réglages Slack : SLACK_PO_USER_IDS manquant ; SLACK_APP_TOKEN manquant (mode socket) ; "
        "SLACK_CHANNEL_ID mal formé (C…, G… ou D… attendu) → renseignez dans .env SLACK_PO_USER_IDS : les "
        "identifiants Slack des PO, séparés par des virgules (profil → « Copier l'ID de membre ») ; "
        "SLACK_APP_TOKEN : un jeton d'app xapp-… avec la portée connections:write (« Basic Information » → "
        "« App-Level Tokens »), ou SLACK_MODE=http ; SLACK_CHANNEL_ID : un identifiant de salon (C…, G… ou D…), "
        "pas son nom"
    )


def test_a_console_that_cannot_start_points_to_console_command(
    healthy: dict[str, str], setenv: Callable[..., None], tmp_path: Path
) -> None:
    missing = tmp_path / "no-such-console"
    setenv(console_command=str(missing))

    code, lines = doctor()

    assert code == 1
    assert (
        f"✗ Console (sur cette machine) : la commande n'a pas pu être lancée : « Impossible de lancer « {missing} » "
        ": programme introuvable. » → corrigez CONSOLE_COMMAND (par exemple « php bin/console ») : son programme "
        "doit exister sur cette machine"
    ) in lines


def test_a_console_whose_help_lacks_an_option_names_it(
    healthy: dict[str, str], setenv: Callable[..., None], tmp_path: Path
) -> None:
    older = [option for option in OPTIONS if option != "--withAccommodations"]
    help_text = "Usage:\n  app:migrate-individuals-to-other-organization [options]\n\nOptions:\n" + "".join(
        f"      {option}  …\n" for option in older
    )
    script = tmp_path / "old-console.py"
    script.write_text(f"import sys\nsys.stdout.write({help_text!r})\n", encoding="utf-8")
    setenv(console_command=shlex.join([sys.executable, "-S", str(script)]))

    code, lines = doctor()

    assert code == 1
    assert (
        "✗ Console (sur cette machine) : options absentes de l'aide de app:migrate-individuals-to-other-organization"
        " : --withAccommodations → la version de Reconnect atteinte ne connaît pas ces options : mettez "
        "l'application à jour, ou pointez CONSOLE_WORKDIR vers la bonne installation"
    ) in lines


def test_a_console_refusing_the_command_is_quoted(
    healthy: dict[str, str], setenv: Callable[..., None]
) -> None:
    setenv(
        console_command=shlex.join(
            [sys.executable, "-c", "import sys; sys.exit('Command \"help\" is broken.')"]
        )
    )

    code, lines = doctor()

    assert code == 1
    assert (
        '✗ Console (sur cette machine) : la commande a échoué (code 1) : « Command "help" is broken. » → '
        "vérifiez CONSOLE_COMMAND et CONSOLE_WORKDIR (le dossier de l'application Reconnect)"
    ) in lines


def test_the_console_over_ssh(
    healthy: dict[str, str],
    setenv: Callable[..., None],
    sshd_server: SshServer,  # noqa: F811
) -> None:
    setenv(console_ssh=sshd_server.target, console_ssh_options=sshd_server.ssh_options)

    code, lines = doctor()

    assert f"✓ Console (par SSH sur {sshd_server.target}) : {CONSOLE_OK}" in lines
    assert code == 0


def test_an_ssh_connection_refused_points_to_the_ssh_settings(
    healthy: dict[str, str],
    setenv: Callable[..., None],
    sshd_server: SshServer,  # noqa: F811
) -> None:
    setenv(
        console_ssh=f"{sshd_server.user}@127.0.0.1:{closed_port()}",
        console_ssh_options=sshd_server.ssh_options,
    )

    code, lines = doctor()

    assert code == 1
    [console] = [line for line in lines if line.startswith("✗ Console")]
    assert "la commande a échoué (code 255)" in console
    assert console.endswith(
        "→ vérifiez CONSOLE_SSH (utilisateur@hôte[:port]) et CONSOLE_SSH_OPTIONS (clé -i, UserKnownHostsFile) ; "
        "essayez `ssh <options> <cible> true` depuis le compte du bot"
    )


def test_a_state_folder_that_is_a_file_is_reported_with_its_path(
    healthy: dict[str, str], setenv: Callable[..., None], tmp_path: Path
) -> None:
    (tmp_path / "file").write_text("not a folder")
    state_db = tmp_path / "file" / "db.sqlite3"
    setenv(state_db=state_db)

    code, lines = doctor()

    assert code == 1
    assert lines[-2] == (
        f"✗ Base d'état : écriture impossible dans {state_db} ({tmp_path / 'file'} est un fichier, pas un dossier) "
        "→ corrigez STATE_DB ou donnez à l'utilisateur du bot le droit d'écrire dans ce dossier"
    )


def test_invalid_settings_are_one_line_and_the_other_checks_still_run(setenv: Callable[..., None]) -> None:
    """Issue 22: a settings problem never stops the other checks (they run with those settings' defaults)."""
    setenv(poll_interval_seconds="souvent", slack_mode="webhook")

    check, *others = diagnose(load_settings)

    assert (check.name, check.ok) == ("settings", False)
    assert plain(check.detail) == (
        "Réglages invalides : POLL_INTERVAL_SECONDS : un nombre est attendu ; SLACK_MODE : valeurs possibles : "
        "'socket' or 'http' (les autres vérifications continuent sans eux)"
    )
    assert {"settings.trello", "decisions", "console", "state_db"} <= {other.name for other in others}


def test_invalid_settings_are_a_failed_check_not_a_usage_error(setenv: Callable[..., None]) -> None:
    setenv(poll_interval_seconds="abc")
    code, lines = doctor()
    assert code == 1
    assert lines[0].startswith("✗ Réglages invalides : POLL_INTERVAL_SECONDS : un nombre est attendu")


def test_the_default_state_is_checked_where_the_bot_will_keep_it_per_board(
    healthy: dict[str, str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Issue 25.1: STATE_DB left empty, the ✓ line names the absolute per-board file, the same from anywhere."""
    monkeypatch.delenv("STATE_DB")
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg"))
    expected = tmp_path / "xdg" / "migrabot" / healthy["trello_board_id"] / "migrabot.sqlite3"

    code, lines = doctor()

    assert code == 0
    assert lines[-2] == f"✓ Base d'état : {expected} accessible en écriture"
    assert expected.is_file()


def test_a_state_left_at_the_old_relative_default_is_a_failed_check_that_creates_nothing(
    healthy: dict[str, str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("STATE_DB")
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg"))
    old = tmp_path / "data" / "migrabot.sqlite3"  # the working directory is tmp_path
    old.parent.mkdir()
    old.write_bytes(b"")

    code, lines = doctor()

    assert code == 1
    assert lines[-2].startswith(f"✗ Base d'état : un état existe à l'ancien emplacement par défaut {old} ;")
    assert lines[-2].endswith("→ voir « Where the state is » dans docs/operations.md")
    assert not (tmp_path / "xdg").exists()  # doctor wrote no new state beside the old one
