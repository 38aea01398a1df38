"""Socket Mode in the sandbox Slack: apps.connections.open, the WebSocket link, and slack_sdk / bolt over it."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from concurrent.futures import Executor, ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.socket_mode import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from sandbox.slack.socket_mode import SocketAck
from sandbox.slack_driver import SlackDriver
from sandbox.slack_server import SlackSandbox
from tests.support.slack_sandbox import wait_until

PO, DEV = "U0PO", "U0DEV"
CHANNEL = "C0MIGRATIONS"
URL = re.compile(r"ws://127\.0\.0\.1:(\d+)/link/\?ticket=[0-9a-f]{32}&app_id=A0SANDBOX")


@pytest.fixture
def sandbox() -> Iterator[SlackSandbox]:
    """A started sandbox, checked to leave no thread (its own or its clients') behind."""
    before = set(threading.enumerate())
    with SlackSandbox() as started:
        started.add_user(PO, "camille", real_name="Camille Martin")
        started.add_user(DEV, "dominique")
        started.add_channel(CHANNEL, "migrations")
        yield started
    wait_until(
        lambda: not set(threading.enumerate()) - before,
        what=f"the threads to end: {[t.name for t in set(threading.enumerate()) - before]}",
    )


@pytest.fixture
def web(sandbox: SlackSandbox) -> WebClient:
    return WebClient(token=sandbox.bot_token, base_url=sandbox.base_url)


# --- apps.connections.open


def test_apps_connections_open_hands_out_a_websocket_url_for_the_app_token(
    sandbox: SlackSandbox, web: WebClient
) -> None:
    first = web.apps_connections_open(app_token=sandbox.app_token)
    second = web.apps_connections_open(app_token=sandbox.app_token)

    assert first["ok"] is True and URL.fullmatch(first["url"]) and URL.fullmatch(second["url"])
    assert first["url"] != second["url"]  # a new ticket each time
    call = sandbox.calls_to("apps.connections.open")[0]
    assert call.http_method == "POST" and call.params == {}
    assert call.headers["authorization"] == f"Bearer {sandbox.app_token}"  # in the header, as Slack wants
    assert first.headers["X-OAuth-Scopes"] == "connections:write"


@pytest.mark.parametrize(
    ("token", "error"),
    [("bot", "not_allowed_token_type"), ("xapp-not-this-app", "invalid_auth")],
)
def test_apps_connections_open_needs_the_app_level_token(
    sandbox: SlackSandbox, web: WebClient, token: str, error: str
) -> None:
    with pytest.raises(SlackApiError) as refused:
        web.apps_connections_open(app_token=sandbox.bot_token if token == "bot" else token)
    assert refused.value.response["error"] == error
    assert sandbox.socket_mode.links_opened == 0


def test_the_app_token_is_refused_as_a_post_parameter_and_by_other_methods(
    sandbox: SlackSandbox,
) -> None:
    in_body = httpx.post(sandbox.base_url + "apps.connections.open", data={"token": sandbox.app_token})
    assert in_body.json() == {"ok": False, "error": "missing_args"}
    app_client = WebClient(token=sandbox.app_token, base_url=sandbox.base_url)
    with pytest.raises(SlackApiError) as refused:
        app_client.chat_postMessage(channel=CHANNEL, text="Bonjour")
    assert refused.value.response["error"] == "not_allowed_token_type"
    assert sandbox.messages(CHANNEL) == []


# --- the WebSocket link (the protocol is the websockets library's; the sandbox adds Slack's rules)


def test_a_link_says_hello_and_its_ticket_opens_one_connection(sandbox: SlackSandbox, web: WebClient) -> None:
    url = web.apps_connections_open(app_token=sandbox.app_token)["url"]
    with connect(url, open_timeout=3) as link:
        hello = json.loads(link.recv(timeout=3))
        assert hello["type"] == "hello" and hello["connection_info"] == {"app_id": "A0SANDBOX"}
        assert hello["num_connections"] == 1
        assert link.ping().wait(3)  # the server answers pings
        assert sandbox.socket_mode.ping_all() == 1  # and pings, and counts the pongs
    wait_until(lambda: sandbox.socket_mode.connection_count == 0, what="the link dropped")

    with pytest.raises(InvalidStatus) as reused:  # a URL opens one connection
        connect(url, open_timeout=3)
    assert reused.value.response.status_code == 401


def test_a_url_the_web_api_did_not_hand_out_is_refused(sandbox: SlackSandbox, web: WebClient) -> None:
    url = web.apps_connections_open(app_token=sandbox.app_token)["url"]
    forged = re.sub(r"ticket=[0-9a-f]+", "ticket=" + "0" * 32, url)
    with pytest.raises(InvalidStatus) as refused:
        connect(forged, open_timeout=3)
    assert refused.value.response.status_code == 401
    assert sandbox.socket_mode.links_opened == 0


# --- slack_sdk's builtin SocketModeClient


def test_slack_sdk_socket_mode_client_gets_hello_and_envelopes_and_acks(
    sandbox: SlackSandbox, web: WebClient
) -> None:
    client = SocketModeClient(app_token=sandbox.app_token, web_client=web)
    messages: list[dict[str, Any]] = []
    requests: list[SocketModeRequest] = []

    def answer(sm_client: Any, request: SocketModeRequest) -> None:
        requests.append(request)
        sm_client.send_socket_mode_response(
            SocketModeResponse(envelope_id=request.envelope_id, payload={"text": "reçu"})
        )

    client.message_listeners.append(lambda _client, message, _raw: messages.append(message))
    event = {"type": "event_callback", "event": {"type": "message"}}
    try:
        client.connect()
        with pytest.raises(TimeoutError, match="no ack"):  # nobody answers yet
            sandbox.socket_mode.send("events_api", event, accepts_response_payload=False, timeout_s=0.3)
        client.socket_mode_request_listeners.append(answer)

        ack = sandbox.socket_mode.send("events_api", event, accepts_response_payload=False)

        assert ack.payload == {"text": "reçu"}
        (request,) = requests
        assert (request.type, request.envelope_id, request.payload) == ("events_api", ack.envelope_id, event)
        assert messages[0]["type"] == "hello"
        assert sandbox.socket_mode.received[-1] == {
            "envelope_id": ack.envelope_id,
            "payload": {"text": "reçu"},
        }
        # slack_sdk pings on connect and reads its session id back from the pong: the echo is exact.
        wait_until(lambda: client.current_session.last_ping_pong_time is not None, what="the client's pong")
        assert sandbox.socket_mode.ping_all() == 1  # and slack_sdk answers the server's pings
    finally:
        client.close()
    wait_until(lambda: sandbox.socket_mode.connection_count == 0, what="the client gone")


# --- a bolt app in Socket Mode, driven as Slack would


REFUSAL_VIEW = {
    "type": "modal",
    "callback_id": "refusal",
    "title": {"type": "plain_text", "text": "Refuser"},
    "submit": {"type": "plain_text", "text": "Refuser"},
    "blocks": [
        {
            "type": "input",
            "block_id": "reason",
            "label": {"type": "plain_text", "text": "Raison"},
            "element": {"type": "plain_text_input", "action_id": "text"},
        }
    ],
}


class SocketModeBoltApp:
    """A bolt app connected with `SocketModeHandler(...).connect()`, recording what its listeners saw."""

    def __init__(self, sandbox: SlackSandbox, web: WebClient, executor: Executor) -> None:
        self.seen: list[dict[str, Any]] = []
        self.app = App(
            client=web,
            listener_executor=executor,  # bolt's default pool is never shut down
            token_verification_enabled=False,
            request_verification_enabled=False,
        )
        self.handler = SocketModeHandler(self.app, sandbox.app_token)

        @self.app.action("approve")
        def approve(ack: Any, body: dict[str, Any], respond: Any) -> None:
            ack()
            self.seen.append(body)
            respond(text=f"Validé par <@{body['user']['id']}>", replace_original=True)

        @self.app.action("refuse")
        def refuse(ack: Any, body: dict[str, Any], client: WebClient) -> None:
            ack()
            client.views_open(trigger_id=body["trigger_id"], view=REFUSAL_VIEW)

        @self.app.view("refusal")
        def refusal(ack: Any, view: dict[str, Any]) -> None:
            reason = view["state"]["values"]["reason"]["text"]["value"]
            if len(reason) < 3:
                ack(response_action="errors", errors={"reason": "Expliquez le refus."})
                return
            ack()
            self.seen.append(view)

        @self.app.event("message")
        def message(event: dict[str, Any]) -> None:
            self.seen.append(event)


@pytest.fixture
def bolt(sandbox: SlackSandbox, web: WebClient) -> Iterator[tuple[SocketModeBoltApp, SlackDriver]]:
    with ThreadPoolExecutor(max_workers=2) as executor:
        recording = SocketModeBoltApp(sandbox, web, executor)
        recording.handler.connect()
        try:
            yield recording, SlackDriver(sandbox=sandbox, transport="socket")
        finally:
            recording.handler.close()


def post_request(web: WebClient) -> dict[str, Any]:
    buttons = {
        "type": "actions",
        "block_id": "decision",
        "elements": [
            {
                "type": "button",
                "action_id": action,
                "text": {"type": "plain_text", "text": text},
                "value": "c42",
            }
            for action, text in (("approve", "Valider"), ("refuse", "Refuser"))
        ],
    }
    posted = web.chat_postMessage(channel=CHANNEL, text="Validation demandée", blocks=[buttons])
    return {"channel": CHANNEL, **posted["message"]}


def test_a_click_over_the_socket_runs_the_bolt_listener(
    sandbox: SlackSandbox, web: WebClient, bolt: tuple[SocketModeBoltApp, SlackDriver]
) -> None:
    recording, driver = bolt
    message = post_request(web)

    ack = driver.click(user_id=PO, message=message, action_id="approve")

    assert isinstance(ack, SocketAck) and ack.payload is None  # a plain ack()
    wait_until(
        lambda: sandbox.message(CHANNEL, message["ts"])["text"] == f"Validé par <@{PO}>", what="respond()"
    )
    (body,) = recording.seen
    assert body["type"] == "block_actions" and body["user"]["id"] == PO
    assert body["actions"][0]["value"] == "c42"
    assert body["container"]["message_ts"] == message["ts"] and body["message"]["ts"] == message["ts"]
    assert body["response_url"].startswith(sandbox.base_url.removesuffix("api/") + "actions/")
    [envelope_call] = sandbox.calls_to("apps.connections.open")
    assert envelope_call.ok


def test_a_view_submission_ack_carries_the_errors_and_keeps_the_modal_open(
    sandbox: SlackSandbox, web: WebClient, bolt: tuple[SocketModeBoltApp, SlackDriver]
) -> None:
    recording, driver = bolt
    driver.click(user_id=PO, message=post_request(web), action_id="refuse")
    wait_until(sandbox.views, what="the modal")
    [view] = sandbox.views()

    refused = driver.submit_view(user_id=PO, view=view, values={"reason": {"text": "no"}})

    assert isinstance(refused, SocketAck)
    assert refused.payload == {"response_action": "errors", "errors": {"reason": "Expliquez le refus."}}
    assert sandbox.view(view["id"])["is_open"] and sandbox.view(view["id"])["errors"] == {
        "reason": "Expliquez le refus."
    }
    accepted = driver.submit_view(
        user_id=PO, view=view, values={"reason": {"text": "Le CPH garde ses dossiers."}}
    )
    assert isinstance(accepted, SocketAck) and accepted.payload is None
    assert not sandbox.view(view["id"])["is_open"]
    wait_until(lambda: recording.seen, what="the submission")


def test_a_typed_message_reaches_the_app_as_an_events_api_envelope(
    sandbox: SlackSandbox, bolt: tuple[SocketModeBoltApp, SlackDriver]
) -> None:
    recording, driver = bolt
    ack = driver.post_message(user_id=DEV, channel=CHANNEL, text="go")
    assert isinstance(ack, SocketAck) and ack.payload is None
    wait_until(lambda: recording.seen, what="the event")
    (event,) = recording.seen
    assert (event["type"], event["user"], event["text"], event["channel"]) == ("message", DEV, "go", CHANNEL)
    assert event["channel_type"] == "channel"


def test_the_app_reconnects_when_slack_asks_for_a_refresh(
    sandbox: SlackSandbox, web: WebClient, bolt: tuple[SocketModeBoltApp, SlackDriver]
) -> None:
    recording, driver = bolt
    sandbox.socket_mode.wait_for_connection()  # the link is registered once its hello went out
    sandbox.socket_mode.refresh()
    wait_until(lambda: sandbox.socket_mode.links_opened >= 2, what="the new connection")
    wait_until(lambda: sandbox.socket_mode.connection_count == 1, what="the old connection closed")
    assert len(sandbox.calls_to("apps.connections.open")) == 2  # a new URL for the new connection
    driver.click(user_id=PO, message=post_request(web), action_id="approve")
    wait_until(lambda: recording.seen, what="the click after the refresh")


def test_the_bolt_socket_mode_handler_needs_the_app_token(sandbox: SlackSandbox, web: WebClient) -> None:
    with ThreadPoolExecutor(max_workers=1) as executor:
        app = App(
            client=web,
            listener_executor=executor,
            token_verification_enabled=False,
            request_verification_enabled=False,
        )
        handler = SocketModeHandler(app, sandbox.bot_token)  # the bot token where the app token goes
        try:
            with pytest.raises(SlackApiError) as refused:
                handler.connect()
            assert refused.value.response["error"] == "not_allowed_token_type"
            assert sandbox.socket_mode.links_opened == 0
        finally:
            handler.close()
