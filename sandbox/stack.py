"""The embedded default: sandbox Trello, Slack and Drive and the Reconnect console simulator on 127.0.0.1,
and the settings that point the real bot at them. Used by `migrabot demo` and the end-to-end tests.

Nothing here bypasses the bot's adapters: py-trello talks HTTP to the sandbox Trello, slack_sdk to the
sandbox Slack, the runner starts the simulator as a process; the demo plays the people through the same
interfaces they would use (Trello's REST API, Slack's Socket Mode envelopes or signed HTTP requests).
"""

from __future__ import annotations

import secrets
import shlex
import sys
from dataclasses import dataclass, field
from pathlib import Path

from bot.settings import Settings
from sandbox.drive import DriveSandbox
from sandbox.reconnect_console import seed_runbook_scenario
from sandbox.slack_server import SlackSandbox
from sandbox.tickets import ticket_text
from sandbox.trello_server import TrelloSandbox

PO = ("U0CAMILLE", "Camille Martin")
DEVELOPER = ("U0SAM", "Sam Bernard")
TRELLO_PO = "camillemartin"  # the same people on Trello (usernames)
TRELLO_DEVELOPER = "sambernard"
VALIDATION_CHANNEL = ("C0VALIDATION", "validation-migrations")
TEAM_CHANNEL = ("C0TECH", "tech-reconnect")
DRIVE_FOLDER = "Migration des dossiers usagers"

DEMO_CARDS = (
    ("Migration des dossiers usagers - France Fraternités CHU 75 et CPH", "runbook.txt"),
    ("Migration des dossiers usagers - CHU 75 vers CHU 77 avec hébergements", "hebergements.txt"),
    ("Migration des dossiers usagers - CPH vers TEH", "erreur.txt"),
)


class SandboxSettings(Settings):
    """Settings that come from the sandbox alone: neither the environment nor a `.env` file is read, so an
    operator's `CONSOLE_SSH` (or any other setting) can never point the demo at a real service."""

    @classmethod
    def settings_customise_sources(cls, settings_cls, init_settings, **other_sources):  # type: ignore[override]
        return (init_settings,)


@dataclass
class SandboxStack:
    """Everything the bot talks to, started on loopback; `settings()` points the bot at it."""

    workdir: Path
    trello: TrelloSandbox = field(init=False)
    slack: SlackSandbox = field(init=False)
    drive: DriveSandbox = field(init=False)
    drive_folder: str = field(init=False, default="")
    board: dict = field(init=False, default_factory=dict)
    cards: dict[str, str] = field(init=False, default_factory=dict)  # ticket file → card id
    signing_secret: str = field(init=False, default_factory=lambda: secrets.token_hex(16))
    trello_token: str = field(init=False, default_factory=lambda: "sandbox-token-" + secrets.token_hex(8))

    def __post_init__(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.trello = TrelloSandbox(api_key="sandbox-key", token=self.trello_token)
        self.slack = SlackSandbox(
            bot_token="xoxb-sandbox-" + secrets.token_hex(8), app_token="xapp-sandbox-" + secrets.token_hex(8)
        )
        self.drive = DriveSandbox()

    @property
    def reconnect_db(self) -> Path:
        return self.workdir / "reconnect.sqlite3"

    def start(self, *, cards: tuple[tuple[str, str], ...] = DEMO_CARDS) -> SandboxStack:
        self.trello.start()
        self.slack.start()
        self.drive.start()
        # The team's folder « Z-NEW RECONNECT > … > Migration des dossiers usagers », shared with the bot.
        self.drive_folder = self.drive.add_folder(DRIVE_FOLDER, shared_drive=True)
        self.drive.service_account_key(self.drive_key)
        seed_runbook_scenario(self.reconnect_db)
        self.board = self.trello.seed_runbook_board()
        # The seed's own card is the runbook ticket; the others are added beside it.
        self.cards = {"runbook.txt": self.board["card"]}
        for name, ticket in cards:
            if ticket in self.cards:
                continue
            self.cards[ticket] = self.add_card(name, ticket_text(ticket))
        for user_id, name in (PO, DEVELOPER):
            self.slack.add_user(user_id, name, real_name=name)
        for username, (_, name) in ((TRELLO_PO, PO), (TRELLO_DEVELOPER, DEVELOPER)):
            self.trello.add_member(username, name)
        for channel_id, name in (VALIDATION_CHANNEL, TEAM_CHANNEL):
            self.slack.add_channel(channel_id, name)
        return self

    def add_card(self, name: str, description: str) -> str:
        todo = self.board["lists"]["À simuler"]
        return self.trello.add_card(todo, name, description, label_ids=[self.board["label"]])["id"]

    @property
    def drive_key(self) -> Path:
        return self.workdir / "drive-service-account.json"

    def stop(self) -> None:
        self.drive.stop()
        self.slack.stop()
        self.trello.stop()

    def __enter__(self) -> SandboxStack:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    def settings(self, **overrides: object) -> Settings:
        """Sandbox settings with `overrides`; Slack in Socket Mode unless `slack_mode="http"`."""
        values: dict[str, object] = {
            "trello_api_key": "sandbox-key",
            "trello_token": self.trello_token,
            "trello_board_id": self.board["board"],
            "trello_api_base_url": self.trello.base_url,
            "console_command": f"{shlex.quote(sys.executable)} -m sandbox.reconnect_console "
            f"--db {shlex.quote(str(self.reconnect_db))}",
            "state_db": self.workdir / "migrabot.sqlite3",
            "poll_interval_seconds": 1,
            "slack_mode": "socket",
            "slack_bot_token": self.slack.bot_token,
            "slack_app_token": self.slack.app_token,
            "slack_signing_secret": self.signing_secret,
            "slack_http_port": 0,
            "slack_api_base_url": self.slack.base_url,
            "slack_po_user_ids": PO[0],
            "slack_channel_id": VALIDATION_CHANNEL[0],
            "slack_team_channel_id": TEAM_CHANNEL[0],
            "drive_folder_id": self.drive_folder,
            "google_application_credentials": str(self.drive_key),
            "drive_api_base_url": self.drive.base_url,
        }
        values.update(overrides)
        return SandboxSettings(**values)

    def environment(self, settings: Settings) -> dict[str, str]:
        """The same settings as environment variables, for `migrabot run` started as a process."""
        env = {}
        for name in Settings.model_fields:
            value = getattr(settings, name)
            if hasattr(value, "get_secret_value"):
                value = value.get_secret_value()
            env[name.upper()] = "" if value is None else str(value)
        return env
