"""Issue 25, point 5: what the bot keeps of a long console output (state, comments, attached file) is bounded;
the figures are read from the whole output first, and every cut is said."""

from __future__ import annotations

import sqlite3

from bot.app.simulation import KEPT_OUTPUT_CHARS
from bot.domain.model import ConsoleResult, DryRun
from bot.texts.card import ATTACHMENT_MAX_CHARS, outputs_plan
from tests.support.fakes import dry_run_output
from tests.unit.app.test_decisions import Env

TITLE = "Migration des dossiers usagers"
RULES = 5
TICKET = "Centre initial = CHU 75 (ID 4537)\n" + "".join(
    f"- lorsque le champ = V{n} → vers Centre {9100 + n} (ID {9100 + n})\n" for n in range(RULES)
)
FLOOD = "PHP Deprecated:  " + "x" * 1000 + "\n"


def flooded(destination: int, megabytes: int) -> ConsoleResult:
    table = dry_run_output(origin=4537, destination=destination, migrated=3)
    stdout = "DEBUT\n" + FLOOD * (megabytes * 1024) + table
    return ConsoleResult(exit_code=0, stdout=stdout, stderr="w" * 200_000, duration_s=0.1)


def test_long_outputs_are_kept_bounded_with_the_cut_said(tmp_path):
    env = Env(tmp_path)
    for n in range(RULES):
        env.console.failures[(4537, 9100 + n)] = flooded(9100 + n, megabytes=2)
    card = env.board.add_card(TITLE, TICKET)
    env.poll()
    assert (
        env.board.list_of(card) == "En attente validation PO"
    )  # the figures were read from the whole output
    with sqlite3.connect(env.store_path) as db:
        [(stored,)] = db.execute("SELECT length(simulation) FROM cards WHERE card_id = ?", (card,))
    # 20 MB of output in 10 runs (each rule, and its accommodation check): the state keeps each run's two
    # ends (stdout and stderr)
    runs = RULES * 2
    assert stored < runs * 2 * (KEPT_OUTPUT_CHARS + 200) + 50_000
    [(_, data)] = [a for a in env.board.cards[card].attachments if a[0].name == "sorties_console.txt"]
    text = data.decode()
    assert len(text) <= ATTACHMENT_MAX_CHARS
    assert text.count("caractères omis au milieu …]") == runs * 2  # stdout and stderr of each run
    assert text.count("DEBUT") == runs and text.count("[OK] Simulation terminée.") == runs


def test_the_attached_file_shares_its_size_between_runs(tmp_path):
    env = Env(tmp_path)
    for n in range(RULES):
        env.console.failures[(4537, 9100 + n)] = ConsoleResult(
            exit_code=0,
            stdout="DEBUT\n" + FLOOD * 60 + dry_run_output(origin=4537, destination=9100 + n, migrated=3),
            stderr="",
            duration_s=0.1,
        )
    card = env.board.add_card(TITLE, TICKET)
    env.poll()
    [(_, data)] = [a for a in env.board.cards[card].attachments if a[0].name == "sorties_console.txt"]
    assert "omis" not in data.decode()  # under every cap: the file holds the outputs whole


def test_the_attached_file_is_capped_whatever_the_runs_keep():

    line = "y" * 99 + "\n"
    runs = [
        DryRun(
            rule_index=n,
            command=f"php bin/console x -o {n} --dry-run",
            result=ConsoleResult(0, "DEBUT\n" + line * 650 + "FIN\n", "", 0.1),
        )
        for n in range(100)
    ]
    plan = outputs_plan(runs)
    assert plan.attachment is not None
    text = plan.attachment.decode()
    assert len(text) <= ATTACHMENT_MAX_CHARS
    assert text.count("DEBUT") == 100 and text.count("FIN") == 100
    assert text.count("caractères omis au milieu …]") == 100
