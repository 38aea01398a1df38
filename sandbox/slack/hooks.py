"""The URLs the sandbox hands out besides the Web API: `response_url`s and file `upload_url`s."""

from __future__ import annotations

import json
from typing import Any

from sandbox.slack.blockkit import message_block_errors, with_block_ids
from sandbox.slack.http import HttpReply, HttpRequest, multipart_parts
from sandbox.slack.workspace import ApiError, ResponseTarget, Workspace

RESPONSE_URL_MAX_USES = 5
RESPONSE_URL_LIFETIME_S = 30 * 60


def receive_upload(workspace: Workspace, request: HttpRequest, upload_token: str) -> HttpReply:
    """Step 2 of files_upload_v2: the bytes, raw (as slack_sdk sends them) or as a multipart form."""
    pending = [
        f for f in workspace.files.values() if f["upload_token"] == upload_token and not f["completed"]
    ]
    if request.method != "POST" or not pending:
        return HttpReply.text(404, "Not Found")
    pending[0]["content"] = _uploaded_bytes(request)
    return HttpReply.text(200, f"OK - {len(pending[0]['content'])}")


def _uploaded_bytes(request: HttpRequest) -> bytes:
    if request.content_type != "multipart/form-data":
        return request.body
    parts = multipart_parts(request)
    files = [data for _, filename, data in parts if filename is not None]
    return (files or [data for _, _, data in parts] or [b""])[0]


def answer_response_url(workspace: Workspace, request: HttpRequest, token: str) -> HttpReply:
    """A POST to a `response_url`, as bolt's `respond()` sends it (JSON)."""
    target = workspace.response_targets.get(token)
    if request.method != "POST" or target is None:
        return HttpReply.json(404, {"ok": False, "error": "invalid_url"})
    if target.uses >= RESPONSE_URL_MAX_USES:
        return HttpReply.json(404, {"ok": False, "error": "used_url"})
    if workspace.clock() - target.issued_at > RESPONSE_URL_LIFETIME_S:
        return HttpReply.json(404, {"ok": False, "error": "expired_url"})
    try:
        body = json.loads(request.body or b"{}")
        _apply_response(workspace, target, body if isinstance(body, dict) else {})
    except ValueError:
        return HttpReply.json(400, {"ok": False, "error": "invalid_payload"})
    except ApiError as refusal:
        return HttpReply.json(refusal.status, refusal.body())
    target.uses += 1
    return HttpReply.json(200, {"ok": True})


def _apply_response(workspace: Workspace, target: ResponseTarget, body: dict[str, Any]) -> None:
    if body.get("delete_original") is True:
        _delete_original(workspace, target)
        return
    text, blocks = _response_content(body)
    if body.get("replace_original") is True:
        original = _original(workspace, target)
        original.update(text=text, blocks=blocks)  # the whole message is replaced: absent blocks are gone
        return
    thread_ts = workspace.thread_root(target.channel, body.get("thread_ts"))
    if body.get("response_type") == "in_channel":
        bot = workspace.identity.bot_user_id
        workspace.add_message(channel=target.channel, user=bot, text=text, blocks=blocks, thread_ts=thread_ts)
    else:  # Slack's default for a response is a new ephemeral message to the user who acted
        workspace.add_ephemeral(
            channel=target.channel, user=target.user_id, text=text, blocks=blocks, thread_ts=thread_ts
        )


def _response_content(body: dict[str, Any]) -> tuple[str, list[dict[str, Any]]]:
    text = str(body.get("text") or "")
    blocks = body.get("blocks") or []
    errors = message_block_errors(blocks)
    if errors:
        raise ApiError("invalid_blocks", status=400, errors=errors)
    if not text and not blocks:
        raise ApiError("no_text", status=400)
    return text, with_block_ids(blocks)


def _original(workspace: Workspace, target: ResponseTarget) -> dict[str, Any]:
    ephemeral = workspace.find_ephemeral(target.channel, target.message_ts)
    if ephemeral is not None:
        return ephemeral
    try:
        return workspace.message(target.channel, target.message_ts)
    except ApiError as missing:
        missing.status = 404
        raise


def _delete_original(workspace: Workspace, target: ResponseTarget) -> None:
    original = _original(workspace, target)
    if original.get("is_ephemeral"):
        workspace.ephemerals.remove(original)
    else:
        workspace.delete_message(target.channel, target.message_ts)
