"""Handlers for members, boards, lists, labels and batch."""

from __future__ import annotations

from typing import Any

from sandbox.trello.api import Call, invalid_value
from sandbox.trello.render import (
    BOARD_DEFAULT_FIELDS,
    LABEL_COLORS,
    board_json,
    card_json,
    label_json,
    list_json,
    member_json,
    project,
)
from sandbox.trello.routes_cards import card_extras
from sandbox.trello.store import Board, Card, Store, TrelloList

BATCH_LIMIT = 10
CARD_FILTERS = ("all", "closed", "complete", "incomplete", "none", "open", "visible")
LIST_FILTERS = ("all", "closed", "none", "open")


def get_member(call: Call) -> dict[str, Any]:
    member = call.store.member(call.path("id"))
    full = member_json(member, board_ids=call.store.boards)
    return project(full, call.text("fields"))


def get_board(call: Call) -> dict[str, Any]:
    board = call.store.board(call.path("id"))
    return project(board_json(call.store, board), call.text("fields"), default=BOARD_DEFAULT_FIELDS)


def get_board_lists(call: Call) -> list[dict[str, Any]]:
    board = call.store.board(call.path("id"))
    lists = _filter_lists(call.store.board_lists(board), call.text("filter", default="open"))
    card_filter = call.text("cards", default="none")
    rendered = []
    for trello_list in lists:
        item = project(list_json(trello_list), call.text("fields"))
        if card_filter != "none":
            cards = [card for card in call.store.board_cards(board) if card.id_list == trello_list.id]
            item["cards"] = [
                project(card_json(call.store, card), call.text("card_fields"))
                for card in _filter_cards(call.store, cards, card_filter)
            ]
        rendered.append(item)
    return rendered


def _filter_lists(lists: list[TrelloList], list_filter: str | None) -> list[TrelloList]:
    if list_filter not in LIST_FILTERS:
        raise invalid_value("filter")
    if list_filter == "none":
        return []
    return [item for item in lists if list_filter == "all" or item.closed == (list_filter == "closed")]


def get_board_labels(call: Call) -> list[dict[str, Any]]:
    board = call.store.board(call.path("id"))
    limit = int(call.text("limit", default="50") or 50)
    if not 0 <= limit <= 1000:
        raise invalid_value("limit")
    labels = call.store.board_labels(board)[:limit]
    return [project(label_json(call.store, label), call.text("fields")) for label in labels]


def post_board_label(call: Call) -> dict[str, Any]:
    return _create_label(call, call.store.board(call.path("id")))


def post_label(call: Call) -> dict[str, Any]:
    return _create_label(call, _board_param(call))


def _create_label(call: Call, board: Board) -> dict[str, Any]:
    color = call.text("color")
    if color in ("", "null"):
        color = None
    if color is not None and color not in LABEL_COLORS:
        raise invalid_value("color")
    label = call.store.create_label(board, call.text("name", default="") or "", color)
    return label_json(call.store, label)


def get_label(call: Call) -> dict[str, Any]:
    label = call.store.label(call.path("id"))
    return project(label_json(call.store, label), call.text("fields"))


def post_list(call: Call) -> dict[str, Any]:
    return _create_list(call, _board_param(call))


def post_board_list(call: Call) -> dict[str, Any]:
    return _create_list(call, call.store.board(call.path("id")))


def _create_list(call: Call, board: Board) -> dict[str, Any]:
    name = call.required_text("name")
    try:
        trello_list = call.store.create_list(board, name, pos=call.params.get("pos"))
    except ValueError:
        raise invalid_value("pos") from None
    return list_json(trello_list)


def get_list(call: Call) -> dict[str, Any]:
    return project(list_json(call.store.list(call.path("id"))), call.text("fields"))


def _board_param(call: Call) -> Board:
    return call.entity("idBoard", call.store.board)


def get_board_cards(call: Call) -> list[dict[str, Any]]:
    """`/boards/{id}/cards` and `/boards/{id}/cards/{filter}`, with the nested-resource parameters
    `fields`, `customFieldItems`, `checklists` and `attachments`."""
    board = call.store.board(call.path("id"))
    card_filter = call.path_params.get("filter") or call.text("filter", default="open")
    cards = _filter_cards(call.store, call.store.board_cards(board), card_filter)
    return [board_card_json(call, card) for card in cards]


def board_card_json(call: Call, card: Card) -> dict[str, Any]:
    return {**project(card_json(call.store, card), call.text("fields")), **card_extras(call, card)}


def _filter_cards(store: Store, cards: list[Card], card_filter: str | None) -> list[Card]:
    if card_filter not in CARD_FILTERS:
        raise invalid_value("filter")
    open_lists = {item.id for item in store.lists.values() if not item.closed}
    keep = {
        "all": lambda card: True,
        "none": lambda card: False,
        "open": lambda card: not card.closed,
        "closed": lambda card: card.closed,
        "visible": lambda card: not card.closed and card.id_list in open_lists,
        "complete": lambda card: card.due_complete,
        "incomplete": lambda card: not card.due_complete,
    }[card_filter]
    return [card for card in cards if keep(card)]


def get_batch(call: Call) -> list[dict[str, Any]]:
    """Up to 10 GET routes, each answered as `{"<status>": body}`."""
    urls = _split_batch_urls(call.required_text("urls"))
    if not urls or len(urls) > BATCH_LIMIT:
        raise invalid_value("urls")
    assert call.get_route is not None
    answers = []
    for url in urls:
        reply = call.get_route(url)
        answers.append({str(reply.status): reply.body})
    return answers


def _split_batch_urls(urls: str) -> list[str]:
    """Routes are comma-separated, but `fields=a,b` inside one route has commas too: a new route starts
    only where a comma is followed by a slash."""
    parts: list[str] = []
    for piece in urls.split(","):
        if piece.startswith("/") or not parts:
            parts.append(piece)
        else:
            parts[-1] += "," + piece
    return [part.strip() for part in parts if part.strip()]
