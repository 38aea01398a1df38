"""The PO decides on Slack: the bolt app in HTTP mode receives signed requests from the sandbox Slack's side."""

from __future__ import annotations

from pathlib import Path

import pytest

from sandbox.stack import DEVELOPER, PO, TEAM_CHANNEL, VALIDATION_CHANNEL
from sandbox.tickets import ticket_text
from tests.support.openapi_contract import slack_web_contract
from tests.support.slack_sandbox import wait_until
from tests.support.stack import start
from tests.support.text import plain

ROOT = Path(__file__).parents[2]
FINAL_COMMANDS_BODY = (
    (ROOT / "tests/fixtures/final_commands_runbook.md").read_text(encoding="utf-8").split("\n", 1)[1]
)


def request_message(running, channel: str = VALIDATION_CHANNEL[0]) -> dict:
    """The last top-level message of the bot in a channel."""
    return [m for m in running.stack.slack.messages(channel) if m.get("thread_ts") in (None, m["ts"])][-1]


def outcome(message: dict) -> str | None:
    return next((plain(b["text"]["text"]) for b in message["blocks"] if b.get("block_id") == "outcome"), None)


def test_simulated_card_po_request_refused_outsider_then_approval(with_slack):
    running = with_slack
    running.poll()
    message = request_message(running)
    text = plain("\n".join(b["text"]["text"] for b in message["blocks"] if b["type"] == "section"))
    assert "→ vers CHU 77 (ID 5644) : 41 migrés | reste 119" in text
    assert f"<@{PO[0]}>, la simulation est prête" in text
    [upload] = running.stack.slack.files()
    assert upload["filename"].startswith("simulation_migration_France_Fraternites_")

    response = running.driver.click(user_id=DEVELOPER[0], message=message, action_id="approve")
    assert response.status_code == 200
    wait_until(lambda: running.stack.slack.ephemerals(user=DEVELOPER[0]), what="the outsider's ephemeral")
    assert plain(running.stack.slack.ephemerals(user=DEVELOPER[0])[-1]["text"]) == (
        "Seul le PO peut décider de cette migration : rien n'a changé."
    )
    assert running.list_name("runbook.txt") == "En attente validation PO"

    running.driver.click(user_id=PO[0], message=message, action_id="approve")
    running.driver.click(user_id=PO[0], message=message, action_id="approve")  # a double click
    wait_until(lambda: running.list_name("runbook.txt") == "Validé — à exécuter", what="the approval")
    wait_until(lambda: outcome(request_message(running)) is not None, what="the request's update")
    final = running.comments("runbook.txt")
    approvals = [c for c in final if c.startswith("✅ **Validé par")]
    assert len(approvals) == 1
    head, body = approvals[0].split("\n", 1)
    assert head.startswith("✅ **Validé par Camille Martin (PO)** le ")
    assert body == FINAL_COMMANDS_BODY.rstrip("\n")
    [checklist] = running.trello.checklists(running.stack.cards["runbook.txt"])
    assert checklist["name"] == "Exécution" and len(checklist["checkItems"]) == 8
    updated = request_message(running)
    assert outcome(updated).startswith(f"✅ *Validé* par <@{PO[0]}> le ")
    assert not [b for b in updated["blocks"] if b["type"] == "actions"]
    contract = slack_web_contract()
    violations = [
        v
        for call in running.stack.slack.calls
        for v in contract.violations(call.http_method, f"/api/{call.method}", call.params.keys())
    ]
    assert violations == []


def test_an_edited_card_makes_the_pending_request_obsolete(with_slack):
    running = with_slack
    running.poll()
    first = request_message(running)
    card = running.stack.cards["runbook.txt"]
    running.trello.set_description(card, ticket_text("runbook.txt").replace("= TEH →", "= TEH2 →", 1))
    running.driver.click(user_id=PO[0], message=first, action_id="approve")
    wait_until(
        lambda: outcome(running.stack.slack.message(first["channel"], first["ts"])) is not None,
        what="the stale request closed",
    )
    assert outcome(running.stack.slack.message(first["channel"], first["ts"])).startswith("🔄 *Obsolète*")
    wait_until(lambda: request_message(running)["ts"] != first["ts"], what="the new request")
    wait_until(lambda: running.list_name("runbook.txt") == "En attente validation PO", what="the new round")
    assert not any(c.startswith("✅ **Validé par") for c in running.comments("runbook.txt"))


def test_a_refusal_with_its_reason_lands_on_the_card(with_slack):
    running = with_slack
    running.poll()
    message = request_message(running)
    running.driver.click(user_id=PO[0], message=message, action_id="refuse")
    wait_until(lambda: running.stack.slack.views(), what="the refusal modal")
    [view] = running.stack.slack.views()
    response = running.driver.submit_view(
        user_id=PO[0], view=view, values={"reason": {"reason_input": "Le CPH garde ses dossiers DAHAR."}}
    )
    assert response.status_code == 200
    wait_until(lambda: running.list_name("runbook.txt") == "À corriger", what="the refusal")
    assert running.comments("runbook.txt")[-1].startswith("❌ **Refusé par Camille Martin** (PO) le ")
    assert "> Le CPH garde ses dossiers DAHAR." in running.comments("runbook.txt")[-1]
    wait_until(lambda: outcome(request_message(running)) is not None, what="the request's update")
    assert outcome(request_message(running)).endswith(": Le CPH garde ses dossiers DAHAR.")


def test_a_thread_reply_approves(with_slack):
    running = with_slack
    running.poll()
    message = request_message(running)
    running.driver.post_message(user_id=PO[0], channel=message["channel"], text="go", thread_ts=message["ts"])
    wait_until(
        lambda: running.list_name("runbook.txt") == "Validé — à exécuter", what="the approval by reply"
    )


@pytest.fixture
def conflict_stack(tmp_path):
    running = start(
        tmp_path,
        cards=(
            ("Migration des dossiers usagers - CHU 75 vers CHU 77 avec hébergements", "hebergements.txt"),
        ),
        slack=True,
    )
    yield running
    running.service.close()
    running.stack.stop()


def test_a_conflict_decision_gates_the_po_request(conflict_stack):
    running = conflict_stack
    name = "Migration des dossiers usagers - CHU 75 vers CHU 77 avec hébergements"

    def po_requests() -> list[dict]:
        return [m for m in running.stack.slack.messages(VALIDATION_CHANNEL[0]) if name in m["text"]]

    running.poll()
    assert po_requests() == []  # the PO is not asked before the conflict is decided
    conflict = request_message(running, TEAM_CHANNEL[0])
    table = plain("\n".join(b["text"]["text"] for b in conflict["blocks"] if b["type"] == "section"))
    assert "4537 | 892 | 1042, 1078 | 1035" in table
    running.driver.click(user_id=DEVELOPER[0], message=conflict, action_id="conflict_without")
    wait_until(po_requests, what="the PO request after the decision")
    wait_until(lambda: running.list_name("hebergements.txt") == "En attente validation PO", what="the round")
    assert outcome(request_message(running, TEAM_CHANNEL[0])).startswith(
        f"🏠 *Décision* de <@{DEVELOPER[0]}>"
    )
    po_text = plain(
        "\n".join(b["text"]["text"] for b in po_requests()[-1]["blocks"] if b["type"] == "section")
    )
    assert "Décision : sans hébergements" in po_text
    comments = running.comments("hebergements.txt")
    assert any(
        c.startswith("🏠 **Conflit d'hébergements tranché** par Sam Bernard via Slack") for c in comments
    )


def test_a_click_is_acknowledged_before_the_work_is_done(with_slack):
    """Slack wants an answer within 3 s: the listener acks first, the Trello work follows on bolt's threads."""
    running = with_slack
    running.poll()
    message = request_message(running)
    running.trello.faults.latency_s = 0.2  # every Trello request is slow now: the approval takes seconds
    response = running.driver.click(user_id=PO[0], message=message, action_id="approve")
    assert response.status_code == 200
    assert running.list_name("runbook.txt") == "En attente validation PO"  # answered, work still to come
    running.trello.faults.latency_s = 0.0
    wait_until(
        lambda: running.list_name("runbook.txt") == "Validé — à exécuter", timeout_s=10, what="the work"
    )
