"""What people decide about a card, as events: the PO approves, refuses or asks for a new simulation, the team
settles an accommodation conflict, the clock lets a request expire. Pure.

A Slack click, or a reply in a Slack thread or a Trello comment (read by `bot.domain.replies`), only becomes
one of these; the workflow applies it through one entry and checks everything there (who, which round,
whether the card changed).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum

from bot.domain.lifecycle import Event
from bot.domain.model import ConflictDecision

CLOCK = "migrabot"  # who decides an expiry
TRELLO_CHANNEL = "trello"  # a decision said in a card's comment (its user_id is a Trello member id)


@dataclass(frozen=True)
class RequestKey:
    """What a request carries: the card and the simulation it was shown (a changed card makes it stale)."""

    card_id: str
    round: int
    description_hash: str  # the card's description hash when it was simulated

    def value(self) -> str:
        return json.dumps(
            {"card": self.card_id, "round": self.round, "fp": self.description_hash}, separators=(",", ":")
        )

    @classmethod
    def parse(cls, value: str) -> RequestKey | None:
        try:
            data = json.loads(value)
            return cls(card_id=str(data["card"]), round=int(data["round"]), description_hash=str(data["fp"]))
        except (ValueError, KeyError, TypeError):
            return None


@dataclass(frozen=True)
class Decision:
    """One decision about one round of one card, by `user_id`, said in `channel` (when it matters)."""

    event: Event  # APPROVE, REFUSE, RESIMULATE, CONFLICT_SETTLED or EXPIRE
    key: RequestKey
    user_id: str
    reason: str = ""  # a refusal's
    conflict: ConflictDecision | None = None  # a settled conflict's
    channel: str = ""


class Verdict(StrEnum):
    """How a round's request ended, as recorded (one per round: the first decision wins)."""

    APPROVED = "approved"
    REFUSED = "refused"
    RESIMULATE = "resimulate"
    EXPIRED = "expired"
    OBSOLETE = "obsolete"  # the card changed, or was moved back, while people were asked


VERDICTS = {
    Event.APPROVE: Verdict.APPROVED,
    Event.REFUSE: Verdict.REFUSED,
    Event.RESIMULATE: Verdict.RESIMULATE,
    Event.EXPIRE: Verdict.EXPIRED,
}
