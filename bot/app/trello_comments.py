"""Replies said in a card's comments: one more channel of replies, beside the Slack thread (both go through
`Replies`, the one path from a person's words to a decision).

A PO configured on Trello (`TRELLO_PO_MEMBERS`) answers on the card (« Je valide », « Refusé, il manque
TEH »…). The poll's one request already carries each card's comment count and last activity: a card's
comments are read only when these moved since the bot last looked, and only while a reply can matter — the
round is simulated, waits for the PO, or was decided (a late « refusé » is answered with the decision
already taken). Each answer is one journaled comment per comment read: a restart never answers twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from bot.app.decisions import Outcome
from bot.app.ports import Board, CardSnapshot, Clock, Comment, Member, Store
from bot.app.replies import Heard, Replies
from bot.app.steps import CardSteps, Round
from bot.domain.decision import CLOCK, TRELLO_CHANNEL, Decision, RequestKey
from bot.domain.journal import Step, keyed
from bot.domain.lifecycle import DECIDING, EXECUTING, RUNNING, WAITING, CardState, Event
from bot.domain.records import CardRecord, TrelloWatch
from bot.settings import Settings
from bot.texts import card as texts

log = logging.getLogger("migrabot.trello_comments")

Apply = Callable[[Decision], Outcome]

# While the round runs or waits, any activity may be a reply; once it is decided, ticks move the card's
# activity all day: only a new comment is worth a request.
BEFORE_DECISION = RUNNING | WAITING
# Before the request is out: a comment read then is answered as written during the simulation.
BEFORE_REQUEST = RUNNING | {CardState.AWAITING_DECISION}
AFTER_DECISION = frozenset(DECIDING) | EXECUTING | {CardState.EDITED_DURING_EXECUTION, CardState.REFUSED}
# Sent to « À corriger » before any request: a « validé » there is told there is nothing to decide yet.
NOTHING_TO_DECIDE = frozenset({CardState.INVALID, CardState.FAILED})


@dataclass(frozen=True)
class _Unread:
    new: list[Comment]  # oldest first
    early: list[Comment]  # written while the simulation ran, read once the request is out (oldest first)


class TrelloComments:
    def __init__(
        self,
        *,
        board: Board,
        store: Store,
        settings: Settings,
        clock: Clock,
        steps: CardSteps,
        pos: Sequence[Member],
        apply: Apply,
        replies: Replies,
    ) -> None:
        self.board = board
        self.store = store
        self.settings = settings
        self.clock = clock
        self.steps = steps
        self.pos = {po.id: po for po in pos}
        self.apply = apply
        self.replies = replies
        self._me: tuple[str, ...] | None = None

    # --- the poll's part: one card, only when its comments moved -----------------------------------

    def watch(self, card: CardSnapshot) -> None:
        """Answer the new comments of a card whose round a reply can concern (the caller holds no lock)."""
        record = self.store.card(card.id)
        if record is None or record.state not in BEFORE_DECISION | AFTER_DECISION | NOTHING_TO_DECIDE:
            return
        activity = _activity(card, record)
        asked = record.state not in BEFORE_REQUEST
        seen = self.store.trello_watch(card.id, record.round, record.description_hash)
        # The request went out since the last look: what was written before it is read as a first look.
        first_look = seen is None or (asked and not seen.asked)
        if seen is not None and not first_look and seen.activity == activity:
            return  # nothing moved: no request
        comments = self.board.comments(card.id)  # newest first
        unread = self._unread(comments, record, seen, first_look=first_look)
        # Saved after each answer (with the phase it was read in): a crash re-reads only what was not heard,
        # and a failure (Trello down) reads the rest again at the next poll.
        progress = TrelloWatch(
            card_id=card.id,
            round=record.round,
            description_hash=record.description_hash,
            activity=seen.activity if seen is not None else "",
            seen_comment_ids="",
            since=seen.since if seen is not None else self.clock(),
            reminded_at=seen.reminded_at if seen is not None else None,
            asked=seen.asked if seen is not None else False,
        )
        pending = [(c, True) for c in unread.early] + [(c, False) for c in unread.new]
        me = self.board.member_id()
        for position, (comment, early) in enumerate(pending):
            if comment.author_id == me:
                continue
            self._hear(card, record, comment, early=early)
            later = {later.id for later, _ in pending[position + 1 :]}
            read = " ".join(c.id for c in comments if c.id not in later)
            self.store.set_trello_watch(replace(progress, seen_comment_ids=read))
        self.store.set_trello_watch(
            replace(
                progress,
                activity=activity,
                seen_comment_ids=" ".join(comment.id for comment in comments),
                since=self.clock() if first_look else progress.since,  # the wait starts with the request
                asked=asked,
            )
        )

    def _unread(
        self, comments: list[Comment], record: CardRecord, seen: TrelloWatch | None, *, first_look: bool
    ) -> _Unread:
        read = set(seen.seen_comment_ids.split()) if seen is not None else set()
        if not first_look:
            return _Unread(new=[c for c in reversed(comments) if c.id not in read], early=[])
        ours = set(self.store.journal_results(record.card_id, "", round_=record.round))
        new, during = _first_look(comments, ours=ours)
        # Split at the first look once the request is out (a row saved while the round ran: it is out now).
        asked = record.state is CardState.AWAITING_APPROVAL or seen is not None
        return _Unread(
            new=[c for c in new if c.id not in read],
            early=[c for c in during if c.id not in read] if asked else [],
        )

    def _hear(self, card: CardSnapshot, record: CardRecord, comment: Comment, *, early: bool) -> None:
        heard = Heard(
            key=RequestKey(card.id, record.round, record.description_hash),
            author_id=comment.author_id,
            channel=TRELLO_CHANNEL,
            text=comment.text,
            me=self._names(),
            early=early,
        )
        answer = self.replies.answer(heard)
        if answer:  # one short reply per comment (journaled: a restart never answers twice)
            self.steps.comment(Round(card=card, record=record), keyed(Step.REPLY, comment.id), answer)

    def _names(self) -> tuple[str, ...]:
        """How a comment mentions the bot: « @username » (Trello's « Répondre » writes it)."""
        if self._me is None:
            me = self.board.me()
            self._me = (me.id, me.username)
        return self._me

    # --- the clock's part: a reminder comment mentioning the POs, then the expiry ----------------

    def remind_and_expire(self) -> None:
        now = self.clock()
        for record in self.store.cards():
            if record.state is not CardState.AWAITING_APPROVAL:
                continue
            seen = self.store.trello_watch(record.card_id, record.round, record.description_hash)
            if seen is None or not seen.asked:
                continue  # not looked at since the request went out: the next poll starts the count
            age = now - seen.since
            if age >= self.settings.approval_ttl_hours * 3600:
                key = RequestKey(record.card_id, record.round, record.description_hash)
                self.apply(Decision(Event.EXPIRE, key, user_id=CLOCK))
            elif age >= self.settings.approval_reminder_hours * 3600 and seen.reminded_at is None:
                # Recorded first: a crash loses a reminder rather than posting it twice.
                self.store.set_trello_watch(replace(seen, reminded_at=now))
                usernames = [po.username for po in self.pos.values()]
                self.board.comment(record.card_id, texts.trello_reminder(usernames, hours=round(age / 3600)))


def _activity(card: CardSnapshot, record: CardRecord) -> str:
    if record.state in AFTER_DECISION | NOTHING_TO_DECIDE:
        return f"{card.comment_count}"
    return f"{card.comment_count}|{card.last_activity}"


def _first_look(comments: list[Comment], *, ours: set[str]) -> tuple[list[Comment], list[Comment]]:
    """At the first look, oldest first: the comments written after the newest one this round posted (the
    synthesis, or a later one), and those written between the round's first comment and that one (while it
    ran). A decision written before the request is never taken; a deleted comment of ours only moves the
    line back to the one before it."""
    positions = [position for position, comment in enumerate(comments) if comment.id in ours]  # newest first
    if not positions:
        return [], []
    newest, oldest = positions[0], positions[-1]
    during = [comment for comment in comments[newest + 1 : oldest] if comment.id not in ours]
    return list(reversed(comments[:newest])), list(reversed(during))
