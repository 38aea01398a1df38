"""Handlers for cards and what hangs on them: labels, comments (actions), attachments, checklists."""

from __future__ import annotations

from typing import Any

from sandbox.trello.api import ApiError, Call, Reply, invalid_value
from sandbox.trello.render import (
    action_json,
    attachment_json,
    board_json,
    card_json,
    check_item_json,
    checklist_json,
    list_json,
    project,
)
from sandbox.trello.store import Action, Card, NotFound, Store, position

MAX_ATTACHMENTS_PER_CARD = 100
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
ATTACHMENT_TEXT_LIMIT = 256
ACTIONS_PAGE_SIZE = 50
DELETED = {"limits": {}}


def card_extras(call: Call, card: Card) -> dict[str, Any]:
    """Nested resources a card read may ask for: attachments, checklists, customFieldItems, actions."""
    store, extras = call.store, {}
    attachments = call.text("attachments", default="false")
    if attachments in ("true", "cover"):
        extras["attachments"] = [attachment_json(a) for a in store.card_attachments(card)]
    if call.text("checklists", default="none") == "all":
        extras["checklists"] = [checklist_json(c) for c in store.card_checklists(card)]
    if call.flag("customFieldItems"):
        extras["customFieldItems"] = []
    if call.text("actions"):
        extras["actions"] = [
            action_json(store, a) for a in _filter_actions(store, card, call.text("actions"))
        ]
    return extras


# --- cards


def get_card(call: Call) -> dict[str, Any]:
    store = call.store
    card = store.card(call.path("id"))
    rendered = {**project(card_json(store, card), call.text("fields")), **card_extras(call, card)}
    if call.flag("list"):
        rendered["list"] = list_json(store.lists[card.id_list])
    if call.flag("board"):
        rendered["board"] = board_json(store, store.boards[card.id_board])
    if call.flag("pluginData"):
        rendered["pluginData"] = []
    return rendered


def get_card_plugin_data(call: Call) -> list[Any]:
    call.store.card(call.path("id"))
    return []


def post_card(call: Call) -> dict[str, Any]:
    store = call.store
    trello_list = call.entity("idList", store.list)
    label_ids = call.id_list("idLabels") or []
    _check_labels(store, trello_list.id_board, label_ids)
    try:
        card = store.create_card(
            trello_list,
            call.text("name", default="") or "",
            desc=call.text("desc", default="") or "",
            label_ids=label_ids,
            pos=call.params.get("pos"),
            due=_due(call),
        )
    except ValueError:
        raise invalid_value("pos") from None
    return card_json(store, card)


def put_card(call: Call) -> dict[str, Any]:
    store = call.store
    card = store.card(call.path("id"))
    changes: dict[str, Any] = {}
    for param, attribute in (("name", "name"), ("desc", "desc")):
        if param in call.params:
            changes[attribute] = call.text(param, default="")
    for param, attribute in (("closed", "closed"), ("dueComplete", "due_complete")):
        if param in call.params:
            changes[attribute] = call.flag(param)
    if call.params.get("idList") is not None:
        target = call.entity("idList", store.list)
        if target.id_board != card.id_board and call.text("idBoard") != target.id_board:
            raise invalid_value("idList")
        changes["id_list"] = target.id
    if call.params.get("idLabels") is not None:
        changes["id_labels"] = call.id_list("idLabels")
        _check_labels(store, card.id_board, changes["id_labels"])
    if "due" in call.params:
        changes["due"] = _due(call)
    if call.params.get("pos") is not None:
        changes["pos"] = _pos(
            call, [other.pos for other in store.cards.values() if other.id_list == card.id_list]
        )
    store.update_card(card, by=store.me, **changes)
    return card_json(store, card)


def _due(call: Call) -> str | None:
    due = call.text("due")
    return None if due in (None, "", "null") else due


def _pos(call: Call, siblings: list[float]) -> float:
    try:
        return position(call.params.get("pos"), siblings)
    except ValueError:
        raise invalid_value("pos") from None


def _check_labels(store: Store, board_id: str, label_ids: list[str]) -> None:
    for label_id in label_ids:
        try:
            label = store.label(label_id)
        except (NotFound, ValueError):
            raise invalid_value("idLabels") from None
        if label.id_board != board_id:
            raise invalid_value("idLabels")


def post_card_label(call: Call) -> list[str]:
    store = call.store
    card = store.card(call.path("id"))
    label_id = call.required_text("value")
    _check_labels(store, card.id_board, [label_id])
    if label_id in card.id_labels:
        raise ApiError(400, "that label is already on the card")
    store.update_card(card, by=store.me, id_labels=[*card.id_labels, label_id])
    return card.id_labels


def delete_card_label(call: Call) -> list[str]:
    store = call.store
    card = store.card(call.path("id"))
    label = store.label(call.path("idLabel"))
    if label.id not in card.id_labels:
        raise NotFound(label.id)
    store.update_card(card, by=store.me, id_labels=[i for i in card.id_labels if i != label.id])
    return card.id_labels


# --- comments and other actions


def post_comment(call: Call) -> dict[str, Any]:
    store = call.store
    card = store.card(call.path("id"))
    action = store.add_comment(card, call.required_text("text"), by=store.me)
    return action_json(store, action)


def get_card_actions(call: Call) -> list[dict[str, Any]]:
    store = call.store
    card = store.card(call.path("id"))
    actions = _filter_actions(store, card, call.text("filter", default="commentCard, updateCard:idList"))
    page = _integer(call, "page", default=0, maximum=19)
    limit = _integer(call, "limit", default=ACTIONS_PAGE_SIZE, maximum=1000)
    start = page * limit
    return [action_json(store, action) for action in actions[start : start + limit]]


def _filter_actions(store: Store, card: Card, action_filter: str | None) -> list[Action]:
    """`all`, or action types such as `commentCard`, `updateCard:idList` (updates that changed idList)."""
    wanted = [item.strip() for item in (action_filter or "all").split(",") if item.strip()]

    def keep(action: Action) -> bool:
        for item in wanted:
            action_type, _, changed = item.partition(":")
            if item == "all" or (
                action.type == action_type and (not changed or changed in action.data.get("old", {}))
            ):
                return True
        return False

    return [action for action in store.card_actions(card) if keep(action)]


def _integer(call: Call, name: str, *, default: int, maximum: int) -> int:
    value = call.text(name)
    if value is None:
        return default
    try:
        number = int(float(value))
    except ValueError:
        raise invalid_value(name) from None
    if not 0 <= number <= maximum:
        raise invalid_value(name)
    return number


def put_action(call: Call) -> Any:
    return _edit_comment(call, call.required_text("text"))


def put_action_text(call: Call) -> Any:
    return _edit_comment(call, call.required_text("value"))


def _edit_comment(call: Call, text: str) -> Any:
    store = call.store
    action = store.action(call.path("id"))
    if action.type != "commentCard":
        raise invalid_value("text")
    if action.id_member_creator != store.me.id:
        return Reply(401, "unauthorized permission requested")
    return action_json(store, store.edit_comment(action, text))


def delete_action(call: Call) -> Any:
    store = call.store
    action = store.action(call.path("id"))
    if action.type != "commentCard" or action.id_member_creator != store.me.id:
        return Reply(401, "unauthorized permission requested")
    store.delete_action(action)
    return DELETED


def delete_card_comment(call: Call) -> dict[str, Any]:
    store = call.store
    card = store.card(call.path("id"))
    action = store.action(call.path("idAction"))
    if action.id_card != card.id:
        raise NotFound(action.id)
    return delete_action(Call(store, {"id": action.id}, call.params))


# --- attachments


def post_attachment(call: Call) -> Any:
    store = call.store
    card = store.card(call.path("id"))
    if len(card.id_attachments) >= MAX_ATTACHMENTS_PER_CARD:
        return Reply(403, "Card has too many attachments")
    upload = call.files.get("file")
    url = call.text("url")
    name = call.text("name", max_length=ATTACHMENT_TEXT_LIMIT)
    mime_type = call.text("mimeType", max_length=ATTACHMENT_TEXT_LIMIT)
    if upload is not None:
        if len(upload.data) > MAX_ATTACHMENT_BYTES:
            return Reply(413, "request entity too large")
        file_name = upload.filename or name or "upload"
        attachment = store.attach(
            card,
            name=name or file_name,
            mime_type=mime_type or upload.content_type or "application/octet-stream",
            content=upload.data,
            url="",
            file_name=file_name,
            by=store.me,
        )
    elif url and url.startswith(("http://", "https://")):
        attachment = store.attach(
            card,
            name=name or url,
            mime_type=mime_type or "",
            content=None,
            url=url,
            file_name=None,
            by=store.me,
        )
    else:
        raise invalid_value("url" if url else "file")
    return attachment_json(attachment)


def get_attachments(call: Call) -> list[dict[str, Any]]:
    card = call.store.card(call.path("id"))
    if call.text("filter", default="false") == "cover":
        return []
    return [project(attachment_json(a), call.text("fields")) for a in call.store.card_attachments(card)]


def delete_attachment(call: Call) -> dict[str, Any]:
    store = call.store
    card = store.card(call.path("id"))
    attachment_id = call.path("idAttachment").lower()
    if attachment_id not in card.id_attachments:
        raise NotFound(attachment_id)
    store.delete_attachment(card, store.attachments[attachment_id])
    return DELETED


# --- checklists


def get_card_checklists(call: Call) -> list[dict[str, Any]]:
    card = call.store.card(call.path("id"))
    return [project(checklist_json(c), call.text("fields")) for c in call.store.card_checklists(card)]


def post_card_checklist(call: Call) -> dict[str, Any]:
    return _create_checklist(call, call.store.card(call.path("id")))


def post_checklist(call: Call) -> dict[str, Any]:
    return _create_checklist(call, call.entity("idCard", call.store.card))


def _create_checklist(call: Call, card: Card) -> dict[str, Any]:
    store = call.store
    try:
        checklist = store.add_checklist(
            card, call.text("name", default="Checklist") or "", pos=call.params.get("pos"), by=store.me
        )
    except ValueError:
        raise invalid_value("pos") from None
    return checklist_json(checklist)


def get_checklist(call: Call) -> dict[str, Any]:
    checklist = call.store.checklist(call.path("id"))
    rendered = checklist_json(checklist)
    if call.text("checkItems", default="all") == "none":
        rendered.pop("checkItems")
    return project(rendered, call.text("fields"))


def put_checklist(call: Call) -> dict[str, Any]:
    """Renames a checklist (`name`, 1 to 16384 characters); `pos` is not modelled."""
    store = call.store
    checklist = store.checklist(call.path("id"))
    name = call.text("name")
    if name is not None:
        if not name:
            raise invalid_value("name")
        checklist.name = name
        store.touch(store.card(checklist.id_card))
    return checklist_json(checklist)


def post_check_item(call: Call) -> dict[str, Any]:
    store = call.store
    checklist = store.checklist(call.path("id"))
    try:
        item = store.add_check_item(
            checklist, call.required_text("name"), checked=call.flag("checked"), pos=call.params.get("pos")
        )
    except ValueError:
        raise invalid_value("pos") from None
    return check_item_json(item)


def put_card_check_item(call: Call) -> dict[str, Any]:
    store = call.store
    card = store.card(call.path("id"))
    item = store.check_item(call.path("idCheckItem"))
    if store.checklists[item.id_checklist].id_card != card.id:
        raise NotFound(item.id)
    state = call.text("state")
    if state is not None:
        if state not in ("complete", "incomplete"):
            raise invalid_value("state")
        item.state = state
        store.record_check_item_state(card, item, by=store.me)  # Trello's updateCheckItemStateOnCard
    if call.params.get("name") is not None:
        item.name = call.required_text("name")
    store.touch(card)
    return check_item_json(item)
