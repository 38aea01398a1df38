"""The PO decides on Trello alone: « validé » or « refusé : <raison> » in a comment on the waiting card, read
by the real bot over the sandbox Trello's REST API (comment actions, badges) — with Slack off, or beside it."""

from __future__ import annotations

from sandbox.stack import PO, TRELLO_DEVELOPER, TRELLO_PO, VALIDATION_CHANNEL
from tests.support.openapi_contract import trello_contract
from tests.support.slack_sandbox import wait_until
from tests.support.text import plain

WAITING, APPROVED, FIX = "En attente validation PO", "Validé — à exécuter", "À corriger"
NOT_PO = "Seul le PO peut décider de cette migration : rien n'a changé."
GO_BACK = (
    "rien n'a changé. Pour revenir sur cette décision, remettez la carte dans « À simuler » : "
    "elle sera simulée à nouveau."
)


def card_id(running) -> str:
    return running.stack.cards["runbook.txt"]


def say(running, text: str, *, by: str) -> None:
    """A person writes a comment in Trello's web page."""
    running.trello.add_comment(card_id(running), text, by=by)


def test_the_synthesis_mentions_the_po_and_says_how_to_decide(trello_po):
    trello_po.poll()
    assert trello_po.list_name("runbook.txt") == WAITING
    synthesis = next(
        c for c in trello_po.comments("runbook.txt") if c.startswith("✅ **Prêt pour validation**")
    )
    assert synthesis.endswith(
        f"👉 @{TRELLO_PO}, la simulation est prête : répondez sur cette carte « validé » (ou « ok », « go ») "
        "pour valider, ou « refusé : » suivi de la raison pour refuser."
    )


def test_a_po_comment_approves_with_slack_off(trello_po):
    trello_po.poll()
    say(trello_po, "Validé !", by=TRELLO_PO)
    trello_po.poll()
    assert trello_po.list_name("runbook.txt") == APPROVED
    approvals = [c for c in trello_po.comments("runbook.txt") if c.startswith("✅ **Validé par")]
    assert len(approvals) == 1 and approvals[0].startswith(f"✅ **Validé par {PO[1]} (PO)** le ")
    [checklist] = trello_po.trello.checklists(card_id(trello_po))
    assert checklist["name"] == "Exécution"
    violations = [  # the member lookup, the badges and the comment actions are documented operations
        v
        for r in trello_po.trello.requests
        for v in trello_contract().violations(r.method, r.path, r.query.keys())
    ]
    assert violations == []
    assert any(r.path == f"/1/members/{TRELLO_PO}" for r in trello_po.trello.requests)


def test_a_po_comment_refuses_with_its_reason(trello_po):
    trello_po.poll()
    say(trello_po, "Refusé, il manque le centre TEH", by=TRELLO_PO)  # as people write it (issue 21)
    trello_po.poll()
    assert trello_po.list_name("runbook.txt") == FIX
    refusal = trello_po.comments("runbook.txt")[-1]
    assert refusal.startswith(f"❌ **Refusé par {PO[1]}** (PO) le ")
    assert "\n\n> il manque le centre TEH\n\n" in refusal


def test_a_non_po_comment_gets_one_short_reply_and_changes_nothing(trello_po):
    trello_po.poll()
    say(trello_po, "ok", by=TRELLO_DEVELOPER)
    trello_po.poll()
    trello_po.poll()
    assert trello_po.list_name("runbook.txt") == WAITING
    assert trello_po.comments("runbook.txt").count(NOT_PO) == 1
    assert not any(c.startswith("✅ **Validé par") for c in trello_po.comments("runbook.txt"))
    say(trello_po, "go", by=TRELLO_PO)  # the PO still can
    trello_po.poll()
    assert trello_po.list_name("runbook.txt") == APPROVED


def test_comments_are_read_only_when_the_poll_shows_they_moved(trello_po):
    trello_po.poll()
    trello_po.poll()  # the first look at the waiting card's comments
    requests = trello_po.trello.requests
    requests.clear()
    trello_po.poll()
    assert [(r.method, r.path) for r in requests] == [
        ("GET", f"/1/boards/{trello_po.stack.board['board']}/cards/open")
    ]
    requests.clear()
    say(trello_po, "Merci, je regarde demain.", by=TRELLO_PO)  # conversation, not a decision
    trello_po.poll()
    assert [r.path for r in requests][1:] == [f"/1/cards/{card_id(trello_po)}/actions"]
    assert trello_po.list_name("runbook.txt") == WAITING


def test_a_comment_on_a_changed_card_approves_nothing(trello_po):
    trello_po.poll()
    edited = trello_po.card("runbook.txt")["desc"].replace("= TEH →", "= TEH2 →", 1)
    trello_po.trello.set_description(card_id(trello_po), edited)
    say(trello_po, "validé", by=TRELLO_PO)
    trello_po.poll()
    comments = trello_po.comments("runbook.txt")
    assert not any(c.startswith("✅ **Validé par") for c in comments)
    assert trello_po.list_name("runbook.txt") == WAITING  # simulated afresh, waiting for a new decision
    assert any(c.startswith("🔄") for c in comments)
    trello_po.poll()  # the earlier « validé » was about the old simulation: still nothing decided
    assert trello_po.list_name("runbook.txt") == WAITING
    say(trello_po, "validé", by=TRELLO_PO)  # about the new one
    trello_po.poll()
    assert trello_po.list_name("runbook.txt") == APPROVED


def test_with_slack_on_both_channels_work_and_the_first_decision_wins(trello_po_and_slack):
    running = trello_po_and_slack
    running.poll()
    [request] = [m for m in running.stack.slack.messages(VALIDATION_CHANNEL[0]) if m.get("blocks")]
    say(running, "validé", by=TRELLO_PO)
    running.poll()
    assert running.list_name("runbook.txt") == APPROVED
    closed = running.stack.slack.message(request["channel"], request["ts"])
    outcome = plain(next(b["text"]["text"] for b in closed["blocks"] if b.get("block_id") == "outcome"))
    assert outcome.startswith(f"✅ *Validé* par {PO[1]} (sur Trello) le ")

    running.driver.click(user_id=PO[0], message=request, action_id="approve")  # too late
    wait_until(lambda: running.stack.slack.ephemerals(user=PO[0]), what="the late click's answer")
    late = plain(running.stack.slack.ephemerals(user=PO[0])[-1]["text"])
    assert late.startswith(f"Déjà validé par {PO[1]} (sur Trello) le ")
    assert late.endswith(GO_BACK)
    assert len([c for c in running.comments("runbook.txt") if c.startswith("✅ **Validé par")]) == 1
