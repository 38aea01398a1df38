"""Slack's side of a conversation with a bolt app: signed HTTP requests, or envelopes over Socket Mode.

What a person does in Slack (click a button, submit a modal, type a message) becomes the request Slack would
send to the app's `/slack/events` URL, with the shapes, encodings and headers Slack uses; with
`transport="socket"`, the same payloads go as Socket Mode envelopes over the sandbox's WebSocket and the
driver waits for the app's ack. The workspace state (trigger ids, response URLs, typed messages, open
modals) lives in the `SlackSandbox`.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable
from typing import Any, Literal
from urllib.parse import urlencode

import httpx
from slack_sdk.signature import SignatureVerifier

from sandbox.slack import SlackSandbox
from sandbox.slack.socket_mode import SocketAck

VERIFICATION_TOKEN = "sandbox-verification-token"  # the deprecated token Slack still puts in payloads
USER_AGENT = "Slackbot 1.0 (+https://api.slack.com/robots)"
SINGLE_CHOICE = ("static_select", "external_select", "radio_buttons", "overflow")
MULTIPLE_CHOICE = ("checkboxes", "multi_static_select", "multi_external_select")
SELECTED_KEYS = {
    "datepicker": "selected_date",
    "timepicker": "selected_time",
    "datetimepicker": "selected_date_time",
    "users_select": "selected_user",
    "multi_users_select": "selected_users",
    "conversations_select": "selected_conversation",
    "multi_conversations_select": "selected_conversations",
    "channels_select": "selected_channel",
    "multi_channels_select": "selected_channels",
}
# Interactions whose ack may carry an answer (a view submission's `response_action`), in Socket Mode.
RESPONSE_PAYLOAD_TYPES = ("view_submission", "block_suggestion")

# What Slack got back: the HTTP response, or the app's ack over the socket.
Delivery = httpx.Response | SocketAck


class SlackDriver:
    """`transport="http"` needs the app's `events_url` and `signing_secret`; `"socket"` needs neither."""

    def __init__(
        self,
        *,
        sandbox: SlackSandbox,
        events_url: str = "",
        signing_secret: str = "",
        transport: Literal["http", "socket"] = "http",
        team_id: str = "T0SANDBOX",
        timeout_s: float = 10.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if transport == "http" and not (events_url and signing_secret):
            raise ValueError("the HTTP transport needs the app's events_url and signing_secret")
        self.transport = transport
        self.events_url = events_url
        self.signing_secret = signing_secret
        self.sandbox = sandbox
        self.team_id = team_id
        self.timeout_s = timeout_s
        self._clock = clock

    @staticmethod
    def sign(signing_secret: str, timestamp: int, body: bytes) -> str:
        """The `X-Slack-Signature` (v0) Slack computes for this body at this time."""
        signature = SignatureVerifier(signing_secret).generate_signature(timestamp=str(timestamp), body=body)
        assert signature is not None  # only None without a timestamp
        return signature

    # --- what people do

    def click(
        self, *, user_id: str, message: dict[str, Any], action_id: str, value: str | None = None
    ) -> Delivery:
        """`user_id` clicks (or picks `value` in) the element `action_id` of `message` as they see it."""
        block_id, element = _find_element(message.get("blocks") or [], action_id)
        channel = message["channel"]
        is_ephemeral = bool(message.get("is_ephemeral"))
        payload: dict[str, Any] = {
            "type": "block_actions",
            **self._actor(user_id),
            "container": _container(message, is_ephemeral=is_ephemeral),
            "trigger_id": self.sandbox.issue_trigger(user_id),
            "channel": {"id": channel, "name": self.sandbox.channel(channel).get("name", "directmessage")},
            "state": {"values": {}},
            "response_url": self.sandbox.response_url_for(channel, message["ts"], user_id=user_id),
            "actions": [self._action(element, block_id=block_id, value=value)],
        }
        if not is_ephemeral:  # Slack does not send an ephemeral message back to the app
            payload["message"] = {k: v for k, v in message.items() if k != "channel"}
        return self.send_interaction(payload)

    def submit_view(
        self, *, user_id: str, view: dict[str, Any], values: dict[str, dict[str, Any]]
    ) -> Delivery:
        """`user_id` fills the inputs of the open modal (`values[block_id][action_id]`) and submits it."""
        current = self.sandbox.view(view["id"])
        if not current["is_open"] or current["user_id"] != user_id:
            raise ValueError(f"view {view['id']} is not open for {user_id}")
        shown = {k: v for k, v in current.items() if k not in ("user_id", "is_open", "errors")}
        shown["state"] = {"values": _state_values(shown["blocks"], values)}
        payload = {
            "type": "view_submission",
            **self._actor(user_id),
            "trigger_id": self.sandbox.issue_trigger(user_id),
            "view": shown,
            "response_urls": [],
        }
        delivery = self.send_interaction(payload)
        if isinstance(delivery, SocketAck):
            self.sandbox.settle_view_submission(view["id"], delivery.payload)
        elif delivery.status_code == 200:
            self.sandbox.settle_view_submission(view["id"], _json_or_none(delivery))
        return delivery

    def post_message(
        self, *, user_id: str, channel: str, text: str, thread_ts: str | None = None
    ) -> Delivery:
        """`user_id` types `text` in `channel` (or in a thread): stored in the sandbox, then sent as an event."""
        message = self.sandbox.post_user_message(
            user_id=user_id, channel=channel, text=text, thread_ts=thread_ts
        )
        event = {k: v for k, v in message.items() if k in _EVENT_MESSAGE_KEYS}
        event.update(event_ts=message["ts"], channel_type=self._channel_type(channel))
        return self.send_event(event)

    def url_verification(self, challenge: str | None = None) -> httpx.Response:
        """HTTP only: Socket Mode has no request URL to verify."""
        if self.transport != "http":
            raise ValueError("url_verification is an HTTP request; Socket Mode has none")
        body = {"token": VERIFICATION_TOKEN, "challenge": challenge or secrets.token_urlsafe(24)}
        return self._post(json.dumps({**body, "type": "url_verification"}).encode(), "application/json")

    # --- raw sends, for payloads the helpers above do not build

    def send_interaction(self, payload: dict[str, Any]) -> Delivery:
        """An interactivity payload, form-encoded as `payload=<json>` like Slack sends it (or enveloped)."""
        if self.transport == "socket":
            return self.sandbox.socket_mode.send(
                "interactive",
                payload,
                accepts_response_payload=payload.get("type") in RESPONSE_PAYLOAD_TYPES,
                timeout_s=self.timeout_s,
            )
        body = urlencode({"payload": json.dumps(payload)}).encode()
        return self._post(body, "application/x-www-form-urlencoded")

    def send_event(self, event: dict[str, Any]) -> Delivery:
        """An Events API `event_callback` wrapping `event`, as JSON (or enveloped)."""
        identity = self.sandbox.identity
        envelope = {
            "token": VERIFICATION_TOKEN,
            "team_id": self.team_id,
            "context_team_id": self.team_id,
            "context_enterprise_id": None,
            "api_app_id": identity.app_id,
            "event": event,
            "type": "event_callback",
            "event_id": "Ev" + secrets.token_hex(5).upper(),
            "event_time": int(self._clock()),
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": self.team_id,
                    "user_id": identity.bot_user_id,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
        }
        if self.transport == "socket":
            return self.sandbox.socket_mode.send(
                "events_api",
                envelope,
                accepts_response_payload=False,
                timeout_s=self.timeout_s,
                retry_attempt=0,
                retry_reason="",
            )
        return self._post(json.dumps(envelope).encode(), "application/json")

    # --- helpers

    def _post(self, body: bytes, content_type: str) -> httpx.Response:
        timestamp = int(self._clock())
        headers = {
            "Content-Type": content_type,
            "User-Agent": USER_AGENT,
            "X-Slack-Request-Timestamp": str(timestamp),
            "X-Slack-Signature": self.sign(self.signing_secret, timestamp, body),
        }
        return httpx.post(self.events_url, content=body, headers=headers, timeout=self.timeout_s)

    def _actor(self, user_id: str) -> dict[str, Any]:
        """The fields naming who acted, where, and for which app, common to interactivity payloads."""
        user = self.sandbox.user(user_id)
        return {
            "user": {"id": user_id, "username": user["name"], "name": user["name"], "team_id": self.team_id},
            "api_app_id": self.sandbox.identity.app_id,
            "token": VERIFICATION_TOKEN,
            "team": {"id": self.team_id, "domain": self.sandbox.identity.team_domain},
            "enterprise": None,
            "is_enterprise_install": False,
        }

    def _action(self, element: dict[str, Any], *, block_id: str, value: str | None) -> dict[str, Any]:
        action: dict[str, Any] = {
            "type": element["type"],
            "action_id": element["action_id"],
            "block_id": block_id,
            "action_ts": f"{self._clock():.6f}",
        }
        if element["type"] == "button":
            action.update(text=element["text"], value=value if value is not None else element.get("value"))
            if "style" in element:
                action["style"] = element["style"]
        elif element["type"] in SINGLE_CHOICE:
            action["selected_option"] = _option(element, value)
        else:
            action["value"] = value
        return action

    def _channel_type(self, channel_id: str) -> str:
        channel = self.sandbox.channel(channel_id)
        if channel["is_im"]:
            return "im"
        if channel["is_mpim"]:
            return "mpim"
        return "group" if channel["is_private"] else "channel"


_EVENT_MESSAGE_KEYS = (
    "type",
    "channel",
    "user",
    "text",
    "ts",
    "team",
    "blocks",
    "client_msg_id",
    "thread_ts",
    "parent_user_id",
)


def _container(message: dict[str, Any], *, is_ephemeral: bool) -> dict[str, Any]:
    container = {
        "type": "message",
        "message_ts": message["ts"],
        "channel_id": message["channel"],
        "is_ephemeral": is_ephemeral,
    }
    if message.get("thread_ts") and message["thread_ts"] != message["ts"]:
        container["thread_ts"] = message["thread_ts"]
    return container


def _interactive_elements(block: dict[str, Any]) -> list[dict[str, Any]]:
    if block.get("type") == "actions":
        return list(block.get("elements") or [])
    return [block["accessory"]] if isinstance(block.get("accessory"), dict) else []


def _find_element(blocks: list[dict[str, Any]], action_id: str) -> tuple[str, dict[str, Any]]:
    for block in blocks:
        for element in _interactive_elements(block):
            if element.get("action_id") == action_id:
                return block["block_id"], element
    raise LookupError(f"no element with action_id {action_id!r} in this message")


def _option(element: dict[str, Any], value: Any) -> dict[str, Any]:
    options = list(element.get("options") or [])
    for group in element.get("option_groups") or []:
        options += group.get("options") or []
    for option in options:
        if option.get("value") == value:
            return option
    raise LookupError(f"no option with value {value!r} in {element.get('action_id')!r}")


def _state_values(blocks: list[dict[str, Any]], values: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """`view.state.values` as Slack fills it: every input, in the shape its element type uses."""
    inputs = {b["block_id"]: b for b in blocks if b.get("type") == "input"}
    unknown = {(b, a) for b, by_action in values.items() for a in by_action} - {
        (block_id, block["element"].get("action_id")) for block_id, block in inputs.items()
    }
    if unknown:
        raise LookupError(f"no input with these (block_id, action_id) in the view: {sorted(unknown)}")
    state: dict[str, Any] = {}
    for block_id, block in inputs.items():
        element = block["element"]
        value = values.get(block_id, {}).get(element.get("action_id"))
        if value in (None, "", []) and not block.get("optional", False):
            raise ValueError(f"Slack does not submit a modal whose required input {block_id!r} is empty")
        state[block_id] = {element.get("action_id"): _input_value(element, value)}
    return state


def _input_value(element: dict[str, Any], value: Any) -> dict[str, Any]:
    kind = element["type"]
    if kind in SINGLE_CHOICE:
        return {"type": kind, "selected_option": None if value is None else _option(element, value)}
    if kind in MULTIPLE_CHOICE:
        return {"type": kind, "selected_options": [_option(element, v) for v in value or []]}
    if kind in SELECTED_KEYS:
        return {"type": kind, SELECTED_KEYS[kind]: value}
    return {"type": kind, "value": value}


def _json_or_none(response: httpx.Response) -> dict[str, Any] | None:
    if not response.content or "json" not in response.headers.get("content-type", ""):
        return None
    decoded = response.json()
    return decoded if isinstance(decoded, dict) else None
