"""Slack: the chat port over slack_sdk's WebClient, and the slack-bolt app that receives decisions.

Listeners acknowledge first (Slack wants an answer within 3 s) and work after: bolt runs the rest of the
listener on its thread pool once `ack()` has answered. Socket Mode (no public URL) by default; HTTP mode
serves `/slack/events` with signature checks.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from bot.adapters.wsgi_pool import PooledWSGIServer
from bot.app.decisions import Outcome
from bot.app.leadership import LeadershipLost
from bot.app.ports import MessageRef
from bot.app.workflow import Workflow
from bot.domain.decision import Decision, RequestKey
from bot.domain.lifecycle import Event
from bot.domain.model import ConflictDecision
from bot.settings import Settings
from bot.texts import decisions as outcomes
from bot.texts.blocks import (
    APPROVE,
    CONFLICT_MIGRATE,
    CONFLICT_WITHOUT,
    REASON_BLOCK,
    REASON_INPUT,
    REFUSAL_MODAL,
    REFUSE,
    RESIMULATE,
    refusal_modal,
)

log = logging.getLogger("migrabot.slack")

# Slack's payloads are a few kilobytes: anything bigger is refused from its headers, before it is read.
MAX_BODY_BYTES = 1024 * 1024
SIGNATURE_MAX_AGE_SECONDS = 300  # Slack's own rule against replays

# What the bot needs, checked by `migrabot doctor` (auth.test answers with the token's scopes).
REQUIRED_SCOPES = ("chat:write", "files:write", "im:write", "users:read", "channels:history", "im:history")


def build_client(settings: Settings) -> WebClient:
    client = WebClient(
        token=settings.slack_bot_token.get_secret_value(), base_url=settings.slack_api_base_url, timeout=20
    )
    client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=3))
    return client


class SlackChat:
    """The chat port."""

    def __init__(self, client: WebClient) -> None:
        self.client = client
        self._names: dict[str, str] = {}
        self._dms: dict[str, str] = {}
        self._identity: tuple[str, str] | None = None  # (bot user id, bot id) from auth.test

    def identity(self) -> tuple[str, str]:
        """Who the bot is in Slack: only messages and files it made are ever adopted as its own."""
        if self._identity is None:
            response = self.client.auth_test()
            self._identity = (response.get("user_id") or "", response.get("bot_id") or "")
        return self._identity

    def _made_by_me(self, message: dict) -> bool:
        user_id, bot_id = self.identity()
        return bool(bot_id) and message.get("bot_id") == bot_id and message.get("user") == user_id

    def post(
        self, channel: str, *, text: str, blocks: list[dict], metadata: dict | None = None
    ) -> MessageRef:
        response = self.client.chat_postMessage(
            channel=channel, text=text, blocks=blocks, metadata=metadata, unfurl_links=False
        )
        return MessageRef(channel=response["channel"], ts=response["ts"])

    def update(self, ref: MessageRef, *, text: str, blocks: list[dict]) -> None:
        self.client.chat_update(channel=ref.channel, ts=ref.ts, text=text, blocks=blocks)

    def reply(self, ref: MessageRef, text: str) -> None:
        self.client.chat_postMessage(channel=ref.channel, thread_ts=ref.ts, text=text)

    def upload(self, ref: MessageRef, *, filename: str, data: bytes, title: str) -> None:
        self.client.files_upload_v2(
            channel=ref.channel, thread_ts=ref.ts, file=data, filename=filename, title=title
        )

    def ephemeral(self, channel: str, user_id: str, text: str, *, thread_ts: str | None = None) -> None:
        self.client.chat_postEphemeral(channel=channel, user=user_id, text=text, thread_ts=thread_ts)

    def open_modal(self, trigger_id: str, view: dict) -> None:
        self.client.views_open(trigger_id=trigger_id, view=view)

    def user_name(self, user_id: str) -> str:
        if user_id not in self._names:
            try:
                user = self.client.users_info(user=user_id)["user"]
                profile = user.get("profile", {})
                self._names[user_id] = (
                    profile.get("display_name") or profile.get("real_name") or user.get("name") or user_id
                )
            except SlackApiError:
                return user_id
        return self._names[user_id]

    def direct_channel(self, user_id: str) -> str:
        """The D… conversation with a user: chat.update needs it (a U… id is refused)."""
        if user_id not in self._dms:
            self._dms[user_id] = self.client.conversations_open(users=user_id)["channel"]["id"]
        return self._dms[user_id]

    def find_posted(self, channel: str, metadata: dict) -> MessageRef | None:
        """After a crash between posting and journaling: the request already posted, found by its metadata."""
        try:
            history = self.client.conversations_history(channel=channel, limit=100, include_all_metadata=True)
        except SlackApiError as error:
            log.warning(
                "cannot read %s history to avoid a duplicate: %s", channel, error.response.get("error")
            )
            return None
        for message in history.get("messages", []):
            if message.get("metadata") == metadata and self._made_by_me(message):
                return MessageRef(channel=channel, ts=message["ts"])
        return None

    def has_file(self, ref: MessageRef, filename: str) -> bool:
        """Whether a file of that name is already in the request's thread (a resumed upload)."""
        try:
            replies = self.client.conversations_replies(channel=ref.channel, ts=ref.ts, limit=200)
        except SlackApiError as error:
            log.warning("cannot read the thread %s/%s: %s", ref.channel, ref.ts, error.response.get("error"))
            return False
        user_id, _ = self.identity()
        return any(
            file.get("name") == filename and file.get("user") == user_id  # the uploader
            for message in replies.get("messages", [])
            for file in message.get("files", [])
        )


# --- the bolt app ---------------------------------------------------------------------------------


class ListenerPool(ThreadPoolExecutor):
    """Where Slack's listeners run after their ack. A listener stopped before a write — this process lost
    its leadership, or stands down for another instance on the board — is logged here: bolt catches only
    `Exception`, and the click would otherwise vanish without a trace."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        def run() -> Any:
            try:
                return fn(*args, **kwargs)
            except LeadershipLost as lost:
                log.warning("a Slack event was not handled: %s", lost)
                return None

        return super().submit(run)


def build_app(
    *,
    settings: Settings,
    client: WebClient,
    workflow: Workflow,
    chat: SlackChat,
    executor: Executor | None = None,
) -> App:
    """`executor` runs the listeners after their ack; the service shuts it down (waiting) before the store.
    Each listener only turns what a person did into a `Decision` and hands it to `workflow.apply`."""
    app = App(
        client=client,
        listener_executor=executor,
        signing_secret=settings.slack_signing_secret.get_secret_value() or None,
        token_verification_enabled=False,
        process_before_response=False,
        request_verification_enabled=settings.slack_mode == "http",
    )
    _listen_to_buttons(app, workflow, chat)
    _listen_to_refusals(app, workflow, chat, po_ids=settings.po_user_ids)
    _listen_to_thread_replies(app, workflow, chat)
    return app


def _tell(chat: SlackChat, body: dict, outcome: Outcome) -> None:
    """The person who clicked is told, only them, why nothing happened (if anything is to be said)."""
    if outcome.message:
        channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")
        user = body["user"]["id"]
        try:
            chat.ephemeral(channel, user, outcome.message)
        except SlackApiError:
            log.exception("could not send %s the answer to their click", user)


BUTTONS = {
    APPROVE: (Event.APPROVE, None),
    RESIMULATE: (Event.RESIMULATE, None),
    CONFLICT_MIGRATE: (Event.CONFLICT_SETTLED, ConflictDecision.MIGRATE_ANYWAY),
    CONFLICT_WITHOUT: (Event.CONFLICT_SETTLED, ConflictDecision.WITHOUT_ACCOMMODATIONS),
}


def _listen_to_buttons(app: App, workflow: Workflow, chat: SlackChat) -> None:
    def listener(ack: Callable[..., Any], body: dict) -> None:
        ack()  # within Slack's 3 seconds; the work follows
        action = body["actions"][0]
        key = RequestKey.parse(action.get("value", ""))
        if key is None or action.get("action_id") not in BUTTONS:
            return
        event, conflict = BUTTONS[action["action_id"]]
        channel = (body.get("container") or {}).get("channel_id") or body.get("channel", {}).get("id", "")
        decision = Decision(event, key, user_id=body["user"]["id"], conflict=conflict, channel=channel)
        _tell(chat, body, workflow.apply(decision))

    for action_id in BUTTONS:
        app.action(action_id)(listener)


def _listen_to_refusals(app: App, workflow: Workflow, chat: SlackChat, *, po_ids: frozenset[str]) -> None:
    @app.action(REFUSE)
    def open_refusal(ack: Callable[..., Any], body: dict) -> None:
        ack()
        key = RequestKey.parse(body["actions"][0].get("value", ""))
        if key is None:
            return
        if body["user"]["id"] not in po_ids:  # told at once, before a modal asks them to write
            _tell(chat, body, Outcome(outcomes.NOT_PO))
            return
        container = body.get("container") or {}
        metadata = f"{key.value()}|{container.get('channel_id', '')}|{container.get('message_ts', '')}"
        chat.open_modal(
            body["trigger_id"], refusal_modal(metadata=metadata, card_name=workflow.card_name(key.card_id))
        )

    @app.view(REFUSAL_MODAL)
    def refusal_submitted(ack: Callable[..., Any], body: dict, view: dict) -> None:
        reason = (
            view["state"]["values"].get(REASON_BLOCK, {}).get(REASON_INPUT, {}).get("value") or ""
        ).strip()
        if len(reason) < 3:
            ack(response_action="errors", errors={REASON_BLOCK: outcomes.REASON_TOO_SHORT})
            return
        ack()
        value, channel, _ts = (view.get("private_metadata") or "||").rsplit("|", 2)
        key = RequestKey.parse(value)
        if key is None:
            return
        outcome = workflow.apply(Decision(Event.REFUSE, key, user_id=body["user"]["id"], reason=reason))
        if outcome.message and channel:
            chat.ephemeral(channel, body["user"]["id"], outcome.message)


def refusal_view(key: RequestKey, *, channel: str, ts: str, card_name: str) -> dict:
    """The modal carries the request it answers (Slack gives a view submission no channel of its own)."""
    return refusal_modal(metadata=f"{key.value()}|{channel}|{ts}", card_name=card_name)


def _listen_to_thread_replies(app: App, workflow: Workflow, chat: SlackChat) -> None:
    @app.event("message")
    def thread_reply(event: dict) -> None:
        if event.get("subtype") or event.get("bot_id") or not event.get("thread_ts"):
            return
        channel, thread_ts, user = event["channel"], event["thread_ts"], event.get("user", "")
        answer = workflow.hear_in_thread(
            channel=channel,
            thread_ts=thread_ts,
            ts=event.get("ts", ""),
            user_id=user,
            text=event.get("text", ""),
            me=chat.identity()[0],
        )
        if answer:
            chat.ephemeral(channel, user, answer, thread_ts=thread_ts)


class QuietWSGIHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        log.debug("slack http: " + format, *args)


class ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    """One thread per request (the tests' Slack stand-in; the bot's endpoint is a PooledWSGIServer)."""

    daemon_threads = True


def guarded(handler: Callable[..., Any], *, signing_secret: str) -> Callable[..., Any]:
    """The WSGI app in front of bolt: size first (from the headers), then the signature, then bolt.

    Bolt reads and decodes the whole body before it checks the signature: without this gate anybody could
    make it hold a huge body in memory, or raise on bytes that are not UTF-8.
    """

    def app(environ: dict, start_response: Callable[..., Any]) -> Any:
        if environ.get("PATH_INFO") != "/slack/events":
            return _refuse(start_response, "404 Not Found")
        length = _content_length(environ)
        if length is None:
            return _refuse(start_response, "411 Length Required")
        if length > MAX_BODY_BYTES:
            log.warning("slack http: refused a %d-byte body from %s", length, environ.get("REMOTE_ADDR"))
            return _refuse(start_response, "413 Content Too Large")
        if not _fresh_signature_headers(environ):  # refused before its body is read
            log.warning("slack http: refused an unsigned request from %s", environ.get("REMOTE_ADDR"))
            return _refuse(start_response, "401 Unauthorized")
        try:
            body = _read_body(environ["wsgi.input"], length)
        except OSError:  # the socket timeout: a client that stopped sending mid-body
            log.warning("slack http: %s stopped sending its body", environ.get("REMOTE_ADDR"))
            return _refuse(start_response, "408 Request Timeout")
        if not signed_by_slack(body, environ, secret=signing_secret.encode()):
            log.warning("slack http: refused an unsigned request from %s", environ.get("REMOTE_ADDR"))
            return _refuse(start_response, "401 Unauthorized")
        try:
            body.decode("utf-8")
        except UnicodeDecodeError:
            return _refuse(start_response, "400 Bad Request")
        environ["wsgi.input"] = io.BytesIO(body)
        return handler(environ, start_response)

    return app


def _read_body(stream: Any, length: int) -> bytearray:
    """Exactly `length` bytes, read into one buffer (no chunk list joined at the end: half the peak memory);
    OSError when the client stops sending (socket timeout) or closes early."""
    body = bytearray(length)
    view = memoryview(body)
    got = 0
    while got < length:
        count = stream.readinto(view[got : got + 65536])
        if not count:
            raise ConnectionAbortedError("body cut short")
        got += count
    view.release()
    return body


def _fresh_signature_headers(environ: dict) -> bool:
    timestamp = environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP", "")
    fresh = timestamp.isdigit() and abs(time.time() - int(timestamp)) <= SIGNATURE_MAX_AGE_SECONDS
    return fresh and environ.get("HTTP_X_SLACK_SIGNATURE", "").startswith("v0=")


def signed_by_slack(body: bytes | bytearray, environ: dict, *, secret: bytes) -> bool:
    """Slack's v0 signature over the raw bytes (slack_sdk's verifier decodes them first, and may raise); the
    body is hashed in place, never copied."""
    timestamp = environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP", "")
    signature = environ.get("HTTP_X_SLACK_SIGNATURE", "")
    if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > SIGNATURE_MAX_AGE_SECONDS:
        return False
    mac = hmac.new(secret, b"v0:" + timestamp.encode() + b":", hashlib.sha256)
    mac.update(body)
    return hmac.compare_digest("v0=" + mac.hexdigest(), signature)


def _content_length(environ: dict) -> int | None:
    """The declared length; None when it is absent (chunked) or not a number."""
    if environ.get("HTTP_TRANSFER_ENCODING"):
        return None
    raw = environ.get("CONTENT_LENGTH") or ("0" if environ.get("REQUEST_METHOD") == "GET" else "")
    return int(raw) if raw.isdigit() else None


def _refuse(start_response: Callable[..., Any], status: str) -> list[bytes]:
    start_response(status, [("Content-Type", "text/plain")])
    return [status.encode()]


class SlackEndpoint:
    """How Slack reaches the app: Socket Mode (outbound websocket) or HTTP `/slack/events`."""

    def __init__(self, app: App, settings: Settings, *, socket_ping_interval_s: float = 10) -> None:
        self._app = app
        self._settings = settings
        self.host = settings.slack_http_host
        # slack_sdk notices a dropped Socket Mode connection (and opens a new one) at its next check.
        self._socket_ping_interval_s = socket_ping_interval_s
        self._server: WSGIServer | None = None
        self._socket_handler: Any = None
        self.port: int | None = None

    def start(self) -> None:
        if self._settings.slack_mode == "http":
            wsgi = guarded(
                SlackRequestHandler(self._app),
                signing_secret=self._settings.slack_signing_secret.get_secret_value(),
            )
            self._server = PooledWSGIServer(
                (self.host, self._settings.slack_http_port),
                QuietWSGIHandler,
                workers=self._settings.slack_http_workers,
                timeout_s=self._settings.slack_http_timeout_seconds,
            )
            self._server.set_app(wsgi)
            self.port = self._server.server_port
            threading.Thread(target=self._server.serve_forever, name="slack-http", daemon=True).start()
            log.info("slack: HTTP mode on %s:%s (/slack/events)", self.host, self.port)
        else:
            from slack_bolt.adapter.socket_mode import SocketModeHandler

            self._socket_handler = SocketModeHandler(
                self._app,
                self._settings.slack_app_token.get_secret_value(),
                ping_interval=self._socket_ping_interval_s,
            )
            self._socket_handler.connect()
            log.info("slack: Socket Mode connected")

    def bound_address(self) -> tuple[str, int]:
        assert self._server is not None, "HTTP mode only"
        return self._server.server_address[:2]

    def stop(self) -> None:
        """Idempotent: `start` may follow (an instance that acts again after standing down)."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._socket_handler is not None:
            self._socket_handler.close()
            self._socket_handler = None


def scopes_of(client: WebClient) -> tuple[str, set[str] | None]:
    """(bot user id, scopes) from auth.test: the scopes come in the X-OAuth-Scopes header; None when Slack
    sent no such header (then nothing can be said about them)."""
    response = client.auth_test()
    headers = {k.lower(): v for k, v in response.headers.items()}
    if "x-oauth-scopes" not in headers:
        return response.get("user_id", ""), None
    header = headers["x-oauth-scopes"]
    if isinstance(header, list):
        header = ",".join(header)
    return response.get("user_id", ""), {s.strip() for s in str(header).split(",") if s.strip()}
