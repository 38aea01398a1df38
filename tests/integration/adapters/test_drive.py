"""The workbook filed in the team's Drive folder (runbook step 3, option B): the real adapter (google-auth +
httpx) against the Drive stand-in over HTTP, inside the real workflow; Trello, Slack and the console are
fakes of our own ports."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from bot.adapters.drive import GoogleDrive
from bot.adapters.store import Store
from bot.app.ports import DriveUnavailable
from bot.bootstrap import build_workflow
from bot.settings import Settings
from bot.texts.markdown import escape_markdown
from sandbox.drive import SERVICE_ACCOUNT, DriveSandbox
from tests.support.fakes import FakeBoard, FakeChat, FakeClock, FakeConsole, SimulatedCrash
from tests.support.text import plain
from tests.unit.app.test_workflow import LIST_IDS, RUNBOOK_TICKET, TITLE, bodies

CHANNEL = "CPO"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def drive_sandbox():
    with DriveSandbox() as sandbox:
        yield sandbox


class Env:
    def __init__(self, tmp_path: Path, sandbox: DriveSandbox, *, shared_drive: bool = True) -> None:
        self.sandbox = sandbox
        self.key = sandbox.service_account_key(tmp_path / "migrabot-key.json")
        self.folder = sandbox.add_folder("Migration des dossiers usagers", shared_drive=shared_drive)
        self.settings = Settings(
            _env_file=None, slack_po_user_ids="UPO", slack_channel_id=CHANNEL, slack_bot_token="xoxb-test"
        )
        self.board = FakeBoard()
        self.console = FakeConsole()
        self.chat = FakeChat()
        self.clock = FakeClock()
        self.path = tmp_path / "state.sqlite3"
        self.restart()

    def adapter(self, **options: object) -> GoogleDrive:
        return GoogleDrive(
            folder_id=self.folder, credentials_path=self.key, base_url=self.sandbox.base_url, **options
        )

    def restart(self, drive: object | None = None) -> None:
        """A new process on the same state database."""
        self.drive = drive or self.adapter(sleep=lambda _: None)
        self.workflow = build_workflow(
            board=self.board,
            console=self.console,
            store=Store(self.path),
            settings=self.settings,
            lists=LIST_IDS,
            clock=self.clock,
            chat=self.chat,
            drive=self.drive,  # type: ignore[arg-type]
        )

    def poll(self) -> None:
        self.clock.advance(60)
        self.workflow.poll()

    def files(self) -> list[dict]:
        return self.sandbox.files_in(self.folder)

    def request_text(self) -> str:
        [message] = self.chat.messages.values()
        return "\n".join(b["text"]["text"] for b in message["blocks"] if b["type"] == "section")

    def uploads_to_drive(self) -> int:
        return sum(
            1 for method, path in self.sandbox.requests if method == "POST" and path.startswith("/upload/")
        )


class CrashAfterUpload:
    """The bot dies once Drive has stored the file, before the journal knows it."""

    def __init__(self, drive: GoogleDrive) -> None:
        self.drive = drive

    def find(self, name: str):
        return self.drive.find(name)

    def upload(self, *, name: str, data: bytes, mime_type: str):
        self.drive.upload(name=name, data=data, mime_type=mime_type)
        raise SimulatedCrash("killed right after Drive answered")


def test_the_workbook_lands_in_the_folder_and_its_link_reaches_the_card_and_the_po(tmp_path, drive_sandbox):
    env = Env(tmp_path, drive_sandbox)
    card = env.board.add_card(TITLE, RUNBOOK_TICKET)
    env.poll()
    [file] = env.files()
    [(attachment, data)] = env.board.cards[card].attachments
    assert (
        file["name"]
        == attachment.name
        == f"simulation_migration_France_Fraternites_CHU_75_+1_s{card}_simulation1.xlsx"
    )
    assert (file["mimeType"], file["content"]) == (XLSX, data)
    link = f"{drive_sandbox.base_url}file/d/{file['id']}/view?usp=drivesdk"
    trello_line = (
        f"📁 Fichier Excel sur le Drive : [{escape_markdown(attachment.name)}](<{link}>)"  # a Markdown link
    )
    assert trello_line in plain(bodies(env.board, card)[1]).splitlines()
    assert f"📁 <{link}|Fichier Excel sur le Drive>" in plain(
        env.request_text()
    )  # a link Slack makes clickable
    assert httpx.get(link).content == data  # the link opens the workbook
    env.poll()
    assert len(env.files()) == 1 and env.uploads_to_drive() == 1


def test_a_crash_after_the_upload_adopts_the_file_found_by_name_instead_of_uploading_again(
    tmp_path, drive_sandbox
):
    env = Env(tmp_path, drive_sandbox)
    card = env.board.add_card(TITLE, RUNBOOK_TICKET)
    env.restart(CrashAfterUpload(env.adapter()))
    with pytest.raises(SimulatedCrash):
        env.poll()
    assert len(env.files()) == 1 and env.board.comment_texts(card)[1:] == []  # nothing else said yet
    env.restart()
    env.poll()
    [file] = env.files()
    assert env.uploads_to_drive() == 1
    synthesis = bodies(env.board, card)[1]
    assert f"/file/d/{file['id']}/view" in synthesis
    assert env.board.list_of(card) == "En attente validation PO"


@pytest.mark.parametrize(
    ("breakdown", "reason"),
    [
        ("token", "jeton refusé par Google (Invalid grant: account not found)"),
        (
            "read-only",
            "le compte de service n'a pas le droit d'écrire dans le dossier (403 insufficientFilePermissions)",
        ),
        ("5xx", "Google Drive indisponible (503 backendError)"),
        ("timeout", "Google Drive n'a pas répondu à temps"),
    ],
)
def test_when_drive_fails_the_card_and_the_po_still_get_the_file_and_the_next_poll_files_it(
    tmp_path, drive_sandbox, breakdown, reason
):
    env = Env(tmp_path, drive_sandbox)
    if breakdown == "timeout":
        env.restart(env.adapter(timeout_s=1.0))  # a whole answer within 1 s, even on a loaded machine
        drive_sandbox.faults.latency_s = 3.0
    elif breakdown == "token":
        drive_sandbox.accounts.refuse_all = True
    elif breakdown == "read-only":
        drive_sandbox.store.items[env.folder].shared_with[SERVICE_ACCOUNT] = "reader"
    else:
        drive_sandbox.faults.fail(503)
    card = env.board.add_card(TITLE, RUNBOOK_TICKET)
    env.poll()
    line = f"⚠️ Dépôt sur le Drive impossible : {reason}. "
    assert any(text.startswith(line) for text in bodies(env.board, card)[1].splitlines())
    [(attachment, _)] = env.board.cards[card].attachments
    assert env.chat.uploads == [(CHANNEL, next(iter(env.chat.messages))[1], attachment.name)]
    assert "Dépôt sur le Drive impossible" in env.request_text()
    assert env.board.list_of(card) == "En attente validation PO"

    drive_sandbox.faults.latency_s = 0.0
    drive_sandbox.accounts.refuse_all = False
    drive_sandbox.store.items[env.folder].shared_with[SERVICE_ACCOUNT] = "writer"
    env.poll()  # the next poll tries again
    [file] = env.files()
    assert file["name"] == attachment.name
    assert bodies(env.board, card)[-1] == (
        "📁 Fichier Excel déposé sur le Drive (nouvel essai réussi) : "
        f"[{escape_markdown(attachment.name)}](<{drive_sandbox.base_url}file/d/{file['id']}/view?usp=drivesdk>)"
    )
    comments = len(env.board.comment_texts(card))
    env.poll()
    assert len(env.files()) == 1 and len(env.board.comment_texts(card)) == comments


def test_the_adapter_finds_names_with_quotes_and_says_why_it_cannot_reach_the_folder(tmp_path, drive_sandbox):
    env = Env(tmp_path, drive_sandbox, shared_drive=False)
    drive = env.adapter(sleep=lambda _: None)
    name = "l'équipe \\ simulation.xlsx"
    assert drive.find(name) is None
    uploaded = drive.upload(name=name, data=b"PK\x03\x04", mime_type=XLSX)
    assert drive.find(name) == uploaded
    assert drive.find("l'équipe") is None
    assert drive.folder()["capabilities"] == {"canAddChildren": True}
    missing = GoogleDrive(folder_id="absent", credentials_path=env.key, base_url=drive_sandbox.base_url)
    with pytest.raises(DriveUnavailable, match="dossier introuvable ou non partagé"):
        missing.upload(name="x.xlsx", data=b"", mime_type=XLSX)
    unreadable = GoogleDrive(folder_id=env.folder, credentials_path=tmp_path / "nope.json")
    with pytest.raises(DriveUnavailable, match="clé du compte de service introuvable"):
        unreadable.token()
    assert all("Bearer" not in path for _, path in drive_sandbox.requests)
