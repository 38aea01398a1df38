"""The workflow's entries: `poll` (the board, one request, every migration card handled), `apply` (one
decision about one card, whatever channel it came from) and `remind_and_expire` (the clock's part).

One card is handled by one thread at a time (a lock per card: the poll, Slack's listeners and the reminders
job run on different threads), and a bug on one card is logged and shown on that card: it never stops the
others. Rounds (`bot.app.rounds`) and decisions (`bot.app.decisions`) are services this module owns; neither
calls back into it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import replace

from bot.app.decisions import Decisions, Outcome
from bot.app.execution import ExecutionFollowUp
from bot.app.ports import Board, CardSnapshot, Chat, Clock, Console, Drive, Member, MessageRef, Store
from bot.app.requests import Requests
from bot.app.rounds import Listener, Lists, Rounds
from bot.app.steps import CardSteps
from bot.app.trello_comments import TrelloComments
from bot.domain.decision import CLOCK, Decision, RequestKey
from bot.domain.lifecycle import DECIDING, EXECUTING, Event
from bot.domain.records import CardRecord, RequestKind, RequestStatus, SlackRequest
from bot.domain.verification import PREPROD, PROD
from bot.settings import Settings
from bot.texts import decisions as outcomes

log = logging.getLogger("migrabot.workflow")


class Workflow:
    def __init__(
        self,
        *,
        board: Board,
        console: Console,
        store: Store,
        settings: Settings,
        lists: Lists,
        clock: Clock = time.time,
        listener: Listener | None = None,
        chat: Chat | None = None,
        prod_console: Console | None = None,
        drive: Drive | None = None,
        trello_pos: Sequence[Member] = (),
    ) -> None:
        self.board = board
        self.store = store
        self.settings = settings
        self.lists = lists
        self.clock = clock
        self.chat = chat
        self._listener = listener
        self.steps = CardSteps(board=board, store=store, clock=clock, chat=chat)
        self.requests = Requests(chat=chat, store=store, settings=settings) if chat is not None else None
        shared = {"board": board, "store": store, "settings": settings, "lists": lists, "clock": clock}
        self.rounds = Rounds(
            **shared,
            console=console,
            steps=self.steps,
            requests=self.requests,
            emit=self.emit,
            trello_pos=trello_pos,
            drive=drive,
        )
        self.decisions = Decisions(
            **shared,
            steps=self.steps,
            rounds=self.rounds,
            requests=self.requests,
            chat=chat,
            emit=self.emit,
            trello_pos=trello_pos,
        )
        consoles = {PREPROD: console} | ({PROD: prod_console} if prod_console is not None else {})
        self.execution = ExecutionFollowUp(
            **shared, steps=self.steps, requests=self.requests, consoles=consoles, emit=self.emit
        )
        self.trello_comments = self._trello_comments(trello_pos)
        self._locks: dict[str, threading.Lock] = {}
        self._locks_guard = threading.Lock()
        self._stopping = threading.Event()

    def _trello_comments(self, trello_pos: Sequence[Member]) -> TrelloComments | None:
        """POs on Trello: their comments on a waiting card are one more source of decisions."""
        if not trello_pos:
            return None
        return TrelloComments(
            board=self.board,
            store=self.store,
            settings=self.settings,
            clock=self.clock,
            steps=self.steps,
            pos=trello_pos,
            apply=self.apply,
        )

    # --- the poll --------------------------------------------------------------------------------

    def poll(self) -> int:
        """One look at the board (one request) and every migration card handled; returns how many."""
        polled_at = self.clock()
        self.rounds.workbooks.new_poll()
        open_cards = self.board.open_cards()
        cards = [card for card in open_cards if self.is_migration_card(card)]
        for record in self.store.archive_missing({card.id for card in open_cards}, now=self.clock()):
            log.info("card %s left the board's open cards: archived", record.short_link or record.card_id)
            if self.requests is not None:
                pending = self.requests.pending(record)
                self.requests.close(pending, outcome=outcomes.CLOSED_ARCHIVED, status=RequestStatus.OBSOLETE)
        detail = outcomes.poll_detail(len(cards))
        self.store.beat("poll", now=self.clock(), detail=detail)
        for card in cards:
            if self._stopping.is_set():
                log.info("stop requested: the remaining cards wait for the next start")
                break
            self._watch_comments(card)
            self._handle_safely(card, polled_at=polled_at)
            self.store.beat("poll", now=self.clock(), detail=detail)  # long dry-runs are not a dead bot
        return len(cards)

    def request_stop(self) -> None:
        """SIGINT/SIGTERM: finish the card in hand, leave the others for the next start."""
        self._stopping.set()

    def is_migration_card(self, card: CardSnapshot) -> bool:
        label = self.settings.trello_card_label
        if self.lists.label and self.lists.label in card.label_ids:
            return True
        return card.name.strip().casefold().startswith(label.casefold())

    def card_lock(self, card_id: str) -> threading.Lock:
        with self._locks_guard:
            return self._locks.setdefault(card_id, threading.Lock())

    def _handle_safely(self, card: CardSnapshot, *, polled_at: float) -> None:
        with self.card_lock(card.id):
            try:
                record = self.store.card(card.id)
                if record is not None and record.updated_at > polled_at:
                    card = self.board.card(card.id)  # a decision changed it since the poll: look again
                self._handle(card)
            except Exception as error:
                log.exception("card %s: unexpected error", card.short_link or card.id)
                self.rounds.report_internal_error(card, error)

    def _watch_comments(self, card: CardSnapshot) -> None:
        """Decisions said on the card since the last look; a failure there never stops the card's round."""
        if self.trello_comments is None:
            return
        try:
            self.trello_comments.watch(card)
        except Exception:
            log.exception("card %s: reading its comments failed", card.short_link or card.id)

    def _handle(self, card: CardSnapshot) -> None:
        record = self.store.card(card.id)
        if record is not None and record.state in DECIDING:
            self.decisions.finish(card, record)  # a decision recorded, its effects not all done yet
        elif record is not None and self._edited_after_approval(card, record):
            if self.execution.edited_after_approval(card, record):
                self.rounds.handle(replace(card, list_id=self.lists.todo), self.store.card(card.id))
        elif record is not None and self._executing(card, record):
            self.execution.follow(card, record)
        else:
            self.rounds.handle(card, record)

    def _edited_after_approval(self, card: CardSnapshot, record: CardRecord) -> bool:
        return record.state in EXECUTING and record.description_hash != self.rounds.description_hash(
            card.desc
        )

    def _executing(self, card: CardSnapshot, record: CardRecord) -> bool:
        """Approved, left where it is, and still the text that was approved."""
        return (
            record.state in EXECUTING
            and card.list_id != self.lists.todo
            and record.description_hash == self.rounds.description_hash(card.desc)
        )

    # --- decisions -------------------------------------------------------------------------------

    def apply(self, decision: Decision) -> Outcome:
        """The one entry for every decision, whoever made it and wherever it was said."""
        with self.card_lock(decision.key.card_id):
            return self.decisions.apply(decision)

    def card_name(self, card_id: str) -> str:
        record = self.store.card(card_id)
        return record.name if record else card_id

    def approval_request_at(self, channel: str, ts: str) -> RequestKey | None:
        """The approval request a Slack thread belongs to, if it is one."""
        request = self.store.slack_request_by_ts(channel, ts)
        if request is None or request.kind is not RequestKind.APPROVAL:
            return None
        return RequestKey(request.card_id, request.round, request.description_hash)

    # --- reminders and expiry (a scheduler job) ------------------------------------------------

    def remind_and_expire(self) -> None:
        """One request's trouble (Slack or Trello down) never stops the others: each is tried on its own."""
        now = self.clock()
        for request in self.store.slack_requests(status=RequestStatus.PENDING):
            try:
                self._remind_or_expire(request, now=now)
            except Exception:
                log.exception(
                    "reminder/expiry failed for %s/%s (card %s)", request.channel, request.ts, request.card_id
                )
        if self.trello_comments is not None:
            try:
                self.trello_comments.remind_and_expire()
            except Exception:
                log.exception("Trello reminders/expiry failed")

    def _remind_or_expire(self, request: SlackRequest, *, now: float) -> None:
        age = now - request.created_at
        if age >= self.settings.approval_ttl_hours * 3600:
            key = RequestKey(request.card_id, request.round, request.description_hash)
            self.apply(Decision(Event.EXPIRE, key, user_id=CLOCK))
        elif age >= self.settings.approval_reminder_hours * 3600 and request.reminded_at is None:
            assert self.chat is not None and self.requests is not None
            # Recorded first: a crash loses a reminder rather than sending it twice.
            self.store.set_slack_request(request, reminded_at=now)
            text = outcomes.reminder(mentions=self.requests.reminded(request), hours=round(age / 3600))
            self.chat.reply(MessageRef(request.channel, request.ts), text)

    def emit(self, event: str, card: CardSnapshot, details: dict) -> None:
        log.info(
            "card %s: %s", card.short_link or card.id, event, extra={"event": event, "card": card.short_link}
        )
        if self._listener is not None:
            self._listener(event, card, details)
