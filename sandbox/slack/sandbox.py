"""`SlackSandbox`: a Slack Web API stand-in over real HTTP, recording every call and keeping Slack's state."""

from __future__ import annotations

import copy
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sandbox.slack import hooks
from sandbox.slack.blockkit import view_errors
from sandbox.slack.http import HttpReply, HttpRequest, ServerThread, decode_params
from sandbox.slack.socket_mode import SocketModeServer
from sandbox.slack.web_api import (
    APP_TOKEN_METHODS,
    APP_TOKEN_SCOPE,
    METHODS,
    ApiRequest,
    require_scope,
    view_payload,
)
from sandbox.slack.workspace import ApiError, Identity, ViewRecord, Workspace

DEFAULT_SCOPES = (
    "chat:write",
    "files:write",
    "im:write",
    "channels:history",
    "groups:history",
    "im:history",
    "users:read",
)
RECORDED_HEADERS = ("content-type", "authorization", "user-agent")
API_PREFIX = "/api/"


@dataclass(frozen=True)
class RecordedCall:
    """One Web API call as the sandbox received and answered it (the token is not among `params`)."""

    method: str
    http_method: str
    params: dict[str, Any]
    headers: dict[str, str]
    status: int
    ok: bool
    error: str | None = None
    warnings: tuple[str, ...] = ()
    response: dict[str, Any] = field(default_factory=dict)


class SlackSandbox:
    """A workspace with one bot, served on 127.0.0.1; point `WebClient(base_url=sandbox.base_url)` at it.

    State accessors return copies: what Slack would show now (after updates, replacements, deletions).
    Faults: `rate_limit_next(n)` answers the next n calls 429 with Retry-After; `latency_s` delays each call.
    Socket Mode: `apps.connections.open` (with `app_token`) hands out URLs of `socket_mode`, a WebSocket
    server started and stopped with the sandbox.
    """

    def __init__(
        self,
        *,
        bot_token: str = "xoxb-sandbox",
        app_token: str = "xapp-sandbox",
        scopes: Sequence[str] = DEFAULT_SCOPES,
        host: str = "127.0.0.1",
        port: int = 0,
        identity: Identity | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.bot_token = bot_token
        self.app_token = app_token
        self.scopes = frozenset(scopes)
        self.sends_scopes = True  # False: auth.test without X-OAuth-Scopes, as some proxies strip it
        self.identity = identity or Identity()
        self.socket_mode = SocketModeServer(app_id=self.identity.app_id, host=host)
        self.calls: list[RecordedCall] = []
        self.latency_s = 0.0
        self._workspace = Workspace(self.identity, clock)
        self._address = (host, port)
        self._origin = ""
        self._server = ServerThread(self._handle)
        self._rate_limited_calls = 0
        self._retry_after_s = 1

    # --- lifecycle

    def start(self) -> str:
        host, port = self._server.start(*self._address)
        self._origin = f"http://{host}:{port}"
        self.socket_mode.start()
        return self.base_url

    def stop(self) -> None:
        self.socket_mode.stop()
        self._server.stop()

    def __enter__(self) -> SlackSandbox:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        """The Web API root, with the trailing slash `WebClient` needs to join method names."""
        if not self._origin:
            raise RuntimeError("the Slack sandbox is not started")
        return self._origin + API_PREFIX

    # --- workspace set-up

    def add_user(
        self, user_id: str, name: str, *, is_bot: bool = False, real_name: str | None = None
    ) -> None:
        with self._workspace.lock:
            self._workspace.add_user(user_id, name, is_bot=is_bot, real_name=real_name)

    def add_channel(self, channel_id: str, name: str) -> None:
        with self._workspace.lock:
            self._workspace.add_channel(channel_id, name)

    def open_dm(self, user_id: str) -> str:
        """The id of the bot's DM with `user_id` (created if needed)."""
        with self._workspace.lock:
            return self._workspace.open_dm(user_id)[0]

    # --- faults

    def rate_limit_next(self, count: int, *, retry_after_s: int = 1) -> None:
        with self._workspace.lock:
            self._rate_limited_calls = count
            self._retry_after_s = retry_after_s

    # --- state, as Slack would show it

    def user(self, user_id: str) -> dict[str, Any]:
        with self._workspace.lock:
            return copy.deepcopy(self._workspace.users[user_id])

    def channel(self, channel_id: str) -> dict[str, Any]:
        with self._workspace.lock:
            return copy.deepcopy(self._workspace.channels[channel_id])

    def messages(self, channel: str | None = None) -> list[dict[str, Any]]:
        """Messages (top-level and thread replies) by ts, each with `channel`, `ts`, `user`, `text`, `blocks`."""
        with self._workspace.lock:
            return self._workspace.all_messages(channel)

    def message(self, channel: str, ts: str) -> dict[str, Any]:
        with self._workspace.lock:
            return self._workspace.public_message(self._workspace.message(channel, ts))

    def ephemerals(self, channel: str | None = None, *, user: str | None = None) -> list[dict[str, Any]]:
        with self._workspace.lock:
            chosen = [
                e
                for e in self._workspace.ephemerals
                if (channel is None or e["channel"] == channel) and (user is None or e["user"] == user)
            ]
            return copy.deepcopy(chosen)

    def views(self) -> list[dict[str, Any]]:
        """Opened modals: the view as Slack returned it, plus `user_id`, `is_open` and the last `errors`."""
        with self._workspace.lock:
            return [self._shown_view(record) for record in self._workspace.views.values()]

    def view(self, view_id: str) -> dict[str, Any]:
        with self._workspace.lock:
            return self._shown_view(self._workspace.views[view_id])

    def files(self) -> list[dict[str, Any]]:
        """Uploaded files: `id`, `filename` (Slack's `name`), `title`, `content` (bytes), `shares`.

        Each share is `{channel, ts, thread_ts}`: the message that carries the file.
        """
        with self._workspace.lock:
            return [
                {
                    **{k: v for k, v in copy.deepcopy(f).items() if k not in ("upload_token", "completed")},
                    "filename": f["name"],
                }
                for f in self._workspace.files.values()
                if f["completed"]
            ]

    def calls_to(self, method: str) -> list[RecordedCall]:
        """The calls of one Web API method (Socket Mode tests count `apps.connections.open`)."""
        return [call for call in list(self.calls) if call.method == method]

    # --- what Slack's side (the driver) needs

    def issue_trigger(self, user_id: str) -> str:
        """A trigger_id for views.open, valid 3 seconds and once, as Slack's."""
        with self._workspace.lock:
            return self._workspace.issue_trigger(user_id)

    def response_url_for(self, channel: str, message_ts: str, *, user_id: str | None = None) -> str:
        """An absolute response_url for an interaction by `user_id` with that message."""
        with self._workspace.lock:
            token = self._workspace.issue_response_url_token(channel, message_ts, user_id)
        return f"{self._origin}/actions/{self.identity.team_id}/{token}"

    def post_user_message(
        self,
        *,
        user_id: str,
        channel: str,
        text: str,
        thread_ts: str | None = None,
        metadata: dict[str, Any] | None = None,
        filenames: tuple[str, ...] = (),
    ) -> dict[str, Any]:
        """Store a message typed by a person, as Slack does before sending the event; `metadata` as a user
        token can set it, `filenames` for files the person shares with it (each with its uploader)."""
        with self._workspace.lock:
            workspace = self._workspace
            workspace.user(user_id)
            channel_id = workspace.conversation(channel)["id"]
            message = workspace.add_message(
                channel=channel_id,
                user=user_id,
                text=text,
                blocks=[_rich_text_block(text)],
                thread_ts=workspace.thread_root(channel_id, thread_ts),
                extra={
                    "client_msg_id": workspace.new_id("m").lower(),
                    **({"metadata": metadata} if metadata else {}),
                    **(
                        {"files": [self._person_file(name, user_id) for name in filenames]}
                        if filenames
                        else {}
                    ),
                },
            )
            return workspace.public_message(message)

    def _person_file(self, name: str, user_id: str) -> dict[str, Any]:
        return {"id": self._workspace.new_id("F"), "name": name, "title": name, "user": user_id}

    def settle_view_submission(self, view_id: str, ack: dict[str, Any] | None) -> None:
        """Apply the app's answer to a view submission: keep it open with errors, update it, or close it."""
        with self._workspace.lock:
            record = self._workspace.views[view_id]
            action = (ack or {}).get("response_action")
            if action == "errors":
                record.errors = dict(ack.get("errors") or {}) if ack else {}
            elif action in ("update", "push") and ack and not view_errors(ack.get("view")):
                self._replace_view(record, ack["view"], push=action == "push")
            else:
                record.is_open = False

    # --- serving

    def _handle(self, request: HttpRequest) -> HttpReply:
        if request.path.startswith(API_PREFIX):
            return self._serve_api(request, request.path[len(API_PREFIX) :])
        parts = request.path.strip("/").split("/")
        with self._workspace.lock:
            if len(parts) == 3 and parts[:2] == ["upload", "v1"]:
                return hooks.receive_upload(self._workspace, request, parts[2])
            if len(parts) == 3 and parts[0] == "actions":
                return hooks.answer_response_url(self._workspace, request, parts[2])
        return HttpReply.text(404, "Not Found")

    def _serve_api(self, request: HttpRequest, method: str) -> HttpReply:
        if self.latency_s:
            time.sleep(self.latency_s)
        with self._workspace.lock:
            params: dict[str, Any] = {}
            api_request = ApiRequest(
                params=params,
                scopes=self.scopes,
                origin=self._origin,
                socket_mode_url=self.socket_mode.new_url,
            )
            headers: dict[str, str] = {}
            try:
                params, is_json = decode_params(request)
                token = params.pop("token", None)
                api_request.params = params
                body = self._call(
                    method, request, api_request, token=None if is_json else token, headers=headers
                )
                status = 200
            except ApiError as refusal:
                body, status = refusal.body(), refusal.status
            self._record(method, request, api_request, status=status, body=body)
            return HttpReply.json(status, body, headers)

    def _call(
        self, method: str, request: HttpRequest, api_request: ApiRequest, *, token: str | None, headers: dict
    ) -> dict[str, Any]:
        if method not in METHODS:
            raise ApiError("unknown_method", status=404, req_method=method)
        if self._rate_limited_calls > 0:
            self._rate_limited_calls -= 1
            headers["Retry-After"] = str(self._retry_after_s)
            raise ApiError("ratelimited", status=429)
        handler, scope = METHODS[method]
        if method in APP_TOKEN_METHODS:
            self._authenticate_app(request)
            headers["X-OAuth-Scopes"] = headers["X-Accepted-OAuth-Scopes"] = APP_TOKEN_SCOPE
            return {"ok": True, **handler(self._workspace, api_request)}
        self._authenticate(request, token)
        if self.sends_scopes:
            headers["X-OAuth-Scopes"] = ",".join(sorted(self.scopes))
        headers["X-Accepted-OAuth-Scopes"] = scope
        if scope:
            require_scope(api_request, scope)
        return {"ok": True, **handler(self._workspace, api_request)}

    def _authenticate(self, request: HttpRequest, body_token: str | None) -> None:
        """A bearer header, or a `token` argument in a form body or query (never in a JSON body)."""
        authorization = request.headers.get("authorization", "")
        token = (
            authorization.removeprefix("Bearer ").strip()
            if authorization.startswith("Bearer ")
            else body_token
        )
        if not token:
            raise ApiError("not_authed")
        if token == self.app_token:
            raise ApiError("not_allowed_token_type")  # an app-level token only opens connections
        if token != self.bot_token:
            raise ApiError("invalid_auth")

    def _authenticate_app(self, request: HttpRequest) -> None:
        """The app-level token, in the Authorization header only (Slack refuses it as a POST parameter)."""
        authorization = request.headers.get("authorization", "")
        token = authorization.removeprefix("Bearer ").strip() if authorization.startswith("Bearer ") else ""
        if not token:
            raise ApiError("missing_args")
        if token == self.bot_token:
            raise ApiError("not_allowed_token_type")
        if token != self.app_token:
            raise ApiError("invalid_auth")

    def _record(
        self, method: str, request: HttpRequest, api_request: ApiRequest, *, status: int, body: dict[str, Any]
    ) -> None:
        self.calls.append(
            RecordedCall(
                method=method,
                http_method=request.method,
                params=copy.deepcopy(api_request.params),
                headers={name: request.headers[name] for name in RECORDED_HEADERS if name in request.headers},
                status=status,
                ok=bool(body.get("ok")),
                error=body.get("error"),
                warnings=tuple(api_request.warnings),
                response=copy.deepcopy(body),
            )
        )

    def _replace_view(self, record: ViewRecord, view: dict[str, Any], *, push: bool) -> None:
        current = record.payload
        if push:
            view_id = self._workspace.new_id("V")
            pushed = view_payload(
                self._workspace, view, view_id=view_id, root_view_id=current["root_view_id"]
            )
            pushed["previous_view_id"] = current["id"]
            self._workspace.views[view_id] = ViewRecord(payload=pushed, user_id=record.user_id)
            return
        record.payload = view_payload(
            self._workspace, view, view_id=current["id"], root_view_id=current["root_view_id"]
        )
        record.errors = {}

    @staticmethod
    def _shown_view(record: ViewRecord) -> dict[str, Any]:
        shown = copy.deepcopy(record.payload)
        shown.update(user_id=record.user_id, is_open=record.is_open, errors=dict(record.errors))
        return shown


def _rich_text_block(text: str) -> dict[str, Any]:
    """The block Slack's clients attach to a typed message."""
    return {
        "type": "rich_text",
        "block_id": "typed",
        "elements": [{"type": "rich_text_section", "elements": [{"type": "text", "text": text}]}],
    }
