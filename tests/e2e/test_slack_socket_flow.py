"""The PO decides on Slack in Socket Mode, the default: clicks and replies travel as envelopes over the
sandbox Slack's WebSocket to the bot's bolt app (`SocketModeHandler`), which acknowledges and applies them."""

from __future__ import annotations

from sandbox.slack.socket_mode import SocketAck
from sandbox.stack import DEVELOPER, PO, VALIDATION_CHANNEL
from tests.support.slack_sandbox import wait_until
from tests.support.text import plain

APPROVED = "Validé — à exécuter"
WAITING = "En attente validation PO"


def request_message(running) -> dict:
    """The bot's last top-level message in the validation channel."""
    messages = running.stack.slack.messages(VALIDATION_CHANNEL[0])
    return [m for m in messages if m.get("thread_ts") in (None, m["ts"])][-1]


def test_the_bot_listens_over_the_socket_not_over_http(with_socket_mode):
    running = with_socket_mode
    assert running.service.slack.port is None  # no HTTP endpoint: Slack is reached outbound only
    [opened] = running.stack.slack.calls_to("apps.connections.open")
    assert opened.ok and opened.headers["authorization"] == f"Bearer {running.stack.slack.app_token}"
    assert running.stack.slack.socket_mode.connection_count == 1


def test_a_po_click_over_the_socket_approves_and_an_outsider_click_is_refused(with_socket_mode):
    running = with_socket_mode
    running.poll()
    message = request_message(running)

    refused = running.driver.click(user_id=DEVELOPER[0], message=message, action_id="approve")
    assert isinstance(refused, SocketAck)  # acknowledged over the socket by envelope_id
    wait_until(lambda: running.stack.slack.ephemerals(user=DEVELOPER[0]), what="the outsider's ephemeral")
    assert plain(running.stack.slack.ephemerals(user=DEVELOPER[0])[-1]["text"]) == (
        "Seul le PO peut décider de cette migration : rien n'a changé."
    )
    assert running.list_name("runbook.txt") == WAITING

    running.driver.click(user_id=PO[0], message=message, action_id="approve")
    wait_until(lambda: running.list_name("runbook.txt") == APPROVED, timeout_s=10, what="the approval")
    approvals = [c for c in running.comments("runbook.txt") if c.startswith("✅ **Validé par")]
    assert len(approvals) == 1 and approvals[0].startswith("✅ **Validé par Camille Martin (PO)** le ")
    acked = {m["envelope_id"] for m in running.stack.slack.socket_mode.received if "envelope_id" in m}
    assert refused.envelope_id in acked


def test_a_thread_reply_over_the_socket_approves(with_socket_mode):
    running = with_socket_mode
    running.poll()
    message = request_message(running)
    ack = running.driver.post_message(
        user_id=PO[0], channel=message["channel"], text="validé", thread_ts=message["ts"]
    )
    assert isinstance(ack, SocketAck)
    wait_until(
        lambda: running.list_name("runbook.txt") == APPROVED, timeout_s=10, what="the reply's approval"
    )


def test_a_dropped_connection_is_reopened_and_the_next_click_still_lands(with_socket_mode):
    running = with_socket_mode
    socket_mode = running.stack.slack.socket_mode
    running.poll()

    socket_mode.drop()  # the server closes the link without a `disconnect` warning first
    wait_until(lambda: socket_mode.links_opened >= 2, timeout_s=10, what="the bot's new connection")
    assert len(running.stack.slack.calls_to("apps.connections.open")) == 2  # a fresh URL each time
    socket_mode.wait_for_connection()

    running.driver.click(user_id=PO[0], message=request_message(running), action_id="approve")
    wait_until(lambda: running.list_name("runbook.txt") == APPROVED, timeout_s=10, what="the approval")
