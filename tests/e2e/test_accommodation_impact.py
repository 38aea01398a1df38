"""Issue 15 end to end on the sandbox: the runbook ticket (no « avec hébergements ») tells the PO, on the card
and in Slack, which accommodations the moving people will be detached from; the final commands stay the
ticket's; a ticket whose moving people have no accommodation says so; preprod's data is unchanged."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from sandbox.stack import PO, VALIDATION_CHANNEL
from tests.support.slack_sandbox import wait_until
from tests.support.stack import start
from tests.support.text import plain

ROOT = Path(__file__).parents[2]
RUNBOOK = "Migration des dossiers usagers - France Fraternités CHU 75 et CPH"
UNHOUSED = "Migration des dossiers usagers - CHU 75 vers CPH et TEH"
FINAL_COMMANDS_BODY = (
    (ROOT / "tests/fixtures/final_commands_runbook.md").read_text(encoding="utf-8").split("\n", 1)[1]
)
RUNBOOK_LINES = [
    "Hébergements : aucune règle ne les migre.",
    "- CHU 75 (ID 4537) → CHU 77 (ID 5644) : les dossiers migrés seront décrochés de 3 hébergements, qui "
    "resteront au centre CHU 75 (ID 4537), dont l'hébergement 892, partagé avec des personnes qui ne migrent pas.",
    "- CHU 75 (ID 4537) → CPH (ID 4960) : aucun des dossiers migrés n'a d'hébergement.",
    "- CHU 75 (ID 4537) → DAHAR (ID 5634) : les dossiers migrés seront décrochés d'un hébergement, qui restera "
    "au centre CHU 75 (ID 4537).",
    "- CPH (ID 4960) → CHU 75 (ID 4537) : les dossiers migrés seront décrochés d'un hébergement, qui restera au "
    "centre CPH (ID 4960).",
    "Au total : 5 hébergements resteront dans leur centre d'origine, décrochés des dossiers migrés, dont 1 "
    "partagé avec des personnes qui ne migrent pas.",
    "À décider : valider le ticket tel quel (les dossiers migrés seront décrochés de ces hébergements), ou le "
    "refuser pour ajouter « avec hébergements » aux règles concernées.",
]
UNHOUSED_LINE = (
    "Hébergements : non concernés (aucune règle « avec hébergements », "
    "et aucun des dossiers migrés n'a d'hébergement)."
)


@pytest.fixture
def running(tmp_path):
    running = start(
        tmp_path, cards=((RUNBOOK, "runbook.txt"), (UNHOUSED, "sans-hebergement.txt")), slack=True
    )
    yield running
    running.service.close()
    running.stack.stop()


def preprod_data(db: Path) -> list[str]:
    connection = sqlite3.connect(db)
    try:
        return list(connection.iterdump())
    finally:
        connection.close()


def po_request(running, card_name: str) -> dict:
    [message] = [
        m
        for m in running.stack.slack.messages(VALIDATION_CHANNEL[0])
        if card_name in m["text"] and m.get("thread_ts") in (None, m["ts"])
    ]
    return message


def sections(message: dict) -> str:
    return plain("\n".join(b["text"]["text"] for b in message["blocks"] if b["type"] == "section"))


def test_the_runbook_ticket_tells_the_po_which_accommodations_are_left_behind(running):
    before = preprod_data(running.stack.reconnect_db)

    running.poll()

    comments = [plain(comment) for comment in running.comments("runbook.txt")]
    assert comments[0] == (
        "⏳ Simulation en cours (8 commandes en --dry-run sur la preprod, "
        "et jusqu'à 8 pour la vérification des hébergements)…"
    )
    slack_text = sections(po_request(running, RUNBOOK))
    outputs = "\n".join(c for c in comments if c.startswith("🔧 **Détails techniques**"))
    for line in RUNBOOK_LINES:
        assert line in outputs.splitlines(), line  # rule by rule with the technical details
        assert line in slack_text, line
    assert (  # the PO's first read: one sentence and the choice
        "Hébergements : aucune règle ne les migre ; les dossiers migrés seront décrochés de 5 hébergements, qui "
        "resteront dans leur centre d'origine, dont l'hébergement 892, partagé avec des personnes qui ne migrent "
        "pas (détail par règle dans les détails techniques)."
    ) in comments[1].splitlines()
    assert RUNBOOK_LINES[-1] in comments[1].splitlines()
    assert outputs.count("**Vérification des hébergements, commande ") == 8
    assert "Hébergements à migrer: 3" in outputs
    assert "  4537        892              1042, 1078             1035" in outputs
    assert preprod_data(running.stack.reconnect_db) == before

    running.driver.click(user_id=PO[0], message=po_request(running, RUNBOOK), action_id="approve")
    wait_until(lambda: running.list_name("runbook.txt") == "Validé — à exécuter", what="the approval")
    [final] = [plain(c) for c in running.comments("runbook.txt") if c.startswith("✅ **Validé par")]
    assert "--withAccommodations" not in final
    assert final.split("\n", 1)[1] == FINAL_COMMANDS_BODY.rstrip("\n")
    assert preprod_data(running.stack.reconnect_db) == before


def test_a_ticket_whose_moving_people_have_no_accommodation_says_so(running):
    running.poll()

    synthesis = plain(running.comments("sans-hebergement.txt")[1])
    assert UNHOUSED_LINE in synthesis.splitlines()
    assert UNHOUSED_LINE in sections(po_request(running, UNHOUSED))
    assert "aucune règle ne les migre" not in synthesis
