"""After approval, on the sandbox: a person runs a group's final commands for real on the Reconnect simulator and
ticks it; the bot verifies it with --dry-run before the next group, then watches prod and closes the card."""

from __future__ import annotations

import shlex
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.domain.codec import simulation_from_dict
from bot.domain.command import FinalCommand
from bot.domain.decision import Decision, RequestKey
from bot.domain.lifecycle import Event
from sandbox.reconnect_console import seed_runbook_scenario
from sandbox.stack import PO, VALIDATION_CHANNEL
from tests.support.slack_sandbox import wait_until
from tests.support.sshd import SshServer, sshd_server  # noqa: F401
from tests.support.stack import RUNBOOK_ONLY, Running, start
from tests.support.text import plain

ROOT = Path(__file__).parents[2]


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
    key = RequestKey(record.card_id, record.round, record.description_hash)
    assert running.service.workflow.apply(Decision(Event.APPROVE, key, user_id=PO[0])).message is None


def run_for_real(running: Running, *, group: int, only: slice = slice(None), console: str = "") -> None:
    """What the person does on preprod (or prod): a group's final commands (no --dry-run), on the simulator."""
    record = running.service.store.card(running.stack.cards["runbook.txt"])
    plan = simulation_from_dict(record.simulation).plan
    for index in plan.groups[group - 1].rule_indexes[only]:
        arguments = FinalCommand(plan.rules[index]).arguments()
        assert "--dry-run" not in arguments
        argv = [*shlex.split(console or running.settings.console_command), *arguments]
        subprocess.run(argv, check=True, capture_output=True, timeout=60)


def item(running: Running, prefix: str) -> str:
    [checklist] = running.trello.checklists(running.stack.cards["runbook.txt"])
    return next(i["name"] for i in checklist["checkItems"] if plain(i["name"]).startswith(prefix))


def tick(running: Running, prefix: str, *, checked: bool = True) -> None:
    running.trello.tick(running.stack.cards["runbook.txt"], item(running, prefix), checked=checked)


def checked(running: Running, prefix: str) -> bool:
    [checklist] = running.trello.checklists(running.stack.cards["runbook.txt"])
    return (
        next(i["state"] for i in checklist["checkItems"] if plain(i["name"]).startswith(prefix)) == "complete"
    )


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
    assert "**Preprod vérifiée — reproduire sur la prod dans le même ordre.** Le bot" in second
    assert "Le bot n'a pas accès à la prod" in second
    assert checked(running, "Preprod — vérifier le groupe 2")
    tick(running, "Preprod — groupe 2 :", checked=False)  # ticked again once preprod is verified: checked
    tick(running, "Preprod — groupe 2 :")  # again, nothing else changes
    running.poll()
    assert plain(running.comments("runbook.txt")[-1]).startswith(
        "✅ **Vérification preprod — groupe 2 : OK**"
    )
    assert not any("Erreur interne" in comment for comment in running.comments("runbook.txt"))

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
    running.poll()  # group 1 verified, then (the same look) group 2's earlier tick: it was not run yet
    assert running.comments("runbook.txt")[-2].startswith("✅ **Vérification preprod — groupe 1 : OK**")
    assert checked(running, "Preprod — vérifier le groupe 1")
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
            and "Vérification preprod — groupe 1 : OK" in plain(m.get("text", ""))
            for m in running.stack.slack.messages(VALIDATION_CHANNEL[0])
        ),
        what="the verification in the request's thread",
    )


@pytest.fixture
def approved_with_prod(tmp_path: Path, sshd_server: SshServer) -> Iterator[tuple[Running, str]]:  # noqa: F811
    """Prod reachable over a real sshd (its own copy of the data), as CONSOLE_PROD_SSH configures it."""
    prod_db = tmp_path / "prod.sqlite3"
    seed_runbook_scenario(prod_db)
    prod_console = (
        f"{shlex.quote(sys.executable)} -m sandbox.reconnect_console --db {shlex.quote(str(prod_db))}"
    )
    running = start(
        tmp_path,
        cards=RUNBOOK_ONLY,
        slack=False,
        console_prod_ssh=sshd_server.target,
        console_prod_ssh_options=sshd_server.ssh_options,
        console_prod_workdir=str(ROOT),
        console_prod_command=prod_console,
    )
    running.poll()
    _approve(running)
    yield running, prod_console
    running.service.close()
    running.stack.stop()


def test_with_prod_access_each_prod_group_is_verified_too_then_the_card_closes(approved_with_prod):
    running, prod_console = approved_with_prod
    for group in (1, 2):
        run_for_real(running, group=group)
        tick(running, f"Preprod — groupe {group} :")
        running.poll()
    tick(running, "Prod — groupe 1 :")  # ticked before it ran: the bot finds files left on prod
    running.poll()
    assert running.comments("runbook.txt")[-1].startswith("⚠️ **Vérification prod — groupe 1 : écart**")
    for group in (1, 2):
        run_for_real(running, group=group, console=prod_console)
        tick(running, f"Prod — groupe {group} :", checked=False)
        tick(running, f"Prod — groupe {group} :")
        running.poll()
        running.poll()
    comments = running.comments("runbook.txt")
    assert any(c.startswith("✅ **Vérification prod — groupe 1 : OK**") for c in comments)
    assert any(
        c.startswith("✅ **Vérification prod — groupe 2 : OK**") and "**Prod vérifiée.**" in c
        for c in comments
    )
    assert checked(running, "Prod — vérifier le groupe 2")
    assert comments[-1].startswith("🏁 **Migration terminée**")
    assert "- Prod : vérifiée par le bot (--dry-run : plus rien à migrer)." in comments[-1]
    assert running.list_name("runbook.txt") == "Terminé"
