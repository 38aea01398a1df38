"""Decisions about a card's round: the PO approves, refuses or asks for a new simulation, the team settles an
accommodation conflict, the clock lets a request expire. They arrive as `Decision` events (from a Slack click
or reply, or a Trello comment) and are applied here; the workflow holds the card's lock around each.

Every decision re-checks the card first: only configured people decide; a request for an older round, or a
card whose description changed since its simulation, is stale (the card is simulated afresh); the first
decision wins atomically (two clicks, two POs: one decision).

A decision is recorded together with its transient state (« approving »…); its effects are journaled steps
run by `finish`, at once and, after a crash or an outage, by the next poll: a recorded decision is always
carried out.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from bot.app.events import Emit
from bot.app.fingerprint import description_hash
from bot.app.ports import Board, CardSnapshot, Chat, Clock, Lists, Member, Store
from bot.app.requests import Requests
from bot.app.steps import CardSteps, Round
from bot.domain.codec import simulation_from_dict
from bot.domain.decision import CLOCK, TRELLO_CHANNEL, VERDICTS, Decision, RequestKey, Verdict
from bot.domain.journal import Emitted, Move, Step
from bot.domain.lifecycle import WAITING, CardState, Event, next_state
from bot.domain.records import Approval, CardRecord, RequestKind, RequestStatus
from bot.domain.synthesis import summarize
from bot.settings import Settings
from bot.texts import card as texts
from bot.texts import decisions as outcomes

log = logging.getLogger("migrabot.decisions")

# Which state a request must find its card in for the decision to count.
WAITING_FOR = {
    Event.APPROVE: CardState.AWAITING_APPROVAL,
    Event.REFUSE: CardState.AWAITING_APPROVAL,
    Event.RESIMULATE: CardState.AWAITING_APPROVAL,
    Event.CONFLICT_SETTLED: CardState.AWAITING_DECISION,
}


@dataclass(frozen=True)
class Outcome:
    """What the person who decided is told (ephemeral), if anything; and the card, when it needs the poll's
    work at once (a settled conflict, a new simulation asked, a card changed since its simulation)."""

    message: str | None = None
    follow_up: CardSnapshot | None = None


class Decisions:
    def __init__(
        self,
        *,
        board: Board,
        store: Store,
        settings: Settings,
        lists: Lists,
        clock: Clock,
        steps: CardSteps,
        requests: Requests | None,
        chat: Chat | None,
        emit: Emit,
        trello_pos: Sequence[Member] = (),
    ) -> None:
        self.board = board
        self.trello_pos = {po.id: po for po in trello_pos}
        self.store = store
        self.settings = settings
        self.lists = lists
        self.clock = clock
        self.steps = steps
        self.requests = requests
        self.chat = chat
        self.emit = emit

    # --- the entry: check, record, carry out (the caller holds the card's lock) --------------------

    def apply(self, decision: Decision) -> Outcome:
        refused = self._not_allowed(decision)
        if refused is not None:
            return refused
        if decision.event is Event.EXPIRE:
            self._expire(decision)
            return Outcome()
        return self._checked(decision)

    def _not_allowed(self, decision: Decision) -> Outcome | None:
        if decision.event is Event.CONFLICT_SETTLED:
            if self.requests is not None and self.requests.may_decide_conflict(
                decision.user_id, decision.channel
            ):
                return None
            log.warning(
                "conflict decision ignored: %s may not decide (card %s)",
                decision.user_id,
                decision.key.card_id,
            )
            return Outcome(outcomes.NOT_DECIDER)
        if decision.event is Event.EXPIRE or self.is_po(decision.user_id, channel=decision.channel):
            return None
        log.warning(
            "%s ignored: %s is not a PO (card %s)", decision.event, decision.user_id, decision.key.card_id
        )
        return Outcome(outcomes.NOT_PO)

    def is_po(self, user_id: str, *, channel: str) -> bool:
        """A PO of the channel the decision was said in: a Trello member id, or a Slack user id."""
        if channel == TRELLO_CHANNEL:
            return user_id in self.trello_pos
        return user_id in self.settings.po_user_ids

    def _checked(self, decision: Decision) -> Outcome:
        key = decision.key
        record = self.store.card(key.card_id)
        if record is None:
            return Outcome(outcomes.UNKNOWN_CARD)
        earlier = self.store.approval(key.card_id, key.round, key.description_hash)
        if earlier is not None:
            return self._already_decided(decision)
        if (record.round, record.description_hash) != (key.round, key.description_hash):
            self._close_stale(key, outcomes.CLOSED_NEWER)
            return Outcome(outcomes.NEWER_SIMULATION)
        if record.state is CardState.ARCHIVED:
            return Outcome(outcomes.ARCHIVED_CARD)
        card = self.board.card(key.card_id)
        if description_hash(card.desc, self.settings) != key.description_hash:
            log.info(
                "card %s changed since its simulation: decision by %s not recorded",
                key.card_id,
                decision.user_id,
            )
            return Outcome(outcomes.CARD_CHANGED, follow_up=card)  # obsolete comment, new round
        if record.state is not WAITING_FOR[decision.event]:
            return Outcome(outcomes.not_waiting(record, todo_list=self.settings.trello_list_todo))
        if decision.event is Event.CONFLICT_SETTLED:
            return self._settle_conflict(decision, card, record)
        return self._record(decision, card, record)

    def _settle_conflict(self, decision: Decision, card: CardSnapshot, record: CardRecord) -> Outcome:
        assert decision.conflict is not None
        key = decision.key
        won = self.store.decide_conflict(
            key.card_id,
            key.round,
            key.description_hash,
            decision.conflict.value,
            user_id=decision.user_id,
            state=next_state(record.state, Event.CONFLICT_SETTLED),
            now=self.clock(),
        )
        if not won:
            return Outcome(outcomes.conflict_already_settled(self.store.card(key.card_id)))
        return Outcome(follow_up=card)  # the round goes on: announces the decision, publishes, asks the PO

    def _record(self, decision: Decision, card: CardSnapshot, record: CardRecord) -> Outcome:
        key = decision.key
        won = self.store.decide(
            key.card_id,
            key.round,
            key.description_hash,
            VERDICTS[decision.event],
            user_id=decision.user_id,
            reason=decision.reason.strip(),
            now=self.clock(),
            state=next_state(record.state, decision.event),
        )
        if not won:
            return self._already_decided(decision)
        fresh = self.store.card(key.card_id)
        assert fresh is not None
        try:
            self.finish(card, fresh)
        except Exception:  # Trello or Slack down: recorded, the next poll carries it out
            log.exception(
                "card %s: %s recorded, its effects wait for the next poll", key.card_id, decision.event
            )
            return Outcome(outcomes.RECORDED_LATER)
        if decision.event is Event.RESIMULATE:  # sent back to « À simuler »: its new round starts at once
            return Outcome(follow_up=replace(card, list_id=self.lists.todo))
        return Outcome()

    def _already_decided(self, decision: Decision) -> Outcome:
        return Outcome(self.already_decided(decision.key, channel=decision.channel))

    def already_decided(self, key: RequestKey, *, channel: str) -> str:
        """Who decided first, where, and how to go back on it, named for the channel the answer goes to."""
        earlier = self.store.approval(key.card_id, key.round, key.description_hash)
        if earlier is None:
            return outcomes.already_decided(None)
        on_trello = earlier.user_id in self.trello_pos
        if channel == TRELLO_CHANNEL:  # a Trello comment: a name, Slack's <@…> means nothing there
            who = outcomes.decider_on_card(self._user_name(earlier.user_id), on_trello=on_trello)
        elif on_trello:
            who = outcomes.on_trello(self._user_name(earlier.user_id))
        else:
            who = outcomes.decider_in_slack(earlier.user_id)
        return outcomes.already_decided(
            earlier, who=who, todo_list=self.settings.trello_list_todo, zone=self.settings.zone
        )

    def _close_stale(self, key: RequestKey, outcome: str) -> None:
        if self.requests is not None:
            self.requests.close(self.requests.pending(key), outcome=outcome, status=RequestStatus.OBSOLETE)

    def _expire(self, decision: Decision) -> None:
        key = decision.key
        record = self.store.card(key.card_id)
        if record is None or (record.round, record.description_hash) != (key.round, key.description_hash):
            self._close_stale(key, outcomes.CLOSED_EXPIRED_STALE)
            return
        if record.state not in WAITING:
            return
        state = next_state(record.state, Event.EXPIRE)
        if self.store.decide(
            key.card_id,
            key.round,
            key.description_hash,
            Verdict.EXPIRED,
            user_id=CLOCK,
            now=self.clock(),
            state=state,
        ):
            fresh = self.store.card(key.card_id)
            assert fresh is not None
            self.finish(self.board.card(key.card_id), fresh)

    # --- what each decision does (journaled steps: run again, they only do what is left) ---------

    def finish(self, card: CardSnapshot, record: CardRecord) -> None:
        """Carry out the round's recorded decision; the caller holds the card's lock."""
        approval = self.store.approval(record.card_id, record.round, record.description_hash)
        if approval is None:
            return
        actions: dict[Verdict, Callable[[Round, Approval], None]] = {
            Verdict.APPROVED: self._approved,
            Verdict.REFUSED: self._refused,
            Verdict.RESIMULATE: self._resimulated,
            Verdict.EXPIRED: self._expired,
        }
        action = actions.get(approval.decision)
        if action is not None:
            action(Round(card=card, record=record), approval)

    def _user_name(self, user_id: str) -> str:
        if user_id in self.trello_pos:
            return self.trello_pos[user_id].full_name or self.trello_pos[user_id].username
        return self.chat.user_name(user_id) if self.chat is not None else user_id

    def _mention(self, user_id: str) -> str:
        """How a Slack request's closing line names the decider: a Slack mention, or the Trello member."""
        if user_id in self.trello_pos:
            return outcomes.on_trello(self._user_name(user_id))
        return outcomes.slack_mention(user_id)

    def _close(
        self, run: Round, *, outcome: str, status: RequestStatus, kind: RequestKind | None = None
    ) -> None:
        if self.requests is not None:
            self.requests.close(self.requests.pending(run.record, kind=kind), outcome=outcome, status=status)

    def _approved(self, run: Round, approval: Approval) -> None:
        when = outcomes.board_time(approval.decided_at, self.settings.zone)
        simulation = simulation_from_dict(run.record.simulation or {})
        text = texts.final_commands_comment(
            simulation.plan,
            approver=outcomes.approver(self._user_name(approval.user_id)),
            when=when,
            console_command=self.settings.display_console_command,
        )
        self.steps.comment(run, Step.FINAL_COMMANDS, text)
        items = texts.execution_checklist(
            simulation.plan, summarize(simulation), launch=self.settings.preprod_apply
        )
        self.steps.checklist(
            run, Step.CHECKLIST, name=outcomes.CHECKLIST_NAME, items=items, items_step=Step.CHECKLIST_ITEMS
        )
        self.steps.move(run, Move.TO_APPROVED, self.lists.approved)
        self._close(
            run,
            kind=RequestKind.APPROVAL,
            status=RequestStatus.APPROVED,
            outcome=outcomes.closed_approved(who=self._mention(approval.user_id), when=when),
        )
        self.steps.transition(run, Event.EFFECTS_DONE)
        self.emit(Emitted.APPROVED, run.card, {"by": approval.user_id})

    def _refused(self, run: Round, approval: Approval) -> None:
        when = outcomes.board_time(approval.decided_at, self.settings.zone)
        comment = texts.refusal_comment(
            by=self._user_name(approval.user_id),
            when=when,
            reason=approval.reason,
            fix_list=self.settings.trello_list_fix,
            todo_list=self.settings.trello_list_todo,
        )
        self.steps.comment(run, Step.REFUSAL, comment)
        self.steps.move(run, Move.TO_FIX, self.lists.fix)
        self._close(
            run,
            kind=RequestKind.APPROVAL,
            status=RequestStatus.REFUSED,
            outcome=outcomes.closed_refused(
                who=self._mention(approval.user_id), when=when, reason=approval.reason
            ),
        )
        self.steps.transition(run, Event.EFFECTS_DONE, error=outcomes.refused_error(approval.reason))
        self.emit(Emitted.REFUSED, run.card, {"by": approval.user_id, "reason": approval.reason})

    def _resimulated(self, run: Round, approval: Approval) -> None:
        todo = self.settings.trello_list_todo
        comment = texts.resimulation_comment(by=self._user_name(approval.user_id), todo_list=todo)
        when = outcomes.board_time(approval.decided_at, self.settings.zone)
        self._back_to_todo(
            run,
            comment=(Step.RESIMULATION, comment),
            outcome=outcomes.closed_resimulation(user_id=approval.user_id, when=when),
            status=RequestStatus.OBSOLETE,
        )

    def _expired(self, run: Round, approval: Approval) -> None:
        """Nobody decided in time: the card waits in « À corriger » (never simulated and asked again by
        itself: a forgotten card would be asked forever) until a person puts it back in « À simuler »."""
        days = round(self.settings.approval_ttl_hours / 24)
        fix, todo = self.settings.trello_list_fix, self.settings.trello_list_todo
        conflict = self.requests is not None and self.requests.pending(run.record, kind=RequestKind.CONFLICT)
        kind = RequestKind.CONFLICT if conflict else RequestKind.APPROVAL
        text = texts.expired_comment(days=days, fix_list=fix, todo_list=todo, kind=kind)
        self.steps.comment(run, Step.EXPIRY, text)
        self._close(
            run, outcome=outcomes.closed_expired(days=days, fix_list=fix), status=RequestStatus.EXPIRED
        )
        self.steps.move(run, Move.TO_FIX, self.lists.fix)
        self.steps.transition(run, Event.EFFECTS_DONE)
        self.emit(Emitted.EXPIRED, run.card, {})

    def _back_to_todo(self, run: Round, *, comment: tuple[Step, str], outcome: str, status: str) -> None:
        """The card says why, every request of the round is closed with `outcome`, the card goes back to
        « À simuler » (its new round follows at once: the triage names it)."""
        step, text = comment
        self.steps.comment(run, step, text)
        self._close(run, outcome=outcome, status=status)
        self.steps.move(run, Move.BACK_TO_TODO, self.lists.todo)
        self.steps.transition(run, Event.EFFECTS_DONE)
