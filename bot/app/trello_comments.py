"""Decisions said in a card's comments: one more source of decision events, beside Slack's clicks and replies.

A PO configured on Trello (`TRELLO_PO_MEMBERS`) answers on the waiting card « validé » (or « ok », « go ») or
« refusé : <raison> », the words a Slack thread reply understands. The poll's one request already carries each
card's comment count and last activity: a waiting card's comments are read only when these moved since the
bot last looked. Only a configured PO's comment decides, matched on the comment's creator id; anybody else's
decision word gets one short reply. The decision goes through `Workflow.apply` like a click: the card must not
have changed since its simulation, and the first decision (Trello or Slack) wins.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import replace

from bot.app.decisions import Outcome
from bot.app.ports import Board, CardSnapshot, Clock, Comment, Member, Store
from bot.app.steps import CardSteps, Round
from bot.domain.decision import CLOCK, TRELLO_CHANNEL, Decision, RequestKey, read_reply
from bot.domain.journal import Step, keyed
from bot.domain.lifecycle import CardState, Event
from bot.domain.records import CardRecord, TrelloWatch
from bot.settings import Settings
from bot.texts import card as texts
from bot.texts import decisions as outcomes

log = logging.getLogger("migrabot.trello_comments")

Apply = Callable[[Decision], Outcome]


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
    ) -> None:
        self.board = board
        self.store = store
        self.settings = settings
        self.clock = clock
        self.steps = steps
        self.pos = {po.id: po for po in pos}
        self.apply = apply

    # --- the poll's part: one card, only when its comments moved -----------------------------------

    def watch(self, card: CardSnapshot) -> None:
        """Turn the new comments of a card waiting for the PO into decisions (the caller holds no lock)."""
        record = self.store.card(card.id)
        if record is None or record.state is not CardState.AWAITING_APPROVAL:
            return
        activity = f"{card.comment_count}|{card.last_activity}"
        seen = self.store.trello_watch(card.id, record.round, record.description_hash)
        if seen is not None and seen.activity == activity:
            return  # nothing moved: no request
        comments = self.board.comments(card.id)  # newest first
        if seen is not None:
            new = [comment for comment in comments if comment.id not in seen.seen_comment_ids.split()]
        else:
            new = _after_our_latest(
                comments, ours=set(self.store.journal_results(card.id, "", round_=record.round))
            )
        me = self.board.member_id()
        for comment in reversed(new):  # oldest first: the first decision wins
            if comment.author_id != me and self._read(card, record, comment):
                break
        # Only once they were acted on: a failure above (Trello down) reads them again at the next poll.
        self.store.set_trello_watch(
            TrelloWatch(
                card_id=card.id,
                round=record.round,
                description_hash=record.description_hash,
                activity=activity,
                seen_comment_ids=" ".join(comment.id for comment in comments),
                since=seen.since if seen is not None else self.clock(),
                reminded_at=seen.reminded_at if seen is not None else None,
            )
        )

    def _read(self, card: CardSnapshot, record: CardRecord, comment: Comment) -> bool:
        """True when the comment was a decision the bot acted on (recorded or refused)."""
        said = read_reply(comment.text)
        if said is None:
            return False
        event, reason = said
        if comment.author_id not in self.pos:
            log.warning("card %s: decision word from non-PO member %s ignored", card.id, comment.author_id)
            self._answer(card, record, comment, outcomes.NOT_PO)
            return False
        key = RequestKey(card.id, record.round, record.description_hash)
        decision = Decision(event, key, user_id=comment.author_id, reason=reason, channel=TRELLO_CHANNEL)
        log.info("card %s: %s by Trello member %s", card.id, event, comment.author_id)
        outcome = self.apply(decision)
        if outcome.message:
            self._answer(card, record, comment, outcome.message)
        return True

    def _answer(self, card: CardSnapshot, record: CardRecord, comment: Comment, text: str) -> None:
        """One short reply per comment (journaled: a restart never answers twice)."""
        self.steps.comment(Round(card=card, record=record), keyed(Step.REPLY, comment.id), text)

    # --- the clock's part: a reminder comment mentioning the POs, then the expiry ----------------

    def remind_and_expire(self) -> None:
        now = self.clock()
        for record in self.store.cards():
            if record.state is not CardState.AWAITING_APPROVAL:
                continue
            seen = self.store.trello_watch(record.card_id, record.round, record.description_hash)
            if seen is None:
                continue  # not looked at yet: the next poll starts the count
            age = now - seen.since
            if age >= self.settings.approval_ttl_hours * 3600:
                key = RequestKey(record.card_id, record.round, record.description_hash)
                self.apply(Decision(Event.EXPIRE, key, user_id=CLOCK))
            elif age >= self.settings.approval_reminder_hours * 3600 and seen.reminded_at is None:
                # Recorded first: a crash loses a reminder rather than posting it twice.
                self.store.set_trello_watch(replace(seen, reminded_at=now))
                usernames = [po.username for po in self.pos.values()]
                self.board.comment(record.card_id, texts.trello_reminder(usernames, hours=round(age / 3600)))


def _after_our_latest(comments: list[Comment], *, ours: set[str]) -> list[Comment]:
    """At the first look: the comments written after the newest one this round posted (the synthesis, or a
    later one), so that a decision written before the request is not taken, and a deleted comment of ours
    only moves the line back to the one before it."""
    for position, comment in enumerate(comments):  # newest first
        if comment.id in ours:
            return comments[:position]
    return []
