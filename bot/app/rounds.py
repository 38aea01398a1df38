"""A card's round, one idempotent step at a time. Takes its ports as arguments.

A card in « À simuler » gets a *round*: parse → (errors → comment, « À corriger ») → « Simulation en cours »
→ dry-runs → (failure → comment, « À corriger ») → (shared accommodations → decision asked, card stays) →
synthesis comment, raw outputs, Excel file → approval request → « En attente validation PO ».

Every side effect is journaled under (card, round, fingerprint, step) and skipped once journaled. When a
round is resumed (after a crash, or an error on the previous poll), a comment step first looks for its
marker on the card and an attachment step for an attachment of ours that the journal does not know: what
reached Trello before the crash is adopted, not posted twice.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace

from bot.app.budget import CountedConsole, over_budget
from bot.app.events import Emit, Listener
from bot.app.fingerprint import description_hash as fingerprint
from bot.app.instances import OtherInstances
from bot.app.near_miss import NearMissBudget, look_for_near_misses
from bot.app.ports import Board, BoardUnavailable, CardSnapshot, Clock, Console, Drive, Lists, Member, Store
from bot.app.publication import XLSX_MIME, Workbook, Workbooks
from bot.app.requests import Requests
from bot.app.simulation import (
    TRANSPORT_FAILURES_TO_STOP,
    check_count,
    dry_run_count,
    redo_without_accommodations,
    simulate,
)
from bot.app.steps import CardSteps, Round
from bot.domain.codec import simulation_from_dict, simulation_to_dict
from bot.domain.decision import CLOCK, RequestKey, Verdict
from bot.domain.instances import Instance
from bot.domain.journal import Emitted, Move, Step, keyed
from bot.domain.lifecycle import NO_SIMULATION, CardState, Event, next_state
from bot.domain.model import ConflictDecision, Plan, Simulation, Ticket
from bot.domain.near_miss import every_rule_finds_nothing
from bot.domain.plan import plan_centres, plan_ticket
from bot.domain.records import CardRecord, RequestKind, RequestStatus
from bot.domain.synthesis import summarize
from bot.domain.ticket import parse_ticket
from bot.domain.ticket_reading import reading
from bot.settings import Settings
from bot.texts import card as texts
from bot.texts import decisions as outcomes
from bot.texts import instances as others_texts
from bot.texts.blocks import CardLink, approval_request, conflict_request
from bot.texts.text import DECISION_TEXT, render_synthesis, shared_prefix, short_label
from bot.texts.ticket import problem_message, reading_text
from bot.texts.zero_match import (
    nothing_found_comment,
    with_zero_match,
    zero_match_count,
    zero_match_line,
)

log = logging.getLogger("migrabot.workflow")

MAX_ATTEMPTS = 3  # an internal error is retried at the next polls, then waits for the card to change

__all__ = ["MAX_ATTEMPTS", "Emit", "Listener", "Lists", "Rounds"]


class Rounds:
    """Runs rounds: from « À simuler » to « En attente validation PO » (or « À corriger »)."""

    def __init__(
        self,
        *,
        board: Board,
        console: Console,
        store: Store,
        settings: Settings,
        lists: Lists,
        clock: Clock,
        steps: CardSteps,
        requests: Requests | None,
        emit: Emit,
        drive: Drive | None = None,
        trello_pos: Sequence[Member] = (),
        others: OtherInstances | None = None,
    ) -> None:
        self.board = board
        self.others = others  # another instance acting on the board: looked for before the round writes
        self.trello_pos = tuple(trello_pos)
        self.console = CountedConsole(console)  # what a poll runs, for its dry-run budget
        self._told_waiting: set[tuple[str, str]] = set()  # (card, description hash) told it waits
        self.store = store
        self.settings = settings
        self.lists = lists
        self.clock = clock
        self.steps = steps
        self.requests = requests
        self.emit = emit
        self.workbooks = Workbooks(steps=steps, drive=drive, zone=settings.zone)

    # --- the steps the triage names (the caller holds the card's lock and its error boundary) ------

    def start(self, card: CardSnapshot, record: CardRecord | None) -> None:
        """A new round: the card is in « À simuler », or was just sent back there by an earlier step."""
        card = replace(card, list_id=self.lists.todo)
        description_hash = fingerprint(card.desc, self.settings)
        record = self.store.begin_round(
            card.id,
            description_hash=description_hash,
            short_link=card.short_link,
            name=card.name,
            list_id=card.list_id,
            last_activity=card.last_activity,
            state=next_state(record.state if record else None, Event.ROUND_STARTED),
            now=self.clock(),
            renumber=record is None or record.state not in NO_SIMULATION,  # asking for the label is not one
        )
        self.emit(Emitted.ROUND, card, {"round": record.round, "fingerprint": description_hash})
        self._run_round(Round(card=card, record=record))

    def new_poll(self) -> None:
        """A new poll: its dry-run budget is whole again, and Drive is tried again."""
        self.console.new_poll()
        self.workbooks.new_poll()

    def over_budget(self, card: CardSnapshot) -> bool:
        """A new round of this card would go beyond what is left of the poll's dry-runs."""
        needed = self.dry_runs_needed(card.desc)
        return over_budget(ran=self.console.ran, needed=needed, budget=self.settings.dry_runs_per_poll)

    def dry_runs_needed(self, description: str) -> int:
        """The dry-runs a round of this text runs (0 when the ticket is refused before any)."""
        ticket = parse_ticket(description, default_field=self.settings.migration_field_slug)
        if not ticket.ok:
            return 0
        plan, _ = plan_ticket(ticket, field_slug=self.settings.migration_field_slug)
        if len(plan.rules) > self.settings.max_rules_per_card:
            return 0
        return dry_run_count(plan, accommodation_impact=self.settings.accommodation_impact)

    def defer(self, card: CardSnapshot, record: CardRecord | None) -> None:
        """Beyond the poll's dry-run budget: the card stays in « À simuler » and says once that it waits."""
        told = (card.id, self.description_hash(card.desc))
        log.info("card %s: dry-run budget of this poll spent, simulated at the next poll", card.short_link)
        if told in self._told_waiting:
            return
        text = texts.deferred_comment(
            needed=self.dry_runs_needed(card.desc),
            ran=self.console.ran,
            budget=self.settings.dry_runs_per_poll,
        )
        self.board.comment(card.id, text)
        self._told_waiting.add(told)

    def resume(self, card: CardSnapshot, record: CardRecord) -> None:
        """The current round goes on: after a crash, an error at the previous poll, a settled conflict."""
        self._run_round(Round(card=card, record=record))

    def withdraw(self, card: CardSnapshot, record: CardRecord) -> None:
        """Moved back to « À simuler » by a person: the request waiting on the old round is void."""
        self.retire(record, outcome=outcomes.closed_moved_back(todo_list=self.settings.trello_list_todo))

    def take_out(self, card: CardSnapshot, record: CardRecord) -> None:
        """A person took the card out of « À simuler » mid-round."""
        self.retire(record, outcome=outcomes.closed_taken_out(todo_list=self.settings.trello_list_todo))
        self.steps.transition(Round(card=card, record=record), Event.TAKEN_OUT)

    def ask_label(self, card: CardSnapshot, record: CardRecord | None) -> None:
        """Reads like a migration, without the label: one comment asking for it (the card is recorded, so
        that `status` lists it and the comment is never written twice)."""
        if record is None:
            record = self.store.begin_round(
                card.id,
                description_hash=self.description_hash(card.desc),
                short_link=card.short_link,
                name=card.name,
                list_id=card.list_id,
                last_activity=card.last_activity,
                state=next_state(None, Event.LABEL_MISSING),
                now=self.clock(),
            )
        text = texts.label_missing_comment(
            label=self.settings.trello_card_label, todo_list=self.settings.trello_list_todo
        )
        self.steps.comment(Round(card=card, record=record), Step.LABEL_ASKED, text)

    def put_back(self, card: CardSnapshot, record: CardRecord) -> None:
        """Moved by a person into « Validé — à exécuter » or « Terminé » without a PO decision: one comment,
        and the card goes back to the list its state says (« En attente validation PO » while the PO is
        asked, « À simuler » while the team decides a conflict, « À corriger » otherwise)."""
        run = Round(card=card, record=record)
        back = {
            CardState.AWAITING_APPROVAL: (self.lists.waiting, self.settings.trello_list_waiting),
            CardState.AWAITING_DECISION: (self.lists.todo, self.settings.trello_list_todo),
        }.get(record.state, (self.lists.fix, self.settings.trello_list_fix))
        moved_to = {
            self.lists.approved: self.settings.trello_list_approved,
            self.lists.done: self.settings.trello_list_done,
        }.get(card.list_id, "")
        count = len(self.store.journal_results(card.id, f"{Step.PUT_BACK}-", round_=record.round))
        text = texts.misplaced_comment(
            moved_to=moved_to,
            back_to=back[1],
            waiting=record.state in (CardState.AWAITING_APPROVAL, CardState.AWAITING_DECISION),
            todo_list=self.settings.trello_list_todo,
        )
        self.steps.comment(run, keyed(Step.PUT_BACK_COMMENT, count + 1), text)
        self.board.move(card.id, back[0])  # moving twice is harmless: the step below says it is done
        note = texts.misplaced_note(moved_to=moved_to, back_to=back[1])
        self.store.update_card(card.id, list_id=back[0], last_error=note, now=self.clock())
        self.steps.journal(run, keyed(Step.PUT_BACK, count + 1), back[0])
        log.info("card %s: moved by hand to %s without a decision: put back", card.short_link, moved_to)

    def moved_here_by_us(self, card: CardSnapshot, record: CardRecord) -> bool:
        """Our move landed, its journal entry did not: the round is finished, not taken out."""
        return self.steps.moved_here_by_us(Round(card=card, record=record))

    def retire(self, record: CardRecord, *, outcome: str) -> None:
        """A round that waited on people is over: no decision can count for it any more."""
        self.store.decide(
            record.card_id,
            record.round,
            record.description_hash,
            Verdict.OBSOLETE,
            user_id=CLOCK,
            now=self.clock(),
        )
        if self.requests is not None:
            self.requests.close(self.requests.pending(record), outcome=outcome, status=RequestStatus.OBSOLETE)

    def description_hash(self, description: str) -> str:
        return fingerprint(description, self.settings)

    # --- a round ---------------------------------------------------------------------------------

    def _run_round(self, run: Round) -> None:
        ticket = parse_ticket(run.card.desc, default_field=self.settings.migration_field_slug)
        if not ticket.ok:
            self._reject_ticket(run, ticket)
            return
        plan, ticket = plan_ticket(ticket, field_slug=self.settings.migration_field_slug)
        if len(plan.rules) > self.settings.max_rules_per_card:
            too_many = texts.too_many_rules(len(plan.rules), limit=self.settings.max_rules_per_card)
            self._reject_ticket(run, replace(ticket, errors=(too_many,)))
            return
        self.store.record_centres(run.card.id, plan_centres(plan))
        checks = check_count(plan, accommodation_impact=self.settings.accommodation_impact)
        if self._left_to_another(run):
            return
        self.steps.comment(run, Step.STARTED, texts.started_comment(len(plan.rules), check_count=checks))
        simulation = self._simulation(run, plan, ticket)
        if not simulation.ok:
            self._fail(run, simulation)
            return
        if every_rule_finds_nothing(simulation):
            self._nothing_found(run, simulation)
            return
        if simulation.awaits_decision:
            self._ask_decision(run, simulation)
            return
        self._publish(run, simulation, ticket)

    def _reject_ticket(self, run: Round, ticket: Ticket) -> None:
        text = texts.ticket_errors_comment(
            ticket.errors,
            ticket.warnings,
            fix_list=self.settings.trello_list_fix,
            todo_list=self.settings.trello_list_todo,
            reading=reading_text(
                reading(run.card.desc, ticket), default_field=self.settings.migration_field_slug
            ),
        )
        self.steps.comment(run, Step.TICKET_ERRORS, text)
        self.steps.move(run, Move.TO_FIX, self.lists.fix)
        self.steps.transition(run, Event.TICKET_REJECTED, error=problem_message(ticket.errors[0]))
        self.emit(Emitted.INVALID, run.card, {"errors": len(ticket.errors)})

    def _simulation(self, run: Round, plan: Plan, ticket: Ticket) -> Simulation:
        """The stored simulation of this round if there is one (a resumed round keeps its figures)."""
        stored = run.record.simulation
        decision = ticket.conflict_decision or _decision(run.record.decision)
        if stored is not None:
            simulation = simulation_from_dict(stored)
            if decision is None or simulation.decision == decision:
                return simulation
            simulation = self._decide(simulation, decision)
        else:
            self.emit(Emitted.SIMULATING, run.card, {"commands": len(plan.rules)})
            simulation = simulate(
                plan,
                self.console,
                console_command=self.settings.display_console_command,
                concurrency=self.settings.console_concurrency,
                decision=decision,
                accommodation_impact=self.settings.accommodation_impact,
            )
            simulation = self._near_misses(run, simulation)
            self.store.save_simulation(run.card.id, simulation_to_dict(simulation), now=self.clock())
            # The dry-runs took a while: another instance that started this card at the same moment has
            # written on it. Seen now, before anything is published, the younger stops after one comment
            # too many; the elder goes on (the younger sees its « Simulation en cours » at its own look).
            self._look_for_others(run)
            return simulation
        self.store.save_simulation(run.card.id, simulation_to_dict(simulation), now=self.clock())
        return simulation

    def _look_for_others(self, run: Round) -> Instance | None:
        """Raises StoodDown when an elder instance acts on the card; the younger one at work on it, if any
        (the comments read are kept for the steps)."""
        if self.others is None:
            return None
        looked = self.others.look(run.card)
        run.comments = looked.comments
        return looked.younger_at_work

    def _left_to_another(self, run: Round) -> bool:
        """Before the round's first write on a card people or bots wrote on: another instance may be
        simulating it. An elder's mark stands this one down; a younger one that began first keeps the card
        for now, and one comment (under our mark) shows it ours: it stands down at its next look."""
        if not run.card.comment_count or self.steps.done(run, Step.STARTED) is not None:
            return False
        younger = self._look_for_others(run)
        if younger is None:
            return False
        log.warning("card %s: instance %s is simulating it, left to it", run.card.short_link, younger.id)
        self.steps.comment(run, keyed(Step.LEFT_TO_OTHER, younger.id), others_texts.left_to_it(other=younger))
        return True

    def _near_misses(self, run: Round, simulation: Simulation) -> Simulation:
        """Rules that find no file: their values' near misses dry-run, to say which value finds files."""
        return look_for_near_misses(
            simulation,
            self.console,
            budget=NearMissBudget(
                per_rule=self.settings.near_miss_tries, card_text=f"{run.card.name}\n{run.card.desc}"
            ),
            console_command=self.settings.display_console_command,
            concurrency=self.settings.console_concurrency,
        )

    def _nothing_found(self, run: Round, simulation: Simulation) -> None:
        """No rule moves anybody: a card to fix, not a request to the PO."""
        text = nothing_found_comment(
            simulation, fix_list=self.settings.trello_list_fix, todo_list=self.settings.trello_list_todo
        )
        assert text is not None
        self.steps.comment(run, Step.NOTHING_FOUND, text)
        self._post_outputs(run, simulation)
        self.steps.move(run, Move.TO_FIX, self.lists.fix)
        self.steps.transition(run, Event.SIMULATION_FAILED, error=zero_match_line(simulation, 0))
        self.emit(Emitted.NOTHING_FOUND, run.card, {"rules": len(simulation.runs)})

    def _decide(self, simulation: Simulation, decision: ConflictDecision) -> Simulation:
        if decision is ConflictDecision.WITHOUT_ACCOMMODATIONS and simulation.conflicts:
            return redo_without_accommodations(
                simulation,
                self.console,
                console_command=self.settings.display_console_command,
                concurrency=self.settings.console_concurrency,
            )
        return replace(simulation, decision=decision)

    def _fail(self, run: Round, simulation: Simulation) -> None:
        text = texts.failure_comment(
            simulation,
            fix_list=self.settings.trello_list_fix,
            todo_list=self.settings.trello_list_todo,
            stopped_after=TRANSPORT_FAILURES_TO_STOP,
        )
        self.steps.comment(run, Step.FAILURE, text)
        self._post_outputs(run, simulation)
        self.steps.move(run, Move.TO_FIX, self.lists.fix)
        first = simulation.failed_runs[0]
        self.steps.transition(run, Event.SIMULATION_FAILED, error=first.error)
        self.emit(Emitted.FAILED, run.card, {"error": first.error})

    def _ask_decision(self, run: Round, simulation: Simulation) -> None:
        to_migrate = simulation.accommodations_to_migrate
        self.steps.comment(
            run,
            Step.CONFLICT,
            texts.conflict_comment(
                simulation.conflicts, to_migrate=to_migrate, slack=self.requests is not None
            ),
        )
        if self.requests is not None:
            text, blocks = conflict_request(
                card=CardLink(run.card.name, run.card.url),
                key=RequestKey(run.card.id, run.record.round, run.record.description_hash),
                conflicts=[conflict for _, conflict in simulation.conflicts],
                to_migrate=to_migrate,
                deciders=[] if self.settings.slack_team_channel_id else sorted(self.requests.po_ids),
            )
            channels = self.requests.conflict_channels()
            self.steps.slack_post(
                run,
                Step.SLACK_CONFLICT,
                kind=RequestKind.CONFLICT,
                channels=channels,
                text=text,
                blocks=blocks,
            )
        already_told = run.record.state is CardState.AWAITING_DECISION  # each poll resumes a waiting round
        self.steps.transition(run, Event.CONFLICTS_FOUND)
        if not already_told:  # told once a round, like its comment and request: not at every poll
            self.emit(Emitted.CONFLICT, run.card, {"conflicts": len(simulation.conflicts)})

    def _publish(self, run: Round, simulation: Simulation, ticket: Ticket) -> None:
        if run.record.decision_by:
            self._announce_decision(run)
        synthesis = summarize(simulation)
        extra = self._lock_warnings(run, simulation)
        warnings = [*ticket.warnings, *extra]
        workbook = self.workbooks.publish(run, simulation, synthesis, warnings)  # to Drive first: its link
        asked = texts.synthesis_comment(
            simulation,
            synthesis,
            warnings=warnings,
            po_usernames=[po.username for po in self.trello_pos],
            drive_note=workbook.note,
        )
        self.steps.comment(run, Step.SYNTHESIS, asked)
        self._post_outputs(run, simulation, lead=texts.details_sections(simulation, synthesis))
        self.steps.attach(
            run, Step.EXCEL, filename=workbook.filename, data=workbook.data, mime_type=XLSX_MIME
        )
        self.steps.move(run, Move.TO_WAITING, self.lists.waiting)
        if self.requests is not None:  # last: a click must find the card waiting for it
            synthesis_text = render_synthesis(simulation, synthesis, ticket_warnings=warnings)
            synthesis_text = with_zero_match(simulation, synthesis_text)
            self._request_approval(run, synthesis_text, workbook, warning=zero_match_count(simulation))
        self.steps.transition(run, Event.PUBLISHED)
        self.emit(Emitted.SIMULATED, run.card, {"synthesis": synthesis, "simulation": simulation})

    def retry_drive(self, card: CardSnapshot, record: CardRecord) -> None:
        """A workbook Drive refused is offered again at each poll, with the round's own figures."""
        run = Round(card=card, record=record)
        if run.record.simulation is None or not self.workbooks.retry_due(run):
            return
        _, ticket = plan_ticket(
            parse_ticket(run.card.desc, default_field=self.settings.migration_field_slug),
            field_slug=self.settings.migration_field_slug,
        )
        simulation = simulation_from_dict(run.record.simulation)
        warnings = [*ticket.warnings, *self._lock_warnings(run, simulation)]
        self.workbooks.retry(run, self.workbooks.build(run, simulation, summarize(simulation), warnings))

    def _announce_decision(self, run: Round) -> None:
        """A conflict decided on Slack: said on the card, and the team's request closed, before the PO is asked."""
        decision = _decision(run.record.decision)
        assert decision is not None
        by = (
            self.steps.chat.user_name(run.record.decision_by or "")
            if self.steps.chat
            else run.record.decision_by
        )
        self.steps.comment(
            run,
            Step.CONFLICT_DECISION,
            texts.conflict_decision_comment(decision=DECISION_TEXT[decision], by=by or ""),
        )
        if self.requests is not None:
            self.requests.close(
                self.requests.pending(run.record, kind=RequestKind.CONFLICT),
                outcome=outcomes.closed_conflict_settled(
                    user_id=run.record.decision_by or "", decision=decision
                ),
                status=RequestStatus.DECIDED,
            )

    def _request_approval(
        self, run: Round, synthesis_text: str, workbook: Workbook, *, warning: str | None = None
    ) -> None:
        assert self.requests is not None
        text, blocks = approval_request(
            card=CardLink(run.card.name, run.card.url),
            key=RequestKey(run.card.id, run.record.round, run.record.description_hash),
            synthesis=synthesis_text,
            po_ids=sorted(self.requests.po_ids),
            drive_link=workbook.link,
            drive_note="" if workbook.link else workbook.note,
            warning=warning,
        )
        channels = self.requests.approval_channels()
        refs = self.steps.slack_post(
            run, Step.SLACK_REQUEST, kind=RequestKind.APPROVAL, channels=channels, text=text, blocks=blocks
        )
        for ref in refs:
            self.steps.slack_upload(
                run,
                keyed(Step.SLACK_FILE, ref.channel),
                ref,
                filename=workbook.filename,
                data=workbook.data,
                title=outcomes.EXCEL_TITLE,
            )

    def _post_outputs(
        self, run: Round, simulation: Simulation, *, lead: list[list[str]] | None = None
    ) -> None:
        """The console's outputs; after a synthesis, under « Détails techniques » with `lead` first."""
        outputs = texts.outputs_plan(
            [dry_run for dry_run in simulation.runs if not dry_run.not_run],
            checks=[check for check in simulation.accommodation_checks or () if not check.not_run],
            tries=[miss.run for miss in simulation.near_misses if miss.run is not None],
            lead=lead or (),
            title=texts.DETAILS_TITLE if lead else texts.OUTPUTS_TITLE,
        )
        for number, text in enumerate(outputs.comments, start=1):
            self.steps.comment(run, keyed(Step.OUTPUTS, number), text)
        if outputs.attachment is not None:
            self.steps.attach(
                run,
                Step.OUTPUTS_FILE,
                filename="sorties_console.txt",
                data=outputs.attachment,
                mime_type="text/plain",
            )

    def _lock_warnings(self, run: Round, simulation: Simulation) -> list[str]:
        centres = plan_centres(simulation.plan)
        names = {r.origin.id: r.origin for r in simulation.plan.rules} | {
            r.destination.id: r.destination for r in simulation.plan.rules
        }
        prefix = shared_prefix([c.name or "" for c in names.values()])
        warnings = []
        for other, shared in self.store.overlapping_cards(run.card.id, centres):
            if other.round_started_at > run.record.round_started_at:
                continue  # the later card carries the warning
            for centre_id in shared:
                warnings.append(
                    texts.lock_warning(
                        centre=short_label(names[centre_id], prefix),
                        other_name=other.name,
                        other_url=f"https://trello.com/c/{other.short_link or other.card_id}",
                    )
                )
        return warnings

    # --- obsolete approvals ----------------------------------------------------------------------

    def make_obsolete(self, card: CardSnapshot, record: CardRecord) -> None:
        """The description changed while people were asked: their request no longer applies. The card goes
        back to « À simuler », unless somebody parked it in « À corriger » to finish their correction."""
        description_hash = self.description_hash(card.desc)
        run = Round(card=card, record=record)
        parked = card.list_id == self.lists.fix
        text = texts.obsolete_comment(
            old_fingerprint=record.description_hash,
            new_fingerprint=description_hash,
            kind=RequestKind.CONFLICT
            if record.state is CardState.AWAITING_DECISION
            else RequestKind.APPROVAL,
            todo_list=self.settings.trello_list_todo,
            moved=not parked,
        )
        self.steps.comment(run, Step.OBSOLETE, text)
        self.retire(record, outcome=outcomes.closed_card_changed(parked=parked))
        if not parked and card.list_id != self.lists.todo:
            self.steps.move(run, Move.BACK_TO_TODO, self.lists.todo)
        self.steps.transition(run, Event.DESCRIPTION_CHANGED)
        self.emit(Emitted.OBSOLETE, card, {"old": record.description_hash, "new": description_hash})

    def report_internal_error(
        self, card: CardSnapshot, error: Exception, *, progressed: bool = False
    ) -> None:
        """`progressed`: the attempt journaled steps before it failed (a flaky Trello, not a stuck card)."""
        record = self.store.card(card.id)
        if record is None:
            return
        state = next_state(record.state, Event.INTERNAL_ERROR)
        why = f"{type(error).__name__}: {error}"
        self.store.record_error(card.id, why, state=state, now=self.clock(), progressed=progressed)
        if isinstance(error, BoardUnavailable):
            return  # Trello itself is the problem: a comment would fail too
        try:
            run = Round(card=card, record=record)
            self.steps.comment(run, Step.INTERNAL_ERROR, texts.internal_error_comment(type(error).__name__))
        except Exception:
            log.exception("card %s: could not report the error on the card", card.short_link or card.id)


def _decision(value: str | None) -> ConflictDecision | None:
    return ConflictDecision(value) if value else None
