"""A card's life on the sandbox Trello with the real adapters: py-trello over HTTP, the simulator as a process."""

from __future__ import annotations

import io
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

from openpyxl import load_workbook

from sandbox.stack import SandboxStack
from sandbox.tickets import ticket_text
from tests.support.openapi_contract import trello_contract
from tests.support.stack import RUNBOOK_ONLY
from tests.support.text import plain

ROOT = Path(__file__).parents[2]


def test_a_card_goes_from_todo_to_waiting_with_its_synthesis_and_excel(trello_only):
    trello_only.poll()
    assert trello_only.list_name("runbook.txt") == "En attente validation PO"
    comments = trello_only.comments("runbook.txt")
    assert comments[0] == (
        "⏳ Simulation en cours (8 commandes en --dry-run sur la preprod, "
        "et jusqu'à 8 pour la vérification des hébergements)…"
    )
    synthesis = comments[1]
    for line in [
        "→ vers CHU 77 (ID 5644) : 41 migrés | reste 119",
        "→ vers CPH (ID 4960) : 10 migrés | reste 150",
        "→ vers DAHAR (ID 5634) : 19 migrés | reste 141",
        "→ vers TEH (ID 5645) : 7 migrés | reste 153",
        "→ vers CHU 75 (ID 4537) : 21 migrés | reste 159",
        "→ vers CHU 77 (ID 5644) : 37 migrés | reste 143",
        "→ vers DAHAR (ID 5634) : 35 migrés | reste 145",
        "→ vers TEH (ID 5645) : 17 migrés | reste 163",
    ]:
        assert line in synthesis.splitlines()
    assert comments[2].startswith("🔧 **Détails techniques** (1/2)")
    assert comments[3].startswith("🔧 **Détails techniques** (2/2)")
    [attachment] = trello_only.trello.attachments(trello_only.stack.cards["runbook.txt"])
    short_link = trello_only.trello.card(trello_only.stack.cards["runbook.txt"])["shortLink"]
    assert (
        attachment["name"]
        == f"simulation_migration_France_Fraternites_CHU_75_+1_{short_link}_simulation1.xlsx"
    )
    workbook = load_workbook(io.BytesIO(attachment["bytes"]))
    assert [row[5] for row in workbook["CHU 75 (ID 4537)"].iter_rows(min_row=2, values_only=True)][:5] == [
        160,
        119,
        109,
        90,
        83,
    ]
    violations = [
        v
        for r in trello_only.trello.requests
        for v in trello_contract().violations(r.method, r.path, r.query.keys())
    ]
    assert violations == []


def test_requests_per_card_and_per_idle_poll(trello_only):
    board = trello_only.stack.board
    for index in range(500):
        trello_only.trello.add_card(board["lists"]["À corriger"], f"Autre carte {index}", "texte libre")
    counter = trello_only.service.board.http
    before = counter.request_count
    trello_only.poll()
    processed = counter.request_count - before
    before = counter.request_count
    trello_only.poll()
    assert counter.request_count - before == 1  # idle: one request, whatever the board's size
    # poll + board (once) + start comment + its comments read after the dry-runs (another instance's marks)
    # + the bot's member (once per process, whose marks those are) + synthesis + outputs (two comments:
    # the rules' dry-runs and the accommodation check's) + xlsx + move
    assert processed == 10


def test_a_bad_ticket_lands_in_fix_with_line_numbered_errors(tmp_path):
    from tests.support.stack import start

    running = start(
        tmp_path, cards=(("Migration des dossiers usagers - CPH vers TEH", "erreur.txt"),), slack=False
    )
    try:
        running.poll()
        card = running.stack.cards["erreur.txt"]
        assert running.list_name("erreur.txt") == "À corriger"
        texts = [c["data"]["text"] for c in running.trello.comments(card)]
        errors = next(t for t in texts if t.startswith("❌"))
        assert "- **Ligne 4, colonne 33** : identifiant du centre manquant" in plain(errors)
        assert "  `- lorsque le champ = TEH → vers France Fraternités - TEH`" in errors
        assert running.trello.attachments(card) == []
    finally:
        running.service.close()
        running.stack.stop()


def test_an_edited_card_is_simulated_again(trello_only):
    trello_only.poll()
    card = trello_only.stack.cards["runbook.txt"]
    trello_only.trello.set_description(card, ticket_text("runbook.txt").replace("= TEH →", "= TEH2 →", 1))
    trello_only.poll()
    comments = trello_only.comments("runbook.txt")
    assert any(c.startswith("🔄 La description a changé depuis la simulation") for c in comments)
    verdicts = ("✅ **Prêt pour validation**", "⚠️ **À vérifier avant validation**")  # « TEH2 » moves nobody
    assert sum(c.startswith(verdicts) for c in comments) == 2
    assert trello_only.list_name("runbook.txt") == "En attente validation PO"
    assert len(trello_only.trello.attachments(card)) == 2


def test_429_and_5xx_bursts_lost_responses_included_are_absorbed_without_duplicates(trello_only):
    faults = trello_only.trello.faults
    faults.burst_429 = 4
    faults.error_rate = 0.4
    faults.error_after_apply = True  # the worst case: Trello applied the change, the answer was lost
    for _ in range(30):
        trello_only.poll()
        if trello_only.list_name("runbook.txt") == "En attente validation PO":
            break
    faults.error_rate = 0.0
    trello_only.poll()
    comments = trello_only.comments("runbook.txt")
    assert trello_only.list_name("runbook.txt") == "En attente validation PO"
    heads = [c.split("\n", 1)[0] for c in comments if not c.startswith("🐞")]
    assert heads == [
        "⏳ Simulation en cours (8 commandes en --dry-run sur la preprod, "
        "et jusqu'à 8 pour la vérification des hébergements)…",
        "✅ **Prêt pour validation** : 8 commandes simulées sur la preprod, rien n'a été modifié.",
        "🔧 **Détails techniques** (1/2)",
        "🔧 **Détails techniques** (2/2)",
    ]
    assert len(trello_only.trello.attachments(trello_only.stack.cards["runbook.txt"])) == 1
    assert any(r.status == 429 for r in trello_only.trello.requests)
    assert any(r.status >= 500 for r in trello_only.trello.requests)


def _run_bot(env: dict[str, str], cwd: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "run"],
        env={**env, "PATH": os.environ["PATH"], "PYTHONPATH": str(ROOT)},
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for_polls(state_db: Path, *, after: float, count: int) -> None:
    """A few polls of the running bot (a loaded machine may take seconds to start it): its heartbeat moves."""
    seen: set[float] = set()
    deadline = time.monotonic() + 60
    while len(seen) < count:
        assert time.monotonic() < deadline, "the bot stopped polling"
        with sqlite3.connect(state_db) as db:
            row = db.execute("SELECT at FROM heartbeat WHERE name = 'poll'").fetchone()
        if row is not None and row[0] > after:
            seen.add(row[0])
        time.sleep(0.05)


def _final_state(stack: SandboxStack) -> tuple:
    card = stack.cards["runbook.txt"]
    texts = [c["data"]["text"] for c in reversed(stack.trello.comments(card))]
    short_link = stack.trello.card(card)["shortLink"]  # differs from one sandbox to the next

    def named(name: str) -> str:
        return name.replace(short_link, "<shortLink>")

    return (
        [t.split("\n", 1)[0] for t in texts],
        [named(a["name"]) for a in stack.trello.attachments(card)],
        [named(f["name"]) for f in stack.drive.files_in(stack.drive_folder)],
        {v: k for k, v in stack.board["lists"].items()}[stack.trello.card(card)["idList"]],
    )


def _scenario(workdir: Path, *, kill_after: int | None) -> tuple[tuple, int]:
    """One card through `migrabot run`; SIGKILL right after Trello answered change number `kill_after`,
    then a restart (as systemd or Docker would). Returns the card's final state and the changes counted."""
    stack = SandboxStack(workdir).start(cards=RUNBOOK_ONLY)
    try:
        env = stack.environment(stack.settings(slack_bot_token="", poll_interval_seconds=0.3))
        waiting = stack.board["lists"]["En attente validation PO"]
        process: list[subprocess.Popen] = []
        killed: list[subprocess.Popen] = []
        changes: list[str] = []

        moved = threading.Event()  # the move's answer has left, and its kill (if any) is done

        def kill_on_change(request) -> None:
            if request.method in {"POST", "PUT"} and request.status < 300:
                changes.append(request.path)
                if len(changes) == kill_after and process:
                    process[0].send_signal(signal.SIGKILL)
                    killed.append(process[0])
                if request.method == "PUT":
                    moved.set()

        stack.trello.after_reply = kill_on_change
        process.append(_run_bot(env, workdir))
        deadline = time.monotonic() + 60
        while stack.trello.card(stack.cards["runbook.txt"])["idList"] != waiting:
            if process[0].poll() is not None:
                process[0] = _run_bot(env, workdir)
            assert time.monotonic() < deadline, "the card never reached « En attente validation PO »"
            time.sleep(0.05)
        # The card shows in the list before the move's answer has left: wait for it (and for its kill).
        assert moved.wait(timeout=30)
        for victim in killed:  # SIGKILL is not instantaneous: a process killed by the last change may still
            victim.wait(timeout=30)  # look alive, and then would never be restarted
        if process[0].poll() is not None:  # killed right after its last change: restarted all the same
            process[0] = _run_bot(env, workdir)
        _wait_for_polls(workdir / "migrabot.sqlite3", after=time.time(), count=3)  # nothing must be added
        process[0].send_signal(signal.SIGTERM)
        assert process[0].wait(timeout=30) == 0
        return _final_state(stack), len(changes)
    finally:
        stack.stop()


def test_killing_the_bot_after_any_change_then_restarting_leaves_no_duplicate(tmp_path):
    """`migrabot run` as a real process, SIGKILLed right after Trello answered each change in turn."""
    reference, changes = _scenario(tmp_path / "reference", kill_after=None)
    assert changes >= 5
    for kill_after in range(1, changes + 1):
        state, _ = _scenario(tmp_path / f"kill{kill_after}", kill_after=kill_after)
        assert state == reference, f"killed after change {kill_after}"
