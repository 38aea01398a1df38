"""The sandbox Trello's in-memory world: boards, lists, labels, cards, actions, attachments, checklists.

Entities are plain mutable records owned by one `Store`; the store hands out Trello-like ids and short links
and a clock whose timestamps strictly increase, so that every change visibly bumps `dateLastActivity`.
Callers hold `store.lock` around reads and writes (the HTTP layer does it per request).
"""

from __future__ import annotations

import random
import re
import string
import threading
import time
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

POS_STEP = 16384.0
TRELLO_ID = re.compile(r"^[0-9a-fA-F]{24}$")
SHORT_LINK = re.compile(r"^[0-9A-Za-z]{8}$")


class NotFound(LookupError):
    """A well-formed id that names nothing."""


class InvalidId(ValueError):
    """Something that cannot be an id at all."""


@dataclass
class Member:
    id: str
    username: str
    full_name: str
    initials: str


@dataclass
class Board:
    id: str
    short_link: str
    name: str
    desc: str = ""
    closed: bool = False
    date_last_activity: datetime | None = None


@dataclass
class TrelloList:
    id: str
    id_board: str
    name: str
    pos: float
    closed: bool = False


@dataclass
class Label:
    id: str
    id_board: str
    name: str
    color: str | None


@dataclass
class CheckItem:
    id: str
    id_checklist: str
    name: str
    pos: float
    state: str = "incomplete"


@dataclass
class Checklist:
    id: str
    id_board: str
    id_card: str
    name: str
    pos: float
    items: list[CheckItem] = field(default_factory=list)


@dataclass
class Attachment:
    id: str
    id_card: str
    id_member: str
    name: str
    mime_type: str
    date: datetime
    pos: float
    content: bytes | None = None  # None for a link attachment
    url: str = ""
    file_name: str | None = None


@dataclass
class Action:
    id: str
    type: str
    date: datetime
    id_member_creator: str
    id_card: str | None
    data: dict[str, Any]


@dataclass
class Card:
    id: str
    short_link: str
    id_short: int
    id_board: str
    id_list: str
    name: str
    desc: str
    pos: float
    date_last_activity: datetime
    closed: bool = False
    due: str | None = None
    due_complete: bool = False
    id_labels: list[str] = field(default_factory=list)
    id_checklists: list[str] = field(default_factory=list)
    id_attachments: list[str] = field(default_factory=list)


class MonotonicClock:
    """UTC, millisecond precision, and never the same instant twice."""

    def __init__(self) -> None:
        self._last = datetime.min.replace(tzinfo=UTC)

    def tick(self) -> datetime:
        now = datetime.now(UTC)
        now = now.replace(microsecond=now.microsecond // 1000 * 1000)
        self._last = max(now, self._last + timedelta(milliseconds=1))
        return self._last


class IdMaker:
    """Mongo-style 24-hex ids (creation time first, like Trello's) and 8-character short links."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._counter = rng.randrange(1 << 24)
        self._process = rng.getrandbits(40)

    def object_id(self) -> str:
        self._counter = (self._counter + 1) % (1 << 24)
        return f"{int(time.time()):08x}{self._process:010x}{self._counter:06x}"

    def short_link(self) -> str:
        return "".join(self._rng.choices(string.ascii_letters + string.digits, k=8))


class Store:
    def __init__(self, *, seed: int | None = None) -> None:
        self.lock = threading.RLock()
        self.clock = MonotonicClock()
        self.ids = IdMaker(random.Random(seed))
        self.me = Member(self.ids.object_id(), "migrabot", "Migrabot", "MB")
        self.human = Member(self.ids.object_id(), "romainlacits", "Romain Lacits", "RL")
        self.others: list[Member] = []  # more people of the team (add_member)
        self.boards: dict[str, Board] = {}
        self.lists: dict[str, TrelloList] = {}
        self.labels: dict[str, Label] = {}
        self.cards: dict[str, Card] = {}
        self.actions: dict[str, Action] = {}
        self.attachments: dict[str, Attachment] = {}
        self.checklists: dict[str, Checklist] = {}
        self.check_items: dict[str, CheckItem] = {}

    # --- lookups (boards and cards also answer to their short link, like Trello)

    def board(self, ref: str) -> Board:
        return self._by_ref(self.boards, ref, short_links=True)

    def card(self, ref: str) -> Card:
        return self._by_ref(self.cards, ref, short_links=True)

    def list(self, ref: str) -> TrelloList:
        return self._by_ref(self.lists, ref)

    def label(self, ref: str) -> Label:
        return self._by_ref(self.labels, ref)

    def action(self, ref: str) -> Action:
        return self._by_ref(self.actions, ref)

    def checklist(self, ref: str) -> Checklist:
        return self._by_ref(self.checklists, ref)

    def check_item(self, ref: str) -> CheckItem:
        return self._by_ref(self.check_items, ref)

    def member(self, ref: str) -> Member:
        for member in (self.me, self.human, *self.others):
            if ref in (member.id, member.username) or (ref == "me" and member is self.me):
                return member
        raise NotFound(ref)

    def _by_ref(self, table: dict[str, Any], ref: str, *, short_links: bool = False) -> Any:
        if TRELLO_ID.match(ref):
            found = table.get(ref.lower())
        elif short_links and SHORT_LINK.match(ref):
            found = next((item for item in table.values() if item.short_link == ref), None)
        else:
            raise InvalidId(ref)
        if found is None:
            raise NotFound(ref)
        return found

    # --- boards, lists, labels

    def create_board(self, name: str, *, board_id: str | None = None) -> Board:
        board = Board(board_id or self.ids.object_id(), self.ids.short_link(), name)
        board.date_last_activity = self.clock.tick()
        self.boards[board.id] = board
        return board

    def create_list(self, board: Board, name: str, *, pos: Any = None) -> TrelloList:
        siblings = [item.pos for item in self.lists.values() if item.id_board == board.id]
        trello_list = TrelloList(self.ids.object_id(), board.id, name, position(pos, siblings))
        self.lists[trello_list.id] = trello_list
        return trello_list

    def create_label(self, board: Board, name: str, color: str | None) -> Label:
        label = Label(self.ids.object_id(), board.id, name, color)
        self.labels[label.id] = label
        return label

    def board_lists(self, board: Board) -> list[TrelloList]:
        return sorted(
            (item for item in self.lists.values() if item.id_board == board.id), key=lambda i: i.pos
        )

    def board_labels(self, board: Board) -> list[Label]:
        return [label for label in self.labels.values() if label.id_board == board.id]

    def board_cards(self, board: Board) -> list[Card]:
        list_order = {item.id: index for index, item in enumerate(self.board_lists(board))}
        cards = [card for card in self.cards.values() if card.id_board == board.id]
        return sorted(cards, key=lambda card: (list_order.get(card.id_list, 0), card.pos))

    # --- cards

    def create_card(
        self,
        trello_list: TrelloList,
        name: str,
        *,
        desc: str = "",
        label_ids: list[str] | tuple[str, ...] = (),
        pos: Any = None,
        due: str | None = None,
        by: Member | None = None,
    ) -> Card:
        board = self.boards[trello_list.id_board]
        siblings = [card.pos for card in self.cards.values() if card.id_list == trello_list.id]
        id_short = 1 + sum(1 for card in self.cards.values() if card.id_board == board.id)
        card = Card(
            id=self.ids.object_id(),
            short_link=self.ids.short_link(),
            id_short=id_short,
            id_board=board.id,
            id_list=trello_list.id,
            name=name,
            desc=desc,
            pos=position(pos, siblings),
            date_last_activity=self.clock.tick(),
            due=due,
            id_labels=list(dict.fromkeys(label_ids)),
        )
        self.cards[card.id] = card
        self.record(card, "createCard", by=by or self.me, data={"list": _list_ref(trello_list)})
        return card

    def update_card(self, card: Card, *, by: Member, **changes: Any) -> Card:
        """Apply changes (`name`, `desc`, `closed`, `id_list`, `pos`, `due`, `due_complete`, `id_labels`),
        recording an `updateCard` action like Trello's, with the old values under `data.old`."""
        old = {}
        for attribute, value in changes.items():
            if getattr(card, attribute) != value:
                old[_camel(attribute)] = getattr(card, attribute)
        if "id_list" in changes and changes["id_list"] != card.id_list:
            before, after = self.lists[card.id_list], self.lists[changes["id_list"]]
            siblings = [other.pos for other in self.cards.values() if other.id_list == after.id]
            changes.setdefault("pos", position("bottom", siblings))
            extra = {"listBefore": _list_ref(before), "listAfter": _list_ref(after)}
        else:
            extra = {"list": _list_ref(self.lists[card.id_list])}
        for attribute, value in changes.items():
            setattr(card, attribute, value)
        self.touch(card)
        if old:
            self.record(card, "updateCard", by=by, data={**extra, "old": old})
        return card

    def touch(self, card: Card) -> None:
        card.date_last_activity = self.clock.tick()
        self.boards[card.id_board].date_last_activity = card.date_last_activity

    # --- actions (comments are `commentCard` actions)

    def record(self, card: Card, action_type: str, *, by: Member, data: dict[str, Any]) -> Action:
        board = self.boards[card.id_board]
        action = Action(
            id=self.ids.object_id(),
            type=action_type,
            date=self.clock.tick(),
            id_member_creator=by.id,
            id_card=card.id,
            data={
                **data,
                "card": {
                    "id": card.id,
                    "name": card.name,
                    "idShort": card.id_short,
                    "shortLink": card.short_link,
                },
                "board": {"id": board.id, "name": board.name, "shortLink": board.short_link},
            },
        )
        self.actions[action.id] = action
        return action

    def add_member(self, username: str, full_name: str) -> Member:
        initials = "".join(word[0] for word in full_name.split()[:2]).upper()
        member = Member(self.ids.object_id(), username, full_name, initials)
        self.others.append(member)
        return member

    def add_comment(self, card: Card, text: str, *, by: Member) -> Action:
        action = self.record(
            card, "commentCard", by=by, data={"text": text, "list": _list_ref(self.lists[card.id_list])}
        )
        self.touch(card)
        return action

    def record_check_item_state(self, card: Card, item: CheckItem, *, by: Member) -> Action:
        checklist = self.checklists[item.id_checklist]
        return self.record(
            card,
            "updateCheckItemStateOnCard",
            by=by,
            data={
                "checkItem": {"id": item.id, "name": item.name, "state": item.state},
                "checklist": {"id": checklist.id, "name": checklist.name},
            },
        )

    def edit_comment(self, action: Action, text: str) -> Action:
        action.data["text"] = text
        action.data["dateLastEdited"] = self.clock.tick()
        if action.id_card in self.cards:
            self.touch(self.cards[action.id_card])
        return action

    def delete_action(self, action: Action) -> None:
        del self.actions[action.id]
        if action.id_card in self.cards:
            self.touch(self.cards[action.id_card])

    def card_actions(self, card: Card) -> list[Action]:
        """Newest first, like Trello."""
        actions = [action for action in self.actions.values() if action.id_card == card.id]
        return sorted(actions, key=lambda action: action.date, reverse=True)

    # --- attachments

    def attach(
        self,
        card: Card,
        *,
        name: str,
        mime_type: str,
        content: bytes | None,
        url: str,
        file_name: str | None,
        by: Member,
    ) -> Attachment:
        attachment_id = self.ids.object_id()
        if content is not None:
            url = f"https://trello.com/1/cards/{card.id}/attachments/{attachment_id}/download/{file_name or name}"
        attachment = Attachment(
            id=attachment_id,
            id_card=card.id,
            id_member=by.id,
            name=name,
            mime_type=mime_type,
            date=self.clock.tick(),
            pos=POS_STEP * (len(card.id_attachments) + 1),
            content=content,
            url=url,
            file_name=file_name,
        )
        self.attachments[attachment.id] = attachment
        card.id_attachments.append(attachment.id)
        self.record(
            card, "addAttachmentToCard", by=by, data={"attachment": {"id": attachment.id, "name": name}}
        )
        self.touch(card)
        return attachment

    def delete_attachment(self, card: Card, attachment: Attachment) -> None:
        card.id_attachments.remove(attachment.id)
        del self.attachments[attachment.id]
        self.touch(card)

    def card_attachments(self, card: Card) -> list[Attachment]:
        return [self.attachments[attachment_id] for attachment_id in card.id_attachments]

    # --- checklists

    def add_checklist(self, card: Card, name: str, *, pos: Any = None, by: Member) -> Checklist:
        siblings = [self.checklists[checklist_id].pos for checklist_id in card.id_checklists]
        checklist = Checklist(self.ids.object_id(), card.id_board, card.id, name, position(pos, siblings))
        self.checklists[checklist.id] = checklist
        card.id_checklists.append(checklist.id)
        self.record(card, "addChecklistToCard", by=by, data={"checklist": {"id": checklist.id, "name": name}})
        self.touch(card)
        return checklist

    def add_check_item(self, checklist: Checklist, name: str, *, checked: bool, pos: Any = None) -> CheckItem:
        siblings = [item.pos for item in checklist.items]
        item = CheckItem(
            self.ids.object_id(),
            checklist.id,
            name,
            position(pos, siblings),
            "complete" if checked else "incomplete",
        )
        checklist.items.append(item)
        checklist.items.sort(key=lambda existing: existing.pos)
        self.check_items[item.id] = item
        self.touch(self.cards[checklist.id_card])
        return item

    def card_checklists(self, card: Card) -> list[Checklist]:
        return sorted((self.checklists[i] for i in card.id_checklists), key=lambda checklist: checklist.pos)


def position(pos: Any, siblings: list[float]) -> float:
    """Trello's `pos`: "top", "bottom" (default) or a positive number."""
    if pos in (None, "", "bottom"):
        return max(siblings, default=0.0) + POS_STEP
    if pos == "top":
        return min(siblings, default=POS_STEP * 2) / 2
    value = float(pos)
    if value <= 0:
        raise ValueError(pos)
    return value


def _list_ref(trello_list: TrelloList) -> dict[str, str]:
    return {"id": trello_list.id, "name": trello_list.name}


def _camel(attribute: str) -> str:
    head, *rest = attribute.split("_")
    return head + "".join(part.capitalize() for part in rest)


def slugify(text: str) -> str:
    """The readable tail of a card URL: « Migration des dossiers » → migration-des-dossiers."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
