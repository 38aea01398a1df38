"""The outside systems as the workflow sees them: small interfaces, one real adapter and one fake each."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from bot.domain.apply import ApprovedGroup
from bot.domain.command import DryRunCommand
from bot.domain.decision import Verdict
from bot.domain.lifecycle import CardState
from bot.domain.model import ConsoleResult
from bot.domain.records import Approval, CardRecord, RequestKind, RequestStatus, SlackRequest, TrelloWatch
from bot.domain.triage import Where


@dataclass(frozen=True)
class Lists:
    """The board's lists and label the workflow uses, by id."""

    todo: str
    waiting: str
    fix: str
    approved: str
    done: str
    label: str | None

    def where(self, list_id: str) -> Where:
        named = {
            self.todo: Where.TODO,
            self.waiting: Where.WAITING,
            self.fix: Where.FIX,
            self.approved: Where.APPROVED,
            self.done: Where.DONE,
        }
        return named.get(list_id, Where.ELSEWHERE)


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
    comment_count: int = 0  # Trello's badges.comments: with last_activity, tells that comments moved

    @property
    def url(self) -> str:
        return f"https://trello.com/c/{self.short_link or self.id}"


@dataclass(frozen=True)
class Comment:
    id: str
    text: str
    author_id: str = ""  # the Trello member who wrote it
    posted_at: float = 0.0  # Unix seconds, as Trello dates the comment (0: unknown)


@dataclass(frozen=True)
class Member:
    """A Trello member: the id comments carry, the username an @mention uses."""

    id: str
    username: str
    full_name: str = ""


@dataclass(frozen=True)
class Attachment:
    id: str
    name: str
    author_id: str = ""


@dataclass(frozen=True)
class CheckItem:
    id: str
    name: str
    checked: bool = False


@dataclass(frozen=True)
class Checklist:
    id: str
    name: str
    items: tuple[str, ...] = ()  # the items' names
    entries: tuple[CheckItem, ...] = ()
    author_id: str = ""  # the Trello member who added it to the card (from its addChecklistToCard action)


@dataclass(frozen=True)
class Tick:
    """Somebody ticked or unticked a checklist item (Trello's `updateCheckItemStateOnCard` action)."""

    action_id: str
    item_id: str
    item_name: str
    checked: bool
    member_id: str


@dataclass(frozen=True)
class Execution:
    """A card's checklists and the ticks made on them, newest tick first: read in one request."""

    checklists: tuple[Checklist, ...]
    ticks: tuple[Tick, ...]


@dataclass(frozen=True)
class BoardLayout:
    """Names on the board → ids, resolved once at start-up (so an idle poll costs one request)."""

    lists: dict[str, str] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)


class BoardUnavailable(Exception):
    """Trello could not be reached or refused the request: reporting it on the card would fail too."""


class Board(Protocol):
    def layout(self) -> BoardLayout: ...
    def open_cards(self) -> list[CardSnapshot]: ...
    def card(self, card_id: str) -> CardSnapshot: ...
    def member_id(self) -> str: ...
    def me(self) -> Member: ...
    def member(self, id_or_username: str) -> Member: ...
    def comments(self, card_id: str) -> list[Comment]: ...
    def comment(self, card_id: str, text: str) -> str: ...
    def edit_comment(self, comment_id: str, text: str) -> None: ...
    def attachments(self, card_id: str) -> list[Attachment]: ...
    def attach(self, card_id: str, *, filename: str, data: bytes, mime_type: str) -> str: ...
    def move(self, card_id: str, list_id: str) -> None: ...
    def add_label(self, card_id: str, label_id: str) -> None: ...
    def checklists(self, card_id: str) -> list[Checklist]: ...
    def add_checklist(self, card_id: str, name: str, items: Sequence[str]) -> str: ...
    def add_checklist_items(self, checklist_id: str, items: Sequence[str]) -> None: ...
    def rename_checklist(self, checklist_id: str, name: str) -> None: ...
    def execution(self, card_id: str) -> Execution: ...
    def tick(self, card_id: str, item_id: str) -> None: ...
    def untick(self, card_id: str, item_id: str) -> None: ...


class Console(Protocol):
    """The Symfony console on preprod; the local and SSH runners of `bot.adapters.console` implement it."""

    def run(self, command: DryRunCommand) -> ConsoleResult:
        """Run one dry-run; TypeError for anything else, before any process starts."""
        ...

    def migration_help(self) -> ConsoleResult:
        """Run `help app:migrate-individuals-to-other-organization` (for `doctor`)."""
        ...

    def run_approved(self, group: ApprovedGroup, position: int) -> ConsoleResult:
        """PREPROD_APPLY only: run the group's `position`-th command for real (no `--dry-run`); only the
        execution service calls it, with a group it built from the journaled approval."""
        ...

    def close(self) -> None:
        """Release what the runner keeps open between runs (the SSH master connection)."""
        ...


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


class Store(Protocol):
    """The bot's state: cards and their rounds, the side-effect journal, decisions, Slack requests."""

    def card(self, card_id: str) -> CardRecord | None: ...
    def cards(self) -> list[CardRecord]: ...
    def archive_missing(self, open_card_ids: set[str], *, now: float) -> list[CardRecord]: ...
    def begin_round(
        self,
        card_id: str,
        *,
        description_hash: str,
        short_link: str,
        name: str,
        list_id: str,
        last_activity: str,
        state: CardState,
        now: float,
        renumber: bool = True,
    ) -> CardRecord: ...
    def update_card(self, card_id: str, *, now: float, **fields: object) -> None: ...
    def save_simulation(self, card_id: str, simulation: dict, *, now: float) -> None: ...
    def record_error(
        self, card_id: str, error: str, *, state: CardState, now: float, progressed: bool = False
    ) -> None: ...
    def steps_done(self, card_id: str, *, intent_suffix: str) -> int: ...
    def record_centres(self, card_id: str, centre_ids: set[int]) -> None: ...
    def overlapping_cards(self, card_id: str, centre_ids: set[int]) -> list[tuple[CardRecord, list[int]]]: ...
    def journaled(self, card_id: str, round_: int, description_hash: str, step: str) -> str | None: ...
    def journal(
        self, card_id: str, round_: int, description_hash: str, step: str, result: str, *, now: float
    ) -> None: ...
    def journal_results(self, card_id: str, step_prefix: str, *, round_: int | None = None) -> list[str]: ...
    def decide(
        self,
        card_id: str,
        round_: int,
        description_hash: str,
        decision: Verdict,
        *,
        user_id: str,
        reason: str = "",
        now: float,
        state: CardState | None = None,
    ) -> bool: ...
    def decide_conflict(
        self,
        card_id: str,
        round_: int,
        description_hash: str,
        decision: str,
        *,
        user_id: str,
        state: CardState,
        now: float,
    ) -> bool: ...
    def approval(self, card_id: str, round_: int, description_hash: str) -> Approval | None: ...
    def beat(self, name: str, *, now: float, detail: str = "") -> None: ...
    def instance(self) -> tuple[str, int]: ...
    def last_beat(self, name: str) -> tuple[float, str] | None: ...
    def add_slack_request(self, request: SlackRequest) -> None: ...
    def slack_requests(
        self,
        *,
        card_id: str | None = None,
        status: RequestStatus | None = None,
        kind: RequestKind | None = None,
    ) -> list[SlackRequest]: ...
    def slack_request_by_ts(self, channel: str, ts: str) -> SlackRequest | None: ...
    def trello_watch(self, card_id: str, round_: int, description_hash: str) -> TrelloWatch | None: ...
    def set_trello_watch(self, watch: TrelloWatch) -> None: ...
    def set_slack_request(
        self, request: SlackRequest, *, status: RequestStatus | None = None, reminded_at: float | None = None
    ) -> None: ...


@dataclass(frozen=True)
class DriveFile:
    id: str
    name: str
    link: str  # Drive's `webViewLink`: what people open


class DriveUnavailable(Exception):
    """Drive could not take the file; the message is French, says why, and never holds a credential."""


class Drive(Protocol):
    """The team's Drive folder (runbook step 3, option B); the Drive adapter and the fake implement it."""

    def find(self, name: str) -> DriveFile | None: ...
    def upload(self, *, name: str, data: bytes, mime_type: str) -> DriveFile: ...
