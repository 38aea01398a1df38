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
        seen = self.store.trello_watch(card.id, record.round, record.fingerprint)
        if seen is not None and seen.activity == activity:
            return  # nothing moved: no request
        comments = self.board.comments(card.id)  # newest first
        after = seen.last_comment_id if seen is not None else self._synthesis_id(record)
        me = self.board.member_id()
        for comment in reversed(_newer_than(comments, after)):  # oldest first: the first decision wins
            if comment.author_id != me and self._read(card, record, comment):
                break
        # Only once they were acted on: a failure above (Trello down) reads them again at the next poll.
        self.store.set_trello_watch(
            TrelloWatch(
                card_id=card.id,
                round=record.round,
                fingerprint=record.fingerprint,
                activity=activity,
                last_comment_id=comments[0].id if comments else after,
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
        key = RequestKey(card.id, record.round, record.fingerprint)
        decision = Decision(event, key, user_id=comment.author_id, reason=reason, channel=TRELLO_CHANNEL)
        log.info("card %s: %s by Trello member %s", card.id, event, comment.author_id)
        outcome = self.apply(decision)
        if outcome.message:
            self._answer(card, record, comment, outcome.message)
        return True

    def _answer(self, card: CardSnapshot, record: CardRecord, comment: Comment, text: str) -> None:
        """One short reply per comment (journaled: a restart never answers twice)."""
        self.steps.comment(Round(card=card, record=record), f"reponse-{comment.id}", text)

    def _synthesis_id(self, record: CardRecord) -> str:
        """The round's synthesis comment: decisions are the comments written after it."""
        posted = self.store.journal_results(record.card_id, "synthese", round_=record.round)
        return posted[-1] if posted else ""

    # --- the clock's part: a reminder comment mentioning the POs, then the expiry ----------------

    def remind_and_expire(self) -> None:
        now = self.clock()
        for record in self.store.cards():
            if record.state is not CardState.AWAITING_APPROVAL:
                continue
            seen = self.store.trello_watch(record.card_id, record.round, record.fingerprint)
            if seen is None:
                continue  # not looked at yet: the next poll starts the count
            age = now - seen.since
            if age >= self.settings.approval_ttl_hours * 3600:
                key = RequestKey(record.card_id, record.round, record.fingerprint)
                self.apply(Decision(Event.EXPIRE, key, user_id=CLOCK))
            elif age >= self.settings.approval_reminder_hours * 3600 and seen.reminded_at is None:
                # Recorded first: a crash loses a reminder rather than posting it twice.
                self.store.set_trello_watch(replace(seen, reminded_at=now))
                usernames = [po.username for po in self.pos.values()]
                self.board.comment(record.card_id, texts.trello_reminder(usernames, hours=round(age / 3600)))


def _newer_than(comments: list[Comment], comment_id: str) -> list[Comment]:
    """The comments above `comment_id` in Trello's newest-first list (none when it is not there)."""
    ids = [comment.id for comment in comments]
    return comments[: ids.index(comment_id)] if comment_id in ids else []
