"""The French texts of `migrabot doctor`: one line per check, its fix, the summary and the JSON payload.

Each line reads on its own (`migrabot doctor | grep ✗` gives the problems with their fixes): the subject,
what was found, then « → » and what to do, naming the setting or the command to change.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from bot.texts.french import french, plural, typeset


class Check(Protocol):
    """One result of `migrabot doctor` as rendered here (`bot.commands.doctor.Check` has this shape)."""

    @property
    def name(self) -> str: ...
    @property
    def ok(self) -> bool | None: ...
    @property
    def detail(self) -> str: ...
    @property
    def fix(self) -> str: ...
    @property
    def status(self) -> str: ...


OK_MARK = "✓"
# The subjects of an unexpected error in one group of checks
TRELLO, SLACK, DRIVE, CONSOLE, STATE_DB = "Trello", "Slack", "Drive", "Console", "Base d'état"
ERROR_MARK = "✗"
# Trello's key page (the former trello.com/app-key was replaced by the Power-Up admin portal): one link
# everywhere, docs and settings included.
TRELLO_KEY_PAGE_URL = "https://trello.com/power-ups/admin"

# --- settings ---------------------------------------------------------------------------------------

SETTINGS_LOADED = "Réglages chargés"
SETTINGS_INVALID_FIX = (
    "corrigez ces réglages dans .env ou dans l'environnement du service (voir .env.example)"
)
SLACK_DISABLED = typeset("Slack non configuré : le bot fonctionnera sur Trello seul")
TRELLO_NOT_CHECKED = " (Trello non vérifié)"


def settings_invalid(message: str) -> str:
    """`SettingsError`'s text (a title, then « - NAME : problem » lines) on one line."""
    lines = [line.strip().removeprefix("- ") for line in message.splitlines() if line.strip()]
    problems = typeset(" ; ").join(lines[1:]) if len(lines) > 1 else "".join(lines)
    return french(
        "Réglages invalides : {problems} (les autres vérifications continuent sans eux)",
        problems=problems,
    )


def trello_settings_ok(board_id: str) -> str:
    return f"Réglages Trello présents (tableau {board_id})"


def settings_problems(subject: str, problems: Sequence[str]) -> str:
    return french("Réglages {subject} : ", subject=subject) + typeset(" ; ").join(problems)


def missing(setting: str) -> str:
    return f"{setting} manquant"


def malformed(setting: str, expected: str) -> str:
    return f"{setting} mal formé ({expected} attendu)"


TRELLO_CREDENTIALS_FIX = french(
    "la clé et le jeton sur {url}, onglet « API Key » de votre Power-Up (TRELLO_API_KEY, puis le lien « Token » pour TRELLO_TOKEN) ; l'identifiant du tableau dans son adresse, trello.com/b/<identifiant>/… (TRELLO_BOARD_ID)",
    url=TRELLO_KEY_PAGE_URL,
)
URL_FIX = "une adresse en http:// ou https://"


def slack_settings_ok(mode: str, po_count: int) -> str:
    return f"Réglages Slack cohérents (mode {mode}, {po_count} PO)"


SLACK_BOT_TOKEN_FIX = typeset(
    "le « Bot User OAuth Token » (xoxb-…) de la page « OAuth & Permissions » de l'app"
)
SLACK_PO_FIX = typeset(
    "les identifiants Slack des PO, séparés par des virgules (profil → « Copier l'ID de membre »)"
)
SLACK_APP_TOKEN_FIX = typeset(
    "un jeton d'app xapp-… avec la portée connections:write (« Basic Information » → « App-Level Tokens »), "
    "ou SLACK_MODE=http"
)
SLACK_SIGNING_SECRET_FIX = typeset("le « Signing Secret » de la page « Basic Information » de l'app")
SLACK_CHANNEL_FIX = "un identifiant de salon (C…, G… ou D…), pas son nom"


SLACK_DECIDES = typeset(
    "sur Slack (boutons « Valider » / « Refuser » de la demande, ou réponse « ok » ou « refusé : » suivi de "
    "la raison dans son fil)"
)


def trello_decides(po_refs: Sequence[str]) -> str:
    who = ", ".join(f"@{ref}" for ref in po_refs)
    return french(
        "sur Trello ({who} répond sur la carte « validé », ou « refusé : » suivi de la raison)", who=who
    )


def decision_mode(*, slack: bool, trello_po_refs: Sequence[str]) -> str:
    """Which mode the bot is in and how the PO decides in it."""
    if slack and trello_po_refs:
        return french(
            "Mode Slack et Trello : le PO décide {slack}, ou {trello} ; la première décision compte",
            slack=SLACK_DECIDES,
            trello=trello_decides(trello_po_refs),
        )
    if slack:
        return french("Mode Slack : le PO décide {how}", how=SLACK_DECIDES)
    return french("Mode Trello seul : le PO décide {how}", how=trello_decides(trello_po_refs))


NOBODY_DECIDES = typeset(
    "Mode Trello seul, sans PO : personne ne peut valider les cartes simulées (ni Slack, ni TRELLO_PO_MEMBERS)"
)
NOBODY_DECIDES_FIX = typeset(
    "renseignez TRELLO_PO_MEMBERS (noms d'utilisateur Trello des PO, qui décident sur la carte) "
    "ou configurez Slack (docs/installation.md, « From zero to a running bot », étape 4)"
)


def in_env_file(fixes: Sequence[str]) -> str:
    return "renseignez dans .env " + typeset(" ; ").join(dict.fromkeys(fixes))


class SettingProblem(Protocol):
    """`bot.settings.SettingProblem` as worded here."""

    @property
    def setting(self) -> str: ...
    @property
    def missing(self) -> bool: ...
    @property
    def mode(self) -> str: ...


_TRELLO_CREDENTIALS = frozenset({"TRELLO_API_KEY", "TRELLO_TOKEN", "TRELLO_BOARD_ID"})
_EXPECTED_FORM = {
    "TRELLO_API_BASE_URL": URL_FIX,
    "SLACK_API_BASE_URL": URL_FIX,
    "SLACK_BOT_TOKEN": "xoxb-…",
    "SLACK_APP_TOKEN": "xapp-…",
    "SLACK_PO_USER_IDS": "U… ou W…",
    "SLACK_CHANNEL_ID": "C…, G… ou D…",
    "SLACK_TEAM_CHANNEL_ID": "C…, G… ou D…",
    "APPLY_SIGNING_KEY": "au moins 32 caractères",
}
_SETTING_FIX = {
    "TRELLO_API_BASE_URL": URL_FIX,
    "SLACK_API_BASE_URL": URL_FIX,
    "SLACK_BOT_TOKEN": SLACK_BOT_TOKEN_FIX,
    "SLACK_APP_TOKEN": SLACK_APP_TOKEN_FIX,
    "SLACK_SIGNING_SECRET": SLACK_SIGNING_SECRET_FIX,
    "SLACK_PO_USER_IDS": SLACK_PO_FIX,
    "SLACK_CHANNEL_ID": SLACK_CHANNEL_FIX,
    "SLACK_TEAM_CHANNEL_ID": SLACK_CHANNEL_FIX,
    "APPLY_MEMBERS": "noms d'utilisateur (ou ids) Trello des personnes qui peuvent lancer un groupe sur la preprod",
    "APPLY_SIGNING_KEY": typeset(
        "une clé aléatoire (par exemple `openssl rand -hex 32`), la même que le fichier --apply-key-file du garde de la preprod"
    ),
}

APPLY_SUBJECT = "Lancement preprod"


def setting_problem(problem: SettingProblem) -> str:
    found = (
        missing(problem.setting)
        if problem.missing
        else malformed(problem.setting, _EXPECTED_FORM[problem.setting])
    )
    return f"{found} (mode {problem.mode})" if problem.mode else found


def setting_fix(problem: SettingProblem) -> str:
    if problem.setting in _TRELLO_CREDENTIALS:
        return TRELLO_CREDENTIALS_FIX  # key, token and board id are found together, on Trello's pages
    return french(
        "{setting} : {SETTING_FIX}", setting=problem.setting, SETTING_FIX=_SETTING_FIX[problem.setting]
    )


def settings_report(subject: str, problems: Sequence[SettingProblem]) -> tuple[str, str]:
    """(what is wrong, what to do) for one service's settings, for doctor's line and the start-up error."""
    detail = settings_problems(subject, [setting_problem(problem) for problem in problems])
    return detail, in_env_file([setting_fix(problem) for problem in problems])


def http_refusal(status: int | None, said: str) -> str:
    return french("HTTP {status} : {said}", status=status, said=said)


def os_reason(reason: str, filename: object) -> str:
    return french("{reason} : {filename}", reason=reason, filename=filename)


def setup_refused(detail: str, fix: str) -> str:
    """`migrabot run` stops before touching anything: the same words as `migrabot doctor`."""
    return f"{detail} → {fix}"


# --- Trello -----------------------------------------------------------------------------------------

TRELLO_UNREACHABLE_FIX = "vérifiez TRELLO_API_BASE_URL, le réseau et un éventuel proxy (HTTPS_PROXY)"
TRELLO_KEY_FIX = french(
    "copiez dans TRELLO_API_KEY la clé d'API de votre Power-Up ({url}, onglet « API Key »)",
    url=TRELLO_KEY_PAGE_URL,
)
TRELLO_TOKEN_FIX = french(
    "régénérez le jeton sur {url}, onglet « API Key » (lien « Token », en lecture et écriture) et mettez-le dans TRELLO_TOKEN",
    url=TRELLO_KEY_PAGE_URL,
)
TRELLO_TRANSIENT_FIX = typeset(
    "réessayez dans quelques minutes ; si cela dure, voir https://trello.status.atlassian.com"
)
TRELLO_BOARD_FIX = typeset(
    "mettez dans TRELLO_BOARD_ID l'identifiant du tableau (les 8 caractères après trello.com/b/ dans son "
    "adresse) ; le compte du jeton doit en être membre"
)
TRELLO_BOARD_ACCESS_FIX = "ajoutez le compte du bot aux membres du tableau, ou corrigez TRELLO_BOARD_ID"
TRELLO_WRITE_FIX = "créez-la à la main sur le tableau, ou donnez au compte du bot le droit d'y écrire"
_BOARD_SKIPPED = "tableau, listes et étiquette non vérifiés"
_CONTENT_SKIPPED = "listes et étiquette non vérifiées"


def trello_unreachable(reason: str) -> str:
    return french("{reason} ; jeton, {skipped}", reason=reason, skipped=_BOARD_SKIPPED)


def trello_reachable(base_url: str) -> str:
    return f"Trello joignable ({base_url})"


def _trello_stopped(problem: str, why: str, *, skipped: str) -> str:
    """A Trello check that failed and stopped the ones after it, in one shape for the account's checks and
    the board's: « Trello : <problem> (<why>) ; <what was not checked> ». `problem` comes typeset (written
    with french() when it names something), `why` is Trello's or the network's own words."""
    return french("Trello : {problem} ({why}) ; {skipped}", problem=problem, why=why, skipped=skipped)


def trello_key_refused(reason: str) -> str:
    return _trello_stopped("clé d'API refusée", reason, skipped=_BOARD_SKIPPED)


def trello_token_refused(reason: str) -> str:
    return _trello_stopped("jeton refusé", reason, skipped=_BOARD_SKIPPED)


def trello_account_failed(error: str) -> str:
    return _trello_stopped("compte du jeton illisible", error, skipped=_BOARD_SKIPPED)


def trello_token_ok(account: str) -> str:
    return french("Trello : jeton valide (compte « {account} »)", account=account)


def trello_board_ok(name: str) -> str:
    return french("Trello : tableau « {name} » trouvé", name=name)


def trello_board_not_found(board_id: str, reason: str) -> str:
    problem = french("tableau « {board_id} » introuvable", board_id=board_id)
    return _trello_stopped(problem, reason, skipped=_CONTENT_SKIPPED)


def trello_board_forbidden(board_id: str, reason: str) -> str:
    problem = french("le jeton n'a pas accès au tableau « {board_id} »", board_id=board_id)
    return _trello_stopped(problem, reason, skipped=_CONTENT_SKIPPED)


def trello_board_failed(error: str) -> str:
    return _trello_stopped("tableau illisible", error, skipped=_CONTENT_SKIPPED)


def trello_layout_failed(error: str) -> str:
    return french("Trello : listes et étiquettes illisibles ({error})", error=error)


def list_present(name: str) -> str:
    return french("Trello : liste « {name} » présente", name=name)


def list_created(name: str) -> str:
    return french("Trello : liste « {name} » créée", name=name)


def list_missing(name: str, setting: str) -> str:
    return french("Trello : liste « {name} » absente du tableau ({setting})", name=name, setting=setting)


def list_near_miss(name: str, setting: str, close: str) -> str:
    return french(
        "Trello : liste « {name} » absente du tableau ({setting}) : vouliez-vous dire « {close} » ?",
        name=name,
        setting=setting,
        close=close,
    )


def list_near_miss_fix(setting: str, close: str) -> str:
    return french(
        "mettez {setting}={close} (`--fix` ne crée pas une liste au nom si proche d'une liste existante)",
        setting=setting,
        close=close,
    )


def list_missing_fix(setting: str) -> str:
    return f"créez-la sur le tableau, corrigez {setting} ou lancez `migrabot doctor --fix`"


def list_creation_failed(name: str, error: str) -> str:
    return french("Trello : création de la liste « {name} » impossible ({error})", name=name, error=error)


def label_present(name: str) -> str:
    return french("Trello : étiquette « {name} » présente", name=name)


def label_created(name: str) -> str:
    return french("Trello : étiquette « {name} » créée", name=name)


def label_missing(name: str) -> str:
    return french("Trello : étiquette « {name} » absente du tableau (TRELLO_CARD_LABEL)", name=name)


LABEL_MISSING_FIX = "créez-la sur le tableau, corrigez TRELLO_CARD_LABEL ou lancez `migrabot doctor --fix`"


def label_creation_failed(name: str, error: str) -> str:
    return french("Trello : création de l'étiquette « {name} » impossible ({error})", name=name, error=error)


# --- Slack ------------------------------------------------------------------------------------------

SLACK_TOKEN_FIX = f"copiez dans SLACK_BOT_TOKEN {SLACK_BOT_TOKEN_FIX}"
SLACK_UNREACHABLE_FIX = "vérifiez SLACK_API_BASE_URL, le réseau et un éventuel proxy (HTTPS_PROXY)"
SLACK_SCOPES_FIX = typeset(
    "ajoutez-les dans la page « OAuth & Permissions » de l'app (« Bot Token Scopes »), "
    "puis réinstallez l'app dans l'espace de travail"
)
_SCOPES_SKIPPED = "portées non vérifiées"


def slack_token_ok(bot_user_id: str) -> str:
    return french("Slack : jeton valide (utilisateur du bot {bot_user_id})", bot_user_id=bot_user_id)


def slack_token_refused(code: str) -> str:
    return french("Slack : jeton refusé ({code}) ; {skipped}", code=code, skipped=_SCOPES_SKIPPED)


def slack_auth_failed(code: str) -> str:
    return french("Slack : auth.test a échoué ({code}) ; {skipped}", code=code, skipped=_SCOPES_SKIPPED)


def slack_unreachable(base_url: str, reason: str) -> str:
    return french(
        "Slack injoignable ({base_url} : {reason}) ; {skipped}",
        base_url=base_url,
        reason=reason,
        skipped=_SCOPES_SKIPPED,
    )


def slack_scopes_ok(scopes: Sequence[str]) -> str:
    return french("Slack : portées présentes ({scopes})", scopes=", ".join(scopes))


def slack_scopes_unverifiable(scopes: Sequence[str]) -> str:
    return french(
        "Slack : portées non vérifiables (Slack n'a pas envoyé la liste des portées du jeton) : vérifiez dans "
        "« OAuth & Permissions » que l'app a {scopes}",
        scopes=", ".join(scopes),
    )


def slack_scopes_missing(scopes: Sequence[str]) -> str:
    return french("Slack : portées manquantes : {scopes}", scopes=", ".join(scopes))


# --- console ----------------------------------------------------------------------------------------


def console_where(ssh_target: str) -> str:
    return f"par SSH sur {ssh_target}" if ssh_target else "sur cette machine"


def console_ok(command: str, option_count: int, where: str) -> str:
    return french(
        "Console ({where}) : {command} disponible avec {options} par le bot",
        where=where,
        command=command,
        options="l'option utilisée" if option_count == 1 else f"les {option_count} options utilisées",
    )


def console_failed(where: str, failure: str) -> str:
    return french("Console ({where}) : {failure}", where=where, failure=failure[:1].lower() + failure[1:])


def console_command_unknown(where: str, command: str) -> str:
    return french(
        "Console ({where}) : l'aide ne mentionne pas la commande {command}", where=where, command=command
    )


def console_options_missing(where: str, command: str, options: Sequence[str]) -> str:
    return french(
        "Console ({where}) : options absentes de l'aide de {command} : {options}",
        where=where,
        command=command,
        options=", ".join(options),
    )


def console_setup_failed(reason: str) -> str:
    return french("Console : transport impossible à préparer ({reason})", reason=reason)


CONSOLE_SSH_FIX = typeset(
    "vérifiez CONSOLE_SSH (utilisateur@hôte[:port]) et CONSOLE_SSH_OPTIONS (clé -i, UserKnownHostsFile) ; "
    "essayez `ssh <options> <cible> true` depuis le compte du bot"
)
CONSOLE_NO_SSH_CLIENT_FIX = "installez le client OpenSSH (commande ssh) sur la machine du bot"
CONSOLE_WORKDIR_FIX = "créez ce dossier ou corrigez CONSOLE_WORKDIR (le dossier de l'application Reconnect)"
CONSOLE_PROGRAM_FIX = typeset(
    "corrigez CONSOLE_COMMAND (par exemple « php bin/console ») : son programme doit exister sur cette machine"
)
CONSOLE_OPTIONS_FIX = typeset(
    "la version de Reconnect atteinte ne connaît pas ces options : mettez l'application à jour, "
    "ou pointez CONSOLE_WORKDIR vers la bonne installation"
)


ACCOMMODATION_IMPACT_ON = typeset(
    "Vérification des hébergements activée : chaque règle sans « avec hébergements » est aussi simulée avec "
    "--withAccommodations (toujours en --dry-run) ; ACCOMMODATION_IMPACT=false la coupe si la preprod est lente"
)
NEAR_MISS_OFF = typeset(
    "Recherche de la valeur voulue désactivée (NEAR_MISS_TRIES=0) : une règle qui ne trouve aucun dossier "
    "sera signalée, sans proposer la valeur qui en trouve"
)


def near_miss_on(tries: int) -> str:
    return french(
        "Recherche de la valeur voulue : pour une règle qui ne trouve aucun dossier, jusqu'à {tries} en "
        "--dry-run (20 au plus par carte) ; NEAR_MISS_TRIES=0 la coupe",
        tries=plural(tries, "variante simulée", "variantes simulées"),
    )


ACCOMMODATION_IMPACT_OFF = typeset(
    "Vérification des hébergements désactivée (ACCOMMODATION_IMPACT=false) : le PO ne saura pas de combien "
    "d'hébergements les dossiers migrés seront décrochés"
)


def console_command_fix(*, over_ssh: bool) -> str:
    where = " sur l'hôte de CONSOLE_SSH" if over_ssh else ""
    return f"vérifiez CONSOLE_COMMAND et CONSOLE_WORKDIR (le dossier de l'application Reconnect){where}"


def console_timeout_fix(timeout_s: float, *, over_ssh: bool) -> str:
    return (
        french("la console n'a pas répondu en {timeout_s:.0f} s : ", timeout_s=timeout_s)
        + console_command_fix(over_ssh=over_ssh)
        + typeset(" (attend-elle une saisie ?)")
    )


# --- state database ---------------------------------------------------------------------------------


def state_db_ok(path: str) -> str:
    return french("Base d'état : {path} accessible en écriture", path=path)


def state_db_failed(path: str, reason: str) -> str:
    return french("Base d'état : écriture impossible dans {path} ({reason})", path=path, reason=reason)


def not_a_folder(path: str) -> str:
    return f"{path} est un fichier, pas un dossier"


def state_db_unusable(reason: str) -> str:
    return french("Base d'état : {reason}", reason=reason)


STATE_DB_WHERE_FIX = typeset("voir « Where the state is » dans docs/operations.md")
STATE_DB_READBACK = "la ligne écrite n'a pas été relue"
STATE_DB_FIX = "corrigez STATE_DB ou donnez à l'utilisateur du bot le droit d'écrire dans ce dossier"

# --- Google Drive (runbook step 3, option B) --------------------------------------------------------

DRIVE_HALF_SET = typeset(
    "Drive à moitié configuré : DRIVE_FOLDER_ID et GOOGLE_APPLICATION_CREDENTIALS vont ensemble"
)
DRIVE_HALF_SET_FIX = (
    "renseignez les deux pour déposer les fichiers Excel sur le Drive, ou aucun des deux pour s'en passer"
)
DRIVE_KEY_FIX = typeset(
    "dans la console Google Cloud : IAM et administration → Comptes de service → le compte → Clés → "
    "Ajouter une clé → JSON ; indiquez le chemin du fichier dans GOOGLE_APPLICATION_CREDENTIALS"
)
DRIVE_TOKEN_FIX = typeset(
    "la clé a peut-être été supprimée ou le compte désactivé : créez une nouvelle clé JSON ; vérifiez que "
    "l'API Google Drive est activée pour le projet du compte de service"
)


def drive_key_ok(email: str) -> str:
    return f"Clé du compte de service lisible ({email})"


def drive_key_failed(reason: str) -> str:
    return french("Drive : {reason}", reason=reason)


def drive_token_ok(email: str) -> str:
    return f"Jeton Google obtenu pour {email}"


def drive_token_failed(reason: str) -> str:
    return french("Drive : {reason}", reason=reason)


def drive_folder_ok(name: str, folder_id: str = "") -> str:
    if folder_id:
        return french(
            "Dossier Drive « {name} » (identifiant {folder_id}) trouvé : le bot peut y déposer les fichiers Excel",
            name=name,
            folder_id=folder_id,
        )
    return french("Dossier Drive « {name} » trouvé : le bot peut y déposer les fichiers Excel", name=name)


def drive_folder_failed(folder_id: str, reason: str) -> str:
    return french("Dossier Drive {folder_id} : {reason}", folder_id=folder_id, reason=reason)


def drive_folder_fix(email: str) -> str:
    return french(
        "vérifiez DRIVE_FOLDER_ID (la fin de l'adresse du dossier : drive.google.com/drive/folders/<id>) et partagez le dossier avec {email}",
        email=email,
    )


def drive_not_a_folder(folder_id: str, mime_type: str) -> str:
    return french(
        "Drive : {folder_id} n'est pas un dossier ({mime_type})", folder_id=folder_id, mime_type=mime_type
    )


def drive_read_only(name: str, email: str) -> str:
    return french(
        "Dossier Drive « {name} » trouvé, mais {email} ne peut pas y ajouter de fichier",
        name=name,
        email=email,
    )


def drive_write_unverifiable(name: str, email: str) -> str:
    return french(
        "Dossier Drive « {name} » trouvé ; droit d'y ajouter un fichier non vérifiable (Google Drive n'a pas "
        "indiqué les droits de {email}) : le premier dépôt le dira",
        name=name,
        email=email,
    )


def drive_read_only_fix(email: str) -> str:
    return french(
        "partagez le dossier avec {email} comme « Éditeur » (« Gestionnaire de contenu » dans un Drive partagé)",
        email=email,
    )


# --- anything else ----------------------------------------------------------------------------------

UNEXPECTED_FIX = "signalez-le à l'équipe technique avec la sortie de `migrabot doctor`"


def unexpected(subject: str, error: BaseException) -> str:
    return french(
        "{subject} : erreur inattendue pendant la vérification ({error_type} : {error})",
        subject=subject,
        error_type=type(error).__name__,
        error=error,
    )


# --- rendering --------------------------------------------------------------------------------------


def render_line(check: Check) -> str:
    """A warning keeps the ✓: the bot can run; its text says what it will not do."""
    mark = ERROR_MARK if check.ok is False else OK_MARK
    line = f"{mark} {check.detail}"
    return f"{line} → {check.fix}" if check.fix else line


def summary(checks: Sequence[Check]) -> str:
    errors = sum(1 for check in checks if check.ok is False)
    if errors == 0:
        return "Tout est prêt pour `migrabot run`."
    noun = "problème" if errors == 1 else "problèmes"
    return f"{errors} {noun} à corriger avant `migrabot run`."


def render_checks(checks: Sequence[Check]) -> str:
    return "\n".join([*(render_line(check) for check in checks), summary(checks)]) + "\n"


def checks_payload(checks: Sequence[Check]) -> dict:
    return {
        "ok": all(check.ok is not False for check in checks),
        "checks": [
            {"name": check.name, "status": check.status, "detail": check.detail, "fix": check.fix or None}
            for check in checks
        ],
    }


def _unknown_member(setting: str, ref: str) -> str:
    """A member named in TRELLO_PO_MEMBERS or APPLY_MEMBERS that Trello does not know: `run` stops on it."""
    return french(
        "{setting} : le membre Trello « {ref} » est introuvable (nom d'utilisateur sans @, ou identifiant de "
        "membre)",
        setting=setting,
        ref=ref,
    )


def unknown_trello_po(ref: str) -> str:
    return _unknown_member("TRELLO_PO_MEMBERS", ref)


def trello_po_ok(username: str, full_name: str) -> str:
    return french("Trello : PO @{username} trouvé ({name})", username=username, name=full_name or username)


def trello_po_unknown(ref: str) -> str:
    return french("Trello : membre « {ref} » de TRELLO_PO_MEMBERS introuvable", ref=ref)


TRELLO_PO_FIX = (
    "mettez dans TRELLO_PO_MEMBERS le nom d'utilisateur Trello du PO (sans @, visible dans son profil) "
    "ou son identifiant de membre"
)


def unknown_apply_member(ref: str) -> str:
    return _unknown_member("APPLY_MEMBERS", ref)


APPLY_MEMBER_FIX = typeset(
    "corrigez APPLY_MEMBERS (noms d'utilisateur Trello sans @, ou identifiants de membre, séparés par des virgules)"
)


def apply_member_ok(username: str, full_name: str) -> str:
    return french(
        "Lancement preprod : @{username} ({full_name}) peut lancer un groupe",
        username=username,
        full_name=full_name,
    )


def apply_on(members: int) -> str:
    return french(
        "Lancement preprod activé (PREPROD_APPLY) : {members} ; la prod reste manuelle",
        members=plural(members, "personne autorisée", "personnes autorisées") + " à lancer les groupes",
    )


APPLY_LOCAL = typeset(
    "Lancement preprod sur la console locale : aucun garde ne vérifie les lancements (CONSOLE_SSH vide)"
)


def apply_guard_ok(target: str) -> str:
    return french(
        "Lancement preprod : le garde de {target} accepte les lancements signés (APPLY_SIGNING_KEY reconnue)",
        target=target,
    )


def apply_guard_refused(target: str, said: str) -> str:
    return french(
        "Lancement preprod : le garde de {target} refuse un lancement signé ({said})",
        target=target,
        said=said,
    )


APPLY_GUARD_FIX = typeset(
    "installez deploy/preprod-ssh-guard en mode lancement sur la preprod (--apply-key-file avec la même clé "
    "qu'APPLY_SIGNING_KEY, et --nonce-log), voir docs/operations.md"
)
