"""The workbook's way to the team's Drive with a fake of the Drive port: optional, never blocking, retried."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from bot.adapters.store import Store
from bot.app.workflow import Workflow
from bot.bootstrap import build_workflow
from bot.settings import Settings
from tests.support.fakes import FakeBoard, FakeClock, FakeConsole, FakeDrive
from tests.unit.app.test_workflow import LIST_IDS, RUNBOOK_TICKET, TITLE, bodies


def workflow(
    tmp_path, board: FakeBoard, drive: FakeDrive | None, *, settings: Settings | None = None
) -> tuple[Workflow, FakeClock]:
    clock = FakeClock()
    flow = build_workflow(
        board=board,
        console=FakeConsole(),
        store=Store(tmp_path / "state.sqlite3"),
        settings=settings or Settings(_env_file=None),
        lists=LIST_IDS,
        clock=clock,
        drive=drive,
    )
    return flow, clock


def test_without_drive_nothing_is_said_about_it(tmp_path):
    board = FakeBoard()
    flow, _ = workflow(tmp_path, board, None)
    card = board.add_card(TITLE, RUNBOOK_TICKET)
    flow.poll()
    assert not any("Drive" in text for text in bodies(board, card))
    assert len(board.cards[card].attachments) == 1


def test_the_workbook_s_time_follows_the_tz_setting_like_the_comments(tmp_path):
    board = FakeBoard()
    flow, _ = workflow(tmp_path, board, None, settings=Settings(_env_file=None, tz="Asia/Tokyo"))
    card = board.add_card(TITLE, RUNBOOK_TICKET)
    flow.poll()
    [data] = [data for attachment, data in board.cards[card].attachments if attachment.name.endswith(".xlsx")]
    title = load_workbook(io.BytesIO(data))["Synthèse"]["A3"].value
    # the round began at the clock's 1_790_000_000 s: 2026-09-21 14:13 UTC, 23:13 in Tokyo (16:13 in Paris)
    assert title.endswith("le 21/09/2026 à 23:13 (fuseau Asia/Tokyo)"), title


def test_a_refused_upload_is_tried_at_each_poll_until_it_lands_then_never_again(tmp_path):
    board, drive = FakeBoard(), FakeDrive()
    drive.refuse = "Google Drive indisponible (503 backendError)"
    flow, clock = workflow(tmp_path, board, drive)
    card = board.add_card(TITLE, RUNBOOK_TICKET)
    flow.poll()
    name = f"simulation_migration_France_Fraternites_CHU_75_+1_s{card}_simulation1.xlsx"
    assert drive.calls == [f"upload {name}"]
    assert (
        "⚠️ Dépôt sur le Drive impossible : Google Drive indisponible (503 backendError)."
        in bodies(board, card)[1]
    )
    clock.advance(60)
    flow.poll()
    assert drive.calls[1:] == [f"find {name}"]  # still refused: looked up first, as a resumed step does
    drive.refuse = None
    clock.advance(60)
    flow.poll()
    assert drive.calls[2:] == [f"find {name}", f"upload {name}"]
    assert bodies(board, card)[-1].startswith("📁 Fichier Excel déposé sur le Drive (nouvel essai réussi) : ")
    clock.advance(60)
    flow.poll()
    assert len(drive.calls) == 4 and len(drive.files) == 1
