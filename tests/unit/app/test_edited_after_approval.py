"""An approved card whose description changes afterwards: never silently ignored.

Nothing run yet: the card says so, the final commands are marked obsolete, and the card is simulated again
(a new PO request). A group already ticked: only a loud warning, and the team decides.
"""

from __future__ import annotations

import pytest

from bot.domain.lifecycle import CardState
from bot.texts.french import typeset
from tests.support.fakes import SimulatedCrash
from tests.unit.app.test_decisions import CHANNEL, Env
from tests.unit.app.test_workflow import RUNBOOK_TICKET, TITLE, bodies

NOTICE = (
    "La description a changé après la validation : les commandes finales ci-dessus correspondent à "
    "l'ancienne version."
)
EDITED = RUNBOOK_TICKET.replace("lorsque le champ = TEH → vers France Fraternités - TEH (ID 5645)\n\n", "", 1)
GROUP_ONE = typeset("Preprod — groupe 1 : CHU 75 (ID 4537), 4 commandes")


def approved(env: Env) -> str:
    card = env.board.add_card(TITLE, RUNBOOK_TICKET)
    env.poll()
    _, key = env.request()
    env.approvals.approve(key, user_id="UPO")
    assert env.store.card(card).state is CardState.APPROVED
    return card


def final_comment(env: Env, card: str) -> str:
    [text] = [t for t in bodies(env.board, card) if "commandes finales à exécuter" in t.split("\n", 1)[0]]
    return text


@pytest.fixture
def env(tmp_path) -> Env:
    return Env(tmp_path)


def test_edited_before_any_group_ran_marks_the_commands_obsolete_and_simulates_again(env: Env):
    card = approved(env)
    assert EDITED != RUNBOOK_TICKET
    requests_before = len(env.chat.messages)
    env.board.edit(card, desc=EDITED)
    env.poll()

    texts = bodies(env.board, card)
    assert any(text.startswith(f"⚠️ {NOTICE}") for text in texts)
    first_line = final_comment(env, card).split("\n", 1)[0]
    assert first_line.startswith("🚫 **Obsolète** : la description a changé après la validation")
    assert "✅ **Validé par" in first_line  # the old first line is still there, struck out
    record = env.store.card(card)
    assert record.round == 2 and record.state is CardState.AWAITING_APPROVAL
    assert env.board.list_of(card) == "En attente validation PO"
    assert len(env.chat.messages) == requests_before + 1  # a new PO request
    assert sum(t.startswith("✅ **Prêt pour validation** : 7 commandes simulées") for t in texts) == 1
    env.poll()
    assert bodies(env.board, card) == texts  # said once


def test_edited_once_a_group_was_ticked_only_warns_loudly_and_waits_for_the_team(env: Env):
    card = approved(env)
    env.board.person_ticks(card, GROUP_ONE)
    env.poll()  # group 1 verified
    runs, final_before = len(env.console.ran), final_comment(env, card)
    env.board.edit(card, desc=EDITED)
    env.poll()

    warning = bodies(env.board, card)[-1]
    assert warning.startswith(
        "🚨 **La description a changé après la validation, alors que l'exécution a commencé.**"
    )
    assert NOTICE in warning
    assert "À l'équipe de décider" in warning
    assert final_comment(env, card) == final_before  # maybe still the right commands: the team says
    assert len(env.console.ran) == runs  # no new simulation
    assert env.store.card(card).state is CardState.EDITED_DURING_EXECUTION
    assert any(reply[2].startswith("🚨 ") for reply in env.chat.replies if reply[0] == CHANNEL)
    comments = len(env.board.comment_texts(card))
    env.board.person_ticks(card, typeset("Preprod — groupe 2 : CPH (ID 4960), 4 commandes"))
    env.poll()
    assert len(env.console.ran) == runs and len(env.board.comment_texts(card)) == comments  # not verified

    env.board.edit(card, list_name="À simuler")  # the team decides: simulate the new text
    env.poll()
    assert env.store.card(card).round == 2
    assert env.board.list_of(card) == "En attente validation PO"


def test_a_crash_anywhere_while_handling_the_edit_then_a_restart_ends_the_same(tmp_path):
    def state(env: Env, card: str) -> tuple:
        return (
            bodies(env.board, card),
            env.board.list_of(card),
            env.store.card(card).state,
            len(env.chat.messages),
        )

    reference = Env(tmp_path / "reference")
    card = approved(reference)
    reference.board.edit(card, desc=EDITED)
    before = reference.board.side_effects
    reference.poll()
    expected, effects = state(reference, card), reference.board.side_effects - before
    assert effects >= 5  # notice, obsolete mark, move, then the new round's comments and request
    for crash_at in range(1, effects + 1):
        env = Env(tmp_path / f"crash{crash_at}")
        card = approved(env)
        env.board.edit(card, desc=EDITED)
        env.board.crash_after(env.board.side_effects + crash_at)
        with pytest.raises(SimulatedCrash):
            env.poll()
        restarted = env.restarted()
        restarted.poll()
        restarted.poll()
        assert state(env, card) == expected, f"crash after side effect {crash_at}"
