"""After approval, on the sandbox: a person runs a group's final commands for real on the Reconnect simulator and
ticks it; the bot verifies it with --dry-run before the next group, then watches prod and closes the card."""

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
from sandbox.stack import PO, VALIDATION_CHANNEL
from tests.support.slack_sandbox import wait_until
from tests.support.stack import RUNBOOK_ONLY, Running, start


@pytest.fixture
def approved(tmp_path: Path) -> Iterator[Running]:
    """The runbook ticket simulated and approved by the PO, Slack off."""
    running = start(tmp_path, cards=RUNBOOK_ONLY, slack=False)
    running.poll()
    _approve(running)
    assert running.list_name("runbook.txt") == "Validé — à exécuter"
    yield running
    running.service.close()
    running.stack.stop()


def _approve(running: Running) -> None:
    record = running.service.store.card(running.stack.cards["runbook.txt"])
    key = RequestKey(record.card_id, record.round, record.fingerprint)
    assert running.service.workflow.apply(Decision(Event.APPROVE, key, user_id=PO[0])).message is None


def run_for_real(running: Running, *, group: int, only: slice = slice(None)) -> None:
    """What the person does on preprod: the final commands of a group (no --dry-run), on the simulator."""
    record = running.service.store.card(running.stack.cards["runbook.txt"])
    plan = simulation_from_dict(record.simulation).plan
    for index in plan.groups[group - 1].rule_indexes[only]:
        arguments = FinalCommand(plan.rules[index]).arguments()
        assert "--dry-run" not in arguments
        argv = [*shlex.split(running.settings.console_command), *arguments]
        subprocess.run(argv, check=True, capture_output=True, timeout=60)


def item(running: Running, prefix: str) -> str:
    [checklist] = running.trello.checklists(running.stack.cards["runbook.txt"])
    return next(i["name"] for i in checklist["checkItems"] if i["name"].startswith(prefix))


def tick(running: Running, prefix: str, *, checked: bool = True) -> None:
    running.trello.tick(running.stack.cards["runbook.txt"], item(running, prefix), checked=checked)


def checked(running: Running, prefix: str) -> bool:
    [checklist] = running.trello.checklists(running.stack.cards["runbook.txt"])
    return next(i["state"] for i in checklist["checkItems"] if i["name"].startswith(prefix)) == "complete"


def requests_of_one_poll(running: Running) -> list[str]:
    before = len(running.trello.requests)
    running.poll()
    return [f"{r.method} {r.path}" for r in running.trello.requests[before:]]


def test_each_group_verified_in_order_then_prod_ticked_closes_the_card(approved):
    running = approved
    run_for_real(running, group=1)
    tick(running, "Preprod — groupe 1 :")
    running.poll()
    first = running.comments("runbook.txt")[-1]
    assert first.startswith("✅ **Vérification preprod — groupe 1 : OK**")
    assert "- CHU 75 (ID 4537) : 83 suivis (comme prévu par la simulation)" in first
    assert "Le groupe 2 peut être lancé." in first
    assert checked(running, "Preprod — vérifier le groupe 1")

    run_for_real(running, group=2)  # the crossing: CPH also receives what CHU 75 sent it
    tick(running, "Preprod — groupe 2 :")
    running.poll()
    second = running.comments("runbook.txt")[-1]
    assert second.startswith("✅ **Vérification preprod — groupe 2 : OK**")
    assert "- CPH (ID 4960) : 80 suivis (comme prévu par la simulation)" in second
    assert "**Preprod vérifiée — reproduire sur la prod dans le même ordre**" in second
    assert "le bot n'a pas accès à la prod" in second
    assert checked(running, "Preprod — vérifier le groupe 2")

    for prefix in (
        "Prod — groupe 1",
        "Prod — vérifier le groupe 1",
        "Prod — groupe 2",
        "Prod — vérifier le groupe 2",
    ):
        tick(running, prefix)
    running.poll()
    assert running.comments("runbook.txt")[-1].startswith("🏁 **Migration terminée**")
    assert running.list_name("runbook.txt") == "Terminé"
    assert requests_of_one_poll(running) == [f"GET /1/boards/{running.stack.board['board']}/cards/open"]


def test_a_group_run_in_part_shows_the_gap_and_the_next_group_waits(approved):
    running = approved
    run_for_real(running, group=1, only=slice(0, 3))  # « TEH » forgotten
    tick(running, "Preprod — groupe 1 :")
    running.poll()
    gap = running.comments("runbook.txt")[-1]
    assert gap.startswith("⚠️ **Vérification preprod — groupe 1 : écart**")
    assert "- ligne 9 du ticket : 7 dossiers encore à migrer" in gap
    assert '-o 4537 -d 5645 -f migration-des-donnees -t "TEH"' in gap
    assert "| CHU 75 (ID 4537) | 83 | 90 ⚠️ |" in gap
    assert "une commande du groupe n'a pas été lancée" in gap
    assert not checked(running, "Preprod — vérifier le groupe 1")

    tick(running, "Preprod — groupe 2 :")  # too early: group 1 is not verified
    running.poll()
    warning = running.comments("runbook.txt")[-1]
    assert warning.startswith(
        "⚠️ **Preprod — groupe 2 coché trop tôt** : le groupe 1 (preprod) n'est pas encore vérifié."
    )
    assert not any(
        c.startswith("✅ **Vérification preprod — groupe 2") for c in running.comments("runbook.txt")
    )

    run_for_real(running, group=1, only=slice(3, 4))  # the fix, then group 1 ticked again
    tick(running, "Preprod — groupe 1 :", checked=False)
    tick(running, "Preprod — groupe 1 :")
    running.poll()
    assert running.comments("runbook.txt")[-1].startswith("✅ **Vérification preprod — groupe 1 : OK**")
    assert checked(running, "Preprod — vérifier le groupe 1")
    running.poll()  # group 2's earlier tick is verified now that group 1 is: it was not run yet
    assert running.comments("runbook.txt")[-1].startswith("⚠️ **Vérification preprod — groupe 2 : écart**")


def test_nothing_is_read_again_while_nobody_touches_the_card(approved):
    running = approved
    running.poll()  # reads the checklist once
    assert requests_of_one_poll(running) == [f"GET /1/boards/{running.stack.board['board']}/cards/open"]


@pytest.fixture
def approved_on_slack(tmp_path: Path) -> Iterator[Running]:
    running = start(tmp_path, cards=RUNBOOK_ONLY, slack=True)
    running.poll()
    _approve(running)
    yield running
    running.service.close()
    running.stack.stop()


def test_verifications_go_to_the_approval_thread_too(approved_on_slack):
    running = approved_on_slack
    [request] = [
        m
        for m in running.stack.slack.messages(VALIDATION_CHANNEL[0])
        if m.get("thread_ts") in (None, m["ts"])
    ]
    run_for_real(running, group=1)
    tick(running, "Preprod — groupe 1 :")
    running.poll()
    wait_until(
        lambda: any(
            m.get("thread_ts") == request["ts"]
            and "Vérification preprod — groupe 1 : OK" in m.get("text", "")
            for m in running.stack.slack.messages(VALIDATION_CHANNEL[0])
        ),
        what="the verification in the request's thread",
    )
