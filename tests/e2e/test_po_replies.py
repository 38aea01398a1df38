"""The PO's replies as people write them, end to end (issue 21; issue 25 points 2 and 11): on the Trello
stand-in (comments read by the real bot over REST; the refusal with its reason is in test_trello_approval) and in the Slack request's thread (events signed and sent
by the Slack stand-in), the same words decide, get one answer, or nothing."""

from __future__ import annotations

from sandbox.stack import DEVELOPER, PO, TRELLO_DEVELOPER, TRELLO_PO, VALIDATION_CHANNEL
from tests.support.slack_sandbox import wait_until
from tests.support.text import plain

WAITING, APPROVED, FIX = "En attente validation PO", "Validé — à exécuter", "À corriger"
NOT_PO = "Seul le PO peut décider de cette migration : rien n'a changé."
UNCLEAR_OK = "🤔 Rien n'est décidé : j'ai lu « ok » (une validation), mais avec une condition ou une réserve."
GO_BACK = (
    "rien n'a changé. Pour revenir sur cette décision, remettez la carte dans « À simuler » : "
    "elle sera simulée à nouveau."
)


def say(running, text: str, *, by: str) -> None:
    running.trello.add_comment(running.stack.cards["runbook.txt"], text, by=by)


def bot_said(running, before: list[str]) -> list[str]:
    """The comments added since `before` was read (the PO's own included)."""
    return running.comments("runbook.txt")[len(before) :]


# --- Trello ----------------------------------------------------------------------------------------------


def test_on_trello_je_valide_approves_after_chatter_an_unclear_reply_and_an_outsider(trello_po):
    trello_po.poll()
    before = trello_po.comments("runbook.txt")
    say(trello_po, "merci Claire pour la carte", by=TRELLO_PO)  # conversation: nothing
    say(trello_po, "ok mais il manque TEH", by=TRELLO_PO)  # one answer, nothing decided
    say(trello_po, "Je valide", by=TRELLO_DEVELOPER)  # not the PO: as before
    trello_po.poll()
    trello_po.poll()  # nothing new: nothing answered twice
    added = bot_said(trello_po, before)
    assert added[:3] == ["merci Claire pour la carte", "ok mais il manque TEH", "Je valide"]
    answers = added[3:]
    assert len(answers) == 2 and answers[0].startswith(UNCLEAR_OK) and answers[1] == NOT_PO
    assert answers[0].endswith(
        "répondez « validé » pour valider, ou « refusé : » suivi de la raison pour refuser."
    )
    assert trello_po.list_name("runbook.txt") == WAITING

    say(trello_po, "Je valide", by=TRELLO_PO)
    trello_po.poll()
    assert trello_po.list_name("runbook.txt") == APPROVED
    assert [c for c in trello_po.comments("runbook.txt") if c.startswith("✅ **Validé par")]


def test_on_trello_a_decision_word_said_to_somebody_else_decides_nothing(trello_po):
    """Issue 25 point 11: « @julien ok » was approving (mentions dropped, « ok » kept)."""
    trello_po.poll()
    before = trello_po.comments("runbook.txt")
    say(trello_po, f"@{TRELLO_DEVELOPER} ok", by=TRELLO_PO)
    trello_po.poll()
    [_, answer] = bot_said(trello_po, before)
    assert answer.startswith(
        "🤔 Rien n'est décidé : j'ai lu « ok » (une validation), mais adressé à une autre"
    )
    assert trello_po.list_name("runbook.txt") == WAITING


def test_a_refusal_on_the_card_after_a_slack_approval_is_answered(trello_po_and_slack):
    """Issue 25 point 2: the bot stopped reading the card once approved, and said nothing."""
    running = trello_po_and_slack
    running.poll()
    [request] = [m for m in running.stack.slack.messages(VALIDATION_CHANNEL[0]) if m.get("blocks")]
    running.driver.click(user_id=PO[0], message=request, action_id="approve")
    wait_until(lambda: running.list_name("runbook.txt") == APPROVED, what="the approval in Slack")
    running.poll()
    before = running.comments("runbook.txt")
    say(running, "refusé : il manque le centre TEH", by=TRELLO_PO)
    running.poll()
    running.poll()
    [_, answer] = bot_said(running, before)
    assert answer.startswith(f"Déjà validé par {PO[1]} (sur Slack) le ")
    assert answer.endswith(GO_BACK)
    assert running.list_name("runbook.txt") == APPROVED


# --- the Slack thread ------------------------------------------------------------------------------------


def request_of(running) -> dict:
    return [m for m in running.stack.slack.messages(VALIDATION_CHANNEL[0]) if m.get("blocks")][-1]


def write(running, request: dict, text: str, *, by: str) -> None:
    running.driver.post_message(user_id=by, channel=request["channel"], text=text, thread_ts=request["ts"])


def test_in_the_thread_je_valide_approves_after_chatter_an_unclear_reply_and_an_outsider(with_slack):
    running = with_slack
    running.poll()
    request = request_of(running)
    write(running, request, "merci Claire pour la carte", by=PO[0])
    write(running, request, "ok mais il manque TEH", by=PO[0])
    wait_until(lambda: running.stack.slack.ephemerals(user=PO[0]), what="the answer to the unclear reply")
    write(running, request, "Je valide", by=DEVELOPER[0])
    wait_until(lambda: running.stack.slack.ephemerals(user=DEVELOPER[0]), what="the outsider's answer")
    assert plain(running.stack.slack.ephemerals(user=DEVELOPER[0])[-1]["text"]) == NOT_PO
    assert running.list_name("runbook.txt") == WAITING

    write(running, request, f"<@{running.stack.slack.identity.bot_user_id}> Je valide", by=PO[0])
    wait_until(lambda: running.list_name("runbook.txt") == APPROVED, what="the approval by reply")
    [answer] = running.stack.slack.ephemerals(user=PO[0])  # chatter got nothing
    assert plain(answer["text"]).startswith(UNCLEAR_OK)
    assert plain(answer["text"]).endswith("(ou utilisez les boutons de la demande).")
    assert answer.get("thread_ts") in (None, request["ts"])


def test_in_the_thread_a_refusal_with_its_reason_lands_on_the_card(with_slack):
    running = with_slack
    running.poll()
    write(running, request_of(running), "Refusé, il manque le centre TEH", by=PO[0])
    wait_until(lambda: running.list_name("runbook.txt") == FIX, what="the refusal by reply")
    refusal = running.comments("runbook.txt")[-1]
    assert refusal.startswith(f"❌ **Refusé par {PO[1]}** (PO) le ")
    assert "\n\n> il manque le centre TEH\n\n" in refusal
