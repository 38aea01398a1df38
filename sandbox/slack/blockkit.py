"""Block Kit validation as strict as Slack's, with slack_sdk's models plus the limits they do not check.

Errors read like Slack's: a message followed by `[json-pointer:/blocks/3/text]`.
"""

from __future__ import annotations

import copy
import secrets
from typing import Any

from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

MAX_MESSAGE_BLOCKS = 50
MAX_MODAL_BLOCKS = 100
MAX_FIELD_TEXT = 2000
MAX_VIEW_TEXT = 24
ELEMENTS_WITH_PLAIN_TEXT = ("button",)


def with_block_ids(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Copies of the blocks, each with a block_id: Slack makes one up where the app gave none."""
    completed = copy.deepcopy(blocks)
    for block in completed:
        block.setdefault("block_id", secrets.token_urlsafe(4))
    return completed


def message_block_errors(blocks: Any) -> list[str]:
    return _blocks_errors(blocks, limit=MAX_MESSAGE_BLOCKS, pointer="/blocks")


def view_errors(view: Any) -> list[str]:
    """Why Slack would refuse this modal (views.open, views.update), or nothing."""
    if not isinstance(view, dict):
        return ["must be an object [json-pointer:/view]"]
    if view.get("type") != "modal":
        return [f"unsupported view type {view.get('type')!r} [json-pointer:/view/type]"]
    errors = _view_shape_errors(view)
    blocks = view.get("blocks")
    errors += _blocks_errors(blocks, limit=MAX_MODAL_BLOCKS, pointer="/view/blocks")
    if errors:
        return errors
    try:
        View(**view).to_dict()
    except Exception as error:  # the models raise several types; each one is a refusal
        return [f"{error} [json-pointer:/view]"]
    return []


def _view_shape_errors(view: dict[str, Any]) -> list[str]:
    errors = []
    for key in ("title", "submit", "close"):
        text = _plain_text(view.get(key))
        if key == "title" and text is None:
            errors.append("missing required field: title [json-pointer:/view/title]")
        elif text is not None and not 0 < len(text) <= MAX_VIEW_TEXT:
            errors.append(f"must be 1 to {MAX_VIEW_TEXT} characters [json-pointer:/view/{key}/text]")
    has_input = any(isinstance(b, dict) and b.get("type") == "input" for b in view.get("blocks") or [])
    if has_input and view.get("submit") is None:
        errors.append("must provide submit when the view has input blocks [json-pointer:/view/submit]")
    return errors


def _plain_text(value: Any) -> str | None:
    if isinstance(value, dict):
        return str(value.get("text", ""))
    return value if isinstance(value, str) else None


def _blocks_errors(blocks: Any, *, limit: int, pointer: str) -> list[str]:
    if not isinstance(blocks, list):
        return [f"must be an array [json-pointer:{pointer}]"]
    if len(blocks) > limit:
        return [f"no more than {limit} items allowed [json-pointer:{pointer}]"]
    errors = []
    seen_block_ids: set[str] = set()
    for index, block in enumerate(blocks):
        at = f"{pointer}/{index}"
        errors += _block_errors(block, at)
        block_id = block.get("block_id") if isinstance(block, dict) else None
        if block_id in seen_block_ids:
            errors.append(f"duplicate block_id {block_id!r} [json-pointer:{at}/block_id]")
        if block_id:
            seen_block_ids.add(block_id)
    return errors


def _block_errors(block: Any, at: str) -> list[str]:
    if not isinstance(block, dict) or not isinstance(block.get("type"), str):
        return [f"missing required field: type [json-pointer:{at}]"]
    try:
        parsed = Block.parse(block)
        if parsed is None:
            return [f"unsupported type: {block['type']} [json-pointer:{at}/type]"]
        parsed.to_dict()  # validates the block and, recursively, its elements
    except Exception as error:  # the models raise several types; each one is a refusal
        return [f"{error} [json-pointer:{at}]"]
    return _limits_the_models_miss(block, at)


def _limits_the_models_miss(block: dict[str, Any], at: str) -> list[str]:
    errors = []
    for index, item in enumerate(block.get("fields") or []):
        if len(str(item.get("text", ""))) > MAX_FIELD_TEXT:
            errors.append(
                f"must be less than {MAX_FIELD_TEXT + 1} characters [json-pointer:{at}/fields/{index}]"
            )
    elements = list(block.get("elements") or []) if block["type"] == "actions" else []
    if isinstance(block.get("accessory"), dict):
        elements.append(block["accessory"])
    action_ids = [e.get("action_id") for e in elements if e.get("action_id")]
    if len(action_ids) != len(set(action_ids)):
        errors.append(f"duplicate action_id in one block [json-pointer:{at}]")
    for element in elements:
        text = element.get("text")
        needs_plain_text = element.get("type") in ELEMENTS_WITH_PLAIN_TEXT and isinstance(text, dict)
        if needs_plain_text and text.get("type") != "plain_text":
            errors.append(f"button text must be plain_text [json-pointer:{at}]")
    return errors
