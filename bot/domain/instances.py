"""Another migrabot acting on the same board: who it is, whether it acts now, and which of the two stands down.
Pure.

Each state database has one identity (`Instance`), made with it: a random id and the moment it began. Every
comment the bot writes ends with its mark, which names the instance that wrote it. Two instances with two
state databases on one board would do everything twice (two syntheses, two checklists); the one that began
last stands down — the other has the history of the cards it handled — until the other has stopped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

# What a host name may bring into a mark (a code span on the card, a Slack message): no Markdown, no spaces.
HOST_CHARACTERS = re.compile(r"[A-Za-z0-9.-]{1,40}")


@dataclass(frozen=True)
class Instance:
    id: str  # 8 hex digits, made with the state database (replicas sharing a PostgreSQL state share it)
    host: str  # the INSTANCE_NAME setting, or the machine's host name: for the people who must find it
    since: int  # when its state database was made: Unix seconds, whole (marks carry them exactly)


@dataclass(frozen=True)
class Mark:
    """An instance's mark read at the end of a comment of the bot's Trello member."""

    instance: Instance
    posted_at: float  # when Trello says the comment was written (0 when unknown)


def safe_host(name: str) -> str:
    """A host name as a mark may carry it: other characters become « - », at most 40 of them."""
    cleaned = re.sub(r"[^A-Za-z0-9.-]", "-", name.strip())[:40].strip("-.")
    return cleaned or "inconnu"


def acting_now(mark: Mark, *, me: Instance, ignored_before: float = 0.0) -> bool:
    """A mark of another instance means it acts on the board — unless it was written before this instance
    last found that other one stopped (`ignored_before`: history, it never stops anybody again)."""
    return mark.instance.id != me.id and mark.posted_at >= ignored_before


def stands_down(me: Instance, *, before: Instance) -> bool:
    """True when `me` must stand down before `before`: it began later (ties: the larger id). Both instances
    read the same two marks, so exactly one of them stands down."""
    return (before.since, before.id) < (me.since, me.id)


@dataclass(frozen=True)
class Seen:
    """A migration card as the poll saw it."""

    last_activity: str  # ISO 8601
    comment_count: int
    in_todo: bool  # in « À simuler »


def nobody_takes(cards: list[Seen], *, now: float, grace_s: float) -> bool:
    """The other instance has stopped: a card nobody has written on has waited in « À simuler » longer than
    `grace_s`, and no card at all moved meanwhile (a long poll of the other, its dry-runs, leave traces).
    A card with comments may be one the other left there on purpose (a conflict the team decides): never
    evidence by itself. An unreadable date proves nothing either way."""
    dated = [(card, now - at) for card in cards if (at := _seconds(card.last_activity)) is not None]
    untaken = any(card.in_todo and card.comment_count == 0 and age > grace_s for card, age in dated)
    return untaken and all(age > grace_s for _, age in dated)


def _seconds(iso: str) -> float | None:
    try:
        return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None
