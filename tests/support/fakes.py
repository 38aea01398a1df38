"""Fakes of our own ports for unit tests of the workflow: they record what the bot did."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from bot.app.ports import (
    Attachment,
    BoardLayout,
    CardSnapshot,
    CheckItem,
    Checklist,
    Comment,
    DriveFile,
    DriveUnavailable,
    Execution,
    Member,
    MessageRef,
    Tick,
)
from bot.domain.apply import ApprovedGroup
from bot.domain.command import DryRunCommand
from bot.domain.console_output import display_width
from bot.domain.model import ConsoleResult

LISTS = {
    "À simuler": "list-todo",
    "En attente validation PO": "list-waiting",
    "À corriger": "list-fix",
    "Validé — à exécuter": "list-approved",
    "Terminé": "list-done",
}
LABEL_ID = "label-migration"
BOT_MEMBER = "member-bot"


class SimulatedCrash(BaseException):
    """The process dies right there: not an Exception, so no handler of the bot catches it."""


@dataclass
class FakeCard:
    snapshot: CardSnapshot
    comments: list[Comment] = field(default_factory=list)
    attachments: list[tuple[Attachment, bytes]] = field(default_factory=list)
    checklists: list[tuple[str, str, list[str]]] = field(default_factory=list)  # (id, name, items)
    checked: set[str] = field(default_factory=set)  # item ids « checklist:position »
    ticks: list[Tick] = field(default_factory=list)  # oldest first


class FakeBoard:
    """An in-memory board. `crash_after(n)` kills the « process » right after the n-th side effect landed."""

    def __init__(self) -> None:
        self.cards: dict[str, FakeCard] = {}
        self.calls: list[tuple[str, ...]] = []
        self._ids = itertools.count(1)
        self._crash_at: int | None = None
        self.side_effects = 0
        self.fail_next: Callable[[str], Exception | None] | None = None
        self.checklist_authors: dict[str, str] = {}  # checklists made by people (tests); the bot's otherwise
        self.clock: Callable[[], float] | None = None  # dates the comments when set (Trello's `date`)

    # --- test helpers ----------------------------------------------------------------------------

    def add_card(self, name: str, desc: str, *, list_name: str = "À simuler", labelled: bool = True) -> str:
        card_id = f"card{next(self._ids)}"
        self.cards[card_id] = FakeCard(
            CardSnapshot(
                id=card_id,
                name=name,
                desc=desc,
                list_id=LISTS[list_name],
                label_ids=(LABEL_ID,) if labelled else (),
                last_activity="2026-11-24T10:00:00.000Z",
                short_link=f"s{card_id}",
            )
        )
        return card_id

    def edit(self, card_id: str, *, desc: str | None = None, list_name: str | None = None) -> None:
        card = self.cards[card_id]
        changes = {}
        if desc is not None:
            changes["desc"] = desc
        if list_name is not None:
            changes["list_id"] = LISTS[list_name]
        card.snapshot = replace(card.snapshot, **changes)

    def person_ticks(
        self, card_id: str, item_name: str, *, checked: bool = True, in_checklist: str | None = None
    ) -> None:
        """A person ticks (or unticks) an item of the card's checklists (the first one holding it, or
        `in_checklist`), as Trello records it."""
        card = self.cards[card_id]
        item_id = next(
            f"{checklist_id}:{position}"
            for checklist_id, _, items in card.checklists
            for position, name in enumerate(items)
            if name == item_name and in_checklist in (None, checklist_id)
        )
        self._set_item(card, item_id, item_name, checked=checked, by="member-person")

    def _set_item(self, card: FakeCard, item_id: str, name: str, *, checked: bool, by: str) -> None:
        (card.checked.add if checked else card.checked.discard)(item_id)
        card.ticks.append(Tick(f"action{next(self._ids)}", item_id, name, checked, by))
        card.snapshot = replace(card.snapshot, last_activity=f"activity-{next(self._ids)}")

    def checked_items(self, card_id: str) -> list[str]:
        card = self.cards[card_id]
        return [
            name
            for checklist_id, _, items in card.checklists
            for position, name in enumerate(items)
            if f"{checklist_id}:{position}" in card.checked
        ]

    def list_of(self, card_id: str) -> str:
        return next(
            name for name, list_id in LISTS.items() if list_id == self.cards[card_id].snapshot.list_id
        )

    def comment_texts(self, card_id: str) -> list[str]:
        return [comment.text for comment in self.cards[card_id].comments]

    def add_person_checklist(self, card_id: str, name: str, items: Sequence[str], *, author: str) -> str:
        checklist_id = f"checklist{next(self._ids)}"
        self.cards[card_id].checklists.append((checklist_id, name, list(items)))
        self.checklist_authors[checklist_id] = author
        return checklist_id

    def crash_after(self, count: int | None) -> None:
        self._crash_at = count

    def count_side_effect(self, name: str) -> None:
        """Also called by a FakeChat built with it: Slack effects count towards the same crash point."""
        self._side_effect(name)

    def _side_effect(self, name: str) -> None:
        self.side_effects += 1
        if self._crash_at is not None and self.side_effects >= self._crash_at:
            self._crash_at = None
            raise SimulatedCrash(name)

    def _call(self, *call: str) -> None:
        self.calls.append(call)
        if self.fail_next is not None:
            error = self.fail_next(call[0])
            if error is not None:
                raise error

    # --- the port --------------------------------------------------------------------------------

    def layout(self) -> BoardLayout:
        self._call("layout")
        return BoardLayout(lists=dict(LISTS), labels={"Migration des dossiers usagers": LABEL_ID})

    def open_cards(self) -> list[CardSnapshot]:
        self._call("open_cards")
        return [card.snapshot for card in self.cards.values()]

    def comments(self, card_id: str) -> list[Comment]:
        self._call("comments", card_id)
        return list(reversed(self.cards[card_id].comments))  # newest first, like Trello

    def member_id(self) -> str:
        return BOT_MEMBER

    def me(self) -> Member:
        return Member(id=BOT_MEMBER, username="migrabot", full_name="Migrabot")

    def member(self, id_or_username: str) -> Member:
        return Member(
            id=f"member-{id_or_username}", username=id_or_username, full_name=id_or_username.title()
        )

    def comment(self, card_id: str, text: str, *, author: str = "") -> str:
        """`author`: a person writing on the card (tests); the bot otherwise."""
        self._call("comment", card_id)
        comment_id = f"comment{next(self._ids)}"
        card = self.cards[card_id]
        posted_at = self.clock() if self.clock is not None else 0.0
        card.comments.append(Comment(comment_id, text, author or BOT_MEMBER, posted_at=posted_at))
        # Trello counts the comment in the card's badges and bumps its last activity.
        card.snapshot = replace(
            card.snapshot, comment_count=len(card.comments), last_activity=f"activity-{comment_id}"
        )
        if not author:
            self._side_effect("comment")
        return comment_id

    def edit_comment(self, comment_id: str, text: str) -> None:
        self._call("edit_comment", comment_id)
        for card in self.cards.values():
            for index, comment in enumerate(card.comments):
                if comment.id == comment_id:
                    assert comment.author_id == BOT_MEMBER, "Trello refuses to edit somebody else's comment"
                    card.comments[index] = replace(comment, text=text)
                    self._side_effect("edit_comment")
                    return
        raise AssertionError(f"no comment {comment_id}")

    def attachments(self, card_id: str) -> list[Attachment]:
        self._call("attachments", card_id)
        return [attachment for attachment, _ in self.cards[card_id].attachments]

    def attach(self, card_id: str, *, filename: str, data: bytes, mime_type: str) -> str:
        self._call("attach", card_id)
        attachment_id = f"attachment{next(self._ids)}"
        self.cards[card_id].attachments.append((Attachment(attachment_id, filename, BOT_MEMBER), data))
        self._side_effect("attach")
        return attachment_id

    def move(self, card_id: str, list_id: str) -> None:
        self._call("move", card_id)
        card = self.cards[card_id]
        card.snapshot = replace(card.snapshot, list_id=list_id)
        self._side_effect("move")

    def add_label(self, card_id: str, label_id: str) -> None:
        self._call("add_label", card_id)
        card = self.cards[card_id]
        card.snapshot = replace(card.snapshot, label_ids=(*card.snapshot.label_ids, label_id))
        self._side_effect("add_label")

    def checklists(self, card_id: str) -> list[Checklist]:
        self._call("checklists", card_id)
        return [
            Checklist(
                checklist_id,
                name,
                tuple(items),
                author_id=self.checklist_authors.get(checklist_id, BOT_MEMBER),
            )
            for checklist_id, name, items in self.cards[card_id].checklists
        ]

    def execution(self, card_id: str) -> Execution:
        self._call("execution", card_id)
        card = self.cards[card_id]
        checklists = tuple(
            Checklist(
                checklist_id,
                name,
                tuple(items),
                tuple(
                    CheckItem(f"{checklist_id}:{n}", item, f"{checklist_id}:{n}" in card.checked)
                    for n, item in enumerate(items)
                ),
            )
            for checklist_id, name, items in card.checklists
        )
        return Execution(checklists=checklists, ticks=tuple(reversed(card.ticks)))

    def tick(self, card_id: str, item_id: str) -> None:
        self._call("tick", card_id)
        card = self.cards[card_id]
        checklist_id, position = item_id.split(":")
        name = next(items[int(position)] for found, _, items in card.checklists if found == checklist_id)
        self._set_item(card, item_id, name, checked=True, by=BOT_MEMBER)
        self._side_effect("tick")

    def untick(self, card_id: str, item_id: str) -> None:
        self._call("untick", card_id)
        card = self.cards[card_id]
        checklist_id, position = item_id.split(":")
        name = next(items[int(position)] for found, _, items in card.checklists if found == checklist_id)
        self._set_item(card, item_id, name, checked=False, by=BOT_MEMBER)
        self._side_effect("untick")

    def add_checklist(self, card_id: str, name: str, items: Sequence[str]) -> str:
        self._call("add_checklist", card_id)
        checklist_id = f"checklist{next(self._ids)}"
        self.cards[card_id].checklists.append((checklist_id, name, []))
        self._side_effect("add_checklist")
        self.add_checklist_items(checklist_id, items)
        return checklist_id

    def add_checklist_items(self, checklist_id: str, items: Sequence[str]) -> None:
        for card in self.cards.values():
            for found_id, _, existing in card.checklists:
                if found_id == checklist_id:
                    for item in items:
                        existing.append(item)
                        self._side_effect("check item")

    def rename_checklist(self, checklist_id: str, name: str) -> None:
        self._call("rename_checklist", checklist_id)
        for card in self.cards.values():
            card.checklists = [
                (found, name if found == checklist_id else old, items)
                for found, old, items in card.checklists
            ]
        self._side_effect("rename_checklist")

    def card(self, card_id: str) -> CardSnapshot:
        self._call("card", card_id)
        return self.cards[card_id].snapshot


# --- console -------------------------------------------------------------------------------------

NAMES = {
    4537: "France Fraternités - CHU 75",
    5644: "France Fraternités - CHU 77",
    4960: "France Fraternités - CPH",
    5634: "France Fraternités - DAHAR",
    5645: "France Fraternités - TEH",
}
TOTALS = {4537: 160, 4960: 180, 5644: 0, 5634: 12, 5645: 30}
SELECTED = {
    (4537, "CHU 77"): 41,
    (4537, "CPH"): 10,
    (4537, "DAHAR"): 19,
    (4537, "TEH"): 7,
    (4960, "CHU 75"): 21,
    (4960, "CHU 77"): 37,
    (4960, "DAHAR"): 35,
    (4960, "TEH"): 17,
}


def symfony_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> list[str]:
    """SymfonyStyle's `$io->table()` layout (dashes, no pipes)."""
    cells = [[str(c) for c in headers], *[[str(c) for c in row] for row in rows]]
    widths = [max(display_width(row[i]) for row in cells) for i in range(len(headers))]  # as Helper::width
    rule = " " + " ".join("-" * (w + 2) for w in widths)

    def line(row: list[str]) -> str:
        padded = (cell + " " * (width - display_width(cell)) for cell, width in zip(row, widths, strict=True))
        return " " + " ".join(f" {cell} " for cell in padded).rstrip()

    return [rule, line(cells[0]), rule, *(line(row) for row in cells[1:]), rule]


def dry_run_output(
    *, origin: int, destination: int, migrated: int, accommodations: tuple[int, list[tuple]] | None = None
) -> str:
    before_o, before_d = TOTALS.get(origin, 100), TOTALS.get(destination, 0)
    lines = [
        "",
        "Migration des individus",
        "=======================",
        "",
        " ! [NOTE] Mode simulation (--dry-run) : aucune donnée ne sera modifiée.",
        "",
        *symfony_table(
            ["Rôle", "Centre ID", "Centre Nom", "Nb. suivis", "Après migration"],
            [
                [
                    "Origine",
                    origin,
                    NAMES.get(origin, f"Centre {origin}"),
                    before_o,
                    f"{before_o - migrated} (- {migrated} migrés)",
                ],
                [
                    "Destination",
                    destination,
                    NAMES.get(destination, f"Centre {destination}"),
                    before_d,
                    f"{before_d + migrated} (+ {migrated} entrants)",
                ],
            ],
        ),
        "",
    ]
    if accommodations is not None:
        count, conflicts = accommodations
        lines += [f"Hébergements à migrer: {count}", ""]
        if conflicts:
            lines += [
                "Problème: Hébergements avec individus non migrés rattachés",
                "",
                *symfony_table(
                    ["Centre ID", "Hébergement ID", "Individus non migrés", "Individus migrés"], conflicts
                ),
                "",
            ]
    lines += [" [OK] Simulation terminée.", ""]
    return "\n".join(lines)


class FakeConsole:
    """Answers dry-runs from the runbook's figures; records what it was asked to run."""

    def __init__(self) -> None:
        self.ran: list[tuple[str, ...]] = []
        self.failures: dict[tuple[int, int], ConsoleResult] = {}
        self.conflicts: dict[tuple[int, int], tuple[int, list[tuple]]] = {}
        self.raise_for: set[int] = set()
        self.approved_runs: list[tuple[int, int]] = []  # (group, position) of each real run (PREPROD_APPLY)
        self.approved_failures: dict[tuple[int, int], ConsoleResult] = {}

    def run(self, command: DryRunCommand) -> ConsoleResult:
        arguments = command.arguments()
        assert arguments[-1] == "--dry-run"
        self.ran.append(arguments)
        origin = int(arguments[arguments.index("-o") + 1])
        destination = int(arguments[arguments.index("-d") + 1])
        if origin in self.raise_for:
            raise RuntimeError("console adapter bug")
        if (origin, destination) in self.failures:
            return self.failures[(origin, destination)]
        value = arguments[arguments.index("-t") + 1] if "-t" in arguments else None
        migrated = SELECTED.get((origin, value), 5) if value is not None else TOTALS.get(origin, 100)
        accommodations = None
        if "--withAccommodations" in arguments:
            accommodations = self.conflicts.get((origin, destination), (2, []))
        stdout = dry_run_output(
            origin=origin, destination=destination, migrated=migrated, accommodations=accommodations
        )
        return ConsoleResult(exit_code=0, stdout=stdout, stderr="", duration_s=0.01)

    def run_approved(self, group: ApprovedGroup, position: int) -> ConsoleResult:
        """PREPROD_APPLY: a real run, recorded (without --dry-run); `approved_failures` by position."""
        self.approved_runs.append((group.group, position))
        return self.approved_failures.get((group.group, position)) or ConsoleResult(
            exit_code=0, stdout=" [OK] Migration terminée.", stderr="", duration_s=0.01
        )

    def migration_help(self) -> ConsoleResult:
        return ConsoleResult(
            exit_code=0,
            stdout="Usage:\n  app:migrate-individuals-to-other-organization",
            stderr="",
            duration_s=0.0,
        )

    def close(self) -> None:
        pass


class FakeClock:
    def __init__(self, start: float = 1_790_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class FakeChat:
    """Slack as recorded messages: enough to test who is asked, and how requests end."""

    def __init__(self, *, side_effect: Callable[[str], None] | None = None) -> None:
        self._side_effect = side_effect or (lambda _name: None)  # share a FakeBoard's crash counter
        self.messages: dict[tuple[str, str], dict] = {}
        self.replies: list[tuple[str, str, str]] = []
        self.uploads: list[tuple[str, str, str]] = []
        self.ephemerals: list[tuple[str, str, str]] = []
        self.modals: list[dict] = []
        self._ts = itertools.count(1)

    def post(
        self, channel: str, *, text: str, blocks: list[dict], metadata: dict | None = None
    ) -> MessageRef:
        ref = MessageRef(channel, f"1700000000.{next(self._ts):06d}")
        self.messages[(ref.channel, ref.ts)] = {"text": text, "blocks": blocks, "metadata": metadata}
        self._side_effect("slack post")
        return ref

    def update(self, ref: MessageRef, *, text: str, blocks: list[dict]) -> None:
        assert not ref.channel.startswith("U"), "chat.update needs a conversation id"
        self.messages[(ref.channel, ref.ts)].update(text=text, blocks=blocks)

    def reply(self, ref: MessageRef, text: str) -> None:
        self.replies.append((ref.channel, ref.ts, text))

    def upload(self, ref: MessageRef, *, filename: str, data: bytes, title: str) -> None:
        self.uploads.append((ref.channel, ref.ts, filename))
        self._side_effect("slack upload")

    def ephemeral(self, channel: str, user_id: str, text: str, *, thread_ts: str | None = None) -> None:
        self.ephemerals.append((channel, user_id, text))

    def open_modal(self, trigger_id: str, view: dict) -> None:
        self.modals.append(view)

    def user_name(self, user_id: str) -> str:
        return {"UPO": "Camille", "UPO2": "Dominique"}.get(user_id, user_id)

    def direct_channel(self, user_id: str) -> str:
        return "D" + user_id

    def find_posted(self, channel: str, metadata: dict) -> MessageRef | None:
        for (message_channel, ts), message in self.messages.items():
            if message_channel == channel and message["metadata"] == metadata:
                return MessageRef(channel, ts)
        return None

    def has_file(self, ref: MessageRef, filename: str) -> bool:
        return (ref.channel, ref.ts, filename) in self.uploads

    def buttons(self, channel: str) -> list[tuple[str, str, str]]:
        """(ts, action_id, value) of every button still shown in a channel."""
        found = []
        for (message_channel, ts), message in self.messages.items():
            if message_channel != channel:
                continue
            for block in message["blocks"]:
                for element in block.get("elements", []) if block.get("type") == "actions" else []:
                    found.append((ts, element["action_id"], element["value"]))
        return found

    def outcome(self, channel: str, ts: str) -> str | None:
        blocks = self.messages[(channel, ts)]["blocks"]
        return next((b["text"]["text"] for b in blocks if b.get("block_id") == "outcome"), None)


class FakeDrive:
    """The team's Drive folder: files by name; `refuse` makes every call fail as Drive would, `crash_after_upload`
    kills the process once a file has landed (before the bot could journal it)."""

    def __init__(self) -> None:
        self.files: list[tuple[DriveFile, bytes]] = []
        self.refuse: str | None = None
        self.crash_after_upload = False
        self.calls: list[str] = []

    def find(self, name: str) -> DriveFile | None:
        self.calls.append(f"find {name}")
        if self.refuse:
            raise DriveUnavailable(self.refuse)
        return next((file for file, _ in self.files if file.name == name), None)

    def upload(self, *, name: str, data: bytes, mime_type: str) -> DriveFile:
        self.calls.append(f"upload {name}")
        if self.refuse:
            raise DriveUnavailable(self.refuse)
        number = len(self.files) + 1
        file = DriveFile(id=f"f{number}", name=name, link=f"https://drive.google.com/file/d/f{number}/view")
        self.files.append((file, data))
        if self.crash_after_upload:
            self.crash_after_upload = False
            raise SimulatedCrash("killed after the upload")
        return file
