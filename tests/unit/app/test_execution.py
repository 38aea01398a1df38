"""The execution follow-up with fakes: what a tick costs and what it does when the console is out of reach."""

from __future__ import annotations

import pytest

from bot.domain.lifecycle import CardState
from bot.domain.model import ConsoleResult
from bot.texts.french import typeset
from tests.support.text import plain
from tests.unit.app.test_decisions import Env
from tests.unit.app.test_workflow import RUNBOOK_TICKET, TITLE, bodies

GROUP_ONE = typeset("Preprod — groupe 1 : CHU 75 (ID 4537), 4 commandes")
UNREACHABLE = ConsoleResult(
    exit_code=None, stdout="", stderr="", duration_s=0.0, start_error="ssh: not found"
)


@pytest.fixture
def env(tmp_path) -> Env:
    return Env(tmp_path)


def approved(env: Env) -> str:
    card = env.board.add_card(TITLE, RUNBOOK_TICKET)
    env.poll()
    _, key = env.request()
    env.approvals.approve(key, user_id="UPO")
    assert env.store.card(card).state is CardState.APPROVED
    return card


def verifications(env: Env, card: str) -> list[str]:
    return [
        plain(text) for text in bodies(env.board, card) if "Vérification preprod" in text.split("\n", 1)[0]
    ]


def test_a_console_out_of_reach_neither_uses_up_the_tick_nor_says_anything(env):
    card = approved(env)
    for destination in (5644, 4960, 5634, 5645):
        env.console.failures[(4537, destination)] = UNREACHABLE
    env.board.person_ticks(card, GROUP_ONE)
    env.poll()
    assert verifications(env, card) == []  # no false « écart » for a console that did not answer

    env.console.failures.clear()  # preprod is back: the same tick is verified, without a new tick
    env.poll()
    assert len(verifications(env, card)) == 1


def test_a_card_nobody_touches_costs_no_request_beyond_the_poll(env):
    card = approved(env)
    env.poll()  # the first look reads the checklist once
    env.board.calls.clear()
    env.poll()
    assert [call for call in env.board.calls if call[0] != "open_cards"] == []
    assert card in env.board.cards


def test_a_tick_on_the_obsolete_checklist_is_answered_once_while_the_new_round_waits_for_the_po(env):
    card = approved(env)
    env.board.edit(card, list_name="À simuler")  # moved back by a person: a new round, the PO asked again
    env.poll()
    assert (env.store.card(card).round, env.store.card(card).state) == (2, CardState.AWAITING_APPROVAL)
    [old] = [cid for cid, name, _ in env.board.cards[card].checklists if "obsolète" in name]
    env.poll()  # the first look after the new round reads the card once
    env.board.calls.clear()
    env.poll()
    assert [call for call in env.board.calls if call[0] != "open_cards"] == []  # idle: nothing more

    env.board.person_ticks(card, GROUP_ONE, in_checklist=old)
    env.poll()
    env.poll()
    answers = [text for text in bodies(env.board, card) if "check-list « Exécution » obsolète" in text]
    assert answers == [
        "ℹ️ Cette coche est sur une check-list « Exécution » obsolète (d'une validation précédente) : le bot ne "
        "la lit pas. La simulation n° 2 n'est pas validée : sa check-list « Exécution » sera ajoutée une fois "
        "qu'elle le sera."
    ]
    env.board.calls.clear()
    env.poll()
    assert [call for call in env.board.calls if call[0] != "open_cards"] == []

    env.board.edit(card, list_name="À simuler")  # round 3: the same old tick is not answered again
    env.poll()
    env.board.person_ticks(card, GROUP_ONE, in_checklist=old, checked=False)  # the card's activity moves
    env.poll()
    assert env.store.card(card).round == 3
    assert sum("check-list « Exécution » obsolète" in text for text in bodies(env.board, card)) == 1
