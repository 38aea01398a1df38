"""Decisions said in Trello comments, with fakes of our ports: reminders and expiry for a PO on Trello."""

from __future__ import annotations

from pathlib import Path

from bot.adapters.store import Store
from bot.app.ports import BoardUnavailable, Member
from bot.app.workflow import Workflow
from bot.bootstrap import build_workflow
from bot.settings import Settings
from tests.support.fakes import FakeBoard, FakeClock, FakeConsole
from tests.support.text import plain
from tests.unit.app.test_workflow import LIST_IDS, RUNBOOK_TICKET, TITLE, bodies

PO = Member(id="member-camille", username="camille", full_name="Camille Martin")
HOUR = 3600


def waiting_card(tmp_path: Path) -> tuple[Workflow, FakeBoard, FakeClock, str]:
    board, clock = FakeBoard(), FakeClock()
    workflow = build_workflow(
        board=board,
        console=FakeConsole(),
        store=Store(tmp_path / "state.sqlite3"),
        settings=Settings(_env_file=None, approval_reminder_hours=24, approval_ttl_hours=72),
        lists=LIST_IDS,
        clock=clock,
        trello_pos=[PO],
    )
    card = board.add_card(TITLE, RUNBOOK_TICKET)
    workflow.poll()  # simulated: waiting for the PO
    workflow.poll()  # the first look at its comments starts the wait
    assert board.list_of(card) == "En attente validation PO"
    return workflow, board, clock, card


def test_a_waiting_card_gets_one_reminder_mentioning_the_po(tmp_path):
    workflow, board, clock, card = waiting_card(tmp_path)
    clock.advance(23 * HOUR)
    workflow.remind_and_expire()
    assert not any(text.startswith("⏰") for text in bodies(board, card))
    clock.advance(2 * HOUR)
    workflow.remind_and_expire()
    workflow.remind_and_expire()
    reminders = [plain(text) for text in bodies(board, card) if text.startswith("⏰")]
    assert reminders == [
        "⏰ Rappel : @camille, cette carte attend une décision depuis 25 h. Pour décider, répondez sur cette carte "
        "« validé » (ou « ok », « go ») pour valider, ou « refusé : » suivi de la raison pour refuser."
    ]


def test_a_waiting_card_expires_to_fix(tmp_path):
    workflow, board, clock, card = waiting_card(tmp_path)
    clock.advance(73 * HOUR)
    workflow.remind_and_expire()
    assert board.list_of(card) == "À corriger"
    assert workflow.store.card(card).state == "expired"


def test_a_po_reply_after_the_reminder_still_decides(tmp_path):
    workflow, board, clock, card = waiting_card(tmp_path)
    clock.advance(25 * HOUR)
    workflow.remind_and_expire()
    board.comment(card, "ok", author=PO.id)
    workflow.poll()
    assert board.list_of(card) == "Validé — à exécuter"


def test_a_po_comment_read_while_trello_fails_is_read_again_at_the_next_poll(tmp_path):
    workflow, board, _, card = waiting_card(tmp_path)
    board.comment(card, "validé", author=PO.id)
    failing = {"card"}  # the decision re-reads the card: Trello is down at that moment
    board.fail_next = lambda call: BoardUnavailable("Trello injoignable") if call in failing else None
    workflow.poll()
    assert board.list_of(card) == "En attente validation PO"
    failing.clear()
    workflow.poll()
    assert board.list_of(card) == "Validé — à exécuter"


def test_a_deleted_comment_never_hides_the_po_decision_written_after_it(tmp_path):
    workflow, board, _, card = waiting_card(tmp_path)
    board.comment(card, "une question ?", author="member-sam")
    workflow.poll()
    board.cards[card].comments = [c for c in board.cards[card].comments if c.text != "une question ?"]
    board.comment(card, "validé", author=PO.id)
    workflow.poll()
    assert board.list_of(card) == "Validé — à exécuter"


def test_a_deleted_synthesis_never_hides_the_po_decision_at_the_first_look(tmp_path):
    board, clock = FakeBoard(), FakeClock()
    workflow = build_workflow(
        board=board,
        console=FakeConsole(),
        store=Store(tmp_path / "state.sqlite3"),
        settings=Settings(_env_file=None),
        lists=LIST_IDS,
        clock=clock,
        trello_pos=[PO],
    )
    card = board.add_card(TITLE, RUNBOOK_TICKET)
    workflow.poll()  # simulated, nobody has looked at its comments yet
    synthesis = next(c for c in board.cards[card].comments if "Simulation terminée" in c.text)
    board.cards[card].comments.remove(synthesis)
    board.comment(card, "validé", author=PO.id)
    workflow.poll()
    assert board.list_of(card) == "Validé — à exécuter"
