"""`migrabot doctor`: is everything `migrabot run` needs in place? One result per check, each with its fix.

Each check is a small function over its adapter (the board, the Slack client, the console runner, the state
file) that returns `Check` values; `diagnose` plugs in the real adapters from the settings with short
timeouts and keeps the groups independent: an unexpected error in one becomes a ✗ line, the others still
run. Texts live in `bot.texts.doctor`.
"""

from __future__ import annotations

import argparse
import difflib
import json
import logging
import re
import time
import unicodedata
import urllib.error
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TextIO

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.adapters.console import build_runner
from bot.adapters.schema import SchemaTooNew
from bot.adapters.sql import database_errors, is_postgres, redact
from bot.adapters.sql import shown as shown_location
from bot.adapters.store import Store
from bot.adapters.trello import TrelloError
from bot.app.ports import BoardLayout, Console, DriveUnavailable, Member
from bot.domain.command import MIGRATION_COMMAND
from bot.domain.model import ConsoleResult
from bot.settings import (
    Settings,
    SettingsError,
    apply_problems,
    load_settings,
    slack_problems,
    trello_problems,
)
from bot.texts import doctor as texts
from bot.texts.console import console_failure

log = logging.getLogger("migrabot.doctor")

EXIT_OK = 0
EXIT_PROBLEMS = 1

TRELLO_HTTP_OPTIONS: dict[str, Any] = {"max_attempts": 2, "timeout_s": 10.0}
SLACK_TIMEOUT_S = 10
CONSOLE_TIMEOUT_CAP_S = 60.0
# Every option `bot.domain.command` may write: the deployed console must know each of them.
BOT_OPTIONS = (
    "--originOrganization",
    "--destinationOrganization",
    "--targetFieldSlug",
    "--targetFieldValue",
    "--noField",
    "--withDeleted",
    "--withAccommodations",
    "--dry-run",
)
SLACK_REFUSED_TOKEN = frozenset(
    {"invalid_auth", "not_authed", "token_revoked", "token_expired", "account_inactive"}
)
DRIVE_FOLDER_MIME = "application/vnd.google-apps.folder"
SSH_CONNECTION_FAILED = 255  # ssh's own exit code when it could not connect or authenticate


@dataclass(frozen=True)
class Check:
    name: str  # a stable key for scripts, e.g. "trello.token"
    ok: bool | None  # None: a warning, the bot can run
    detail: str  # French, one line, its subject first
    fix: str = ""  # French: what to do, which setting or command

    @property
    def status(self) -> str:
        return {True: "ok", None: "warning", False: "error"}[self.ok]


class DoctorBoard(Protocol):
    """What the Trello checks need from `bot.adapters.trello.TrelloBoard`."""

    def member_name(self) -> str: ...

    def board(self) -> Any: ...

    def layout(self) -> BoardLayout: ...

    def create_list(self, name: str) -> str: ...

    def create_label(self, name: str) -> str: ...

    def member(self, id_or_username: str) -> Member: ...


# --- settings ----------------------------------------------------------------------------------------


def check_settings_load(load: Callable[[], Settings]) -> tuple[Settings | None, Check]:
    try:
        settings = load()
    except SettingsError as error:  # the other checks go on with the invalid settings at their defaults
        return error.fallback, Check(
            "settings", False, texts.settings_invalid(str(error)), texts.SETTINGS_INVALID_FIX
        )
    return settings, Check("settings", True, texts.SETTINGS_LOADED)


def check_trello_settings(settings: Settings) -> Check:
    problems = trello_problems(settings)
    if problems:
        detail, fix = texts.settings_report("Trello", problems)
        if any(problem.missing for problem in problems):
            detail += texts.TRELLO_NOT_CHECKED
        return Check("settings.trello", False, detail, fix)
    return Check("settings.trello", True, texts.trello_settings_ok(settings.trello_board_id))


def check_slack_settings(settings: Settings) -> Check:
    if not settings.slack_enabled:
        return Check("settings.slack", None, texts.SLACK_DISABLED)
    problems = slack_problems(settings)
    if problems:
        return Check("settings.slack", False, *texts.settings_report("Slack", problems))
    return Check(
        "settings.slack", True, texts.slack_settings_ok(settings.slack_mode, len(settings.po_user_ids))
    )


def check_apply_settings(settings: Settings) -> Check | None:
    """PREPROD_APPLY: nothing when off; on, who may launch and whether real runs over SSH can be signed."""
    if not settings.preprod_apply:
        return None
    problems = apply_problems(settings)
    if problems:
        return Check("settings.apply", False, *texts.settings_report(texts.APPLY_SUBJECT, problems))
    return Check("settings.apply", True, texts.apply_on(len(settings.apply_member_refs)))


def check_decision_mode(settings: Settings) -> Check:
    """Slack, Trello alone, or both: how the PO decides; nobody at all is a ✗ (cards would wait forever)."""
    if not settings.slack_enabled and not settings.trello_po_refs:
        return Check("decisions", False, texts.NOBODY_DECIDES, texts.NOBODY_DECIDES_FIX)
    mode = texts.decision_mode(slack=settings.slack_enabled, trello_po_refs=settings.trello_po_refs)
    return Check("decisions", True, mode)


# --- Trello ------------------------------------------------------------------------------------------


def refusal_of(error: TrelloError) -> tuple[int | None, str]:
    """(HTTP status, Trello's words) of a refusal; (None, message) when Trello was never reached."""
    if error.status is None:
        return None, str(error)
    return error.status, error.said or ""


def check_trello(board: DoctorBoard, *, settings: Settings, fix: bool) -> list[Check]:
    """Reachable, token, board, then the four lists and the label; each failure skips what depends on it."""
    try:
        account = board.member_name()
    except TrelloError as error:
        return [_account_failure(error)]
    checks = [
        Check("trello.reachable", True, texts.trello_reachable(settings.trello_api_base_url)),
        Check("trello.token", True, texts.trello_token_ok(account)),
    ]
    try:
        found = board.board()
    except TrelloError as error:
        return [*checks, _board_failure(error, settings.trello_board_id)]
    checks.append(Check("trello.board", True, texts.trello_board_ok(found.name)))
    try:
        layout = board.layout()
    except TrelloError as error:
        return [
            *checks,
            Check("trello.layout", False, texts.trello_layout_failed(str(error)), texts.TRELLO_TRANSIENT_FIX),
        ]
    for setting, name in wanted_lists(settings):
        checks.append(_check_list(board, layout, setting=setting, name=name, fix=fix))
    checks.append(_check_label(board, layout, name=settings.trello_card_label, fix=fix))
    checks += [_check_member(board, ref, PO_MEMBERS) for ref in settings.trello_po_refs]
    if settings.preprod_apply:
        checks += [_check_member(board, ref, LAUNCHERS) for ref in settings.apply_member_refs]
    return checks


@dataclass(frozen=True)
class Members:
    """Trello members a setting names, as the doctor checks each: its check, its two texts and the fix."""

    check: str
    found: Callable[[str, str], str]  # (username, full name)
    unknown: Callable[[str], str]  # the reference as the setting writes it
    fix: str


PO_MEMBERS = Members("trello.po", texts.trello_po_ok, texts.trello_po_unknown, texts.TRELLO_PO_FIX)
LAUNCHERS = Members(
    "trello.apply_member", texts.apply_member_ok, texts.unknown_apply_member, texts.APPLY_MEMBER_FIX
)


def _check_member(board: DoctorBoard, ref: str, members: Members) -> Check:
    """A member of TRELLO_PO_MEMBERS (or of APPLY_MEMBERS) must exist: `migrabot run` resolves each one at
    start-up."""
    try:
        member = board.member(ref)
    except TrelloError:
        return Check(members.check, False, members.unknown(ref), members.fix)
    return Check(members.check, True, members.found(member.username, member.full_name))


def wanted_lists(settings: Settings) -> list[tuple[str, str]]:
    return settings.board_lists()


def _account_failure(error: TrelloError) -> Check:
    status, said = refusal_of(error)
    if status is None:
        return Check("trello.reachable", False, texts.trello_unreachable(said), texts.TRELLO_UNREACHABLE_FIX)
    reason = texts.http_refusal(status, said)
    if status == 401 and "key" in said.lower():
        return Check("trello.token", False, texts.trello_key_refused(reason), texts.TRELLO_KEY_FIX)
    if status == 401:
        return Check("trello.token", False, texts.trello_token_refused(reason), texts.TRELLO_TOKEN_FIX)
    return Check("trello.token", False, texts.trello_account_failed(str(error)), texts.TRELLO_TRANSIENT_FIX)


def _board_failure(error: TrelloError, board_id: str) -> Check:
    status, said = refusal_of(error)
    reason = texts.http_refusal(status, said)
    if status in (400, 404):
        return Check(
            "trello.board", False, texts.trello_board_not_found(board_id, reason), texts.TRELLO_BOARD_FIX
        )
    if status in (401, 403):
        detail = texts.trello_board_forbidden(board_id, reason)
        return Check("trello.board", False, detail, texts.TRELLO_BOARD_ACCESS_FIX)
    return Check("trello.board", False, texts.trello_board_failed(str(error)), texts.TRELLO_TRANSIENT_FIX)


def _check_list(board: DoctorBoard, layout: BoardLayout, *, setting: str, name: str, fix: bool) -> Check:
    key = "trello." + setting.removeprefix("TRELLO_").lower()
    if name in layout.lists:
        return Check(key, True, texts.list_present(name))
    close = near_name(name, layout.lists)
    if close is not None:  # a typo: --fix must not create a second list beside the real one
        return Check(
            key, False, texts.list_near_miss(name, setting, close), texts.list_near_miss_fix(setting, close)
        )
    if not fix:
        return Check(key, False, texts.list_missing(name, setting), texts.list_missing_fix(setting))
    try:
        board.create_list(name)
    except TrelloError as error:
        return Check(key, False, texts.list_creation_failed(name, str(error)), texts.TRELLO_WRITE_FIX)
    return Check(key, True, texts.list_created(name))


def near_name(name: str, names: Sequence[str]) -> str | None:
    """The one existing name that `name` was likely meant to be: the same but for case, accents and spaces,
    or a few letters away (difflib's ratio, as for « vouliez-vous dire »)."""
    folded = {_folded(other): other for other in names}
    if _folded(name) in folded:
        return folded[_folded(name)]
    close = difflib.get_close_matches(_folded(name), list(folded), n=1, cutoff=0.8)
    return folded[close[0]] if close else None


def _folded(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).casefold().split())


def _check_label(board: DoctorBoard, layout: BoardLayout, *, name: str, fix: bool) -> Check:
    if name in layout.labels:
        return Check("trello.label", True, texts.label_present(name))
    if not fix:
        return Check("trello.label", False, texts.label_missing(name), texts.LABEL_MISSING_FIX)
    try:
        board.create_label(name)
    except TrelloError as error:
        return Check(
            "trello.label", False, texts.label_creation_failed(name, str(error)), texts.TRELLO_WRITE_FIX
        )
    return Check("trello.label", True, texts.label_created(name))


# --- Slack -------------------------------------------------------------------------------------------


def check_slack(client: WebClient, *, required: Sequence[str]) -> list[Check]:
    """`auth.test`: the token, then the scopes it carries (Slack lists them in a response header)."""
    from bot.adapters.slack import scopes_of

    base_url = client.base_url
    try:
        bot_user_id, scopes = scopes_of(client)
    except SlackApiError as error:
        code = str(error.response.get("error", "?"))
        if code in SLACK_REFUSED_TOKEN:
            return [Check("slack.auth", False, texts.slack_token_refused(code), texts.SLACK_TOKEN_FIX)]
        return [Check("slack.auth", False, texts.slack_auth_failed(code), texts.SLACK_TOKEN_FIX)]
    except (urllib.error.URLError, OSError) as error:  # refused, timed out, unknown host
        reason = str(getattr(error, "reason", error))
        return [
            Check("slack.auth", False, texts.slack_unreachable(base_url, reason), texts.SLACK_UNREACHABLE_FIX)
        ]
    checks = [Check("slack.auth", True, texts.slack_token_ok(bot_user_id))]
    if scopes is None:  # Slack did not say: nothing is known to be missing
        return [*checks, Check("slack.scopes", None, texts.slack_scopes_unverifiable(required))]
    missing_scopes = [scope for scope in required if scope not in scopes]
    if missing_scopes:
        checks.append(
            Check("slack.scopes", False, texts.slack_scopes_missing(missing_scopes), texts.SLACK_SCOPES_FIX)
        )
    else:
        checks.append(Check("slack.scopes", True, texts.slack_scopes_ok(required)))
    return checks


# --- console -----------------------------------------------------------------------------------------


def missing_options(help_text: str) -> list[str]:
    """The bot's options that the help does not mention as whole words (`--noField`, not `--noFields`)."""
    return [
        option
        for option in BOT_OPTIONS
        if not re.search(rf"(?<![\w-]){re.escape(option)}(?![\w-])", help_text)
    ]


def check_console(runner: Console, *, ssh_target: str, workdir: str, timeout_s: float) -> Check:
    """`help app:migrate-individuals-to-other-organization` through the configured transport."""
    where = texts.console_where(ssh_target)
    result = runner.migration_help()
    failure = console_failure(result)
    if failure is not None:
        fix = console_fix(result, over_ssh=bool(ssh_target), workdir=workdir, timeout_s=timeout_s)
        return Check("console", False, texts.console_failed(where, failure), fix)
    if MIGRATION_COMMAND not in result.stdout:
        fix = texts.console_command_fix(over_ssh=bool(ssh_target))
        return Check("console", False, texts.console_command_unknown(where, MIGRATION_COMMAND), fix)
    absent = missing_options(result.stdout)
    if absent:
        detail = texts.console_options_missing(where, MIGRATION_COMMAND, absent)
        return Check("console", False, detail, texts.CONSOLE_OPTIONS_FIX)
    return Check("console", True, texts.console_ok(MIGRATION_COMMAND, len(BOT_OPTIONS), where))


def check_apply_guard(runner: Any, *, ssh_target: str) -> Check:
    """PREPROD_APPLY over SSH: the guard's answer to a signed `app:migrate-… --help` (the key, its apply mode)."""
    if not ssh_target:
        return Check("console.apply", None, texts.APPLY_LOCAL)
    result = runner.apply_probe()
    if result.exit_code == 0:  # the guard accepted the signature and ran the help
        return Check("console.apply", True, texts.apply_guard_ok(ssh_target))
    said = (result.start_error or result.stderr or result.stdout).strip().splitlines()
    detail = texts.apply_guard_refused(ssh_target, said[-1] if said else "")
    return Check("console.apply", False, detail, texts.APPLY_GUARD_FIX)


def check_near_miss(settings: Settings) -> Check:
    """Says how many extra dry-runs a rule that finds no file may cost, or that nobody will look for the value."""
    if settings.near_miss_tries:
        return Check("console.near_miss", True, texts.near_miss_on(settings.near_miss_tries))
    return Check("console.near_miss", None, texts.NEAR_MISS_OFF)


def check_accommodation_impact(settings: Settings) -> Check:
    """Not a problem either way: says whether the PO will learn which accommodations people leave behind."""
    if settings.accommodation_impact:
        return Check("console.accommodation_impact", True, texts.ACCOMMODATION_IMPACT_ON)
    return Check("console.accommodation_impact", None, texts.ACCOMMODATION_IMPACT_OFF)


def console_fix(result: ConsoleResult, *, over_ssh: bool, workdir: str, timeout_s: float) -> str:
    if over_ssh and result.exit_code == SSH_CONNECTION_FAILED:
        return texts.CONSOLE_SSH_FIX
    if result.start_error is not None:
        if over_ssh:
            return texts.CONSOLE_NO_SSH_CLIENT_FIX
        if workdir and not Path(workdir).is_dir():
            return texts.CONSOLE_WORKDIR_FIX
        return texts.CONSOLE_PROGRAM_FIX
    if result.timed_out:
        return texts.console_timeout_fix(timeout_s, over_ssh=over_ssh)
    return texts.console_command_fix(over_ssh=over_ssh)


# --- state database ----------------------------------------------------------------------------------


def check_state_db(location: Path | str, *, now: float) -> Check:
    """Open the store (creating its folder or its tables), write a heartbeat named "doctor", read it back."""
    if is_postgres(location):
        shown = shown_location(location)
    else:
        path = Path(location)
        shown = str(path.absolute())
        blocker = _file_in_the_way(path)
        if blocker is not None:
            return Check(
                "state_db",
                False,
                texts.state_db_failed(shown, texts.not_a_folder(str(blocker))),
                texts.STATE_DB_FIX,
            )
    try:
        store = Store(location)
        try:
            store.beat("doctor", now=now, detail="migrabot doctor")
            written = store.last_beat("doctor")
        finally:
            store.close()
    except (OSError, SchemaTooNew, *database_errors()) as error:
        reason = redact(_os_reason(error), location)  # a connection error may quote the URL
        return Check("state_db", False, texts.state_db_failed(shown, reason), texts.STATE_DB_FIX)
    if written is None or written[0] != now:
        return Check(
            "state_db", False, texts.state_db_failed(shown, texts.STATE_DB_READBACK), texts.STATE_DB_FIX
        )
    return Check("state_db", True, texts.state_db_ok(shown))


def _state_check(settings: Settings, *, now: float) -> Check:
    """The state the bot would use (`Settings.state_location`, its absolute path on the ✓ line), or why none."""
    try:
        location = settings.state_location
    except SettingsError as error:  # no board to name the default, or a state left at the old default
        return Check("state_db", False, texts.state_db_unusable(str(error)), texts.STATE_DB_WHERE_FIX)
    return check_state_db(location, now=now)


def _file_in_the_way(path: Path) -> Path | None:
    """The nearest existing ancestor folder that is a file (mkdir's own error says only « File exists »)."""
    for parent in path.absolute().parents:
        if parent.exists():
            return None if parent.is_dir() else parent
    return None


def _os_reason(error: BaseException) -> str:
    if isinstance(error, OSError) and error.strerror:
        return texts.os_reason(error.strerror, error.filename) if error.filename else error.strerror
    return str(error)


class DoctorDrive(Protocol):
    """What the Drive checks need from `bot.adapters.drive.GoogleDrive`."""

    folder_id: str

    def credentials(self) -> Any: ...
    def token(self) -> str: ...
    def folder(self) -> dict: ...


def check_drive(drive: DoctorDrive) -> list[Check]:
    """Key readable, token obtained, folder found and open to the bot's files; stops at the first failure."""
    try:
        credentials = drive.credentials()
    except DriveUnavailable as error:
        return [Check("drive.key", False, texts.drive_key_failed(str(error)), texts.DRIVE_KEY_FIX)]
    email = str(credentials.service_account_email)
    checks = [Check("drive.key", True, texts.drive_key_ok(email))]
    try:
        drive.token()
    except DriveUnavailable as error:
        return [
            *checks,
            Check("drive.token", False, texts.drive_token_failed(str(error)), texts.DRIVE_TOKEN_FIX),
        ]
    checks.append(Check("drive.token", True, texts.drive_token_ok(email)))
    return [*checks, _check_drive_folder(drive, email)]


def _check_drive_folder(drive: DoctorDrive, email: str) -> Check:
    try:
        folder = drive.folder()
    except DriveUnavailable as error:
        failed = texts.drive_folder_failed(drive.folder_id, str(error))
        return Check("drive.folder", False, failed, texts.drive_folder_fix(email))
    name = str(folder.get("name", drive.folder_id))
    if folder.get("mimeType") != DRIVE_FOLDER_MIME:
        not_folder = texts.drive_not_a_folder(drive.folder_id, str(folder.get("mimeType")))
        return Check("drive.folder", False, not_folder, texts.drive_folder_fix(email))
    if "canAddChildren" not in folder.get("capabilities", {}):  # Drive did not say: not the same as « no »
        return Check("drive.folder", None, texts.drive_write_unverifiable(name, email))
    if not folder["capabilities"]["canAddChildren"]:
        return Check(
            "drive.folder", False, texts.drive_read_only(name, email), texts.drive_read_only_fix(email)
        )
    return Check("drive.folder", True, texts.drive_folder_ok(name, drive.folder_id))


# --- wiring ------------------------------------------------------------------------------------------


def diagnose(
    load: Callable[[], Settings], *, fix: bool = False, clock: Callable[[], float] = time.time
) -> list[Check]:
    settings, loaded = check_settings_load(load)
    if settings is None:
        return [loaded]
    checks = [
        loaded,
        check_trello_settings(settings),
        check_slack_settings(settings),
        check_decision_mode(settings),
    ]
    apply_settings = check_apply_settings(settings)
    if apply_settings is not None:
        checks.append(apply_settings)
    checks += _guarded(texts.TRELLO, "trello", lambda: _trello_checks(settings, fix=fix))
    if settings.slack_enabled:
        checks += _guarded(texts.SLACK, "slack", lambda: _slack_checks(settings))
    checks += _drive_checks(settings)
    checks += _guarded(texts.CONSOLE, "console", lambda: _console_checks(settings))
    checks.append(check_accommodation_impact(settings))
    checks.append(check_near_miss(settings))
    checks += _guarded(texts.STATE_DB, "state_db", lambda: [_state_check(settings, now=clock())])
    return checks


def _guarded(subject: str, name: str, produce: Callable[[], list[Check]]) -> list[Check]:
    """A bug in one group of checks is reported as such; the other groups still run."""
    try:
        return produce()
    except Exception as error:
        # The ✗ line names the error; its traceback goes to the debug log only: users never see one.
        log.debug("doctor: %s check failed unexpectedly", name, exc_info=True)
        return [Check(name, False, texts.unexpected(subject, error), texts.UNEXPECTED_FIX)]


def _trello_checks(settings: Settings, *, fix: bool) -> list[Check]:
    from bot.bootstrap import build_board

    if any(problem.missing for problem in trello_problems(settings)):
        return []  # the settings line already says so, and that Trello was not checked
    board = build_board(settings, **TRELLO_HTTP_OPTIONS)
    try:
        return check_trello(board, settings=settings, fix=fix)
    finally:
        board.http.close()


def _slack_checks(settings: Settings) -> list[Check]:
    from bot.adapters.slack import REQUIRED_SCOPES, build_client

    client = build_client(settings)
    client.timeout = SLACK_TIMEOUT_S
    return check_slack(client, required=REQUIRED_SCOPES)


def _drive_checks(settings: Settings) -> list[Check]:
    from bot.bootstrap import build_drive

    if settings.drive_enabled:
        drive = build_drive(settings)
        assert drive is not None
        try:
            return _guarded(texts.DRIVE, "drive", lambda: check_drive(drive))
        finally:
            drive.close()
    if settings.drive_folder_id or settings.google_application_credentials:
        return [Check("settings.drive", False, texts.DRIVE_HALF_SET, texts.DRIVE_HALF_SET_FIX)]
    return []


def _console_checks(settings: Settings) -> list[Check]:
    timeout_s = min(settings.console_timeout_seconds, CONSOLE_TIMEOUT_CAP_S)
    try:
        runner = build_runner(settings.model_copy(update={"console_timeout_seconds": timeout_s}))
    except ValueError as error:
        return [Check("console", False, texts.console_setup_failed(str(error)), texts.CONSOLE_SSH_FIX)]
    try:
        checks = [
            check_console(
                runner, ssh_target=settings.console_ssh, workdir=settings.console_workdir, timeout_s=timeout_s
            )
        ]
        if settings.preprod_apply and checks[0].ok:
            checks.append(check_apply_guard(runner, ssh_target=settings.console_ssh))
        return checks
    finally:
        runner.close()


def main(arguments: argparse.Namespace, settings: Settings | None, *, stdout: TextIO, stderr: TextIO) -> int:
    """`settings` None: the doctor loads them itself, so that invalid settings become a ✗ line."""

    def load() -> Settings:
        return settings if settings is not None else load_settings()

    return run_doctor(load, fix=arguments.fix, as_json=arguments.json, stdout=stdout)


def run_doctor(load: Callable[[], Settings], *, fix: bool, as_json: bool, stdout: TextIO) -> int:
    checks = diagnose(load, fix=fix)
    if as_json:
        print(json.dumps(texts.checks_payload(checks), ensure_ascii=False, indent=2), file=stdout)
    else:
        print(texts.render_checks(checks), end="", file=stdout)
    return EXIT_OK if all(check.ok is not False for check in checks) else EXIT_PROBLEMS
