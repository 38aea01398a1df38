"""The situations a new user fell into, each closed through the triage table (issue 18), on the sandbox stack:
the real bot over Trello's REST API, the Reconnect simulator as its console."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from sandbox.stack import TRELLO_PO
from tests.support.slack_sandbox import wait_until
from tests.support.stack import RUNBOOK_ONLY, Running, start

TODO, WAITING, FIX, APPROVED = "À simuler", "En attente validation PO", "À corriger", "Validé — à exécuter"


@pytest.fixture
def quick_expiry(tmp_path: Path) -> Iterator[Running]:
    """A PO on Trello, Slack off, and requests that expire after about a second."""
    running = start(
        tmp_path,
        cards=RUNBOOK_ONLY,
        slack=False,
        trello_po_members=TRELLO_PO,
        approval_ttl_hours=0.0003,
        approval_reminder_hours=1000,
    )
    yield running
    running.service.close()
    running.stack.stop()


def card_id(running: Running) -> str:
    return running.stack.cards["runbook.txt"]


def move(running: Running, list_name: str) -> None:
    """A person drags the card to another list."""
    running.trello.move_card(card_id(running), running.stack.board["lists"][list_name])


def record(running: Running):
    return running.service.store.card(card_id(running))


def test_an_expired_request_parks_the_card_in_fix_until_a_person_asks_again(quick_expiry):
    running = quick_expiry
    running.poll()  # simulated, the PO is asked on the card
    running.poll()  # the wait for a decision starts with the first look at the comments
    assert running.list_name("runbook.txt") == WAITING

    def expired() -> bool:
        running.service.workflow.remind_and_expire()
        return record(running).state == "expired"

    wait_until(expired, what="the request's expiry")
    assert running.list_name("runbook.txt") == FIX
    assert running.comments("runbook.txt")[-1] == (
        "⌛ **Demande de validation expirée** : pas de décision en 0 jours. La carte passe dans « À corriger » "
        "et n'est plus simulée. Pour demander à nouveau, remettez-la dans « À simuler » : elle sera simulée à "
        "nouveau (les chiffres de preprod ont pu changer)."
    )
    expired_round, comments = record(running).round, len(running.comments("runbook.txt"))
    running.poll()
    running.poll()
    assert record(running).round == expired_round  # neither simulated nor asked again by itself
    assert len(running.comments("runbook.txt")) == comments

    move(running, TODO)  # a person asks again
    running.poll()
    assert record(running).round == expired_round + 1
    assert running.list_name("runbook.txt") == WAITING
