"""The outside systems as the workflow sees them: small interfaces, one real adapter and one fake each."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from bot.domain.command import DryRunCommand
from bot.domain.model import ConsoleResult


@dataclass(frozen=True)
class CardSnapshot:
    """A card as one poll of the board sees it."""

    id: str
    name: str
    desc: str
    list_id: str
    label_ids: tuple[str, ...] = ()
    last_activity: str = ""
    short_link: str = ""

    @property
    def url(self) -> str:
        return f"https://trello.com/c/{self.short_link or self.id}"


@dataclass(frozen=True)
class Comment:
    id: str
    text: str
    author_id: str = ""  # the Trello member who wrote it


@dataclass(frozen=True)
class Attachment:
    id: str
    name: str
    author_id: str = ""


@dataclass(frozen=True)
class Checklist:
    id: str
    name: str
    items: tuple[str, ...] = ()
    author_id: str = ""  # the Trello member who added it to the card


@dataclass(frozen=True)
class BoardLayout:
    """Names on the board → ids, resolved once at start-up (so an idle poll costs one request)."""

    lists: dict[str, str] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)


class Board(Protocol):
    def layout(self) -> BoardLayout: ...
    def open_cards(self) -> list[CardSnapshot]: ...
    def card(self, card_id: str) -> CardSnapshot: ...
    def member_id(self) -> str: ...
    def comments(self, card_id: str) -> list[Comment]: ...
    def comment(self, card_id: str, text: str) -> str: ...
    def attachments(self, card_id: str) -> list[Attachment]: ...
    def attach(self, card_id: str, *, filename: str, data: bytes, mime_type: str) -> str: ...
    def move(self, card_id: str, list_id: str) -> None: ...
    def add_label(self, card_id: str, label_id: str) -> None: ...
    def checklists(self, card_id: str) -> list[Checklist]: ...
    def add_checklist(self, card_id: str, name: str, items: Sequence[str]) -> str: ...
    def add_checklist_items(self, checklist_id: str, items: Sequence[str]) -> None: ...


class Console(Protocol):
    def run(self, command: DryRunCommand) -> ConsoleResult: ...
    def migration_help(self) -> ConsoleResult: ...
    def close(self) -> None: ...


@dataclass(frozen=True)
class MessageRef:
    """A Slack message: its conversation (C… or D…, never a U… id) and timestamp."""

    channel: str
    ts: str


class Chat(Protocol):
    """Slack as the bot uses it; the Slack adapter and the fake implement it."""

    def post(
        self, channel: str, *, text: str, blocks: list[dict], metadata: dict | None = None
    ) -> MessageRef: ...
    def update(self, ref: MessageRef, *, text: str, blocks: list[dict]) -> None: ...
    def reply(self, ref: MessageRef, text: str) -> None: ...
    def upload(self, ref: MessageRef, *, filename: str, data: bytes, title: str) -> None: ...
    def ephemeral(self, channel: str, user_id: str, text: str) -> None: ...
    def open_modal(self, trigger_id: str, view: dict) -> None: ...
    def user_name(self, user_id: str) -> str: ...
    def direct_channel(self, user_id: str) -> str: ...
    def find_posted(self, channel: str, metadata: dict) -> MessageRef | None: ...
    def has_file(self, ref: MessageRef, filename: str) -> bool: ...


Clock = Callable[[], float]
