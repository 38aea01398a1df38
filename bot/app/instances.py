"""Another migrabot acting on this board (another state database, another machine or directory): seen by its
marks, this instance stands down once, says so once, and resumes when the other has stopped.

The bot's comments end with a mark naming the instance that wrote them (`bot.texts.card.marker`). Every time
comments are read — the round's start when the card has comments, right after the dry-runs before anything is
published, the PO's replies — the marks of the bot's own Trello member are checked. A mark of another instance
that began earlier makes this one stand down (`bot.domain.instances.stands_down`): it tells the card and the
team's Slack channel who acts (host, since when), remembers it in the state (a restart keeps it), and every
write to Trello, Slack, Drive or the console is refused from then on (`ensure`, asked by the write guard of
`bot.bootstrap`). The elder logs the younger once and goes on. The stood-down instance keeps polling (the one
request of an idle poll) and resumes when a card nobody has written on has waited in « À simuler » longer than
`OTHER_INSTANCE_GRACE_SECONDS`: no instance picks cards up any more.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import tzinfo
from typing import Any

from bot.app.leadership import LeadershipLost
from bot.app.ports import Board, CardSnapshot, Chat, Clock, Comment, Store
from bot.domain.instances import Instance, Mark, Seen, acting_now, nobody_takes, stands_down
from bot.domain.journal import Step, keyed
from bot.texts import instances as texts
from bot.texts.blocks import message_blocks
from bot.texts.card import marked_by

log = logging.getLogger("migrabot.instances")

MEMORY = "instances"  # the heartbeat row that keeps what this instance knows of the others across restarts


class StoodDown(LeadershipLost):
    """Another instance acts on the board: this one writes nothing more until it resumes.

    Like a lost leadership (a BaseException): no card's error boundary may turn it into a comment on the card,
    and the scheduler's jobs end quietly on it."""


@dataclass
class Memory:
    stood_down_before: Instance | None = None
    # Per other instance's id: its marks written before this moment are history (it was found stopped then).
    ignored_before: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Looked:
    comments: list[Comment]
    younger_at_work: Instance | None  # wrote last on the card, within the grace: the card is left to it


@dataclass(frozen=True)
class Telling:
    """Where this instance says it stands down."""

    chat: Chat | None
    channel: str
    zone: tzinfo


class OtherInstances:
    def __init__(
        self, *, me: Instance, board: Board, store: Store, clock: Clock, telling: Telling, grace_s: float
    ) -> None:
        self.me = me
        self.board = board  # guarded by the leadership only: the telling happens before the stand-down
        self.store = store
        self.clock = clock
        self.telling = telling
        self.grace_s = grace_s
        self._memory = _load(store)
        self._logged: set[str] = set()  # younger instances this one (the elder) has logged
        self._standing_down = threading.Lock()  # comments are read by the poll and by Slack's listeners
        self._counts: dict[str, int] = {}  # per card: its comment count as the poll saw it, plus ours since

    @property
    def stood_down_before(self) -> Instance | None:
        return self._memory.stood_down_before

    def ensure(self) -> None:
        """Asked before every write: refused while another instance acts on the board."""
        other = self._memory.stood_down_before
        if other is not None:
            raise StoodDown(f"instance {other.id} on {other.host} acts on this board")

    def look(self, card: CardSnapshot) -> Looked:
        """The card's comments, read to see whether another instance writes on it (one request)."""
        comments = self.board.comments(card.id)
        marks = self._marks(comments)
        self._check_marks(card.id, marks)
        return Looked(comments=comments, younger_at_work=self._younger_at_work(marks))

    def watch(self, card: CardSnapshot) -> None:
        """At each poll, for a card this instance has worked on: comments it has not read nor written since
        it last looked (Trello's count moved beyond what it knows) are read, so that another instance's mark
        there is seen within one poll. Nothing is read on an idle poll, nor twice in a poll."""
        known = self._counts.get(card.id)
        if known is not None and card.comment_count > known:
            self.check(card.id, self.board.comments(card.id))
        self._counts[card.id] = card.comment_count

    def read(self, card_id: str, count: int) -> None:
        """The card's comments were just read (by anyone in this process): `count` of them are known."""
        self._counts[card_id] = count

    def wrote(self, card_id: str) -> None:
        """One comment of ours on the card: the next poll expects it in Trello's count."""
        if card_id in self._counts:
            self._counts[card_id] += 1

    def check(self, card_id: str, comments: Sequence[Comment]) -> None:
        """Raises StoodDown when a comment of ours bears the mark of an elder instance acting now."""
        self._check_marks(card_id, self._marks(comments))

    def _check_marks(self, card_id: str, marks: list[tuple[Comment, Instance]]) -> None:
        for comment, other in marks:
            if not acting_now(
                Mark(other, comment.posted_at),
                me=self.me,
                ignored_before=self._memory.ignored_before.get(other.id, 0.0),
            ):
                continue
            if stands_down(self.me, before=other):
                self._stand_down(card_id, other)
            self._log_younger(other, card_id)

    def _marks(self, comments: Sequence[Comment]) -> list[tuple[Comment, Instance]]:
        """The marks of the bot's own member (a person may write the same line), newest first."""
        me = self.board.member_id()
        marked = [(comment, marked_by(comment.text)) for comment in comments if comment.author_id == me]
        return [(comment, other) for comment, other in marked if other is not None]

    def _younger_at_work(self, marks: list[tuple[Comment, Instance]]) -> Instance | None:
        """The younger instance that wrote last on this card, within the grace: it may be simulating it now."""
        newest = next(iter(marks), None)
        if newest is None or newest[1].id == self.me.id:
            return None
        comment, other = newest
        return other if self.clock() - comment.posted_at < self.grace_s else None

    def _log_younger(self, other: Instance, card_id: str) -> None:
        if other.id not in self._logged:
            self._logged.add(other.id)
            log.warning(
                "another migrabot acts on this board: instance %s on %s, since %s (card %s); "
                "it began after this one and stands down",
                other.id,
                other.host,
                other.since,
                card_id,
            )

    def may_act(self, cards: Sequence[CardSnapshot], *, todo: str) -> bool:
        """At each poll: True unless this instance stands down and the other still picks cards up."""
        other = self._memory.stood_down_before
        if other is None:
            return True
        seen = [Seen(card.last_activity, card.comment_count, in_todo=card.list_id == todo) for card in cards]
        if not nobody_takes(seen, now=self.clock(), grace_s=self.grace_s):
            return False
        log.warning(
            "instance %s on %s no longer picks cards up: this one acts on the board again",
            other.id,
            other.host,
        )
        self._memory = Memory(None, self._memory.ignored_before | {other.id: self.clock()})
        _save(self.store, self._memory, now=self.clock())
        return True

    def _stand_down(self, card_id: str, other: Instance) -> None:
        with self._standing_down:  # told once, whichever thread saw the mark first
            if self._memory.stood_down_before is None:
                self._tell(card_id, other)
                self._memory = Memory(other, self._memory.ignored_before)
                _save(self.store, self._memory, now=self.clock())
                log.warning(
                    "standing down: instance %s on %s (since %s) acts on this board (seen on card %s); "
                    "this one writes nothing until it stops",
                    other.id,
                    other.host,
                    other.since,
                    card_id,
                )
        raise StoodDown(f"instance {other.id} on {other.host} acts on this board")

    def _tell(self, card_id: str, other: Instance) -> None:
        """Once on the card and once in the team's channel, each journaled before it is said (a crash loses
        the message rather than saying it twice)."""
        record = self.store.card(card_id)
        round_, fingerprint = (record.round, record.description_hash) if record else (0, "")
        name, link = (record.name, record.short_link) if record else (card_id, "")
        zone = self.telling.zone
        said = [
            (
                keyed(Step.STOOD_DOWN, other.id),
                lambda: self.board.comment(
                    card_id, texts.stood_down_comment(other=other, me=self.me, zone=zone)
                ),
            )
        ]
        chat, channel = self.telling.chat, self.telling.channel
        if chat is not None and channel:
            url = f"https://trello.com/c/{link or card_id}"
            text = texts.stood_down_slack(other=other, me=self.me, card_name=name, card_url=url, zone=zone)
            said.append(
                (
                    keyed(Step.STOOD_DOWN_SLACK, other.id),
                    lambda: chat.post(channel, text=text, blocks=message_blocks(text)),
                )
            )
        for step, say in said:
            if self.store.journaled(card_id, round_, fingerprint, step) is None:
                self.store.journal(card_id, round_, fingerprint, step, "", now=self.clock())
                try:
                    say()
                except Exception:  # the stand-down matters more than the message: logged, never retried
                    log.exception("could not say on %s that this instance stands down", step)


class MarksWatched:
    """The board as it is, except that every comment read on it is checked for another instance's marks."""

    def __init__(self, board: Board, others: OtherInstances) -> None:
        self._board, self._others = board, others

    def __getattr__(self, name: str) -> Any:
        return getattr(self._board, name)

    def comment(self, card_id: str, text: str, **options: Any) -> str:
        comment_id = self._board.comment(card_id, text, **options)
        self._others.wrote(card_id)
        return comment_id

    def comments(self, card_id: str) -> list[Comment]:
        comments = self._board.comments(card_id)
        self._others.read(card_id, len(comments))
        self._others.check(card_id, comments)  # an elder's mark stops this one; a younger's is logged
        return comments


def stood_down_before(store: Store) -> Instance | None:
    """The instance this state stands down for, as the last run left it (for `migrabot status`)."""
    return _load(store).stood_down_before


def _load(store: Store) -> Memory:
    beat = store.last_beat(MEMORY)
    if beat is None or not beat[1]:
        return Memory()
    saved = json.loads(beat[1])
    other = saved.get("stood_down_before")
    return Memory(Instance(**other) if other else None, dict(saved.get("ignored_before", {})))


def _save(store: Store, memory: Memory, *, now: float) -> None:
    other = memory.stood_down_before
    saved = {"stood_down_before": asdict(other) if other else None, "ignored_before": memory.ignored_before}
    store.beat(MEMORY, now=now, detail=json.dumps(saved, sort_keys=True))
