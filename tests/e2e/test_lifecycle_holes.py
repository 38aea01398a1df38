"""The situations a new user fell into, each closed through the triage table (issue 18), on the sandbox stack:
the real bot over Trello's REST API, the Reconnect simulator as its console."""

from __future__ import annotations

import argparse
import io
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.commands.status import main as status_main
from sandbox.stack import TRELLO_PO
from tests.support.slack_sandbox import wait_until
from tests.support.stack import RUNBOOK_ONLY, Running, start
from tests.support.text import plain

ROOT = Path(__file__).parents[2]

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
        "⌛ **Demande de validation expirée** : pas de décision en 0 jour. La carte passe dans « À corriger » "
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


@pytest.fixture
def trello_only(tmp_path: Path) -> Iterator[Running]:
    running = start(tmp_path, cards=RUNBOOK_ONLY, slack=False)
    yield running
    running.service.close()
    running.stack.stop()


def status_text(running: Running) -> str:
    """What `migrabot status` prints about the bot's state database."""
    out = io.StringIO()
    arguments = argparse.Namespace(json=False, health=False, all=False)
    assert status_main(arguments, running.settings, stdout=out, stderr=io.StringIO()) == 0
    return plain(out.getvalue())


def test_a_card_dragged_into_validated_without_a_decision_is_put_back_once_and_status_says_so(trello_only):
    running = trello_only
    running.poll()
    assert running.list_name("runbook.txt") == WAITING
    move(running, APPROVED)  # by hand, without any decision
    running.poll()
    assert running.list_name("runbook.txt") == WAITING
    assert running.comments("runbook.txt")[-1] == (
        "↩️ **Carte remise dans « En attente validation PO »** : elle a été déplacée à la main dans « Validé — "
        "à exécuter », mais le PO n'a pas validé sa simulation. La validation vient du PO (Slack ou cette "
        "carte) ; le bot déplace la carte lui-même une fois validée."
    )
    comments = len(running.comments("runbook.txt"))
    running.poll()
    assert len(running.comments("runbook.txt")) == comments  # said once
    assert running.trello.checklists(card_id(running)) == []  # nothing written as if approved
    assert (
        "déplacée à la main dans « Validé — à exécuter » sans décision du PO : remise dans « En attente "
        "validation PO »" in status_text(running)
    )


def test_an_unlabelled_card_that_reads_like_a_migration_is_asked_for_the_label_once(trello_only):
    running = trello_only
    todo = running.stack.board["lists"][TODO]
    ticket = (ROOT / "sandbox/tickets/runbook.txt").read_text(encoding="utf-8")
    unlabelled = running.trello.add_card(todo, "Migration CHU 75 vers CPH", ticket)["id"]
    running.trello.add_card(todo, "Bug d'affichage", "Le bouton « Exporter » ne s'affiche plus.")
    running.poll()
    running.poll()
    asked = [
        plain(c["data"]["text"]).split("\n\nmigrabot · ", 1)[0] for c in running.trello.comments(unlabelled)
    ]
    assert asked == [
        "🏷️ **Étiquette manquante** : cette carte de « À simuler » ressemble à une migration des dossiers "
        "usagers, mais elle n'a pas l'étiquette « Migration des dossiers usagers » (et son titre ne commence "
        "pas par « Migration des dossiers usagers »). Le bot ne la simule pas : ajoutez l'étiquette (ou "
        "commencez le titre par « Migration des dossiers usagers ») et la simulation démarre au passage "
        "suivant. Rien à faire si ce n'est pas une migration."
    ]
    assert (
        "« Migration CHU 75 vers CPH » : sans l'étiquette de migration : étiquette demandée"
        in status_text(running)
    )
    running.trello.add_label_to_card(unlabelled, running.stack.board["label"])  # a person adds the label
    running.poll()
    assert running.service.store.card(unlabelled).state == "awaiting_approval"
    assert running.service.store.card(unlabelled).round == 1  # asking for the label was not simulation n° 1
