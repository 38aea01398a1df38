"""The « Exécution » checklist on the sandbox, as people really handle it: prod ticked without a prod console
(issue 18), items added, renamed, duplicated or deleted by hand (issue 25, point 3), a new round after an
approval (issue 18: one live « Exécution » per card)."""

from __future__ import annotations

import shlex
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.domain.codec import simulation_from_dict
from bot.domain.command import FinalCommand
from bot.domain.decision import Decision, RequestKey
from bot.domain.lifecycle import Event
from sandbox.stack import PO
from tests.support.stack import RUNBOOK_ONLY, Running, start
from tests.support.text import plain

TOO_EARLY = "coché trop tôt"
IGNORED = "⚠️ **Élément ignoré**"


@pytest.fixture
def approved(tmp_path: Path) -> Iterator[Running]:
    """The runbook ticket simulated and approved by the PO; Slack off, no prod console."""
    running = start(tmp_path, cards=RUNBOOK_ONLY, slack=False)
    running.poll()
    approve(running)
    yield running
    running.service.close()
    running.stack.stop()


def card_id(running: Running) -> str:
    return running.stack.cards["runbook.txt"]


def approve(running: Running) -> None:
    record = running.service.store.card(card_id(running))
    key = RequestKey(record.card_id, record.round, record.description_hash)
    assert running.service.workflow.apply(Decision(Event.APPROVE, key, user_id=PO[0])).message is None


def run_for_real(running: Running, *, group: int) -> None:
    """What the person does on preprod: the group's final commands (no --dry-run), on the simulator."""
    plan = simulation_from_dict(running.service.store.card(card_id(running)).simulation).plan
    for index in plan.groups[group - 1].rule_indexes:
        argv = [*shlex.split(running.settings.console_command), *FinalCommand(plan.rules[index]).arguments()]
        subprocess.run(argv, check=True, capture_output=True, timeout=60)


def checklists(running: Running) -> list[dict]:
    return running.trello.checklists(card_id(running))


def live(running: Running) -> dict:
    [checklist] = [c for c in checklists(running) if c["name"] == "Exécution"]
    return checklist


def item(checklist: dict, prefix: str) -> dict:
    return next(i for i in checklist["checkItems"] if plain(i["name"]).startswith(prefix))


def tick(running: Running, prefix: str, *, checked: bool = True) -> None:
    running.trello.tick_item(card_id(running), item(live(running), prefix)["id"], checked=checked)


def preprod_verified(running: Running) -> None:
    for group in (1, 2):
        run_for_real(running, group=group)
        tick(running, f"Preprod — groupe {group} :")
        running.poll()
    assert running.service.store.card(card_id(running)).state == "preprod_verified"


def test_without_a_prod_console_prod_ticks_in_order_give_no_warning_and_close_the_card(approved):
    running = approved
    preprod_verified(running)
    tick(running, "Prod — groupe 1 :")
    running.poll()
    tick(running, "Prod — vérifier le groupe 1")
    tick(running, "Prod — groupe 2 :")  # seconds after group 1, in order
    running.poll()
    assert not any(TOO_EARLY in comment for comment in running.comments("runbook.txt"))
    tick(running, "Prod — vérifier le groupe 2")
    running.poll()
    assert running.comments("runbook.txt")[-1].startswith("🏁 **Migration terminée**")
    assert running.list_name("runbook.txt") == "Terminé"


def test_deleting_the_prod_items_and_ticking_what_remains_does_not_close_the_card(approved):
    running = approved
    preprod_verified(running)
    for prefix in ("Prod — groupe 2 :", "Prod — vérifier le groupe 2"):
        running.trello.delete_check_item(item(live(running), prefix)["id"])
    tick(running, "Prod — groupe 1 :")
    tick(running, "Prod — vérifier le groupe 1")
    running.poll()
    assert not any(c.startswith("🏁 **Migration terminée**") for c in running.comments("runbook.txt"))
    assert running.list_name("runbook.txt") == "Validé — à exécuter"


def test_forged_items_get_one_comment_each_and_are_ignored(approved):
    running = approved
    checklist = live(running)
    forged_3 = running.trello.add_check_item(checklist["id"], "Preprod — groupe 3 : CHU 75, 1 commande")
    forged_0 = running.trello.add_check_item(checklist["id"], "Preprod — groupe 0 : CPH, 1 commande")
    running.trello.tick_item(card_id(running), forged_3["id"])
    running.trello.tick_item(card_id(running), forged_0["id"])
    running.poll()
    comments = running.comments("runbook.txt")
    assert not any("Erreur interne" in comment for comment in comments)
    assert not any("Vérification preprod" in comment for comment in comments)  # « groupe 0 » verifies nothing
    assert sum(comment.startswith(IGNORED) for comment in comments) == 2
    assert any("« Preprod — groupe 3 : CHU 75, 1 commande »" in comment for comment in comments)

    running.trello.tick_item(card_id(running), forged_3["id"], checked=False)  # the card moves again
    running.poll()
    assert sum(c.startswith(IGNORED) for c in running.comments("runbook.txt")) == 2  # said once per item

    run_for_real(running, group=1)  # later ticks still work
    tick(running, "Preprod — groupe 1 :")
    running.poll()
    assert running.comments("runbook.txt")[-1].startswith("✅ **Vérification preprod — groupe 1 : OK**")


def test_a_duplicate_item_does_not_hide_ticks_on_the_real_one(approved):
    running = approved
    real = item(live(running), "Preprod — groupe 1 :")
    running.trello.add_check_item(live(running)["id"], real["name"])  # the same name, added by hand
    run_for_real(running, group=1)
    running.trello.tick_item(card_id(running), real["id"])
    running.poll()
    comments = running.comments("runbook.txt")
    assert comments[-1].startswith("✅ **Vérification preprod — groupe 1 : OK**")
    assert sum(comment.startswith(IGNORED) for comment in comments) == 1


def test_a_renamed_item_is_ignored_with_one_comment(approved):
    running = approved
    real = item(live(running), "Preprod — groupe 1 :")
    running.trello.rename_check_item(real["id"], "Preprod — groupe 2 : renommé à la main")
    running.trello.tick_item(card_id(running), real["id"])
    running.poll()
    comments = running.comments("runbook.txt")
    assert not any("Vérification preprod" in comment for comment in comments)
    assert [c for c in comments if c.startswith(IGNORED)] == [
        "⚠️ **Élément ignoré** : « Preprod — groupe 2 : renommé à la main » n'a pas été écrit par le bot dans "
        "la check-list « Exécution » (ajouté, renommé ou en double). Le bot ne lit que les éléments qu'il a "
        "écrits, sous leur nom d'origine : cochez ceux-là (et rendez son nom à un élément renommé)."
    ]


def test_a_new_round_after_approval_leaves_one_live_checklist_and_marks_the_old_approval(approved):
    running = approved
    run_for_real(running, group=1)
    tick(running, "Preprod — groupe 1 :")
    running.poll()
    old = live(running)
    running.trello.move_card(card_id(running), running.stack.board["lists"]["À simuler"])
    running.poll()  # a new round: simulated again, the PO asked again
    assert running.service.store.card(card_id(running)).round == 2
    approve(running)

    names = sorted(c["name"] for c in checklists(running))
    assert names == ["Exécution", "Exécution — simulation n° 1 (obsolète)"]
    approvals = [c for c in running.comments("runbook.txt") if "Validé par" in c.split("\n", 1)[0]]
    assert len(approvals) == 2
    assert approvals[0].startswith("🚫 **Validation remplacée par la simulation n° 2** — ~~✅ **Validé par")
    assert approvals[1].startswith("✅ **Validé par")

    stale = item(old, "Preprod — groupe 2 :")  # ticked on the obsolete checklist
    running.trello.tick_item(card_id(running), stale["id"])
    running.poll()
    running.trello.tick_item(card_id(running), stale["id"], checked=False)
    running.poll()
    answers = [c for c in running.comments("runbook.txt") if "check-list « Exécution » obsolète" in c]
    assert answers == [
        "ℹ️ Cette coche est sur une check-list « Exécution » obsolète (d'une validation précédente) : le bot ne "
        "la lit pas. Cochez la check-list de la simulation n° 2."
    ]
    assert not any("Vérification preprod — groupe 2" in c for c in running.comments("runbook.txt"))


def test_a_tick_on_the_obsolete_checklist_is_answered_once_while_the_new_round_waits_for_the_po(approved):
    running = approved
    old = live(running)
    running.trello.move_card(card_id(running), running.stack.board["lists"]["À simuler"])
    running.poll()  # a new round: simulated again, the PO asked again
    record = running.service.store.card(card_id(running))
    assert (record.round, record.state) == (2, "awaiting_approval")

    stale = item(old, "Preprod — groupe 1 :")
    running.trello.tick_item(card_id(running), stale["id"])
    running.poll()
    running.poll()
    answers = [c for c in running.comments("runbook.txt") if "check-list « Exécution » obsolète" in c]
    assert answers == [
        "ℹ️ Cette coche est sur une check-list « Exécution » obsolète (d'une validation précédente) : le bot ne "
        "la lit pas. La simulation n° 2 n'est pas validée : sa check-list « Exécution » sera ajoutée une fois "
        "qu'elle le sera."
    ]
    assert not any("Vérification preprod" in c for c in running.comments("runbook.txt"))


def test_without_a_prod_console_the_order_check_speaks_once_when_a_later_group_goes_first(approved):
    running = approved
    preprod_verified(running)
    tick(running, "Prod — groupe 2 :")
    running.poll()
    assert running.comments("runbook.txt")[-1].startswith(
        "⚠️ **Prod — groupe 2 coché trop tôt** : le groupe 1 (prod) n'est pas encore coché."
    )
    tick(running, "Prod — groupe 1 :")  # group 1 ticked now: group 2's tick counts, no second warning
    tick(running, "Prod — vérifier le groupe 1")
    tick(running, "Prod — vérifier le groupe 2")
    running.poll()
    comments = running.comments("runbook.txt")
    assert sum(TOO_EARLY in comment for comment in comments) == 1
    assert comments[-1].startswith("🏁 **Migration terminée**")
