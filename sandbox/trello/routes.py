"""The sandbox's route table: (method, path as the OpenAPI writes it) → handler.

Only documented operations are served (a test checks each template against the OpenAPI), so a request the
real API does not document fails here too, instead of passing silently.
"""

from __future__ import annotations

from sandbox.trello import routes_boards as boards
from sandbox.trello import routes_cards as cards
from sandbox.trello.api import Route, Router, route

ROUTES: tuple[Route, ...] = (
    route("GET", "/members/{id}", boards.get_member),
    route("GET", "/boards/{id}", boards.get_board),
    route("GET", "/boards/{id}/lists", boards.get_board_lists),
    route("POST", "/boards/{id}/lists", boards.post_board_list),
    route("GET", "/boards/{id}/labels", boards.get_board_labels),
    route("POST", "/boards/{id}/labels", boards.post_board_label),
    route("GET", "/boards/{id}/cards", boards.get_board_cards),
    route("GET", "/boards/{id}/cards/{filter}", boards.get_board_cards),
    route("GET", "/lists/{id}", boards.get_list),
    route("POST", "/lists", boards.post_list),
    route("GET", "/labels/{id}", boards.get_label),
    route("POST", "/labels", boards.post_label),
    route("GET", "/batch", boards.get_batch),
    route("POST", "/cards", cards.post_card),
    route("GET", "/cards/{id}", cards.get_card),
    route("PUT", "/cards/{id}", cards.put_card),
    route("GET", "/cards/{id}/pluginData", cards.get_card_plugin_data),
    route("POST", "/cards/{id}/idLabels", cards.post_card_label),
    route("DELETE", "/cards/{id}/idLabels/{idLabel}", cards.delete_card_label),
    route("POST", "/cards/{id}/actions/comments", cards.post_comment),
    route("DELETE", "/cards/{id}/actions/{idAction}/comments", cards.delete_card_comment),
    route("GET", "/cards/{id}/actions", cards.get_card_actions),
    route("PUT", "/actions/{id}", cards.put_action),
    route("PUT", "/actions/{id}/text", cards.put_action_text),
    route("DELETE", "/actions/{id}", cards.delete_action),
    route("GET", "/cards/{id}/attachments", cards.get_attachments),
    route("POST", "/cards/{id}/attachments", cards.post_attachment),
    route("DELETE", "/cards/{id}/attachments/{idAttachment}", cards.delete_attachment),
    route("GET", "/cards/{id}/checklists", cards.get_card_checklists),
    route("POST", "/cards/{id}/checklists", cards.post_card_checklist),
    route("POST", "/checklists", cards.post_checklist),
    route("GET", "/checklists/{id}", cards.get_checklist),
    route("PUT", "/checklists/{id}", cards.put_checklist),
    route("POST", "/checklists/{id}/checkItems", cards.post_check_item),
    route("PUT", "/cards/{id}/checkItem/{idCheckItem}", cards.put_card_check_item),
)

ROUTER = Router(ROUTES)
