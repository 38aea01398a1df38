"""Every setting the bot reads, with its default and what it is for.

Read once at start-up (`load_settings`) and handed down; no other module reads the environment.
The settings table of docs/installation.md and `.env.example` are generated from these definitions (`python -m bot.settings`).
"""

from __future__ import annotations

import os
import re
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.domain.command import SLUG_PATTERN
from bot.texts import board
from bot.texts import setup as texts


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", frozen=True, case_sensitive=False
    )

    # --- tickets and commands
    migration_field_slug: str = Field(
        "migration-des-donnees",
        description="Slug of the custom field a rule tests when the ticket names none (`-f`).",
        pattern=SLUG_PATTERN,
    )
    console_command: str = Field(
        "php bin/console",
        description="How to start the Symfony console, split like a shell would (no shell is used).",
    )

    display_console_command: str = Field(
        "php bin/console",
        description="How commands are written for people (card, Slack, Excel): the runbook's `php bin/console`.",
    )

    # --- console transport
    console_workdir: str = Field(
        "",
        description="Directory of the Reconnect application (empty: the current directory).",
    )
    console_ssh: str = Field(
        "",
        description="`user@host[:port]` of preprod: when set, dry-runs go over OpenSSH.",
        pattern=r"^$|^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+(:\d{1,5})?$",
    )
    console_ssh_options: str = Field(
        "",
        description="Extra `ssh` options, e.g. `-i /keys/migrabot -o UserKnownHostsFile=/keys/known_hosts`.",
    )
    console_timeout_seconds: float = Field(600, gt=0, description="A dry-run taking longer is killed.")
    console_concurrency: int = Field(1, ge=1, le=8, description="Dry-runs of one ticket run at once.")
    console_output_max_bytes: int = Field(
        1_048_576,
        ge=65_536,
        description="Bytes of each console stream read per run: beyond, the first and last halves are kept "
        "and the cut is said.",
    )
    accommodation_impact: bool = Field(
        True,
        description="Also dry-run each rule without « avec hébergements » with `--withAccommodations` "
        "(still `--dry-run`), to tell the PO which accommodations the moving people will be detached from; "
        "`false` for a slow preprod.",
    )
    max_rules_per_card: int = Field(
        50,
        ge=1,
        description="A card with more rules gets an error before any dry-run (preprod is not hammered).",
    )
    near_miss_tries: int = Field(
        6,
        ge=0,
        le=20,
        description="Variants of the value of a rule that finds no file (« CHU77 » → « CHU 77 ») dry-run to "
        "suggest the value meant: at most this many per rule, 20 per card; 0 turns the search off.",
    )
    dry_runs_per_poll: int = Field(
        120,
        ge=1,
        description="Dry-runs of all cards in one poll: a card whose round would go beyond waits for the next "
        "poll and says so (the first round of a poll always starts).",
    )
    console_prod_ssh: str = Field(
        "",
        description="`user@host[:port]` of prod: when set, the bot verifies executed prod groups (--dry-run only).",
        pattern=r"^$|^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+(:\d{1,5})?$",
    )
    console_prod_ssh_options: str = Field("", description="Extra `ssh` options for prod.")
    console_prod_workdir: str = Field("", description="Directory of the Reconnect application on prod.")
    console_prod_command: str = Field(
        "php bin/console", description="How to start the Symfony console on prod."
    )

    # --- opt-in preprod apply (prod always stays manual)
    preprod_apply: bool = Field(
        False,
        description="`true`: a member of APPLY_MEMBERS ticking « Preprod — lancer le groupe N » has the bot run "
        "that approved group on preprod (without --dry-run), then verify it. Prod stays manual.",
    )
    apply_members: str = Field(
        "",
        description="Comma-separated Trello usernames or member ids of the people who may launch a preprod "
        "group (PREPROD_APPLY).",
    )
    apply_signing_key: SecretStr = Field(
        SecretStr(""),
        description="Key (32+ characters) shared with preprod-ssh-guard's `--apply-key-file`: signs each real "
        "run over SSH (PREPROD_APPLY).",
    )

    # --- Trello
    trello_api_key: str = Field("", description="Trello API key (https://trello.com/power-ups/admin).")
    trello_token: SecretStr = Field(SecretStr(""), description="Trello token of the bot's account.")
    trello_board_id: str = Field(
        "", description="Id or short link of the board to watch, or its address (the id is taken from it)."
    )
    trello_api_base_url: str = Field("https://api.trello.com/1", description="Trello REST API root.")
    trello_card_label: str = Field(
        board.CARD_LABEL,
        description="Label (or title prefix) that marks a migration card.",
    )
    trello_list_todo: str = Field(board.LIST_TODO, description="List where the bot picks up cards.")
    trello_list_waiting: str = Field(board.LIST_WAITING, description="List of simulated cards.")
    trello_list_fix: str = Field(board.LIST_FIX, description="List of cards that need a correction.")
    trello_list_approved: str = Field(board.LIST_APPROVED, description="List of approved cards.")
    trello_list_done: str = Field(board.LIST_DONE, description="List of migrated cards, once prod is done.")
    trello_po_members: str = Field(
        "",
        description="Comma-separated Trello usernames or member ids of the POs: they decide by a comment on "
        "the card (« validé », or « refusé : » and the reason).",
    )
    poll_interval_seconds: float = Field(60, gt=0, description="Seconds between two polls of the board.")
    instance_name: str = Field(
        "",
        description="How this instance names itself in the mark ending each comment and when another instance "
        "acts on the board (default: the machine's host name; letters, digits, `.` and `-`, others become `-`).",
    )
    other_instance_grace_seconds: float = Field(
        600,
        gt=0,
        description="After standing down for another instance acting on the board: how long a card nobody "
        "wrote on may wait in « À simuler » before this one concludes the other stopped and acts again.",
    )
    state_db: str = Field(
        "",
        description="The bot's state. Empty: a SQLite file per board, "
        "`$XDG_STATE_HOME/migrabot/<TRELLO_BOARD_ID>/migrabot.sqlite3` (`~/.local/state` without "
        "XDG_STATE_HOME), whatever directory the bot starts from. Else a SQLite file's path (a relative "
        "one is taken from the directory the bot starts in) or a `postgresql://` URL (several replicas, one "
        "active). `migrabot doctor` and the start log name the file used; see the operator docs.",
    )

    # --- Slack
    slack_mode: Literal["socket", "http"] = Field("socket", description="`socket` (no public URL) or `http`.")
    slack_bot_token: SecretStr = Field(SecretStr(""), description="Bot token (`xoxb-…`).")
    slack_app_token: SecretStr = Field(
        SecretStr(""), description="App-level token for Socket Mode (`xapp-…`)."
    )
    slack_signing_secret: SecretStr = Field(SecretStr(""), description="Signing secret (HTTP mode).")
    slack_http_host: str = Field(
        "127.0.0.1",
        description="Address `/slack/events` listens on in HTTP mode (`0.0.0.0` behind a reverse proxy, as in Docker).",
    )
    slack_http_port: int = Field(
        3000, ge=0, le=65535, description="Port of `/slack/events` in HTTP mode (0: any free port)."
    )
    slack_http_workers: int = Field(
        16,
        ge=1,
        le=256,
        description="Threads serving `/slack/events` in HTTP mode (connections wait, idle, without one).",
    )
    slack_http_timeout_seconds: float = Field(
        10,
        gt=0,
        le=300,
        description="A connection to `/slack/events` silent this long is closed (each read and write, too).",
    )
    slack_api_base_url: str = Field("https://slack.com/api/", description="Slack Web API root.")
    slack_po_user_ids: str = Field("", description="Comma-separated Slack ids of the POs: only they decide.")
    slack_channel_id: str = Field("", description="Channel of approval requests (empty: a DM to each PO).")
    slack_team_channel_id: str = Field(
        "", description="Channel where accommodation conflicts are decided (empty: the POs)."
    )
    approval_reminder_hours: float = Field(24, gt=0, description="A pending request is recalled after this.")
    approval_ttl_hours: float = Field(168, gt=0, description="A pending request expires after this.")
    tz: str = Field(
        "Europe/Paris",
        description=(
            "The board's time zone (IANA name): times in comments, in the Excel workbook and in `migrabot status`."
        ),
    )

    # --- Google Drive (runbook step 3, option B; optional)
    drive_folder_id: str = Field(
        "",
        description=(
            "Id of the Drive folder « Migration des dossiers usagers », or its address (the id is taken from "
            "it); empty: no upload to Drive."
        ),
        pattern=r"^$|^[A-Za-z0-9_-]+$",
    )
    google_application_credentials: str = Field(
        "",
        description="Path of the service account's JSON key file; the folder is shared with its e-mail.",
    )
    drive_api_base_url: str = Field("https://www.googleapis.com/", description="Google APIs root (Drive v3).")

    # --- health, metrics and alerts
    metrics_port: int | None = Field(
        None,
        ge=0,
        le=65535,
        description="Port of `/healthz` and `/metrics` (Prometheus); empty: no endpoint; 0: any free port (logged).",
    )
    metrics_host: str = Field(
        "127.0.0.1",
        description="Address the health and metrics endpoint listens on (`0.0.0.0` in a container, for probes).",
    )
    alert_after_minutes: float = Field(
        30,
        gt=0,
        description="Trello, Slack or the preprod console failing this long: one alert on Slack and on the "
        "cards in flight, one message when it works again.",
    )

    # --- logs
    log_format: Literal["text", "json"] = Field("text", description="`json` for machine-readable logs.")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field("INFO", description="Log threshold.")

    @field_validator("trello_board_id", mode="before")
    @classmethod
    def _board_id_from_its_address(cls, value: object) -> object:
        """The board's address pasted as it is (`https://trello.com/b/AbC123/nom`): its id is in it."""
        found = _BOARD_URL.match(str(value).strip()) if isinstance(value, str) else None
        return found.group(1) if found else value

    @field_validator("drive_folder_id", mode="before")
    @classmethod
    def _folder_id_from_its_address(cls, value: object) -> object:
        """The folder's address pasted as it is (`https://drive.google.com/drive/u/0/folders/1AbC…?usp=…`)."""
        found = _FOLDER_URL.match(str(value).strip()) if isinstance(value, str) else None
        return found.group(1) if found else value

    @field_validator("state_db", mode="before")
    @classmethod
    def _state_db_text(cls, value: object) -> object:
        """A relative SQLite path is resolved here, once, from the directory the bot starts in."""
        text = str(value) if isinstance(value, Path) else value
        if not isinstance(text, str) or not text.strip() or text.startswith(("postgresql://", "postgres://")):
            return text
        return str(Path(text).expanduser().absolute())

    @field_validator("metrics_port", mode="before")
    @classmethod
    def _empty_port_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and value.strip().casefold() in ("", "none") else value

    @field_validator("console_command")
    @classmethod
    def _console_command_splits(cls, value: str) -> str:
        try:
            words = shlex.split(value)
        except ValueError as error:
            raise ValueError(texts.unclosed_quotes(error)) from None
        if not words:
            raise ValueError(texts.EMPTY_COMMAND)
        return value

    @field_validator("tz")
    @classmethod
    def _known_time_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(texts.unknown_time_zone(value)) from None
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.tz)

    def board_lists(self) -> list[tuple[str, str]]:
        """(setting, list name) of every list the bot uses, in the workflow's order."""
        return [
            ("TRELLO_LIST_TODO", self.trello_list_todo),
            ("TRELLO_LIST_WAITING", self.trello_list_waiting),
            ("TRELLO_LIST_FIX", self.trello_list_fix),
            ("TRELLO_LIST_APPROVED", self.trello_list_approved),
            ("TRELLO_LIST_DONE", self.trello_list_done),
        ]

    @property
    def state_in_postgres(self) -> bool:
        return self.state_db.startswith(("postgresql://", "postgres://"))

    @property
    def state_location(self) -> str:
        """Where the state is, for every command that reads it: the `postgresql://` URL as given, or the
        SQLite file's absolute path. A relative STATE_DB was taken from the directory the bot started in (at
        load, `_state_db_text`); an empty one means one file per board, the same from any directory, so that a
        second start finds the first one's `flock` (bot/adapters/lock.py) and waits.
        SettingsError (French, with the fix) when no board names the default, or when a state is still at the
        old relative default: starting beside it would forget every card in flight."""
        if self.state_in_postgres:
            return self.state_db
        if self.state_db.strip():
            return str(Path(self.state_db).expanduser().absolute())
        board_id = self.trello_board_id.strip()
        if not board_id:
            raise SettingsError(texts.STATE_NEEDS_A_BOARD)
        if not _BOARD_DIRECTORY.fullmatch(board_id):  # it names a directory: never `..` nor a `/`
            raise SettingsError(texts.board_id_not_a_directory(board_id))
        path = state_home() / "migrabot" / board_id / STATE_FILE_NAME
        legacy = LEGACY_STATE_DB.absolute()
        if legacy.is_file():
            folder = shlex.quote(str(path.parent))
            move = f"mkdir -p {folder} && mv -n {shlex.quote(str(legacy))}* {folder}/"
            raise SettingsError(texts.legacy_state(str(legacy), str(path), move=move))
        return str(path)

    @property
    def state_path(self) -> Path:
        """The SQLite file (meaningless when the state is in PostgreSQL: see `state_in_postgres`)."""
        return Path(self.state_location)

    @property
    def console_argv(self) -> tuple[str, ...]:
        return tuple(shlex.split(self.console_command))

    @property
    def po_user_ids(self) -> frozenset[str]:
        return frozenset(part.strip() for part in self.slack_po_user_ids.split(",") if part.strip())

    @property
    def trello_po_refs(self) -> tuple[str, ...]:
        """The POs' Trello usernames or ids, as written (a leading @ dropped)."""
        return tuple(
            part.strip().removeprefix("@") for part in self.trello_po_members.split(",") if part.strip()
        )

    @property
    def apply_member_refs(self) -> tuple[str, ...]:
        """The launchers' Trello usernames or ids, as written (a leading @ dropped), like TRELLO_PO_MEMBERS."""
        return tuple(part.strip().removeprefix("@") for part in self.apply_members.split(",") if part.strip())

    @property
    def drive_enabled(self) -> bool:
        return bool(self.drive_folder_id and self.google_application_credentials)

    @property
    def slack_enabled(self) -> bool:
        return bool(self.slack_bot_token.get_secret_value())


STATE_FILE_NAME = "migrabot.sqlite3"
# The default before it was per board, relative to the working directory: a state found there stops the default.
LEGACY_STATE_DB = Path("data") / STATE_FILE_NAME
_BOARD_DIRECTORY = re.compile(r"[A-Za-z0-9_-]{1,64}")


def state_home() -> Path:
    """`$XDG_STATE_HOME` (`~/.local/state` when unset, empty or relative, as the XDG spec says): the bot's
    state per board and its crash reports live in its `migrabot` folder."""
    configured = os.environ.get("XDG_STATE_HOME", "")
    if configured and Path(configured).is_absolute():
        return Path(configured)
    return Path.home() / ".local" / "state"


_BOARD_URL = re.compile(r"^https?://(?:www\.)?trello\.com/b/([A-Za-z0-9]+)(?:[/?#].*)?$")
_FOLDER_URL = re.compile(
    r"^https?://drive\.google\.com/(?:drive/(?:u/\d+/)?folders/|open\?id=)([A-Za-z0-9_-]+)(?:[/?&#].*)?$"
)


class SettingsError(Exception):
    """Settings that cannot be used; the message is French and names each setting. `fallback`: the same
    settings with the invalid ones at their defaults, so that doctor still checks everything else."""

    def __init__(self, message: str, *, fallback: Settings | None = None) -> None:
        super().__init__(message)
        self.fallback = fallback


def load_settings(**overrides: object) -> Settings:
    try:
        return Settings(**overrides)
    except ValidationError as error:
        raise SettingsError(describe_validation_error(error), fallback=_fallback(error, overrides)) from None


def _fallback(error: ValidationError, overrides: dict[str, object]) -> Settings | None:
    invalid = {str(item["loc"][0]) for item in error.errors() if item["loc"]}
    defaults = {name: field.get_default() for name, field in Settings.model_fields.items() if name in invalid}
    try:
        return Settings(**{**overrides, **defaults})
    except ValidationError:
        return None


def describe_validation_error(error: ValidationError) -> str:
    lines = [texts.SETTINGS_INVALID]
    for item in error.errors():
        name = ".".join(str(part) for part in item["loc"]).upper()
        lines.append(texts.invalid_setting(name, _french(item, name)))
    return "\n".join(lines)


def _french(item: dict, name: str) -> str:
    kind = item.get("type", "")
    context = item.get("ctx", {})
    if kind == "string_pattern_mismatch":
        return texts.expected_form(name)  # in words: a regular expression means nothing to a person
    if kind in {"greater_than", "greater_than_equal", "less_than_equal"}:
        return texts.out_of_bounds(item.get("msg"))
    if kind in {"int_parsing", "float_parsing"}:
        return texts.NUMBER_EXPECTED
    if kind == "bool_parsing":
        return texts.BOOL_EXPECTED
    if kind == "literal_error":
        return texts.one_of(context.get("expected"))
    return re.sub(r"^Value error, ", "", str(item.get("msg")))


# --- readiness: what `migrabot run` needs beyond well-typed values (bootstrap and doctor share it) ------

TRELLO_CREDENTIALS = ("TRELLO_API_KEY", "TRELLO_TOKEN", "TRELLO_BOARD_ID")
_URL = re.compile(r"^https?://[^\s/]+")
_SLACK_USER_ID = re.compile(r"^[UW][A-Z0-9]+$")
_SLACK_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]+$")


@dataclass(frozen=True)
class SettingProblem:
    """A setting the service cannot work with; `bot.texts.doctor` words it in French."""

    setting: str  # e.g. "SLACK_APP_TOKEN"
    missing: bool  # True: empty; False: present but not in the expected form
    mode: str = ""  # the SLACK_MODE that needs the setting, when only one mode does


def trello_problems(settings: Settings) -> list[SettingProblem]:
    """The credentials first (without them nothing on Trello can be checked), then the API's address."""
    values = dict(
        zip(
            TRELLO_CREDENTIALS,
            (settings.trello_api_key, settings.trello_token.get_secret_value(), settings.trello_board_id),
            strict=True,
        )
    )
    problems = [SettingProblem(name, missing=True) for name, value in values.items() if not value.strip()]
    if not _URL.match(settings.trello_api_base_url):
        problems.append(SettingProblem("TRELLO_API_BASE_URL", missing=False))
    return problems


def slack_problems(settings: Settings) -> list[SettingProblem]:
    """Nothing when Slack is off (no bot token): the bot then works on Trello alone."""
    if not settings.slack_enabled:
        return []
    problems = []
    if not settings.slack_bot_token.get_secret_value().startswith("xoxb-"):
        problems.append(SettingProblem("SLACK_BOT_TOKEN", missing=False))
    if not settings.po_user_ids or not all(_SLACK_USER_ID.fullmatch(user) for user in settings.po_user_ids):
        problems.append(SettingProblem("SLACK_PO_USER_IDS", missing=not settings.po_user_ids))
    app_token = settings.slack_app_token.get_secret_value()
    if settings.slack_mode == "socket" and not app_token.startswith("xapp-"):
        problems.append(SettingProblem("SLACK_APP_TOKEN", missing=not app_token, mode="socket"))
    if settings.slack_mode == "http" and not settings.slack_signing_secret.get_secret_value():
        problems.append(SettingProblem("SLACK_SIGNING_SECRET", missing=True, mode="http"))
    for setting, value in (
        ("SLACK_CHANNEL_ID", settings.slack_channel_id),
        ("SLACK_TEAM_CHANNEL_ID", settings.slack_team_channel_id),
    ):
        if value and not _SLACK_CHANNEL_ID.fullmatch(value):
            problems.append(SettingProblem(setting, missing=False))
    if not _URL.match(settings.slack_api_base_url):
        problems.append(SettingProblem("SLACK_API_BASE_URL", missing=False))
    return problems


APPLY_KEY_MIN_LENGTH = 32  # the preprod guard refuses a shorter key file


def apply_problems(settings: Settings) -> list[SettingProblem]:
    """Nothing when PREPROD_APPLY is off. On: somebody may launch, and real runs over SSH can be signed."""
    if not settings.preprod_apply:
        return []
    problems = []
    if not settings.apply_member_refs:
        problems.append(SettingProblem("APPLY_MEMBERS", missing=True))
    key = settings.apply_signing_key.get_secret_value().strip()
    if settings.console_ssh and len(key) < APPLY_KEY_MIN_LENGTH:
        problems.append(SettingProblem("APPLY_SIGNING_KEY", missing=not key))
    return problems


# --- documentation generated from the definitions above (docs/installation.md table, .env.example) ---------------

SECRET_PLACEHOLDERS = {"trello_token": "change-me"}  # Slack's stay empty: Slack is off until filled in
# Written above the first Slack setting of `.env.example`.
SLACK_HOWTO = (
    "# --- Slack (optional) -----------------------------------------------------------------",
    "# Off while SLACK_BOT_TOKEN is empty: the PO then decides by a comment on the card (TRELLO_PO_MEMBERS).",
    '# To turn Slack on (docs/installation.md, "From zero to a running bot", step 4): set SLACK_BOT_TOKEN (xoxb-…),',
    "# SLACK_PO_USER_IDS and, in Socket Mode (the default), SLACK_APP_TOKEN (xapp-…); or SLACK_MODE=http",
    "# with SLACK_SIGNING_SECRET. With TRELLO_PO_MEMBERS set too, the PO may decide on either.",
)


def _default_text(name: str) -> str:
    field = Settings.model_fields[name]
    default = field.default
    if isinstance(default, SecretStr) or default is None:
        return ""
    if isinstance(default, bool):
        return "true" if default else "false"  # how people write it in .env
    return "" if default is None else str(default)


def settings_table() -> str:
    """The settings table of docs/installation.md (Markdown); a test keeps the doc in step with it."""
    rows = ["| Setting | Default | What it is for |", "|---|---|---|"]
    for name, field in Settings.model_fields.items():
        default = _default_text(name)
        shown = f"`{default}`" if default else "—"
        rows.append(f"| `{name.upper()}` | {shown} | {field.description} |")
    return "\n".join(rows)


def env_example() -> str:
    """`.env.example`: every setting with a safe placeholder."""
    lines = ["# migrabot settings: copy to .env and fill in. Generated by `python -m bot.settings`."]
    for name, field in Settings.model_fields.items():
        if name == "slack_mode":
            lines += ["", *SLACK_HOWTO]
        value = SECRET_PLACEHOLDERS.get(name, _default_text(name))
        lines += [f"# {field.description}", f"{name.upper()}={value}"]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    import sys

    sys.stdout.write(env_example() if sys.argv[1:] == ["env"] else settings_table() + "\n")
