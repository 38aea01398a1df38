"""The Web API methods the sandbox answers, with Slack's documented arguments, errors and shapes.

Each handler takes the workspace (its lock held by the caller) and the decoded request, returns the
success body without `ok`, or raises `ApiError`.
"""

from __future__ import annotations

import json
import mimetypes
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sandbox.slack.blockkit import message_block_errors, view_errors, with_block_ids
from sandbox.slack.workspace import ApiError, ViewRecord, Workspace, argument_error

TRIGGER_LIFETIME_S = 3.0
HISTORY_SCOPES = {"channel": "channels:history", "group": "groups:history", "im": "im:history"}


@dataclass
class ApiRequest:
    params: dict[str, Any]
    scopes: frozenset[str]
    origin: str  # http://host:port of the sandbox, for the absolute URLs it hands out
    warnings: list[str] = field(default_factory=list)
    socket_mode_url: Callable[[], str] | None = None  # issues a Socket Mode URL (apps.connections.open)

    def text(self, name: str) -> str | None:
        value = self.params.get(name)
        return None if value is None or value == "" else str(value)

    def required(self, name: str) -> str:
        value = self.text(name)
        if value is None:
            raise argument_error(f"missing required field: {name}")
        return value

    def json_value(self, name: str, *, error: str = "invalid_arguments") -> Any:
        """A structured argument: JSON text in a form body, already decoded in a JSON body."""
        value = self.params.get(name)
        if not isinstance(value, str):
            return value
        try:
            return json.loads(value)
        except ValueError:
            raise ApiError(error) from None

    def flag(self, name: str) -> bool:
        return self.params.get(name) in (True, 1, "1", "true")


Handler = Callable[[Workspace, ApiRequest], dict[str, Any]]


def require_scope(request: ApiRequest, scope: str) -> None:
    if scope not in request.scopes:
        raise ApiError("missing_scope", needed=scope, provided=",".join(sorted(request.scopes)))


# --- Socket Mode (app-level token)


def apps_connections_open(workspace: Workspace, request: ApiRequest) -> dict[str, Any]:
    """A fresh WebSocket URL for Socket Mode; the caller checked the app-level token."""
    if request.socket_mode_url is None:
        raise ApiError("internal_error")
    return {"url": request.socket_mode_url()}


# --- auth and users


def auth_test(workspace: Workspace, request: ApiRequest) -> dict[str, Any]:
    identity = workspace.identity
    return {
        "url": identity.workspace_url,
        "team": identity.team_name,
        "user": identity.bot_name,
        "team_id": identity.team_id,
        "user_id": identity.bot_user_id,
        "bot_id": identity.bot_id,
        "is_enterprise_install": False,
    }


def users_info(workspace: Workspace, request: ApiRequest) -> dict[str, Any]:
    user = dict(workspace.user(request.text("user")))
    if request.flag("include_locale"):
        user["locale"] = "fr-FR"
    return {"user": user}


# --- messages


def _validated_blocks(request: ApiRequest) -> list[dict[str, Any]]:
    blocks = request.json_value("blocks", error="invalid_blocks_format")
    errors = message_block_errors(blocks)
    if errors:
        messages = [f"[ERROR] {error}" for error in errors]
        raise ApiError("invalid_blocks", errors=errors, response_metadata={"messages": messages})
    return with_block_ids(blocks)


def _message_content(request: ApiRequest) -> dict[str, Any]:
    """text/blocks/attachments of a message, validated like Slack does."""
    content: dict[str, Any] = {"text": request.text("text") or ""}
    if "blocks" in request.params:
        content["blocks"] = _validated_blocks(request)
    if "attachments" in request.params:
        content["attachments"] = request.json_value("attachments", error="invalid_attachments")
    if "metadata" in request.params:  # message metadata: {"event_type": …, "event_payload": {…}}
        metadata = request.json_value("metadata", error="invalid_metadata")
        if not isinstance(metadata, dict) or not isinstance(metadata.get("event_type"), str):
            raise ApiError("invalid_metadata")
        content["metadata"] = metadata
    if not (content["text"] or content.get("blocks") or content.get("attachments")):
        raise ApiError("no_text")
    if not content["text"]:
        request.warnings.append("missing_text")  # accessibility and notifications need a text
    return content


def chat_post_message(workspace: Workspace, request: ApiRequest) -> dict[str, Any]:
    channel = workspace.post_target(request.text("channel"))
    content = _message_content(request)
    thread_ts = workspace.thread_root(channel, request.text("thread_ts"))
    message = workspace.add_message(
        channel=channel,
        user=workspace.identity.bot_user_id,
        text=content.pop("text"),
        blocks=content.pop("blocks", None),
        thread_ts=thread_ts,
        extra=content,
    )
    return {
        "channel": channel,
        "ts": message["ts"],
        "message": workspace.public_message(message, with_channel=False),
    }


def chat_update(workspace: Workspace, request: ApiRequest) -> dict[str, Any]:
    channel = workspace.conversation(request.text("channel"))["id"]  # a U… id is refused, as by Slack
    message = workspace.message(channel, request.text("ts"))
    if message["user"] != workspace.identity.bot_user_id:
        raise ApiError("cant_update_message")
    changes = {key: request.params[key] for key in ("text", "blocks", "attachments") if key in request.params}
    if not changes:
        raise ApiError("no_text")
    if "blocks" in changes:
        changes["blocks"] = _validated_blocks(request)  # absent blocks are kept, an empty list removes them
    if "attachments" in changes:
        changes["attachments"] = request.json_value("attachments", error="invalid_attachments")
    if not request.text("text"):
        request.warnings.append("missing_text")
    message.update(changes)
    message["edited"] = {"user": workspace.identity.bot_user_id, "ts": workspace.next_ts()}
    shown = workspace.public_message(message, with_channel=False)
    return {"channel": channel, "ts": message["ts"], "text": message["text"], "message": shown}


def chat_post_ephemeral(workspace: Workspace, request: ApiRequest) -> dict[str, Any]:
    channel = workspace.post_target(request.text("channel"))
    user = workspace.user(request.text("user"))["id"]
    content = _message_content(request)
    thread_ts = workspace.thread_root(channel, request.text("thread_ts"))
    ephemeral = workspace.add_ephemeral(
        channel=channel, user=user, text=content["text"], blocks=content.get("blocks"), thread_ts=thread_ts
    )
    return {"message_ts": ephemeral["ts"]}


def chat_get_permalink(workspace: Workspace, request: ApiRequest) -> dict[str, Any]:
    channel = workspace.conversation(request.text("channel"))["id"]
    message = workspace.message(channel, request.text("message_ts"))
    return {"channel": channel, "permalink": workspace.permalink(channel, message)}


# --- conversations


def conversations_open(workspace: Workspace, request: ApiRequest) -> dict[str, Any]:
    users = [u.strip() for u in (request.text("users") or "").split(",") if u.strip()]
    if request.text("channel"):
        channel_id, already_open = workspace.conversation(request.text("channel"))["id"], True
    elif len(users) == 1:
        require_scope(request, "im:write")
        channel_id, already_open = workspace.open_dm(users[0])
    elif users:
        require_scope(request, "mpim:write")
        channel_id, already_open = workspace.open_mpim(users)
    else:
        raise ApiError("users_list_not_supplied")
    channel = dict(workspace.channels[channel_id]) if request.flag("return_im") else {"id": channel_id}
    return {"no_op": already_open, "already_open": already_open, "channel": channel}


def conversations_history(workspace: Workspace, request: ApiRequest) -> dict[str, Any]:
    """Top-level messages, newest first; metadata only when asked, as Slack does."""
    channel = workspace.conversation(request.text("channel"))["id"]
    require_scope(request, HISTORY_SCOPES.get(workspace.channel_type(channel), "mpim:history"))
    with_metadata = request.text("include_all_metadata") in {"1", "true", "True"}
    messages = [
        m for m in workspace.all_messages(channel) if not m.get("thread_ts") or m["thread_ts"] == m["ts"]
    ]
    limit = int(request.text("limit") or 100)
    shown = []
    for message in sorted(messages, key=lambda m: m["ts"], reverse=True)[:limit]:
        copy_ = {k: v for k, v in message.items() if k != "channel"}
        if not with_metadata:
            copy_.pop("metadata", None)
        shown.append(copy_)
    return {"messages": shown, "has_more": len(messages) > limit}


def conversations_replies(workspace: Workspace, request: ApiRequest) -> dict[str, Any]:
    channel = workspace.conversation(request.text("channel"))["id"]
    channel_type = workspace.channel_type(channel)
    require_scope(request, HISTORY_SCOPES.get(channel_type, "mpim:history"))
    try:
        root_ts = workspace.thread_root(channel, request.text("ts"))
    except ApiError:
        raise ApiError("thread_not_found") from None
    messages = workspace.thread(channel, root_ts or "")
    limit = int(request.text("limit") or 1000)
    shown = [{k: v for k, v in m.items() if k != "channel"} for m in messages[:limit]]
    return {"messages": shown, "has_more": len(messages) > limit}


# --- views


def views_open(workspace: Workspace, request: ApiRequest) -> dict[str, Any]:
    trigger_id = request.required("trigger_id")
    view = _valid_view(request)
    trigger = workspace.triggers.get(trigger_id)
    if trigger is None:
        raise ApiError("invalid_trigger_id")
    if trigger.used:
        raise ApiError("exchanged_trigger_id")
    if workspace.clock() - trigger.issued_at > TRIGGER_LIFETIME_S:
        raise ApiError("expired_trigger_id")
    trigger.used = True
    view_id = workspace.new_id("V")
    payload = view_payload(workspace, view, view_id=view_id, root_view_id=view_id)
    workspace.views[view_id] = ViewRecord(payload=payload, user_id=trigger.user_id)
    return {"view": payload}


def views_update(workspace: Workspace, request: ApiRequest) -> dict[str, Any]:
    view = _valid_view(request)
    record = _view_record(workspace, view_id=request.text("view_id"), external_id=request.text("external_id"))
    expected_hash = request.text("hash")
    if expected_hash is not None and expected_hash != record.payload["hash"]:
        raise ApiError("hash_conflict")
    current = record.payload
    record.payload = view_payload(
        workspace, view, view_id=current["id"], root_view_id=current["root_view_id"]
    )
    record.errors = {}
    return {"view": record.payload}


def _valid_view(request: ApiRequest) -> dict[str, Any]:
    if "view" not in request.params:
        raise argument_error("missing required field: view")
    view = request.json_value("view")
    errors = view_errors(view)
    if errors:
        raise ApiError("invalid_arguments", response_metadata={"messages": [f"[ERROR] {e}" for e in errors]})
    return view


def _view_record(workspace: Workspace, *, view_id: str | None, external_id: str | None) -> ViewRecord:
    for record in workspace.views.values():
        matches = record.payload["id"] == view_id or (
            external_id and record.payload["external_id"] == external_id
        )
        if matches and record.is_open:
            return record
    raise ApiError("not_found")


def view_payload(
    workspace: Workspace, view: dict[str, Any], *, view_id: str, root_view_id: str
) -> dict[str, Any]:
    identity = workspace.identity
    return {
        "id": view_id,
        "team_id": identity.team_id,
        "type": "modal",
        "title": view["title"],
        "submit": view.get("submit"),
        "close": view.get("close"),
        "blocks": with_block_ids(view.get("blocks", [])),
        "private_metadata": view.get("private_metadata", ""),
        "callback_id": view.get("callback_id", ""),
        "external_id": view.get("external_id", ""),
        "state": {"values": {}},
        "hash": workspace.new_id("H").lower(),
        "clear_on_close": bool(view.get("clear_on_close", False)),
        "notify_on_close": bool(view.get("notify_on_close", False)),
        "previous_view_id": None,
        "root_view_id": root_view_id,
        "app_id": identity.app_id,
        "app_installed_team_id": identity.team_id,
        "bot_id": identity.bot_id,
    }


# --- files (files_upload_v2: get an upload URL, POST the bytes there, complete)


def files_get_upload_url_external(workspace: Workspace, request: ApiRequest) -> dict[str, Any]:
    filename = request.required("filename")
    length = request.required("length")
    if not length.isdigit():
        raise argument_error("length must be an integer")
    file_id = workspace.new_id("F")
    upload_token = workspace.new_id("u").lower()
    workspace.files[file_id] = {
        "id": file_id,
        "name": filename,
        "title": filename,
        "mimetype": mimetypes.guess_type(filename)[0] or "application/octet-stream",
        "filetype": filename.rsplit(".", 1)[-1].lower() if "." in filename else "binary",
        "length": int(length),
        "alt_txt": request.text("alt_txt"),
        "snippet_type": request.text("snippet_type"),
        "content": None,
        "upload_token": upload_token,
        "completed": False,
        "shares": [],
    }
    return {"upload_url": f"{request.origin}/upload/v1/{upload_token}", "file_id": file_id}


def files_complete_upload_external(workspace: Workspace, request: ApiRequest) -> dict[str, Any]:
    entries = request.json_value("files")
    if not isinstance(entries, list) or not entries:
        raise argument_error("files must be a non-empty array of {id, title}")
    files = [_uploaded_file(workspace, entry) for entry in entries]
    for file, entry in zip(files, entries, strict=True):
        file["title"] = entry.get("title") or file["name"]
        file["completed"] = True
    for channel in _share_channels(workspace, request):
        _share(workspace, request, files=files, channel=channel)
    return {"files": [_file_summary(workspace, f) for f in files]}


def _uploaded_file(workspace: Workspace, entry: Any) -> dict[str, Any]:
    file = workspace.files.get(entry.get("id", "")) if isinstance(entry, dict) else None
    if file is None or file["content"] is None:
        raise ApiError("file_not_found")
    return file


def _share_channels(workspace: Workspace, request: ApiRequest) -> list[str]:
    wanted = [request.text("channel_id"), *(request.text("channels") or "").split(",")]
    channels = [workspace.conversation(c.strip())["id"] for c in wanted if c and c.strip()]
    if request.text("thread_ts") and not request.text("channel_id"):
        raise argument_error("thread_ts needs channel_id")
    return list(dict.fromkeys(channels))


def _share(workspace: Workspace, request: ApiRequest, *, files: list[dict[str, Any]], channel: str) -> None:
    thread_ts = workspace.thread_root(channel, request.text("thread_ts"))
    message = workspace.add_message(
        channel=channel,
        user=workspace.identity.bot_user_id,
        text=request.text("initial_comment") or "",
        thread_ts=thread_ts,
        extra={
            "upload": True,
            "files": [
                {
                    "id": f["id"],
                    "name": f["name"],
                    "title": f["title"],
                    "user": workspace.identity.bot_user_id,
                }
                for f in files
            ],
        },
    )
    for file in files:
        file["shares"].append({"channel": channel, "ts": message["ts"], "thread_ts": thread_ts})


def _file_summary(workspace: Workspace, file: dict[str, Any]) -> dict[str, Any]:
    identity = workspace.identity
    return {
        "id": file["id"],
        "name": file["name"],
        "title": file["title"],
        "mimetype": file["mimetype"],
        "filetype": file["filetype"],
        "size": len(file["content"]),
        "user": identity.bot_user_id,
        "channels": sorted({s["channel"] for s in file["shares"]}),
        "permalink": f"{identity.workspace_url}files/{identity.bot_user_id}/{file['id']}/{file['name']}",
    }


# Methods called with the app-level token (`xapp-…`), which no other method accepts, and its scope.
APP_TOKEN_METHODS = frozenset({"apps.connections.open"})
APP_TOKEN_SCOPE = "connections:write"

# name -> (handler, scope the method needs; "" when none or when it depends on the arguments)
METHODS: dict[str, tuple[Handler, str]] = {
    "apps.connections.open": (apps_connections_open, APP_TOKEN_SCOPE),
    "auth.test": (auth_test, ""),
    "users.info": (users_info, "users:read"),
    "chat.postMessage": (chat_post_message, "chat:write"),
    "chat.update": (chat_update, "chat:write"),
    "chat.postEphemeral": (chat_post_ephemeral, "chat:write"),
    "chat.getPermalink": (chat_get_permalink, ""),
    "conversations.open": (conversations_open, ""),
    "conversations.history": (conversations_history, ""),
    "conversations.replies": (conversations_replies, ""),
    "views.open": (views_open, ""),
    "views.update": (views_update, ""),
    "files.getUploadURLExternal": (files_get_upload_url_external, "files:write"),
    "files.completeUploadExternal": (files_complete_upload_external, "files:write"),
}
