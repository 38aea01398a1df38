"""What the state database keeps, as the services see it (the SQLite adapter stores and returns these)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.domain.decision import Verdict
from bot.domain.lifecycle import CardState


@dataclass(frozen=True)
class CardRecord:
    card_id: str
    short_link: str
    name: str
    round: int
    description_hash: str  # the description hash of the current round
    state: CardState
    list_id: str
    last_activity: str
    round_started_at: float
    updated_at: float
    last_error: str | None
    simulation: dict | None
    decision: str | None  # the accommodation conflict's decision (a ConflictDecision value)
    decision_by: str | None
    attempts: int = 0  # internal errors in a row in this round
    activity_seen: str = ""  # the card's dateLastActivity when its execution was last read


@dataclass(frozen=True)
class Approval:
    card_id: str
    round: int
    description_hash: str
    decision: Verdict
    user_id: str
    reason: str
    decided_at: float


@dataclass(frozen=True)
class TrelloWatch:
    """What the bot last saw of a waiting card's comments, for one round: its activity mark (comment count and
    last activity, from the poll), the newest comment it read, and when it started waiting and was recalled."""

    card_id: str
    round: int
    description_hash: str
    activity: str
    seen_comment_ids: str  # space-separated: the comments already read (a deleted one changes nothing)
    since: float  # when the request went out (or the first look, while the round still ran)
    reminded_at: float | None = None
    asked: bool = False  # saved once the request was out: a row from before is from another phase


class RequestKind(StrEnum):
    """What a Slack request asks."""

    APPROVAL = "approval"  # the PO approves or refuses
    CONFLICT = "conflict"  # the team settles shared accommodations


class RequestStatus(StrEnum):
    """How a Slack request stands: pending until it is closed, in place, with one of the others."""

    PENDING = "pending"
    APPROVED = "approved"
    REFUSED = "refused"
    DECIDED = "decided"  # a conflict settled
    OBSOLETE = "obsolete"
    EXPIRED = "expired"


@dataclass(frozen=True)
class SlackRequest:
    card_id: str
    round: int
    description_hash: str
    kind: RequestKind
    channel: str
    ts: str
    status: RequestStatus
    created_at: float
    reminded_at: float | None
    text: str = ""
    blocks: str = "[]"  # JSON of the blocks as posted, to update the message in place
