"""PREPROD_APPLY on the sandbox: the PO approves on the card, a launcher ticks « Preprod — lancer le groupe N »,
the bot runs the group's final commands for real on the Reconnect simulator (no --dry-run), then verifies it;
every refusal undoes the tick and says why; a run killed midway is never run again."""

from __future__ import annotations

import os
import shlex
import signal
import sqlite3
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.bootstrap import build_service
from bot.domain.codec import simulation_from_dict
from bot.domain.lifecycle import CardState
from bot.domain.verification import projected_counts
from sandbox.stack import PO, TRELLO_DEVELOPER, TRELLO_PO, VALIDATION_CHANNEL
from tests.support.bot_process import BotProcess, wait_until
from tests.support.stack import FAST_HTTP, RUNBOOK_ONLY, Running, start
from tests.support.text import plain

LAUNCHER = TRELLO_DEVELOPER
WAITING, APPROVED, TODO = "En attente validation PO", "Validé — à exécuter", "À simuler"

# The console as preprod has it, with a window on real runs: each one is logged; while `hold` exists a real
# run waits for the test (reading the FIFO) and then stops without touching anything (a run in progress); a
# real run holding the text of `fail` fails as Symfony does.
CONSOLE = """\
import os, shlex, sys
arguments = sys.argv[1:]
if "--dry-run" not in arguments and "help" not in arguments[:1] and "--help" not in arguments:
    with open({log!r}, "a", encoding="utf-8") as log:
        log.write(shlex.join(arguments) + "\\n")
    if os.path.exists({fail!r}) and open({fail!r}, encoding="utf-8").read() in shlex.join(arguments):
        print("In MigrateCommand.php line 88:", file=sys.stderr)
        print("  [ERROR] Organization 4960 is locked by another migration.", file=sys.stderr)
        sys.exit(1)
    if os.path.exists({hold!r}):
        with open({hold!r}, encoding="utf-8") as hold:
            hold.read()
        sys.exit(137)
console = shlex.split({console!r})
os.execv(console[0], [*console, *arguments])
"""


class Preprod:
    """The simulator's data and the real runs it received."""

    def __init__(self, running: Running, root: Path) -> None:
        self.db = running.stack.reconnect_db
        self.log = root / "real-runs.log"
        self.hold = root / "hold.fifo"
        self.fail = root / "fail-on"

    def real_runs(self) -> list[str]:
        return self.log.read_text(encoding="utf-8").splitlines() if self.log.exists() else []

    def counts(self) -> dict[int, int]:
        with sqlite3.connect(self.db) as db:
            rows = db.execute(
                "SELECT organization_id, COUNT(*) FROM individual WHERE deleted_at IS NULL GROUP BY organization_id"
            )
            return dict(rows.fetchall())


def console_command(running: Running, root: Path) -> str:
    script = root / "preprod-console.py"
    preprod = Preprod(running, root)
    original = running.settings.console_command
    script.write_text(
        CONSOLE.format(log=str(preprod.log), hold=str(preprod.hold), fail=str(preprod.fail), console=original)
    )
    return shlex.join([sys.executable, str(script)])


def launching_bot(tmp_path: Path, **overrides: object) -> Running:
    """The runbook card, the PO deciding on the card, LAUNCHER allowed to launch; preprod's console logged."""
    overrides = {"preprod_apply": True, "apply_members": LAUNCHER, **overrides}
    running = start(tmp_path, cards=RUNBOOK_ONLY, slack=False, trello_po_members=TRELLO_PO, **overrides)
    command = console_command(running, tmp_path)
    running.service.close()
    settings = running.settings.model_copy(update={"console_command": command})
    running.settings = settings
    running.service = build_service(settings, **FAST_HTTP)
    return running


def restart(running: Running) -> None:
    running.service.close()
    running.service = build_service(running.settings, **FAST_HTTP)


@pytest.fixture
def launching(tmp_path: Path) -> Iterator[tuple[Running, Preprod]]:
    running = launching_bot(tmp_path)
    yield running, Preprod(running, tmp_path)
    running.service.close()
    running.stack.stop()


def card_id(running: Running) -> str:
    return running.stack.cards["runbook.txt"]


def approve_on_the_card(running: Running) -> None:
    running.poll()
    assert running.list_name("runbook.txt") == WAITING
    running.trello.add_comment(card_id(running), "validé", by=TRELLO_PO)
    running.poll()
    assert running.list_name("runbook.txt") == APPROVED


def item(running: Running, prefix: str) -> dict:
    items = [i for c in running.trello.checklists(card_id(running)) for i in c["checkItems"]]
    return next(i for i in items if plain(i["name"]).startswith(prefix))


def tick(running: Running, prefix: str, *, by: str = LAUNCHER, checked: bool = True) -> None:
    running.trello.tick(card_id(running), item(running, prefix)["name"], checked=checked, by=by)


def checked(running: Running, prefix: str) -> bool:
    return item(running, prefix)["state"] == "complete"


def projection(running: Running, *, through_group: int) -> dict[int, int]:
    record = running.service.store.card(card_id(running))
    return projected_counts(simulation_from_dict(record.simulation), through_group=through_group)


def state(running: Running) -> CardState:
    return running.service.store.card(card_id(running)).state


def the_same(counts: dict[int, int], expected: dict[int, int]) -> bool:
    return all(counts.get(centre, 0) == count for centre, count in expected.items())


# --- the way it should go ----------------------------------------------------------------------------------


def test_an_authorised_tick_runs_each_group_for_real_then_verifies_it_and_prod_stays_manual(launching):
    running, preprod = launching
    approve_on_the_card(running)
    before = preprod.counts()
    assert the_same(before, projection(running, through_group=0))  # the dry-runs moved nothing
    assert checked(running, "Preprod — lancer le groupe 1 :") is False

    tick(running, "Preprod — lancer le groupe 1 :")
    running.poll()
    comments = running.comments("runbook.txt")
    assert comments[-2].startswith(
        "▶️ **Preprod — groupe 1 exécuté par le bot** (lancé par Sam Bernard) : 4 commandes sans erreur"
    )
    assert comments[-1].startswith("✅ **Vérification preprod — groupe 1 : OK**")
    assert "Le groupe 2 peut être lancé." in comments[-1]
    assert checked(running, "Preprod — vérifier le groupe 1")
    assert the_same(preprod.counts(), projection(running, through_group=1))
    assert preprod.counts() != before
    assert preprod.real_runs() == [
        "app:migrate-individuals-to-other-organization -o 4537 -d 5644 -f migration-des-donnees -t 'CHU 77'",
        "app:migrate-individuals-to-other-organization -o 4537 -d 4960 -f migration-des-donnees -t CPH",
        "app:migrate-individuals-to-other-organization -o 4537 -d 5634 -f migration-des-donnees -t DAHAR",
        "app:migrate-individuals-to-other-organization -o 4537 -d 5645 -f migration-des-donnees -t TEH",
    ]  # exactly the final commands of group 1, in their order

    tick(running, "Preprod — lancer le groupe 2 :")
    running.poll()
    second = running.comments("runbook.txt")[-1]
    assert second.startswith("✅ **Vérification preprod — groupe 2 : OK**")
    assert "**Preprod vérifiée — reproduire sur la prod dans le même ordre.**" in second
    assert the_same(preprod.counts(), projection(running, through_group=2))
    assert len(preprod.real_runs()) == 8
    assert state(running) is CardState.PREPROD_VERIFIED
    assert running.list_name("runbook.txt") == APPROVED  # waiting for prod, which people run by hand
    assert not checked(running, "Prod — groupe 1")

    said = len(running.comments("runbook.txt"))
    restart(running)  # a restart after finished groups runs nothing, says nothing
    running.poll()
    assert len(preprod.real_runs()) == 8
    assert len(running.comments("runbook.txt")) == said


def test_with_slack_the_launch_and_the_end_of_its_run_are_told_once_in_the_request_s_thread(tmp_path):
    running = start(tmp_path, cards=RUNBOOK_ONLY, slack=True, preprod_apply=True, apply_members=LAUNCHER)
    try:
        running.poll()
        [request] = [
            m
            for m in running.stack.slack.messages(VALIDATION_CHANNEL[0])
            if m.get("thread_ts") in (None, m["ts"])
        ]
        assert running.driver is not None
        running.driver.click(user_id=PO[0], message=request, action_id="approve")
        wait_until(lambda: running.list_name("runbook.txt") == APPROVED, timeout=20, what="the approval")

        def thread() -> list[str]:
            return [
                plain(m["text"])
                for m in running.stack.slack.messages(VALIDATION_CHANNEL[0])
                if m.get("thread_ts") == request["ts"] and m["ts"] != request["ts"]
            ]

        before = len(thread())
        tick(running, "Preprod — lancer le groupe 1 :")
        running.poll()
        running.poll()
        assert thread()[before:] == [
            "🚀 *Preprod — groupe 1 lancé* par Sam Bernard : le bot exécute 4 commandes sur la preprod (pour de "
            "vrai, sans --dry-run), dans l'ordre des commandes finales.",
            "▶️ *Preprod — groupe 1 exécuté* : 4 commandes sans erreur. Le bot vérifie le groupe.",
            "✅ *Vérification preprod — groupe 1 : OK*",
        ]
    finally:
        running.service.close()
        running.stack.stop()


# --- refusals: one comment, the tick undone, nothing run --------------------------------------------------


def refused_with(running: Running, preprod: Preprod, prefix: str, reason: str, *, by: str = LAUNCHER) -> None:
    runs = preprod.real_runs()
    counts = preprod.counts()
    tick(running, prefix, by=by)
    running.poll()
    comment = running.comments("runbook.txt")[-1]
    assert comment.startswith(f"⛔ **Groupe {prefix[-3]} non lancé** : {reason}"), comment
    assert comment.endswith(f"La case « {prefix[:-2]} » a été décochée.")
    assert not checked(running, prefix)
    assert preprod.real_runs() == runs and preprod.counts() == counts
    running.poll()  # said once
    assert running.comments("runbook.txt")[-1] == comment
    assert sum(c == comment for c in running.comments("runbook.txt")) == 1


def test_a_tick_by_somebody_not_in_apply_members_is_undone_and_names_who_may_launch(launching):
    running, preprod = launching
    approve_on_the_card(running)
    refused_with(
        running,
        preprod,
        "Preprod — lancer le groupe 1 :",
        "seules ces personnes peuvent lancer un groupe sur la preprod : @sambernard.",
        by=TRELLO_PO,
    )


def test_group_2_before_group_1_is_verified_is_refused(launching):
    running, preprod = launching
    approve_on_the_card(running)
    refused_with(running, preprod, "Preprod — lancer le groupe 2 :", "le groupe 1 n'est pas encore vérifié")


def test_a_second_tick_on_a_group_the_bot_ran_is_refused(launching):
    running, preprod = launching
    approve_on_the_card(running)
    tick(running, "Preprod — lancer le groupe 1 :")
    running.poll()
    assert len(preprod.real_runs()) == 4
    tick(running, "Preprod — lancer le groupe 1 :", checked=False)
    refused_with(
        running,
        preprod,
        "Preprod — lancer le groupe 1 :",
        "ce groupe a déjà été lancé par le bot (exécuté sans erreur)",
    )


def test_a_tick_on_the_card_before_its_new_version_is_approved_is_refused(launching):
    running, preprod = launching
    approve_on_the_card(running)
    edited = running.card("runbook.txt")["desc"].replace("Merci !", "Merci beaucoup !")
    running.trello.set_description(card_id(running), edited)
    running.poll()  # edited before any tick: back to « À simuler », simulated again, the PO asked again
    assert state(running) is CardState.AWAITING_APPROVAL
    refused_with(
        running, preprod, "Preprod — lancer le groupe 1 :", "la carte n'est pas validée (la version actuelle"
    )


def test_a_tick_on_a_card_edited_after_approval_is_refused(launching):
    running, preprod = launching
    approve_on_the_card(running)
    edited = running.card("runbook.txt")["desc"].replace("Merci !", "Merci beaucoup !")
    running.trello.set_description(card_id(running), edited)
    counts = preprod.counts()
    tick(running, "Preprod — lancer le groupe 1 :")
    running.poll()
    comments = running.comments("runbook.txt")
    refusal = next(c for c in comments if c.startswith("⛔ **Groupe 1 non lancé**"))
    assert "la description a changé depuis la validation" in refusal
    assert not checked(running, "Preprod — lancer le groupe 1 :")
    assert preprod.real_runs() == [] and preprod.counts() == counts
    assert running.list_name("runbook.txt") in (TODO, WAITING)  # nothing ran: a new round, as without apply


def test_with_preprod_apply_off_a_tick_runs_nothing(tmp_path: Path):
    running = launching_bot(tmp_path, preprod_apply=False)
    preprod = Preprod(running, tmp_path)
    try:
        approve_on_the_card(running)
        counts = preprod.counts()
        tick(running, "Preprod — groupe 1 :")  # the items read as before: people run the commands
        running.poll()
        assert preprod.real_runs() == [] and preprod.counts() == counts
        assert running.comments("runbook.txt")[-1].startswith("⚠️ **Vérification preprod — groupe 1 : écart**")
    finally:
        running.service.close()
        running.stack.stop()


def test_a_launch_item_ticked_once_preprod_apply_is_turned_off_is_refused(launching):
    running, preprod = launching
    approve_on_the_card(running)
    running.settings = running.settings.model_copy(update={"preprod_apply": False})
    restart(running)
    refused_with(
        running,
        preprod,
        "Preprod — lancer le groupe 1 :",
        "le lancement par le bot est désactivé (PREPROD_APPLY)",
    )


# --- exactly once --------------------------------------------------------------------------------------


def release(fifo: Path) -> bool:
    """Lets a held console go on; False while nobody holds the FIFO open for reading (ENXIO)."""
    try:
        descriptor = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
    except OSError:
        return False
    os.write(descriptor, b"stop")
    os.close(descriptor)
    return True


def test_a_run_killed_midway_is_never_run_again_and_the_card_names_it(launching, tmp_path: Path):
    running, preprod = launching
    approve_on_the_card(running)
    running.service.close()
    os.mkfifo(preprod.hold)
    tick(running, "Preprod — lancer le groupe 1 :")
    env = running.stack.environment(running.settings.model_copy(update={"poll_interval_seconds": 0.2}))
    bot = BotProcess.start(env, tmp_path, "killed")
    try:
        wait_until(lambda: len(preprod.real_runs()) == 1, timeout=120, what="the first real run")
        bot.process.send_signal(signal.SIGKILL)  # during the run: its start is journaled, its end is not
        bot.process.wait(timeout=30)
    finally:
        bot.stop()
        if preprod.real_runs():  # the orphaned console ends, having done nothing
            wait_until(lambda: release(preprod.hold), timeout=60, what="the held console")
    preprod.hold.unlink()
    tick(running, "Preprod — lancer le groupe 1 :", checked=False)  # ticked again while the bot was down
    tick(running, "Preprod — lancer le groupe 1 :")

    restart(running)
    running.poll()
    assert len(preprod.real_runs()) == 1  # never run again, nor the commands after it
    comments = running.comments("runbook.txt")
    [interrupted] = [c for c in comments if c.startswith("🚨")]
    assert interrupted.startswith(
        "🚨 **Preprod — groupe 1 : la commande 1 sur 4 a été interrompue** (arrêt du bot ou connexion perdue"
    )
    assert '-o 4537 -d 5644 -f migration-des-donnees -t "CHU 77"' in interrupted
    assert "cochez « Preprod — vérifier le groupe 1 »" in interrupted
    assert comments[-1].startswith(
        "⛔ **Groupe 1 non lancé** : ce groupe a déjà été lancé par le bot (interrompu)"
    )  # the second tick on the interrupted group is undone
    assert not checked(running, "Preprod — lancer le groupe 1 :")
    said = len(comments)
    running.poll()
    restart(running)
    running.poll()
    assert len(preprod.real_runs()) == 1
    assert len(running.comments("runbook.txt")) == said

    tick(running, "Preprod — vérifier le groupe 1", by=TRELLO_PO)  # a person checked preprod: verification
    running.poll()
    assert running.comments("runbook.txt")[-1].startswith("⚠️ **Vérification preprod — groupe 1 : écart**")
    assert len(preprod.real_runs()) == 1


def test_a_failing_command_stops_the_group_and_the_card_quotes_the_console(launching):
    running, preprod = launching
    approve_on_the_card(running)
    preprod.fail.write_text("-t CPH")
    tick(running, "Preprod — lancer le groupe 1 :")
    running.poll()
    failure = running.comments("runbook.txt")[-1]
    assert failure.startswith("❌ **Preprod — groupe 1 : la commande 2 sur 4 a échoué.**")
    assert "[ERROR] Organization 4960 is locked by another migration." in failure
    assert '-o 4537 -d 4960 -f migration-des-donnees -t "CPH"' in failure
    assert len(preprod.real_runs()) == 2  # stopped at the first failure: commands 3 and 4 never ran
    assert not any(c.startswith("✅ **Vérification preprod") for c in running.comments("runbook.txt"))
    running.poll()
    assert len(preprod.real_runs()) == 2
    tick(running, "Preprod — vérifier le groupe 1", by=TRELLO_PO)  # fixed by hand, or not: the bot verifies
    running.poll()
    assert running.comments("runbook.txt")[-1].startswith("⚠️ **Vérification preprod — groupe 1 : écart**")
