"""After a crash the bot adopts only what its own account made: a person's look-alike « Exécution »
checklist (with « Prod : tout est déjà vérifié » ticked) is never taken for the bot's."""

from __future__ import annotations

import pytest

from tests.support.fakes import BOT_MEMBER, SimulatedCrash
from tests.support.text import plain
from tests.unit.app.test_decisions import Env
from tests.unit.app.test_workflow import RUNBOOK_TICKET, TITLE

PERSON = "member-camille"


def test_a_persons_execution_checklist_is_not_adopted_after_a_crash(tmp_path):
    env = Env(tmp_path)
    card = env.board.add_card(TITLE, RUNBOOK_TICKET)
    env.poll()
    _, key = env.request()
    env.board.add_person_checklist(card, "Exécution", ["Prod : tout est déjà vérifié"], author=PERSON)
    env.board.crash_after(env.board.side_effects + 2)  # the final commands, then the bot's empty checklist
    with pytest.raises(SimulatedCrash):
        env.approvals.approve(key, user_id="UPO")

    restarted = env.restarted()
    restarted.poll()

    checklists = {checklist.id: checklist for checklist in env.board.checklists(card)}
    persons = [c for c in checklists.values() if c.author_id == PERSON]
    ours = [c for c in checklists.values() if c.author_id == BOT_MEMBER]
    assert [c.items for c in persons] == [("Prod : tout est déjà vérifié",)]  # untouched
    assert len(ours) == 1 and len(ours[0].items) == 8  # the bot's own, completed
    assert env.board.list_of(card) == "Validé — à exécuter"


def test_ticks_in_a_persons_look_alike_execution_checklist_are_not_followed(tmp_path):
    env = Env(tmp_path)
    card = env.board.add_card(TITLE, RUNBOOK_TICKET)
    env.poll()
    _, key = env.request()
    env.approvals.approve(key, user_id="UPO")
    group_one = "Preprod — groupe 1 : CHU 75 (ID 4537), 4 commandes"
    look_alike = env.board.add_person_checklist(card, "Exécution", [group_one], author=PERSON)
    comments, runs = len(env.board.comment_texts(card)), len(env.console.ran)

    env.board.person_ticks(card, group_one, in_checklist=look_alike)
    env.poll()

    assert len(env.console.ran) == runs  # nothing verified for a tick in somebody else's checklist
    assert len(env.board.comment_texts(card)) == comments
    [ours] = [c for c in env.board.checklists(card) if c.author_id == BOT_MEMBER]
    bots_item = next(item for item in ours.items if plain(item) == group_one)  # typeset by the bot
    env.board.person_ticks(card, bots_item)  # the same item in the bot's own checklist is followed
    env.poll()
    assert len(env.console.ran) == runs + 4
