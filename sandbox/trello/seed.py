"""The demo board: the team's « Reconnect Pro - Tech » board with the runbook's own ticket waiting in
« À simuler » (both centres of the runbook's example, CHU 75 and CPH, four rules each, crossing included)."""

from __future__ import annotations

from typing import Any

from sandbox.tickets import ticket_text
from sandbox.trello.store import Store

BOARD_NAME = "Reconnect Pro - Tech"
LIST_NAMES = ("À simuler", "En attente validation PO", "À corriger", "Validé — à exécuter", "Terminé")
LABEL_NAME = "Migration des dossiers usagers"
LABEL_COLOR = "blue"
CARD_NAME = "Migration des dossiers usagers - France Fraternités CHU 75 et CPH"

RUNBOOK_TICKET = ticket_text("runbook.txt")


def seed_runbook_board(store: Store) -> dict[str, Any]:
    """Create the board and return its ids: board, shortLink, lists (by name), label, card."""
    with store.lock:
        board = store.create_board(BOARD_NAME)
        lists = {name: store.create_list(board, name) for name in LIST_NAMES}
        label = store.create_label(board, LABEL_NAME, LABEL_COLOR)
        card = store.create_card(
            lists[LIST_NAMES[0]], CARD_NAME, desc=RUNBOOK_TICKET, label_ids=[label.id], by=store.human
        )
        return {
            "board": board.id,
            "shortLink": board.short_link,
            "lists": {name: trello_list.id for name, trello_list in lists.items()},
            "label": label.id,
            "card": card.id,
        }
