"""The one place where adapters are plugged in: settings → store, board, console, workflow (and Slack)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.console.runner import build_runner
from bot.ports import Board, Console
from bot.settings import Settings
from bot.store import Store
from bot.trello import TrelloBoard, TrelloHttp
from bot.workflow import Lists, Workflow

log = logging.getLogger("migrabot")


class SetupError(Exception):
    """The board or a setting is not ready; the message says what to do, in French."""


@dataclass
class Service:
    settings: Settings
    store: Store
    board: TrelloBoard
    console: Console
    workflow: Workflow

    def close(self) -> None:
        self.console.close()
        self.board.http.close()
        self.store.close()


def build_board(settings: Settings, **http_options: object) -> TrelloBoard:
    missing = [
        name
        for name, value in (
            ("TRELLO_API_KEY", settings.trello_api_key),
            ("TRELLO_TOKEN", settings.trello_token.get_secret_value()),
            ("TRELLO_BOARD_ID", settings.trello_board_id),
        )
        if not value
    ]
    if missing:
        raise SetupError(f"réglages Trello manquants : {', '.join(missing)} (voir .env.example)")
    http = TrelloHttp(base_url=settings.trello_api_base_url, **http_options)  # type: ignore[arg-type]
    return TrelloBoard(
        http=http,
        api_key=settings.trello_api_key,
        token=settings.trello_token.get_secret_value(),
        board_id=settings.trello_board_id,
    )


def resolve_lists(board: Board, settings: Settings) -> Lists:
    layout = board.layout()
    wanted = {
        "TRELLO_LIST_TODO": settings.trello_list_todo,
        "TRELLO_LIST_WAITING": settings.trello_list_waiting,
        "TRELLO_LIST_FIX": settings.trello_list_fix,
        "TRELLO_LIST_APPROVED": settings.trello_list_approved,
    }
    missing = [f"« {name} » ({setting})" for setting, name in wanted.items() if name not in layout.lists]
    if missing:
        raise SetupError(
            "listes introuvables sur le tableau : "
            + ", ".join(missing)
            + " — créez-les ou lancez `migrabot doctor --fix`"
        )
    label = layout.labels.get(settings.trello_card_label)
    if label is None:
        log.warning(
            "label %r not found: migration cards are recognised by their title only",
            settings.trello_card_label,
        )
    return Lists(
        todo=layout.lists[settings.trello_list_todo],
        waiting=layout.lists[settings.trello_list_waiting],
        fix=layout.lists[settings.trello_list_fix],
        approved=layout.lists[settings.trello_list_approved],
        label=label,
    )


def build_service(settings: Settings, **http_options: object) -> Service:
    board = build_board(settings, **http_options)
    lists = resolve_lists(board, settings)
    store = Store(settings.state_db)
    console = build_runner(settings)
    workflow = Workflow(board=board, console=console, store=store, settings=settings, lists=lists)
    return Service(settings=settings, store=store, board=board, console=console, workflow=workflow)
