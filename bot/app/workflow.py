"""The workflow's entries: `poll` (the board, one request, every migration card handled), `apply` (one
decision about one card, whatever channel it came from) and `remind_and_expire` (the clock's part).

One card is handled by one thread at a time (a lock per card: the poll, Slack's listeners and the reminders
job run on different threads), and a bug on one card is logged and shown on that card: it never stops the
others. What a card needs is answered by one pure table (`bot.domain.triage`): the poll observes the card
(`Seen`) and calls one handler per step the table names. The services (rounds, decisions, execution, Trello
comments) are built by `bot.bootstrap`; none calls another to learn what to do: a decision that needs the
poll's work at once (a settled conflict, a new simulation) says so in its outcome and the card is triaged
again here.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from bot.app.decisions import Decisions, Outcome
from bot.app.events import Listener
from bot.app.execution import ExecutionFollowUp
from bot.app.instances import OtherInstances, StoodDown
from bot.app.ports import Board, CardSnapshot, Chat, Clock, Lists, MessageRef, Store
from bot.app.replies import Heard, Replies
from bot.app.requests import Requests
from bot.app.rounds import MAX_ATTEMPTS, Rounds
from bot.app.steps import INTENT
from bot.app.trello_comments import TrelloComments
from bot.domain.decision import CLOCK, Decision, RequestKey
from bot.domain.journal import Step, keyed
from bot.domain.lifecycle import CardState, Event
from bot.domain.records import CardRecord, RequestKind, RequestStatus, SlackRequest
from bot.domain.triage import Next, Seen, Where, reads_like_migration, triage
from bot.settings import Settings
from bot.texts import decisions as outcomes

log = logging.getLogger("migrabot.workflow")

__all__ = ["Listener", "Lists", "Outcome", "Workflow"]


class Workflow:
    """The entries; the services are built and plugged in by `bot.bootstrap` (the one composition root)."""

    def __init__(
        self,
        *,
        board: Board,
        store: Store,
        settings: Settings,
        lists: Lists,
        clock: Clock,
        rounds: Rounds,
        decisions: Decisions,
        execution: ExecutionFollowUp,
        requests: Requests | None = None,
        chat: Chat | None = None,
        replies: Replies,
        trello_comments: TrelloComments | None = None,
        others: OtherInstances | None = None,
    ) -> None:
        self.board = board
        self.others = others
        self.store = store
        self.settings = settings
        self.lists = lists
        self.clock = clock
        self.chat = chat
        self.requests = requests
        self.rounds = rounds
        self.decisions = decisions
        self.execution = execution
        self.replies = replies
        self.trello_comments = trello_comments
        self.handlers: dict[Next, Callable[[CardSnapshot, CardRecord], None]] = {
            Next.FINISH_DECISION: decisions.finish,
            Next.MAKE_OBSOLETE: rounds.make_obsolete,
            Next.WITHDRAW_REQUEST: rounds.withdraw,
            Next.RETIRE_APPROVAL: execution.retire_approval,
            Next.FREEZE_EXECUTION: execution.freeze,
            Next.SUPERSEDE_APPROVAL: execution.supersede,
            Next.START_ROUND: rounds.start,
            Next.DEFER_ROUND: rounds.defer,
            Next.RESUME_ROUND: rounds.resume,
            Next.TAKE_OUT: rounds.take_out,
            Next.RETRY_DRIVE: rounds.retry_drive,
            Next.FOLLOW_EXECUTION: execution.follow,
            Next.REFUSE_LAUNCHES: execution.launch.sweep,
            Next.PUT_BACK: rounds.put_back,
            Next.ASK_LABEL: rounds.ask_label,
            Next.ANSWER_OLD_TICKS: execution.answer_old_ticks,
        }
        assert set(self.handlers) == set(Next), "one handler per step the triage can name"
        self._locks: dict[str, threading.RLock] = {}
        self._locks_guard = threading.Lock()
        self._stopping = threading.Event()

    # --- the poll --------------------------------------------------------------------------------

    def poll(self) -> int:
        """One look at the board (one request) and every migration card handled; returns how many."""
        polled_at = self.clock()
        self.rounds.new_poll()
        open_cards = self.board.open_cards()
        cards = [card for card in open_cards if self.is_migration_card(card) or self._unlabelled(card)]
        if self.others is not None and not self.others.may_act(cards, todo=self.lists.todo):
            self.store.beat("poll", now=self.clock(), detail=outcomes.poll_detail(len(cards)))
            return 0  # another instance acts on the board: this one only watches for it to stop
        for record in self.store.archive_missing({card.id for card in open_cards}, now=self.clock()):
            log.info("card %s left the board's open cards: archived", record.short_link or record.card_id)
            if self.requests is not None:
                pending = self.requests.pending(record)
                self.requests.close(pending, outcome=outcomes.CLOSED_ARCHIVED, status=RequestStatus.OBSOLETE)
        detail = outcomes.poll_detail(len(cards))
        self.store.beat("poll", now=self.clock(), detail=detail)
        try:
            self._handle_all(cards, polled_at=polled_at, detail=detail)
        except StoodDown as stood_down:
            log.warning("poll ended: %s; this instance stands down", stood_down)
            return 0
        return len(cards)

    def _handle_all(self, cards: list[CardSnapshot], *, polled_at: float, detail: str) -> None:
        for card in cards:
            if self._stopping.is_set():
                log.info("stop requested: the remaining cards wait for the next start")
                break
            self._watch_comments(card)
            if self.others is not None and self.store.card(card.id) is not None:
                self.others.watch(card)  # new comments not read above: another instance's mark?
            with self.card_lock(card.id):
                self._handle_safely(card, polled_at=polled_at)
            self.store.beat("poll", now=self.clock(), detail=detail)  # long dry-runs are not a dead bot

    def request_stop(self) -> None:
        """SIGINT/SIGTERM: finish the card in hand, leave the others for the next start."""
        self._stopping.set()

    def is_migration_card(self, card: CardSnapshot) -> bool:
        label = self.settings.trello_card_label
        if self.lists.label and self.lists.label in card.label_ids:
            return True
        return card.name.strip().casefold().startswith(label.casefold())

    def _unlabelled(self, card: CardSnapshot) -> bool:
        """In « À simuler », without the label, but its words read like a migration: the label is asked for."""
        return card.list_id == self.lists.todo and reads_like_migration(card.name, card.desc)

    def card_lock(self, card_id: str) -> threading.RLock:
        """Re-entrant: a reply heard under it applies its decision through `apply`, which takes it too."""
        with self._locks_guard:
            return self._locks.setdefault(card_id, threading.RLock())

    def _handle_safely(self, card: CardSnapshot, *, polled_at: float | None = None) -> None:
        """The card's steps inside its error boundary; the caller holds the card's lock."""
        done = self.store.steps_done(card.id, intent_suffix=INTENT)
        try:
            record = self.store.card(card.id)
            if polled_at is not None and record is not None and record.updated_at > polled_at:
                card = self.board.card(card.id)  # a decision changed it since the poll: look again
            self._handle(card)
        except Exception as error:
            log.exception("card %s: unexpected error", card.short_link or card.id)
            progressed = self.store.steps_done(card.id, intent_suffix=INTENT) > done
            self.rounds.report_internal_error(card, error, progressed=progressed)

    def _watch_comments(self, card: CardSnapshot) -> None:
        """Decisions said on the card since the last look; a failure there never stops the card's round."""
        if self.trello_comments is None:
            return
        try:
            self.trello_comments.watch(card)
        except Exception:
            log.exception("card %s: reading its comments failed", card.short_link or card.id)

    def _handle(self, card: CardSnapshot) -> None:
        """What the card needs now, one step at a time (each step finds the record the previous one left)."""
        for step in triage(self.seen(card)):
            record = self.store.card(card.id)
            self.handlers[step](card, record)  # type: ignore[arg-type]  # only START_ROUND takes no record

    def seen(self, card: CardSnapshot) -> Seen:
        """What the poll observed of the card, beside what the state database says of it."""
        record = self.store.card(card.id)
        where = self.lists.where(card.list_id)
        labelled = self.is_migration_card(card)
        # Only a card in « À simuler » may start a round: only its dry-runs are counted against the budget.
        over_budget = where is Where.TODO and self.rounds.over_budget(card)
        if record is None:
            return Seen(state=None, where=where, labelled=labelled, over_budget=over_budget)
        changed = record.description_hash != self.rounds.description_hash(card.desc)
        return Seen(
            state=record.state,
            where=where,
            changed=changed,
            moved_by_us=where is not Where.TODO and self.rounds.moved_here_by_us(card, record),
            retries_left=record.attempts < MAX_ATTEMPTS,
            # Read from Trello only when it decides something: an approved card whose text changed.
            ticked=changed and record.state is CardState.APPROVED and self.execution.started(card, record),
            launch_ticks=self.execution.launch.may_be_ticked(record),
            labelled=labelled,
            over_budget=over_budget,
            old_checklists=self.execution.has_old_checklists(record),
        )

    # --- decisions -------------------------------------------------------------------------------

    def apply(self, decision: Decision) -> Outcome:
        """The one entry for every decision, whoever made it and wherever it was said."""
        with self.card_lock(decision.key.card_id):
            outcome = self.decisions.apply(decision)
            if outcome.follow_up is not None:
                self._handle_safely(outcome.follow_up)
            return outcome

    def card_name(self, card_id: str) -> str:
        record = self.store.card(card_id)
        return record.name if record else card_id

    def hear_in_thread(
        self, *, channel: str, thread_ts: str, ts: str, user_id: str, text: str, me: str
    ) -> str | None:
        """A message in a Slack thread: what to answer its author (None: nothing, or already answered).
        The answer is journaled before it is sent: a redelivered message is never answered twice."""
        key = self.approval_request_at(channel, thread_ts)
        if key is None:
            return None  # a thread that is not an approval request
        heard = Heard(key=key, author_id=user_id, channel=channel, text=text, me=(me,))
        step = keyed(Step.REPLY, "slack", ts)
        # Under the card's lock: two deliveries of one message on two listener threads answer once.
        with self.card_lock(key.card_id):
            if self.store.journaled(key.card_id, key.round, key.description_hash, step) is not None:
                return None
            answer = self.replies.answer(heard)  # a decision re-enters the lock through `apply`
            if not answer:
                return None
            self.store.journal(key.card_id, key.round, key.description_hash, step, "", now=self.clock())
            return answer

    def approval_request_at(self, channel: str, ts: str) -> RequestKey | None:
        """The approval request a Slack thread belongs to, if it is one."""
        request = self.store.slack_request_by_ts(channel, ts)
        if request is None or request.kind is not RequestKind.APPROVAL:
            return None
        return RequestKey(request.card_id, request.round, request.description_hash)

    # --- reminders and expiry (a scheduler job) ------------------------------------------------

    def remind_and_expire(self) -> None:
        """One request's trouble (Slack or Trello down) never stops the others: each is tried on its own."""
        if self.others is not None and self.others.stood_down_before is not None:
            return  # another instance acts on the board: its own requests are its business
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
